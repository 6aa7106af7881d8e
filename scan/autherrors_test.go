package scan

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// clientPair is a client certificate signed by ca, PEM-encoded, with its
// own key and a second, unrelated key.
func clientPair(t *testing.T, ca *testCA) (certPEM, keyPEM, otherKeyPEM []byte) {
	t.Helper()
	key, other := newKey(t), newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "alice"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(k any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), enc(key), enc(other)
}

// TestAuthClientCertProblemsAreConfig: a client certificate with the wrong
// key, or a key that is not PEM, is the kubeconfig's mistake (kind
// config), whether the kubeconfig holds the data or names the files; no
// request is sent with it.
func TestAuthClientCertProblemsAreConfig(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	rec := &recorder{}
	srv := httptest.NewUnstartedServer(rec.wrap(authedAPIServer()))
	srv.Config.ErrorLog = quietLog
	// As kube-apiserver does: ask for a client certificate, accept none.
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t)}, ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	cert, _, wrongKey := clientPair(t, ca)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	notPEM := filepath.Join(dir, "not-pem.key")
	for p, b := range map[string][]byte{certFile: cert, keyFile: wrongKey, notPEM: []byte("not a key")} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tlsWith := func(c rest.TLSClientConfig) *rest.Config {
		c.CAData = ca.pem
		return &rest.Config{Host: srv.URL, TLSClientConfig: c}
	}
	targets := []Target{
		contextTarget(t, "data-mismatch", srv.URL, tlsWith(rest.TLSClientConfig{CertData: cert, KeyData: wrongKey})),
		contextTarget(t, "files-mismatch", srv.URL, tlsWith(rest.TLSClientConfig{CertFile: certFile, KeyFile: keyFile})),
		contextTarget(t, "data-not-pem", srv.URL, tlsWith(rest.TLSClientConfig{CertData: cert, KeyData: []byte("not a key")})),
		contextTarget(t, "files-not-pem", srv.URL, tlsWith(rest.TLSClientConfig{CertFile: certFile, KeyFile: notPEM})),
	}
	res := New(Options{Timeout: credTimeout}).Scan(t.Context(), targets)
	for _, r := range res {
		authKind(t, r, AuthConfig, "client certificate and key")
		t.Logf("%s: %s", r.Target.Name, r.Auth.Error)
	}
	for _, q := range rec.requests() {
		if q.Authorization != "" {
			t.Errorf("%s reached the server with credentials", q.Path)
		}
	}
}
