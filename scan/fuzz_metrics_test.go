package scan

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kubesurface/kubesurface/internal/bounded"
)

// fuzzMetricsLimit is the body cap FuzzMetrics reads under: small, so the
// cap is reached by fuzzed bodies too.
const fuzzMetricsLimit = 64 << 10

// FuzzMetrics: any /metrics body of any Content-Type, read under a cap,
// gives deprecated APIs or an error in one clean line and nothing kept.
// What is kept is sorted, unique, names a version and resource, is cut
// short, and counts no negative requests; it is the same read a byte at a
// time, and the same with a batch of one sample when both succeed (one
// parse of a whole body checks more than batches do: a second # TYPE line,
// say, is only an error in the same batch).
func FuzzMetrics(f *testing.F) {
	f.Add([]byte(realMetricsBody), textContentType)
	f.Add([]byte(openMetricsBody), openMetricsContentType)
	f.Add([]byte(realMetricsBody[:len(realMetricsBody)-3]), "")
	f.Add([]byte(strings.TrimSuffix(openMetricsBody, "# EOF\n")), "application/openmetrics-text")
	f.Add([]byte(selfRequest+`apiserver_requested_deprecated_apis{group="a\"b\\c\nd",resource="r",version="v1"} 1`+"\n"), "text/plain; version=1.0.0")
	f.Add([]byte(selfRequest+`{"apiserver_requested_deprecated_apis","resource"="r","version"="v1"} 1`+"\n"), "text/plain")
	f.Add([]byte("# TYPE apiserver_request_total histogram\napiserver_request_total_bucket{le=\"1\"} 1\n"), "")
	f.Add([]byte("# TYPE apiserver_request counter\napiserver_request_total 1\napiserver_request_created 1\n# EOF\nx"), openMetricsContentType)
	f.Add([]byte(selfRequest+"apiserver_requested_deprecated_apis{resource=\"\u202e\x1b[2J\",version=\"v1\"} 1e308\n"), "")
	f.Add([]byte("\x10\x0a\x08abc"), "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited")
	f.Add([]byte(strings.Repeat(selfRequest, fuzzMetricsLimit/len(selfRequest)+1)), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		read := func(r io.Reader, batch int) ([]DeprecatedAPI, int64, error) {
			capped := &cappedBody{rc: io.NopCloser(r), left: fuzzMetricsLimit,
				err: &bounded.TooLargeError{Name: "the response body of /metrics", Limit: fuzzMetricsLimit}}
			return parseMetricsBatched(capped, contentType, batch)
		}
		apis, n, err := read(bytes.NewReader(body), metricsBatchLines)
		slow, slowN, slowErr := read(iotest.OneByteReader(bytes.NewReader(body)), metricsBatchLines)
		// How far a failed read got depends on the reads' sizes.
		if apisString(slow) != apisString(apis) || (err == nil) != (slowErr == nil) ||
			err != nil && err.Error() != slowErr.Error() || err == nil && n != slowN {
			t.Fatalf("a byte at a time: %v, %d, %v; whole: %v, %d, %v", slow, slowN, slowErr, apis, n, err)
		}
		if err != nil {
			var bad *malformedMetrics
			if !errors.As(err, &bad) && !bounded.IsTooLarge(err) {
				t.Fatalf("error %T %v: neither malformed nor too large", err, err)
			}
			checkMessage(t, err.Error())
			_, msg := metricsReadErr(err, n)
			checkMessage(t, msg)
			if apis != nil {
				t.Fatalf("kept %v with error %v", apis, err)
			}
			return
		}
		if n != int64(len(body)) || n > fuzzMetricsLimit {
			t.Fatalf("read %d bytes of %d and no error", n, len(body))
		}
		if len(apis) > MaxDeprecatedAPIs {
			t.Fatalf("%d APIs", len(apis))
		}
		for i, a := range apis {
			if a.Version == "" || a.Resource == "" {
				t.Fatalf("kept %+v", a)
			}
			for _, v := range []string{a.Group, a.Version, a.Resource, a.Subresource, a.RemovedRelease} {
				if len(v) > maxLabelValueLen+len("…") {
					t.Fatalf("a value of %d bytes kept", len(v))
				}
			}
			if a.Requests != nil && *a.Requests < 0 {
				t.Fatalf("%d requests", *a.Requests)
			}
			if i > 0 && compareDeprecated(apis[i-1], a) >= 0 {
				t.Fatalf("not sorted or not unique: %v then %v", apis[i-1], a)
			}
		}
		batched, _, berr := read(bytes.NewReader(body), 1)
		if berr == nil && apisString(batched) != apisString(apis) {
			t.Fatalf("batches of one: %s\nwhole: %s", apisString(batched), apisString(apis))
		}
	})
}
