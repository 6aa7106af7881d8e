package main

import (
	"os"
	"testing"

	"github.com/kubesurface/kubesurface/scan/credential"
)

// TestMain makes the test binary the credential plugins' guard, as main
// makes the kubesurface binary; with KUBESURFACE_TEST_AS_MAIN=1 it is the
// kubesurface binary, for tests that need the real process (its stderr,
// its klog set-up).
func TestMain(m *testing.M) {
	credential.Dispatch()
	if os.Getenv("KUBESURFACE_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}
