package scan

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// expirySoon is how close NotAfter may come before it is a finding.
const expirySoon = 30 * 24 * time.Hour

// observeConfig is for looking, not trusting: no verification, and an
// empty client certificate so we learn whether one is requested without
// presenting any credential. It offers h2 first: over it the anonymous
// requests share one connection at once instead of queueing on it.
//
// It offers only classical key exchanges: the hybrid post-quantum key
// share Go sends by default (X25519MLKEM768) protects secrets against
// later decryption, and nothing sent or asked for here is secret (no
// credential; what a stranger may read), while making that key costs more
// than the rest of the client's handshake: without it a loopback probe
// runs 10-20% faster (docs/speed.md). The authenticated probe
// keeps client-go's defaults.
func observeConfig(serverName string, requested *bool) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, //nolint:gosec // observation only; nothing secret is sent over it
		NextProtos:         []string{"h2", "http/1.1"},
		CurvePreferences:   []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			*requested = true
			return &tls.Certificate{}, nil
		},
	}
}

// describeTLS fills the observation of a finished handshake.
func describeTLS(info *TLS, st tls.ConnectionState, now time.Time) {
	info.Version = tls.VersionName(st.Version)
	info.CipherSuite = tls.CipherSuiteName(st.CipherSuite)
	info.ALPN = st.NegotiatedProtocol
	for _, c := range st.PeerCertificates {
		info.Chain = append(info.Chain, describeCert(c))
	}
	if len(st.PeerCertificates) == 0 {
		return
	}
	leaf := st.PeerCertificates[0]
	info.LeakedSANs = leakedSANs(leaf)
	info.Kubernetes, info.Flavour = kubernetesShape(leaf)
	switch {
	case now.After(leaf.NotAfter):
		info.Findings = append(info.Findings, fmt.Sprintf("certificate expired %s (%s ago)", leaf.NotAfter.Format(time.DateOnly), Plural(int(wholeDays(leaf.NotAfter, now)), "day")))
	case leaf.NotAfter.Sub(now) < expirySoon:
		info.Findings = append(info.Findings, fmt.Sprintf("certificate expires %s (in %s)", leaf.NotAfter.Format(time.DateOnly), Plural(int(wholeDays(now, leaf.NotAfter)), "day")))
	}
	if now.Before(leaf.NotBefore) {
		info.Findings = append(info.Findings, "certificate not valid yet")
	}
	if len(info.LeakedSANs) > 0 {
		info.Findings = append(info.Findings, fmt.Sprintf("certificate names %d internal hosts or addresses", len(info.LeakedSANs)))
	}
	if st.Version < tls.VersionTLS12 {
		info.Findings = append(info.Findings, "TLS older than 1.2 negotiated")
	}
}

// wholeDays is the number of whole days from a to b. It counts in Unix
// seconds, not time.Duration: a certificate may carry any date from year 1
// to 9999, and a Duration saturates at 292 years, which would turn a
// NotAfter of 0001-01-01 into "106751 days ago".
func wholeDays(a, b time.Time) int64 {
	return (b.Unix() - a.Unix()) / 86400
}

func describeCert(c *x509.Certificate) Certificate {
	sum := sha256.Sum256(c.Raw)
	out := Certificate{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		DNSNames:  c.DNSNames,
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		SHA256:    hex.EncodeToString(sum[:]),
		IsCA:      c.IsCA,
	}
	for _, ip := range c.IPAddresses {
		out.IPAddresses = append(out.IPAddresses, ip.String())
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyType, out.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyType, out.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		out.KeyType, out.KeyBits = "Ed25519", 256
	default:
		out.KeyType = c.PublicKeyAlgorithm.String()
	}
	return out
}

// internalSuffixes are DNS suffixes that only resolve inside a network.
var internalSuffixes = []string{".internal", ".local", ".localdomain", ".lan", ".svc", ".cluster.local", ".corp", ".home.arpa"}

