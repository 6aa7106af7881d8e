// Package credentialtest finds the processes a test's credential plugins
// started, so tests of the scan and kubeconfig packages can show that none
// outlives its timeout or kubesurface itself.
package credentialtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MarkPrefix starts every Marker.
const MarkPrefix = "KUBESURFACE_TEST_PLUGIN="

// Marker is an environment entry (NAME=VALUE) unique to one test: a plugin
// given it, its guard and anything they start inherit it, which is how
// Running finds them.
func Marker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return MarkPrefix + hex.EncodeToString(b)
}

// Running lists the live processes whose environment holds mark, as
// "pid: command line". Zombies have no environment left and are not
// listed: they run nothing.
func Running(mark string) ([]string, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte(mark+"\x00")) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, e.Name()+": "+strings.ReplaceAll(strings.TrimRight(string(cmdline), "\x00"), "\x00", " "))
	}
	return out, nil
}
