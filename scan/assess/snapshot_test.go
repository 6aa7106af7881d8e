package assess

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyData copies the embedded snapshot's files into a fresh directory.
func copyData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"lifecycle.json", "cves.json", "versions-eol-notes.json", "SOURCES.md"} {
		raw, err := os.ReadFile(filepath.Join("data", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReleaseStepRefreshesTheSnapshot: what the release step fetches
// (here from local servers in the sources' formats) becomes the snapshot
// the binary loads, with notes that say when and from where, written
// again, not piled up, at the next release.
func TestReleaseStepRefreshesTheSnapshot(t *testing.T) {
	dir := copyData(t)
	base, err := LoadSnapshot(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if emb := mustBase(t); base.DataAsOf != emb.DataAsOf || len(base.CVEs) != len(emb.CVEs) { // the hand-collected files, as Base reads them
		t.Fatalf("the copied files load as data as of %s, the embedded as %s", base.DataAsOf, emb.DataAsOf)
	}
	fs, o := startSources(t, nil)
	for i, day := range []time.Time{time.Now().UTC().AddDate(0, 0, -2), time.Now().UTC().AddDate(0, 0, -1)} {
		fs.Stamp(day)
		o.Now = time.Now().UTC()
		b, _, err := Update(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteSnapshot(dir, b); err != nil {
			t.Fatalf("release %d: %v", i, err)
		}
		got, err := LoadSnapshot(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		want := day.Format(time.DateOnly)
		if got.DataAsOf != want || got.Origin != base.Origin || len(got.CVEs) != len(b.CVEs) {
			t.Errorf("release %d loads as data as of %s from %q (%d CVEs); want %s, %q, %d", i, got.DataAsOf, got.Origin, len(got.CVEs), want, base.Origin, len(b.CVEs))
		}
		md, err := os.ReadFile(filepath.Join(dir, "SOURCES.md"))
		if err != nil {
			t.Fatal(err)
		}
		notes := string(md)
		if strings.Count(notes, sourcesNoteStart) != 1 || !strings.Contains(notes, "data as of "+want) || !strings.Contains(notes, fs.srv.URL) {
			t.Errorf("release %d: SOURCES.md does not say once when and from where:\n%s", i, notes[:min(len(notes), 1500)])
		}
		if !strings.HasPrefix(notes, "# Offline reference data") || !strings.Contains(notes, "**lifecycle.json** holds") {
			t.Errorf("release %d: the description of the base files is gone", i)
		}
	}
}

func TestSnapshotRefusesOlderRefreshedData(t *testing.T) {
	dir := copyData(t)
	b := mustBase(t)
	b.DataAsOf = "2020-01-01"
	raw := mustMarshal(b)
	if err := os.WriteFile(filepath.Join(dir, RefreshedFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSnapshot(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "older than the files it refreshes") {
		t.Errorf("error %v: want older refreshed data refused", err)
	}
}
