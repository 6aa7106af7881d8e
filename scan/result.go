package scan

import (
	"fmt"
	"strings"
	"time"
)

// APIVersion names the schema of Result. It changes only when a field changes
// meaning or disappears, so scripts reading `scan -o json` can pin it.
const APIVersion = "kubesurface/v1"

// State is where a target is in its scan; the TUI shows it per row.
type State string

const (
	StateWaiting State = "waiting"
	StateProbing State = "probing"
	StateDone    State = "done"
	// StateFailed means the target could not be probed at all (no address,
	// no TCP connection); partial failures leave the state done with errors.
	StateFailed State = "failed"
	// StateCancelled means the scan was stopped (SIGINT, SIGTERM, quit)
	// while this target was being probed: what it holds was seen before
	// the stop, and what it lacks says nothing about the server. Its
	// phase is done, since the probe has ended.
	StateCancelled State = "cancelled"
)

// Phase names a step of the probe; an Update is sent after each one.
type Phase string

const (
	PhaseResolve Phase = "resolve"
	PhaseConnect Phase = "connect"
	PhaseTLS     Phase = "tls"
	PhaseHTTP    Phase = "http"
	PhaseAuth    Phase = "auth"
	PhaseDone    Phase = "done"
)

// Result is everything learned about one target. It is the one contract
// between the scanner and every consumer (TUI, exporters, `-o json`), so it
// holds only plain values that marshal as they are shown.
type Result struct {
	APIVersion string `json:"apiVersion"`
	Target     Ref    `json:"target"`
	State      State  `json:"state"`
	// Phase is the last phase that finished. The authenticated phase runs
	// alongside the network ones, so auth may come before http or after
	// it: only PhaseDone says a result is final.
	Phase      Phase     `json:"phase,omitempty"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// DurationMS is the wall time of the whole probe.
	DurationMS int64 `json:"durationMs,omitempty"`

	Addresses []Address    `json:"addresses,omitempty"`
	Connect   *Connect     `json:"connect,omitempty"`
	TLS       *TLS         `json:"tls,omitempty"`
	Anonymous []Request    `json:"anonymous,omitempty"`
	Version   *Version     `json:"version,omitempty"`
	Auth      *Auth        `json:"auth,omitempty"`
	Dist      Distribution `json:"distribution"`
	Exposure  Exposure     `json:"exposure"`
	// Urgency and Advice are filled by package assess from the result,
	// dated facts and a date; the scanner leaves them nil.
	Urgency *Urgency `json:"urgency,omitempty"`
	Advice  *Advice  `json:"advice,omitempty"`
	// Readiness is filled by package assess too.
	Readiness *Readiness     `json:"readiness,omitempty"`
	Errors    []PhaseFailure `json:"errors,omitempty"`
}

// Ref identifies the target a result belongs to, without any credential.
type Ref struct {
	// Name is what the user sees: the context name or the endpoint as given.
	Name string `json:"name"`
	// Source is "kubeconfig" or "endpoint".
	Source  string `json:"source"`
	Context string `json:"context,omitempty"`
	// URL is the base URL probed (scheme, host, port and any path prefix).
	URL  string `json:"url"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

// Address is one resolved address of the target's host.
type Address struct {
	IP string `json:"ip"`
	// Class is public, private, cgnat, loopback, link-local or other.
	Class string `json:"class"`
	// Simulated marks the address a demo server stands for
	// (Target.StandsFor): judged, never dialled.
	Simulated bool `json:"simulated,omitempty"`
}

// Connect is the outcome of the TCP connection.
type Connect struct {
	Address   string `json:"address,omitempty"`
	LatencyMS int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
}

// TLS is what the handshake showed, observed without verification.
type TLS struct {
	// Plaintext is true when the port answered plain HTTP instead of TLS.
	Plaintext           bool          `json:"plaintext,omitempty"`
	Version             string        `json:"version,omitempty"`
	CipherSuite         string        `json:"cipherSuite,omitempty"`
	ALPN                string        `json:"alpn,omitempty"`
	ClientCertRequested bool          `json:"clientCertRequested"`
	LatencyMS           int64         `json:"latencyMs"`
	Chain               []Certificate `json:"chain,omitempty"`
	// LeakedSANs are SANs naming internal hosts or addresses.
	LeakedSANs []string `json:"leakedSans,omitempty"`
	// Kubernetes is true when the leaf looks like an API server certificate.
	Kubernetes bool `json:"kubernetes"`
	// Flavour is the certificate shape (kubeadm, k3s, rke2, openshift,
	// minikube, eks, gke, aks, kind) when one is recognised.
	Flavour  string   `json:"flavour,omitempty"`
	Findings []string `json:"findings,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Certificate is one certificate of the served chain.
type Certificate struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dnsNames,omitempty"`
	IPAddresses []string  `json:"ipAddresses,omitempty"`
	KeyType     string    `json:"keyType"`
	KeyBits     int       `json:"keyBits,omitempty"`
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	SHA256      string    `json:"sha256"`
	IsCA        bool      `json:"isCA,omitempty"`
}

// Request is one anonymous HTTP request and what it revealed.
type Request struct {
	Path      string `json:"path"`
	Status    int    `json:"status,omitempty"`
	LatencyMS int64  `json:"latencyMs"`
	Bytes     int64  `json:"bytes"`
	// Truncated is true when the body was larger than the read cap.
	Truncated   bool   `json:"truncated,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	// Location is the redirect target, recorded but never followed.
	Location string `json:"location,omitempty"`
	// Summary holds the parsed fields that matter (version, groups, items,
	// the denial reason) so the body itself need not be kept.
	Summary map[string]string `json:"summary,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// Version is the server's version as the server reported it.
type Version struct {
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit,omitempty"`
	BuildDate  string `json:"buildDate,omitempty"`
	GoVersion  string `json:"goVersion,omitempty"`
	Platform   string `json:"platform,omitempty"`
	// Semver is the normalised major.minor.patch, empty if unparsable.
	Semver string `json:"semver,omitempty"`
	// Minor is "major.minor", the unit support windows are given in.
	Minor string `json:"minor,omitempty"`
	// Source is "anonymous" (/version) or "authenticated".
	Source string `json:"source"`
}

// Auth is the authenticated view of a kubeconfig target.
type Auth struct {
	// User and Groups are who the server says we are (SelfSubjectReview).
	User          string   `json:"user,omitempty"`
	Groups        []string `json:"groups,omitempty"`
	ServerVersion string   `json:"serverVersion,omitempty"`
	Nodes         []Node   `json:"nodes,omitempty"`
	// OpenShift is the ClusterVersion, read where the API serves it.
	OpenShift *OpenShiftVersion `json:"openshift,omitempty"`
	// Metrics is what the server's own /metrics says about the deprecated
	// APIs its clients call, read with the context's credentials.
	Metrics *Metrics `json:"metrics,omitempty"`
	// Skew summarises kubelets against the server's minor.
	Skew      *Skew  `json:"skew,omitempty"`
	LatencyMS int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
	// ErrorKind classifies Error: plugin-missing, plugin-failed, unauthorized,
	// forbidden, ca-mismatch, timeout, unreachable, config or other.
	ErrorKind string `json:"errorKind,omitempty"`
	// Warnings are partial failures (nodes not listable, identity unknown).
	Warnings []string `json:"warnings,omitempty"`

	// clusterVersionDenied is a 403 on OpenShift's ClusterVersion, which
	// is a warning only where other evidence says OpenShift: judge
	// decides, and clears it.
	clusterVersionDenied bool
}

// Node is one Node object's kubelet.
type Node struct {
	Name           string `json:"name"`
	KubeletVersion string `json:"kubeletVersion"`
	// MinorsBehind is how many minors the kubelet trails the server (negative
	// when newer, which the skew policy forbids).
	MinorsBehind int `json:"minorsBehind"`
	// OS is status.nodeInfo.operatingSystem: Windows-only CVEs apply only
	// where it is windows.
	OS string `json:"os,omitempty"`
	// Provider is what the node's spec.providerID scheme and well-known
	// labels name: a managed service (eks, gke, aks, doks, lke,
	// oke), kind, or a bare cloud (aws, gce, azure, oci); empty when
	// silent. Only the name is kept, never the provider ID or a label's
	// value (they hold account, project and subscription ids).
	Provider string `json:"provider,omitempty"`
}

// Metrics is the part of /metrics an upgrade plan needs: the server counts
// every request to a deprecated API, whoever made it, which no manifest
// scan can see.
type Metrics struct {
	// DeprecatedAPIs are the series of apiserver_requested_deprecated_apis:
	// each deprecated API requested since the server started.
	DeprecatedAPIs []DeprecatedAPI `json:"deprecatedApis,omitempty"`
	// Bytes is how much of /metrics was read.
	Bytes int64 `json:"bytes,omitempty"`
	// Error says why /metrics could not be used; ErrorKind classifies it
	// as Auth.ErrorKind does (forbidden: the user may not get /metrics).
	Error     string `json:"error,omitempty"`
	ErrorKind string `json:"errorKind,omitempty"`
}

// DeprecatedAPI is one deprecated API the server saw requested.
type DeprecatedAPI struct {
	Group       string `json:"group,omitempty"`
	Version     string `json:"version"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	// RemovedRelease is the minor that stops serving it, as the server
	// says (empty when no removal is planned).
	RemovedRelease string `json:"removedRelease,omitempty"`
	// Requests sums apiserver_request_total for this group, version and
	// resource (and subresource); nil when the server does not say.
	Requests *int64 `json:"requests,omitempty"`
}

// Readiness is whether each hop of the upgrade path can be taken now, from
// what the cluster actually uses: its own verdict, separate from urgency
// (which is about time and risk).
type Readiness struct {
	// Verdict is that of the next hop: ready, blocked or unknown; empty
	// when there is no hop to take.
	Verdict string `json:"verdict,omitempty"`
	// Reason is the one line a table shows.
	Reason string         `json:"reason,omitempty"`
	Hops   []HopReadiness `json:"hops,omitempty"`
	// Notes are caveats: what the metric counts, removals too far ahead.
	Notes []string `json:"notes,omitempty"`
}

// HopReadiness is one minor upgrade and what stands in its way.
type HopReadiness struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Verdict is ready, blocked (Why says by what) or unknown (no
	// credentials, or no permission to read /metrics).
	Verdict string   `json:"verdict"`
	Why     []string `json:"why,omitempty"`
	// APIs are the deprecated APIs in use that this hop stops serving.
	APIs []APIInUse `json:"apis,omitempty"`
	// Kubelets are the kubelets that must move before the control plane
	// may take this hop (skew policy), grouped by version.
	Kubelets []KubeletBlocker `json:"kubelets,omitempty"`
}

// APIInUse is a deprecated API a hop removes that clients still call.
type APIInUse struct {
	Group       string `json:"group,omitempty"`
	Version     string `json:"version"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	Requests    *int64 `json:"requests,omitempty"`
	// Source says where the removal comes from: "metric" (the server's
	// removed_release) or "data" (the removed-API data).
	Source string `json:"source"`
}

// KubeletBlocker is the kubelets at one version that block a hop.
type KubeletBlocker struct {
	Version string   `json:"version"`
	Count   int      `json:"count"`
	Nodes   []string `json:"nodes,omitempty"`
}

// OpenShiftVersion is what config.openshift.io/v1 ClusterVersion says,
// where the server has it: the exact release and its update channel.
type OpenShiftVersion struct {
	Version string `json:"version,omitempty"`
	Channel string `json:"channel,omitempty"`
}

// Skew is the kubelet version skew against the API server.
type Skew struct {
	OldestKubelet string `json:"oldestKubelet,omitempty"`
	NewestKubelet string `json:"newestKubelet,omitempty"`
	MaxBehind     int    `json:"maxMinorsBehind"`
	// Violations name the nodes outside the supported skew policy.
	Violations []string `json:"violations,omitempty"`
}

// Distribution is the judged Kubernetes distribution with its evidence.
type Distribution struct {
	// Name is eks, eks-d, gke, aks, doks, lke, oke, k3s, rke2,
	// openshift, minikube, kind, kubeadm or unknown.
	Name     string   `json:"name"`
	Evidence []string `json:"evidence,omitempty"`
	// Against is the evidence that points elsewhere: shown, never
	// silently outvoted.
	Against []string `json:"against,omitempty"`
}

// Exposure is what an unauthenticated stranger can reach and do.
type Exposure struct {
	// Reach is the widest address class the target resolves to.
	Reach string `json:"reach"`
	// Access is the highest anonymous access seen: unreachable, tls, health,
	// version, discovery or read.
	Access string `json:"access"`
	// Level rates reach x access: critical, high, medium, low or none.
	Level   string   `json:"level"`
	Reasons []string `json:"reasons,omitempty"`
}

// PhaseFailure is an error of one phase, kept so no failure is silent.
type PhaseFailure struct {
	Phase Phase  `json:"phase"`
	Error string `json:"error"`
}

// Urgency is how soon the cluster must be upgraded, and why.
type Urgency struct {
	// Level is critical, high, medium, low or current; unknown when the
	// version is not visible, unparsable or newer than the data.
	Level string `json:"level"`
	// Reason is the one line a table shows; Reasons are all of them.
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons"`
	// Rules are the ids of the urgency rules (docs/urgency.md) that fired.
	Rules []string `json:"rules,omitempty"`
	// JudgedAt is the date the judgement is for (--now); DataAsOf the date
	// of the facts it used.
	JudgedAt string `json:"judgedAt"`
	DataAsOf string `json:"dataAsOf"`
	// Lifecycle is the support window of the running minor.
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`
	// ForcedUpgrade is the upgrade the provider will make itself, whether
	// workloads are ready or not: a date to plan around, not a risk.
	ForcedUpgrade *ForcedUpgrade `json:"forcedUpgrade,omitempty"`
	// NewestMinor and MinorsBehind compare with the newest minor of the
	// distribution; LatestPatch and PatchesBehind with the newest patch of
	// the running minor (where the data has one and the user picks patches).
	NewestMinor   string `json:"newestMinor,omitempty"`
	MinorsBehind  int    `json:"minorsBehind"`
	LatestPatch   string `json:"latestPatch,omitempty"`
	PatchesBehind int    `json:"patchesBehind"`
	// CVEs affect the exact version (for provider builds: its upstream base).
	CVEs []CVERef `json:"cves,omitempty"`
	// WorstCVE is the highest severity among CVEs an upgrade fixes.
	WorstCVE string `json:"worstCve,omitempty"`
	// Priority orders rows across urgency and exposure: higher first. An
	// Internet-exposed cluster out of standard support outranks all else.
	Priority int `json:"priority"`
}

// Lifecycle is one minor's support window for a distribution.
type Lifecycle struct {
	// Calendar is the data it came from (kubernetes, eks, gke, aks,
	// openshift); Minor is the distribution's own minor (4.15 for OpenShift).
	Calendar string `json:"calendar"`
	Minor    string `json:"minor"`
	// Phase is standard, extended or unsupported.
	Phase                string `json:"phase"`
	ReleaseDate          string `json:"releaseDate,omitempty"`
	EndOfStandardSupport string `json:"endOfStandardSupport,omitempty"`
	EndOfExtendedSupport string `json:"endOfExtendedSupport,omitempty"`
	// DaysLeft is days until the end of the current phase (negative: days
	// past the end of all support).
	DaysLeft int `json:"daysLeft"`
	// Provider says what the provider does at the end of support.
	Provider string `json:"provider,omitempty"`
	// ExtendedOptIn names what the extended window needs that the probe
	// cannot see (AKS LTS: the Premium tier with the LTS plan): the phase
	// is judged without that window, which is shown but not counted.
	ExtendedOptIn string `json:"extendedOptIn,omitempty"`
}

// ForcedUpgrade is a control plane upgrade the provider schedules itself.
type ForcedUpgrade struct {
	// By names the provider (EKS, GKE, AKS).
	By string `json:"by"`
	// On is the first day it may happen; To the minor it moves to.
	On string `json:"on"`
	To string `json:"to"`
	// DaysLeft counts days until On (negative once it is due).
	DaysLeft int `json:"daysLeft"`
	// Unless is what would stop it (an opt-in the probe cannot see).
	Unless string `json:"unless,omitempty"`
}

// Sentence says the forced upgrade in the words every view uses: who, to
// what, from when, and what would stop it.
func (fu *ForcedUpgrade) Sentence() string {
	when := DaysText(fu.DaysLeft)
	if fu.DaysLeft < 0 {
		when = "due " + when
	}
	s := fmt.Sprintf("%s upgrades this control plane to %s on or after %s (%s)", fu.By, fu.To, fu.On, when)
	if fu.Unless != "" {
		s += " unless " + fu.Unless
	}
	return s
}

// CVERef is one CVE that affects the running version.
type CVERef struct {
	ID       string   `json:"id"`
	Title    string   `json:"title,omitempty"`
	Severity string   `json:"severity"`
	Score    float64  `json:"score,omitempty"`
	FixedIn  []string `json:"fixedIn,omitempty"`
	// Unfixed is true when no release fixes it for this version: upgrading
	// does not help, mitigations do, so it does not raise urgency.
	Unfixed bool   `json:"unfixed,omitempty"`
	URL     string `json:"url,omitempty"`
	// Components are the components the CVE is in, as the data names them.
	Components []string `json:"components,omitempty"`
	// Kubelets are the kubelet versions it affects, for CVEs only in the
	// kubelet or kube-proxy: those run on the nodes, not in the API server.
	Kubelets []string `json:"kubelets,omitempty"`
	// WindowsOnly is true when it affects Windows nodes only.
	WindowsOnly bool `json:"windowsOnly,omitempty"`
}

// Advice is what to do: the upgrade path, how to restrict the endpoint,
// and the cadence that keeps it from happening again.
type Advice struct {
	Path     []Hop  `json:"path,omitempty"`
	Restrict []Step `json:"restrict,omitempty"`
	// Grant is what the probe's user lacks to judge readiness: the RBAC
	// to read /metrics, when reading it was forbidden.
	Grant   []Step `json:"grant,omitempty"`
	Cadence string `json:"cadence"`
	// Notes hold caveats (provider back-ports, data age).
	Notes []string `json:"notes,omitempty"`
}

// Hop is one minor upgrade and the APIs it stops serving.
type Hop struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Removes []string `json:"removes,omitempty"`
}

// Step is one way to close the exposure, with concrete commands.
type Step struct {
	Title    string   `json:"title"`
	Commands []string `json:"commands,omitempty"`
}

// Address is where the target answered, else its first resolved address:
// the one address a table row has room for.
func (r Result) Address() string {
	if r.Connect != nil && r.Connect.Address != "" {
		return r.Connect.Address
	}
	if len(r.Addresses) > 0 {
		return r.Addresses[0].IP
	}
	return "-"
}

// Plural counts a noun: "1 minor", "2 minors", "0 patches". Every count
// a user reads goes through it, so that none says "1 rows".
func Plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	if strings.HasSuffix(word, "ch") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// DaysText says a count of days left in words, singular and zero
// included: the one wording every view uses.
func DaysText(n int) string {
	switch {
	case n == 0:
		return "0 days left: ends today"
	case n == 1:
		return "1 day left"
	case n == -1:
		return "1 day ago"
	case n < 0:
		return fmt.Sprintf("%d days ago", -n)
	}
	return fmt.Sprintf("%d days left", n)
}

// End is the date the current phase ends: standard support while in it,
// then extended support where there is one. Past all support it is the day
// support ended.
func (lc *Lifecycle) End() string {
	if lc.Phase != "standard" && lc.EndOfExtendedSupport != "" && lc.ExtendedOptIn == "" {
		return lc.EndOfExtendedSupport
	}
	return lc.EndOfStandardSupport
}
