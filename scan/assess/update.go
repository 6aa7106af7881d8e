package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// The public services `data update` reads by default.
const (
	DefaultEndOfLife = "https://endoflife.date"
	DefaultOSV       = "https://api.osv.dev"
	DefaultCVEFeed   = "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json"
	// DefaultUpdateTimeout bounds each request, body included. Every source
	// answers with one static file or one query, so anything slower is a
	// stuck connection, not a slow answer worth waiting for.
	DefaultUpdateTimeout = 60 * time.Second
)

// maxResponse caps every response body. The largest real answer (OSV's
// k8s.io/kubernetes records) is well under a megabyte and OSV itself stops
// at 32 MiB; anything bigger is not data to trust or hold in memory.
const maxResponse = 32 << 20

// maxOSVPages stops a paginating server that never stops.
const maxOSVPages = 100

// UpdateOptions says where Update reads from; zero values mean the public
// services, http.DefaultClient, DefaultUpdateTimeout and the current time.
type UpdateOptions struct {
	// EndOfLife and OSV are base URLs; CVEFeed is the feed's full URL.
	EndOfLife, OSV, CVEFeed string
	Client                  *http.Client
	// Timeout bounds each request, reading its body included.
	Timeout time.Duration
	// Now dates the snapshot.
	Now time.Time
}

// calendarProducts maps lifecycle keys to endoflife.date products, in the
// order they are fetched and reported.
var calendarProducts = []struct{ key, product string }{
	{Upstream, "kubernetes"},
	{EKS, "amazon-eks"},
	{GKE, "google-kubernetes-engine"},
	{AKS, "azure-kubernetes-service"},
	{OpenShift, "red-hat-openshift"},
}

// osvPackages are the Go modules queried: Kubernetes itself, and
// k8s.io/apiserver, whose advisories are often filed against the library
// alone.
var osvPackages = []string{"k8s.io/kubernetes", "k8s.io/apiserver"}

// serverModules are the OSV packages whose versions locate a cluster's
// version. The value marks staging modules, tagged v0.N.P for Kubernetes
// 1.N.P; client-side modules (client-go, kubectl) are not about the server.
var serverModules = map[string]bool{
	"k8s.io/kubernetes":                false,
	"github.com/kubernetes/kubernetes": false,
	"k8s.io/apiserver":                 true,
}

