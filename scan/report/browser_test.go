package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdpnet "github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// The HTML report is read in a browser, so it is checked in one: Debian's
// Chromium, headless, driven over the DevTools protocol. What is asserted
// comes from the DOM the browser built, not from pixels; the screenshots
// are kept for a person to look at (artifacts, never goldens, so a font
// or a Chromium update cannot fail the test).

// browserTimeout bounds the whole check, browser start included: a hung
// page or a dialog nobody dismisses ends as a failure, not a stuck run.
const browserTimeout = 2 * time.Minute

// ciEnv, when set (.ci/run sets it), turns a missing Chromium from a skip
// into a failure, so CI cannot pass without the check having run.
const ciEnv = "KUBESURFACE_CI"

// artifactsEnv names a directory to keep the screenshots and the report
// in (under html-report/); without it they go to the test's temporary
// directory and are removed with it.
const artifactsEnv = "KUBESURFACE_ARTIFACTS"

// Hostile markup as a server could send it, each with a distinct alert
// argument so a failure says which field got through.
const (
	imgName    = `<img src=x onerror=alert("name")>`
	scriptVer  = `<script>alert("gitVersion")</script>`
	imgVer     = `<img src=x onerror=alert("gitVersion")>`
	imgSubject = `<img src=x onerror=alert("subject")>`
	poisonHTML = `<img src=x onerror=alert("poison")><script>alert("poison")</script><iframe src="https://evil.example/"></iframe>`
)

// hostileServer is a reachable server that puts markup, control characters
// and bidirectional overrides in what it controls: the name it is known by
// (a kubeconfig's context), its gitVersion and its certificate's subject.
func hostileServer() scan.Result {
	r := exposedEKS()
	r.Target.Name = "evil-" + imgName + "\u202egnp.exe\x1b[2J tail"
	r.Target.Context = r.Target.Name
	gv := "v1.28.0" + scriptVer + "\u202e\x07" + imgVer
	r.Version.GitVersion = gv
	r.Auth.ServerVersion = gv
	r.Anonymous[0].Summary = map[string]string{"gitVersion": gv, "recognised": "false"}
	r.TLS.Chain[0].Subject = "CN=kube-apiserver" + imgSubject + "\u2066\x1b]0;pwned\x07"
	r.Exposure.Level = scan.LevelMedium
	r.Exposure.Reasons = []string{"/version answers anonymously: " + gv}
	r.Urgency.Level = scan.LevelCritical
	r.Urgency.Reason = "1.28 is past its end of support " + cleantest.Payload
	r.Urgency.Reasons = []string{r.Urgency.Reason}
	return r
}

// poisonedServer has markup and every kind of control text appended to
// every string, whatever field it is, levels included.
func poisonedServer() scan.Result {
	r := exposedEKS()
	cleantest.Poison(&r, poisonHTML+cleantest.Payload)
	r.APIVersion = scan.APIVersion
	return r
}

// browserResults differ in every verdict the report shows: exposure high,
// none, low, medium; urgency critical, high, unknown; readiness blocked,
// unknown and not judged; with and without CVEs and advice.
func browserResults() []scan.Result {
	return []scan.Result{exposedEKS(), unreachable(), authFailed(), blockedCluster(), forbiddenCluster(), hostileServer(), poisonedServer()}
}

// view is a browser pass: a window size, a device kind and whether
// JavaScript runs.
type view struct {
	name          string
	width, height int64
	mobile        bool
	scripts       bool
}

var views = []view{
	{name: "desktop", width: 1366, height: 900, scripts: true},
	{name: "phone", width: 390, height: 844, mobile: true, scripts: true},
	{name: "desktop-nojs", width: 1366, height: 900},
	{name: "phone-nojs", width: 390, height: 844, mobile: true},
}

func TestHTMLReportInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv(ciEnv) != "" {
			t.Fatalf("chromium is not on PATH and %s is set: CI must run this check (apt-get install chromium)", ciEnv)
		}
		t.Skip("chromium is not on PATH; install it (Debian: apt-get install chromium) to run the HTML report check")
	}
	dir := t.TempDir()
	if d := os.Getenv(artifactsEnv); d != "" {
		dir = filepath.Join(d, "html-report")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	results := browserResults()
	file := filepath.Join(dir, "report.html")
	// The file goes through Export, as the TUI and scan -o html write it.
	if err := Export(file, "html", results, fixtureAt, fixtureData, Options{Version: "test"}, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("report and screenshots: %s", dir)

	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", "new"),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start its sandbox as root ("Running as root
		// without --no-sandbox is not supported"); CI runs as root. The
		// page is our own file, with every request but file:// failed.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}

	fileURL := (&url.URL{Scheme: "file", Path: file}).String()
	want := expectedReport(results)
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			got, shots := load(t, bctx, fileURL, v)
			for suffix, png := range shots {
				name := filepath.Join(dir, v.name+suffix+".png")
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", name)
			}
			checkReport(t, got, want)
			checkCharts(t, got, results)
			if got.ScrollWidth > got.ViewportWidth+1 || len(got.TooWide) > 0 {
				t.Errorf("at %dpx the page is %dpx wide: content spills out or needs the whole page scrolled sideways; too wide: %q",
					got.ViewportWidth, got.ScrollWidth, got.TooWide)
			}
		})
	}
}

// load opens the report in a new tab as v says, with every request that is
// not file:// failed and recorded, and any dialog dismissed and recorded;
// it returns what the page holds and, for passes with JavaScript, PNG
// screenshots of the first screen ("") and of the whole page ("-full").
// It fails t on any request or dialog.
func load(t *testing.T, bctx context.Context, fileURL string, v view) (pageData, map[string][]byte) {
	ctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	var (
		mu       sync.Mutex
		requests []string
		dialogs  []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *cdpnet.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *cdppage.EventJavascriptDialogOpening:
			dialogs = append(dialogs, string(e.Type)+": "+e.Message)
		}
	}); err != nil {
		t.Fatal(err)
	}
	// A paused request or an open dialog stops the page until answered;
	// these answer them (commands cannot be sent from the listener). Their
	// errors are not checked: one only means the tab is closing, and an
	// unanswered request or dialog ends in the timeout, with the recording
	// above saying which.
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range chromedp.Events(ctx, fetch.RequestPaused) {
			if err != nil {
				return
			}
			if strings.HasPrefix(ev.Request.URL, "file://") {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: cdpnet.ErrorReasonBlockedByClient})
			}
		}
	})
	wg.Go(func() {
		for _, err := range chromedp.Events(ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	defer wg.Wait()
	defer cancel()

	viewport := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if v.mobile {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
			return err
		}),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !v.scripts})
			return err
		}),
		chromedp.EmulateViewport(v.width, v.height, viewport...),
		chromedp.Navigate(fileURL),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("loading %s: %v", fileURL, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[pageData](extractJS))
	if err != nil {
		t.Fatalf("reading the DOM: %v", err)
	}
	if got.ScriptsEnabled != v.scripts {
		t.Errorf("page scripts enabled = %v, want %v: the pass does not test what it says", got.ScriptsEnabled, v.scripts)
	}
	shots := map[string][]byte{}
	if v.scripts {
		if shots[""], err = chromedp.Run(ctx, chromedp.CaptureScreenshot()); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if shots["-full"], err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
			t.Fatalf("full-page screenshot: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the report requested %s: it must be self-contained", u)
		}
	}
	if len(requests) == 0 {
		t.Errorf("no request was seen, not even the report's own: the recording does not work")
	}
	if len(dialogs) > 0 {
		t.Errorf("the report opened dialogs: %q", dialogs)
	}
	return got, shots
}

// pageData is what extractJS reads from the rendered document.
type pageData struct {
	Summary []struct {
		Cells []string `json:"cells"`
		Href  string   `json:"href"`
	} `json:"summary"`
	Targets []struct {
		ID      string `json:"id"`
		Heading string `json:"heading"`
		Parts   []struct {
			Title string   `json:"title"`
			Texts []string `json:"texts"`
		} `json:"parts"`
	} `json:"targets"`
	// Text is the body's text content, as a reader sees its characters.
	Text string `json:"text"`
	// Tags is every element name in the document, once each.
	Tags []string `json:"tags"`
	// Handlers are elements with an on* attribute; Links every href that
	// is not an in-page anchor.
	Handlers       []string `json:"handlers"`
	Links          []string `json:"links"`
	ScriptsEnabled bool     `json:"scriptsEnabled"`
	ViewportWidth  int      `json:"viewportWidth"`
	ScrollWidth    int      `json:"scrollWidth"`
	TooWide        []string `json:"tooWide"`
	// Charts are the Fleet section's SVGs: their accessible names, every
	// title, and every text element's own text (its title left out).
	Charts []struct {
		Label  string   `json:"label"`
		Titles []string `json:"titles"`
		Texts  []string `json:"texts"`
		Right  float64  `json:"right"`
	} `json:"charts"`
}

