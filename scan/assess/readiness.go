package assess

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// Readiness verdicts, per hop and for the next hop.
const (
	Ready   = "ready"
	Blocked = "blocked"
)

// Where an API's removal comes from.
const (
	SourceMetric = "metric"
	SourceData   = "data"
)

// MaxReadinessHops bounds the path readiness judges: a server names its
// own removed_release values, and a hostile one could name 1.999999. Real
// removals come at most a few minors after a deprecation.
const MaxReadinessHops = 10

// metricsFrom is the first minor whose API server has
// apiserver_requested_deprecated_apis: before it, no series does not mean
// no use.
const metricsFrom = "1.19"

// kubeletNames is how many node names a blocker lists: enough to find the
// node pool, few enough for a table cell.
const kubeletNames = 5

// readiness judges each hop from the running minor: the data says what a
// hop removes, the server's own metric says what is still requested (and,
// past the data, what it will remove), and the kubelets say how far the
// control plane may move before they must.
func readiness(r *scan.Result, b *Bundle) *scan.Readiness {
	if r.Version == nil {
		return &scan.Readiness{Verdict: Unknown, Reason: "the version is not visible, so there is no upgrade path to judge"}
	}
	pv, err := scan.ParseVersion(r.Version.GitVersion)
	if err != nil || pv.Major == 0 {
		return &scan.Readiness{Verdict: Unknown, Reason: fmt.Sprintf("version %q has no upgrade path to judge", r.Version.GitVersion)}
	}
	apisKnown, apisWhy := metricsState(r, pv)
	var series []scan.DeprecatedAPI
	if apisKnown {
		series = r.Auth.Metrics.DeprecatedAPIs
	}
	end, notes := readinessEnd(r, b, pv, series)
	rd := &scan.Readiness{Notes: notes}
	hops := path(pv.Minor, end, b.Removals)
	if len(hops) == 0 {
		// The path always reaches the next minor; only an unreadable
		// minor leaves none.
		rd.Reason = fmt.Sprintf("no upgrade path to judge from %s", pv.Minor)
		return rd
	}
	if apisKnown {
		rd.Notes = append(rd.Notes, "apiserver_requested_deprecated_apis counts requests since this API server instance started; in a control plane of several instances each counts its own")
	}
	kubelets, kubeletsWhy := kubeletMinors(r)
	for _, h := range hops {
		hr := scan.HopReadiness{From: h.From, To: h.To}
		hr.APIs = apisRemoved(h, series)
		hr.Kubelets = skewBlockers(h.To, kubelets)
		if n := len(hr.APIs); n > 0 {
			hr.Why = append(hr.Why, fmt.Sprintf("%s in use: %s", scan.Plural(n, "deprecated API"), strings.Join(first(apiNames(hr.APIs), 3), ", ")))
		}
		for _, k := range hr.Kubelets {
			behind := minorsBetween(k.Version, h.To)
			hr.Why = append(hr.Why, fmt.Sprintf("skew: %s at %s would be %d minors behind %s (policy allows %d): %s",
				scan.Plural(k.Count, "kubelet"), k.Version, behind, h.To, scan.SkewPolicy, nodeList(k)))
		}
		switch {
		case len(hr.Why) > 0:
			hr.Verdict = Blocked
			if !apisKnown {
				hr.Why = append(hr.Why, "deprecated APIs in use unknown: "+apisWhy)
			}
			if kubeletsWhy != "" {
				hr.Why = append(hr.Why, "kubelets unknown: "+kubeletsWhy)
			}
		case !apisKnown:
			hr.Verdict = Unknown
			hr.Why = append(hr.Why, apisWhy)
			if kubeletsWhy != "" {
				hr.Why = append(hr.Why, "kubelets unknown: "+kubeletsWhy)
			}
		case kubeletsWhy != "":
			hr.Verdict = Unknown
			hr.Why = append(hr.Why, "kubelets unknown: "+kubeletsWhy)
		default:
			hr.Verdict = Ready
			removes := "nothing it removes was requested"
			if len(h.Removes) == 0 {
				removes = "it removes nothing the data or the server names"
			}
			hr.Why = append(hr.Why, fmt.Sprintf("%s; every kubelet is within %d minors of %s", removes, scan.SkewPolicy, h.To))
		}
		rd.Hops = append(rd.Hops, hr)
	}
	next := rd.Hops[0]
	rd.Verdict = next.Verdict
	rd.Reason = fmt.Sprintf("%s → %s %s: %s", next.From, next.To, next.Verdict, next.Why[0])
	if next.Verdict != Blocked {
		if i := slices.IndexFunc(rd.Hops, func(h scan.HopReadiness) bool { return h.Verdict == Blocked }); i > 0 {
			rd.Reason += fmt.Sprintf("; %s → %s is blocked", rd.Hops[i].From, rd.Hops[i].To)
		}
	}
	return rd
}

