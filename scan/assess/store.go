package assess

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/internal/xdg"
)

// CacheFile is where `data update` keeps refreshed data: under the XDG
// cache directory ($XDG_CACHE_HOME, else ~/.cache), like other CLIs' caches.
// note is for the user when $XDG_CACHE_HOME was set but ignored (the XDG
// specification says to ignore a relative one).
func CacheFile() (path, note string, err error) {
	dir, note, err := xdg.CacheDir()
	if err != nil {
		return "", note, fmt.Errorf("no cache directory: %w", err)
	}
	return filepath.Join(dir, "kubesurface", "data.json"), note, nil
}

// MaxCacheSize caps the data cache read: what `data update` writes is a
// few hundred KiB; a cache larger than this was not written by it.
const MaxCacheSize = 16 << 20

// ReadCache loads and validates the cache; a missing cache is (nil, nil).
// The read is capped at MaxCacheSize and ends with ctx. A FIFO or socket
// in the cache's place is refused without opening it: kubesurface always
// writes a regular file there, and a FIFO nobody writes to would block
// every scan.
func ReadCache(ctx context.Context, path string) (*Bundle, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case fi.Mode()&fs.ModeNamedPipe != 0:
		return nil, fmt.Errorf("cache %s is a named pipe, not a file", path)
	case fi.Mode()&fs.ModeSocket != 0:
		return nil, fmt.Errorf("cache %s is a socket, not a file", path)
	}
	raw, err := bounded.ReadFile(ctx, path, MaxCacheSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := parseBundle(raw, "cache "+path)
	if err != nil {
		return nil, err
	}
	if err := b.notAfter(time.Now().UTC()); err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	b.Origin = path
	return b, nil
}

// parseBundle decodes and validates data in the cache's format; what
// names it in errors.
func parseBundle(raw []byte, what string) (*Bundle, error) {
	var b Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &b, nil
}

// marshalValid is b in the cache's format, refused when it does not
// validate: nothing invalid is ever written for a later run to read.
func marshalValid(b *Bundle) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("refusing to write invalid data: %w", err)
	}
	return json.MarshalIndent(b, "", " ")
}

// WriteCache validates b and replaces the cache atomically: a new file is
// written and renamed over the old, so a failure leaves the old one whole.
func WriteCache(path string, b *Bundle) error {
	raw, err := marshalValid(b)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// 0600, as os.CreateTemp made it before: a cache is the user's own.
	return writeFileAtomic(path, raw, 0o600)
}

// Newest returns the newest valid data there is (the cache if it is valid
// and not older than the embedded snapshot) and notes for the user: a
// rejected cache, stale data. When ctx ends while the cache is read, the
// embedded snapshot is returned without a note; the caller sees ctx.
func Newest(ctx context.Context, now time.Time) (*Bundle, []string) {
	emb, err := Embedded()
	if err != nil {
		// The embedded data is validated by tests; reaching this is a build
		// defect, and judgements without data would mislead.
		panic(err)
	}
	return NewestOver(ctx, emb, now)
}

// NewestOver is Newest with snapshot in place of the embedded data: tests
// pass Base, so that the cache is weighed against the data they assert on.
func NewestOver(ctx context.Context, snapshot *Bundle, now time.Time) (*Bundle, []string) {
	emb := snapshot
	best := emb
	var notes []string
	path, note, err := CacheFile()
	if note != "" {
		notes = append(notes, note)
	}
	if err == nil {
		switch c, err := ReadCache(ctx, path); {
		case ctx.Err() != nil:
		case err != nil:
			notes = append(notes, fmt.Sprintf("ignoring the data cache (%v); using the embedded snapshot", err))
		case c != nil && c.DataAsOf >= emb.DataAsOf:
			best = c
		}
	}
	if s := Staleness(best, now); s != "" {
		notes = append(notes, s)
	}
	return best, notes
}

// Staleness says, when data is older than StaleDays at now, how old.
func Staleness(b *Bundle, now time.Time) string {
	asOf, err := parseDate(b.DataAsOf)
	if err != nil {
		return ""
	}
	days := DaysBetween(asOf, now)
	if days <= StaleDays {
		return ""
	}
	return fmt.Sprintf("data as of %s is %d days old (over %d): run `kubesurface data update`", b.DataAsOf, days, StaleDays)
}
