package report

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

func render(t *testing.T, format string, results []scan.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, results, fixtureAt, fixtureData, Options{}); err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	return b.String()
}

func wantAll(t *testing.T, format, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s output lacks %q", format, w)
		}
	}
}

// The facts a reader needs must be in both people-facing formats. The
// strings are chosen so that neither escaping (no special characters in
// them) nor markup can make them match by accident.
func TestMarkdownAndHTMLCarryEveryFact(t *testing.T) {
	facts := []string{
		"kubesurface report", "2026-11-26 09:30:05 UTC", "embedded snapshot", "2026-07-01", "2026-06-30",
		"149 days old", // the stale note
		// summary of the EKS target
		"prod-eks", "203.0.113.10:443", "eks", "v1.29.3-eks-adc7111", "high (version)", "2027-03-23 (extended, 117 days left)", "2 (worst high)",
		// verdicts and reasons
		"public address 203.0.113.10", "1.29 is in EKS extended support until 2026-03-23", "CVE-2024-3177 (high) is fixed in 1.29.4",
		"extended-support, high-cve, kubelet-skew", "version suffix -eks-",
		// anonymous requests
		"/api/v1/namespaces", "401 Unauthorized", "200 OK", "31 ms", "error: timed out",
		// addresses and TLS
		"203.0.113.11", "TLS 1.3", "TLS_AES_128_GCM_SHA256", "Client certificate requested", "CN=kube-apiserver", "RSA 2048",
		"2027-01-02 00:00:00 UTC", certSHA, "10.100.0.1", "SANs leak internal names",
		// version and support
		"2024-01-23", "2025-03-23", "EKS upgrades clusters at the end of extended support", "1.33",
		"v1.25.16-eks-1", "4 minors behind", "system:authenticated",
		// CVEs
		"CVE-2024-3177", "1.29.4", "Bypassing mountable secrets policy", "CVE-2023-5528", "no fix released",
		"https://github.com/kubernetes/kubernetes/issues/124336",
		// advice
		"1.31 → 1.32", "EKS: or make the endpoint private", "upgrade every 3 months", "back-ported fixes",
		// the failed target and the auth failure
		"203.0.113.99:6443", "connection refused", "No TLS handshake was observed", "No anonymous request was made",
		authFailure, "unauthorized", "Not applicable: endpoints are probed anonymously only",
	}
	for _, format := range []string{"markdown", "html"} {
		out := render(t, format, fixtures())
		wantAll(t, format, out, facts...)
	}
	// Commands are verbatim in code blocks, in both formats.
	md := render(t, "markdown", fixtures())
	wantAll(t, "markdown", md, "```sh\n"+restrictCmd+"\n```", `flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema`, "ip-10-0-1-5.ec2.internal")
	html := render(t, "html", fixtures())
	wantAll(t, "html", html, "<pre><code>"+strings.ReplaceAll(restrictCmd, `"`, "&#34;")+"\n</code></pre>", removedAPI)
}

// A link from the data is kept only if it is http(s): a javascript: URL
// must not become a link in either format.
func TestOnlyWebLinks(t *testing.T) {
	for _, format := range []string{"markdown", "html"} {
		out := render(t, format, fixtures())
		if strings.Contains(strings.ToLower(out), "javascript:") {
			t.Errorf("%s output contains a javascript: URL", format)
		}
	}
	md := render(t, "markdown", fixtures())
	wantAll(t, "markdown", md, "[CVE-2024-3177](https://github.com/kubernetes/kubernetes/issues/124336)")
	html := render(t, "html", fixtures())
	wantAll(t, "html", html, `<a href="https://github.com/kubernetes/kubernetes/issues/124336" rel="noreferrer noopener">CVE-2024-3177</a>`)
}

func TestHTMLEscapesHostileValues(t *testing.T) {
	out := render(t, "html", fixtures())
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Errorf("HTML contains an unescaped <script")
	}
	wantAll(t, "html", out, "dev &lt;script&gt;alert(1)&lt;/script&gt;", "forbidden &lt;script&gt;alert(1)&lt;/script&gt; second line")
	// Self-contained: nothing is fetched, nothing runs.
	for _, bad := range []string{" src=", "<link", "@import", "url(", "<iframe", "<object", "<embed", "<form", "<base"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML contains %q: it must not load or run anything", bad)
		}
	}
	if m := regexp.MustCompile(`(?i)\son[a-z]+\s*=`).FindString(out); m != "" {
		t.Errorf("HTML contains an event handler attribute %q", m)
	}
	wantAll(t, "html", out, "<!DOCTYPE html>", `<meta charset="utf-8">`, "Content-Security-Policy", "default-src 'none'", "<style>")
}

