package scan

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/internal/clean"
)

// Bounds of the /metrics read. A large cluster's API server serves tens of
// MB of /metrics (histograms per resource and verb), of which two
// families matter here; the body is streamed and only their lines are
// handed to the parser, a batch at a time, so what is held is the sums,
// never the body.
const (
	// MetricsBodyLimit caps /metrics (decoded bytes).
	MetricsBodyLimit = 64 << 20
	// MaxDeprecatedAPIs bounds the distinct deprecated APIs kept: a real
	// server has a few dozen at most.
	MaxDeprecatedAPIs = 1000
	// maxRequestSums bounds the distinct group, version, resource and
	// subresource sums of apiserver_request_total, which cannot know
	// which of them a later deprecated series will ask for: one per
	// resource the cluster serves (a few thousand with many CRDs).
	maxRequestSums = 100000
	// maxMetricsLine bounds one kept line (a real one is under 1 KB);
	// longer lines of other families are skipped without being held.
	maxMetricsLine = 64 << 10
	// A batch handed to the parser at once: the parser turns every line
	// into Go values, so it gets a bounded slice of the kept lines.
	metricsBatchBytes = 1 << 20
	metricsBatchLines = 1000
	// maxFamilyHeaders bounds a family's # HELP and # TYPE lines.
	maxFamilyHeaders = 4
	// maxLabelValueLen cuts a kept label value: groups and resources are
	// DNS subdomains.
	maxLabelValueLen = 253
	// maxMetricsMessage cuts what a parser error quotes of the body.
	maxMetricsMessage = 300
	// maxCount is where float64 stops counting exactly: a request counter
	// beyond it is not one.
	maxCount = 1 << 53
)

const (
	metricsPath = "/metrics"
	// metricsAccept asks for the Prometheus text format, so a server
	// that could also speak protobuf or OpenMetrics answers in the one
	// every Kubernetes API server serves.
	metricsAccept = "text/plain;version=0.0.4"

	deprecatedFamily = "apiserver_requested_deprecated_apis"
	requestsFamily   = "apiserver_request_total"
)

// readMetrics reads the server's /metrics with the context's credentials
// and keeps the deprecated APIs requested since the server started, each
// with the requests counted for it. It is one more request of the probe,
// within its timeout; any failure is on Metrics, not on the probe.
func readMetrics(ctx context.Context, rc rest.Interface) *Metrics {
	var hdr http.Header
	body, err := rc.Get().AbsPath(metricsPath).SetHeader("Accept", metricsAccept).
		Stream(withHeaderSink(withBodyLimit(ctx, MetricsBodyLimit), &hdr))
	if err != nil {
		kind, msg := metricsRequestErr(err)
		return &Metrics{Error: clean.Line(msg), ErrorKind: kind}
	}
	defer body.Close()
	apis, n, err := parseMetrics(body, hdr.Get("Content-Type"))
	m := &Metrics{Bytes: n}
	if err != nil {
		m.ErrorKind, m.Error = metricsReadErr(err, n)
		return m
	}
	m.DeprecatedAPIs = apis
	return m
}

// metricsRequestErr words a /metrics request the server refused: without
// a grant of get on the non-resource URL /metrics, the user may not read
// it, which says nothing about the cluster.
func metricsRequestErr(err error) (kind, msg string) {
	switch {
	case apierrors.IsForbidden(err):
		return AuthForbidden, "the user may not get /metrics (403): " + apiMessage(err)
	case apierrors.IsNotFound(err):
		return AuthOther, "the server does not serve /metrics (404)"
	}
	return classifyAuthErr(err)
}

// metricsReadErr words a /metrics body that could not be used, saying how
// much of it was read: a body cut short or malformed is not half-trusted.
func metricsReadErr(err error, n int64) (kind, msg string) {
	var bad *malformedMetrics
	if errors.As(err, &bad) {
		kind, msg = AuthOther, bad.Error()
	} else {
		kind, msg = classifyAuthErr(err)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "the server cut /metrics short"
		}
	}
	if n == 0 {
		return kind, clean.Line(msg + "; nothing of /metrics read")
	}
	return kind, clean.Line(fmt.Sprintf("%s; %s of /metrics read, nothing of it kept", msg, sizeWords(n)))
}

