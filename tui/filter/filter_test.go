package filter

import (
	"strings"
	"testing"
)

type doc struct {
	text   string
	fields map[string][]string
}

func (d doc) Text() string            { return d.text }
func (d doc) Field(k string) []string { return d.fields[k] }

// cells joins a row's cells as table.Row.Text does.
func cells(cs ...string) string { return strings.Join(cs, string(Sep)) }

func TestParseAndMatch(t *testing.T) {
	eks := doc{text: cells("prod-eks", "done", "context", "10.0.0.1:443", "eks", "v1.30.14-eks-7bfd1a2", "high version", "critical"),
		fields: map[string][]string{"urgency": {"critical"}, "dist": {"eks"}, "exposure": {"high", "version"}, "address": {"10.0.0.1:443"}}}
	k3s := doc{text: cells("lab", "done", "endpoint", "127.0.0.1:6443", "k3s", "v1.36.4+k3s1", "low version", "current"),
		fields: map[string][]string{"urgency": {"current"}, "dist": {"k3s"}, "exposure": {"low", "version"}}}
	cases := []struct {
		q        string
		eks, k3s bool
	}{
		{"", true, true},
		{"urgency:critical", true, false},
		{"URGENCY:crit", true, false},
		{"urg:cur", false, true},
		{"dist:eks exposure:version", true, false},
		{"exposure:version", true, true},
		{"exposure:read", false, false},
		{"urgency:", true, true}, // still typing
		{"prdeks", true, false},  // fuzzy: letters in order
		{"v1.36", false, true},
		{"10.0.0.1:443", true, false}, // an address is a word, not a key
		{"https://lab", false, false},
		{"k3s urgency:current", false, true},
		{"nosuchthing", false, false},
		{"dist=eks", true, false},
		{"dist=ek", false, false}, // = takes a whole value only
		{"DIST=K3S urgency=current", false, true},
		{"urgency=", true, true},
		{"a=b", false, false}, // not a key: a fuzzy word
		// A fuzzy word's letters fall in one cell: l, a and b are all in
		// the k3s row, but only scattered over three cells.
		{"lab", false, true},
		{"lbk3s", false, false},
		{"dnek", false, false},       // "done" and "eks" are two cells
		{"hghvrs", true, false},      // one cell, "high version", spaces and all
		{"low version", false, true}, // two words, each in a cell
	}
	for _, c := range cases {
		q := Parse(c.q)
		if got := q.Match(eks); got != c.eks {
			t.Errorf("%q on eks = %v, want %v", c.q, got, c.eks)
		}
		if got := q.Match(k3s); got != c.k3s {
			t.Errorf("%q on k3s = %v, want %v", c.q, got, c.k3s)
		}
	}
}

func TestRefines(t *testing.T) {
	cases := []struct {
		prev, next string
		want       bool
	}{
		{"", "u", true},
		{"urgency:h", "urgency:hi", true},
		{"urgency:high", "urgency:high dist:eks", true},
		{"ek", "eks", true},
		{"urgency", "urgency:", false}, // a fuzzy word became a key term
		{"urgency:hi", "urgency:h", false},
		{"dist:eks", "dist:gke", false},
		{"eks gke", "eks", false},
		{"dist=eks", "dist=eks urgency=high", true},
		{"dist=ek", "dist=eks", false}, // eks is not among what ek matched
		{"dist:ek", "dist=eks", false},
		{"dist=eks", "dist:eks", false},
	}
	for _, c := range cases {
		if got := Parse(c.next).Refines(Parse(c.prev)); got != c.want {
			t.Errorf("%q refines %q = %v, want %v", c.next, c.prev, got, c.want)
		}
	}
}

// TestFieldsAreTheKeys: help lists Fields, the parser knows Keys; they must
// name the same fields.
func TestFieldsAreTheKeys(t *testing.T) {
	canonical := map[string]bool{}
	for _, v := range Keys {
		canonical[v] = true
	}
	if len(canonical) != len(Fields) {
		t.Fatalf("Keys name %d fields, Fields lists %d", len(canonical), len(Fields))
	}
	for _, f := range Fields {
		if !canonical[f] || Keys[f] != f {
			t.Errorf("field %q is not a canonical key", f)
		}
	}
}

func TestFuzzyPerCell(t *testing.T) {
	row := cells("demo-k3s", "done", "endpoint", "127.0.0.1:6443", "k3s", "v1.36.4+k3s1", "low version", "current")
	cases := []struct {
		pattern string
		want    bool
	}{
		{"", true},
		{"demo-k3s", true},               // the fast path
		{"dmk3s", true},                  // in order within the name
		{"dmeks", false},                 // d, m from the name, e from endpoint: not one cell
		{"s" + string(Sep) + "d", false}, // the separator is no letter to match
		{"k3s1", true},
		{"dd", false},
		{"ent", true},
		{"cu", true},
		{"tc", false}, // the t of "current" ends the row: nothing after it
	}
	for _, c := range cases {
		if got := Fuzzy(c.pattern, row); got != c.want {
			t.Errorf("Fuzzy(%q) = %v, want %v", c.pattern, got, c.want)
		}
	}
}
