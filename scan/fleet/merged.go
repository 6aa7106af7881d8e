package fleet

import (
	"strings"

	"github.com/kubesurface/kubesurface/scan"
)

// Merged keeps one Entry per target while results stream in, by
// scan.Merger's rule (the newest finished record of a target wins), so
// that a dataset of hundreds of thousands of rows is summed without
// holding its results: per target it keeps the name and the index of a
// shape, the Entry without its name, which few distinct values make up
// (a few distributions, levels, minors, dates). scan.Merger adds the
// target's key and what its rule needs (the finish time, two flags).
// Its zero value is ready; it is for one goroutine.
type Merged struct {
	m      scan.Merger
	rows   []mergedRow
	shapes []Entry
	shape  map[Entry]uint32
	// uses counts the rows of each shape; a shape no row uses any more is
	// dropped and its place reused (free), so that records replaced by
	// newer ones leave nothing behind: memory follows the targets kept,
	// not the rows read.
	uses []uint32
	free []uint32
}

type mergedRow struct {
	name  string
	shape uint32
}

// Add places r as scan.Merger does and returns the merge note, if any.
// When r takes its target's place, judge (when not nil) judges it first,
// as a saved result left unjudged is, so that only the records kept are
// judged; then its Entry replaces the target's.
func (g *Merged) Add(r scan.Result, judge func(*scan.Result)) (note string) {
	_, _, note = g.AddAt(&r, judge)
	return note
}

// AddAt is Add, also returning what scan.Merger.Add does: the target's
// index (in the order targets first appear) and whether r took its place.
// The judgement lands in *r, so that a caller that keeps the record (the
// TUI's row) has it judged once.
func (g *Merged) AddAt(r *scan.Result, judge func(*scan.Result)) (i int, take bool, note string) {
	i, take, note = g.m.Add(*r)
	if !take {
		return i, take, note
	}
	if judge != nil {
		judge(r)
	}
	e := EntryOf(*r)
	// The name is copied so that no row keeps a larger string alive.
	row := mergedRow{name: strings.Clone(e.Name)}
	e.Name = ""
	if g.shape == nil {
		g.shape = map[Entry]uint32{}
	}
	row.shape = g.intern(e)
	if i == len(g.rows) {
		g.rows = append(g.rows, row)
	} else {
		g.release(g.rows[i].shape)
		g.rows[i] = row
	}
	return i, take, note
}

// intern returns the index of e's shape, adding it if no row uses it.
func (g *Merged) intern(e Entry) uint32 {
	s, ok := g.shape[e]
	if !ok {
		if n := len(g.free); n > 0 {
			s, g.free = g.free[n-1], g.free[:n-1]
			g.shapes[s] = e
		} else {
			s = uint32(len(g.shapes))
			g.shapes = append(g.shapes, e)
			g.uses = append(g.uses, 0)
		}
		g.shape[e] = s
	}
	g.uses[s]++
	return s
}

// release drops a row's use of shape s, and s with the last.
func (g *Merged) release(s uint32) {
	if g.uses[s]--; g.uses[s] == 0 {
		delete(g.shape, g.shapes[s])
		g.shapes[s] = Entry{}
		g.free = append(g.free, s)
	}
}

// Len is the number of targets kept.
func (g *Merged) Len() int { return len(g.rows) }

// Shapes is the number of distinct Entries (names aside) kept.
func (g *Merged) Shapes() int { return len(g.shape) }

// SumInto adds the Entry of every target kept to s, in the order of each
// target's first appearance, as summing the merged results would.
func (g *Merged) SumInto(s *Stats) {
	for _, r := range g.rows {
		e := g.shapes[r.shape]
		e.Name = r.name
		s.AddEntry(e)
	}
}
