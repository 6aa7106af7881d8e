package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// A kube-apiserver's /metrics cut down to the families around the two the
// probe keeps, in the order, Content-Type and shapes v1.37 writes them (its
// # HELP lines are the server's own): a histogram before, the counter, the
// gauge, and families after.
const realMetricsBody = `# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1",le="0.005"} 12
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1",le="+Inf"} 14
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 0.0421
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 14
# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 14
apiserver_request_total{code="200",component="apiserver",dry_run="",group="flowcontrol.apiserver.k8s.io",resource="flowschemas",scope="cluster",subresource="status",verb="PATCH",version="v1beta3"} 4
apiserver_request_total{code="200",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="cluster",subresource="",verb="LIST",version="v1beta1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="cluster",subresource="",verb="WATCH",version="v1beta1"} 1
apiserver_request_total{code="404",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="namespace",subresource="",verb="GET",version="v1beta1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="cluster",subresource="",verb="LIST",version="v1"} 40
# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io",removed_release="1.32",resource="flowschemas",subresource="status",version="v1beta3"} 1
apiserver_requested_deprecated_apis{group="resource.k8s.io",removed_release="1.38",resource="resourceclaims",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="storage.k8s.io",removed_release="",resource="csistoragecapacities",subresource="",version="v1beta1"} 1
# HELP apiserver_response_sizes [ALPHA] Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.
# TYPE apiserver_response_sizes histogram
apiserver_response_sizes_bucket{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1",le="1000"} 14
apiserver_response_sizes_bucket{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1",le="+Inf"} 14
apiserver_response_sizes_sum{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 4120
apiserver_response_sizes_count{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 14
# HELP process_start_time_seconds [ALPHA] Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.76438874e+09
`

// Series of the kept families as client_golang writes them in OpenMetrics
// 1.0 (the counter's family without _total, _created samples, # EOF),
// which the probe does not read.
const openMetricsBody = `# TYPE apiserver_request counter
apiserver_request_total{code="200",group="resource.k8s.io",resource="resourceclaims",subresource="",verb="LIST",version="v1beta1"} 3.0
apiserver_request_created{code="200",group="resource.k8s.io",resource="resourceclaims",subresource="",verb="LIST",version="v1beta1"} 1.76438874e+09
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="resource.k8s.io",removed_release="1.38",resource="resourceclaims",subresource="",version="v1beta1"} 1.0
# EOF
`

func count(n int64) *int64 { return &n }

// realMetricsAPIs is what realMetricsBody says, in the order kept.
var realMetricsAPIs = []DeprecatedAPI{
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Resource: "flowschemas", Subresource: "status", RemovedRelease: "1.32", Requests: count(4)},
	{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", RemovedRelease: "1.38", Requests: count(5)},
	{Group: "storage.k8s.io", Version: "v1beta1", Resource: "csistoragecapacities"},
}

const (
	textContentType        = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
	openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"
)

