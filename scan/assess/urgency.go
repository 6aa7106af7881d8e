package assess

import (
	"fmt"
	"regexp"
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

// LastDays is how close the end of the last support window may come before
// it is critical: a month is about what one careful minor upgrade takes.
const LastDays = 30

// StandardDays is how close the end of standard support may come, with a
// paid or opt-in window after it, before it is high: two weeks is the
// shortest notice a provider gives before its own upgrade.
const StandardDays = 14

// CycleDays is one upstream release cycle: Kubernetes ships a minor about
// every 15 weeks. Data older than that, whose newest minor is older than
// that too, has probably missed a release.
const CycleDays = 15 * 7

// GKEExtendedMonths is how long GKE supports a minor from its Regular
// channel availability on the Extended channel (GKE versioning docs); the
// channel exists from 1.27.
const (
	GKEExtendedMonths = 24
	gkeExtendedFrom   = "1.27"
)

// StaleDays is how old data may get before every run says so.
const StaleDays = 90

// facts are what the rules read; computing them is separate from judging
// so the rules stay one line each and docs/urgency.md can list them.
type facts struct {
	phase    string
	daysLeft int
	// lastDays counts days to the end of the last support window the
	// cluster can be on; standardLast is true when nothing follows
	// standard support.
	lastDays      int
	standardLast  bool
	minorsBehind  int
	patchesBehind int
	worstCVE      string
	skewed        int
	preRelease    string
	// staleNewest: on the newest minor of data that has probably missed
	// a newer one; dataAge and minorAge are the days that say so.
	staleNewest       bool
	dataAge, minorAge int
	newestOwn         string
}

// Rule is one row of the urgency table in docs/urgency.md.
type Rule struct {
	ID    string
	Level string
	// When is the condition in words, exactly as the table in docs/urgency.md says.
	When    string
	applies func(f facts) bool
}

// Rules are checked in order; the highest level that applies wins and every
// rule that applies gives a reason. The table in docs/urgency.md is this list.
var Rules = []Rule{
	{"past-all-support", Critical, "the minor is past the end of all support for its distribution (standard and extended; opt-in AKS LTS is not assumed)",
		func(f facts) bool { return f.phase == "unsupported" }},
	{"all-support-ends-soon", Critical, fmt.Sprintf("the last support window (extended, LTS or EUS, or standard where nothing follows) ends within %d days", LastDays),
		func(f facts) bool { return f.phase != "unsupported" && f.phase != "" && f.lastDays <= LastDays }},
	{"critical-cve", Critical, "a CVE rated critical that a newer release fixes affects the running version or its kubelets",
		func(f facts) bool { return f.worstCVE == Critical }},
	{"extended-support", High, "the minor is past standard support, on the provider's extended support (EKS extended support, GKE Extended channel, OpenShift EUS)",
		func(f facts) bool { return f.phase == "extended" }},
	{"standard-support-ends-very-soon", High, fmt.Sprintf("standard support ends within %d days and an extended window follows", StandardDays),
		func(f facts) bool { return f.phase == "standard" && !f.standardLast && f.daysLeft <= StandardDays }},
	{"high-cve", High, "a CVE rated high that a newer release fixes affects the running version or its kubelets",
		func(f facts) bool { return f.worstCVE == High }},
	{"three-minors-behind", High, "three or more minors behind the newest minor",
		func(f facts) bool { return f.minorsBehind >= 3 }},
	{"kubelet-skew", High, "a kubelet is outside the version skew policy",
		func(f facts) bool { return f.skewed > 0 }},
	{"pre-release", High, "the version is a pre-release (alpha, beta or rc): no supported release of its minor",
		func(f facts) bool { return f.preRelease != "" }},
	{"support-ends-soon", Medium, fmt.Sprintf("standard support ends within %d days", SoonDays),
		func(f facts) bool { return f.phase == "standard" && f.daysLeft <= SoonDays }},
	{"medium-cve", Medium, "a CVE rated medium that a newer release fixes affects the running version or its kubelets",
		func(f facts) bool { return f.worstCVE == Medium }},
	{"two-minors-behind", Medium, "two minors behind the newest minor",
		func(f facts) bool { return f.minorsBehind == 2 }},
	{"one-minor-behind", Low, "one minor behind the newest minor",
		func(f facts) bool { return f.minorsBehind == 1 }},
	{"patches-behind", Low, "not on the newest patch of its minor",
		func(f facts) bool { return f.patchesBehind > 0 }},
	{"low-cve", Low, "a CVE rated low that a newer release fixes affects the running version or its kubelets",
		func(f facts) bool { return f.worstCVE == Low }},
	{"newer-minor-probably-out", Low, fmt.Sprintf("on the newest minor the data knows, which came out more than %d days (one 15-week release cycle) ago, and the data is more than %d days old", CycleDays, RefreshDays),
		func(f facts) bool { return f.staleNewest }},
}

// calendarFor picks the support calendar of a distribution: the managed
// services with data have their own, everything else follows upstream.
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
	GKE:       "GKE upgrades the control plane itself at end of standard support unless the cluster is on the Extended channel (up to 24 months from release, at extra cost), and at the end of that",
	AKS:       "after community support AKS offers LTS only on the Premium tier with the LTS plan; other clusters get platform support only, and AKS upgrades them itself (n-4 to n-2) unless they opted out",
	OpenShift: "Red Hat does not upgrade for you; past maintenance support there are no fixes (EUS extends even minors on paid terms)",
}