// publicAPINames are the SANs every API server carries; they leak nothing.
var publicAPINames = map[string]bool{
	"kubernetes": true, "kubernetes.default": true, "kubernetes.default.svc": true,
	"kubernetes.default.svc.cluster.local": true, "localhost": true,
}

// leakedSANs lists SANs that name internal hosts or addresses: node names,
// service IPs and private ranges a stranger learns from the certificate.
func leakedSANs(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		a, ok := netip.AddrFromSlice(ip)
		if !ok {
			continue
		}
		switch Classify(a) {
		case ClassPrivate, ClassCGNAT, ClassLinkLocal:
			out = append(out, a.Unmap().String())
		}
	}
	for _, n := range c.DNSNames {
		l := strings.ToLower(n)
		if publicAPINames[l] {
			continue
		}
		internal := !strings.Contains(l, ".")
		for _, s := range internalSuffixes {
			internal = internal || strings.HasSuffix(l, s)
		}
		if internal {
			out = append(out, n)
		}
	}
	return out
}

// kindNode is the name kind gives a control-plane node: <cluster>-control-plane,
// then -control-plane2, 3, … in an HA cluster. Cluster API's
// KubeadmControlPlane machines are <cluster>-control-plane-<random>, which
// this does not match.
var kindNode = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?-control-plane[0-9]*$`)

// kindShape is the certificate kind's kubeadm config asks for: the node's
// own name and localhost (kind's certSANs: [localhost, <API server
// address>], so a port forwarded to the host verifies). A kubeadm or
// Cluster API node named *-control-plane-* is not enough.
func kindShape(c *x509.Certificate) bool {
	node, local := false, false
	for _, n := range c.DNSNames {
		l := strings.ToLower(n)
		node = node || kindNode.MatchString(l)
		local = local || l == "localhost"
	}
	return node && local
}

var uuidLike = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// kubernetesShape says whether a leaf certificate looks like an API server's
// and, where the names give it away, whose.
func kubernetesShape(c *x509.Certificate) (bool, string) {
	issuer := strings.ToLower(c.Issuer.CommonName)
	names := strings.ToLower(strings.Join(append([]string{c.Subject.CommonName}, c.DNSNames...), " "))
	all := issuer + " " + names + " " + strings.ToLower(strings.Join(c.Issuer.Organization, " "))
	has := func(s string) bool { return strings.Contains(all, s) }
	switch {
	case strings.HasPrefix(issuer, "k3s-"):
		return true, "k3s"
	case strings.HasPrefix(issuer, "rke2-"):
		return true, "rke2"
	case issuer == "minikubeca" || has("minikube"):
		return true, "minikube"
	case has("openshift") || strings.HasPrefix(issuer, "kube-apiserver-lb-signer") || strings.HasPrefix(issuer, "kube-apiserver-localhost-signer") || strings.HasPrefix(issuer, "kube-apiserver-service-network-signer"):
		return true, "openshift"
	case has(".eks.amazonaws.com"):
		return true, "eks"
	case has(".azmk8s.io"):
		return true, "aks"
	case issuer == "kubernetes" && kindShape(c) && has("kubernetes.default"):
		return true, "kind"
	case uuidLike.MatchString(issuer) && has("kubernetes.default"):
		return true, "gke"
	case issuer == "kubernetes" && has("kubernetes.default"):
		return true, "kubeadm"
	case has("kubernetes") || has("kube-apiserver"):
		return true, ""
	}
	return false, ""
}

// classifyHandshakeError turns a failed handshake into words: a plain HTTP
// server and garbage are different findings from a timeout.
func classifyHandshakeError(err error) (msg string, plaintextHTTP bool) {
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		if strings.HasPrefix(string(rh.RecordHeader[:]), "HTTP/") {
			return "port answers plain HTTP, not TLS", true
		}
		return fmt.Sprintf("not TLS: first bytes %q", rh.RecordHeader[:]), false
	}
	return describeNetErr("TLS handshake", err), false
}
