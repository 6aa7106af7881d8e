// Package tui is the interactive triage table: rows fill in live as the
// scanner streams updates, and the user filters, sorts, selects, drills in
// and exports. It never probes by itself; it only shows scan results.
package tui

import (
	"context"
	"errors"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// Config is everything a session needs: what to scan, how, and the facts
// and date to judge results with.
type Config struct {
	Targets []scan.Target
	Options scan.Options
	Data    *assess.Bundle
	// DataNotes are shown in the status line (stale data, rejected cache).
	DataNotes []string
	Now       time.Time
	// Hint is shown when there is nothing to scan (first run).
	Hint string
}

// Run starts the program and blocks until the user quits or ctx ends.
func Run(ctx context.Context, cfg Config) error {
	return errors.New("the TUI is not built yet")
}
