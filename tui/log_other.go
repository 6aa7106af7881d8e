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
