package report

import (
	"fmt"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// Checks a result is judged on, as JUnit names its test cases.
const (
	CheckExposure  = "exposure"
	CheckUrgency   = "urgency"
	CheckReadiness = "readiness"
)

// Gate is --fail-on: the least level, on either scale or one of them, at
// which a scan fails a CI job; or readiness:blocked, a verdict of its own
// (readiness is not ranked with urgency: it is about what is in use, not
// time or risk). It lives here, not in the command, so that a JUnit
// failure is exactly what makes `scan` exit 3.
type Gate struct {
	Scale string // "", "urgency", "exposure" or "readiness"
	Level string
}

// DefaultGate is what JUnit fails at when no --fail-on is given: the level
// that needs action within the current upgrade cycle on either scale.
var DefaultGate = Gate{Level: assess.High}

// ParseGate reads --fail-on; "" is the zero Gate, which fires on nothing.
func ParseGate(s string) (Gate, error) {
	if s == "" {
		return Gate{}, nil
	}
	g := Gate{Level: s}
	if scale, level, ok := strings.Cut(s, ":"); ok {
		g.Scale, g.Level = scale, level
	}
	if g.Scale == CheckReadiness {
		if g.Level != assess.Blocked {
			return Gate{}, fmt.Errorf("--fail-on %q: readiness takes only blocked", s)
		}
		return g, nil
	}
	if g.Scale != "" && g.Scale != CheckUrgency && g.Scale != CheckExposure {
		return Gate{}, fmt.Errorf("--fail-on %q: scale must be urgency, exposure or readiness", s)
	}
	switch g.Level {
	case assess.Critical, assess.High, assess.Medium, assess.Low:
		return g, nil
	}
	return Gate{}, fmt.Errorf("--fail-on %q: level must be critical, high, medium or low", s)
}

// String is the gate as --fail-on takes it.
func (g Gate) String() string {
	if g.Scale == "" {
		return g.Level
	}
	return g.Scale + ":" + g.Level
}

// Fails says whether check (CheckExposure, CheckUrgency, CheckReadiness)
// of r is at or above the gate. A gate on one scale fails no other check.
func (g Gate) Fails(check string, r scan.Result) bool {
	if g.Level == "" {
		return false
	}
	switch check {
	case CheckReadiness:
		return g.Scale == CheckReadiness && r.Readiness != nil && r.Readiness.Verdict == assess.Blocked
	case CheckUrgency:
		return (g.Scale == "" || g.Scale == CheckUrgency) && r.Urgency != nil && assess.Rank(r.Urgency.Level) >= assess.Rank(g.Level)
	case CheckExposure:
		return (g.Scale == "" || g.Scale == CheckExposure) && scan.LevelRank(r.Exposure.Level) >= scan.LevelRank(g.Level)
	}
	return false
}

// Check names r when it reaches the gate, with the check that did, or "".
func (g Gate) Check(r scan.Result) string {
	switch {
	case g.Fails(CheckReadiness, r):
		return fmt.Sprintf("%s: readiness %s (%s)", r.Target.Name, r.Readiness.Verdict, clean.Redact(r.Readiness.Reason))
	case g.Fails(CheckUrgency, r):
		return fmt.Sprintf("%s: urgency %s", r.Target.Name, r.Urgency.Level)
	case g.Fails(CheckExposure, r):
		return fmt.Sprintf("%s: exposure %s", r.Target.Name, r.Exposure.Level)
	}
	return ""
}
