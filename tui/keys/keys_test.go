package keys

import (
	"slices"
	"testing"
)

// TestEveryKeyIsNamed: the help of every binding names each key the
// binding answers to, so the `?` page and `kubesurface --help`, which show
// every binding's help, show every key.
func TestEveryKeyIsNamed(t *testing.T) {
	bs := Default().Bindings()
	if len(bs) < 29 {
		t.Fatalf("only %d bindings found by reflection", len(bs))
	}
	for _, b := range bs {
		if missing := Unnamed(b.Binding); len(missing) > 0 {
			t.Errorf("%s (help %q) does not name %q", b.Field, b.Help().Key, missing)
		}
	}
}

func TestUnnamed(t *testing.T) {
	km := Default()
	b := km.SortColumn
	if u := Unnamed(b); len(u) != 0 {
		t.Errorf("1-0 leaves %q unnamed", u)
	}
	b.SetHelp("1-8", "")
	if u := Unnamed(b); !slices.Equal(u, []string{"9", "0"}) {
		t.Errorf("1-8 for 1..0 leaves %q unnamed, want 9 and 0", u)
	}
	b = km.PageUp
	b.SetHelp("pgup", "")
	if u := Unnamed(b); !slices.Equal(u, []string{"ctrl+u", "b"}) {
		t.Errorf("pgup leaves %q unnamed", u)
	}
}
