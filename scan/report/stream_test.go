package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/scan"
)

// TestStreamedDocumentsEqualWholeOnes: JSON and YAML are written a result
// at a time to bound memory, and must be byte for byte what encoding the
// whole Document gives.
func TestStreamedDocumentsEqualWholeOnes(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 5, 0, time.UTC)
	data := DataInfo{Origin: "embedded snapshot", SnapshotDate: "2026-11-25", DataAsOf: "2026-08-22", Stale: "old"}
	for _, rs := range [][]scan.Result{fixtures(), fixtures()[:1], nil} {
		var got, want bytes.Buffer
		if err := JSON(&got, rs, at, data); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(NewDocument(rs, at, data)); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("%d results: streamed JSON differs from the whole document:\n%s\n--- want\n%s", len(rs), got.String(), want.String())
		}
		var gy bytes.Buffer
		if err := YAML(&gy, rs, at, data); err != nil {
			t.Fatal(err)
		}
		wy, err := yaml.Marshal(NewDocument(rs, at, data))
		if err != nil {
			t.Fatal(err)
		}
		if gy.String() != string(wy) {
			t.Fatalf("%d results: streamed YAML differs:\n%s\n--- want\n%s", len(rs), gy.String(), wy)
		}
	}
}
