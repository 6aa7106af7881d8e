// Package fleet sums scan results into the shape of a fleet: how many
// targets at each urgency per distribution, at each exposure per reach,
// on each minor, and when their support ends in the coming weeks. It
// keeps counts, never the results, so a dataset of hundreds of thousands
// of rows is summed in the memory of a few hundred counters; the reports,
// `-o stats` and a fleet view all read the same numbers from it.
package fleet

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// DefaultMonths is how far ahead the timeline looks: two upgrade cadences
// of three months, enough to plan the next one and see the one after.
const DefaultMonths = 6

// MaxKeys caps the distinct names a breakdown keeps (distributions,
// reaches, levels, minors). The names come from the results, and results
// read back from a file may say anything: past the cap they are counted
// under Other, so a hostile file cannot grow the counters without bound.
const MaxKeys = 64

// MaxSamples is how many target names a timeline entry keeps, so that a
// week in which thousands of clusters lose support still shows a few.
const MaxSamples = 3

// Other is the key that names beyond MaxKeys are counted under.
const Other = "(other)"

// Unjudged is the urgency of a result that was never judged (no data).
const Unjudged = "unjudged"

// The timeline's kinds of event.
const (
	EndOfStandardSupport = "endOfStandardSupport"
	EndOfSupport         = "endOfSupport"
	ForcedUpgrade        = "forcedUpgrade"
)

// Stats is the running sum. Its zero value is not ready: use New.
type Stats struct {
	// Targets counts every result added.
	Targets int `json:"targets"`
	// Urgency counts results per distribution, then per urgency level.
	Urgency map[string]map[string]int `json:"urgency"`
	// Exposure counts results per reach (the widest address class), then
	// per exposure level.
	Exposure map[string]map[string]int `json:"exposure"`
	// Minors are the Kubernetes minors seen, oldest first.
	Minors []*Minor `json:"minors"`
	// Timeline is when support ends and upgrades are forced, by week.
	Timeline Timeline `json:"timeline"`

	months int
	minors map[string]*Minor
	weeks  map[string]*Week
}

// Minor is how many targets run one minor and where that minor is in its
// support window. The window depends on the distribution's calendar, so
// Phases counts the phases the judgements gave: 1.29 can be unsupported
// upstream and in extended support on EKS at the same time.
type Minor struct {
	Minor  string         `json:"minor"`
	Count  int            `json:"count"`
	Phases map[string]int `json:"phases"`
	// Supported is true when any target on the minor is still in standard
	// or extended support at the judging date.
	Supported bool `json:"supported"`
}

// Timeline is the coming months from the judging date, by ISO week.
type Timeline struct {
	From  string `json:"from"`
	Until string `json:"until"`
	// Overdue counts the events of each kind that fell before From: the
	// support that has already ended, the forced upgrades already due.
	Overdue map[string]int `json:"overdue"`
	// Weeks holds only the weeks with an event, earliest first.
	Weeks []*Week `json:"weeks"`

	from, until time.Time
}

// Week is one ISO week of the timeline.
type Week struct {
	// Week is the ISO week ("2026-W49"); Start is its Monday.
	Week   string            `json:"week"`
	Start  string            `json:"start"`
	Events map[string]*Event `json:"events"`
}

// Event counts the targets with one kind of event in a week, with the
// names of the first few.
type Event struct {
	Count   int      `json:"count"`
	Samples []string `json:"samples"`
}

// New starts a sum whose timeline runs months ahead of from (DefaultMonths
// when months is not positive). A zero from takes the judging date of the
// first judged result, which is the same for every result of a run.
func New(from time.Time, months int) *Stats {
	if months <= 0 {
		months = DefaultMonths
	}
	s := &Stats{
		Urgency:  map[string]map[string]int{},
		Exposure: map[string]map[string]int{},
		Minors:   []*Minor{},
		Timeline: Timeline{Overdue: map[string]int{}, Weeks: []*Week{}},
		months:   months,
		minors:   map[string]*Minor{},
		weeks:    map[string]*Week{},
	}
	if !from.IsZero() {
		s.setFrom(from)
	}
	return s
}

func (s *Stats) setFrom(from time.Time) {
	y, m, d := from.Date()
	s.Timeline.from = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	s.Timeline.until = s.Timeline.from.AddDate(0, s.months, 0)
	s.Timeline.From = s.Timeline.from.Format(time.DateOnly)
	s.Timeline.Until = s.Timeline.until.Format(time.DateOnly)
}

// Entry is what the sum needs of one result, and all of it: a caller
// that must hold a row per target until the end (to keep the newest of
// several records of one target) holds Entries, not Results. The TUI's
// rows take their chart fields from it too, so that a bar selected in the
// fleet view filters the table to exactly the rows the bar counted.
type Entry struct {
	Name string
	// Dist, Urgency, Reach and Exposure are the keys of the breakdowns:
	// "unknown" for a blank, Unjudged for a result never judged.
	Dist, Urgency, Reach, Exposure string
	// Minor is the Kubernetes minor ("" when unknown or unjudged), Phase
	// its support phase ("unknown" without a lifecycle).
	Minor, Phase string
	// JudgedAt is the judging date (YYYY-MM-DD), "" when unjudged.
	JudgedAt string
	// Events are the dates (YYYY-MM-DD) of the timeline's kinds of
	// event, in the order of Kinds; "" for none.
	Events [3]string
}