// extractJS runs through DevTools, which works with the page's own
// scripts disabled; scriptsEnabled probes whether they are (a <noscript>
// element parses as markup only when scripting is off).
const extractJS = `(() => {
const text = e => e.textContent;
const summary = [...document.querySelectorAll('section.summary tbody tr')].map(tr => {
	const a = tr.querySelector('a[href^="#"]');
	return {cells: [...tr.cells].map(text), href: a ? a.getAttribute('href') : ''};
});
const targets = [...document.querySelectorAll('main > section[id]')].map(s => {
	const parts = [];
	let cur = null;
	for (const el of s.children) {
		if (el.tagName === 'H3') { cur = {title: text(el), texts: []}; parts.push(cur); continue; }
		if (!cur) continue;
		for (const n of [el, ...el.querySelectorAll('*')]) {
			if (/^(H4|P|LI|DT|DD|TH|TD|PRE)$/.test(n.tagName)) cur.texts.push(text(n));
		}
	}
	const h2 = s.querySelector('h2');
	return {id: s.id, heading: h2 ? text(h2) : '', parts};
});
const all = [...document.querySelectorAll('*')];
const probe = document.createElement('div');
probe.innerHTML = '<noscript><p></p></noscript>';
const vw = document.documentElement.clientWidth;
// Content in a box that scrolls sideways can be reached; the page's own
// scrolling (html, body) does not count.
const scrolls = e => {
	for (; e && e !== document.body; e = e.parentElement) {
		const o = getComputedStyle(e).overflowX;
		if (o === 'auto' || o === 'scroll') return true;
	}
	return false;
};
const ownText = e => [...e.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('');
const charts = [...document.querySelectorAll('section.fleet svg')].map(s => ({
	label: s.getAttribute('aria-label') || '',
	titles: [...s.querySelectorAll('title')].map(text),
	texts: [...s.querySelectorAll('text')].map(ownText),
	right: s.getBoundingClientRect().right,
}));
return {
	summary, targets, charts,
	text: document.body.textContent,
	tags: [...new Set(all.map(e => e.tagName.toLowerCase()))].sort(),
	handlers: all.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).map(e => e.outerHTML.slice(0, 120)),
	links: [...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || e.getAttribute('src')).filter(h => !h.startsWith('#')),
	scriptsEnabled: probe.querySelector('p') === null,
	viewportWidth: vw,
	scrollWidth: document.scrollingElement.scrollWidth,
	tooWide: all.filter(e => {
		const r = e.getBoundingClientRect();
		// Inside an SVG, what runs past the drawing is clipped, never
		// scrolled to: it must stay within the svg's own box (whose
		// client sizes are in unscaled units, so the test below would
		// misread them).
		if (e.ownerSVGElement) {
			const b = e.ownerSVGElement.getBoundingClientRect();
			const drawn = r.width > 0 || r.height > 0; // a title is not
			return drawn && (r.right > b.right + 1 || r.left < b.left - 1);
		}
		const spills = e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible';
		return (r.right > vw + 1 || r.left < -1 || spills) && !scrolls(e.parentElement);
	}).map(e => e.tagName.toLowerCase() + ': ' + e.textContent.slice(0, 60)).slice(0, 10),
};
})()`

// want is what the page must show, from the results and independently of
// how html.go marks it up.
type want struct {
	// summary is the text of each summary row's cells, from the page model
	// both readable formats share.
	summary [][]string
	targets []wantTarget
	// literal holds text a reader must find as is, markup included: the
	// escaping shows it rather than running it.
	literal []string
	// tags the report is built of; any other element was injected.
	tags []string
}

type wantTarget struct {
	name     string
	sections []Section
	// verdicts and advice are written here by hand rather than taken from
	// the model, so a change that drops them from the model fails too.
	exposure, urgency, ready string
	advice                   []string
}