// metricsServer serves body as /metrics to the context's owner, with the
// given Content-Type, and records the Accept header the probe sent.
func metricsServer(contentType, body string, accept *atomic.Value) http.Handler {
	return ownerAPIServer(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != metricsPath {
			return false
		}
		if accept != nil {
			accept.Store(r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
		return true
	})
}

// equalAPIs compares deprecated APIs by value, Requests included.
func equalAPIs(t *testing.T, got, want []DeprecatedAPI) {
	t.Helper()
	if g, w := apisString(got), apisString(want); g != w {
		t.Errorf("deprecated APIs:\n%s\nwant:\n%s", g, w)
	}
}

// apisString writes deprecated APIs one a line, Requests by value.
func apisString(apis []DeprecatedAPI) string {
	var b strings.Builder
	for _, a := range apis {
		req := "nil"
		if a.Requests != nil {
			req = fmt.Sprint(*a.Requests)
		}
		fmt.Fprintf(&b, "%q/%q %q/%q removed %q requests %s\n", a.Group, a.Version, a.Resource, a.Subresource, a.RemovedRelease, req)
	}
	return b.String()
}

// metricsFailed checks that /metrics gave nothing to trust and says why.
func metricsFailed(t *testing.T, r Result, kind string, words ...string) {
	t.Helper()
	m := r.Auth.Metrics
	if m == nil {
		t.Fatal("no metrics result")
	}
	if m.ErrorKind != kind {
		t.Errorf("metrics error kind %q (%s), want %q", m.ErrorKind, m.Error, kind)
	}
	if strings.ContainsAny(m.Error, "\r\n") {
		t.Errorf("metrics error %q is not one line", m.Error)
	}
	for _, w := range words {
		if !strings.Contains(m.Error, w) {
			t.Errorf("metrics error %q does not say %q", m.Error, w)
		}
	}
	if len(m.DeprecatedAPIs) != 0 {
		t.Errorf("kept %d deprecated APIs from a /metrics that failed", len(m.DeprecatedAPIs))
	}
	if r.Auth.Error != "" || r.Auth.User != "alice" || len(r.Auth.Nodes) != 1 {
		t.Errorf("auth %+v: a /metrics failure must leave the rest of the probe alone", r.Auth)
	}
}

// TestMetricsRealShapes: the owner's /metrics, asked for in the text
// format, gives every deprecated API with its requests summed over verbs,
// codes and scopes, and none for an API no request series names.
func TestMetricsRealShapes(t *testing.T) {
	var accept atomic.Value
	r := scanOwner(t, metricsServer(textContentType, realMetricsBody, &accept))
	if got := accept.Load(); got != metricsAccept {
		t.Errorf("the probe sent Accept %q, want %q", got, metricsAccept)
	}
	m := r.Auth.Metrics
	if m == nil || m.Error != "" {
		t.Fatalf("metrics %+v, want read", m)
	}
	equalAPIs(t, m.DeprecatedAPIs, realMetricsAPIs)
	if m.Bytes != int64(len(realMetricsBody)) {
		t.Errorf("bytes %d, want the body's %d", m.Bytes, len(realMetricsBody))
	}
	if r.Auth.Error != "" || len(r.Auth.Warnings) != 0 {
		t.Errorf("auth %+v, want no error or warning", r.Auth)
	}
}

// TestMetricsForbidden: alice has no grant on /metrics (as a real server
// answers a user without one): the row says she may not get it, and the
// rest of the probe stands.
func TestMetricsForbidden(t *testing.T) {
	r := scanOwner(t, authedAPIServer())
	metricsFailed(t, r, AuthForbidden, "the user may not get /metrics", "403", `User "alice" cannot get path "/metrics"`)
}

// TestMetricsUnauthorized: a 401 on /metrics alone is worded as any 401.
func TestMetricsUnauthorized(t *testing.T) {
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != metricsPath {
			return false
		}
		writeStatus(w, http.StatusUnauthorized, "Unauthorized")
		return true
	}))
	metricsFailed(t, r, AuthUnauthorized, "401")
}

// TestMetricsUnreadableFormats: protobuf, OpenMetrics (which no API server
// sends unasked, and whose parser is too slow for a hostile body), HTML, a
// body cut short, a malformed line of a kept family, a family that is not
// what it should be are refused by name; nothing is kept.
func TestMetricsUnreadableFormats(t *testing.T) {
	for _, tc := range []struct{ name, contentType, body, want string }{
		{"protobuf", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", "\x10\x0a\x08abc", "the server sent protobuf"},
		{"openmetrics", openMetricsContentType, openMetricsBody, "the server sent OpenMetrics though the text format was asked for"},
		{"html", "text/html", "<html>login</html>", `"text/html", not the Prometheus text format`},
		{"cut short", textContentType, realMetricsBody[:len(realMetricsBody)-4], "line 28: the body ends mid-line, cut short"},
		{"malformed kept line", textContentType, strings.Replace(realMetricsBody, `subresource="",version="v1beta1"} 1`, `subresource="",version="v1beta1" 1`, 1), "unreadable /metrics: line 18"},
		{"header after samples", textContentType, realMetricsBody + "# TYPE apiserver_request_total gauge\n", "line 29: a # line of apiserver_request_total after its samples"},
		{"gauge typed counter", textContentType, "# TYPE apiserver_requested_deprecated_apis counter\napiserver_requested_deprecated_apis{version=\"v1\",resource=\"x\"} 1\n", "apiserver_requested_deprecated_apis is a counter"},
		{"negative count", textContentType, `apiserver_request_total{group="",version="v1",resource="pods"} -3` + "\n", "the value -3 is not a count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := scanOwner(t, metricsServer(tc.contentType, tc.body, nil))
			metricsFailed(t, r, AuthOther, tc.want, "of /metrics read")
		})
	}
}