// providerByDist is what services without calendar data of their own do
// at the end of support (SOURCES.md cites each): they are judged by the
// upstream calendar, but some still upgrade clusters themselves.
var providerByDist = map[string]string{
	scan.DistEKSD:         "EKS Distro and EKS Anywhere are self-managed and follow the upstream calendar: nobody upgrades for you; after end of support there are no more patches, security fixes included",
	scan.DistDigitalOcean: "DigitalOcean schedules an upgrade to the newest patch of the next minor once a minor leaves DOKS support (email notice 30, 7 and 1 days ahead); judged by the upstream calendar, which DOKS support follows",
	scan.DistLKE:          "LKE schedules an upgrade to the next minor once a minor is deprecated on LKE, shortly before its upstream end of support; judged by the upstream calendar",
	scan.DistOKE:          "OKE supports the three newest minors and leaves control plane upgrades to you (its documentation names no automatic minor upgrade); judged by the upstream calendar",
}

func providerText(dist, cal string) string {
	if cal == Upstream {
		if s, ok := providerByDist[dist]; ok {
			return s
		}
	}
	return providerAtEnd[cal]
}

// extendedOptIn is what a calendar's extended window needs that no probe
// can see; the cluster is not assumed to have it.
var extendedOptIn = map[string]string{
	AKS: "the Premium tier with LTS",
}

var preReleaseSuffix = regexp.MustCompile(`^-(alpha|beta|rc)([.0-9]|$)`)

// preRelease is the pre-release part of an upstream pre-release (rc.1),
// empty for releases and provider builds (-eks-, -gke. are not).
func preRelease(pv scan.ParsedVersion) string {
	if preReleaseSuffix.MatchString(pv.Suffix) {
		return pv.Suffix[1:]
	}
	return ""
}

// cveVersion is the version CVE ranges are matched against: the upstream
// base of a provider build, the full version of a pre-release (which semver
// orders before its release).
func cveVersion(pv scan.ParsedVersion) string {
	if p := preRelease(pv); p != "" {
		return pv.Semver + "-" + p
	}
	return pv.Semver
}

// openShiftMinor is the OpenShift minor ClusterVersion reported, if any:
// it places the cluster exactly, where the Kubernetes minor only implies.
func openShiftMinor(r *scan.Result) string {
	if r.Auth == nil || r.Auth.OpenShift == nil {
		return ""
	}
	v, err := utilversion.ParseGeneric(r.Auth.OpenShift.Version)
	if err != nil || v.Major() != 4 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v.Major(), v.Minor())
}