// metricsState says whether the deprecated APIs in use are known, and if
// not, why in words a reader can act on.
func metricsState(r *scan.Result, pv scan.ParsedVersion) (bool, string) {
	a := r.Auth
	switch {
	case a == nil && r.Target.Source == scan.SourceEndpoint:
		return false, "no credentials: an endpoint is probed anonymously, and only the cluster's own /metrics says which deprecated APIs are in use"
	case a == nil:
		return false, "no credentials: the authenticated probe did not run"
	case a.Error != "":
		return false, "the authenticated probe failed (" + a.Error + "), so /metrics was not read"
	case a.Metrics == nil:
		return false, "/metrics was not read with the context's credentials"
	case a.Metrics.ErrorKind == scan.AuthForbidden:
		return false, fmt.Sprintf("/metrics is forbidden to %s: grant it get on the non-resource URL /metrics (see the advice)", userOr(a.User, "the probe's user"))
	case a.Metrics.Error != "":
		return false, "/metrics could not be read: " + a.Metrics.Error
	case newer(metricsFrom, pv.Minor):
		return false, fmt.Sprintf("%s has no apiserver_requested_deprecated_apis metric (it came in %s)", pv.Minor, metricsFrom)
	}
	return true, ""
}

// readinessEnd is the minor the readiness path runs to: the newest minor
// of the data, or the highest removed_release the server names when that is
// later (a server newer than the data knows its own removals), bounded —
// and at least the next minor, where the next upgrade goes whether or not
// the data lists it yet: the kubelets' skew is known for it either way.
func readinessEnd(r *scan.Result, b *Bundle, pv scan.ParsedVersion, series []scan.DeprecatedAPI) (string, []string) {
	end := ""
	if d := b.Lifecycle[calendarFor(r.Dist.Name)]; d != nil {
		_, end, _ = findRelease(d, calendarFor(r.Dist.Name), pv, "")
	}
	if next := nextMinor(pv.Minor, 1); end == "" || newer(next, end) {
		end = next
	}
	var notes []string
	limit := nextMinor(pv.Minor, MaxReadinessHops)
	for _, s := range series {
		m, ok := minorOf(s.RemovedRelease)
		switch {
		case !ok || !newer(m, pv.Minor):
		case newer(m, limit):
			notes = append(notes, fmt.Sprintf("%s is removed in %s, more than %d minors ahead: not judged", APIName(s.Group, s.Version, s.Resource, s.Subresource), m, MaxReadinessHops))
		case end == "" || newer(m, end):
			end = m
		}
	}
	return end, notes
}

// minorOf reads a removed_release ("1.38", "1.38.0") as a major.minor.
func minorOf(s string) (string, bool) {
	v, err := utilversion.ParseGeneric(s)
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("%d.%d", v.Major(), v.Minor()), true
}

// apisRemoved are the APIs in use that a hop stops serving: the data's
// removals that the metric shows requested, then what the server itself
// says this hop removes.
func apisRemoved(h scan.Hop, series []scan.DeprecatedAPI) []scan.APIInUse {
	var out []scan.APIInUse
	seen := map[string]bool{}
	add := func(s scan.DeprecatedAPI, source string) {
		k := APIName(s.Group, s.Version, s.Resource, s.Subresource)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, scan.APIInUse{Group: s.Group, Version: s.Version, Resource: s.Resource, Subresource: s.Subresource, Requests: s.Requests, Source: source})
	}
	for _, removed := range h.Removes {
		group, version, resource, ok := dataAPI(removed)
		if !ok {
			continue
		}
		for _, s := range series {
			if s.Group == group && s.Version == version && s.Resource == resource {
				add(s, SourceData)
			}
		}
	}
	for _, s := range series {
		if m, ok := minorOf(s.RemovedRelease); ok && m == h.To {
			add(s, SourceMetric)
		}
	}
	return out
}

// dataAPI reads a removal as the data writes it ("policy/v1beta1
// PodSecurityPolicy") into the group, version and resource the metric
// labels use.
func dataAPI(s string) (group, version, resource string, ok bool) {
	gv, kind, ok := strings.Cut(s, " ")
	if !ok || kind == "" {
		return "", "", "", false
	}
	group, version, found := strings.Cut(gv, "/")
	if !found {
		group, version = "", gv
	}
	return group, version, resourceOf(kind), true
}

// resourceOf is the resource name of a kind as the API server makes it:
// lower case, plural.
func resourceOf(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(k, "s"), strings.HasSuffix(k, "x"), strings.HasSuffix(k, "ch"), strings.HasSuffix(k, "sh"):
		return k + "es"
	case strings.HasSuffix(k, "y") && len(k) > 1 && !strings.ContainsRune("aeiou", rune(k[len(k)-2])):
		return k[:len(k)-1] + "ies"
	}
	return k + "s"
}

// APIName writes an API as kubectl names resources:
// resource[/subresource].version.group, so a reader can grep for it.
func APIName(group, version, resource, sub string) string {
	n := resource
	if sub != "" {
		n += "/" + sub
	}
	n += "." + version
	if group != "" {
		n += "." + group
	}
	return n
}

func apiNames(apis []scan.APIInUse) []string {
	out := make([]string, len(apis))
	for i, a := range apis {
		out[i] = APIName(a.Group, a.Version, a.Resource, a.Subresource)
		if a.Requests != nil {
			out[i] += fmt.Sprintf(" (%s)", scan.Plural(int(*a.Requests), "request"))
		}
	}
	return out
}

