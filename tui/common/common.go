// Package common is what every component embeds: the size it may draw in,
// the styles and the key map, so none of them reaches for globals.
package common

import (
	"github.com/kubesurface/kubesurface/tui/keys"
	"github.com/kubesurface/kubesurface/tui/styles"
)

// Common is shared by pointer-free copy: components own their size.
type Common struct {
	Width, Height int
	Styles        *styles.Styles
	KeyMap        *keys.KeyMap
}

// New returns a Common for a dark or light terminal.
func New(isDark bool) Common {
	return Common{Styles: styles.New(isDark), KeyMap: keys.Default()}
}

// SetSize records the area a component may draw in.
func (c *Common) SetSize(w, h int) {
	c.Width, c.Height = w, h
}
