package main

import (
	"os"
	"testing"

	"github.com/kubesurface/kubesurface/scan/credential"
)

// TestMain makes the test binary the credential plugins' guard, as main
// makes the kubesurface binary.
func TestMain(m *testing.M) {
	credential.Dispatch()
	os.Exit(m.Run())
}
