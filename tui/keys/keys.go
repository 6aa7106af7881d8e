// Package keys is the one key map of the program, with the help text the
// short help bars and the full `?` help are built from.
package keys

import (
	"reflect"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding; components read the ones they handle.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Filter, Back                            key.Binding
	SortNext, SortReverse, SortColumn       key.Binding
	Select, SelectAll, ClearSelection       key.Binding
	// The detail view's: open it, step through its tabs or go to one by
	// its number (the numbers its tab bar shows).
	Open, NextTab, PrevTab, GotoTab key.Binding
	Rescan, RescanAll, Export       key.Binding
	Help, Quit                      key.Binding
	// The fleet view's: open it, switch charts, pick a bar's segment,
	// filter the table to the selection.
	Fleet, NextChart, PrevChart key.Binding
	NextSegment, PrevSegment    key.Binding
	FilterBar                   key.Binding
}

// Default is the k9s / gh-dash flavoured key map. Each binding's help
// names every key it answers to, so that no key works unseen: the full
// help and `kubesurface --help` list them all (Unnamed checks).
func Default() *KeyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return &KeyMap{
		Up:             b([]string{"k", "up"}, "↑/k", "up"),
		Down:           b([]string{"j", "down"}, "↓/j", "down"),
		Top:            b([]string{"g", "home"}, "g/home", "top"),
		Bottom:         b([]string{"G", "end"}, "G/end", "bottom"),
		PageUp:         b([]string{"pgup", "ctrl+u", "b"}, "pgup/ctrl+u/b", "page up"),
		PageDown:       b([]string{"pgdown", "ctrl+d", "f"}, "pgdn/ctrl+d/f", "page down"),
		Filter:         b([]string{"/"}, "/", "filter"),
		Back:           b([]string{"esc"}, "esc", "clear / back"),
		SortNext:       b([]string{"s"}, "s", "sort by next column"),
		SortReverse:    b([]string{"S"}, "S", "reverse sort"),
		SortColumn:     b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1-0", "sort by column N (again: reverse)"),
		Select:         b([]string{"space"}, "space", "select"),
		SelectAll:      b([]string{"a"}, "a", "select all visible"),
		ClearSelection: b([]string{"A"}, "A", "clear selection"),
		Open:           b([]string{"enter"}, "enter", "details"),
		NextTab:        b([]string{"tab", "l", "right"}, "tab/l/→", "next tab"),
		PrevTab:        b([]string{"shift+tab", "h", "left"}, "shift+tab/h/←", "previous tab"),
		GotoTab:        b([]string{"1", "2", "3", "4", "5", "6", "7", "8"}, "1-8", "details: tab N"),
		Rescan:         b([]string{"r"}, "r", "rescan current/selected"),
		RescanAll:      b([]string{"R"}, "R", "rescan all"),
		Export:         b([]string{"e"}, "e", "export"),
		Help:           b([]string{"?"}, "?", "help"),
		Quit:           b([]string{"q", "ctrl+c"}, "q/ctrl+c", "quit"),
		Fleet:          b([]string{"c"}, "c", "fleet charts"),
		NextChart:      b([]string{"tab"}, "tab", "next chart"),
		PrevChart:      b([]string{"shift+tab"}, "shift+tab", "previous chart"),
		NextSegment:    b([]string{"l", "right"}, "→/l", "segment"),
		PrevSegment:    b([]string{"h", "left"}, "←/h", "previous segment"),
		FilterBar:      b([]string{"enter"}, "enter", "filter to selection"),
	}
}

// ShortHelp is the bar under the table.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Filter, short(k.SortNext, "sort"), k.Select, k.Open, k.Fleet, short(k.Rescan, "rescan"), k.Export, k.Help, brief(k.Quit, "q")}
}

// short is b with a shorter help text, for the one-line bar: the full
// help keeps the whole of it.
func short(b key.Binding, text string) key.Binding {
	b.SetHelp(b.Help().Key, text)
	return b
}