func expectedReport(results []scan.Result) want {
	w := want{
		literal: []string{imgName, scriptVer, imgVer, imgSubject, poisonHTML, hostile},
		tags: []string{"a", "body", "code", "dd", "dl", "dt", "footer", "h1", "h2", "h3", "h4", "head", "header",
			"html", "li", "main", "meta", "p", "pre", "section", "span", "strong", "style", "table", "tbody", "td",
			"th", "thead", "title", "tr", "ul", "details", "summary", "svg", "g", "rect", "text"},
	}
	for _, row := range newPage(results, fixtureAt, fixtureData).Summary.Rows {
		var cells []string
		for _, c := range row {
			cells = append(cells, c.Text)
		}
		w.summary = append(w.summary, cells)
	}
	by := map[string]wantTarget{
		"prod-eks": {exposure: "high (version)", urgency: "high", ready: "-",
			advice: []string{restrictCmd, "1.31 → 1.32: removes " + removedAPI, "upgrade every 3 months, one minor at a time"}},
		"203.0.113.99:6443": {exposure: "none (unreachable)", urgency: "unknown", ready: "-",
			advice: []string{"None: the version is unknown.", "Nothing to restrict: no anonymous exposure was found."}},
		"dev " + hostile: {exposure: "low (tls)", urgency: "unknown", ready: "-",
			advice: []string{"None: the version is unknown.", "No restriction steps were given."}},
		"prod-dra": {exposure: "high (version)", urgency: "high", ready: "blocked: 1 API",
			advice: []string{restrictCmd}},
		"prod-nometrics": {exposure: "high (version)", urgency: "high", ready: "unknown",
			advice: []string{"Let alice read /metrics", `- nonResourceURLs: ["/metrics"]`}},
		clean.Line(hostileServer().Target.Name): {exposure: "medium (version)", urgency: "critical", ready: "-",
			advice: []string{restrictCmd}},
	}
	for _, r := range results {
		name := clean.Line(r.Target.Name)
		wt, ok := by[name]
		if !ok { // the poisoned server: every value, levels too, carries the payload
			wt = wantTarget{exposure: clean.Line(r.Exposure.Level + " (" + r.Exposure.Access + ")"),
				urgency: clean.Line(r.Urgency.Level), ready: assess.ReadyCell(r.Readiness)}
		}
		wt.name, wt.sections = name, Sections(r)
		w.targets = append(w.targets, wt)
	}
	return w
}

// Summary columns checked by hand (see newPage).
const (
	colTarget   = 0
	colExposure = 5
	colUrgency  = 6
	colReady    = 9
)

func checkReport(t *testing.T, got pageData, w want) {
	t.Helper()
	if len(got.Summary) != len(w.targets) || len(got.Targets) != len(w.targets) {
		t.Fatalf("%d summary rows and %d target sections for %d targets", len(got.Summary), len(got.Targets), len(w.targets))
	}
	for i, wt := range w.targets {
		row, sec := got.Summary[i], got.Targets[i]
		if !slices.Equal(row.Cells, w.summary[i]) {
			t.Errorf("summary row %d:\n got %q\nwant %q", i+1, row.Cells, w.summary[i])
			continue
		}
		for col, cw := range map[int]string{colTarget: wt.name, colExposure: wt.exposure, colUrgency: wt.urgency, colReady: wt.ready} {
			if row.Cells[col] != cw {
				t.Errorf("summary row %d column %d = %q, want %q", i+1, col, row.Cells[col], cw)
			}
		}
		if row.Href != "#"+sec.ID {
			t.Errorf("summary row %d links to %q, its section is #%s", i+1, row.Href, sec.ID)
		}
		if h := fmt.Sprintf("%d. %s", i+1, wt.name); sec.Heading != h {
			t.Errorf("section %d heading %q, want %q", i+1, sec.Heading, h)
		}
		parts := map[string][]string{}
		for _, p := range sec.Parts {
			parts[p.Title] = p.Texts
		}
		for _, s := range wt.sections {
			texts, ok := parts[s.Title]
			if !ok {
				t.Errorf("%s: no %q section", wt.name, s.Title)
				continue
			}
			for _, missing := range missingTexts(s, texts) {
				t.Errorf("%s, %s: %q is not shown", wt.name, s.Title, missing)
			}
		}
		verdicts := parts[SectionVerdicts]
		for _, f := range []string{wt.exposure[:strings.LastIndex(wt.exposure, " (")], wt.urgency} {
			if !slices.Contains(verdicts, f) {
				t.Errorf("%s: verdict %q is not among the verdicts shown", wt.name, f)
			}
		}
		for _, a := range wt.advice {
			if !containsText(parts[SectionAdvice], a) {
				t.Errorf("%s: advice %q is not shown", wt.name, a)
			}
		}
	}
	for _, l := range w.literal {
		if !strings.Contains(got.Text, clean.Line(l)) {
			t.Errorf("the page does not show %q as text", l)
		}
	}
	if bad := cleantest.Problems(got.Text); len(bad) > 0 {
		t.Errorf("the page shows raw control or bidirectional text: %s", strings.Join(bad, "; "))
	}
	for _, tag := range got.Tags {
		if !slices.Contains(w.tags, tag) {
			t.Errorf("the page has a <%s> element the report does not write: markup from a server got through", tag)
		}
	}
	if len(got.Handlers) > 0 {
		t.Errorf("elements with event handlers: %q", got.Handlers)
	}
	for _, l := range got.Links {
		// html/template turns any other scheme (javascript:) into #ZgotmplZ,
		// an in-page anchor, which extractJS leaves out.
		if u, err := url.Parse(l); err != nil || u.Scheme != "https" {
			t.Errorf("a link or source %q: only https links are expected", l)
		}
	}
}

