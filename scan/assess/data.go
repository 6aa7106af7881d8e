// Package assess turns scan results into the judgement an admin acts on:
// how urgent an upgrade is and why, the path to take, and how to close the
// exposure. It rests on dated facts (support lifecycles, CVEs, removed APIs)
// embedded from a snapshot and refreshable online.
package assess

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// data/*.json takes refreshed.json too, when the release step has written
// it (see snapshot.go).
//
//go:embed data/*.json data/SOURCES.md
var embedded embed.FS

// Lifecycle keys, as in Bundle.Lifecycle.
const (
	Upstream  = "kubernetes"
	EKS       = "eks"
	GKE       = "gke"
	AKS       = "aks"
	OpenShift = "openshift"
)

// Bundle is every fact a judgement uses, with where and when it came from.
// The embedded snapshot and the `data update` cache are both Bundles.
type Bundle struct {
	// SnapshotDate is when the bundle was assembled.
	SnapshotDate string `json:"snapshot_date"`
	// DataAsOf is the date of the newest source data in it; staleness is
	// judged from this, not from when it was copied.
	DataAsOf string `json:"data_as_of"`
	// Origin says where this bundle was loaded from (embedded, a cache
	// path); it is set on load, not stored.
	Origin    string                   `json:"-"`
	Sources   []string                 `json:"sources"`
	Lifecycle map[string]*Distribution `json:"lifecycle"`
	CVEs      []CVE                    `json:"cves"`
	Removals  []Removal                `json:"removals"`

	// memo holds judgement parts shared by every result they fit (CVEs of
	// a version, a path, restriction steps): a fleet of thousands on a few
	// versions then holds a few copies, not thousands. Shared slices are
	// read-only to every consumer.
	memo sync.Map
}

// memoized returns the cached value for key, computing it once.
func memoized[T any](b *Bundle, key string, compute func() T) T {
	if v, ok := b.memo.Load(key); ok {
		return v.(T)
	}
	v, _ := b.memo.LoadOrStore(key, compute())
	return v.(T)
}

// Distribution is one product's support calendar, newest minor first.
type Distribution struct {
	Name        string    `json:"name"`
	NewestMinor string    `json:"newest_minor"`
	Source      string    `json:"source,omitempty"`
	Releases    []Release `json:"releases"`

	// byMinor is Releases newest first, sorted once: every judgement
	// looks a minor up in it, and parsing minors to sort them again for
	// each result was a sixth of a scan's CPU. Releases must not change
	// once it is sorted (a bundle is read, validated, then only read).
	byMinor []Release
	// patches is the newest LatestPatch per Kubernetes minor, parsed once
	// for the same reason.
	patches map[string]scan.ParsedVersion
	once    sync.Once
}

// Release is one minor's support window. Dates are YYYY-MM-DD; empty means
// the source gives none (never estimated).
type Release struct {
	Minor         string `json:"minor"`
	ReleaseDate   string `json:"release_date,omitempty"`
	EndOfActive   string `json:"end_of_active_support,omitempty"`
	EndOfStandard string `json:"end_of_standard_support,omitempty"`
	EndOfExtended string `json:"end_of_extended_support,omitempty"`
	// LatestPatch is the newest Kubernetes patch of this minor (for GKE the
	// Kubernetes part of the newest GKE version).
	LatestPatch string `json:"latest_patch,omitempty"`
	// KubernetesMinor maps an OpenShift minor to the Kubernetes minor it
	// ships.
	KubernetesMinor string `json:"kubernetes_minor,omitempty"`
}

// CVE is one Kubernetes vulnerability with the versions it affects.
type CVE struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	Score      float64  `json:"cvss_v3_score,omitempty"`
	Components []string `json:"components,omitempty"`
	Affected   []Range  `json:"affected"`
	FixedIn    []string `json:"fixed_versions,omitempty"`
	Published  string   `json:"published,omitempty"`
	URL        string   `json:"url,omitempty"`
}

// Range is a semver range: Introduced inclusive; Fixed exclusive or
// LastAffected inclusive; neither means no fix.
type Range struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
}

// Removal is what one minor stopped serving.
type Removal struct {
	Minor   string   `json:"minor"`
	Removed []string `json:"removed"`
	Source  string   `json:"source,omitempty"`
}

// Embedded returns the snapshot compiled into the binary.
func Embedded() (*Bundle, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return LoadSnapshot(sub)
}

// Base returns the hand-collected data of the embedded snapshot, leaving
// out what the release step refreshed (RefreshedFile). Tests that judge at
// fixed dates assert on it: the refresh each release commits changes what
// Embedded returns, and must not change what those tests prove.
func Base() (*Bundle, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return loadBase(sub)
}