// brief is b with fewer of its keys named, for the one-line bar.
func brief(b key.Binding, keys string) key.Binding {
	b.SetHelp(keys, b.Help().Desc)
	return b
}

// FleetHelp is the bar under the fleet view.
func (k *KeyMap) FleetHelp() []key.Binding {
	return []key.Binding{k.Down, k.NextSegment, k.NextChart, short(k.FilterBar, "filter"), k.Help, brief(k.Quit, "q")}
}

// DetailHelp is the bar under the detail view: its own keys, not the
// table's, which do nothing there.
func (k *KeyMap) DetailHelp() []key.Binding {
	return []key.Binding{brief(k.NextTab, "tab"), short(k.GotoTab, "tab N"), short(k.Rescan, "rescan"), k.Export, short(k.Back, "back"), k.Help, brief(k.Quit, "q")}
}

// FullHelp is the `?` page, one column per kind of action.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Filter, k.Back, k.SortNext, k.SortReverse, k.SortColumn},
		{k.Select, k.SelectAll, k.ClearSelection, k.Open, k.NextTab, k.PrevTab, k.GotoTab},
		{k.Rescan, k.RescanAll, k.Export, k.Help, k.Quit},
		{k.Fleet, k.NextChart, k.PrevChart, k.NextSegment, k.PrevSegment, k.FilterBar},
	}
}

// DetailFullHelp is the `?` page of the detail view: the keys that work
// there.
func (k *KeyMap) DetailFullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{short(k.NextTab, "next tab"), k.PrevTab, short(k.GotoTab, "tab N"), short(k.Back, "back to the table")},
		{short(k.Rescan, "rescan this target"), short(k.Export, "export this target"), k.Help, k.Quit},
	}
}

// FleetFullHelp is the `?` page of the fleet view: the keys that work
// there.
func (k *KeyMap) FleetFullHelp() [][]key.Binding {
	return [][]key.Binding{
		{short(k.Up, "previous bar"), short(k.Down, "next bar"), short(k.Top, "first bar"), short(k.Bottom, "last bar"), k.PageUp, k.PageDown},
		{k.NextChart, k.PrevChart, k.NextSegment, k.PrevSegment, k.FilterBar},
		{k.Filter, short(k.Fleet, "back to the table"), short(k.Back, "back to the table"), short(k.Export, "export the rows counted"), k.Help, k.Quit},
	}
}

// Binding is one field of a KeyMap.
type Binding struct {
	Field string
	key.Binding
}

// Bindings is every binding of k, by field, found by reflection so that
// tests holding the help to the key map cannot miss a new one.
func (k *KeyMap) Bindings() []Binding {
	v := reflect.ValueOf(*k)
	var out []Binding
	for i := range v.NumField() {
		if b, ok := v.Field(i).Interface().(key.Binding); ok {
			out = append(out, Binding{v.Type().Field(i).Name, b})
		}
	}
	return out
}

// shownAs is how help writes the keys it does not spell as they are.
var shownAs = map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "pgdown": "pgdn"}

// Unnamed is the keys of b that its help text does not name: its help
// key is keys separated by "/", with "1-0" and "1-8" standing for runs of
// digits.
func Unnamed(b key.Binding) []string {
	// A help key that is one key is that key, "/" included.
	named := map[string]bool{b.Help().Key: true}
	for _, k := range strings.Split(b.Help().Key, "/") {
		if len(k) == 3 && k[1] == '-' && k[0] >= '0' && k[0] <= '9' && k[2] >= '0' && k[2] <= '9' {
			for d := k[0]; d != k[2]; d = '0' + (d-'0'+1)%10 {
				named[string(d)] = true
			}
			named[k[2:]] = true
			continue
		}
		named[k] = true
	}
	var out []string
	for _, k := range b.Keys() {
		if s, ok := shownAs[k]; ok {
			k = s
		}
		if !named[k] {
			out = append(out, k)
		}
	}
	return out
}
