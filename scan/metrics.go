package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/internal/bounded"
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
	// maxFamilyHeaders bounds a family's # HELP, # TYPE and # UNIT lines.
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
	// In OpenMetrics a counter's family drops _total, which its samples
	// keep.
	omRequestsFamily = "apiserver_request"
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
		return &Metrics{Error: oneLine(msg), ErrorKind: kind}
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
	return kind, oneLine(fmt.Sprintf("%s; %s of /metrics read, nothing of it kept", msg, sizeWords(n)))
}

// malformedMetrics is a /metrics body the parser or the checks after it
// refused, kept apart from read errors so that nothing the body says can
// pass for a timeout or a refusal.
type malformedMetrics struct{ msg string }

func (e *malformedMetrics) Error() string { return "unreadable /metrics: " + e.msg }

func malformed(format string, args ...any) error {
	return &malformedMetrics{msg: clip(fmt.Sprintf(format, args...), maxMetricsMessage)}
}

// oneLine keeps a message on one row whatever a server put in it.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
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

// metricsFormatOf tells from the Content-Type which parser reads the body:
// the text format (also when the server names none, as Prometheus assumes),
// or OpenMetrics 1.0 should a server send it unasked. Protobuf and anything
// else are refused by name.
func metricsFormatOf(contentType string) (openMetrics bool, err error) {
	if contentType == "" {
		return false, nil
	}
	mt, params, perr := mime.ParseMediaType(contentType)
	if perr != nil {
		return false, malformed("the Content-Type %q does not parse", clip(contentType, 100))
	}
	switch mt {
	case "text/plain":
		return false, nil
	case expfmt.OpenMetricsType:
		switch params["version"] {
		case "", expfmt.OpenMetricsVersion_0_0_1, expfmt.OpenMetricsVersion_1_0_0:
			return true, nil
		}
		return false, malformed("the server sent OpenMetrics version %q, which kubesurface does not read", clip(params["version"], 32))
	case expfmt.ProtoType:
		return false, malformed("the server sent protobuf though the text format was asked for; kubesurface does not read protobuf")
	}
	return false, malformed("the server sent %q, not the Prometheus text format", clip(mt, 100))
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
	openMetrics bool
	// families by the name their # lines use; samples by sample name.
	families map[string]*metricsFamily
	samples  map[string]*metricsFamily

	cur      *metricsFamily
	batch    []byte
	lines    []int // the body's line number of each batch line
	nSamples int
	// batchBytes and batchLines bound a batch; a test shrinks them to
	// show that batching changes nothing.
	batchBytes, batchLines int

	text       expfmt.TextParser
	deprecated map[deprecatedKey]struct{}
	sums       map[apiKey]float64
	// sawRequests is a series of apiserver_request_total read.
	sawRequests bool
	eof         bool
}

func newMetricsScan(openMetrics bool) *metricsScan {
	dep := &metricsFamily{name: deprecatedFamily}
	s := &metricsScan{
		openMetrics: openMetrics,
		batchBytes:  metricsBatchBytes,
		batchLines:  metricsBatchLines,
		text:        expfmt.NewTextParser(model.UTF8Validation),
		deprecated:  map[deprecatedKey]struct{}{},
		sums:        map[apiKey]float64{},
	}
	if openMetrics {
		req := &metricsFamily{name: omRequestsFamily}
		s.families = map[string]*metricsFamily{deprecatedFamily: dep, omRequestsFamily: req}
		// The counter's _created samples are not needed, and a batch
		// holding one without its _total would not parse.
		s.samples = map[string]*metricsFamily{deprecatedFamily: dep, requestsFamily: req}
	} else {
		req := &metricsFamily{name: requestsFamily}
		s.families = map[string]*metricsFamily{deprecatedFamily: dep, requestsFamily: req}
		s.samples = s.families
	}
	return s
}

// parseMetrics reads a /metrics body of the given Content-Type and returns
// the deprecated APIs it names, sorted, and how many bytes it read. Any
// error (a read error as the body gave it, else *malformedMetrics) means
// nothing is to be kept.
func parseMetrics(r io.Reader, contentType string) ([]DeprecatedAPI, int64, error) {
	cr := &countingReader{r: r}
	om, err := metricsFormatOf(contentType)
	if err != nil {
		return nil, 0, err
	}
	s := newMetricsScan(om)
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
		if s.eof {
			return malformed("line %d: data after # EOF", no)
		}
		f, header, eof := s.classify(line)
		if err == bufio.ErrBufferFull {
			if f != nil {
				return malformed("line %d: a line of %s is longer than %s", no, f.name, bounded.Size(maxMetricsLine))
			}
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			continue
		}
		if err == io.EOF && line[len(line)-1] != '\n' && !eof {
			// The format ends every line, the last one too: a body
			// that stops mid-line was cut short, however cleanly.
			return malformed("line %d: the body ends mid-line, cut short", no)
		}
		switch {
		case eof:
			s.eof = true
		case f != nil:
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
	if s.openMetrics && !s.eof {
		return malformed("the OpenMetrics body ends without # EOF")
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
// it is one of its # lines; for OpenMetrics it also spots # EOF.
func (s *metricsScan) classify(line []byte) (f *metricsFamily, header, eof bool) {
	l := bytes.TrimLeft(line, " \t")
	if len(l) > 0 && l[0] == '#' {
		if s.openMetrics && string(bytes.TrimSuffix(l, []byte("\n"))) == "# EOF" {
			return nil, false, true
		}
		kw, rest := token(l[1:])
		switch string(kw) {
		case "HELP", "TYPE":
		case "UNIT":
			if !s.openMetrics {
				return nil, false, false
			}
		default:
			return nil, false, false
		}
		name, _ := token(rest)
		return s.families[string(name)], true, false
	}
	end := bytes.IndexAny(l, "{ \t\r\n")
	if end < 0 {
		end = len(l)
	}
	return s.samples[string(l[:end])], false, false
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
	in := append(append(make([]byte, 0, len(f.headers)+len(s.batch)+len("# EOF\n")), f.headers...), s.batch...)
	lines := append(append(make([]int, 0, len(f.headerLines)+len(s.lines)), f.headerLines...), s.lines...)
	s.batch, s.lines, s.nSamples = s.batch[:0], s.lines[:0], 0

	var families []*dto.MetricFamily
	var err error
	if s.openMetrics {
		in = append(in, "# EOF\n"...)
		dec := expfmt.NewDecoder(bytes.NewReader(in), expfmt.FmtOpenMetrics_1_0_0)
		for {
			mf := &dto.MetricFamily{}
			if err = dec.Decode(mf); err != nil {
				break
			}
			families = append(families, mf)
		}
		if err == io.EOF {
			err = nil
		}
	} else {
		var byName map[string]*dto.MetricFamily
		byName, err = s.text.TextToMetricFamilies(bytes.NewReader(in))
		for _, mf := range byName {
			families = append(families, mf)
		}
	}
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
	for _, mf := range families {
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
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		for _, c := range [][2]string{{a.Group, b.Group}, {a.Version, b.Version}, {a.Resource, b.Resource}, {a.Subresource, b.Subresource}, {a.RemovedRelease, b.RemovedRelease}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
