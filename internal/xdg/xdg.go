// Package xdg finds kubesurface's cache directory the way the XDG Base
// Directory specification says, which differs from os.UserCacheDir in one
// case users meet: a relative $XDG_CACHE_HOME. The specification says to
// ignore it; os.UserCacheDir fails instead, which would silently disable
// the data cache and the TUI log.
package xdg

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// CacheDir is the user's cache directory: $XDG_CACHE_HOME when it is an
// absolute path, else ~/.cache on Unix; os.UserCacheDir elsewhere. note is
// non-empty when $XDG_CACHE_HOME was set but ignored, for the user to see.
func CacheDir() (dir, note string, err error) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" || runtime.GOOS == "plan9" {
		dir, err = os.UserCacheDir()
		return dir, "", err
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		if filepath.IsAbs(x) {
			return x, "", nil
		}
		note = "ignoring $XDG_CACHE_HOME: it is a relative path, which the XDG Base Directory specification says to ignore; using ~/.cache"
	}
	home := os.Getenv("HOME")
	if home == "" {
		return "", note, errors.New("neither an absolute $XDG_CACHE_HOME nor $HOME is set")
	}
	return filepath.Join(home, ".cache"), note, nil
}
