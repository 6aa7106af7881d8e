package kubeconfig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubesurface/kubesurface/scan"
)

// safety fails a test that hangs: every read here must end promptly once
// its context is cancelled, and a hang is the bug these tests exist for.
const safety = time.Minute

// mkfifo makes a FIFO in a fresh directory, or skips where there are none.
func mkfifo(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	return p
}

// feed writes content into the FIFO once a reader opens it, as a shell's
// process substitution does, and reports how the write went.
func feed(t *testing.T, fifo, content string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			done <- err
			return
		}
		_, err = f.WriteString(content)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return done
}

// serve feeds content to every reader of the FIFO until the test stops
// it: kubectl opens its kubeconfig more than once, so it cannot read a
// process substitution, and needs one it can reopen for the comparison.
func serve(t *testing.T, fifo, content string) (stop func()) {
	t.Helper()
	var stopped atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil || stopped.Load() {
				if f != nil {
					f.Close()
				}
				return
			}
			f.WriteString(content)
			f.Close()
		}
	}()
	return func() {
		stopped.Store(true)
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		select {
		case <-done:
		case <-time.After(safety):
			t.Fatal("the FIFO server did not stop")
		}
	}
}

func waitFed(t *testing.T, fed <-chan error) {
	t.Helper()
	select {
	case err := <-fed:
		if err != nil {
			t.Fatalf("writing the FIFO: %v", err)
		}
	case <-time.After(safety):
		t.Fatal("nobody read the FIFO")
	}
}

