package assess

import (
	"fmt"
	"sort"
	"strings"
	"time"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// Urgency levels, most urgent first. Unknown is not on the scale: it is
// never treated as safe.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
	Low      = "low"
	Current  = "current"
	Unknown  = "unknown"
)

// Levels lists the urgency scale from most to least urgent.
var Levels = []string{Critical, High, Medium, Low, Current}

// Rank orders urgency levels: current 0 … critical 4, unknown -1.
func Rank(level string) int {
	for i, l := range Levels {
		if l == level {
			return len(Levels) - 1 - i
		}
	}
	return -1
}

// SoonDays is how close the end of standard support may come before it is
// a finding: a quarter, one upgrade cycle.
const SoonDays = 90

// StaleDays is how old data may get before every run says so.
const StaleDays = 90

// facts are what the rules read; computing them is separate from judging
// so the rules stay one line each and the README can list them.
type facts struct {
	phase         string
	daysLeft      int
	minorsBehind  int
	patchesBehind int
	worstCVE      string
	skewed        int
}

// Rule is one row of the README's urgency table.
type Rule struct {
	ID    string
	Level string
	// When is the condition in words, exactly as the README's table says.
	When    string
	applies func(f facts) bool
}

// Rules are checked in order; the highest level that applies wins and every
// rule that applies gives a reason. The README's table is this list.
var Rules = []Rule{
	{"past-all-support", Critical, "the minor is past the end of all support (standard and extended) for its distribution",
		func(f facts) bool { return f.phase == "unsupported" }},
	{"critical-cve", Critical, "a CVE rated critical that a newer release fixes affects the running version",
		func(f facts) bool { return f.worstCVE == Critical }},
	{"extended-support", High, "the minor is past standard support, on the provider's extended or LTS support",
		func(f facts) bool { return f.phase == "extended" }},
	{"high-cve", High, "a CVE rated high that a newer release fixes affects the running version",
		func(f facts) bool { return f.worstCVE == High }},
	{"three-minors-behind", High, "three or more minors behind the newest minor",
		func(f facts) bool { return f.minorsBehind >= 3 }},
	{"kubelet-skew", High, "a kubelet is outside the version skew policy",
		func(f facts) bool { return f.skewed > 0 }},
	{"support-ends-soon", Medium, fmt.Sprintf("standard support ends within %d days", SoonDays),
		func(f facts) bool { return f.phase == "standard" && f.daysLeft <= SoonDays }},
	{"medium-cve", Medium, "a CVE rated medium that a newer release fixes affects the running version",
		func(f facts) bool { return f.worstCVE == Medium }},
	{"two-minors-behind", Medium, "two minors behind the newest minor",
		func(f facts) bool { return f.minorsBehind == 2 }},
	{"one-minor-behind", Low, "one minor behind the newest minor",
		func(f facts) bool { return f.minorsBehind == 1 }},
	{"patches-behind", Low, "not on the newest patch of its minor",
		func(f facts) bool { return f.patchesBehind > 0 }},
	{"low-cve", Low, "a CVE rated low that a newer release fixes affects the running version",
		func(f facts) bool { return f.worstCVE == Low }},
}

// calendarFor picks the support calendar of a distribution: the managed
// services have their own, everything else follows upstream.
func calendarFor(dist string) string {
	switch dist {
	case scan.DistEKS:
		return EKS
	case scan.DistGKE:
		return GKE
	case scan.DistAKS:
		return AKS
	case scan.DistOpenShift:
		return OpenShift
	}
	return Upstream
}

// providerPicksPatches is true where the provider, not the user, chooses
// the control plane's patch release, so "patches behind" is not theirs to fix.
func providerPicksPatches(cal string) bool {
	return cal == EKS || cal == AKS || cal == OpenShift
}

var providerAtEnd = map[string]string{
	Upstream:  "nobody upgrades for you: after end of support there are no more patches, security fixes included",
	EKS:       "after standard support EKS charges for extended support; at the end of extended support EKS upgrades the control plane itself, one minor, whether workloads are ready or not",
	GKE:       "GKE upgrades the control plane itself at end of standard support (the Extended channel postpones this, at extra cost)",
	AKS:       "after community support AKS offers LTS only on the Premium tier; unsupported versions get platform support only and are upgraded when auto-upgrade is on",
	OpenShift: "Red Hat does not upgrade for you; past maintenance support there are no fixes (EUS extends even minors on paid terms)",
}

