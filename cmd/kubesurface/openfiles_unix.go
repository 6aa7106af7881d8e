//go:build linux || darwin

package main

import "syscall"

// openFileLimit is the soft RLIMIT_NOFILE, which Go's runtime has raised
// to the hard limit at start. Unlimited is the largest number there is,
// which concurrencyWithin takes as it is.
func openFileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return lim.Cur, true
}
