// Package filter parses the `/` query: fuzzy words matched against each
// column in turn, and key:value terms (urgency:high, dist:eks, exposure:version)
// matched against the start of one field's values (ready:blocked, the
// readiness of the next upgrade hop). key=value matches a whole value:
// the fleet view writes its selections that way, so that minor=1.3 does
// not take 1.30 and dist=eks not a distribution named eks-anywhere. All
// terms must match.
package filter

import "strings"

// Keys are the field names a term may use, with their aliases.
var Keys = map[string]string{
	"target": "target", "name": "target",
	"source": "source", "src": "source",
	"context": "context", "ctx": "context",
	"address": "address", "addr": "address", "ip": "address",
	"dist": "dist", "distribution": "dist",
	"version": "version", "ver": "version",
	"exposure": "exposure", "exp": "exposure",
	"access":  "access",
	"reach":   "reach",
	"urgency": "urgency", "urg": "urgency",
	"ready": "ready", "readiness": "ready",
	"state":   "state",
	"cve":     "cve",
	"support": "support", "phase": "support",
	"minor": "minor",
	// The fleet timeline's events, each with its ISO week ("2026-w49"),
	// its date and "overdue" when it fell before the judging date; week
	// holds the weeks of all three.
	"eos": "eos", "eol": "eol", "forced": "forced", "week": "week",
}

// Fields are the canonical field names, in the order help lists them;
// Keys maps every alias to one of them.
var Fields = []string{"urgency", "ready", "exposure", "access", "reach", "dist", "version", "minor", "source", "context", "address", "state", "cve", "support", "eos", "eol", "forced", "week", "target"}

// Term is one whitespace-separated part of a query. Key is "" for a fuzzy
// word; Exact is true for key=value.
type Term struct {
	Key, Value string
	Exact      bool
}

// Query is a parsed filter.
type Query struct {
	Raw   string
	Terms []Term
}

// Parse reads a query. A word whose part before ':' is not a known key
// (https://host, 10.0.0.1:6443) is a fuzzy word, so addresses can be typed
// as they are.
func Parse(s string) Query {
	q := Query{Raw: s}
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if i := strings.IndexAny(w, ":="); i > 0 {
			if key, known := Keys[w[:i]]; known {
				q.Terms = append(q.Terms, Term{Key: key, Value: w[i+1:], Exact: w[i] == '='})
				continue
			}
		}
		q.Terms = append(q.Terms, Term{Value: w})
	}
	return q
}

// Empty is true when the query matches everything.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// Sep separates a row's cells in the text a Doc gives: a fuzzy word's
// letters must fall in one cell, so "dmeks" is not found in "demo-k3s ...
// eks" by taking a d and m from the name and eks from the distribution.
// Cells are cleaned for the terminal (clean.Line), which leaves no C0
// control character in them: the unit separator cannot be part of a cell.
const Sep = '\x1f'

// Doc is what a query is matched against: the row's cells (lower case,
// joined by Sep) and its fields (lower case values).
type Doc interface {
	Text() string
	Field(key string) []string
}

// Match reports whether every term matches d.
func (q Query) Match(d Doc) bool {
	for _, t := range q.Terms {
		if t.Key == "" {
			if !Fuzzy(t.Value, d.Text()) {
				return false
			}
			continue
		}
		if t.Value == "" {
			continue // "urgency:" while typing: no constraint yet
		}
		hit := false
		for _, v := range d.Field(t.Key) {
			if v == t.Value || !t.Exact && strings.HasPrefix(v, t.Value) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// Refines reports whether every row q matches is also matched by prev, so
// a filter can narrow the rows it already has instead of starting over:
// that holds when each of prev's terms is extended, in place, by q's.
func (q Query) Refines(prev Query) bool {
	if len(q.Terms) < len(prev.Terms) {
		return false
	}
	for i, p := range prev.Terms {
		t := q.Terms[i]
		if t.Key != p.Key || t.Exact != p.Exact || !strings.HasPrefix(t.Value, p.Value) || p.Exact && t.Value != p.Value {
			return false
		}
	}
	return true
}

// Fuzzy reports whether pattern is a substring of text, or its letters
// appear in order within one of text's cells (the parts Sep separates).
// Matching each cell on its own keeps a short word from being found
// scattered over a whole row, which every row of a fleet would match; the
// substring test first is the fast path for a word typed as shown.
func Fuzzy(pattern, text string) bool {
	if pattern == "" {
		return true
	}
	if strings.IndexByte(pattern, Sep) < 0 && strings.Contains(text, pattern) {
		return true
	}
	// Greedy in each cell: the earliest letters found leave the most room
	// for the rest, so a cell holding the letters in order is never missed.
	i := 0
	for j := 0; j < len(text); j++ {
		switch text[j] {
		case Sep:
			i = 0
		case pattern[i]:
			if i++; i == len(pattern) {
				return true
			}
		}
	}
	return false
}
