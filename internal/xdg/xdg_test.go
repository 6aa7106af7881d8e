package xdg

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCacheDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the XDG rules are for Unix desktops")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, tc := range []struct {
		xdg, want string
		noted     bool
	}{
		{"", filepath.Join(home, ".cache"), false},
		{"/var/cache/me", "/var/cache/me", false},
		{"relative/cache", filepath.Join(home, ".cache"), true},
		{"./cache", filepath.Join(home, ".cache"), true},
	} {
		t.Setenv("XDG_CACHE_HOME", tc.xdg)
		dir, note, err := CacheDir()
		if err != nil || dir != tc.want || (note != "") != tc.noted {
			t.Errorf("XDG_CACHE_HOME=%q: %q, note %q, %v; want %q (note: %v)", tc.xdg, dir, note, err, tc.want, tc.noted)
		}
		if tc.noted && !strings.Contains(note, "relative") {
			t.Errorf("note %q does not say why", note)
		}
	}
	t.Setenv("XDG_CACHE_HOME", "rel")
	t.Setenv("HOME", "")
	if _, _, err := CacheDir(); err == nil {
		t.Error("no HOME and a relative XDG_CACHE_HOME: want an error")
	}
}
