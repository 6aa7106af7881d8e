package filter

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// FuzzQuery holds the `/` filter to what the TUI relies on, for any query
// typed and any row: a parsed query is lower case words of known fields
// (or fuzzy words), reads back the same when written out again, matches a
// row exactly when each of its terms does, and a query that Refines
// another matches no row the other does not (the TUI narrows the rows it
// already has on that promise).
func FuzzQuery(f *testing.F) {
	rows := "prod-eks done context 10.0.0.1:443 eks v1.30.14-eks-7bfd1a2 high version critical"
	fields := "critical;eks;high,version;10.0.0.1:443"
	for _, q := range []string{"", "urgency:critical", "URGENCY:crit", "urg:cur", "dist:eks exposure:version", "urgency:",
		"prdeks", "v1.36", "10.0.0.1:443", "https://lab", "k3s urgency:current", "nosuchthing", "a:b:c", ":", "ctx:a:b",
		"İstanbul", "ǅ", "\u2028urgency:x\u00a0y", "\x1b[31m", "cve:CVE-2024-0001", "support:ext phase:std",
		"ready:blocked", "readiness:unk", "ready:none urgency:high"} {
		f.Add(q, q[:len(q)/2], rows, fields)
	}
	f.Fuzz(func(t *testing.T, s, prev, text, vals string) {
		q := Parse(s)
		if q.Raw != s {
			t.Fatalf("Raw %q, typed %q", q.Raw, s)
		}
		var words []string
		for _, term := range q.Terms {
			if term.Key != "" && !slices.Contains(Fields, term.Key) {
				t.Fatalf("%q: key %q is not a field", s, term.Key)
			}
			if strings.ContainsFunc(term.Value, unicode.IsSpace) || term.Key == "" && term.Value == "" {
				t.Fatalf("%q: term %+v", s, term)
			}
			if strings.ToLower(term.Value) != term.Value {
				t.Fatalf("%q: term %+v is not lower case: it can match no row", s, term)
			}
			switch {
			case term.Exact:
				words = append(words, term.Key+"="+term.Value)
			case term.Key != "":
				words = append(words, term.Key+":"+term.Value)
			default:
				words = append(words, term.Value)
			}
		}
		if again := Parse(strings.Join(words, " ")); !reflect.DeepEqual(again.Terms, q.Terms) {
			t.Fatalf("%q parses to %+v, written out as %q to %+v", s, q.Terms, strings.Join(words, " "), again.Terms)
		}

		d := doc{text: strings.ToLower(text), fields: map[string][]string{}}
		parts := strings.Split(strings.ToLower(vals), ";")
		for i, k := range Fields {
			d.fields[k] = strings.Split(parts[i%len(parts)], ",")
		}
		all := true
		for _, term := range q.Terms {
			all = all && (Query{Terms: []Term{term}}).Match(d)
		}
		if q.Match(d) != all {
			t.Fatalf("%q matches %v, its terms one by one %v", s, q.Match(d), all)
		}
		if q.Empty() && !q.Match(d) {
			t.Fatalf("the empty query %q does not match", s)
		}
		p := Parse(prev)
		if q.Refines(p) && q.Match(d) && !p.Match(d) {
			t.Fatalf("%q refines %q but matches a row it does not", s, prev)
		}
		for _, term := range q.Terms {
			if term.Key == "" && Fuzzy(term.Value, d.text) {
				for i := range len(term.Value) {
					if !Fuzzy(term.Value[:i], d.text) {
						t.Fatalf("%q matches %q fuzzily, its prefix %q does not", term.Value, d.text, term.Value[:i])
					}
				}
			}
		}
	})
}
