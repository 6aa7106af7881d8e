package assess

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// finished is a result as the scanner ends it, with a version to judge.
func finished(git string) *scan.Result {
	return &scan.Result{Phase: scan.PhaseDone, State: scan.StateDone,
		Version: &scan.Version{GitVersion: git, Source: "anonymous"}}
}

// TestStageJudgesOnlyWhatAJudgementIsAbout: unfinished results and those
// cut short before a version was seen stay unjudged, whoever consumes the
// stage.
func TestStageJudgesOnlyWhatAJudgementIsAbout(t *testing.T) {
	s := NewStage(mustBase(t), day("2026-11-30"))
	cases := []struct {
		name string
		r    *scan.Result
		want int
	}{
		{"finished", finished("v1.35.8"), 1},
		{"probing", &scan.Result{Phase: scan.PhaseTLS, State: scan.StateProbing}, 0},
		{"cancelled, no version", &scan.Result{Phase: scan.PhaseDone, State: scan.StateCancelled}, 0},
		{"cancelled with a version", &scan.Result{Phase: scan.PhaseDone, State: scan.StateCancelled, Version: &scan.Version{GitVersion: "v1.35.8"}}, 1},
		{"failed", &scan.Result{Phase: scan.PhaseDone, State: scan.StateFailed}, 1},
	}
	for _, c := range cases {
		if got := s.Judge(c.r); got != c.want || (c.r.Urgency != nil) != (c.want != 0) {
			t.Errorf("%s: generation %d, urgency %v; want generation %d", c.name, got, c.r.Urgency, c.want)
		}
	}
}

func TestRefreshDue(t *testing.T) {
	b := &Bundle{DataAsOf: "2026-08-22", SnapshotDate: "2026-11-25"}
	for _, c := range []struct {
		today string
		due   bool
	}{
		{"2026-08-29", false}, // 7 days: not yet
		{"2026-08-30", true},
		{"2026-11-25", false}, // assembled today: the sources had nothing newer
		{"2026-11-30", true},
	} {
		if got := Due(b, day(c.today)); got != c.due {
			t.Errorf("data as of %s, assembled %s, on %s: due %v, want %v", b.DataAsOf, b.SnapshotDate, c.today, got, c.due)
		}
	}
}

// refreshOptions points a refresh at local sources and a fresh cache.
func refreshOptions(t *testing.T, o UpdateOptions) RefreshOptions {
	return RefreshOptions{Sources: o, Today: time.Now().UTC(), CachePath: filepath.Join(t.TempDir(), "kubesurface", "data.json")}
}

func TestRefreshLandsInTheStage(t *testing.T) {
	fs, o := startSources(t, nil)
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	fs.Stamp(yesterday)
	old := mustBase(t)
	s := NewStage(old, day("2026-11-30"))
	ro := refreshOptions(t, o)

	before := finished("v1.34.1")
	if g := s.Judge(before); g != 1 {
		t.Fatalf("generation %d before the refresh", g)
	}
	r := s.StartRefresh(context.Background(), ro)
	if r == nil {
		t.Fatal("no refresh of data as of " + old.DataAsOf)
	}
	out := r.Wait()
	if !out.Refreshed || out.Gen != 2 || out.Old != old {
		t.Fatalf("outcome %+v: want refreshed, generation 2", out)
	}
	wantAsOf := yesterday.Format(time.DateOnly)
	if out.New.DataAsOf != wantAsOf || !strings.Contains(out.Note, "data as of "+wantAsOf) || !strings.Contains(out.Note, ro.CachePath) {
		t.Errorf("new data as of %s, note %q: want %s and the cache named", out.New.DataAsOf, out.Note, wantAsOf)
	}
	if b, gen := s.Data(); b != out.New || gen != 2 || b.Origin != ro.CachePath {
		t.Errorf("stage holds %s (generation %d), want the refreshed data from the cache", b.Origin, gen)
	}
	// The same atomic write as `data update`: the cache reads back.
	c, err := ReadCache(context.Background(), ro.CachePath)
	if err != nil || c == nil || c.DataAsOf != wantAsOf {
		t.Fatalf("cache %v, %v: want data as of %s", c, err, wantAsOf)
	}
	after := finished("v1.34.1")
	if g := s.Judge(after); g != 2 {
		t.Errorf("generation %d after the refresh, want 2", g)
	}
	if before.Urgency.DataAsOf != old.DataAsOf || after.Urgency.DataAsOf != wantAsOf {
		t.Errorf("judged with data as of %s before and %s after; want %s and %s", before.Urgency.DataAsOf, after.Urgency.DataAsOf, old.DataAsOf, wantAsOf)
	}
	if s.StartRefresh(context.Background(), ro) != nil {
		t.Error("a second refresh of data just refreshed")
	}
	if fs.Served() == 0 {
		t.Error("the sources were never asked")
	}
}