// Kinds are the timeline's kinds of event, in the order of Entry.Events.
var Kinds = [3]string{EndOfStandardSupport, EndOfSupport, ForcedUpgrade}

// EntryOf takes from r what the sum counts.
func EntryOf(r scan.Result) Entry {
	e := Entry{
		Name:     r.Target.Name,
		Dist:     orUnknown(r.Dist.Name),
		Urgency:  Unjudged,
		Reach:    orUnknown(r.Exposure.Reach),
		Exposure: orUnknown(r.Exposure.Level),
	}
	u := r.Urgency
	if u == nil {
		return e
	}
	e.Urgency, e.JudgedAt = orUnknown(u.Level), u.JudgedAt
	lc := u.Lifecycle
	if r.Version != nil && r.Version.Minor != "" {
		e.Minor, e.Phase = r.Version.Minor, "unknown"
		if lc != nil && lc.Phase != "" {
			e.Phase = lc.Phase
		}
	}
	if lc != nil {
		end := lc.EndOfStandardSupport
		if lc.EndOfExtendedSupport != "" && lc.ExtendedOptIn == "" {
			end = lc.EndOfExtendedSupport
		}
		e.Events[0], e.Events[1] = lc.EndOfStandardSupport, end
	}
	if fu := u.ForcedUpgrade; fu != nil {
		e.Events[2] = fu.On
	}
	return e
}

// Add counts one result.
func (s *Stats) Add(r scan.Result) { s.AddEntry(EntryOf(r)) }

// AddEntry counts one result's Entry.
func (s *Stats) AddEntry(e Entry) {
	s.Targets++
	count2(s.Urgency, e.Dist, e.Urgency)
	count2(s.Exposure, e.Reach, e.Exposure)
	if e.Urgency == Unjudged {
		return
	}
	if s.Timeline.from.IsZero() {
		if t, err := time.Parse(time.DateOnly, e.JudgedAt); err == nil {
			s.setFrom(t)
		}
	}
	if e.Minor != "" {
		s.addMinor(e.Minor, e.Phase)
	}
	for i, date := range e.Events {
		s.event(Kinds[i], date, e.Name)
	}
}

// Week is the ISO week of a date (YYYY-MM-DD), as the timeline names it
// ("2026-W49"), and its Monday; ok is false for a date that is not one.
func WeekOf(date string) (week, monday string, ok bool) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", "", false
	}
	y, n := t.ISOWeek()
	return strconv.Itoa(y) + "-W" + twoDigits(n), t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)).Format(time.DateOnly), true
}

func (s *Stats) addMinor(minor, phase string) {
	m := s.minors[minor]
	if m == nil {
		if len(s.minors) >= MaxKeys {
			minor = Other
			m = s.minors[minor]
		}
		if m == nil {
			m = &Minor{Minor: minor, Phases: map[string]int{}}
			s.minors[minor] = m
			s.Minors = append(s.Minors, m)
			slices.SortFunc(s.Minors, func(a, b *Minor) int { return compareMinor(a.Minor, b.Minor) })
		}
	}
	m.Count++
	m.Phases[capKey(m.Phases, phase)]++
	if phase == "standard" || phase == "extended" {
		m.Supported = true
	}
}

// event counts an event of kind on date (YYYY-MM-DD) for target name.
func (s *Stats) event(kind, date, name string) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil || s.Timeline.from.IsZero() || !t.Before(s.Timeline.until) {
		return
	}
	if t.Before(s.Timeline.from) {
		s.Timeline.Overdue[kind]++
		return
	}
	week, key, _ := WeekOf(date)
	w := s.weeks[key]
	if w == nil {
		w = &Week{Week: week, Start: key, Events: map[string]*Event{}}
		s.weeks[key] = w
		s.Timeline.Weeks = append(s.Timeline.Weeks, w)
		slices.SortFunc(s.Timeline.Weeks, func(a, b *Week) int { return strings.Compare(a.Start, b.Start) })
	}
	e := w.Events[kind]
	if e == nil {
		e = &Event{Samples: []string{}}
		w.Events[kind] = e
	}
	e.Count++
	if len(e.Samples) < MaxSamples {
		e.Samples = append(e.Samples, name)
	}
}

func count2(m map[string]map[string]int, outer, inner string) {
	outer = capKey(m, outer)
	if m[outer] == nil {
		m[outer] = map[string]int{}
	}
	m[outer][capKey(m[outer], inner)]++
}

// capKey is key, or Other once m holds MaxKeys other keys.
func capKey[V any](m map[string]V, key string) string {
	if _, ok := m[key]; ok || len(m) < MaxKeys {
		return key
	}
	return Other
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// compareMinor orders "1.9" before "1.10"; names that are not
// major.minor sort after those that are, by text.
func compareMinor(a, b string) int {
	am, an, aok := parseMinor(a)
	bm, bn, bok := parseMinor(b)
	switch {
	case aok && bok:
		if am != bm {
			return am - bm
		}
		return an - bn
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a, b)
}

func parseMinor(s string) (int, int, bool) {
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	return a, b, err1 == nil && err2 == nil
}