// loadBase reads the hand-collected files of a snapshot directory.
func loadBase(fsys fs.FS) (*Bundle, error) {
	read := func(name string, v any) error {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("embedded %s: %w", name, err)
		}
		return nil
	}
	var lc struct {
		SnapshotDate  string `json:"snapshot_date"`
		DataAsOf      string `json:"data_as_of"`
		Distributions map[string]struct {
			Name        string          `json:"name"`
			NewestMinor string          `json:"newest_minor"`
			Follows     string          `json:"follows"`
			Source      json.RawMessage `json:"source"`
			Releases    []struct {
				Release
				LatestGKEVersion string `json:"latest_gke_version"`
			} `json:"releases"`
		} `json:"distributions"`
	}
	var cv struct {
		CVEs []CVE `json:"cves"`
	}
	var rm struct {
		Removals []Removal `json:"removals"`
	}
	if err := errors.Join(read("lifecycle.json", &lc), read("cves.json", &cv), read("versions-eol-notes.json", &rm)); err != nil {
		return nil, err
	}
	b := &Bundle{
		SnapshotDate: lc.SnapshotDate, DataAsOf: lc.DataAsOf, Origin: "embedded snapshot",
		Lifecycle: map[string]*Distribution{}, CVEs: cv.CVEs, Removals: rm.Removals,
		Sources: []string{
			"lifecycle: endoflife-date/endoflife.date @ a70eca337600 (2026-08-22), products kubernetes, amazon-eks, google-kubernetes-engine, azure-kubernetes-service, red-hat-openshift",
			"CVEs: golang/vulndb @ a752ea54fd1b (2026-08-21), stackrox/k8s-cves, aquasecurity/vuln-list(-k8s) (official CVE feed), Kubernetes security issues",
			"removed APIs: Kubernetes Deprecated API Migration Guide (kubernetes/website deprecation-guide.md), through 1.32",
		},
	}
	for key, d := range lc.Distributions {
		if d.Follows != "" {
			continue // k3s, rke2: upstream's calendar
		}
		out := &Distribution{Name: d.Name, NewestMinor: d.NewestMinor, Source: sourceLine(d.Source)}
		for _, r := range d.Releases {
			rel := r.Release
			if rel.LatestPatch == "" && r.LatestGKEVersion != "" {
				if p, err := utilversion.ParseGeneric(r.LatestGKEVersion); err == nil {
					rel.LatestPatch = fmt.Sprintf("%d.%d.%d", p.Major(), p.Minor(), p.Patch())
				}
			}
			out.Releases = append(out.Releases, rel)
		}
		b.Lifecycle[key] = out
	}
	if err := b.Validate(); err != nil {
		return nil, fmt.Errorf("embedded data: %w", err)
	}
	return b, nil
}

// SourceNotes is the embedded snapshot's own description of its sources.
func SourceNotes() string {
	b, _ := embedded.ReadFile("data/SOURCES.md")
	return string(b)
}

func sourceLine(raw json.RawMessage) string {
	var s struct {
		Repo, Path, Commit string
	}
	if json.Unmarshal(raw, &s) != nil || s.Repo == "" {
		return ""
	}
	c := s.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	return fmt.Sprintf("%s %s @ %s", strings.TrimPrefix(s.Repo, "https://github.com/"), s.Path, c)
}

// Validate rejects a bundle a judgement could be misled by: missing dates,
// unparsable versions or ranges, no upstream calendar.
func (b *Bundle) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, err := parseDate(b.SnapshotDate); err != nil {
		bad("snapshot_date: %v", err)
	}
	if _, err := parseDate(b.DataAsOf); err != nil {
		bad("data_as_of: %v", err)
	}
	if b.Lifecycle[Upstream] == nil {
		bad("lifecycle: no upstream %q calendar", Upstream)
	}
	for key, d := range b.Lifecycle {
		if d == nil {
			// "eks": null in a crafted cache: no calendar to judge by.
			bad("lifecycle %s: null", key)
			continue
		}
		if len(d.Releases) == 0 {
			bad("lifecycle %s: no releases", key)
			continue
		}
		found := false
		for _, r := range d.Releases {
			if _, err := parseMinor(r.Minor); err != nil {
				bad("lifecycle %s: minor %q: %v", key, r.Minor, err)
			}
			found = found || r.Minor == d.NewestMinor
			for name, v := range map[string]string{"release_date": r.ReleaseDate, "end_of_standard_support": r.EndOfStandard,
				"end_of_extended_support": r.EndOfExtended, "end_of_active_support": r.EndOfActive} {
				if v == "" {
					continue
				}
				if _, err := parseDate(v); err != nil {
					bad("lifecycle %s %s %s: %v", key, r.Minor, name, err)
				}
			}
			if r.EndOfStandard == "" {
				bad("lifecycle %s %s: no end_of_standard_support", key, r.Minor)
			}
			if r.LatestPatch != "" {
				if _, err := utilversion.ParseSemantic(r.LatestPatch); err != nil {
					bad("lifecycle %s %s latest_patch %q: %v", key, r.Minor, r.LatestPatch, err)
				}
			}
			if key == OpenShift && r.KubernetesMinor != "" {
				if _, err := parseMinor(r.KubernetesMinor); err != nil {
					bad("lifecycle openshift %s kubernetes_minor %q: %v", r.Minor, r.KubernetesMinor, err)
				}
			}
		}
		if !found {
			bad("lifecycle %s: newest_minor %q is not among its releases", key, d.NewestMinor)
		}
	}
	if len(b.CVEs) == 0 {
		bad("cves: none")
	}
	for _, c := range b.CVEs {
		if c.ID == "" {
			bad("cves: an entry without id")
		}
		if LevelOfSeverity(c.Severity) == "" {
			bad("cve %s: severity %q", c.ID, c.Severity)
		}
		// A CVE matches the versions its ranges contain, and a range
		// without its introduced version contains none: emptied ranges
		// would make every version look unaffected.
		if len(c.Affected) == 0 {
			bad("cve %s: no affected ranges (every version would look unaffected)", c.ID)
		}
		for _, r := range c.Affected {
			if r.Introduced == "" {
				bad("cve %s: a range without an introduced version (it would match no version)", c.ID)
			}
			for _, v := range []string{r.Introduced, r.Fixed, r.LastAffected} {
				if v == "" {
					continue
				}
				if _, err := utilversion.ParseSemantic(v); err != nil {
					bad("cve %s: range version %q: %v", c.ID, v, err)
				}
			}
		}
	}
	for _, r := range b.Removals {
		if _, err := parseMinor(r.Minor); err != nil {
			bad("removals: minor %q: %v", r.Minor, err)
		}
	}
	return errors.Join(errs...)
}