// unblock opens a FIFO for writing and closes it again, so that a reader
// left parked in its open (after a cancelled read) is released before the
// test ends.
func unblock(fifo string) {
	if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

// loadWithin runs LoadContext and fails the test if it does not return
// within the safety deadline.
func loadWithin(t *testing.T, ctx context.Context, o Options) ([]scan.Target, error) {
	t.Helper()
	type res struct {
		ts  []scan.Target
		err error
	}
	ch := make(chan res, 1)
	go func() {
		ts, err := LoadContext(ctx, o)
		ch <- res{ts, err}
	}()
	select {
	case r := <-ch:
		return r.ts, r.err
	case <-time.After(safety):
		t.Fatalf("LoadContext(%+v) did not return", o)
		return nil, nil
	}
}

// TestLoadConfigMatchesClientcmd holds firstWins to clientcmd's own
// Load on the same regular files: names defined twice, the first file's
// current-context and preferences, relative paths resolved against each
// file's own directory, and LocationOfOrigin on every entry.
func TestLoadConfigMatchesClientcmd(t *testing.T) {
	hermetic(t)
	first, second, third, missing := kubeconfigFiles(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	relA := writeFile(t, dirA, "rel.yaml", `apiVersion: v1
kind: Config
current-context: rel
preferences: {colors: true}
clusters:
- name: c-rel
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.pem}
- name: c-shared-first
  cluster: {server: "https://ignored.example.test", certificate-authority: ignored.pem}
contexts:
- name: rel
  context: {cluster: c-rel, user: u-rel}
users:
- name: u-rel
  user: {tokenFile: sub/token, client-certificate: cert.pem, client-key: /abs/key.pem}
- name: u-beta
  user: {token: from-rel}
extensions:
- name: shared
  extension: {from: a}
`)
	relB := writeFile(t, dirB, "rel.yaml", `apiVersion: v1
kind: Config
current-context: other
clusters:
- name: c-rel
  cluster: {server: "https://127.0.0.2:6443", certificate-authority: other-ca.pem}
users:
- name: u-exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./bin/plugin, interactiveMode: Never}
preferences:
  extensions:
  - name: pref
    extension: {from: b}
extensions:
- name: shared
  extension: {from: b}
- name: only-b
  extension: {from: b}
`)
	for _, list := range [][]string{
		{first, second, third, missing},
		{relA, first, relB},
		{relB, relA, second},
		{missing, "", third, third},
	} {
		t.Setenv("KUBECONFIG", strings.Join(list, string(os.PathListSeparator)))
		want, err := clientcmd.NewDefaultClientConfigLoadingRules().Load()
		if err != nil {
			t.Fatalf("clientcmd Load %v: %v", list, err)
		}
		got, _, err := loadConfig(context.Background(), "")
		if err != nil {
			t.Fatalf("loadConfig %v: %v", list, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("KUBECONFIG=%v:\nloadConfig %+v\nclientcmd  %+v", list, got, want)
		}
	}
	if u := func() string {
		t.Setenv("KUBECONFIG", relA)
		cfg, _, _ := loadConfig(context.Background(), "")
		return cfg.AuthInfos["u-rel"].TokenFile
	}(); u != filepath.Join(dirA, "sub", "token") {
		t.Errorf("tokenFile resolved to %q, want it under the kubeconfig's own directory %s", u, dirA)
	}
}

// TestLoadFromFIFO: `--kubeconfig <(vault read ...)` and a KUBECONFIG entry
// that is a pipe are read once, like any file, and list what kubectl lists
// from the same bytes.
func TestLoadFromFIFO(t *testing.T) {
	hermetic(t)
	fifo := mkfifo(t, "kubeconfig")
	fed := feed(t, fifo, firstYAML)
	ts, err := loadWithin(t, context.Background(), Options{Path: fifo})
	waitFed(t, fed)
	if err != nil {
		t.Fatalf("Load(--kubeconfig FIFO): %v", err)
	}
	got := targetNames(ts)
	stop := serve(t, fifo, firstYAML)
	want := kubectlContextNames(t, "--kubeconfig", fifo)
	stop()
	if !slices.Equal(got, want) || !slices.Equal(got, []string{"alpha", "shared"}) {
		t.Fatalf("contexts from a FIFO: Load %v, kubectl %v", got, want)
	}
	if a := byName(t, ts, "alpha"); a.Rest == nil || a.Rest.BearerToken != "alpha-token" {
		t.Errorf("alpha from a FIFO: rest %+v", a.Rest)
	}

	// A KUBECONFIG list mixing a regular file, a FIFO and /dev/fd/N, the
	// path bash's <(...) gives.
	_, second, third, _ := kubeconfigFiles(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.WriteString(thirdYAML)
		w.Close()
	}()
	devfd := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(devfd); err != nil {
		t.Skip("no /dev/fd here:", err)
	}
	fed = feed(t, fifo, firstYAML)
	t.Setenv("KUBECONFIG", strings.Join([]string{fifo, second, devfd}, string(os.PathListSeparator)))
	ts, err = loadWithin(t, context.Background(), Options{})
	waitFed(t, fed)
	if err != nil {
		t.Fatalf("Load(KUBECONFIG with a FIFO and %s): %v", devfd, err)
	}
	if got, want := targetNames(ts), []string{"alpha", "beta", "beta-twin", "gamma", "orphan", "shared"}; !slices.Equal(got, want) {
		t.Fatalf("contexts %v, want %v", got, want)
	}
	if s := byName(t, ts, "shared"); s.Rest == nil || s.Rest.Host != "https://shared-first.example.test" {
		t.Errorf("shared: the FIFO is first in KUBECONFIG and must win, got %v", restHost(s))
	}
	// The same list with the regular third file, for kubectl to compare.
	stop = serve(t, fifo, firstYAML)
	t.Setenv("KUBECONFIG", strings.Join([]string{fifo, second, third}, string(os.PathListSeparator)))
	want = kubectlContextNames(t)
	stop()
	if got := targetNames(ts); !slices.Equal(got, want) {
		t.Errorf("contexts: Load %v, kubectl %v", got, want)
	}
}

// TestLoadEndlessKubeconfig: /dev/zero as --kubeconfig or in KUBECONFIG is
// refused at the cap with an error naming it, instead of growing until the
// machine runs out of memory.
func TestLoadEndlessKubeconfig(t *testing.T) {
	hermetic(t)
	want := fmt.Sprintf("/dev/zero is larger than %d MiB", MaxFileSize>>20)
	if _, err := loadWithin(t, context.Background(), Options{Path: "/dev/zero"}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load(--kubeconfig /dev/zero): %v, want %q", err, want)
	}
	first, _, _, _ := kubeconfigFiles(t)
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+"/dev/zero")
	if _, err := loadWithin(t, context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load(KUBECONFIG with /dev/zero): %v, want %q", err, want)
	}
	if _, err := Names(context.Background(), "/dev/zero"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Names(/dev/zero): %v, want %q", err, want)
	}
}

// TestLoadFIFOWithoutWriterIsCancellable: a kubeconfig FIFO nobody writes
// to, whether named by --kubeconfig or KUBECONFIG and whether the read is
// for a scan or for shell completion, gives way to a cancelled context.
func TestLoadFIFOWithoutWriterIsCancellable(t *testing.T) {
	hermetic(t)
	first, _, _, _ := kubeconfigFiles(t)
	fifo := mkfifo(t, "kubeconfig")
	t.Cleanup(func() { unblock(fifo) })
	for _, c := range []struct {
		name string
		env  string
		path string
	}{
		{"--kubeconfig", "", fifo},
		{"KUBECONFIG", first + string(os.PathListSeparator) + fifo, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("KUBECONFIG", c.env)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			if _, err := loadWithin(t, ctx, Options{Path: c.path}); !errors.Is(err, context.Canceled) {
				t.Errorf("Load: %v, want context.Canceled", err)
			}
			ctx, cancel = context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			done := make(chan error, 1)
			go func() {
				_, err := Names(ctx, c.path)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Names: %v, want context.Canceled", err)
				}
			case <-time.After(safety):
				t.Fatal("Names did not return")
			}
		})
	}
}