// Judge fills r.Urgency, r.Advice and r.Readiness from the result, the data
// and the date. It never fails: what cannot be known is stated as unknown,
// with why. Readiness is judged here too, so that every consumer of the
// judging stage gets it with the same data.
func Judge(r *scan.Result, b *Bundle, now time.Time) {
	u := &scan.Urgency{JudgedAt: now.Format(time.DateOnly), DataAsOf: b.DataAsOf}
	r.Urgency = u
	r.Advice = advise(r, b)
	r.Readiness = readiness(r, b)
	defer func() { u.Priority = priority(r) }()

	if r.Version == nil {
		withoutLifecycle(u, r, b, nil, "the version is not visible (anonymous /version closed and no working kubeconfig credentials)")
		return
	}
	pv, err := scan.ParseVersion(r.Version.GitVersion)
	if err != nil {
		withoutLifecycle(u, r, b, nil, fmt.Sprintf("version %q cannot be parsed: run `kubesurface data update` if it is a new release", r.Version.GitVersion))
		return
	}
	if pv.Major == 0 {
		withoutLifecycle(u, r, b, nil, fmt.Sprintf("version %q is an unstamped build (major version 0, as builds without release tags report): its real version cannot be known, so no support window or CVE is judged", r.Version.GitVersion))
		return
	}
	cal := calendarFor(r.Dist.Name)
	osMinor := openShiftMinor(r)
	if osMinor != "" {
		cal = OpenShift
	}
	d := b.Lifecycle[cal]
	if d == nil {
		cal, d, osMinor = Upstream, b.Lifecycle[Upstream], ""
	}
	rel, newestK8s, ok := findRelease(d, cal, pv, osMinor)
	f := facts{preRelease: preRelease(pv)}
	var notes []string
	switch {
	case !ok && osMinor != "" && newer(osMinor, d.NewestMinor):
		withoutLifecycle(u, r, b, &pv, fmt.Sprintf("OpenShift %s is newer than the data knows (newest %s, data as of %s): run `kubesurface data update`",
			osMinor, d.NewestMinor, b.DataAsOf))
		return
	case !ok && newer(pv.Minor, newestK8s):
		withoutLifecycle(u, r, b, &pv, fmt.Sprintf("%s is newer than the data knows (newest %s %s, data as of %s): run `kubesurface data update`",
			pv.Minor, d.Name, newestK8s, b.DataAsOf))
		return
	case !ok:
		// Lifecycle.Minor is the calendar's own minor: OpenShift's only
		// where ClusterVersion named it, never the Kubernetes minor
		// passed off as an OpenShift one.
		own := pv.Minor
		if cal == OpenShift {
			own = osMinor
		}
		older, below, above := outsideCalendar(d, cal, pv, osMinor, now)
		switch {
		case older:
			f.phase = "unsupported"
			u.Reasons = append(u.Reasons, fmt.Sprintf("%s is older than every release the %s calendar lists: long out of support", calendarMinorName(cal, pv, osMinor), d.Name))
		case above.EndOfStandard != "" && phaseAt(cal, above, now) == "unsupported":
			// Between two releases, the newer of which is out of all
			// support: so is this one, whatever it is.
			f.phase = "unsupported"
			u.Reasons = append(u.Reasons, gapText(d, cal, pv, osMinor, below, above)+"; the releases either side are out of all support, and so is it")
		default:
			withoutLifecycle(u, r, b, &pv, fmt.Sprintf("%s, so its support cannot be judged: run `kubesurface data update`", gapText(d, cal, pv, osMinor, below, above)))
			return
		}
		u.Lifecycle = &scan.Lifecycle{Calendar: cal, Minor: own, Phase: f.phase, Provider: providerText(r.Dist.Name, cal)}
	default:
		var last time.Time
		u.Lifecycle, last = lifecycle(cal, rel, now)
		u.Lifecycle.Provider = providerText(r.Dist.Name, cal)
		f.phase, f.daysLeft = u.Lifecycle.Phase, u.Lifecycle.DaysLeft
		f.lastDays = DaysBetween(now, last)
		f.standardLast = last.Format(time.DateOnly) == rel.EndOfStandard
		u.ForcedUpgrade = forcedUpgrade(cal, d, rel, u.Lifecycle, now)
		notes = append(notes, supportNotes(cal, rel, u.Lifecycle, pv)...)
	}
	u.NewestMinor = newestK8s
	f.minorsBehind = minorsBetween(pv.Minor, newestK8s)
	u.MinorsBehind = f.minorsBehind
	if ok && f.minorsBehind == 0 {
		// The same for every result on the newest minor: worked out once
		// per calendar and day, not sorted again for each.
		st := memoized(b, "stale\x00"+d.Name+"\x00"+now.Format(time.DateOnly), func() staleness { return staleNewest(b, d, now) })
		f.staleNewest, f.newestOwn, f.dataAge, f.minorAge = st.stale, st.newest, st.dataAge, st.minorAge
	}
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
	notes = append(notes, judgeCVEs(u, &f, r, b, pv)...)
	f.skewed = skewed(r)

	u.Level = Current
	applyRules(u, f, pv)
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
	if fu := u.ForcedUpgrade; fu != nil && fu.DaysLeft <= SoonDays {
		notes = append([]string{fu.Sentence()}, notes...)
	}
	u.Reasons = append(u.Reasons, notes...)
	u.Reason = u.Reasons[0]
}

