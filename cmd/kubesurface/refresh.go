package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// The environment's say over the background refresh: KUBESURFACE_OFFLINE
// keeps every run off the network (CI, air-gapped hosts, the tests), and
// the URL variables point the refresh and `data update` at mirrors or, in
// tests, at local servers.
const (
	offlineEnv = "KUBESURFACE_OFFLINE"
	eolEnv     = "KUBESURFACE_ENDOFLIFE_URL"
	osvEnv     = "KUBESURFACE_OSV_URL"
	feedEnv    = "KUBESURFACE_CVE_FEED_URL"
)

// offlineFromEnv: any value but empty, 0 or false is offline, so that a
// typo errs on the side of no network.
func offlineFromEnv() bool {
	v := strings.TrimSpace(os.Getenv(offlineEnv))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// sourceURLs are the sources' URLs: the public services unless the
// environment names others.
func sourceURLs() (eol, osv, feed string) {
	or := func(env, def string) string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		return def
	}
	return or(eolEnv, assess.DefaultEndOfLife), or(osvEnv, assess.DefaultOSV), or(feedEnv, assess.DefaultCVEFeed)
}

// embeddedData is the data compiled into the binary, which every command
// weighs the cache against. The test binary's TestMain sets it to
// assess.Base, so that tests judging at fixed dates assert on the
// hand-collected data whatever refresh the release step has embedded;
// nothing else sets it, and no flag or variable reaches it.
var embeddedData = assess.Embedded

// newestData is assess.Newest over embeddedData.
func newestData(ctx context.Context, now time.Time) (*assess.Bundle, []string) {
	emb, err := embeddedData()
	if err != nil {
		// Validated by tests: a build defect, and judgements without
		// data would mislead.
		panic(err)
	}
	return assess.NewestOver(ctx, emb, now)
}

// refreshFlags is --offline, on every command that judges fresh results.
type refreshFlags struct{ offline bool }

func (f *refreshFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.offline, "offline", false, "never refresh data older than 7 days in the background (also "+offlineEnv+"=1)")
}

// judging is a run's judging stage and the refresh feeding it, if any.
type judging struct {
	stage   *assess.Stage
	refresh *assess.Refresh
	// notes are for the user at start: a rejected cache, stale data.
	notes []string
	// stop ends the refresh, if it still runs, and waits for it.
	stop func()
}

// start loads the newest data for judgements at now and, unless the user
// or the environment said offline, starts refreshing it in the background
// when it is over assess.RefreshDays old. Nothing here waits for the
// network; the refresh ends with ctx or with stop.
func (f *refreshFlags) start(ctx context.Context, now time.Time) judging {
	data, notes := newestData(ctx, now)
	j := judging{stage: assess.NewStage(data, now), notes: notes, stop: func() {}}
	if ctx.Err() != nil {
		return j
	}
	eol, osv, feed := sourceURLs()
	rctx, cancel := context.WithCancel(ctx)
	j.refresh = j.stage.StartRefresh(rctx, assess.RefreshOptions{
		Sources: assess.UpdateOptions{EndOfLife: eol, OSV: osv, CVEFeed: feed},
		Offline: f.offline || offlineFromEnv(),
	})
	r := j.refresh
	if r != nil {
		refreshStarted(r)
	}
	j.stop = func() {
		cancel()
		if r != nil {
			<-r.Done()
		}
	}
	return j
}

// refreshStarted is told of every background refresh a command starts.
// Tests hold a target's answer until the refresh has ended, which nothing
// outside the process can see: the cache file appears before the new data
// is in use, so waiting for the file alone left a window in which the scan
// could end first.
var refreshStarted = func(*assess.Refresh) {}

// refreshGrace is how long a refresh still in flight when a scan's output
// is written may go on, for the cache only: a quick scan then still leaves
// fresh data for the next run, at a cost the user barely notices. Past it
// the refresh is abandoned (and tried again by the next run).
const refreshGrace = 2 * time.Second

// settleRefresh applies a scan's refresh before the output is written, if
// it has landed: the results held for the output are judged again, so a
// report never mixes two data sets; lines already streamed cannot change,
// and the note says which data judged which. A refresh still in flight
// delays nothing: pending is true, the note says the results use the data
// in use, and finishRefresh deals with it after the output. judgedWith
// counts the results finished so far by the generation of the data that
// judged them. The note is "" when no refresh was tried.
func settleRefresh(j judging, interrupted, stream bool, results []scan.Result, judgedWith map[int]int) (note string, pending bool) {
	r := j.refresh
	if r == nil || interrupted {
		return "", false // a stop ends the refresh too; nothing changed
	}
	select {
	case <-r.Done():
	default:
		old, _ := j.stage.Data()
		return fmt.Sprintf("data refresh still running when the scan ended: every result is judged with data as of %s", old.DataAsOf), true
	}
	out := r.Wait()
	if !out.Refreshed {
		return out.Note, false
	}
	before := 0
	for gen, n := range judgedWith {
		if gen != 0 && gen < out.Gen {
			before += n
		}
	}
	switch {
	case !stream:
		for i := range results {
			j.stage.Judge(&results[i])
		}
		return fmt.Sprintf("%s; every result is judged with it (%d judged again)", out.Note, before), false
	case before == 0:
		return out.Note + "; every result is judged with it", false
	}
	return fmt.Sprintf("%s; %s printed before it landed %s judged with data as of %s (printed lines do not change), the %d after with data as of %s",
		out.Note, scan.Plural(before, "result"), wereOrWas(before), out.Old.DataAsOf, judgedWith[out.Gen], out.New.DataAsOf), false
}

// finishRefresh gives a refresh still in flight after the output
// refreshGrace to land in the cache, else abandons it, and says which.
func finishRefresh(j judging) string {
	r := j.refresh
	select {
	case <-r.Done():
	case <-time.After(refreshGrace):
		j.stop()
		old, _ := j.stage.Data()
		return fmt.Sprintf("data refresh abandoned: not done %s after the output; data as of %s stays in use and the next run tries again", refreshGrace, old.DataAsOf)
	}
	out := r.Wait()
	if !out.Refreshed {
		return out.Note
	}
	return fmt.Sprintf("%s after the output, which is judged with data as of %s; the next run uses it", out.Note, out.Old.DataAsOf)
}

func wereOrWas(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}
