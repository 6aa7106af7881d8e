// Package styles holds the one Styles value every component draws with, so
// a colour means the same thing everywhere and a light terminal gets its
// own palette.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the looks of the whole program. Colours only ever add to a
// word (critical, high, ...) that is printed anyway, so NO_COLOR loses
// nothing.
type Styles struct {
	App        lipgloss.Style
	Title      lipgloss.Style
	Header     lipgloss.Style
	Muted      lipgloss.Style
	ColumnHead lipgloss.Style
	Row        lipgloss.Style
	Cursor     lipgloss.Style
	Selected   lipgloss.Style
	Status     lipgloss.Style
	Error      lipgloss.Style
	Success    lipgloss.Style
	FilterHint lipgloss.Style
	Tab        lipgloss.Style
	ActiveTab  lipgloss.Style
	Section    lipgloss.Style
	Heading    lipgloss.Style
	Code       lipgloss.Style
	Dialog     lipgloss.Style
	Hint       lipgloss.Style

	// Level colours words on the urgency and exposure scales, and the
	// readiness verdicts (blocked as high, ready as current).
	Level map[string]lipgloss.Style
}

// New returns the styles for a dark or light background.
func New(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	accent := c("#5A3FC0", "#B7A6FF")
	muted := c("#6B6B6B", "#8A8A8A")
	s := &Styles{
		App:        lipgloss.NewStyle(),
		Title:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Header:     lipgloss.NewStyle(),
		Muted:      lipgloss.NewStyle().Foreground(muted),
		ColumnHead: lipgloss.NewStyle().Bold(true),
		Row:        lipgloss.NewStyle(),
		Cursor:     lipgloss.NewStyle().Reverse(true),
		Selected:   lipgloss.NewStyle().Bold(true).Foreground(accent),
		Status:     lipgloss.NewStyle().Foreground(muted),
		Error:      lipgloss.NewStyle().Bold(true).Foreground(c("#B00020", "#FF6B6B")),
		Success:    lipgloss.NewStyle().Foreground(c("#1B7F3B", "#7BD88F")),
		FilterHint: lipgloss.NewStyle().Foreground(accent),
		Tab:        lipgloss.NewStyle().Padding(0, 1).Foreground(muted),
		ActiveTab:  lipgloss.NewStyle().Padding(0, 1).Bold(true).Reverse(true),
		Section:    lipgloss.NewStyle().Bold(true).Foreground(accent),
		Heading:    lipgloss.NewStyle().Bold(true),
		Code:       lipgloss.NewStyle().Foreground(c("#0B5394", "#9CDCFE")),
		Dialog:     lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		Hint:       lipgloss.NewStyle().Italic(true),
	}
	s.Level = map[string]lipgloss.Style{
		"critical": lipgloss.NewStyle().Bold(true).Foreground(c("#B00020", "#FF5F5F")),
		"high":     lipgloss.NewStyle().Foreground(c("#C2410C", "#FF9F43")),
		"medium":   lipgloss.NewStyle().Foreground(c("#8A6D00", "#F4D35E")),
		"low":      lipgloss.NewStyle().Foreground(c("#1D4ED8", "#7AA2F7")),
		"current":  lipgloss.NewStyle().Foreground(c("#1B7F3B", "#7BD88F")),
		"none":     lipgloss.NewStyle().Foreground(muted),
		"unknown":  lipgloss.NewStyle().Foreground(muted),
		"blocked":  lipgloss.NewStyle().Foreground(c("#C2410C", "#FF9F43")),
		"ready":    lipgloss.NewStyle().Foreground(c("#1B7F3B", "#7BD88F")),
	}
	return s
}

// LevelWord renders a level word in its colour; unknown words stay plain.
func (s *Styles) LevelWord(level string) string {
	if st, ok := s.Level[level]; ok {
		return st.Render(level)
	}
	return level
}