// withoutLifecycle judges a result whose support the data cannot place
// (why: no version, one newer than the data, one between its releases):
// the rules that need no support calendar still apply. Kubelet skew needs
// only the nodes; with a version that could be read (pv not nil), whether
// it is a pre-release and the CVEs matched at it and at its kubelets need
// only the version and the CVE data. When one of them fires its level is
// the urgency and why follows its reasons; when none does the urgency is
// unknown, for why. The rules of the calendar (support phases, minors and
// patches behind) never fire here.
func withoutLifecycle(u *scan.Urgency, r *scan.Result, b *Bundle, pv *scan.ParsedVersion, why string) {
	f := facts{skewed: skewed(r)}
	var v scan.ParsedVersion
	var notes []string
	if pv != nil {
		v = *pv
		f.preRelease = preRelease(v)
		notes = judgeCVEs(u, &f, r, b, v)
	}
	applyRules(u, f, v)
	if len(u.Rules) == 0 {
		unknown(u, why)
		return
	}
	u.Reasons = append(append(u.Reasons, why), notes...)
	u.Reason = u.Reasons[0]
}

// skewed is how many kubelets break the version skew policy.
func skewed(r *scan.Result) int {
	if r.Auth != nil && r.Auth.Skew != nil {
		return len(r.Auth.Skew.Violations)
	}
	return 0
}

// judgeCVEs lists the CVEs matched at pv and at the kubelets into u, sets
// the worst fixable one in u and f, and returns the notes on them.
func judgeCVEs(u *scan.Urgency, f *facts, r *scan.Result, b *Bundle, pv scan.ParsedVersion) []string {
	var notes []string
	u.CVEs, notes = cvesFor(r, b, pv)
	for _, c := range u.CVEs {
		if !c.Unfixed && Rank(c.Severity) > Rank(u.WorstCVE) {
			u.WorstCVE = c.Severity
		}
	}
	f.worstCVE = u.WorstCVE
	return notes
}

// applyRules fires every rule that f meets, in order: each gives its rule
// ID and reason, and the highest level wins over u.Level.
func applyRules(u *scan.Urgency, f facts, pv scan.ParsedVersion) {
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
}

func unknown(u *scan.Urgency, why string) {
	u.Level, u.Reason, u.Reasons = Unknown, why, []string{why}
}

