package main

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// The metrics of the latest completed scan (docs/serve.md: "serve: Prometheus
// exporter"). Every label value is an enumeration, a version number, a
// kubeconfig context name or a target's display name: never free text
// from a server (reasons, certificate subjects, gitVersion suffixes),
// which would grow the series without bound and carry what a hostile
// server chose to say.
var (
	targetInfoDesc = prometheus.NewDesc("kubesurface_target_info",
		"A target of the latest scan (always 1): its kubeconfig context, judged distribution, Kubernetes version and minor.",
		[]string{"target", "context", "distribution", "version", "minor"}, nil)
	urgencyDesc = prometheus.NewDesc("kubesurface_urgency_level",
		"How soon the target must be upgraded: 4 critical, 3 high, 2 medium, 1 low, 0 current, -1 unknown (version not visible, or newer than the data).",
		[]string{"target"}, nil)
	exposureDesc = prometheus.NewDesc("kubesurface_exposure_level",
		"What an anonymous stranger can reach and do, reach x access: 4 critical, 3 high, 2 medium, 1 low, 0 none.",
		[]string{"target"}, nil)
	accessDesc = prometheus.NewDesc("kubesurface_anonymous_access_level",
		"The highest anonymous access seen: 5 read (anonymous users can list namespaces), 4 discovery, 3 version, 2 health, 1 tls, 0 unreachable, -1 unknown.",
		[]string{"target"}, nil)
	supportEndDesc = prometheus.NewDesc("kubesurface_support_end_timestamp_seconds",
		"When support of the running minor ends (00:00 UTC of the date the data gives), by phase: standard or extended.",
		[]string{"target", "phase"}, nil)
	forcedUpgradeDesc = prometheus.NewDesc("kubesurface_forced_upgrade_timestamp_seconds",
		"The first day (00:00 UTC) the provider may upgrade the control plane itself, where the data says it does.",
		[]string{"target"}, nil)
	cvesDesc = prometheus.NewDesc("kubesurface_cves",
		"CVEs that affect the running version, by severity (unknown: the data gives no rating).",
		[]string{"target", "severity"}, nil)
	blockedDesc = prometheus.NewDesc("kubesurface_upgrade_blocked",
		"Whether a minor upgrade hop (from->to) is blocked by deprecated APIs in use or kubelet skew: 1 blocked, 0 ready; absent where readiness is unknown.",
		[]string{"target", "hop"}, nil)
	durationDesc = prometheus.NewDesc("kubesurface_scan_duration_seconds",
		"Wall time of the latest completed scan.", nil, nil)
	lastScanDesc = prometheus.NewDesc("kubesurface_last_scan_timestamp_seconds",
		"When the latest completed scan ended.", nil, nil)
)

// cveSeverities are the kubesurface_cves series every judged target has:
// all of them, zeros included, so that an alert on one compares a number
// rather than an absent series.
var cveSeverities = []string{assess.Critical, assess.High, assess.Medium, assess.Low, assess.Unknown}

// accessOrder is the anonymous access scale, least first.
var accessOrder = []string{scan.AccessUnreachable, scan.AccessTLS, scan.AccessHealth, scan.AccessVersion, scan.AccessDiscovery, scan.AccessRead}

// probePhases are the phases kubesurface_probe_errors_total starts with at
// zero, so that increase() sees the first error of each.
var probePhases = []scan.Phase{scan.PhaseResolve, scan.PhaseConnect, scan.PhaseTLS, scan.PhaseHTTP, scan.PhaseAuth}

// exporter serves the latest completed scan. Its metrics are built once
// per scan (const metrics are immutable) and swapped in whole, so a scrape
// sees one scan, never a mix, and holds no lock a scan waits on.
type exporter struct {
	latest      atomic.Pointer[[]prometheus.Metric]
	probeErrors *prometheus.CounterVec
	registry    *prometheus.Registry
}

func newExporter() *exporter {
	ex := &exporter{
		probeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubesurface_probe_errors_total",
			Help: "Probe errors since the exporter started, by the phase that failed (resolve, connect, tls, http, auth): one per failure of a target's phase, across every completed scan.",
		}, []string{"phase"}),
		registry: prometheus.NewRegistry(),
	}
	for _, p := range probePhases {
		ex.probeErrors.WithLabelValues(string(p))
	}
	// The Go runtime's and the process's own metrics are served too, as
	// every Go exporter serves them: a long-running scanner's memory, CPU
	// and open files are worth watching (docs/speed.md).
	ex.registry.MustRegister(latestCollector{ex}, ex.probeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return ex
}

// latestCollector reports the latest completed scan's metrics.
type latestCollector struct{ ex *exporter }

func (c latestCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{targetInfoDesc, urgencyDesc, exposureDesc, accessDesc, supportEndDesc,
		forcedUpgradeDesc, cvesDesc, blockedDesc, durationDesc, lastScanDesc} {
		ch <- d
	}
}

func (c latestCollector) Collect(ch chan<- prometheus.Metric) {
	if ms := c.ex.latest.Load(); ms != nil {
		for _, m := range *ms {
			ch <- m
		}
	}
}

