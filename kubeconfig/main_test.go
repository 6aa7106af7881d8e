package kubeconfig

import (
	"os"
	"testing"

	"github.com/kubesurface/kubesurface/scan/credential"
)

// TestMain makes the test binary the credential plugins' guard, as the
// kubesurface binary is: the scans here run real exec plugins.
func TestMain(m *testing.M) {
	credential.Dispatch()
	os.Exit(m.Run())
}
