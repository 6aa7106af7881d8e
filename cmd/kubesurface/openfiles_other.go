//go:build !(linux || darwin)

package main

// openFileLimit reports no limit where kubesurface does not know how to
// read one (Windows has no per-process descriptor limit of this kind).
func openFileLimit() (uint64, bool) { return 0, false }
