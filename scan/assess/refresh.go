package assess

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RefreshDays is how old the data in use may get (its data_as_of) before a
// run refreshes it on its own, as trivy refreshes its database: CVEs are
// disclosed weekly, and a week-old judgement is the most a user should get
// without asking for one.
const RefreshDays = 7

// RefreshTimeout bounds a background refresh, every request included. The
// refresh never holds up a scan or its output (`scan` gives one still in
// flight a short grace after the output, for the cache only); this bounds
// what it costs a long run, the TUI or demo.
const RefreshTimeout = 15 * time.Second

// RefreshOptions say where and whether to refresh.
type RefreshOptions struct {
	// Sources are the source URLs and client, as for Update; its Timeout
	// and Now are set by the refresh.
	Sources UpdateOptions
	// Offline turns the refresh off (--offline, KUBESURFACE_OFFLINE).
	Offline bool
	// Timeout bounds the whole refresh; zero is RefreshTimeout.
	Timeout time.Duration
	// Today is the real date: whether data is out of date is about the
	// world, not about the --now a judgement is made for. Zero is today.
	Today time.Time
	// CachePath is where refreshed data is written; "" is CacheFile().
	CachePath string
}

// Refresh is one background refresh of a Stage's data.
type Refresh struct {
	done    chan struct{}
	outcome RefreshOutcome
}

// RefreshOutcome is what a refresh did.
type RefreshOutcome struct {
	// Refreshed is true when new data was written to the cache and swapped
	// into the stage; Old and New are the data before and after.
	Refreshed bool
	Old, New  *Bundle
	// Gen is the stage's generation of New.
	Gen int
	// Note says in words what happened: the new data, or why nothing
	// changed. Its text may quote a source's answer: clean it to show it.
	Note string
}

// Due says whether data b is old enough at today for a run to refresh it:
// older than RefreshDays, and not already fetched today (sources that have
// nothing newer would otherwise be asked again by every run of the day).
func Due(b *Bundle, today time.Time) bool {
	asOf, err := parseDate(b.DataAsOf)
	if err != nil {
		return false
	}
	return DaysBetween(asOf, today) > RefreshDays && b.SnapshotDate != today.UTC().Format(time.DateOnly)
}

// StartRefresh refreshes the stage's data in the background when it is
// Due and o allows, with the sources and checks of `data update` and its
// atomic write to the cache; the new data is swapped into the stage once
// written. It returns nil when there is nothing to do. A failure changes
// nothing and is said once, in the outcome's note. The refresh ends with
// ctx (Ctrl-C) or after o.Timeout, whichever comes first.
func (s *Stage) StartRefresh(ctx context.Context, o RefreshOptions) *Refresh {
	if o.Today.IsZero() {
		o.Today = time.Now()
	}
	old, _ := s.Data()
	if o.Offline || !Due(old, o.Today) {
		return nil
	}
	if o.CachePath == "" {
		// Without a cache directory the refresh fails and says so.
		o.CachePath, _, _ = CacheFile()
	}
	if o.CachePath != "" && failedOn(o.CachePath) == o.Today.UTC().Format(time.DateOnly) {
		return nil
	}
	if o.Timeout <= 0 {
		o.Timeout = RefreshTimeout
	}
	r := &Refresh{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.outcome = s.refresh(ctx, old, o)
		if o.CachePath != "" && !r.outcome.Refreshed && ctx.Err() == nil {
			markFailed(o.CachePath, o.Today)
		} else if r.outcome.Refreshed {
			_ = os.Remove(failedFile(o.CachePath))
		}
	}()
	return r
}

// failedFile, next to the cache, holds the day a refresh last failed (or
// found nothing newer): a machine that cannot reach the sources then pays
// for the attempt once a day and not on every run. `data update` always tries.
func failedFile(cache string) string { return cache + ".refresh-failed" }

// failedOn is the day in failedFile, "" when there is none. The file is
// ours, but read as anything in the cache directory is: a few bytes at most.
func failedOn(cache string) string {
	f, err := os.Open(failedFile(cache))
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	return strings.TrimSpace(string(b))
}

func markFailed(cache string, today time.Time) {
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		return
	}
	_ = os.WriteFile(failedFile(cache), []byte(today.UTC().Format(time.DateOnly)+"\n"), 0o600)
}

func (s *Stage) refresh(ctx context.Context, old *Bundle, o RefreshOptions) RefreshOutcome {
	out := RefreshOutcome{Old: old}
	fail := func(err error) RefreshOutcome {
		why := err.Error()
		if ctx.Err() != nil {
			why = "stopped"
		}
		out.Note = fmt.Sprintf("data refresh failed (%s); data as of %s stays in use", why, old.DataAsOf)
		return out
	}
	path := o.CachePath
	if path == "" {
		var err error
		if path, _, err = CacheFile(); err != nil {
			return fail(err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	src := o.Sources
	src.Timeout, src.Now = o.Timeout, o.Today
	if src.Client == nil {
		src.Client = refreshClient()
	}
	b, _, err := Update(ctx, src)
	if err != nil {
		return fail(err)
	}
	if b.DataAsOf < old.DataAsOf {
		// Newest would not pick it either; the cache keeps what it had.
		out.Note = fmt.Sprintf("data refresh: the sources gave data as of %s, older than the data in use (as of %s), which stays in use", b.DataAsOf, old.DataAsOf)
		return out
	}
	if err := WriteCache(path, b); err != nil {
		return fail(fmt.Errorf("writing the cache %s: %w", path, err))
	}
	b.Origin = path
	out.Refreshed, out.New = true, b
	out.Gen = s.Swap(b)
	out.Note = fmt.Sprintf("data refreshed: data as of %s (was %s), written to %s", b.DataAsOf, old.DataAsOf, path)
	return out
}

// refreshDial bounds each connection attempt of a refresh: a network that
// drops packets fails the refresh in this long rather than in the whole
// RefreshTimeout.
const refreshDial = 5 * time.Second

// refreshClient is http.DefaultClient's transport (proxies from the
// environment included, as for `data update`) with refreshDial.
func refreshClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: refreshDial, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: t}
}

// Done is closed when the refresh has ended, landed or not.
func (r *Refresh) Done() <-chan struct{} { return r.done }

// Wait waits for the refresh to end and returns its outcome.
func (r *Refresh) Wait() RefreshOutcome {
	<-r.done
	return r.outcome
}