// TestMetricsOtherFamiliesAreNotJudged: a line of another family that no
// parser would take, or longer than any kept line may be, is skipped
// unread: only the kept families are parsed.
func TestMetricsOtherFamiliesAreNotJudged(t *testing.T) {
	body := "# TYPE some_family gauge\nsome_family{a=\"b\" not a sample\n" +
		"long_family{x=\"" + strings.Repeat("y", 1<<20) + "\"} 1\n" + realMetricsBody
	r := scanOwner(t, metricsServer(textContentType, body, nil))
	if m := r.Auth.Metrics; m == nil || m.Error != "" {
		t.Fatalf("metrics %+v, want read", m)
	}
	equalAPIs(t, r.Auth.Metrics.DeprecatedAPIs, realMetricsAPIs)
}

// TestMetricsHugeBodyIsCapped: a /metrics that runs to 1 GiB stops at
// MetricsBodyLimit: the row says so and how much was read, keeps none of
// the deprecated APIs it saw before the cap, and the process held little.
func TestMetricsHugeBodyIsCapped(t *testing.T) {
	var sent atomic.Int64
	var r Result
	alloc := allocated(func() {
		r = scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
			if req.URL.Path != metricsPath {
				return false
			}
			w.Header().Set("Content-Type", textContentType)
			n, _ := io.WriteString(w, realMetricsBody)
			sent.Add(int64(n))
			line := []byte(`apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1",le="0.005"} 12` + "\n")
			chunk := bytes.Repeat(line, (64<<10)/len(line))
			for sent.Load() < 1<<30 {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return true
				}
			}
			return true
		}))
	})
	metricsFailed(t, r, AuthOther, "the response body of /metrics is larger than 64 MiB", "64 MiB of /metrics read, nothing of it kept")
	if r.Auth.Metrics.Bytes != MetricsBodyLimit {
		t.Errorf("bytes %d, want the cap %d", r.Auth.Metrics.Bytes, MetricsBodyLimit)
	}
	t.Logf("server sent %d bytes, the process allocated %d", sent.Load(), alloc)
	if sent.Load() >= 1<<30 {
		t.Errorf("the server got to send all of its 1 GiB")
	}
	if alloc > 256<<20 {
		t.Errorf("the scan allocated %d bytes for a capped /metrics", alloc)
	}
}

// TestMetricsEndlessSeriesStop: a server that names new APIs in
// apiserver_request_total for ever stops at the sums' cap, not at the
// memory's end.
func TestMetricsEndlessSeriesStop(t *testing.T) {
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != metricsPath {
			return false
		}
		w.Header().Set("Content-Type", textContentType)
		_, _ = io.WriteString(w, "# TYPE apiserver_request_total counter\n")
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(w, "apiserver_request_total{code=\"200\",group=\"g%d.example.com\",resource=\"r\",version=\"v1\"} 1\n", i); err != nil {
				return true
			}
		}
	}))
	metricsFailed(t, r, AuthOther, "more than 100000 APIs, kubesurface's cap")
}

// TestMetricsGzipBombIsCapped: an endless gzip stream of zeros (one line
// that never ends) inflates no further than MetricsBodyLimit.
func TestMetricsGzipBombIsCapped(t *testing.T) {
	var inflated atomic.Int64
	var asked atomic.Bool
	r := scanOwner(t, ownerAPIServer(gzipBomb(metricsPath, textContentType, &inflated, &asked)))
	if !asked.Load() {
		t.Fatal("the probe did not ask for gzip; the test proves nothing")
	}
	metricsFailed(t, r, AuthOther, "larger than 64 MiB")
	if inflated.Load() >= 64<<30 {
		t.Errorf("the server got to send all of its 64 GiB bomb")
	}
}