// minorName is the running minor as its vendor names it: OpenShift's own
// minor with the Kubernetes one it ships, else the Kubernetes minor.
func minorName(u *scan.Urgency, pv scan.ParsedVersion) string {
	if lc := u.Lifecycle; lc != nil && lc.Calendar == OpenShift {
		if lc.Minor == "" {
			return "Kubernetes " + pv.Minor // no OpenShift release is known to ship it
		}
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
			return fmt.Sprintf("%s is out of all support since %s (%s)", minor, lc.End(), scan.DaysText(f.daysLeft))
		}
		return fmt.Sprintf("%s is out of all support", minor)
	case "all-support-ends-soon":
		if f.phase == "standard" && lc.ExtendedOptIn != "" {
			return fmt.Sprintf("support for %s ends %s (%s) unless the cluster is on %s", minor, lc.EndOfStandardSupport, scan.DaysText(f.lastDays), lc.ExtendedOptIn)
		}
		return fmt.Sprintf("all support for %s ends %s (%s)", minor, lc.End(), scan.DaysText(f.lastDays))
	case "extended-support":
		return fmt.Sprintf("%s left standard support on %s; extended support ends %s (%s)", minor, lc.EndOfStandardSupport, lc.EndOfExtendedSupport, scan.DaysText(f.daysLeft))
	case "standard-support-ends-very-soon", "support-ends-soon":
		return fmt.Sprintf("standard support for %s ends %s (%s)", minor, lc.EndOfStandardSupport, scan.DaysText(f.daysLeft))
	case "critical-cve", "high-cve", "medium-cve", "low-cve":
		var ids []string
		nodes := 0
		for _, c := range u.CVEs {
			if c.Severity == u.WorstCVE && !c.Unfixed {
				ids = append(ids, c.ID)
			}
			if len(c.Kubelets) > 0 {
				nodes++
			}
		}
		// The version the CVEs were matched at: a pre-release is not its
		// release, and ranges that hold one may not hold the other.
		on := cveVersion(pv)
		if nodes > 0 {
			on = fmt.Sprintf("%s and its kubelets (%d of them in the kubelet or kube-proxy)", on, nodes)
		}
		return fmt.Sprintf("%s affect %s, worst fixable %s: %s", scan.Plural(len(u.CVEs), "known CVE"), on, u.WorstCVE, strings.Join(first(ids, 3), ", "))
	case "three-minors-behind", "two-minors-behind", "one-minor-behind":
		return fmt.Sprintf("%s behind the newest (%s)", scan.Plural(f.minorsBehind, "minor"), u.NewestMinor)
	case "patches-behind":
		return fmt.Sprintf("%s behind %s", scan.Plural(f.patchesBehind, "patch"), u.LatestPatch)
	case "kubelet-skew":
		return fmt.Sprintf("%s outside the version skew policy", scan.Plural(f.skewed, "kubelet"))
	case "pre-release":
		return fmt.Sprintf("%s is a pre-release (%s) of %s, not a supported release of it: pre-releases get no patches; move to a %s patch release", pv.Semver+"-"+f.preRelease, f.preRelease, pv.Minor, pv.Minor)
	case "newer-minor-probably-out":
		return fmt.Sprintf("data is %d days old and its newest minor %s came out %d days ago, more than one release cycle: a newer minor is probably out; run `kubesurface data update`", f.dataAge, f.newestOwn, f.minorAge)
	}
	return id
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("and %d more", len(xs)-n))
	}
	return xs
}

// staleNewest says whether data has probably missed a newer minor than its
// newest: that minor is over one release cycle old at the judged date, and
// the data is older than the week after which a refresh would renew it.
// Either alone is no sign: a young minor has no successor yet, and data
// from this week would already list one. (Data a cycle old is not needed:
// a snapshot taken just after its newest minor's successor was due can
// still miss it, as releases slip.)
func staleNewest(b *Bundle, d *Distribution, now time.Time) staleness {
	asOf, err1 := parseDate(b.DataAsOf)
	rels := d.sorted()
	if err1 != nil || len(rels) == 0 {
		return staleness{}
	}
	released, err2 := parseDate(rels[0].ReleaseDate)
	if err2 != nil {
		return staleness{}
	}
	dataAge, minorAge := DaysBetween(asOf, now), DaysBetween(released, now)
	return staleness{stale: dataAge > RefreshDays && minorAge > CycleDays, newest: rels[0].Minor, dataAge: dataAge, minorAge: minorAge}
}

// staleness is what staleNewest finds: whether, the calendar's newest
// minor, and the days that say so.
type staleness struct {
	stale             bool
	newest            string
	dataAge, minorAge int
}

// supportNotes are what the phase alone does not say: support the cluster
// has only if it opted in, a window the data cannot date.
func supportNotes(cal string, rel Release, lc *scan.Lifecycle, pv scan.ParsedVersion) []string {
	var out []string
	if lc.ExtendedOptIn != "" && lc.Phase != "standard" && lc.EndOfExtendedSupport != "" {
		ext, err := parseDate(lc.EndOfExtendedSupport)
		std, _ := parseDate(lc.EndOfStandardSupport)
		if err == nil && DaysBetween(std, ext) > 0 && lc.DaysLeft+DaysBetween(std, ext) >= 0 {
			out = append(out, fmt.Sprintf("community support for %s ended %s; it is supported until %s only if the cluster is on %s",
				pv.Minor, lc.EndOfStandardSupport, lc.EndOfExtendedSupport, lc.ExtendedOptIn))
		}
	}
	if cal == GKE && lc.Phase == "extended" {
		out = append(out, fmt.Sprintf("GKE upgrades clusters at the end of standard support (%s) unless they are on the Extended channel, so this one is: Extended support ends %s, %d months from its release",
			lc.EndOfStandardSupport, lc.EndOfExtendedSupport, GKEExtendedMonths))
	}
	if cal == OpenShift && rel.EndOfExtended == "" {
		if v, err := utilversion.ParseMajorMinor(rel.Minor); err == nil && v.Minor()%2 == 0 {
			out = append(out, fmt.Sprintf("OpenShift %s is an EUS minor, but the data has no end date for its Extended Update Support: judged by maintenance support only", rel.Minor))
		}
	}
	return out
}