// Update fetches lifecycles, CVEs and the official CVE feed and assembles a
// validated Bundle, saying in words what it fetched. It fails whole: any
// source that cannot be read or does not make sense is an error naming that
// source, so a cache is only ever replaced by complete data.
func Update(ctx context.Context, o UpdateOptions) (*Bundle, []string, error) {
	if o.EndOfLife == "" {
		o.EndOfLife = DefaultEndOfLife
	}
	if o.OSV == "" {
		o.OSV = DefaultOSV
	}
	if o.CVEFeed == "" {
		o.CVEFeed = DefaultCVEFeed
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultUpdateTimeout
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	now := o.Now.UTC()
	emb, err := Embedded()
	if err != nil {
		return nil, nil, err
	}
	f := &fetcher{client: o.Client, timeout: o.Timeout}
	fetchedAt := now.Format(time.RFC3339)
	var said []string
	var asOf newestDate
	b := &Bundle{SnapshotDate: now.Format(time.DateOnly), Lifecycle: map[string]*Distribution{}}

	// Lifecycles.
	eolBase := strings.TrimRight(o.EndOfLife, "/")
	var calendars, products, generated []string
	var lifecycleNotes []string
	for _, p := range calendarProducts {
		addr := eolBase + "/api/v1/products/" + p.product
		var resp eolProduct
		if err := f.fetch(ctx, http.MethodGet, addr, nil, &resp); err != nil {
			return nil, nil, fmt.Errorf("endoflife.date %s (%s): %w", p.product, addr, err)
		}
		d, notes, err := calendar(p.key, &resp, emb.Lifecycle[p.key])
		if err != nil {
			return nil, nil, fmt.Errorf("endoflife.date %s (%s): %w", p.product, addr, err)
		}
		d.Source = fmt.Sprintf("endoflife.date API %s (generated %s)", addr, resp.GeneratedAt)
		b.Lifecycle[p.key] = d
		asOf.see(resp.GeneratedAt)
		if g := dateOf(resp.GeneratedAt); g != "" && !slices.Contains(generated, g) {
			generated = append(generated, g)
		}
		products = append(products, p.product)
		calendars = append(calendars, fmt.Sprintf("%s %s (%s)", p.key, d.NewestMinor, scan.Plural(len(d.Releases), "release")))
		lifecycleNotes = append(lifecycleNotes, notes...)
	}
	said = append(said, "lifecycle from endoflife.date: "+strings.Join(calendars, ", "))
	said = append(said, lifecycleNotes...)

	// CVEs: OSV records, then the official feed.
	osvAddr := strings.TrimRight(o.OSV, "/") + "/v1/query"
	var records []osvRecord
	var perPackage []string
	for _, pkg := range osvPackages {
		recs, pages, err := f.osvQuery(ctx, osvAddr, pkg)
		if err != nil {
			return nil, nil, err
		}
		if len(recs) == 0 && pkg == osvPackages[0] {
			// Kubernetes has dozens of records; none means a wrong
			// answer, and taking it would drop every CVE's update.
			return nil, nil, fmt.Errorf("OSV %s (%s): no records at all", pkg, osvAddr)
		}
		records = append(records, recs...)
		perPackage = append(perPackage, fmt.Sprintf("%d for %s in %s", len(recs), pkg, scan.Plural(pages, "page")))
	}
	osvCVEs, err := cvesFromOSV(records)
	if err != nil {
		return nil, nil, fmt.Errorf("OSV (%s): %w", osvAddr, err)
	}
	if len(osvCVEs) == 0 {
		return nil, nil, fmt.Errorf("OSV (%s): no record with affected Kubernetes versions for %s", osvAddr, strings.Join(osvPackages, " or "))
	}
	var osvModified newestDate
	for _, r := range records {
		asOf.see(r.Modified)
		osvModified.see(r.Modified)
	}

	var feed cveFeed
	if err := f.fetch(ctx, http.MethodGet, o.CVEFeed, nil, &feed); err != nil {
		return nil, nil, fmt.Errorf("official CVE feed (%s): %w", o.CVEFeed, err)
	}
	items, err := feed.byCVE()
	if err != nil {
		return nil, nil, fmt.Errorf("official CVE feed (%s): %w", o.CVEFeed, err)
	}
	asOf.see(feed.Meta.UpdatedAt)
	for _, it := range feed.Items {
		asOf.see(it.DatePublished)
	}

	cves, rep := assembleCVEs(emb.CVEs, osvCVEs, items)
	b.CVEs = cves
	said = append(said, fmt.Sprintf("CVEs from OSV (records: %s): %s with affected versions (%d updated, %d new); %d kept from the embedded snapshot, which OSV has no record for",
		strings.Join(perPackage, ", "), scan.Plural(rep.updated+rep.added, "CVE"), rep.updated, rep.added, rep.kept))
	if len(rep.unrated) > 0 {
		said = append(said, fmt.Sprintf("left out %s with no severity rating in any source: %s", scan.Plural(len(rep.unrated), "CVE"), strings.Join(rep.unrated, ", ")))
	}
	if rep.droppedRanges > 0 {
		said = append(said, fmt.Sprintf("left out %s given only in k8s.io/apiserver versions older than its v0.N tags, which name no Kubernetes release", scan.Plural(rep.droppedRanges, "range")))
	}
	said = append(said, fmt.Sprintf("official CVE feed: %s (updated %s)", scan.Plural(len(feed.Items), "item"), orUnknown(dateOf(feed.Meta.UpdatedAt))))
	if len(rep.noData) > 0 {
		verb := "have"
		if len(rep.noData) == 1 {
			verb = "has"
		}
		said = append(said, fmt.Sprintf("%s in the official feed %s no affected-version data (neither OSV nor the snapshot gives ranges): %s",
			scan.Plural(len(rep.noData), "CVE"), verb, strings.Join(first(rep.noData, 10), ", ")))
	}

	// Removed APIs: no online source gives them as data.
	b.Removals = emb.Removals
	removedFrom := "the embedded snapshot"
	for _, s := range emb.Sources {
		if rest, ok := strings.CutPrefix(s, "removed APIs: "); ok {
			// Data refreshed before says where its removals came from:
			// that origin, not a chain of carry-overs.
			if origin, ok := strings.CutPrefix(rest, "no online source; carried over from "+removedFrom+": "); ok {
				rest = origin
			}
			removedFrom += ": " + rest
		}
	}
	said = append(said, fmt.Sprintf("removed APIs: no online source; carried over from the embedded snapshot (%s, through %s)",
		scan.Plural(len(emb.Removals), "minor"), newestRemoval(emb.Removals)))

	b.DataAsOf = asOf.date
	if b.DataAsOf == "" {
		// Staleness is judged from this date; today's would be a guess.
		return nil, nil, errors.New("no source dated its data (endoflife.date generated_at, OSV modified, the feed's updated_at)")
	}
	if today := now.Format(time.DateOnly); b.DataAsOf > today {
		// A date ahead of the clock is a source's or the clock's error;
		// the data cannot be newer than the moment it was fetched.
		b.DataAsOf = today
	}
	b.Sources = []string{
		fmt.Sprintf("lifecycle: endoflife.date API %s/api/v1/products/{%s} (generated %s), fetched %s",
			eolBase, strings.Join(products, ","), strings.Join(generated, ", "), fetchedAt),
		fmt.Sprintf("CVEs: OSV %s, Go modules %s (%s, newest modified %s), fetched %s; entries OSV has no record for kept from the embedded snapshot",
			osvAddr, strings.Join(osvPackages, ", "), scan.Plural(len(records), "record"), orUnknown(osvModified.date), fetchedAt),
		fmt.Sprintf("CVE titles, issues and dates: official Kubernetes CVE feed %s (updated %s), fetched %s",
			o.CVEFeed, orUnknown(feed.Meta.UpdatedAt), fetchedAt),
		"removed APIs: no online source; carried over from " + removedFrom,
	}
	if err := b.Validate(); err != nil {
		return nil, nil, fmt.Errorf("the fetched data does not validate: %w", err)
	}
	return b, said, nil
}

// fetcher makes the requests: one timeout and one size cap for all.
type fetcher struct {
	client  *http.Client
	timeout time.Duration
}

// fetch sends one request and decodes its JSON answer into v. Its errors
// say what failed; callers say which source.
func (f *fetcher) fetch(ctx context.Context, method, addr string, body, v any) error {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, addr, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kubesurface (data update)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return f.transportError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("reading the response (HTTP %d, %s read): %w", resp.StatusCode, scan.Plural(len(raw), "byte"), f.transportError(ctx, err))
	}
	if len(raw) > maxResponse {
		return fmt.Errorf("response larger than %d MiB, not read", maxResponse>>20)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s%s", resp.Status, excerpt(raw))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	return nil
}

// transportError drops the method and URL net/http repeats (the caller
// names the source) and says a timeout in words.
func (f *fetcher) transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %s", f.timeout)
	}
	return err
}