// scanStalledMetrics scans a context whose /metrics sends 200 bytes, calls
// stalled, and then holds the response open until the scan is over: only
// the probe's timeout or its context can end the read.
func scanStalledMetrics(t *testing.T, ctx context.Context, timeout time.Duration, stalled func()) []Result {
	t.Helper()
	ca := newTestCA(t, "kubernetes")
	release := make(chan struct{})
	srv := startTLS(t, ca.leaf(t), ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != metricsPath {
			return false
		}
		w.Header().Set("Content-Type", textContentType)
		_, _ = io.WriteString(w, realMetricsBody[:200])
		w.(http.Flusher).Flush()
		stalled()
		<-release
		return true
	}))
	defer close(release)
	return New(Options{Timeout: timeout}).Scan(ctx, []Target{
		contextTarget(t, "owner", srv.URL, bearer(srv.URL, rest.TLSClientConfig{CAData: ca.pem})),
	})
}

// TestMetricsStallTimesOut: a /metrics that sends its first bytes and then
// nothing ends with the probe's timeout, as a timeout; the rest of the
// probe stands.
func TestMetricsStallTimesOut(t *testing.T) {
	res := scanStalledMetrics(t, t.Context(), time.Second, func() {})
	metricsFailed(t, res[0], AuthTimeout, "timed out", "200 bytes of /metrics read, nothing of it kept")
}

// TestParseMetricsBatching: handing the parser one sample at a time or all
// at once, a byte at a time or in large reads, gives the same APIs.
func TestParseMetricsBatching(t *testing.T) {
	for _, batch := range []int{1, 2, metricsBatchLines} {
		got, _, err := parseMetricsBatched(iotest.OneByteReader(strings.NewReader(realMetricsBody)), textContentType, batch)
		if err != nil {
			t.Fatalf("batches of %d: %v", batch, err)
		}
		equalAPIs(t, got, realMetricsAPIs)
	}
}

// selfRequest is the probe's own GET /version, which every API server
// counts before it serves /metrics.
const selfRequest = `apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/version",verb="GET",version=""} 1` + "\n"

// TestParseMetricsSeries: the rules a series is kept by.
func TestParseMetricsSeries(t *testing.T) {
	long := strings.Repeat("g", 1000)
	for _, tc := range []struct {
		name, body string
		want       []DeprecatedAPI
	}{
		{"not requested (0)", `apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",subresource="",version="v1beta1"} 0` + "\n", nil},
		{"untyped, duplicate series once",
			`apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",version="v1beta1"} 1` + "\n" +
				`apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",version="v1beta1"} 1` + "\n",
			[]DeprecatedAPI{{Group: "batch", Version: "v1beta1", Resource: "cronjobs", RemovedRelease: "1.25"}}},
		{"a count of zero is a count",
			`apiserver_request_total{code="200",group="batch",resource="cronjobs",version="v1beta1"} 0` + "\n" +
				`apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",version="v1beta1"} 1` + "\n",
			[]DeprecatedAPI{{Group: "batch", Version: "v1beta1", Resource: "cronjobs", RemovedRelease: "1.25", Requests: count(0)}}},
		{"another subresource is another API",
			`apiserver_request_total{code="200",group="batch",resource="cronjobs",subresource="status",version="v1beta1"} 7` + "\n" +
				`apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",version="v1beta1"} 1` + "\n",
			[]DeprecatedAPI{{Group: "batch", Version: "v1beta1", Resource: "cronjobs", RemovedRelease: "1.25"}}},
		{"a hostile group is cut",
			`apiserver_requested_deprecated_apis{group="` + long + `",resource="r",version="v1"} 1` + "\n",
			[]DeprecatedAPI{{Group: clip(long, maxLabelValueLen), Version: "v1", Resource: "r"}}},
		{"leading blanks, other comments, blank lines",
			"\n# a comment\n  # TYPE apiserver_requested_deprecated_apis gauge\n\t apiserver_requested_deprecated_apis{resource=\"r\",version=\"v1\"} 1\n",
			[]DeprecatedAPI{{Version: "v1", Resource: "r"}}},
		{"a family whose name only starts the same",
			`apiserver_requested_deprecated_apis_total{resource="r",version="v1"} 1` + "\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body + selfRequest
			got, n, err := parseMetrics(strings.NewReader(body), textContentType)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(body)) {
				t.Errorf("read %d bytes of %d", n, len(body))
			}
			equalAPIs(t, got, tc.want)
		})
	}
}