// pki is a CA, a server certificate it signed for 127.0.0.1 and a client
// certificate it signed, written as the PEM files a kubeconfig names.
type pki struct {
	server                       tls.Certificate
	pool                         *x509.CertPool
	caPEM, certPEM, keyPEM       []byte
	clientCN                     string
	caFile, cert, key, tokenFile string
}

func newPKI(t *testing.T, dir string) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(cn string, usage x509.ExtKeyUsage, ip bool) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage},
			KeyUsage: x509.KeyUsageDigitalSignature}
		if ip {
			tmpl.IPAddresses = append(tmpl.IPAddresses, []byte{127, 0, 0, 1})
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	pemOf := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("EC PRIVATE KEY", b)
	}
	srvDER, srvKey := leaf("127.0.0.1", x509.ExtKeyUsageServerAuth, true)
	server, err := tls.X509KeyPair(pemOf("CERTIFICATE", srvDER), keyPEM(srvKey))
	if err != nil {
		t.Fatal(err)
	}
	cliDER, cliKey := leaf("kubesurface-test-user", x509.ExtKeyUsageClientAuth, false)
	p := pki{server: server, pool: x509.NewCertPool(), caPEM: pemOf("CERTIFICATE", caDER),
		certPEM: pemOf("CERTIFICATE", cliDER), keyPEM: keyPEM(cliKey), clientCN: "kubesurface-test-user"}
	p.pool.AddCert(ca)
	p.caFile = writeFile(t, dir, "ca.pem", string(p.caPEM))
	p.cert = writeFile(t, dir, "client.pem", string(p.certPEM))
	p.key = writeFile(t, dir, "client-key.pem", string(p.keyPEM))
	p.tokenFile = writeFile(t, dir, "token", "file-token\n")
	return p
}

