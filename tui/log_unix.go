//go:build unix

package tui

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openPrivate opens path for writing, emptied and with mode 0600, refusing
// what a planted name could make of it: a symbolic link is not followed
// (O_NOFOLLOW: the file it points to is never opened, let alone emptied), a
// FIFO or device is refused before it is written (O_NONBLOCK keeps a FIFO
// without a reader from blocking the open), and so is a file owned by
// another user. A file that exists with a wider mode is narrowed to 0600
// through the open descriptor (fchmod), so no one else can read what is
// written next; it is emptied only after these checks.
func openPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link: not followed", path)
	}
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type()))
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fail(fmt.Errorf("%s belongs to another user (uid %d)", path, st.Uid))
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if err := f.Truncate(0); err != nil {
		return fail(err)
	}
	// Back to blocking writes: plugins inherit the descriptor.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		return fail(err)
	}
	return f, nil
}

// privateDir makes sure the log's directory is the user's own, 0700, before
// the log is opened in it. A directory created by the user at another
// time, or by a tool with a wider umask, would let others list or (if
// writable) replace the log; one planted as a symbolic link would put the
// log wherever it points, and another user's directory would be theirs to
// read. So a symbolic link is not followed (O_NOFOLLOW), anything but a
// directory and another user's directory are refused, and the user's own
// is narrowed to 0700 through the descriptor just checked (fchmod).
func privateDir(dir string) error {
	d, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%s is a symbolic link: not followed", dir)
	}
	if err != nil {
		return err
	}
	defer d.Close()
	fi, err := d.Stat()
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (%s)", dir, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to another user (uid %d)", dir, st.Uid)
	}
	if fi.Mode().Perm() != 0o700 {
		return d.Chmod(0o700)
	}
	return nil
}