// excerpt quotes the start of an error body (OSV explains a 400 there),
// printable characters only: it ends up on a terminal.
func excerpt(raw []byte) string {
	s := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(raw))), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "..."
	}
	if s == "" {
		return ""
	}
	return ": " + s
}

// eolProduct is endoflife.date's v1 ProductResponse, the fields used.
type eolProduct struct {
	GeneratedAt string `json:"generated_at"`
	Result      struct {
		Label    string       `json:"label"`
		Releases []eolRelease `json:"releases"`
	} `json:"result"`
}

type eolRelease struct {
	Name        string  `json:"name"`
	ReleaseDate eolDate `json:"releaseDate"`
	EOAS        eolDate `json:"eoasFrom"`
	EOL         eolDate `json:"eolFrom"`
	EOES        eolDate `json:"eoesFrom"`
	Latest      *struct {
		Name string `json:"name"`
	} `json:"latest"`
}

// eolDate is a date field that may come as a boolean or null: the source
// marks a phase as reached or not without giving its date. Only dates are
// kept; a date is never made up from a boolean.
type eolDate string

func (d *eolDate) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != nil {
			*d = eolDate(*s)
		}
		return nil
	}
	var flag bool
	if err := json.Unmarshal(b, &flag); err == nil {
		return nil
	}
	return fmt.Errorf("want a date, a boolean or null, got %s", b)
}