// malformedMetrics is a /metrics body the parser or the checks after it
// refused, kept apart from read errors so that nothing the body says can
// pass for a timeout or a refusal. What it quotes of the body is cut short
// and made one clean line.
type malformedMetrics struct{ msg string }

func (e *malformedMetrics) Error() string { return "unreadable /metrics: " + e.msg }

func malformed(format string, args ...any) error {
	return &malformedMetrics{msg: clean.Line(clip(fmt.Sprintf(format, args...), maxMetricsMessage))}
}

// sizeWords says a byte count as a person reads it.
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) != 0:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n < 1<<20 && n%(1<<10) != 0:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return bounded.Size(n)
}

// checkMetricsFormat accepts the text format (also when the server names
// no Content-Type, as Prometheus assumes) and refuses anything else by
// name. OpenMetrics is refused too, though expfmt has a parser for it: that
// parser runs an ABNF grammar per line, which takes milliseconds a line and
// grows faster than the line (seconds for one of a few KB), so a server
// could hold a core for as long as it liked. No API server sends it
// unasked.
func checkMetricsFormat(contentType string) error {
	if contentType == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return malformed("the Content-Type %q does not parse", clip(contentType, 100))
	}
	switch mt {
	case "text/plain":
		return nil
	case expfmt.OpenMetricsType:
		return malformed("the server sent OpenMetrics though the text format was asked for; kubesurface reads only the Prometheus text format")
	case expfmt.ProtoType:
		return malformed("the server sent protobuf though the text format was asked for; kubesurface reads only the Prometheus text format")
	}
	return malformed("the server sent %q, not the Prometheus text format", clip(mt, 100))
}

// apiKey is what a deprecated series and apiserver_request_total agree on.
type apiKey struct {
	group, version, resource, subresource string
}

type deprecatedKey struct {
	apiKey
	removed string
}

// metricsFamily is one kept family: its # lines, repeated before each of
// its batches so every batch parses as a whole exposition.
type metricsFamily struct {
	name        string
	headers     []byte
	headerLines []int
	sampled     bool
}

// metricsScan filters a /metrics body down to the kept families' lines and
// hands them to the Prometheus parser in batches, adding up as it goes.
type metricsScan struct {
	families map[string]*metricsFamily

	cur      *metricsFamily
	batch    []byte
	lines    []int // the body's line number of each batch line
	nSamples int
	// batchBytes and batchLines bound a batch.
	batchBytes, batchLines int

	text       expfmt.TextParser
	deprecated map[deprecatedKey]struct{}
	sums       map[apiKey]float64
	// sawRequests is a series of apiserver_request_total read.
	sawRequests bool
}

func newMetricsScan() *metricsScan {
	return &metricsScan{
		families: map[string]*metricsFamily{
			deprecatedFamily: {name: deprecatedFamily},
			requestsFamily:   {name: requestsFamily},
		},
		batchBytes: metricsBatchBytes,
		batchLines: metricsBatchLines,
		text:       expfmt.NewTextParser(model.UTF8Validation),
		deprecated: map[deprecatedKey]struct{}{},
		sums:       map[apiKey]float64{},
	}
}

// parseMetrics reads a /metrics body of the given Content-Type and returns
// the deprecated APIs it names, sorted, and how many bytes it read. Any
// error (a read error as the body gave it, else *malformedMetrics) means
// nothing is to be kept.
func parseMetrics(r io.Reader, contentType string) ([]DeprecatedAPI, int64, error) {
	return parseMetricsBatched(r, contentType, metricsBatchLines)
}