// Judge fills r.Urgency and r.Advice from the result, the data and the date.
// It never fails: what cannot be known is stated as unknown, with why.
func Judge(r *scan.Result, b *Bundle, now time.Time) {
	u := &scan.Urgency{JudgedAt: now.Format(time.DateOnly), DataAsOf: b.DataAsOf}
	r.Urgency = u
	r.Advice = advise(r, b)
	defer func() { u.Priority = priority(r) }()

	if r.Version == nil {
		unknown(u, "the version is not visible (anonymous /version closed and no working kubeconfig credentials)")
		return
	}
	pv, err := scan.ParseVersion(r.Version.GitVersion)
	if err != nil {
		unknown(u, fmt.Sprintf("version %q cannot be parsed: run `kubesurface data update` if it is a new release", r.Version.GitVersion))
		return
	}
	cal := calendarFor(r.Dist.Name)
	d := b.Lifecycle[cal]
	if d == nil {
		cal, d = Upstream, b.Lifecycle[Upstream]
	}
	rel, newestK8s, ok := findRelease(d, cal, pv)
	f := facts{}
	switch {
	case !ok && newer(pv.Minor, newestK8s):
		unknown(u, fmt.Sprintf("%s is newer than the data knows (newest %s %s, data as of %s): run `kubesurface data update`",
			pv.Minor, d.Name, newestK8s, b.DataAsOf))
		return
	case !ok:
		f.phase = "unsupported"
		u.Lifecycle = &scan.Lifecycle{Calendar: cal, Minor: pv.Minor, Phase: f.phase, Provider: providerAtEnd[cal]}
		u.Reasons = append(u.Reasons, fmt.Sprintf("%s is older than every release the %s calendar lists: long out of support", pv.Minor, d.Name))
	default:
		u.Lifecycle = lifecycle(cal, rel, now)
		f.phase, f.daysLeft = u.Lifecycle.Phase, u.Lifecycle.DaysLeft
	}
	u.NewestMinor = newestK8s
	f.minorsBehind = minorsBetween(pv.Minor, newestK8s)
	u.MinorsBehind = f.minorsBehind
	if ok && rel.LatestPatch != "" && !providerPicksPatches(cal) {
		if lp, err := scan.ParseVersion(rel.LatestPatch); err == nil && lp.Minor == pv.Minor && lp.Patch > pv.Patch {
			u.LatestPatch = rel.LatestPatch
			f.patchesBehind = int(lp.Patch - pv.Patch)
			u.PatchesBehind = f.patchesBehind
		}
	}
	// A patch past the newest the data knows may carry CVEs (or fixes)
	// disclosed after the data: nothing here can vouch for it.
	beyond := ""
	if known, ok := newestPatch(b, d, pv.Minor); ok && pv.Patch > known.Patch {
		beyond = known.Semver
	}
	u.CVEs = memoized(b, "cves\x00"+pv.Semver, func() []scan.CVERef { return matchCVEs(b.CVEs, pv.Semver) })
	for _, c := range u.CVEs {
		if !c.Unfixed && Rank(c.Severity) > Rank(u.WorstCVE) {
			u.WorstCVE = c.Severity
		}
	}
	f.worstCVE = u.WorstCVE
	if r.Auth != nil && r.Auth.Skew != nil {
		f.skewed = len(r.Auth.Skew.Violations)
	}

	u.Level = Current
	for _, rule := range Rules {
		if !rule.applies(f) {
			continue
		}
		u.Rules = append(u.Rules, rule.ID)
		if Rank(rule.Level) > Rank(u.Level) {
			u.Level = rule.Level
		}
		u.Reasons = append(u.Reasons, reason(rule.ID, f, u, pv))
	}
	switch {
	case beyond != "":
		why := fmt.Sprintf("%s is newer than the data's newest patch of %s (%s, data as of %s), which cannot vouch for it: run `kubesurface data update`",
			pv.Semver, pv.Minor, beyond, b.DataAsOf)
		if len(u.Rules) == 0 {
			// No rule fired, but only because the data does not know
			// this release: unknown, not current.
			unknown(u, why)
		} else {
			// The rules that fired hold whatever the patch is (a minor past
			// support is so at any patch); the level is theirs.
			u.Reasons = append(u.Reasons, why)
		}
	case len(u.Rules) == 0:
		cves := "with no known CVE"
		if n := len(u.CVEs); n > 0 {
			cves = fmt.Sprintf("with no CVE an upgrade fixes (%d without a fix: mitigate them)", n)
		}
		u.Reasons = append(u.Reasons, fmt.Sprintf("%s is supported until %s, on the newest patch the data knows, %s", minorName(u, pv), u.Lifecycle.EndOfStandardSupport, cves))
	}
	u.Reason = u.Reasons[0]
}

