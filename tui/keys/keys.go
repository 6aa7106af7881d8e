// Package keys is the one key map of the program, with the help text the
// short help bar and the full `?` help are built from.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding; components read the ones they handle.
type KeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Filter, Back                            key.Binding
	SortNext, SortReverse, SortColumn       key.Binding
	Select, SelectAll, ClearSelection       key.Binding
	Open, NextTab, PrevTab                  key.Binding
	Rescan, RescanAll, Export               key.Binding
	Help, Quit                              key.Binding
	// The fleet view's: open it, switch charts, pick a bar's segment,
	// filter the table to the selection.
	Fleet, NextChart, PrevChart key.Binding
	NextSegment, PrevSegment    key.Binding
	FilterBar                   key.Binding
}

// Default is the k9s / gh-dash flavoured key map.
func Default() *KeyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return &KeyMap{
		Up:             b([]string{"k", "up"}, "↑/k", "up"),
		Down:           b([]string{"j", "down"}, "↓/j", "down"),
		Top:            b([]string{"g", "home"}, "g", "top"),
		Bottom:         b([]string{"G", "end"}, "G", "bottom"),
		PageUp:         b([]string{"pgup", "ctrl+u", "b"}, "pgup", "page up"),
		PageDown:       b([]string{"pgdown", "ctrl+d", "f"}, "pgdn", "page down"),
		Filter:         b([]string{"/"}, "/", "filter"),
		Back:           b([]string{"esc"}, "esc", "clear / back"),
		SortNext:       b([]string{"s"}, "s", "sort by next column"),
		SortReverse:    b([]string{"S"}, "S", "reverse sort"),
		SortColumn:     b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1-0", "sort by column N (again: reverse)"),
		Select:         b([]string{"space"}, "space", "select"),
		SelectAll:      b([]string{"a"}, "a", "select all visible"),
		ClearSelection: b([]string{"A"}, "A", "clear selection"),
		Open:           b([]string{"enter"}, "enter", "details"),
		NextTab:        b([]string{"tab", "l", "right"}, "tab/l", "next tab"),
		PrevTab:        b([]string{"shift+tab", "h", "left"}, "shift+tab/h", "previous tab"),
		Rescan:         b([]string{"r"}, "r", "rescan current/selected"),
		RescanAll:      b([]string{"R"}, "R", "rescan all"),
		Export:         b([]string{"e"}, "e", "export"),
		Help:           b([]string{"?"}, "?", "help"),
		Quit:           b([]string{"q", "ctrl+c"}, "q", "quit"),
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
	return []key.Binding{k.Down, k.Filter, short(k.SortNext, "sort"), k.Select, k.Open, k.Fleet, short(k.Rescan, "rescan"), k.Export, k.Help, k.Quit}
}

// short is b with a shorter help text, for the one-line bar: the full
// help keeps the whole of it.
func short(b key.Binding, text string) key.Binding {
	b.SetHelp(b.Help().Key, text)
	return b
}

// FleetHelp is the bar under the fleet view.
func (k *KeyMap) FleetHelp() []key.Binding {
	return []key.Binding{k.Down, k.NextSegment, k.NextChart, short(k.FilterBar, "filter"), k.Help, k.Quit}
}

// FullHelp is the `?` page, one column per kind of action.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Filter, k.Back, k.SortNext, k.SortReverse, k.SortColumn},
		{k.Select, k.SelectAll, k.ClearSelection, k.Open, k.NextTab, k.PrevTab},
		{k.Rescan, k.RescanAll, k.Export, k.Help, k.Quit},
		{k.Fleet, k.NextChart, k.PrevChart, k.NextSegment, k.PrevSegment, k.FilterBar},
	}
}