// parseMetricsBatched is parseMetrics handing the parser batchLines
// samples at a time: tests show that the batch size changes nothing.
func parseMetricsBatched(r io.Reader, contentType string, batchLines int) ([]DeprecatedAPI, int64, error) {
	cr := &countingReader{r: r}
	if err := checkMetricsFormat(contentType); err != nil {
		return nil, 0, err
	}
	s := newMetricsScan()
	s.batchLines = batchLines
	if err := s.scan(cr); err != nil {
		return nil, cr.n, err
	}
	return s.result(), cr.n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scan reads the body line by line. Lines of other families are looked at
// only as far as their name and never held, however long.
func (s *metricsScan) scan(r io.Reader) error {
	br := bufio.NewReaderSize(r, maxMetricsLine)
	for no := 1; ; no++ {
		line, err := br.ReadSlice('\n')
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return err
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		f, header := s.classify(line)
		if err == bufio.ErrBufferFull {
			if f != nil {
				return malformed("line %d: a line of %s is longer than %s", no, f.name, bounded.Size(maxMetricsLine))
			}
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return malformed("line %d: the body ends mid-line, cut short", no)
			}
			if err != nil {
				return err
			}
			continue
		}
		if err == io.EOF && line[len(line)-1] != '\n' {
			// The format ends every line, the last one too: a body
			// that stops mid-line was cut short, however cleanly.
			return malformed("line %d: the body ends mid-line, cut short", no)
		}
		if f != nil {
			if err := s.add(f, header, line, no); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
	}
	if err := s.flush(); err != nil {
		return err
	}
	if !s.sawRequests {
		// Every API server counts requests, this probe's own /version
		// among them: without the counter the body is not an API
		// server's /metrics, and no deprecated API would read as none.
		return malformed("no %s series: not a Kubernetes API server's /metrics", requestsFamily)
	}
	return nil
}

// classify says which kept family a line belongs to, if any, and whether
// it is one of its # lines.
func (s *metricsScan) classify(line []byte) (f *metricsFamily, header bool) {
	l := bytes.TrimLeft(line, " \t")
	if len(l) > 0 && l[0] == '#' {
		kw, rest := token(l[1:])
		if string(kw) != "HELP" && string(kw) != "TYPE" {
			return nil, false
		}
		name, _ := token(rest)
		return s.families[string(name)], true
	}
	end := bytes.IndexAny(l, "{ \t\r\n")
	if end < 0 {
		end = len(l)
	}
	return s.families[string(l[:end])], false
}

// token is the first blank-separated word of b and what follows it.
func token(b []byte) (word, rest []byte) {
	b = bytes.TrimLeft(b, " \t")
	end := bytes.IndexAny(b, " \t\r\n")
	if end < 0 {
		return b, nil
	}
	return b[:end], b[end:]
}

// add puts a kept line in its family's # lines or in the batch, which is
// handed on when another family's sample comes or it is full.
func (s *metricsScan) add(f *metricsFamily, header bool, line []byte, no int) error {
	if header {
		if f.sampled {
			return malformed("line %d: a # line of %s after its samples", no, f.name)
		}
		if len(f.headerLines) == maxFamilyHeaders {
			return malformed("line %d: more than %d # lines for %s", no, maxFamilyHeaders, f.name)
		}
		f.headers = appendLine(f.headers, line)
		f.headerLines = append(f.headerLines, no)
		return nil
	}
	if s.cur != f || len(s.batch) >= s.batchBytes || s.nSamples >= s.batchLines {
		if err := s.flush(); err != nil {
			return err
		}
		s.cur = f
	}
	f.sampled = true
	s.batch = appendLine(s.batch, line)
	s.lines = append(s.lines, no)
	s.nSamples++
	return nil
}

func appendLine(b, line []byte) []byte {
	b = append(b, line...)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

// flush parses the batch (its family's # lines first) with the Prometheus
// project's own parser and adds up what it says.
func (s *metricsScan) flush() error {
	if s.cur == nil || s.nSamples == 0 {
		return nil
	}
	f := s.cur
	in := append(append(make([]byte, 0, len(f.headers)+len(s.batch)), f.headers...), s.batch...)
	lines := append(append(make([]int, 0, len(f.headerLines)+len(s.lines)), f.headerLines...), s.lines...)
	s.batch, s.lines, s.nSamples = s.batch[:0], s.lines[:0], 0

	families, err := s.text.TextToMetricFamilies(bytes.NewReader(in))
	if err != nil {
		var pe expfmt.ParseError
		if errors.As(err, &pe) {
			no := "the end"
			if pe.Line >= 1 && pe.Line <= len(lines) {
				no = fmt.Sprintf("line %d", lines[pe.Line-1])
			}
			return malformed("%s: %s", no, pe.Msg)
		}
		return malformed("%s", err)
	}
	for _, name := range slices.Sorted(maps.Keys(families)) {
		mf := families[name]
		for _, m := range mf.GetMetric() {
			if err := s.keep(f.name, mf.GetType(), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// keep adds one parsed series: a deprecated API requested (a gauge at 1;
// 0 would say not requested) or a count of requests.
func (s *metricsScan) keep(family string, typ dto.MetricType, m *dto.Metric) error {
	var v float64
	switch {
	case family == deprecatedFamily && typ == dto.MetricType_GAUGE:
		v = m.GetGauge().GetValue()
	case family != deprecatedFamily && typ == dto.MetricType_COUNTER:
		v = m.GetCounter().GetValue()
	case typ == dto.MetricType_UNTYPED:
		v = m.GetUntyped().GetValue()
	default:
		return malformed("%s is a %s", family, strings.ToLower(typ.String()))
	}
	if math.IsNaN(v) || v < 0 || v > maxCount {
		return malformed("%s: the value %v is not a count", family, v)
	}
	labels := map[string]string{}
	for _, lp := range m.GetLabel() {
		switch n := lp.GetName(); n {
		case "group", "version", "resource", "subresource", "removed_release":
			if _, dup := labels[n]; dup {
				return malformed("%s: the label %s twice in one series", family, n)
			}
			labels[n] = clip(lp.GetValue(), maxLabelValueLen)
		}
	}
	k := apiKey{group: labels["group"], version: labels["version"], resource: labels["resource"], subresource: labels["subresource"]}
	if family != deprecatedFamily {
		if _, ok := s.sums[k]; !ok && len(s.sums) == maxRequestSums {
			return malformed("%s: more than %d APIs, kubesurface's cap", family, maxRequestSums)
		}
		s.sums[k] += v
		s.sawRequests = true
		return nil
	}
	if k.version == "" || k.resource == "" {
		return malformed("%s: a series without a version or resource", family)
	}
	if v == 0 {
		return nil
	}
	dk := deprecatedKey{apiKey: k, removed: labels["removed_release"]}
	if _, ok := s.deprecated[dk]; !ok && len(s.deprecated) == MaxDeprecatedAPIs {
		return malformed("%s: more than %d deprecated APIs, kubesurface's cap", family, MaxDeprecatedAPIs)
	}
	s.deprecated[dk] = struct{}{}
	return nil
}

// result is the deprecated APIs in a fixed order, each with the requests
// apiserver_request_total counted for it (nil where it has no series).
func (s *metricsScan) result() []DeprecatedAPI {
	out := make([]DeprecatedAPI, 0, len(s.deprecated))
	for dk := range s.deprecated {
		d := DeprecatedAPI{Group: dk.group, Version: dk.version, Resource: dk.resource, Subresource: dk.subresource, RemovedRelease: dk.removed}
		if sum, ok := s.sums[dk.apiKey]; ok {
			n := int64(math.MaxInt64)
			if sum < math.MaxInt64 {
				n = int64(math.Round(sum))
			}
			d.Requests = &n
		}
		out = append(out, d)
	}
	slices.SortFunc(out, compareDeprecated)
	if len(out) == 0 {
		return nil
	}
	return out
}

// compareDeprecated is the order deprecated APIs are kept in: by group,
// version, resource, subresource and removal.
func compareDeprecated(a, b DeprecatedAPI) int {
	return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Resource, b.Resource),
		cmp.Compare(a.Subresource, b.Subresource), cmp.Compare(a.RemovedRelease, b.RemovedRelease))
}
