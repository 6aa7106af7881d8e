package scan

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/kubesurface/kubesurface/scan/credential"
)

// TestMain fails the package if any goroutine outlives the tests: every
// probe, transport and plugin wait must end with the scan. The test binary
// is also the credential plugins' guard (credential.Dispatch), as the
// kubesurface binary is.
func TestMain(m *testing.M) {
	credential.Dispatch()
	goleak.VerifyTestMain(m)
}
