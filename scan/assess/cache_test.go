package assess

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// cacheWith writes the embedded data, changed by mod and dated today, as
// the cache under a fresh $XDG_CACHE_HOME, bypassing WriteCache's checks as
// a hand-edited or crafted file would.
func cacheWith(t *testing.T, mod func(b *Bundle)) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("HOME", t.TempDir())
	return writeBundle(t, filepath.Join(dir, "kubesurface", "data.json"), mod)
}

func writeBundle(t *testing.T, path string, mod func(b *Bundle)) string {
	t.Helper()
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	b.DataAsOf, b.SnapshotDate = today, today
	if mod != nil {
		mod(b)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCacheSanity: a cache dated after today, or whose CVE ranges were
// emptied so that every version would look unaffected, is refused with a
// note saying why, and the embedded snapshot judges instead. A sound cache
// of today is used, so the refusals are the checks' doing.
func TestCacheSanity(t *testing.T) {
	cases := []struct {
		name string
		mod  func(b *Bundle)
		why  string // in the note; "" for a cache that is used
	}{
		{"sound, dated today", nil, ""},
		{"data from the future", func(b *Bundle) { b.DataAsOf = "9999-01-01" }, "data_as_of 9999-01-01 is after today"},
		{"assembled the day after tomorrow", func(b *Bundle) {
			// Two days on, so a run across midnight still sees the future.
			b.SnapshotDate = time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		}, "snapshot_date"},
		{"a CVE without ranges", func(b *Bundle) { b.CVEs[0].Affected = nil }, "no affected ranges"},
		{"every CVE without ranges", func(b *Bundle) {
			for i := range b.CVEs {
				b.CVEs[i].Affected = []Range{}
			}
		}, "no affected ranges"},
		{"a range with no bounds", func(b *Bundle) { b.CVEs[3].Affected = []Range{{}} }, "without an introduced version"},
		{"a range with a fix but no start", func(b *Bundle) {
			b.CVEs[5].Affected = []Range{{Fixed: "1.30.2"}}
		}, "without an introduced version"},
		// Found by FuzzBundle: Validate dereferenced it, so every scan crashed.
		{"a null calendar", func(b *Bundle) { b.Lifecycle[EKS] = nil }, "lifecycle eks: null"},
		// Found by FuzzBundle: every judgement built the upgrade path to it,
		// billions of hops.
		{"a newest minor no release is numbered", func(b *Bundle) {
			up := b.Lifecycle[Upstream]
			up.Releases = append(up.Releases, Release{Minor: "1.4294967295", EndOfStandard: "2099-01-01"})
			up.NewestMinor = "1.4294967295"
		}, "beyond 999.999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := cacheWith(t, c.mod)
			b, notes := Newest(context.Background(), time.Now().UTC())
			joined := strings.Join(notes, "\n")
			if c.why == "" {
				if b.Origin != path || joined != "" {
					t.Errorf("a sound cache: origin %q, notes %q", b.Origin, notes)
				}
				return
			}
			if b.Origin != "embedded snapshot" {
				t.Errorf("judging with %q", b.Origin)
			}
			if !strings.Contains(joined, "ignoring the data cache") || !strings.Contains(joined, path) || !strings.Contains(joined, c.why) {
				t.Errorf("notes %q: want the cache ignored, naming %s and %q", notes, path, c.why)
			}
			if _, err := ReadCache(context.Background(), path); err == nil {
				t.Error("ReadCache accepted it")
			}
		})
	}
}

// TestEmptiedRangesWouldHideCVEs shows why emptied ranges are refused: the
// same bundle judges a vulnerable version safe.
func TestEmptiedRangesWouldHideCVEs(t *testing.T) {
	b, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(matchCVEs(b.CVEs, "1.30.1")) == 0 {
		t.Fatal("the embedded data lists no CVE for 1.30.1")
	}
	for i := range b.CVEs {
		b.CVEs[i].Affected = []Range{{Fixed: b.CVEs[i].Affected[0].Fixed}}
	}
	if n := len(matchCVEs(b.CVEs, "1.30.1")); n != 0 {
		t.Fatalf("%d matches without introduced versions", n)
	}
	if err := b.Validate(); err == nil {
		t.Error("Validate took the emptied ranges")
	}
	if err := WriteCache(filepath.Join(t.TempDir(), "data.json"), b); err == nil {
		t.Error("WriteCache wrote the emptied ranges")
	}
}

// TestRelativeXDGCacheHomeIsIgnored: the XDG specification says a relative
// $XDG_CACHE_HOME is invalid and to be ignored: the cache under ~/.cache is
// used, and the user is told.
func TestRelativeXDGCacheHomeIsIgnored(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the XDG rules are for Unix desktops")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	path := writeBundle(t, filepath.Join(home, ".cache", "kubesurface", "data.json"), nil)
	cwd := t.TempDir()
	t.Chdir(cwd)
	// A cache where the relative path points, which must not be read.
	writeBundle(t, filepath.Join(cwd, "rel", "kubesurface", "data.json"), func(b *Bundle) { b.Sources = []string{"relative"} })
	t.Setenv("XDG_CACHE_HOME", "rel")

	got, note, err := CacheFile()
	if err != nil || got != path || !strings.Contains(note, "XDG_CACHE_HOME") {
		t.Errorf("CacheFile() = %q, %q, %v; want %s and a note", got, note, err, path)
	}
	b, notes := Newest(context.Background(), time.Now().UTC())
	if b.Origin != path || len(notes) != 1 || !strings.Contains(notes[0], "relative") {
		t.Errorf("Newest: origin %q, notes %q; want %s and one note on the relative path", b.Origin, notes, path)
	}
}