// TestParseMetricsRefuses: series that would make a result lie.
func TestParseMetricsRefuses(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"no version", `apiserver_requested_deprecated_apis{group="batch",resource="cronjobs"} 1`, "without a version or resource"},
		{"label twice", `apiserver_requested_deprecated_apis{resource="a",resource="b",version="v1"} 1`, "duplicate label names"},
		{"NaN", `apiserver_request_total{resource="a",version="v1"} NaN`, "is not a count"},
		{"Inf", `apiserver_request_total{resource="a",version="v1"} +Inf`, "is not a count"},
		{"gauge counter", "# TYPE apiserver_request_total gauge\n" + `apiserver_request_total{resource="a",version="v1"} 1`, "apiserver_request_total is a gauge"},
		{"long kept line", `apiserver_requested_deprecated_apis{group="` + strings.Repeat("g", maxMetricsLine) + `"} 1`, "line 1: a line of apiserver_requested_deprecated_apis is longer than 64 KiB"},
		{"too many headers", strings.Repeat("# HELP apiserver_request_total x\n", 5), "more than 4 # lines"},
		{"empty", "", "no apiserver_request_total series: not a Kubernetes API server's /metrics"},
		{"a login page", "<html><body>Sign in</body></html>", "no apiserver_request_total series"},
		{"no requests counted", "# TYPE apiserver_request_total counter\n" + realMetricsAPIsLine, "no apiserver_request_total series"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body != "" {
				body += "\n"
			}
			got, _, err := parseMetrics(strings.NewReader(body), textContentType)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if got != nil {
				t.Errorf("kept %v from a refused body", got)
			}
		})
	}
}

const realMetricsAPIsLine = `apiserver_requested_deprecated_apis{group="resource.k8s.io",removed_release="1.38",resource="resourceclaims",subresource="",version="v1beta1"} 1`

// TestParseMetricsCutShort: a text body that ends cleanly but mid-line
// was cut, whichever family the line is of and however long it is.
func TestParseMetricsCutShort(t *testing.T) {
	for _, body := range []string{
		realMetricsBody[:len(realMetricsBody)-1],
		realMetricsBody[:len(realMetricsBody)-5],
		realMetricsBody[:strings.Index(realMetricsBody, realMetricsAPIsLine)+20],
		realMetricsBody + `etcd_x{a="` + strings.Repeat("x", 2*maxMetricsLine),
	} {
		_, n, err := parseMetrics(strings.NewReader(body), textContentType)
		if err == nil || !strings.Contains(err.Error(), "the body ends mid-line, cut short") {
			t.Errorf("cut at %d: error %v, want the cut named", len(body), err)
		}
		if n != int64(len(body)) {
			t.Errorf("cut at %d: read %d", len(body), n)
		}
	}
}

// TestParseMetricsDeprecatedCap: past MaxDeprecatedAPIs distinct series
// the body is refused, not cut.
func TestParseMetricsDeprecatedCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(selfRequest)
	for i := range MaxDeprecatedAPIs + 1 {
		fmt.Fprintf(&b, "apiserver_requested_deprecated_apis{group=\"g%d\",resource=\"r\",version=\"v1\"} 1\n", i)
	}
	_, _, err := parseMetrics(strings.NewReader(b.String()), "")
	if err == nil || !strings.Contains(err.Error(), "more than 1000 deprecated APIs") {
		t.Errorf("error %v, want the cap named", err)
	}
	ok := strings.Join(strings.SplitAfter(b.String(), "\n")[:1+MaxDeprecatedAPIs], "")
	if got, _, err := parseMetrics(strings.NewReader(ok), ""); err != nil || len(got) != MaxDeprecatedAPIs {
		t.Errorf("%d APIs, %v: want all %d up to the cap", len(got), err, MaxDeprecatedAPIs)
	}
}

