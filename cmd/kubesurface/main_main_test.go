package main

import (
	"os"
	"testing"

	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/credential"
)

// TestMain makes the test binary the credential plugins' guard, as main
// makes the kubesurface binary; with KUBESURFACE_TEST_AS_MAIN=1 it is the
// kubesurface binary, for tests that need the real process (its stderr,
// its klog set-up).
//
// Every command judges with the hand-collected base data (assess.Base),
// not what the release step refreshed and embedded: the verdicts the
// tests assert at fixed dates rest on it. The binary the tests build
// embeds the same (baseDataOverlay).
//
// Every test is kept off the Internet: the embedded data is older than a
// week, so each run would otherwise refresh it from the public sources.
// Offline, and should a test turn that off without naming its own
// sources, a port on loopback nothing listens on. Child processes inherit
// both. Tests of the refresh set their own local sources.
func TestMain(m *testing.M) {
	hermetic()
	credential.Dispatch()
	if os.Getenv("KUBESURFACE_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// deadSource is a loopback port nothing listens on: a refresh aimed at it
// fails at once, never reaching the Internet.
const deadSource = "http://127.0.0.1:1"

func hermetic() {
	embeddedData = assess.Base
	os.Setenv(offlineEnv, "1")
	for _, env := range []string{eolEnv, osvEnv, feedEnv} {
		os.Setenv(env, deadSource)
	}
}
