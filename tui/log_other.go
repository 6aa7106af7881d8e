//go:build !unix

package tui

import (
	"fmt"
	"os"
)

// openPrivate opens path for writing, emptied and with mode 0600. Without
// O_NOFOLLOW it checks for a symbolic link or other non-regular file
// first; the check and the open are not one step there.
func openPrivate(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// privateDir refuses a symbolic link or non-directory at the log's
// directory and narrows the user's own to 0700, as on Unix. Without
// O_NOFOLLOW the check and the chmod are not one step, and there is no
// owner to compare.
func privateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: not followed", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (%s)", dir, fi.Mode().Type())
	}
	if fi.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}
