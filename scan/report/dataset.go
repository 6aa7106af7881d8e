package report

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// Dataset formats Decoder reads besides its own, told apart by the first
// record's keys: researchers bring the exports of Internet-scan services
// rather than scans of their own, and those are judged without probing.
const (
	FormatShodan = "shodan" // Shodan's JSON lines download: one banner a line
	FormatCensys = "censys" // Censys's host export: one host a line, its services within
)

// sniffFormat tells a dataset line from a kubesurface result by the keys
// only each has; "" is kubesurface's own (or not JSON, which decoding
// then reports).
func sniffFormat(line []byte) string {
	var keys struct {
		APIVersion     *string         `json:"apiVersion"`
		IPStr          *string         `json:"ip_str"`
		Services       json.RawMessage `json:"services"`
		HostIdentifier json.RawMessage `json:"host_identifier"`
	}
	if json.Unmarshal(line, &keys) != nil || keys.APIVersion != nil {
		return ""
	}
	switch {
	case keys.IPStr != nil:
		return FormatShodan
	case keys.Services != nil || keys.HostIdentifier != nil:
		return FormatCensys
	}
	return ""
}

// datasetTime reads the dates the services write: RFC 3339, Shodan's
// zoneless microseconds (UTC), Censys's snapshot "2021-05-23 00:00:00 UTC".
func datasetTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05 MST", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q: not a date", truncateText(s, 64))
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// versionBody is a /version answer rebuilt from a service's parsed fields,
// for the scanner's own parser to read.
func versionBody(git, commit, build, goVersion, platform string) []byte {
	if git == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]string{"gitVersion": git, "gitCommit": commit, "buildDate": build, "goVersion": goVersion, "platform": platform})
	return b
}

// certFromPEM reads the leaf of a recorded chain: a PEM chain (Shodan's
// ssl.chain) holds the whole certificate, SANs included.
func certFromPEM(s string) *scan.RecordedCert {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(c.Raw)
	rc := &scan.RecordedCert{Subject: c.Subject.String(), Issuer: c.Issuer.String(), SubjectCN: c.Subject.CommonName, IssuerCN: c.Issuer.CommonName,
		SubjectOrg: c.Subject.Organization, IssuerOrg: c.Issuer.Organization, DNSNames: c.DNSNames,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, SHA256: hex.EncodeToString(sum[:])}
	for _, ip := range c.IPAddresses {
		rc.IPAddresses = append(rc.IPAddresses, ip.String())
	}
	return rc
}

// shodanBanner is the part of a Shodan banner kubesurface reads.
type shodanBanner struct {
	IPStr     string `json:"ip_str"`
	Port      int    `json:"port"`
	Timestamp string `json:"timestamp"`
	Data      string `json:"data"`
	SSL       *struct {
		Chain []string `json:"chain"`
		Cert  *struct {
			Subject     map[string]json.RawMessage `json:"subject"`
			Issuer      map[string]json.RawMessage `json:"issuer"`
			Issued      string                     `json:"issued"`
			Expires     string                     `json:"expires"`
			Fingerprint struct {
				SHA256 string `json:"sha256"`
			} `json:"fingerprint"`
		} `json:"cert"`
	} `json:"ssl"`
	HTTP *struct {
		HTML string `json:"html"`
	} `json:"http"`
	Kubernetes *struct {
		Version   string `json:"version"`
		BuildDate string `json:"build_date"`
		GoVersion string `json:"go_version"`
		Platform  string `json:"platform"`
		GitCommit string `json:"git_commit"`
	} `json:"kubernetes"`
}