// missingTexts are the strings of s that none of texts shows: headings,
// paragraphs, labels, values, list items and cells whole, commands as
// lines of a code block.
func missingTexts(s Section, texts []string) []string {
	var miss []string
	need := func(x string) {
		if x != "" && !slices.Contains(texts, x) {
			miss = append(miss, x)
		}
	}
	for _, b := range s.Blocks {
		need(b.Heading)
		need(b.Text)
		for _, f := range b.Fields {
			need(f.Label)
			need(f.Value)
		}
		for _, it := range b.Items {
			need(it)
		}
		if b.Table != nil {
			for _, h := range b.Table.Head {
				need(h)
			}
			for _, row := range b.Table.Rows {
				for _, c := range row {
					need(c.Text)
				}
			}
		}
		for _, c := range b.Code {
			if !containsText(texts, c) {
				miss = append(miss, c)
			}
		}
	}
	return miss
}

// containsText reports whether x is one of texts or one line of one.
func containsText(texts []string, x string) bool {
	for _, t := range texts {
		if t == x || slices.Contains(strings.Split(t, "\n"), x) {
			return true
		}
	}
	return false
}

// checkCharts checks the Fleet charts against numbers counted by hand from
// browserResults: prod-eks, prod-dra and prod-nometrics are EKS at high
// urgency, the hostile server EKS at critical; the unreachable endpoint
// and the refused context are unknown; the poisoned server is poison
// throughout. Each chart must be within the page's width, and a poisoned
// name must show as text, whole in a title and cut short in a label.
func checkCharts(t *testing.T, got pageData, results []scan.Result) {
	t.Helper()
	labels := []string{"Urgency by distribution", "Exposure by reach", "Minors in use, supported ones marked", "Support timeline by week"}
	if len(got.Charts) != len(labels) {
		t.Fatalf("%d charts, want %d", len(got.Charts), len(labels))
	}
	poison := results[len(results)-1]
	dist, level := clean.Line(poison.Dist.Name), clean.Line(poison.Urgency.Level)
	wants := [][]string{
		{"eks: 3 high", "eks: 1 critical", "kubeadm: 1 unknown", "unknown: 1 unknown", dist + ": 1 " + level},
		{"public: 3 high", "public: 1 medium", "public: 1 none", "private: 1 low"},
		{"1.29: 4 supported"},
		{"2027-W12, from 2027-03-22: end of all support 4: prod-eks, prod-dra, prod-nometrics, …"},
	}
	texts := [][]string{
		{"eks", "kubeadm", "unknown", "4", "critical", "high", string([]rune(dist)[:labelRunes-1]) + "…"},
		{"public", "private", "5", "1", "none"},
		{"1.29", "4", "supported", "out of support"},
		{"2027-W12", "4", "standard ends", "all support ends", "forced upgrade"},
	}
	for i, c := range got.Charts {
		if c.Label != labels[i] {
			t.Errorf("chart %d is %q, want %q", i+1, c.Label, labels[i])
		}
		for _, w := range wants[i] {
			if !slices.Contains(c.Titles, w) {
				t.Errorf("%s: no bar titled %q among %q", c.Label, w, c.Titles)
			}
		}
		for _, w := range texts[i] {
			if !slices.Contains(c.Texts, w) {
				t.Errorf("%s: no text %q among %q", c.Label, w, c.Texts)
			}
		}
		if c.Right > float64(got.ViewportWidth)+1 {
			t.Errorf("%s ends at %.0fpx, past the %dpx page", c.Label, c.Right, got.ViewportWidth)
		}
	}
}
