package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// StatsKind names the document `-o stats` prints.
const StatsKind = "FleetStats"

// StatsDocument is the envelope of `-o stats`: the fleet's numbers with
// the schema version, time and data, as Document has them, so a script can
// tell which facts the counts were judged with.
type StatsDocument struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	GeneratedAt time.Time `json:"generatedAt"`
	Data        DataInfo  `json:"data"`
	*fleet.Stats
}

// SumFleet sums results with the timeline starting at their judging date.
func SumFleet(results []scan.Result) *fleet.Stats {
	s := fleet.New(time.Time{}, 0)
	for _, r := range results {
		s.Add(r)
	}
	return s
}

// Stats writes the numbers behind the charts as one JSON document,
// escaped as JSON is (clean.JSON): target names in the timeline's samples
// come from the results.
func Stats(w io.Writer, s *fleet.Stats, at time.Time, data DataInfo) error {
	doc := StatsDocument{APIVersion: scan.APIVersion, Kind: StatsKind, GeneratedAt: at.UTC(), Data: data, Stats: s}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(clean.JSON(b), '\n'))
	return err
}