// outsideCalendar places a minor the calendar does not list: older than
// every release it lists, or between the releases below and above it.
// For OpenShift without ClusterVersion's minor, Kubernetes minors are
// compared (those OpenShift releases ship).
func outsideCalendar(d *Distribution, cal string, pv scan.ParsedVersion, osMinor string, now time.Time) (older bool, below, above Release) {
	want := pv.Minor
	if osMinor != "" {
		want = osMinor
	}
	key := func(r Release) string {
		if cal == OpenShift && osMinor == "" {
			return r.KubernetesMinor
		}
		return r.Minor
	}
	older = true
	for _, r := range d.sorted() { // newest first
		m := key(r)
		if m == "" {
			continue
		}
		if newer(m, want) {
			above = r
			continue
		}
		below, older = r, false
		break
	}
	return older, below, above
}

// calendarMinorName names a minor the calendar does not list, as the
// calendar would: an OpenShift minor only where ClusterVersion gave one.
func calendarMinorName(cal string, pv scan.ParsedVersion, osMinor string) string {
	switch {
	case cal == OpenShift && osMinor != "":
		return "OpenShift " + osMinor
	case cal == OpenShift:
		return "Kubernetes " + pv.Minor
	}
	return pv.Minor
}

// gapText says that a minor falls between two releases of the calendar.
func gapText(d *Distribution, cal string, pv scan.ParsedVersion, osMinor string, below, above Release) string {
	if cal == OpenShift && osMinor == "" {
		return fmt.Sprintf("no OpenShift release the calendar lists ships Kubernetes %s (OpenShift %s ships %s, OpenShift %s ships %s)",
			pv.Minor, below.Minor, below.KubernetesMinor, above.Minor, above.KubernetesMinor)
	}
	return fmt.Sprintf("the %s calendar does not list %s (it lists %s and %s)", d.Name, calendarMinorName(cal, pv, osMinor), below.Minor, above.Minor)
}

// phaseAt is the phase a release is in at now.
func phaseAt(cal string, r Release, now time.Time) string {
	lc, _ := lifecycle(cal, r, now)
	return lc.Phase
}

// forcedUpgrade is the upgrade the provider makes itself, where it does:
// EKS at the end of extended support, GKE at the end of standard support
// (or of the Extended channel), AKS when a minor falls to n-4.
func forcedUpgrade(cal string, d *Distribution, rel Release, lc *scan.Lifecycle, now time.Time) *scan.ForcedUpgrade {
	next := nextMinor(rel.Minor, 1)
	fu := &scan.ForcedUpgrade{To: next}
	switch cal {
	case EKS:
		if rel.EndOfExtended == "" {
			return nil
		}
		fu.By, fu.On = "EKS", rel.EndOfExtended
	case GKE:
		fu.By, fu.On = "GKE", lc.End()
		if lc.Phase == "standard" && lc.EndOfExtendedSupport != "" {
			fu.Unless = "the cluster is on the Extended channel"
		}
	case AKS:
		// AKS upgrades a minor falling to n-4 to n-2: that happens the
		// day minor+4 is generally available on AKS.
		for _, r := range d.Releases {
			if r.Minor == nextMinor(rel.Minor, 4) && r.ReleaseDate != "" {
				fu.By, fu.On, fu.To = "AKS", r.ReleaseDate, nextMinor(rel.Minor, 2)
				fu.Unless = "the cluster is on LTS (Premium tier) or has opted out of the automatic upgrade of unsupported minors"
			}
		}
		if fu.By == "" {
			return nil
		}
	default:
		return nil
	}
	on, err := parseDate(fu.On)
	if err != nil || fu.To == "" {
		return nil
	}
	fu.DaysLeft = DaysBetween(now, on)
	return fu
}

