package scan

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// probe, transport and plugin wait must end with the scan.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