// notAfter rejects a bundle dated after today. Data cannot be newer than
// the moment it is read (`data update` dates it no later than it was
// fetched), so such a date is a wrong clock or a crafted file; taken as it
// is, it would win over the embedded snapshot and never look stale.
func (b *Bundle) notAfter(today time.Time) error {
	var errs []error
	for _, f := range []struct{ name, date string }{{"data_as_of", b.DataAsOf}, {"snapshot_date", b.SnapshotDate}} {
		if d, err := parseDate(f.date); err == nil && DaysBetween(today, d) > 0 {
			errs = append(errs, fmt.Errorf("%s %s is after today (%s): a wrong clock or a crafted file", f.name, f.date, today.Format(time.DateOnly)))
		}
	}
	return errors.Join(errs...)
}

// maxMinor bounds the major and minor numbers data may hold. Kubernetes
// is at 1.36 and gains three minors a year; the upgrade path walks every
// minor from the running one to the newest, so a crafted newest minor of
// 1.4294967295 would have every judgement build billions of hops.
const maxMinor = 999

// parseMinor reads a major.minor of the data.
func parseMinor(s string) (*utilversion.Version, error) {
	v, err := utilversion.ParseMajorMinor(s)
	if err != nil {
		return nil, err
	}
	if v.Major() > maxMinor || v.Minor() > maxMinor {
		return nil, fmt.Errorf("beyond %d.%d: no release is numbered so", maxMinor, maxMinor)
	}
	return v, nil
}

func parseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// LevelOfSeverity normalises a CVSS rating ("High", "MODERATE") to the
// scale's words; empty for an unknown rating.
func LevelOfSeverity(s string) string {
	switch strings.ToLower(s) {
	case "critical":
		return "critical"
	case "high":
		return "high"
	case "medium", "moderate":
		return "medium"
	case "low":
		return "low"
	}
	return ""
}

// sorted returns a calendar's releases sorted newest first; callers must
// not change it.
func (d *Distribution) sorted() []Release {
	d.index()
	return d.byMinor
}

// newestPatch is the newest LatestPatch the calendar gives for a
// Kubernetes minor (the first listed among equals).
func (d *Distribution) newestPatch(minor string) (scan.ParsedVersion, bool) {
	d.index()
	p, ok := d.patches[minor]
	return p, ok
}

// index works out, once, what judgements look up in the calendar.
func (d *Distribution) index() {
	d.once.Do(func() {
		d.patches = map[string]scan.ParsedVersion{}
		for _, r := range d.Releases {
			lp, err := scan.ParseVersion(r.LatestPatch)
			if r.LatestPatch == "" || err != nil {
				continue
			}
			if best, ok := d.patches[lp.Minor]; !ok || lp.Patch > best.Patch {
				d.patches[lp.Minor] = lp
			}
		}
		minors := make([]*utilversion.Version, len(d.Releases))
		order := make([]int, len(d.Releases))
		for i, r := range d.Releases {
			minors[i], _ = utilversion.ParseMajorMinor(r.Minor)
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool {
			a, b := minors[order[i]], minors[order[j]]
			return a != nil && b != nil && a.GreaterThan(b)
		})
		d.byMinor = make([]Release, len(order))
		for k, i := range order {
			d.byMinor[k] = d.Releases[i]
		}
	})
}