// nextMinor is the minor n after a major.minor, empty if unreadable.
func nextMinor(minor string, n uint) string {
	v, err := utilversion.ParseMajorMinor(minor)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d.%d", v.Major(), v.Minor()+n)
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
		if lp, ok := cal.newestPatch(minor); ok && (!found || lp.Patch > best.Patch) {
			best, found = lp, true
		}
	}
	return best, found
}

// findRelease finds the running minor in a calendar. OpenShift's minors are
// its own: with the minor ClusterVersion reported (osMinor) the release is
// that one, else the one shipping the server's Kubernetes minor. It also
// returns the newest Kubernetes minor of the calendar.
func findRelease(d *Distribution, cal string, pv scan.ParsedVersion, osMinor string) (Release, string, bool) {
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
		m, want := r.Minor, pv.Minor
		switch {
		case cal == OpenShift && osMinor != "":
			want = osMinor
		case cal == OpenShift:
			m = r.KubernetesMinor
		}
		if m == want {
			return r, newest, true
		}
	}
	return Release{}, newest, false
}

// lifecycle places now in a release's support window. It also returns the
// end of the last window the cluster can be on without an opt-in nothing
// shows.
func lifecycle(cal string, r Release, now time.Time) (*scan.Lifecycle, time.Time) {
	lc := &scan.Lifecycle{Calendar: cal, Minor: r.Minor, ReleaseDate: r.ReleaseDate,
		EndOfStandardSupport: r.EndOfStandard, EndOfExtendedSupport: r.EndOfExtended, ExtendedOptIn: extendedOptIn[cal]}
	// Validate guarantees the end of standard support parses.
	std, _ := parseDate(r.EndOfStandard)
	ext, err := parseDate(r.EndOfExtended)
	if cal == GKE && err != nil {
		// The data has no per-minor Extended channel dates: the channel
		// gives up to 24 months from release, from 1.27 on.
		if rd, rerr := parseDate(r.ReleaseDate); rerr == nil && !newer(gkeExtendedFrom, r.Minor) {
			ext, err = rd.AddDate(0, GKEExtendedMonths, 0), nil
			lc.EndOfExtendedSupport = ext.Format(time.DateOnly)
		}
	}
	// An opt-in window is shown, not counted: the phase is what the
	// cluster has unless it opted in.
	counted := err == nil && lc.ExtendedOptIn == ""
	days := func(t time.Time) int { return DaysBetween(now, t) }
	// Support lasts through its end date: on that day 0 days are left.
	switch {
	case days(std) >= 0:
		lc.Phase, lc.DaysLeft = "standard", days(std)
	case counted && days(ext) >= 0:
		lc.Phase, lc.DaysLeft = "extended", days(ext)
	case counted:
		lc.Phase, lc.DaysLeft = "unsupported", days(ext)
	default:
		lc.Phase, lc.DaysLeft = "unsupported", days(std)
	}
	if counted && ext.After(std) {
		return lc, ext
	}
	return lc, std
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
	return matchCVEsWhere(cves, version, nil)
}

// matchCVEsWhere is matchCVEs over the CVEs keep accepts (all when nil).
func matchCVEsWhere(cves []CVE, version string, keep func(CVE) bool) []scan.CVERef {
	v, err := utilversion.ParseSemantic(version)
	if err != nil {
		return nil
	}
	var out []scan.CVERef
	for _, c := range cves {
		if keep != nil && !keep(c) {
			continue
		}
		hit, fixed := affects(c, v)
		if !hit {
			continue
		}
		out = append(out, scan.CVERef{ID: c.ID, Title: c.Title, Severity: LevelOfSeverity(c.Severity),
			Score: c.Score, FixedIn: c.FixedIn, Unfixed: !fixed, URL: c.URL,
			Components: c.Components, WindowsOnly: windowsOnly(c)})
	}
	sortCVEs(out)
	return out
}

func sortCVEs(out []scan.CVERef) {
	sort.SliceStable(out, func(i, j int) bool {
		if Rank(out[i].Severity) != Rank(out[j].Severity) {
			return Rank(out[i].Severity) > Rank(out[j].Severity)
		}
		return out[i].Score > out[j].Score
	})
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