// Colour may add meaning, never carry it alone: every coloured badge says
// its level in words.
func TestHTMLLevelsAreWords(t *testing.T) {
	out := render(t, "html", fixtures())
	badge := regexp.MustCompile(`<span class="lvl lvl-([a-z]+)">([^<]*)</span>`)
	found := map[string]bool{}
	for _, m := range badge.FindAllStringSubmatch(out, -1) {
		class, text := m[1], m[2]
		found[class] = true
		switch class {
		case "critical", "high", "medium", "low":
			if !strings.Contains(text, class) {
				t.Errorf("badge lvl-%s reads %q, not its level", class, text)
			}
		case "ok":
			if !strings.Contains(text, "none") && !strings.Contains(text, "current") {
				t.Errorf("badge lvl-ok reads %q", text)
			}
		case "other":
			if strings.TrimSpace(text) == "" {
				t.Error("badge lvl-other is empty")
			}
		}
	}
	for _, class := range []string{"high", "medium", "low", "ok", "other"} {
		if !found[class] {
			t.Errorf("no lvl-%s badge in the report (found %v)", class, found)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	out := render(t, "markdown", fixtures())
	// The hostile name is text, not HTML, wherever it appears.
	if m := regexp.MustCompile(`(^|[^\\])<script`).FindString(out); m != "" {
		t.Errorf("markdown contains an unescaped <script: %q", m)
	}
	wantAll(t, "markdown", out, `dev \<script\>alert(1)\</script\>`, "## 3. dev", "forbidden \\<script\\>alert(1)\\</script\\> second line")
	if strings.Contains(out, "\nsecond line") {
		t.Error("a newline inside a value started a new line")
	}
	// Every table row has exactly as many unescaped pipes as its header,
	// so no value added or split a column; the pipe in a reason is escaped.
	wantAll(t, "markdown", out, `reason with a \| pipe`)
	lines := strings.Split(out, "\n")
	columns := -1
	rows := 0
	for _, l := range lines {
		if !strings.HasPrefix(l, "|") {
			columns = -1
			continue
		}
		n := unescapedPipes(l)
		if columns < 0 {
			columns = n
			continue
		}
		rows++
		if n != columns {
			t.Errorf("table row has %d column separators, header %d: %s", n, columns, l)
		}
	}
	if rows < 10 {
		t.Errorf("found only %d table rows; the check did not look at the tables", rows)
	}
}

func unescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

func TestMarkdownEscapeHelpers(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text 1.29", "plain text 1.29"},
		{"a|b", `a\|b`},
		{"*bold* _it_ [x](y) <b> # h ~s~ &amp; !", `\*bold\* \_it\_ \[x\](y) \<b\> \# h \~s\~ \&amp; \!`},
		{"`code`", "\\`code\\`"},
		{"TLS_AES_128_GCM_SHA256 host_name _lead trail_", `TLS_AES_128_GCM_SHA256 host_name \_lead trail\_`},
		{`back\slash`, `back\\slash`},
	}
	for _, c := range cases {
		if got := mdText(c.in); got != c.want {
			t.Errorf("mdText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	lineCases := []struct{ in, want string }{
		{"- not a list", `\- not a list`},
		{"+ nor this", `\+ nor this`},
		{"12. nor this", `12\. nor this`},
		{"   # nor a heading", `\# nor a heading`},
		{"1.29 is fine", "1.29 is fine"},
		{"", "-"},
	}
	for _, c := range lineCases {
		if got := mdLine(c.in); got != c.want {
			t.Errorf("mdLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := mdCode("a`b|c"); got != "``a`b|c``" {
		t.Errorf("mdCode = %q", got)
	}
	if got := mdCell(cell{Text: "a|b", Code: true}); got != "`a\\|b`" {
		t.Errorf("code cell = %q", got)
	}
}

func TestCSV(t *testing.T) {
	out := render(t, "csv", fixtures())
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, out)
	}
	if len(recs) != 1+len(fixtures()) {
		t.Fatalf("CSV has %d records, want a header and %d rows", len(recs), len(fixtures()))
	}
	if strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
		t.Errorf("header = %v", recs[0])
	}
	rows := make([]map[string]string, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		if len(rec) != len(CSVHeader) {
			t.Fatalf("row %d has %d fields, want %d", i, len(rec), len(CSVHeader))
		}
		m := map[string]string{}
		for j, h := range CSVHeader {
			m[h] = rec[j]
		}
		rows = append(rows, m)
	}
	check := func(row int, want map[string]string) {
		t.Helper()
		for k, v := range want {
			if got := rows[row][k]; got != v {
				t.Errorf("row %d (%s) %s = %q, want %q", row, rows[row]["target"], k, got, v)
			}
		}
	}
	check(0, map[string]string{
		"target": "prod-eks", "source": "kubeconfig", "context": "prod-eks", "url": "https://ABCD1234.gr7.eu-west-1.eks.amazonaws.com",
		"address": "203.0.113.10:443", "reach": "public", "distribution": "eks", "version": "v1.29.3-eks-adc7111",
		"state": "done", "exposure": "high", "access": "version", "urgency": "high", "support_phase": "extended",
		"end_of_support": "2027-03-23", "days_left": "117", "cve_count": "2", "worst_cve": "high",
		"cve_ids": "CVE-2024-3177 CVE-2023-5528", "reason": "1.29 is in EKS extended support until 2026-03-23",
		"urgency_reasons": "1.29 is in EKS extended support until 2026-03-23; CVE-2024-3177 (high) is fixed in 1.29.4; kubelet ip-10-0-1-5.ec2.internal is outside the skew policy",
	})
	check(1, map[string]string{
		"target": "203.0.113.99:6443", "source": "endpoint", "state": "failed", "exposure": "none", "access": "unreachable",
		"urgency": "unknown", "version": "", "days_left": "", "cve_count": "0", "cve_ids": "", "reason": connectFailure,
	})
	check(2, map[string]string{"target": "dev " + hostile, "reason": piped, "reach": "private", "exposure": "low"})
}

// A server picks its own version string; a spreadsheet must not run it.
func TestCSVDefusesFormulas(t *testing.T) {
	r := exposedEKS()
	r.Version.GitVersion = "=HYPERLINK(\"http://x\")"
	r.Target.Name = "@cmd"
	r.Urgency.Lifecycle.DaysLeft = -12
	recs, err := csv.NewReader(strings.NewReader(render(t, "csv", []scan.Result{r}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	row := recs[1]
	for i, h := range CSVHeader {
		switch h {
		case "version":
			if row[i] != `'=HYPERLINK("http://x")` {
				t.Errorf("version = %q", row[i])
			}
		case "target":
			if row[i] != "'@cmd" {
				t.Errorf("target = %q", row[i])
			}
		case "days_left":
			if row[i] != "-12" {
				t.Errorf("days_left = %q: numbers stay numbers", row[i])
			}
		}
	}
}

// An empty scan still makes a valid report of each kind.
func TestNoResults(t *testing.T) {
	for _, format := range []string{"markdown", "html", "csv"} {
		out := render(t, format, nil)
		switch format {
		case "csv":
			if strings.TrimSpace(out) != strings.Join(CSVHeader, ",") {
				t.Errorf("csv of nothing = %q", out)
			}
		default:
			wantAll(t, format, out, "No targets.")
		}
	}
}

func TestFormatNames(t *testing.T) {
	for _, f := range []string{"markdown", "md", "html", "csv", "json", "table", "sarif", "junit", "stats"} {
		if err := CheckFormat(f); err != nil {
			t.Errorf("CheckFormat(%q) = %v", f, err)
		}
	}
	if err := CheckFormat("pdf"); err == nil || !strings.Contains(err.Error(), "markdown, html, csv") {
		t.Errorf("CheckFormat(pdf) = %v", err)
	}
	if render(t, "md", fixtures()) != render(t, "markdown", fixtures()) {
		t.Error("md and markdown differ")
	}
}