// ready is whether a scan has completed: /readyz and the metrics wait for
// the first.
func (ex *exporter) ready() bool { return ex.latest.Load() != nil }

// publish replaces the metrics with those of a completed scan's judged
// results, and counts its probe errors.
func (ex *exporter) publish(results []scan.Result, at time.Time, took time.Duration) {
	ms := scanMetrics(results)
	ms = append(ms,
		prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, took.Seconds()),
		prometheus.MustNewConstMetric(lastScanDesc, prometheus.GaugeValue, float64(at.UnixNano())/1e9))
	for _, r := range results {
		for _, e := range r.Errors {
			phase := string(e.Phase)
			if !slices.Contains(probePhases, e.Phase) {
				phase = "other"
			}
			ex.probeErrors.WithLabelValues(phase).Inc()
		}
	}
	ex.latest.Store(&ms)
}

// handler serves /metrics, /healthz and /readyz.
func (ex *exporter) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(ex.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ex.ready() {
			http.Error(w, "the first scan has not completed", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "kubesurface serve: /metrics /healthz /readyz")
	})
	return mux
}

// minorPattern is a minor as the data and the version parser write it: a
// hop label is made of two, and nothing else reaches it.
var minorPattern = regexp.MustCompile(`^[0-9]{1,4}\.[0-9]{1,4}$`)

// versionPattern is a normalised major.minor.patch.
var versionPattern = regexp.MustCompile(`^[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,6}$`)

// scanMetrics are the per-target metrics of judged results.
func scanMetrics(results []scan.Result) []prometheus.Metric {
	var ms []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ms = append(ms, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	names := targetLabels(results)
	for i, r := range results {
		target := names[i]
		version, minor := "", ""
		if v := r.Version; v != nil && versionPattern.MatchString(v.Semver) && minorPattern.MatchString(v.Minor) {
			version, minor = v.Semver, v.Minor
		}
		gauge(targetInfoDesc, 1, target, labelText(r.Target.Context), enumLabel(r.Dist.Name), version, minor)
		if l := scan.LevelRank(r.Exposure.Level); l >= 0 {
			gauge(exposureDesc, float64(l), target)
		}
		gauge(accessDesc, float64(slices.Index(accessOrder, r.Exposure.Access)), target)
		if u := r.Urgency; u != nil {
			gauge(urgencyDesc, float64(assess.Rank(u.Level)), target)
			if lc := u.Lifecycle; lc != nil {
				if t, ok := dayStart(lc.EndOfStandardSupport); ok {
					gauge(supportEndDesc, t, target, "standard")
				}
				// An extended window that needs an opt-in the probe
				// cannot see is not counted by the urgency either.
				if t, ok := dayStart(lc.EndOfExtendedSupport); ok && lc.ExtendedOptIn == "" {
					gauge(supportEndDesc, t, target, "extended")
				}
			}
			if fu := u.ForcedUpgrade; fu != nil {
				if t, ok := dayStart(fu.On); ok {
					gauge(forcedUpgradeDesc, t, target)
				}
			}
			if version != "" {
				counts := map[string]int{}
				for _, c := range u.CVEs {
					s := assess.LevelOfSeverity(c.Severity)
					if s == "" {
						s = assess.Unknown
					}
					counts[s]++
				}
				for _, s := range cveSeverities {
					gauge(cvesDesc, float64(counts[s]), target, s)
				}
			}
		}
		if rd := r.Readiness; rd != nil {
			for _, h := range rd.Hops {
				if !minorPattern.MatchString(h.From) || !minorPattern.MatchString(h.To) {
					continue
				}
				switch h.Verdict {
				case assess.Blocked:
					gauge(blockedDesc, 1, target, h.From+"->"+h.To)
				case assess.Ready:
					gauge(blockedDesc, 0, target, h.From+"->"+h.To)
				}
			}
		}
	}
	return ms
}

// targetLabels are the results' target label values: the display name,
// with any user info or query hidden and control characters replaced, made
// unique (a context and an endpoint may share a name) by a " (2)" suffix,
// since two series with one label set would fail the whole scrape.
func targetLabels(results []scan.Result) []string {
	seen := map[string]bool{}
	out := make([]string, len(results))
	for i, r := range results {
		name := labelText(r.Target.Name)
		for n := 2; seen[name]; n++ {
			name = fmt.Sprintf("%s (%d)", labelText(r.Target.Name), n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// maxLabel bounds a label value taken from the user's own input (a
// context name): a series key stays small whatever the kubeconfig holds.
const maxLabel = 256

// labelText is a name from the user's input as a label value: redacted
// (a URL's user info and query), one clean line, valid UTF-8, bounded.
func labelText(s string) string {
	s = strings.ToValidUTF8(clean.Line(clean.Redact(s)), string(clean.Replacement))
	if len(s) > maxLabel {
		s = strings.ToValidUTF8(s[:maxLabel], "") + "…"
	}
	return s
}

// enumLabel keeps a value of a fixed vocabulary (a distribution name) only
// when it looks like one.
func enumLabel(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "unknown"
		}
	}
	return s
}

// dayStart is a YYYY-MM-DD as Unix seconds at 00:00 UTC.
func dayStart(s string) (float64, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return float64(t.Unix()), true
}
