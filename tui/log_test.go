//go:build unix

package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// logIn points the cache directory at a fresh one and returns where the
// log goes in it.
func logIn(t *testing.T) (dir, path string) {
	t.Helper()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir = filepath.Join(cache, "kubesurface")
	return dir, filepath.Join(dir, LogName)
}

// quiet runs quietStderr, writes a line to the stderr it set up, and
// restores stderr.
func quiet(t *testing.T, line string) (note string) {
	t.Helper()
	restore, note := quietStderr()
	fmt.Fprintln(os.Stderr, line)
	restore()
	return note
}

func TestLogIsPrivateInAPrivateDirectory(t *testing.T) {
	dir, path := logIn(t)
	if note := quiet(t, "plugin says hello"); note != "" {
		t.Fatalf("note %q for a fresh cache", note)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log: %v, %v; want a regular file with mode 0600", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "plugin says hello\n" {
		t.Errorf("log holds %q", b)
	}
}

// A log that exists with a wider mode is narrowed to 0600, and emptied:
// what a plugin prints in this session must not be readable by others.
func TestExistingWideLogIsNarrowed(t *testing.T) {
	dir, path := logIn(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("an earlier session\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if note := quiet(t, "this session"); note != "" {
		t.Fatalf("note %q for an existing log", note)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "this session\n" {
		t.Errorf("log holds %q", b)
	}
}

// A symbolic link planted where the log goes is not followed: the file it
// points to is neither emptied nor written, and plugin output is discarded
// (not drawn over the screen) with a note saying why.
func TestPlantedSymlinkIsNotFollowed(t *testing.T) {
	dir, path := logIn(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	const kept = "the victim's own content\n"
	if err := os.WriteFile(victim, []byte(kept), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	note := quiet(t, "plugin output")
	if !strings.Contains(note, "symbolic link") {
		t.Errorf("note %q, want one naming the symbolic link", note)
	}
	if b, _ := os.ReadFile(victim); string(b) != kept {
		t.Errorf("the link's target was changed: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target's mode was changed to %v", fi.Mode())
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link itself was replaced: %v, %v", fi, err)
	}
}

// A FIFO planted where the log goes is refused without blocking the open
// (no reader would ever come) and without being written.
func TestPlantedFIFOIsRefused(t *testing.T) {
	dir, path := logIn(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if note := quiet(t, "plugin output"); !strings.Contains(note, "not a regular file") && !strings.Contains(note, "no such device") {
		t.Errorf("note %q, want the FIFO refused", note)
	}
}

// A directory in the log's place is refused too.
func TestPlantedDirectoryIsRefused(t *testing.T) {
	_, path := logIn(t)
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if note := quiet(t, "plugin output"); note == "" {
		t.Errorf("no note for a directory in the log's place")
	}
}

// A symbolic link planted as the log's directory is not followed: nothing
// is created or written where it points, and the note says why.
func TestPlantedDirectorySymlinkIsRefused(t *testing.T) {
	dir, _ := logIn(t)
	victim := t.TempDir()
	if err := os.Chmod(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, dir); err != nil {
		t.Fatal(err)
	}
	note := quiet(t, "plugin output")
	if !strings.Contains(note, "symbolic link") {
		t.Errorf("note %q, want one naming the symbolic link", note)
	}
	if entries, _ := os.ReadDir(victim); len(entries) != 0 {
		t.Errorf("the link's target holds %v, want nothing written there", entries)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o755 {
		t.Errorf("the link's target's mode was changed to %v", fi.Mode())
	}
}

// A directory that exists with a wider mode (made by hand, or by a tool
// with another umask) is narrowed to 0700 and the log is written in it.
func TestExistingWideDirectoryIsNarrowed(t *testing.T) {
	dir, path := logIn(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if note := quiet(t, "this session"); note != "" {
		t.Fatalf("note %q for the user's own directory", note)
	}
	if fi, err := os.Lstat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "this session\n" {
		t.Errorf("log holds %q", b)
	}
}

// Another user's directory where the log's goes is theirs: it is refused,
// not written in and not narrowed.
func TestOtherUsersDirectoryIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a directory to another user takes root")
	}
	dir, path := logIn(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if note := quiet(t, "plugin output"); !strings.Contains(note, "belongs to another user") {
		t.Errorf("note %q, want the directory refused as another user's", note)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("the log was created in another user's directory")
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o777 {
		t.Errorf("another user's directory was changed to %v", fi.Mode())
	}
}

// A file where the log's directory goes is refused (not replaced).
func TestPlantedFileAsDirectoryIsRefused(t *testing.T) {
	dir, _ := logIn(t)
	if err := os.WriteFile(dir, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if note := quiet(t, "plugin output"); !strings.Contains(note, "not a directory") {
		t.Errorf("note %q, want the file refused as not a directory", note)
	}
	if b, _ := os.ReadFile(dir); string(b) != "kept\n" {
		t.Errorf("the file was changed: %q", b)
	}
}