// TestLoadReferencedFilesReachTheServer: the files a kubeconfig names,
// given relative to its own directory, are read by kubesurface and handed
// to client-go as bytes; the owner's probe then verifies the server with
// that CA and presents that certificate and token, exactly as kubectl
// would with the files. Nothing is left for client-go to open later.
func TestLoadReferencedFilesReachTheServer(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	p := newPKI(t, dir)
	var mu sync.Mutex
	var gotAuth, gotCN []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		if len(r.TLS.PeerCertificates) > 0 {
			gotCN = append(gotCN, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/version" {
			fmt.Fprint(w, `{"gitVersion":"v1.31.2","major":"1","minor":"31"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}, ClientCAs: p.pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// The kubeconfig sits in a directory of its own; its file names are
	// relative to it, and the test runs from elsewhere.
	kc := writeFile(t, dir, "config", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: %q, certificate-authority: ca.pem}
contexts:
- name: files
  context: {cluster: c, user: files}
users:
- name: files
  user: {tokenFile: token, client-certificate: client.pem, client-key: client-key.pem}
`, srv.URL))
	t.Chdir(t.TempDir())
	ts, err := Load(Options{Path: kc})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	rc := ts[0].Rest
	if ts[0].ConfigError != "" || rc == nil {
		t.Fatalf("ConfigError %q", ts[0].ConfigError)
	}
	if rc.BearerToken != "file-token" || string(rc.CAData) != string(p.caPEM) ||
		string(rc.CertData) != string(p.certPEM) || string(rc.KeyData) != string(p.keyPEM) {
		t.Errorf("rest.Config: token %q, CA %d bytes, cert %d bytes, key %d bytes; want the files' contents", rc.BearerToken, len(rc.CAData), len(rc.CertData), len(rc.KeyData))
	}
	if rc.BearerTokenFile != "" || rc.CAFile != "" || rc.CertFile != "" || rc.KeyFile != "" {
		t.Errorf("rest.Config still names files client-go would read unbounded: token %q CA %q cert %q key %q", rc.BearerTokenFile, rc.CAFile, rc.CertFile, rc.KeyFile)
	}

	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	res := scan.New(scan.Options{Timeout: 5 * time.Second}).Scan(ctx, ts)
	if a := res[0].Auth; a == nil || a.ErrorKind != "" || a.ServerVersion != "v1.31.2" {
		t.Fatalf("owner's probe: %+v, want the server's version", a)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(gotAuth, "Bearer file-token") || !slices.Contains(gotCN, p.clientCN) {
		t.Errorf("server saw Authorization %q and client certificates %q; want the token file's token and %s", gotAuth, gotCN, p.clientCN)
	}
}

// TestLoadReferencedFileProblems: a file a context names that is endless,
// missing, empty, or set next to inline data of the same kind makes that
// context a config error naming the file; the other contexts load, and
// none of them crashes or hangs the load.
func TestLoadReferencedFileProblems(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	p := newPKI(t, dir)
	empty := writeFile(t, dir, "empty", "")
	blank := writeFile(t, dir, "blank", " \n\t\n")
	missing := filepath.Join(dir, "missing")
	kc := writeFile(t, dir, "config", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- {name: ok, cluster: {server: "https://127.0.0.1:1", certificate-authority: %[1]s}}
- {name: zero-ca, cluster: {server: "https://127.0.0.1:1", certificate-authority: /dev/zero}}
- {name: empty-ca, cluster: {server: "https://127.0.0.1:1", certificate-authority: %[2]s}}
- {name: both-ca, cluster: {server: "https://127.0.0.1:1", certificate-authority: %[1]s, certificate-authority-data: Zm9v}}
- {name: plain, cluster: {server: "http://127.0.0.1:1"}}
contexts:
- {name: good, context: {cluster: ok, user: token}}
- {name: zero-token, context: {cluster: ok, user: zero-token}}
- {name: missing-token, context: {cluster: ok, user: missing-token}}
- {name: blank-token, context: {cluster: ok, user: blank-token}}
- {name: zero-cert, context: {cluster: ok, user: zero-cert}}
- {name: zero-key, context: {cluster: ok, user: zero-key}}
- {name: both-key, context: {cluster: ok, user: both-key}}
- {name: zero-ca, context: {cluster: zero-ca, user: token}}
- {name: empty-ca, context: {cluster: empty-ca, user: token}}
- {name: both-ca, context: {cluster: both-ca, user: token}}
- {name: plain-missing-token, context: {cluster: plain, user: missing-token}}
- {name: inline-and-missing-file, context: {cluster: ok, user: inline-and-missing-file}}
- {name: inline-and-file, context: {cluster: ok, user: inline-and-file}}
- {name: key-without-cert, context: {cluster: ok, user: key-without-cert}}
users:
- {name: token, user: {tokenFile: %[3]s}}
- {name: zero-token, user: {tokenFile: /dev/zero}}
- {name: missing-token, user: {tokenFile: %[4]s}}
- {name: blank-token, user: {tokenFile: %[5]s}}
- {name: zero-cert, user: {client-certificate: /dev/zero, client-key: %[6]s}}
- {name: zero-key, user: {client-certificate: %[7]s, client-key: /dev/zero}}
- {name: both-key, user: {client-certificate: %[7]s, client-key: %[6]s, client-key-data: Zm9v}}
- {name: inline-and-missing-file, user: {token: inline, tokenFile: %[4]s}}
- {name: inline-and-file, user: {token: inline, tokenFile: %[3]s}}
- {name: key-without-cert, user: {token: t, client-key: %[4]s}}
`, p.caFile, empty, p.tokenFile, missing, blank, p.key, p.cert))
	ts, err := loadWithin(t, context.Background(), Options{Path: kc})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tooLarge := fmt.Sprintf("/dev/zero is larger than %d MiB", MaxReferencedFileSize>>20)
	for name, want := range map[string]string{
		"zero-token":    `tokenFile of user "zero-token": ` + tooLarge,
		"missing-token": `tokenFile of user "missing-token": open ` + missing + ": no such file or directory",
		"blank-token":   `tokenFile of user "blank-token": ` + blank + " is empty",
		"zero-cert":     `client-certificate of user "zero-cert": ` + tooLarge,
		"zero-key":      `client-key of user "zero-key": ` + tooLarge,
		"both-key":      `user "both-key" sets both client-key and client-key-data`,
		"zero-ca":       `certificate-authority of cluster "zero-ca": ` + tooLarge,
		"empty-ca":      `certificate-authority of cluster "empty-ca": ` + empty + " is empty",
		"both-ca":       `cluster "both-ca" sets both certificate-authority and certificate-authority-data`,
	} {
		tg := byName(t, ts, name)
		if !strings.Contains(tg.ConfigError, want) || !strings.HasPrefix(tg.ConfigError, fmt.Sprintf("context %q: ", name)) || tg.Rest != nil {
			t.Errorf("%s: ConfigError %q (rest set %v), want the context named and %q", name, tg.ConfigError, tg.Rest != nil, want)
		}
		if tg.URL != "https://127.0.0.1:1" {
			t.Errorf("%s: URL %q: the anonymous probe still needs the server", name, tg.URL)
		}
	}
	for name, token := range map[string]string{
		"good":                    "file-token",
		"plain-missing-token":     "", // clientcmd reads no credential for plain HTTP
		"inline-and-missing-file": "inline",
		"inline-and-file":         "file-token", // client-go's transport lets a readable file win
		"key-without-cert":        "t",          // no certificate: the key is never read
	} {
		tg := byName(t, ts, name)
		if tg.ConfigError != "" || tg.Rest == nil || tg.Rest.BearerToken != token || tg.Rest.BearerTokenFile != "" {
			t.Errorf("%s: ConfigError %q, rest %+v; want token %q and no file", name, tg.ConfigError, tg.Rest, token)
		}
	}
}

// TestLoadTokenFileFIFO: a tokenFile that is a FIFO (a secret manager's
// pipe) is read once even when two contexts share it; one nobody writes
// to gives way to a cancelled context.
func TestLoadTokenFileFIFO(t *testing.T) {
	hermetic(t)
	fifo := mkfifo(t, "token")
	kc := writeFile(t, t.TempDir(), "config", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
contexts:
- {name: one, context: {cluster: c, user: piped}}
- {name: two, context: {cluster: c, user: piped}}
users: [{name: piped, user: {tokenFile: %q}}]
`, fifo))
	fed := feed(t, fifo, "piped-token\n")
	ts, err := loadWithin(t, context.Background(), Options{Path: kc})
	waitFed(t, fed)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, tg := range ts {
		if tg.ConfigError != "" || tg.Rest == nil || tg.Rest.BearerToken != "piped-token" {
			t.Errorf("%s: ConfigError %q rest %+v, want the piped token", tg.Name, tg.ConfigError, tg.Rest)
		}
	}

	t.Cleanup(func() { unblock(fifo) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := loadWithin(t, ctx, Options{Path: kc}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a tokenFile FIFO nobody writes to: %v, want context.Canceled", err)
	}
}

// TestLoadLegacyHomeFile: kubectl copies a legacy ~/.kube/.kubeconfig to a
// missing ~/.kube/config before loading; Load reads it in place, lists
// what kubectl then lists, and writes nothing into the home directory.
// client-go fixes the home file's path when the process starts, so the
// check runs in a child process started with its own HOME.
func TestLoadLegacyHomeFile(t *testing.T) {
	if os.Getenv("KUBESURFACE_TEST_CHILD") == "legacy-home" {
		ts, err := Load(Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if _, err := os.Stat(clientcmd.RecommendedHomeFile); !os.IsNotExist(err) {
			t.Fatalf("Load wrote %s (%v)", clientcmd.RecommendedHomeFile, err)
		}
		fmt.Printf("child: contexts %s\n", strings.Join(targetNames(ts), ","))
		return
	}
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".kube"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(home, ".kube"), ".kubeconfig", firstYAML)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadLegacyHomeFile$", "-test.v", "-test.count=1")
	cmd.Env = []string{"HOME=" + home, "KUBESURFACE_TEST_CHILD=legacy-home", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: contexts alpha,shared\n") {
		t.Fatalf("child with a legacy ~/.kube/.kubeconfig: %v\n%s", err, out)
	}
	t.Setenv("HOME", home)
	unsetenv(t, "KUBECONFIG")
	if got := kubectlContextNames(t); !slices.Equal(got, []string{"alpha", "shared"}) {
		t.Errorf("kubectl lists %v", got)
	}
}
