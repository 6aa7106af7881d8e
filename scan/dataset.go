package scan

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Recorded is what an Internet-scan service (Shodan, Censys) recorded of
// one API server port: the parts kubesurface judges, nothing else. Every
// field is the service's copy of what the server sent, so it is as hostile
// as a server's answer and is bounded and judged the same way.
type Recorded struct {
	IP   string
	Port int
	// At is when the service saw the port: the result's date.
	At   time.Time
	Cert *RecordedCert
	// VersionBody is the /version answer as the service recorded it (or
	// rebuilt from its parsed fields): read by the scanner's own parser,
	// so a dataset cannot claim more than a server could.
	VersionBody []byte
}

// RecordedCert is the leaf certificate as a service parsed it: it keeps
// the names, not the DER, so only the shape and dates can be judged.
type RecordedCert struct {
	// Subject and Issuer are the DNs as the service wrote them; the
	// common names and organisations are what the shape rules read.
	Subject, Issuer       string
	SubjectCN, IssuerCN   string
	SubjectOrg, IssuerOrg []string
	DNSNames, IPAddresses []string
	NotBefore, NotAfter   time.Time
	SHA256                string
}

// Caps on what one record may carry into a result: far above any real
// certificate, low enough that a hostile line cannot make a row huge.
const (
	maxRecordedName  = 256
	maxRecordedNames = 256
)

// ErrNotKubernetes is a record with nothing to judge an API server by: no
// certificate and no /version answer.
var ErrNotKubernetes = errors.New("neither a TLS certificate nor a /version answer recorded")

// FromRecord turns a service's record into the result a probe of that port
// would have given as far as the record goes, judged for distribution and
// exposure (urgency is for package assess). A recorded /version answer is
// anonymous access to it; nothing beyond what was recorded is assumed.
func FromRecord(rec Recorded) (Result, error) {
	addr, err := netip.ParseAddr(rec.IP)
	if err != nil || addr.Zone() != "" {
		return Result{}, fmt.Errorf("address %q: not an IP address", truncate(rec.IP, 64))
	}
	addr = addr.Unmap()
	if rec.Port < 1 || rec.Port > 65535 {
		return Result{}, fmt.Errorf("port %d: out of range", rec.Port)
	}
	if rec.Cert == nil && rec.VersionBody == nil {
		return Result{}, ErrNotKubernetes
	}
	hostport := net.JoinHostPort(addr.String(), strconv.Itoa(rec.Port))
	ts, err := ParseEndpoints([]string{"https://" + hostport}, 1)
	if err != nil {
		return Result{}, err
	}
	at := rec.At.UTC()
	r := Result{APIVersion: APIVersion, Target: ts[0].Ref, State: StateDone, Phase: PhaseDone, StartedAt: at, FinishedAt: at,
		Addresses: []Address{{IP: addr.String(), Class: Classify(addr)}},
		Connect:   &Connect{Address: hostport}}
	if c := rec.Cert; c != nil {
		r.TLS = recordedTLS(c, at)
	}
	if rec.VersionBody != nil {
		q := Request{Path: "/version", Status: http.StatusOK, Bytes: int64(len(rec.VersionBody)), ContentType: "application/json",
			Summary: summarize("/version", http.StatusOK, rec.VersionBody, false)}
		r.Anonymous = []Request{q}
		if q.Summary["gitVersion"] != "" {
			r.Version = versionFrom(q.Summary, "anonymous")
		}
	}
	judge(&r)
	return r, nil
}

// recordedTLS judges a recorded certificate as describeTLS judges a served
// one, through an x509.Certificate holding only what was recorded.
func recordedTLS(c *RecordedCert, at time.Time) *TLS {
	cut := func(s []string) []string {
		s = s[:min(len(s), maxRecordedNames)]
		out := make([]string, len(s))
		for i, v := range s {
			out[i] = truncate(v, maxRecordedName)
		}
		return out
	}
	x := &x509.Certificate{
		Subject:   pkix.Name{CommonName: truncate(c.SubjectCN, maxRecordedName), Organization: cut(c.SubjectOrg)},
		Issuer:    pkix.Name{CommonName: truncate(c.IssuerCN, maxRecordedName), Organization: cut(c.IssuerOrg)},
		DNSNames:  cut(c.DNSNames),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
	}
	cert := Certificate{Subject: truncate(c.Subject, maxRecordedName), Issuer: truncate(c.Issuer, maxRecordedName),
		DNSNames: x.DNSNames, NotBefore: x.NotBefore, NotAfter: x.NotAfter, SHA256: truncate(c.SHA256, 64)}
	if cert.Subject == "" {
		cert.Subject = x.Subject.String()
	}
	if cert.Issuer == "" {
		cert.Issuer = x.Issuer.String()
	}
	for _, s := range cut(c.IPAddresses) {
		if a, err := netip.ParseAddr(s); err == nil {
			x.IPAddresses = append(x.IPAddresses, a.AsSlice())
			cert.IPAddresses = append(cert.IPAddresses, a.String())
		}
	}
	info := &TLS{Chain: []Certificate{cert}}
	info.LeakedSANs = leakedSANs(x)
	info.Kubernetes, info.Flavour = kubernetesShape(x)
	if !x.NotAfter.IsZero() {
		switch {
		case at.After(x.NotAfter):
			info.Findings = append(info.Findings, fmt.Sprintf("certificate expired %s (%s before the record)", x.NotAfter.Format(time.DateOnly), Plural(int(wholeDays(x.NotAfter, at)), "day")))
		case x.NotAfter.Sub(at) < expirySoon:
			info.Findings = append(info.Findings, fmt.Sprintf("certificate expires %s (%s after the record)", x.NotAfter.Format(time.DateOnly), Plural(int(wholeDays(at, x.NotAfter)), "day")))
		}
	}
	if len(info.LeakedSANs) > 0 {
		info.Findings = append(info.Findings, fmt.Sprintf("certificate names %d internal hosts or addresses", len(info.LeakedSANs)))
	}
	return info
}
