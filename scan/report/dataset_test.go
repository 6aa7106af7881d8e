package report

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// datasetNow is the --now of the dataset tests: every minor in the
// samples (1.24, 1.30, 1.31) left upstream's support more than a year
// before it, which is critical urgency whatever the data's exact dates.
var datasetNow = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// judged is what a test expects of one dataset row, worked out by hand
// from the sample and the README's rules.
type judged struct {
	name, at, dist, flavour, minor, access, exposure, urgency string
	leaked                                                    int
}

func readDataset(t *testing.T, file string) ([]scan.Result, []*SkipError, string) {
	t.Helper()
	b, err := os.ReadFile("testdata/datasets/" + file)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(bytes.NewReader(b), file)
	var out []scan.Result
	var skips []*SkipError
	for {
		r, err := d.Next()
		var skip *SkipError
		switch {
		case err == nil:
			out = append(out, r)
			continue
		case asSkip(err, &skip):
			skips = append(skips, skip)
			continue
		case err.Error() == "EOF":
		default:
			t.Fatal(err)
		}
		break
	}
	return out, skips, d.Format()
}

func asSkip(err error, s **SkipError) bool {
	v, ok := err.(*SkipError)
	*s = v
	return ok
}

func checkJudged(t *testing.T, got []scan.Result, want []judged) {
	t.Helper()
	data, err := assess.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		assess.Judge(&r, data, datasetNow)
		minor := ""
		if r.Version != nil {
			minor = r.Version.Minor
			if r.Version.Source != "anonymous" {
				t.Errorf("%s: version source %q, want anonymous", w.name, r.Version.Source)
			}
		}
		g := judged{name: r.Target.Name, at: r.FinishedAt.Format(time.RFC3339Nano), dist: r.Dist.Name, flavour: r.TLS.Flavour, minor: minor,
			access: r.Exposure.Access, exposure: r.Exposure.Level, urgency: r.Urgency.Level, leaked: len(r.TLS.LeakedSANs)}
		if g != w {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
		if r.State != scan.StateDone || r.Phase != scan.PhaseDone || r.Addresses[0].Class != scan.ClassPublic {
			t.Errorf("%s: state %s phase %s addresses %v", w.name, r.State, r.Phase, r.Addresses)
		}
		if err := check(r); err != nil {
			t.Errorf("%s: %v", w.name, err)
		}
	}
}

func TestShodanDataset(t *testing.T) {
	got, skips, format := readDataset(t, "shodan.json")
	if format != FormatShodan {
		t.Fatalf("format %q", format)
	}
	checkJudged(t, got, []judged{
		// +k3s1 suffix and a k3s-server-ca issuer agree; /version recorded.
		{"https://203.0.113.10:6443", "2026-11-20T08:15:30.123456Z", "k3s", "k3s", "1.24", scan.AccessVersion, scan.LevelHigh, "critical", 0},
		// -eks- build without an EKS-shaped certificate: EKS-D; the
		// version is read from the HTTP body in data.
		{"https://198.51.100.7:443", "2026-11-21T02:00:00Z", "eks-d", "", "1.31", scan.AccessVersion, scan.LevelHigh, "critical", 0},
		// A certificate only: public reach, TLS access; no version.
		{"https://192.0.2.33:6443", "2026-11-22T12:00:00Z", "rke2", "rke2", "", scan.AccessTLS, scan.LevelMedium, "unknown", 0},
	})
	wantSkips := map[int]string{4: "unexpected end of JSON input", 5: "invalid character", 6: "neither a TLS certificate nor a /version answer"}
	if len(skips) != len(wantSkips) {
		t.Fatalf("skips %v", skips)
	}
	for _, s := range skips {
		if !strings.Contains(s.Err.Error(), wantSkips[s.Line]) || s.Name != "shodan.json" {
			t.Errorf("skip %v", s)
		}
	}
}

func TestCensysDataset(t *testing.T) {
	got, skips, format := readDataset(t, "censys.json")
	if format != FormatCensys {
		t.Fatalf("format %q", format)
	}
	checkJudged(t, got, []judged{
		// kubeadm's certificate; names leak a node name, the service IP
		// and a node address; the SSH service of the host is passed over.
		{"https://203.0.113.50:6443", "2026-11-25T10:00:00Z", "kubeadm", "kubeadm", "1.30", scan.AccessVersion, scan.LevelHigh, "critical", 3},
		// The Universal Internet Dataset's shape, dated by snapshot_date.
		{"https://198.51.100.60:443", "2026-11-24T00:00:00Z", "eks", "eks", "", scan.AccessTLS, scan.LevelMedium, "unknown", 1},
	})
	if len(skips) != 2 || skips[0].Line != 3 || !strings.Contains(skips[0].Error(), "no Kubernetes service") || skips[1].Line != 4 {
		t.Fatalf("skips %v", skips)
	}
}