func TestRefreshFailureChangesNothing(t *testing.T) {
	_, o := startSources(t, func(key string, w http.ResponseWriter, _ *http.Request) bool {
		if key != "feed" {
			return false
		}
		http.Error(w, "upstream down", http.StatusBadGateway)
		return true
	})
	old := mustBase(t)
	s := NewStage(old, day("2026-11-30"))
	ro := refreshOptions(t, o)
	out := s.StartRefresh(context.Background(), ro).Wait()
	if out.Refreshed || out.New != nil {
		t.Fatalf("outcome %+v: want nothing refreshed", out)
	}
	for _, w := range []string{"data refresh failed", "official CVE feed", "502", "data as of " + old.DataAsOf + " stays in use"} {
		if !strings.Contains(out.Note, w) {
			t.Errorf("note %q lacks %q", out.Note, w)
		}
	}
	if b, gen := s.Data(); b != old || gen != 1 {
		t.Errorf("stage holds %s generation %d, want the old data", b.Origin, gen)
	}
	if _, err := os.Stat(ro.CachePath); !os.IsNotExist(err) {
		t.Errorf("cache written after a failure: %v", err)
	}
}

func TestRefreshOffStaysOff(t *testing.T) {
	fs, o := startSources(t, nil)
	s := NewStage(mustBase(t), day("2026-11-30"))
	ro := refreshOptions(t, o)
	ro.Offline = true
	if r := s.StartRefresh(context.Background(), ro); r != nil {
		t.Error("a refresh while offline")
	}
	ro.Offline = false
	ro.Today = day(mustBase(t).DataAsOf).AddDate(0, 0, RefreshDays)
	if r := s.StartRefresh(context.Background(), ro); r != nil {
		t.Error("a refresh of data not yet due")
	}
	if n := fs.Served(); n != 0 {
		t.Errorf("%d requests served", n)
	}
}

// TestRefreshStopsWithItsContext: Ctrl-C ends a refresh waiting on a
// source that never answers, and it says it was stopped.
func TestRefreshStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	_, o := startSources(t, func(key string, w http.ResponseWriter, r *http.Request) bool {
		if key != "feed" {
			return false
		}
		cancel()
		<-r.Context().Done()
		return true
	})
	s := NewStage(mustBase(t), day("2026-11-30"))
	out := s.StartRefresh(ctx, refreshOptions(t, o)).Wait()
	if out.Refreshed || !strings.Contains(out.Note, "data refresh failed (stopped)") {
		t.Errorf("outcome %+v: want stopped", out)
	}
}

// TestRefreshFailureIsTriedOnceADay: after a refresh fails, later runs of
// the same day do not try again (no request reaches the sources); the
// next day they do, and a refresh that lands clears the mark.
func TestRefreshFailureIsTriedOnceADay(t *testing.T) {
	var up atomic.Bool
	fs, o := startSources(t, func(key string, w http.ResponseWriter, _ *http.Request) bool {
		if up.Load() || key != "feed" {
			return false
		}
		http.Error(w, "upstream down", http.StatusBadGateway)
		return true
	})
	fs.Stamp(time.Now().UTC().AddDate(0, 0, -1))
	ro := refreshOptions(t, o)
	s := NewStage(mustBase(t), day("2026-11-30"))
	if out := s.StartRefresh(context.Background(), ro).Wait(); out.Refreshed {
		t.Fatalf("outcome %+v: want a failure", out)
	}
	served := fs.Served()
	if r := s.StartRefresh(context.Background(), ro); r != nil {
		t.Errorf("tried again on the day it failed: %+v", r.Wait())
	}
	if n := fs.Served(); n != served {
		t.Errorf("%d more requests on the day the refresh failed", n-served)
	}
	up.Store(true)
	ro.Today = ro.Today.AddDate(0, 0, 1)
	r := s.StartRefresh(context.Background(), ro)
	if r == nil {
		t.Fatal("not tried again the next day")
	}
	if out := r.Wait(); !out.Refreshed {
		t.Fatalf("outcome %+v: want refreshed", out)
	}
	if _, err := os.Stat(failedFile(ro.CachePath)); !os.IsNotExist(err) {
		t.Errorf("the failure mark stays after a refresh landed: %v", err)
	}
}