func unknown(u *scan.Urgency, why string) {
	u.Level, u.Reason, u.Reasons = Unknown, why, []string{why}
}

// minorName is the running minor as its vendor names it: OpenShift's own
// minor with the Kubernetes one it ships, else the Kubernetes minor.
func minorName(u *scan.Urgency, pv scan.ParsedVersion) string {
	if lc := u.Lifecycle; lc != nil && lc.Calendar == OpenShift && lc.Minor != "" {
		return fmt.Sprintf("OpenShift %s (Kubernetes %s)", lc.Minor, pv.Minor)
	}
	return pv.Minor
}

// reason puts a fired rule into a sentence with the numbers that made it.
func reason(id string, f facts, u *scan.Urgency, pv scan.ParsedVersion) string {
	lc := u.Lifecycle
	minor := minorName(u, pv)
	switch id {
	case "past-all-support":
		if lc != nil && lc.EndOfStandardSupport != "" {
			end := lc.EndOfStandardSupport
			if lc.EndOfExtendedSupport != "" {
				end = lc.EndOfExtendedSupport
			}
			return fmt.Sprintf("%s is out of all support since %s (%d days ago)", minor, end, -f.daysLeft)
		}
		return fmt.Sprintf("%s is out of all support", minor)
	case "extended-support":
		return fmt.Sprintf("%s left standard support on %s; extended support ends %s (%d days left)", minor, lc.EndOfStandardSupport, lc.EndOfExtendedSupport, f.daysLeft)
	case "support-ends-soon":
		return fmt.Sprintf("standard support for %s ends %s (%d days left)", minor, lc.EndOfStandardSupport, f.daysLeft)
	case "critical-cve", "high-cve", "medium-cve", "low-cve":
		var ids []string
		for _, c := range u.CVEs {
			if c.Severity == u.WorstCVE && !c.Unfixed {
				ids = append(ids, c.ID)
			}
		}
		return fmt.Sprintf("%d known CVEs affect %s, worst fixable %s: %s", len(u.CVEs), pv.Semver, u.WorstCVE, strings.Join(first(ids, 3), ", "))
	case "three-minors-behind", "two-minors-behind", "one-minor-behind":
		return fmt.Sprintf("%d minors behind the newest (%s)", f.minorsBehind, u.NewestMinor)
	case "patches-behind":
		return fmt.Sprintf("%d patches behind %s", f.patchesBehind, u.LatestPatch)
	case "kubelet-skew":
		return fmt.Sprintf("%d kubelets outside the version skew policy", f.skewed)
	}
	return id
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("and %d more", len(xs)-n))
	}
	return xs
}

// newestPatch is the newest patch of a Kubernetes minor the data knows:
// the upstream calendar's, or the distribution's own where it is newer.
func newestPatch(b *Bundle, d *Distribution, minor string) (scan.ParsedVersion, bool) {
	var best scan.ParsedVersion
	found := false
	for _, cal := range []*Distribution{b.Lifecycle[Upstream], d} {
		if cal == nil {
			continue
		}
		for _, r := range cal.Releases {
			lp, err := scan.ParseVersion(r.LatestPatch)
			if r.LatestPatch == "" || err != nil || lp.Minor != minor {
				continue
			}
			if !found || lp.Patch > best.Patch {
				best, found = lp, true
			}
		}
	}
	return best, found
}

// findRelease finds the running minor in a calendar. OpenShift's minors are
// its own, so its releases are matched by the Kubernetes minor they ship.
// It also returns the newest Kubernetes minor of the calendar.
func findRelease(d *Distribution, cal string, pv scan.ParsedVersion) (Release, string, bool) {
	rels := d.sorted()
	newest := d.NewestMinor
	if cal == OpenShift {
		newest = ""
		for _, r := range rels {
			if r.KubernetesMinor != "" {
				newest = r.KubernetesMinor
				break
			}
		}
	}
	for _, r := range rels {
		m := r.Minor
		if cal == OpenShift {
			m = r.KubernetesMinor
		}
		if m == pv.Minor {
			return r, newest, true
		}
	}
	return Release{}, newest, false
}

