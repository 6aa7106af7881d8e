package scan

import "time"

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
	// Phase is the last phase that finished.
	Phase      Phase     `json:"phase,omitempty"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// DurationMS is the wall time of the whole probe.
	DurationMS int64 `json:"durationMs,omitempty"`

	Addresses []Address      `json:"addresses,omitempty"`
	Connect   *Connect       `json:"connect,omitempty"`
	TLS       *TLS           `json:"tls,omitempty"`
	Anonymous []Request      `json:"anonymous,omitempty"`
	Version   *Version       `json:"version,omitempty"`
	Auth      *Auth          `json:"auth,omitempty"`
	Dist      Distribution   `json:"distribution"`
	Exposure  Exposure       `json:"exposure"`
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
	// Skew summarises kubelets against the server's minor.
	Skew      *Skew  `json:"skew,omitempty"`
	LatencyMS int64  `json:"latencyMs"`
	Error     string `json:"error,omitempty"`
	// ErrorKind classifies Error: plugin-missing, plugin-failed, unauthorized,
	// forbidden, ca-mismatch, timeout, unreachable, config or other.
	ErrorKind string `json:"errorKind,omitempty"`
	// Warnings are partial failures (nodes not listable, identity unknown).
	Warnings []string `json:"warnings,omitempty"`
}

// Node is one Node object's kubelet.
type Node struct {
	Name           string `json:"name"`
	KubeletVersion string `json:"kubeletVersion"`
	// MinorsBehind is how many minors the kubelet trails the server (negative
	// when newer, which the skew policy forbids).
	MinorsBehind int `json:"minorsBehind"`
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
	// Name is eks, gke, aks, k3s, rke2, openshift, minikube, kind, kubeadm
	// or unknown.
	Name     string   `json:"name"`
	Evidence []string `json:"evidence,omitempty"`
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