// kubeletMinor is the nodes at one kubelet minor.
type kubeletMinor struct {
	minor string
	nodes []string
}

// kubeletMinors groups the nodes by kubelet minor, or says why the
// kubelets are not known.
func kubeletMinors(r *scan.Result) ([]kubeletMinor, string) {
	a := r.Auth
	if a == nil || a.Error != "" {
		return nil, "" // said already: no credentials
	}
	if len(a.Nodes) == 0 {
		for _, w := range a.Warnings {
			if strings.HasPrefix(w, "nodes: ") {
				return nil, w
			}
		}
	}
	byMinor := map[string][]string{}
	for _, n := range a.Nodes {
		kv, err := scan.ParseVersion(n.KubeletVersion)
		if err != nil {
			continue // the skew rule names it as unreadable
		}
		byMinor[kv.Minor] = append(byMinor[kv.Minor], n.Name)
	}
	var out []kubeletMinor
	for m, names := range byMinor {
		out = append(out, kubeletMinor{minor: m, nodes: names})
	}
	slices.SortFunc(out, func(a, b kubeletMinor) int {
		if newer(a.minor, b.minor) {
			return 1
		}
		if newer(b.minor, a.minor) {
			return -1
		}
		return cmp.Compare(a.minor, b.minor)
	})
	return out, ""
}

// skewBlockers are the kubelets that would fall outside the skew policy if
// the control plane moved to minor to.
func skewBlockers(to string, kubelets []kubeletMinor) []scan.KubeletBlocker {
	t, err := utilversion.ParseMajorMinor(to)
	if err != nil {
		return nil
	}
	var out []scan.KubeletBlocker
	for _, k := range kubelets {
		v, err := utilversion.ParseMajorMinor(k.minor)
		if err != nil {
			continue
		}
		if v.Major() == t.Major() && int(t.Minor())-int(v.Minor()) <= scan.SkewPolicy {
			continue
		}
		names := slices.Sorted(slices.Values(k.nodes))
		out = append(out, scan.KubeletBlocker{Version: k.minor, Count: len(names), Nodes: names[:min(len(names), kubeletNames)]})
	}
	return out
}

// nodeList names a blocker's nodes, saying how many more there are.
func nodeList(k scan.KubeletBlocker) string {
	s := strings.Join(k.Nodes, ", ")
	if more := k.Count - len(k.Nodes); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// ReadyCell is the readiness a table shows in one short cell: ready,
// blocked: N APIs, blocked: skew, unknown, or - without readiness.
func ReadyCell(rd *scan.Readiness) string {
	switch {
	case rd == nil || rd.Verdict == "":
		return "-"
	case rd.Verdict != Blocked || len(rd.Hops) == 0:
		return rd.Verdict
	case len(rd.Hops[0].APIs) > 0:
		return "blocked: " + scan.Plural(len(rd.Hops[0].APIs), "API")
	}
	return "blocked: skew"
}

// MetricsReaderName names the ClusterRole and ClusterRoleBinding of the
// grant: one name, so that applying it twice changes nothing.
const MetricsReaderName = "kubesurface-metrics-reader"

// metricsGrant is the least RBAC that lets user read /metrics: get on that
// one non-resource URL, bound to the user (or service account) the probe
// authenticated as. It is a heredoc for kubectl, a line per command line,
// so every format shows it as it must be typed.
func metricsGrant(user string) scan.Step {
	subject := fmt.Sprintf("- kind: User\n  apiGroup: rbac.authorization.k8s.io\n  name: %s", yamlString(userOr(user, "USER")))
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		if ns, name, ok := strings.Cut(rest, ":"); ok && ns != "" && name != "" {
			subject = fmt.Sprintf("- kind: ServiceAccount\n  name: %s\n  namespace: %s", yamlString(name), yamlString(ns))
		}
	}
	doc := fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %[1]s
rules:
- nonResourceURLs: ["/metrics"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %[1]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: %[1]s
subjects:
%[2]s`, MetricsReaderName, subject)
	cmds := []string{"kubectl apply -f - <<'EOF'"}
	cmds = append(cmds, strings.Split(doc, "\n")...)
	cmds = append(cmds, "EOF")
	who := "the probe's user"
	if user != "" {
		who = user
	}
	return scan.Step{Title: fmt.Sprintf("Let %s read /metrics (get on the non-resource URL only), so readiness can see the deprecated APIs in use", who), Commands: cmds}
}

// MetricsGrantYAML is the two objects of the grant for user, as YAML.
func MetricsGrantYAML(user string) string {
	c := metricsGrant(user).Commands
	return strings.Join(c[1:len(c)-1], "\n") + "\n"
}

// yamlString quotes a name from the server as a JSON string, which YAML
// reads as a double-quoted scalar: a user name cannot add keys or lines,
// and control characters stay escaped.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func userOr(user, placeholder string) string {
	if user == "" {
		return placeholder
	}
	return user
}