// A Shodan banner with its chain as PEM is read from the certificate
// itself: its SANs give the shape the attribute dictionaries cannot.
func TestShodanChain(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kube-apiserver"}, Issuer: pkix.Name{CommonName: "kubernetes"},
		DNSNames: []string{"kubernetes", "kubernetes.default", "master-1"}, IPAddresses: []net.IP{net.ParseIP("10.96.0.1")},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	parent := *tmpl
	parent.Subject = pkix.Name{CommonName: "kubernetes"}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, &parent, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := json.Marshal([]string{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))})
	line := `{"ip_str":"2001:db8::1","port":6443,"timestamp":"2026-11-01T00:00:00.000000","ssl":{"chain":` + string(chain) + `,"cert":{"subject":{"CN":"ignored"}}},"extra":[1,{"a":null}]}`
	r, err := parseShodan([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	c := r.TLS.Chain[0]
	if r.Target.Name != "https://[2001:db8::1]:6443" || r.TLS.Flavour != "kubeadm" || c.Subject != "CN=kube-apiserver" || len(c.SHA256) != 64 ||
		strings.Join(r.TLS.LeakedSANs, ",") != "10.96.0.1,master-1" || r.Exposure.Access != scan.AccessTLS {
		t.Fatalf("%+v %+v", r.Target, r.TLS)
	}
}

// What a dataset says of a certificate is cut to a row's size, and its
// text stays as hostile as it came: the views clean it where they show it.
func TestDatasetHostile(t *testing.T) {
	long := strings.Repeat("\x1b[2J", 10000)
	names, _ := json.Marshal(append(make([]string, 1000), long))
	line := `{"ip":"192.0.2.1","services":[{"port":443,"service_name":"KUBERNETES","observed_at":"2026-01-01T00:00:00Z","kubernetes":{"version_info":{"git_version":"` +
		`v1.30.0\u202e` + `"}},"tls":{"certificates":{"leaf_data":{"subject_dn":"` + strings.Repeat("A", 5000) + `","names":` + string(names) + `}}}}]}`
	rs, err := parseCensys([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	c := rs[0].TLS.Chain[0]
	if len(c.Subject) > 260 || len(c.DNSNames) > 256 {
		t.Fatalf("subject %d bytes, %d names", len(c.Subject), len(c.DNSNames))
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, []scan.Result{rs[0]}, datasetNow, fixtureData); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("AAAA")) || !bytes.Contains(buf.Bytes(), []byte("v1.30.0")) {
		t.Fatalf("the certificate or version is not in the report:\n%s", buf.Bytes())
	}
	if bytes.Contains(buf.Bytes(), []byte("\x1b")) || bytes.Contains(buf.Bytes(), []byte("\u202e")) {
		t.Fatalf("control text reached the report:\n%s", buf.Bytes())
	}
}

func TestDatasetUnknownTimestamp(t *testing.T) {
	for _, line := range []string{
		`{"ip_str":"192.0.2.1","port":6443,"timestamp":"yesterday","kubernetes":{"version":"v1.30.0"}}`,
		`{"ip_str":"192.0.2.1","port":70000,"timestamp":"2026-01-01T00:00:00Z","kubernetes":{"version":"v1.30.0"}}`,
		`{"ip_str":"fe80::1%eth0","port":6443,"timestamp":"2026-01-01T00:00:00Z","kubernetes":{"version":"v1.30.0"}}`,
		`{"ip_str":["x"],"port":6443}`,
	} {
		if r, err := parseShodan([]byte(line)); err == nil {
			t.Errorf("%s: accepted as %+v", line, r.Target)
		}
	}
}

// Interned rows share their equal judgements and lists, and are as they
// were: written out, the same JSON.
func TestDatasetIntern(t *testing.T) {
	data, err := assess.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	line := `{"ip_str":"192.0.2.%d","port":6443,"timestamp":"2026-11-01T00:00:00.000000","kubernetes":{"version":"v1.30.5"},"ssl":{"cert":{"subject":{"CN":"kube-apiserver"},"issuer":{"CN":"kubernetes"}}}}`
	var in strings.Builder
	for i := range 2 {
		in.WriteString(strings.Replace(line, "%d", string(rune('1'+i)), 1) + "\n")
	}
	d := NewDecoder(strings.NewReader(in.String()), "in")
	var rows []scan.Result
	for range 2 {
		r, err := d.Next()
		if err != nil {
			t.Fatal(err)
		}
		assess.Judge(&r, data, datasetNow)
		before, _ := json.Marshal(r)
		d.Intern(&r)
		after, _ := json.Marshal(r)
		if !bytes.Equal(before, after) {
			t.Fatalf("interning changed the row:\n%s\n%s", before, after)
		}
		rows = append(rows, r)
	}
	a, b := rows[0], rows[1]
	if a.Urgency != b.Urgency || a.Advice != b.Advice || a.Version != b.Version || &a.Exposure.Reasons[0] != &b.Exposure.Reasons[0] {
		t.Fatal("equal judgements not shared")
	}
	if cap(a.Exposure.Reasons) != len(a.Exposure.Reasons) {
		t.Fatal("a shared list can be appended to in place")
	}
}

// DatasetJudge's judgement of each row, given once per case, is the one
// assess.Judge gives that row on its own, at the record's day.
func TestDatasetJudgeOncePerCase(t *testing.T) {
	data, err := assess.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	j := NewDatasetJudge(assess.NewStage(data, datasetNow))
	// Each sample twice: the second time every case is known.
	for _, f := range []string{"shodan.json", "censys.json"} {
		b, _ := os.ReadFile("testdata/datasets/" + f)
		b = append(b, b...)
		d := NewDecoder(bytes.NewReader(b), f)
		n := 0
		for {
			r, err := d.Next()
			if err != nil {
				if _, ok := err.(*SkipError); ok {
					continue
				}
				break
			}
			fresh := r
			day := time.Date(r.FinishedAt.Year(), r.FinishedAt.Month(), r.FinishedAt.Day(), 0, 0, 0, 0, time.UTC)
			assess.Judge(&fresh, data, day)
			j.Judge(d, &r, r.FinishedAt)
			want, _ := json.Marshal(fresh)
			got, _ := json.Marshal(r)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s row %d judged\n%s\nwant\n%s", f, n, got, want)
			}
			n++
		}
		if n == 0 {
			t.Fatalf("%s: nothing read", f)
		}
	}
	if len(j.memo) != 5 {
		t.Fatalf("%d cases judged, want 5 (one per distinct row of the samples)", len(j.memo))
	}
}