// TestMetricsResultsAreSorted: whatever order the server writes, the
// result's order is fixed.
func TestMetricsResultsAreSorted(t *testing.T) {
	lines := strings.SplitAfter(realMetricsBody, "\n")
	var dep []string
	var rest strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, deprecatedFamily+"{") {
			dep = append(dep, l)
			continue
		}
		rest.WriteString(l)
	}
	reversed := rest.String() + dep[2] + dep[1] + dep[0]
	got, _, err := parseMetrics(strings.NewReader(reversed), textContentType)
	if err != nil {
		t.Fatal(err)
	}
	equalAPIs(t, got, realMetricsAPIs)
}

// TestMetricsRealAPIServer reads a real kube-apiserver's /metrics (the
// e2e harness's, when KS_E2E_ANON_URL is set): the admin, who has just
// listed the deprecated core/v1 componentstatuses, finds it there with
// its requests; a user without grants may not get /metrics.
func TestMetricsRealAPIServer(t *testing.T) {
	url := os.Getenv("KS_E2E_ANON_URL")
	if url == "" {
		t.Skip("KS_E2E_ANON_URL not set: no real API server (test/e2e/clusters.sh up)")
	}
	ca, err := os.ReadFile(os.Getenv("KS_E2E_ANON_CA"))
	if err != nil {
		t.Fatal(err)
	}
	admin := &rest.Config{Host: url, BearerToken: os.Getenv("KS_E2E_ANON_TOKEN"), TLSClientConfig: rest.TLSClientConfig{CAData: ca}, WarningHandler: rest.NoWarnings{}}
	hc, err := rest.HTTPClientFor(admin)
	if err != nil {
		t.Fatal(err)
	}
	defer utilnet.CloseIdleConnectionsFor(hc.Transport)
	cs, err := kubernetes.NewForConfigAndClient(admin, hc)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().RESTClient().Get().Resource("componentstatuses").Do(t.Context()).Error(); err != nil {
		t.Fatal(err)
	}
	user := rest.CopyConfig(admin)
	user.BearerToken = os.Getenv("KS_E2E_ANON_USER_TOKEN")
	res := New(Options{Timeout: 10 * time.Second}).Scan(t.Context(), []Target{
		contextTarget(t, "admin", url, admin),
		contextTarget(t, "user", url, user),
	})

	m := res[0].Auth.Metrics
	if m == nil || m.Error != "" || m.Bytes < 100<<10 {
		t.Fatalf("admin's metrics %+v, want read", m)
	}
	var found *DeprecatedAPI
	for i, d := range m.DeprecatedAPIs {
		if d.Group == "" && d.Version == "v1" && d.Resource == "componentstatuses" {
			found = &m.DeprecatedAPIs[i]
		}
	}
	if found == nil || found.Requests == nil || *found.Requests < 1 {
		t.Errorf("deprecated APIs %+v, want core/v1 componentstatuses with its requests", m.DeprecatedAPIs)
	}
	t.Logf("read %d bytes of /metrics, %d deprecated APIs", m.Bytes, len(m.DeprecatedAPIs))

	u := res[1].Auth
	if u == nil || u.Error != "" || u.Metrics == nil || u.Metrics.ErrorKind != AuthForbidden ||
		!strings.HasPrefix(u.Metrics.Error, "the user may not get /metrics (403)") {
		t.Errorf("user's auth %+v metrics %+v, want /metrics forbidden", u, u.Metrics)
	}
}

// TestMetricsCancelled: a scan stopped while /metrics trickles ends the
// read (the probe's timeout is an hour, so only the stop can), and
// nothing of it is kept.
func TestMetricsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res := scanStalledMetrics(t, ctx, time.Hour, cancel)
	if res[0].State != StateCancelled {
		t.Errorf("state %s, want cancelled", res[0].State)
	}
	if a := res[0].Auth; a != nil && a.Metrics != nil && len(a.Metrics.DeprecatedAPIs) != 0 {
		t.Errorf("kept %v from a cancelled read", a.Metrics.DeprecatedAPIs)
	}
	if a := res[0].Auth; a != nil && a.Metrics != nil && !strings.Contains(a.Metrics.Error, "cancelled") {
		t.Errorf("metrics %+v, want the read said cancelled", a.Metrics)
	}
}