// lifecycle places now in a release's support window.
func lifecycle(cal string, r Release, now time.Time) *scan.Lifecycle {
	lc := &scan.Lifecycle{Calendar: cal, Minor: r.Minor, ReleaseDate: r.ReleaseDate,
		EndOfStandardSupport: r.EndOfStandard, EndOfExtendedSupport: r.EndOfExtended, Provider: providerAtEnd[cal]}
	// Validate guarantees the end of standard support parses.
	std, _ := parseDate(r.EndOfStandard)
	days := func(t time.Time) int { return DaysBetween(now, t) }
	// Support lasts through its end date: on that day 0 days are left.
	switch ext, err := parseDate(r.EndOfExtended); {
	case days(std) >= 0:
		lc.Phase, lc.DaysLeft = "standard", days(std)
	case err == nil && days(ext) >= 0:
		lc.Phase, lc.DaysLeft = "extended", days(ext)
	case err == nil:
		lc.Phase, lc.DaysLeft = "unsupported", days(ext)
	default:
		lc.Phase, lc.DaysLeft = "unsupported", days(std)
	}
	return lc
}

// DaysBetween counts calendar days from a's date to b's, each read in its
// own location: whole days whatever the time of day, DST or leap years,
// for any two dates time.Time holds. (A time.Duration, as t.Sub gives,
// overflows past 292 years: --now 0001-01-01 would read as 106751 days.)
func DaysBetween(a, b time.Time) int {
	return int(civilDay(b) - civilDay(a))
}

// civilDay numbers a date as days since 1970-01-01 (negative before).
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	// Midnight UTC is a whole number of days from the epoch, so the
	// division is exact either side of it.
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func newer(minor, than string) bool {
	a, err1 := utilversion.ParseMajorMinor(minor)
	b, err2 := utilversion.ParseMajorMinor(than)
	return err1 == nil && err2 == nil && a.GreaterThan(b)
}

// minorsBetween counts minors from a to b (0 when a is newer or either is
// unreadable).
func minorsBetween(a, b string) int {
	va, err1 := utilversion.ParseMajorMinor(a)
	vb, err2 := utilversion.ParseMajorMinor(b)
	if err1 != nil || err2 != nil || va.Major() != vb.Major() || va.Minor() >= vb.Minor() {
		return 0
	}
	return int(vb.Minor() - va.Minor())
}

// matchCVEs returns the CVEs whose ranges contain version, worst first.
func matchCVEs(cves []CVE, version string) []scan.CVERef {
	v, err := utilversion.ParseSemantic(version)
	if err != nil {
		return nil
	}
	var out []scan.CVERef
	for _, c := range cves {
		hit, fixed := affects(c, v)
		if !hit {
			continue
		}
		out = append(out, scan.CVERef{ID: c.ID, Title: c.Title, Severity: LevelOfSeverity(c.Severity),
			Score: c.Score, FixedIn: c.FixedIn, Unfixed: !fixed, URL: c.URL})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if Rank(out[i].Severity) != Rank(out[j].Severity) {
			return Rank(out[i].Severity) > Rank(out[j].Severity)
		}
		return out[i].Score > out[j].Score
	})
	return out
}

// affects says whether v is in one of the CVE's ranges, and whether that
// range ends in a fix (an upgrade helps) or is open.
func affects(c CVE, v *utilversion.Version) (hit, fixed bool) {
	for _, r := range c.Affected {
		intro, err := utilversion.ParseSemantic(r.Introduced)
		if err != nil || v.LessThan(intro) {
			continue
		}
		switch {
		case r.Fixed != "":
			if f, err := utilversion.ParseSemantic(r.Fixed); err == nil && v.LessThan(f) {
				return true, true
			}
		case r.LastAffected != "":
			if last, err := utilversion.ParseSemantic(r.LastAffected); err == nil && !v.GreaterThan(last) {
				return true, true
			}
		default:
			return true, false
		}
	}
	return false, false
}

// priority sorts rows: an Internet-exposed cluster out of standard support
// outranks everything; then urgency, then exposure.
func priority(r *scan.Result) int {
	p := (Rank(r.Urgency.Level)+1)*10 + scan.LevelRank(r.Exposure.Level) + 1
	lc := r.Urgency.Lifecycle
	if r.Exposure.Reach == scan.ClassPublic && lc != nil && lc.Phase != "standard" {
		p += 1000
	}
	return p
}
