package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubesurface/kubesurface/internal/xdg"
)

// LogName is the file, under the kubesurface cache directory, that takes
// what credential plugins and client-go print on stderr while the TUI owns
// the screen. It may hold whatever a plugin prints (account names, regions,
// hints to log in, in the worst case a token a plugin echoes), so it is
// private to the user.
const LogName = "tui.log"

// quietStderr sends what credential plugins and client-go print to stderr
// to the log while the screen is ours, so it cannot tear the display. The
// log is opened the safe way (see openLog); when that is refused, the text
// is discarded rather than drawn over the table, and note says why for the
// status line.
func quietStderr() (restore func(), note string) {
	f, err := openLog()
	if err != nil {
		note = fmt.Sprintf("plugin messages are discarded: %v", err)
		if f, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
			return func() {}, note
		}
	}
	old := os.Stderr
	os.Stderr = f
	return func() { os.Stderr = old; f.Close() }, note
}

// openLog opens the log for writing, emptied, in a directory private to
// the user (0700) under the XDG cache directory.
func openLog() (*os.File, error) {
	dir, _, err := xdg.CacheDir()
	if err != nil {
		return nil, fmt.Errorf("no cache directory for %s: %w", LogName, err)
	}
	dir = filepath.Join(dir, "kubesurface")
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	return openPrivate(filepath.Join(dir, LogName))
}