// gkeVersion takes the Kubernetes part of a GKE version (1.36.3 of
// 1.36.3-gke.1640000).
var gkeVersion = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)(?:-gke\.\d+)?$`)

// calendar maps one endoflife.date product to a Distribution. prev is the
// embedded snapshot's calendar of the same key: its name, and OpenShift's
// Kubernetes minors, which endoflife.date does not have.
func calendar(key string, p *eolProduct, prev *Distribution) (*Distribution, []string, error) {
	if len(p.Result.Releases) == 0 {
		return nil, nil, errors.New("no releases in the response")
	}
	d := &Distribution{Name: p.Result.Label}
	k8sOf := map[string]string{}
	var newestMapped *utilversion.Version
	if prev != nil {
		d.Name = prev.Name
		for _, r := range prev.Releases {
			if r.KubernetesMinor == "" {
				continue
			}
			k8sOf[r.Minor] = r.KubernetesMinor
			if v, err := utilversion.ParseMajorMinor(r.Minor); err == nil && (newestMapped == nil || v.GreaterThan(newestMapped)) {
				newestMapped = v
			}
		}
	}
	var newest *utilversion.Version
	var undated, derived []string
	for _, r := range p.Result.Releases {
		minor, err := parseMinor(r.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("release %q: not a minor version", r.Name)
		}
		rel := Release{Minor: r.Name, ReleaseDate: string(r.ReleaseDate), EndOfActive: string(r.EOAS),
			EndOfStandard: string(r.EOL), EndOfExtended: string(r.EOES)}
		for _, f := range []struct{ name, v string }{{"releaseDate", rel.ReleaseDate}, {"eoasFrom", rel.EndOfActive},
			{"eolFrom", rel.EndOfStandard}, {"eoesFrom", rel.EndOfExtended}} {
			if f.v == "" {
				continue
			}
			if _, err := parseDate(f.v); err != nil {
				return nil, nil, fmt.Errorf("release %s %s %q: not a date (YYYY-MM-DD)", r.Name, f.name, f.v)
			}
		}
		if rel.EndOfStandard == "" {
			// A judgement needs the end of support; a release without one
			// yet is left out rather than guessed.
			undated = append(undated, r.Name)
			continue
		}
		if r.Latest != nil && r.Latest.Name != "" {
			switch key {
			case Upstream, OpenShift:
				rel.LatestPatch = strings.TrimPrefix(r.Latest.Name, "v")
			case GKE:
				m := gkeVersion.FindStringSubmatch(r.Latest.Name)
				if m == nil {
					return nil, nil, fmt.Errorf("release %s latest %q: not a GKE version", r.Name, r.Latest.Name)
				}
				rel.LatestPatch = m[1]
			}
			// EKS's latest is a platform version (1.36-eks-6), AKS has
			// none: neither is a Kubernetes patch.
			if rel.LatestPatch != "" {
				if _, err := utilversion.ParseSemantic(rel.LatestPatch); err != nil {
					return nil, nil, fmt.Errorf("release %s latest %q: not a version", r.Name, r.Latest.Name)
				}
			}
		}
		if key == OpenShift {
			rel.KubernetesMinor = k8sOf[r.Name]
			if k8s := fmt.Sprintf("1.%d", minor.Minor()+13); rel.KubernetesMinor == "" && newestMapped != nil && minor.Major() == 4 && minor.GreaterThan(newestMapped) {
				if _, err := parseMinor(k8s); err == nil {
					rel.KubernetesMinor = k8s
					derived = append(derived, r.Name+" -> "+rel.KubernetesMinor)
				}
			}
		}
		d.Releases = append(d.Releases, rel)
		if newest == nil || minor.GreaterThan(newest) {
			newest, d.NewestMinor = minor, r.Name
		}
	}
	if len(d.Releases) == 0 {
		return nil, nil, errors.New("no release has an end-of-support date")
	}
	var notes []string
	if len(undated) > 0 {
		notes = append(notes, fmt.Sprintf("%s: left out %s: no end-of-support date in the source yet", key, strings.Join(undated, ", ")))
	}
	if len(derived) > 0 {
		notes = append(notes, fmt.Sprintf("openshift: Kubernetes minor of %s derived from the sequence 4.N -> 1.(N+13), not confirmed by a release note", strings.Join(derived, ", ")))
	}
	return d, notes, nil
}

// OSV's query API, the fields used.
type osvQuery struct {
	Package   osvPackage `json:"package"`
	PageToken string     `json:"page_token,omitempty"`
}

type osvPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
}

type osvList struct {
	Vulns         []osvRecord `json:"vulns"`
	NextPageToken string      `json:"next_page_token"`
}

type osvRecord struct {
	ID        string   `json:"id"`
	Summary   string   `json:"summary"`
	Aliases   []string `json:"aliases"`
	Modified  string   `json:"modified"`
	Published string   `json:"published"`
	Withdrawn string   `json:"withdrawn"`
	// DatabaseSpecific is free-form per database; only GHSA's severity is
	// read, and a shape it does not expect is no error.
	DatabaseSpecific json.RawMessage `json:"database_specific"`
	References       []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	Affected []struct {
		Package osvPackage `json:"package"`
		Ranges  []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
}

// osvQuery reads every page of one package's records.
func (f *fetcher) osvQuery(ctx context.Context, addr, pkg string) ([]osvRecord, int, error) {
	q := osvQuery{Package: osvPackage{Ecosystem: "Go", Name: pkg}}
	seen := map[string]bool{}
	var out []osvRecord
	for page := 1; ; page++ {
		var l osvList
		if err := f.fetch(ctx, http.MethodPost, addr, q, &l); err != nil {
			return nil, page, fmt.Errorf("OSV %s (%s, page %d): %w", pkg, addr, page, err)
		}
		out = append(out, l.Vulns...)
		if l.NextPageToken == "" {
			return out, page, nil
		}
		if seen[l.NextPageToken] || page >= maxOSVPages {
			return nil, page, fmt.Errorf("OSV %s (%s): pagination does not end (page %d)", pkg, addr, page)
		}
		seen[l.NextPageToken] = true
		q.PageToken = l.NextPageToken
	}
}

// osvCVE is one vulnerability as OSV's records describe it, merged over
// the records (Go vulndb, GHSA) that name it.
type osvCVE struct {
	id, title, published string
	ranges               []Range
	rating               string
	score                float64 // from a CVSS vector; 0 when rated otherwise
	url                  string
	urlRank              int
	droppedRanges        int
}

// cvesFromOSV merges the records by CVE id. A record without a CVE id is
// keyed by its GHSA id, which the Go record of the same advisory lists, so
// the two still merge.
func cvesFromOSV(records []osvRecord) (map[string]*osvCVE, error) {
	byID := map[string]osvRecord{}
	for _, r := range records {
		byID[r.ID] = r // the same record may answer both queries
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	// Sorted, GHSA records come before GO ones: their summaries do not end
	// in " in k8s.io/kubernetes".
	sort.Strings(ids)
	out := map[string]*osvCVE{}
	for _, id := range ids {
		r := byID[id]
		if r.Withdrawn != "" {
			continue
		}
		var ranges []Range
		dropped := 0
		title := r.Summary
		for _, a := range r.Affected {
			staging, ok := serverModules[a.Package.Name]
			if !ok || a.Package.Ecosystem != "Go" {
				continue
			}
			title = strings.TrimSuffix(title, " in "+a.Package.Name)
			for _, rg := range a.Ranges {
				if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" {
					continue // GIT ranges name commits, not releases
				}
				rs, n, err := eventRanges(rg.Events, staging)
				if err != nil {
					return nil, fmt.Errorf("record %s, package %s: %w", r.ID, a.Package.Name, err)
				}
				ranges = append(ranges, rs...)
				dropped += n
			}
		}
		if len(ranges) == 0 && dropped == 0 {
			continue
		}
		rating, score := r.rating()
		link, rank := r.link()
		for _, key := range r.keys() {
			c := out[key]
			if c == nil {
				c = &osvCVE{id: key, urlRank: 99}
				out[key] = c
			}
			for _, rg := range ranges {
				if !slices.Contains(c.ranges, rg) {
					c.ranges = append(c.ranges, rg)
				}
			}
			c.droppedRanges += dropped
			if c.title == "" {
				c.title = title
			}
			switch {
			case score > c.score:
				c.rating, c.score = rating, score
			case c.score == 0 && Rank(LevelOfSeverity(rating)) > Rank(LevelOfSeverity(c.rating)):
				c.rating = rating
			}
			if p := dateOf(r.Published); p != "" && (c.published == "" || p < c.published) {
				c.published = p
			}
			if link != "" && rank < c.urlRank {
				c.url, c.urlRank = link, rank
			}
		}
	}
	for id, c := range out {
		if len(c.ranges) == 0 {
			delete(out, id) // only ranges no release can be matched against
		}
	}
	return out, nil
}

// keys are the ids the record's data is filed under.
func (r *osvRecord) keys() []string {
	all := append([]string{r.ID}, r.Aliases...)
	var cves, ghsa []string
	for _, id := range all {
		switch {
		case strings.HasPrefix(id, "CVE-") && !slices.Contains(cves, id):
			cves = append(cves, id)
		case strings.HasPrefix(id, "GHSA-"):
			ghsa = append(ghsa, id)
		}
	}
	if len(cves) > 0 {
		sort.Strings(cves)
		return cves
	}
	if len(ghsa) > 0 {
		sort.Strings(ghsa)
		return ghsa[:1]
	}
	return []string{r.ID}
}

// rating is the record's CVSS 3 rating and score, computed from its
// vector; else GHSA's rating word without a score; else nothing.
func (r *osvRecord) rating() (string, float64) {
	rating, score := "", 0.0
	for _, s := range r.Severity {
		if s.Type != "CVSS_V3" {
			continue
		}
		// A vector that does not parse is passed over: the record may
		// still carry a rating word.
		if sc, err := cvss3Score(s.Score); err == nil && ratingOfScore(sc) != "" && sc > score {
			rating, score = ratingOfScore(sc), sc
		}
	}
	if rating != "" {
		return rating, score
	}
	var ds struct {
		Severity string `json:"severity"`
	}
	if json.Unmarshal(r.DatabaseSpecific, &ds) == nil {
		if l := LevelOfSeverity(ds.Severity); l != "" {
			return strings.ToUpper(l[:1]) + l[1:], 0
		}
	}
	return "", 0
}

// link picks the reference an admin should read: the Kubernetes issue
// (the announcement, with mitigations), else its pull request, else an
// advisory. Lower rank is better.
func (r *osvRecord) link() (string, int) {
	best, rank := "", 99
	for _, ref := range r.References {
		n := 99
		switch {
		case strings.HasPrefix(ref.URL, "https://github.com/kubernetes/kubernetes/issues/"):
			n = 0
		case strings.HasPrefix(ref.URL, "https://github.com/kubernetes/kubernetes/pull/"):
			n = 1
		case ref.Type == "ADVISORY":
			n = 2
		}
		if n < rank {
			best, rank = ref.URL, n
		}
	}
	return best, rank
}

// errBeforeTags marks a k8s.io/apiserver version from before the module
// was tagged v0.N.P; it names no Kubernetes release.
var errBeforeTags = errors.New("version predates the module's v0.N tags")

// eventRanges turns OSV events into ranges, evaluated in version order as
// the OSV schema defines. It also counts ranges left out because their end
// is an untagged staging-module version.
func eventRanges(events []map[string]string, staging bool) ([]Range, int, error) {
	type event struct {
		kind, v string
		sv      *utilversion.Version
		drop    bool
	}
	var evs []event
	for _, e := range events {
		for kind, raw := range e {
			if kind != "introduced" && kind != "fixed" && kind != "last_affected" {
				continue // limit bounds git ranges only
			}
			v, sv, err := serverVersion(raw, staging, kind == "introduced")
			if err != nil && !errors.Is(err, errBeforeTags) {
				return nil, 0, fmt.Errorf("%s %q: %w", kind, raw, err)
			}
			evs = append(evs, event{kind: kind, v: v, sv: sv, drop: err != nil})
		}
	}
	// On a tie a start comes first: [X, X) affects nothing, where the
	// other order would open a range without end.
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.sv.LessThan(b.sv) || b.sv.LessThan(a.sv) {
			return a.sv.LessThan(b.sv)
		}
		return a.kind == "introduced" && b.kind != "introduced"
	})
	var out []Range
	var cur *Range
	dropped := 0
	for _, e := range evs {
		switch {
		case e.kind == "introduced":
			if cur == nil {
				cur = &Range{Introduced: e.v}
			}
		case cur == nil:
			// an end without a start affects nothing
		case e.drop:
			dropped++
			cur = nil
		default:
			if e.kind == "fixed" {
				cur.Fixed = e.v
			} else {
				cur.LastAffected = e.v
			}
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, *cur) // no fix yet
	}
	return out, dropped, nil
}

// serverVersion reads an OSV version as a Kubernetes version: no leading
// "v", "0" as 0.0.0, and a staging module's v0.N.P as 1.N.P.
func serverVersion(raw string, staging, introduced bool) (string, *utilversion.Version, error) {
	v := strings.TrimPrefix(raw, "v")
	if v == "0" {
		v = "0.0.0"
	}
	sv, err := utilversion.ParseSemantic(v)
	if err != nil {
		return "", nil, errors.New("not a semantic version")
	}
	if !staging || sv.Major() != 0 {
		return v, sv, nil
	}
	if sv.Minor() == 0 {
		// Untagged: before every Kubernetes release this can be mapped to.
		zero, _ := utilversion.ParseSemantic("0.0.0")
		if introduced {
			return "0.0.0", zero, nil
		}
		return "", zero, errBeforeTags
	}
	v = "1" + strings.TrimPrefix(v, "0")
	sv, err = utilversion.ParseSemantic(v)
	return v, sv, err
}

// cveFeed is the official Kubernetes CVE feed (JSON Feed 1.1), the fields
// used.
type cveFeed struct {
	Meta struct {
		UpdatedAt string `json:"updated_at"`
	} `json:"_kubernetes_io"`
	Items []struct {
		ID            string `json:"id"`
		URL           string `json:"url"`
		Summary       string `json:"summary"`
		ContentText   string `json:"content_text"`
		DatePublished string `json:"date_published"`
	} `json:"items"`
}

// feedItem is what the feed says about one CVE id.
type feedItem struct {
	title, url, published string
	rating                string
	score                 float64
}

// feedVector finds the CVSS vector the announcement text rates the CVE by.
var feedVector = regexp.MustCompile(`CVSS:3\.[01](?:/[A-Za-z]+:[A-Za-z]+)+`)

// byCVE indexes the feed by CVE id. An item may name several ids (the
// format before June 2024 put "CVE-2023-2727, CVE-2023-2728" in one).
func (f *cveFeed) byCVE() (map[string]feedItem, error) {
	if len(f.Items) == 0 {
		return nil, errors.New("no items: not the CVE feed, or an empty one")
	}
	out := map[string]feedItem{}
	for _, it := range f.Items {
		fi := feedItem{title: strings.TrimSpace(it.Summary), url: it.URL, published: dateOf(it.DatePublished)}
		if m := feedVector.FindString(it.ContentText); m != "" {
			if sc, err := cvss3Score(m); err == nil {
				fi.rating, fi.score = ratingOfScore(sc), sc
			}
		}
		for _, id := range strings.FieldsFunc(it.ID, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if strings.HasPrefix(id, "CVE-") {
				out[id] = fi
			}
		}
	}
	return out, nil
}

// cveReport counts what assembleCVEs did, for the user.
type cveReport struct {
	updated, added, kept int
	droppedRanges        int
	unrated, noData      []string
}

// assembleCVEs puts OSV's view over the embedded snapshot's: the ranges
// and rating of a CVE OSV has records for come from OSV; CVEs OSV lacks
// (Go-runtime CVEs, ones filed only in the official feed) keep the
// snapshot's entry. The feed adds titles, issue links and dates, and the
// Kubernetes-assigned rating where nothing else rates a CVE.
func assembleCVEs(emb []CVE, osv map[string]*osvCVE, feed map[string]feedItem) ([]CVE, cveReport) {
	var rep cveReport
	var out []CVE
	for _, c := range emb {
		fi, inFeed := feed[c.ID]
		if o := osv[c.ID]; o != nil {
			out = append(out, o.cve(&c, fi, inFeed))
			rep.updated++
			rep.droppedRanges += o.droppedRanges
			continue
		}
		if inFeed {
			c.Title = firstOf(c.Title, fi.title)
			c.URL = firstOf(c.URL, fi.url)
			c.Published = firstOf(c.Published, fi.published)
		}
		out = append(out, c)
		rep.kept++
	}
	var fresh []string
	for id := range osv {
		if indexCVE(emb, id) < 0 {
			fresh = append(fresh, id)
		}
	}
	sort.Strings(fresh)
	for _, id := range fresh {
		fi, inFeed := feed[id]
		c := osv[id].cve(nil, fi, inFeed)
		if c.Severity == "" {
			rep.unrated = append(rep.unrated, id)
			continue
		}
		out = append(out, c)
		rep.added++
		rep.droppedRanges += osv[id].droppedRanges
	}
	for id := range feed {
		i := indexCVE(out, id)
		if i < 0 || len(out[i].Affected) == 0 {
			rep.noData = append(rep.noData, id)
		}
	}
	sort.Strings(rep.noData)
	return out, rep
}

// cve is the entry for an OSV-known CVE; prev is the snapshot's entry, if
// any, for what OSV does not say (components; a rating where OSV has none).
func (o *osvCVE) cve(prev *CVE, fi feedItem, inFeed bool) CVE {
	c := CVE{ID: o.id, Title: o.title, Affected: slices.Clone(o.ranges)}
	sort.SliceStable(c.Affected, func(i, j int) bool {
		return semverLess(c.Affected[i].Introduced, c.Affected[j].Introduced)
	})
	for _, r := range c.Affected {
		if r.Fixed != "" && !slices.Contains(c.FixedIn, r.Fixed) {
			c.FixedIn = append(c.FixedIn, r.Fixed)
		}
	}
	sort.SliceStable(c.FixedIn, func(i, j int) bool { return semverLess(c.FixedIn[i], c.FixedIn[j]) })
	switch {
	case o.rating != "":
		c.Severity, c.Score = o.rating, o.score
	case inFeed && fi.rating != "":
		c.Severity, c.Score = fi.rating, fi.score
	case prev != nil:
		c.Severity, c.Score = prev.Severity, prev.Score
	}
	var prevTitle, prevURL, prevPublished string
	if prev != nil {
		c.Components = prev.Components
		prevTitle, prevURL, prevPublished = prev.Title, prev.URL, prev.Published
	}
	// The feed's date is the Kubernetes issue's, the disclosure the
	// snapshot also dates by; OSV's is when the record was written.
	c.Title = firstOf(c.Title, fi.title, prevTitle)
	c.Published = firstOf(fi.published, prevPublished, o.published)
	if o.urlRank == 0 {
		c.URL = o.url
	} else {
		c.URL = firstOf(fi.url, prevURL, o.url)
	}
	return c
}

// semverLess orders versions already checked to parse.
func semverLess(a, b string) bool {
	va, err1 := utilversion.ParseSemantic(a)
	vb, err2 := utilversion.ParseSemantic(b)
	return err1 == nil && err2 == nil && va.LessThan(vb)
}

// indexCVE is the position of id in cs, or -1.
func indexCVE(cs []CVE, id string) int {
	return slices.IndexFunc(cs, func(c CVE) bool { return c.ID == id })
}

// newestDate keeps the newest date of the timestamps it sees.
type newestDate struct{ date string }

func (n *newestDate) see(ts string) {
	if d := dateOf(ts); d > n.date {
		n.date = d
	}
}

// dateOf is the UTC date of an RFC 3339 timestamp or a date; empty for
// anything else.
func dateOf(ts string) string {
	if t, err := time.Parse(time.RFC3339, ts); err == nil {
		return t.UTC().Format(time.DateOnly)
	}
	if _, err := parseDate(ts); err == nil {
		return ts
	}
	return ""
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