// shodanName reads one attribute of Shodan's subject/issuer dictionary,
// a string or (for repeated attributes) a list of them.
func shodanName(m map[string]json.RawMessage, key string) []string {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

func shodanDN(m map[string]json.RawMessage) string {
	var parts []string
	for _, k := range []string{"CN", "O", "OU", "L", "ST", "C"} {
		for _, v := range shodanName(m, k) {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

// shodanCertTime reads ssl.cert's dates, ASN.1 GeneralizedTime text.
func shodanCertTime(s string) time.Time {
	t, _ := time.Parse("20060102150405Z", s)
	return t
}

// bodyVersion is the /version answer in recorded HTTP data: the JSON
// object after the headers, when it holds a gitVersion.
func bodyVersion(data string) []byte {
	if i := strings.Index(data, "\r\n\r\n"); i >= 0 && strings.HasPrefix(data, "HTTP/") {
		data = data[i+4:]
	}
	data = strings.TrimSpace(data)
	if !strings.HasPrefix(data, "{") || !strings.Contains(data, `"gitVersion"`) {
		return nil
	}
	return []byte(data)
}

// parseShodan turns one banner into a result.
func parseShodan(line []byte) (scan.Result, error) {
	var b shodanBanner
	if err := json.Unmarshal(line, &b); err != nil {
		return scan.Result{}, err
	}
	at, err := datasetTime(b.Timestamp)
	if err != nil {
		return scan.Result{}, err
	}
	rec := scan.Recorded{IP: b.IPStr, Port: b.Port, At: at}
	if b.SSL != nil {
		for _, p := range b.SSL.Chain[:min(len(b.SSL.Chain), 1)] {
			rec.Cert = certFromPEM(p)
		}
		if c := b.SSL.Cert; rec.Cert == nil && c != nil {
			rec.Cert = &scan.RecordedCert{Subject: shodanDN(c.Subject), Issuer: shodanDN(c.Issuer),
				SubjectCN: first(shodanName(c.Subject, "CN")), IssuerCN: first(shodanName(c.Issuer, "CN")),
				SubjectOrg: shodanName(c.Subject, "O"), IssuerOrg: shodanName(c.Issuer, "O"),
				NotBefore: shodanCertTime(c.Issued), NotAfter: shodanCertTime(c.Expires), SHA256: c.Fingerprint.SHA256}
		}
	}
	switch {
	case b.Kubernetes != nil && b.Kubernetes.Version != "":
		k := b.Kubernetes
		rec.VersionBody = versionBody(k.Version, k.GitCommit, k.BuildDate, k.GoVersion, k.Platform)
	case b.HTTP != nil && bodyVersion(b.HTTP.HTML) != nil:
		rec.VersionBody = bodyVersion(b.HTTP.HTML)
	default:
		rec.VersionBody = bodyVersion(b.Data)
	}
	return scan.FromRecord(rec)
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// censysHost is the part of a Censys host record kubesurface reads: the
// search API's host (ip, services, last_updated_at) or the Universal
// Internet Dataset's (host_identifier, snapshot_date).
type censysHost struct {
	IP             string `json:"ip"`
	HostIdentifier *struct {
		IPv4 string `json:"ipv4"`
		IPv6 string `json:"ipv6"`
	} `json:"host_identifier"`
	LastUpdatedAt string          `json:"last_updated_at"`
	SnapshotDate  string          `json:"snapshot_date"`
	Services      []censysService `json:"services"`
}

type censysService struct {
	Port        int    `json:"port"`
	ServiceName string `json:"service_name"`
	ObservedAt  string `json:"observed_at"`
	Kubernetes  *struct {
		VersionInfo *struct {
			GitVersion string `json:"git_version"`
			GitCommit  string `json:"git_commit"`
			BuildDate  string `json:"build_date"`
			GoVersion  string `json:"go_version"`
			Platform   string `json:"platform"`
		} `json:"version_info"`
	} `json:"kubernetes"`
	TLS *struct {
		Certificates struct {
			LeafData *struct {
				SubjectDN   string     `json:"subject_dn"`
				IssuerDN    string     `json:"issuer_dn"`
				Names       []string   `json:"names"`
				Subject     censysName `json:"subject"`
				Issuer      censysName `json:"issuer"`
				Fingerprint string     `json:"fingerprint"`
			} `json:"leaf_data"`
			LeafFPSHA256 string `json:"leaf_fp_sha_256"`
		} `json:"certificates"`
	} `json:"tls"`
}

type censysName struct {
	CommonName   []string `json:"common_name"`
	Organization []string `json:"organization"`
}

// parseCensys turns a host into the results of its Kubernetes services:
// the other services a host runs (SSH, a web site) are not API servers and
// are passed over without a word; a host with none is a skipped row.
func parseCensys(line []byte) ([]scan.Result, error) {
	var h censysHost
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, err
	}
	ip := h.IP
	if ip == "" && h.HostIdentifier != nil {
		ip = h.HostIdentifier.IPv4
		if ip == "" {
			ip = h.HostIdentifier.IPv6
		}
	}
	hostDate := h.LastUpdatedAt
	if hostDate == "" {
		hostDate = h.SnapshotDate
	}
	var out []scan.Result
	var firstErr error
	for _, s := range h.Services {
		if s.Kubernetes == nil && !strings.EqualFold(s.ServiceName, "KUBERNETES") {
			continue
		}
		date := s.ObservedAt
		if date == "" {
			date = hostDate
		}
		at, err := datasetTime(date)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		rec := scan.Recorded{IP: ip, Port: s.Port, At: at}
		if s.Kubernetes != nil && s.Kubernetes.VersionInfo != nil {
			v := s.Kubernetes.VersionInfo
			rec.VersionBody = versionBody(v.GitVersion, v.GitCommit, v.BuildDate, v.GoVersion, v.Platform)
		}
		if s.TLS != nil && s.TLS.Certificates.LeafData != nil {
			l := s.TLS.Certificates.LeafData
			c := &scan.RecordedCert{Subject: l.SubjectDN, Issuer: l.IssuerDN, SubjectCN: first(l.Subject.CommonName), IssuerCN: first(l.Issuer.CommonName),
				SubjectOrg: l.Subject.Organization, IssuerOrg: l.Issuer.Organization, SHA256: s.TLS.Certificates.LeafFPSHA256}
			if c.SHA256 == "" {
				c.SHA256 = l.Fingerprint
			}
			// names mixes DNS names and addresses, as a SAN list does.
			for _, n := range l.Names {
				if isIP(n) {
					c.IPAddresses = append(c.IPAddresses, n)
				} else {
					c.DNSNames = append(c.DNSNames, n)
				}
			}
			rec.Cert = c
		}
		r, err := scan.FromRecord(rec)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, errors.New("no Kubernetes service recorded on this host")
	}
	return out, nil
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// DatasetJudge judges the rows of Internet-scan datasets as they are read,
// each distinct case once: a dataset is hundreds of thousands of rows
// running a few dozen versions, and judging is most of the time reading it
// takes. The rows of one case share its judgement, as saved results read
// do. A DatasetJudge is for one goroutine.
type DatasetJudge struct {
	stage *assess.Stage
	memo  map[string]judgement
}

type judgement struct {
	urgency   *scan.Urgency
	advice    *scan.Advice
	readiness *scan.Readiness
}

// caseKey is all a dataset row's judgement depends on: assess.Judge reads
// the version, distribution, exposure and credentials of a result (and
// its source, state and phase, alike for every dataset row), and a
// dataset's rows hold no credentials.
type caseKey struct {
	Day      string
	Dist     string
	Exposure scan.Exposure
	Version  *scan.Version
}

// NewDatasetJudge judges with the stage's data.
func NewDatasetJudge(stage *assess.Stage) *DatasetJudge {
	return &DatasetJudge{stage: stage, memo: map[string]judgement{}}
}

// Now is the stage's date, --now or today.
func (j *DatasetJudge) Now() time.Time { return j.stage.Now() }

// Judge judges r, read by d, at the day at (a time of day is cut off: the
// rules count days).
func (j *DatasetJudge) Judge(d *Decoder, r *scan.Result, at time.Time) {
	if !assess.Judgeable(r) || r.Auth != nil {
		return
	}
	y, m, day := at.UTC().Date()
	at = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	key, err := json.Marshal(caseKey{Day: at.Format(time.DateOnly), Dist: r.Dist.Name, Exposure: r.Exposure, Version: r.Version})
	if err == nil {
		if c, ok := j.memo[string(key)]; ok {
			r.Urgency, r.Advice, r.Readiness = c.urgency, c.advice, c.readiness
			d.Intern(r)
			return
		}
	}
	b, _ := j.stage.Data()
	assess.Judge(r, b, at)
	d.Intern(r)
	if err == nil {
		j.memo[string(key)] = judgement{r.Urgency, r.Advice, r.Readiness}
	}
}
