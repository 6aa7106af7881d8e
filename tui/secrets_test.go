package tui

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kubesurface/kubesurface/kubeconfig"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui/detail"
)

// A real scan, in the TUI, of kubeconfig contexts whose servers carry a
// password or a token in their URL (reachable, refusing, plain HTTP, not a
// URL at all, in a query): no screen shows it, the raw tab included.
func TestKubeconfigServerSecretsReachNoScreen(t *testing.T) {
	const secret = "S3cretPassw0rd"
	live := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			w.Write([]byte(`{"major":"1","minor":"31","gitVersion":"v1.31.4"}`))
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	defer live.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().String()
	l.Close()
	host := strings.TrimPrefix(live.URL, "https://")
	servers := map[string]string{
		"userinfo":   "https://user:" + secret + "@" + host,
		"refused":    "https://user:" + secret + "@" + refused,
		"plain-http": "https://user:" + secret + "@" + strings.TrimPrefix(plain.URL, "http://"),
		"not-a-url":  "https://user:" + secret + "@bad host:6443",
		"query":      "https://" + host + "/?token=" + secret,
		"token-user": secret + "@" + host,
	}
	var kc strings.Builder
	kc.WriteString("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: t0ken\nclusters:\n")
	for name, server := range servers {
		fmt.Fprintf(&kc, "- name: %s\n  cluster:\n    server: %q\n    insecure-skip-tls-verify: true\n", name, server)
	}
	kc.WriteString("contexts:\n")
	for name := range servers {
		fmt.Fprintf(&kc, "- name: %s\n  context:\n    cluster: %s\n    user: u\n", name, name)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(kc.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	targets, err := kubeconfig.Load(kubeconfig.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, scan.New(scan.Options{Timeout: 3 * time.Second}), targets)
	s := start(t, cfg, 200, 60, colorprofile.Ascii)
	s.waitFor("scan finished")
	m := s.quit()

	// Tall enough that every tab fits without scrolling.
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 1000})
	screens := []string{m.render()}
	for _, row := range m.table.Rows() {
		m.detail.Show(row.Result)
		m.mode = modeDetail
		for range detail.Tabs {
			screens = append(screens, m.render())
			m.Update(keyTab)
		}
	}
	all := strings.Join(screens, "\n")
	if i := strings.Index(all, secret); i >= 0 {
		t.Errorf("a screen shows the secret: %q", all[max(0, i-200):i+20])
	}
	if strings.Contains(all, "://user") {
		t.Errorf("a screen shows a URL with its user info")
	}
	for name := range servers {
		if !strings.Contains(all, name) {
			t.Errorf("context %s is on no screen", name)
		}
	}
	if !strings.Contains(all, "redacted") {
		t.Errorf("no screen says what was hidden")
	}
}
