// Package tui is the interactive triage table: rows fill in live as the
// scanner streams updates, and the user filters, sorts, selects, drills in
// and exports. It never probes by itself; it asks the scanner and shows
// what comes back, judged by package assess.
package tui

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui/charts"
	"github.com/kubesurface/kubesurface/tui/common"
	"github.com/kubesurface/kubesurface/tui/detail"
	"github.com/kubesurface/kubesurface/tui/export"
	"github.com/kubesurface/kubesurface/tui/filter"
	"github.com/kubesurface/kubesurface/tui/table"
)

// Runner is what the TUI asks for results: scan.Scanner in the program,
// a fixed feed in render tests. It takes a sequence so that a plan's
// targets are made as they are probed, never all held.
type Runner interface {
	RunSeq(ctx context.Context, targets iter.Seq[scan.Target]) <-chan scan.Update
}

// answeredOnlyOver is the size of a plan with a CIDR block past which the
// TUI shows only the block's targets that answer the sweep: a /16 is
// 65,536 rows that mostly never answer, costly to hold and useless to
// scroll through, while a handful of refused rows on a small block tells
// the user what was tried.
const answeredOnlyOver = 256

// Config is everything a session needs: what to scan, how, and the facts
// and date to judge results with.
type Config struct {
	Targets []scan.Target
	// Plan, when set, is what to scan instead of Targets. A plan with a
	// CIDR block of more than answeredOnlyOver targets, or any block with
	// Options.OpenOnly, gets rows only for its listed targets and for the
	// block's targets as they answer the sweep (the scan runs OpenOnly),
	// and the rest only counted; any other plan gets a row per target.
	// The header reads the sweep's counts from Options.Progress (made when
	// nil): a Scanner given must count into it.
	Plan *scan.Plan
	// Results, when given, are the first rows instead of waiting ones:
	// Results[i] is what an earlier scan saved of Targets[i] (`view`).
	// Init does not probe them; r and R rescan them as any other row.
	Results []scan.Result
	Options scan.Options
	// Scanner defaults to scan.New(Options).
	Scanner Runner
	// Load, when set, streams saved results into the table as they are
	// read (`view`): rows appear at once and fill in while the header
	// shows the progress, until the channel is closed.
	Load <-chan Loaded
	// Stage judges every finished result; without one, a stage judging
	// with Data (else the newest data there is) at Now is made.
	Stage *assess.Stage
	// Refresh, when set, is refreshing the stage's data in the background:
	// the header says so, and once new data lands the rows judged here are
	// judged again with it.
	Refresh *assess.Refresh
	Data    *assess.Bundle
	// DataNotes are shown in the status line (stale data, rejected cache).
	DataNotes []string
	// Now is the date judgements are for (--now); Clock drives the elapsed
	// time shown (time.Now unless a test fixes it).
	Now   time.Time
	Clock func() time.Time
	// Dir is where exports go by default (the working directory).
	Dir string
	// Version is the binary's version, which a SARIF export names its
	// findings' tool by.
	Version string
	// Hint is shown when there is nothing to scan (first run).
	Hint string
	// MaxRows is how many rows Load gives at most (0: no limit); past
	// them it sends the numbers of every target (Loaded.Fleet) for the
	// fleet view. Reload, when the inputs can be read again, feeds the
	// rows match takes instead, as Load did: a filter committed while
	// rows are held back loads the rows it selects.
	MaxRows int
	Reload  func(ctx context.Context, match func(scan.Result) bool) <-chan Loaded
	// Dark is the initial background guess until the terminal answers.
	Dark bool
}

// Loaded is one step of reading saved results into the table (`view`).
type Loaded struct {
	// Row places Result among the loaded rows, numbered from 0 in the
	// order their targets first appear (scan.Merger's index): a number
	// seen before replaces that row, unless it has been rescanned since,
	// and the next number adds one. Target is that target, rebuilt for
	// rescans. Result is nil when the step only reports progress, a
	// warning or an error.
	Row    int
	Target scan.Target
	Result *scan.Result
	// Warning is a row skipped or a merge note; Error an input that could
	// not be read to its end (its rows read so far stay).
	Warning, Error string
	Progress       LoadProgress
	// Fleet is the numbers of every target read so far, rows or not, sent
	// when some are held back from the table. More, on the last, says
	// that a reload's filter takes more rows than MaxRows.
	Fleet *fleet.Stats
	More  bool
}

// LoadProgress is how far reading saved results has got.
type LoadProgress struct {
	// Name is the input being read, File its place among Files (from 1).
	Name        string
	File, Files int
	// Read is the bytes read of it so far, Size its size (0 when unknown:
	// stdin, a pipe).
	Read, Size int64
}

type mode int

const (
	modeTable mode = iota
	modeFilter
	modeDetail
	modeHelp
	modeExport
	modeFleet
)

// Model is the whole program's state.
type Model struct {
	common  common.Common
	cfg     Config
	ctx     context.Context
	cancel  context.CancelFunc
	mode    mode
	table   *table.Model
	detail  *detail.Model
	charts  *charts.Model
	dialog  *export.Model
	input   textinput.Model
	help    help.Model
	status  string
	isError bool
	started time.Time
	// gen is, per row, the scan whose updates it accepts: a rescan makes
	// older, slower updates for that row stale.
	gen     []int
	scans   int
	active  map[int]bool
	exports []scan.Result
	// back is the mode the export dialog returns to, ret the one the
	// filter line and help return to (the table, the fleet view, or for
	// the help the detail view); helpTop is the first help line shown.
	back, ret mode
	helpTop   int
	// chartsDirty is true when rows or the filter changed since the fleet
	// view last summed them; chartsAt is when it did, chartsDue whether a
	// later sum is already scheduled.
	chartsDirty bool
	chartsAt    time.Time
	chartsDue   bool
	// whole is the numbers of every target the inputs hold when the table
	// holds fewer (Config.MaxRows); the fleet view shows them while no
	// filter is in force. loadCh is the feed being read (a reload
	// replaces it), stopLoad ends it.
	whole *fleet.Stats
	more  bool
	// rowsFor is the filter the held rows were read for ("" the first).
	rowsFor  string
	loadCh   <-chan loadMsg
	stopLoad context.CancelFunc
	// loading is the progress of reading saved results, nil when there is
	// none (any more); loadBase is the first row ID loaded rows get.
	loading  *LoadProgress
	loadBase int
	loaded   int
	warnings int
	// judgedWith is, per row, the generation of the stage's data that
	// judged it here; 0 when it was not judged here (waiting, or a saved
	// result that came judged).
	judgedWith []int
	// refreshing is true while the data refresh runs; staleDays is the
	// data's age when the run began with the stale-data note, else 0.
	refreshing bool
	staleDays  int
	// plan is the plan whose block targets get rows only as they answer
	// (nil when every target has its row); planScan is its scan's ID.
	plan     *scan.Plan
	planScan int
	// progress counts the sweep of a plan with CIDR blocks (nil without);
	// ranged is at most how many block targets it sweeps, swept whether
	// the sweep has ended, when Swept is the exact count.
	progress *scan.Progress
	ranged   int64
	swept    bool
}

// New builds the model; Run starts it. Tests drive New with teatest.
func New(ctx context.Context, cfg Config) *Model {
	var plan *scan.Plan
	var ranged int64
	if p := cfg.Plan; p != nil {
		if p.Ranges() && (p.Count() > answeredOnlyOver || cfg.Options.OpenOnly) {
			plan, cfg.Options.OpenOnly = p, true
			cfg.Targets = slices.Collect(p.Listed())
			ranged = p.Count() - int64(len(cfg.Targets))
		} else {
			cfg.Targets = p.Targets()
			for _, t := range cfg.Targets {
				if t.Range {
					ranged++
				}
			}
		}
		if p.Ranges() && cfg.Options.Progress == nil {
			cfg.Options.Progress = new(scan.Progress)
		}
	}
	if cfg.Scanner == nil {
		cfg.Scanner = scan.New(cfg.Options)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Now.IsZero() {
		cfg.Now = cfg.Clock()
	}
	if cfg.Stage == nil {
		if cfg.Data == nil {
			cfg.Data, _ = assess.Newest(ctx, cfg.Now)
		}
		cfg.Stage = assess.NewStage(cfg.Data, cfg.Now)
	}
	ctx, cancel := context.WithCancel(ctx)
	c := common.New(cfg.Dark)
	m := &Model{common: c, cfg: cfg, ctx: ctx, cancel: cancel, table: table.New(c), detail: detail.New(c), charts: charts.New(c),
		help: help.New(), gen: make([]int, len(cfg.Targets)), judgedWith: make([]int, len(cfg.Targets)),
		active: map[int]bool{}, started: cfg.Clock(), refreshing: cfg.Refresh != nil, plan: plan, ranged: ranged}
	if cfg.Plan != nil && cfg.Plan.Ranges() {
		m.progress = cfg.Options.Progress
	}
	m.input = textinput.New()
	m.input.Prompt = "/"
	rows := make([]*table.Row, len(cfg.Targets))
	for i, t := range cfg.Targets {
		r := scan.Pending(t)
		if i < len(cfg.Results) {
			r = cfg.Results[i]
		}
		rows[i] = table.NewRow(i, r)
	}
	m.table.SetRows(rows)
	if notes := m.dataNotes(); len(notes) > 0 {
		m.status = strings.Join(notes, "; ")
	}
	if cfg.Load != nil {
		m.loading, m.loadBase = &LoadProgress{}, len(cfg.Targets)
	}
	return m
}

// dataNotes are cfg.DataNotes as the status line says them. The note
// that the data is stale (assess.Staleness, which every command's start
// gives) is the refresh's to answer: while one runs the header says so,
// and says "(refreshed)" once it lands, so the warning is not shown; a
// refresh that fails says it then (refreshed). Only with no refresh at all
// (offline, failed already today, `view`) is it said here, shorter: the
// header shows the date.
func (m *Model) dataNotes() []string {
	notes := m.cfg.DataNotes
	data, _ := m.cfg.Stage.Data()
	stale := assess.Staleness(data, m.cfg.Now)
	i := slices.Index(notes, stale)
	if stale == "" || i < 0 {
		return notes
	}
	if asOf, err := time.Parse(time.DateOnly, data.DataAsOf); err == nil {
		m.staleDays = assess.DaysBetween(asOf, m.cfg.Now)
	}
	if m.cfg.Refresh != nil {
		return slices.Delete(slices.Clone(notes), i, i+1)
	}
	notes = slices.Clone(notes)
	notes[i] = fmt.Sprintf("data is %d days old: run `kubesurface data update`", m.staleDays)
	return notes
}

// Run starts the program and blocks until the user quits or ctx ends.
func Run(ctx context.Context, cfg Config) error {
	restore, note := quietStderr()
	defer restore()
	if note != "" {
		cfg.DataNotes = append(slices.Clone(cfg.DataNotes), note)
	}
	m := New(ctx, cfg)
	defer m.cancel()
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Init asks for the background colour and starts the scan of every row
// that did not come with a result.
func (m *Model) Init() tea.Cmd {
	var first tea.Cmd
	if m.plan != nil {
		first = m.scanPlan()
	} else {
		var all []int
		for i := len(m.cfg.Results); i < len(m.cfg.Targets); i++ {
			all = append(all, i)
		}
		first = m.scan(all, true)
		m.planScan = m.scans
	}
	return tea.Batch(tea.RequestBackgroundColor, first, m.load(), m.tick(), m.awaitRefresh())
}

// refreshMsg is the end of the data refresh.
type refreshMsg struct{ out assess.RefreshOutcome }

// awaitRefresh waits off the UI goroutine for the refresh to end.
func (m *Model) awaitRefresh() tea.Cmd {
	r, ctx := m.cfg.Refresh, m.ctx
	if r == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case <-r.Done():
			return refreshMsg{r.Wait()}
		case <-ctx.Done():
			return nil
		}
	}
}

// refreshed judges again, with the new data, every row judged here with
// older data, so that the table rests on one data set; a failed refresh
// is said in the status line. Rows whose judgement is still on its way
// are judged again as they arrive (apply). Saved results keep the
// judgement they were saved with.
func (m *Model) refreshed(out assess.RefreshOutcome) {
	m.refreshing = false
	if !out.Refreshed {
		note := out.Note
		if m.staleDays > 0 {
			// The stale warning held back while the refresh ran, first:
			// the failure's reason may run past the width.
			note = fmt.Sprintf("data is %d days old; %s", m.staleDays, note)
		}
		m.setStatus(note, true)
		return
	}
	rows := m.table.Rows()
	var again []*table.Row
	for id, row := range rows {
		if g := m.judgedWith[id]; g != 0 && g < out.Gen {
			again = append(again, m.rejudge(row))
		}
	}
	if len(again) > 0 {
		m.table.Update(again)
		m.showIfOpen(again)
	}
	// Short enough for the status line; the cache path is in `data show`.
	m.setStatus(fmt.Sprintf("data refreshed: as of %s (was %s); %s judged again with it", out.New.DataAsOf, out.Old.DataAsOf, scan.Plural(len(again), "row")), false)
}

// rejudge is row judged again with the stage's data now.
func (m *Model) rejudge(row *table.Row) *table.Row {
	return m.rejudgeResult(row.ID, row.Result, &m.judgedWith[row.ID])
}

// rejudgeResult is the row of r judged with the stage's data now; gen
// gets that data's generation.
func (m *Model) rejudgeResult(id int, r scan.Result, gen *int) *table.Row {
	*gen = m.cfg.Stage.Judge(&r)
	return table.NewRow(id, r)
}

// showIfOpen refreshes the detail view when it shows one of rows.
func (m *Model) showIfOpen(rows []*table.Row) {
	if m.mode != modeDetail {
		return
	}
	for _, r := range rows {
		if r.Result.Target == m.detail.Result().Target {
			m.detail.Show(r.Result)
		}
	}
}

type tickMsg struct{}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

// batchMsg carries the updates of one scan that arrived since the last
// batch; done means the scan has ended.
type batchMsg struct {
	scan    int
	updates []update
	done    bool
	ch      <-chan []update
}

// update is a row laid out off the UI goroutine, ready to show, with the
// generation of the data that judged it (0: not judged). added is set on
// the first update of a block's target that answered the sweep: its row
// is new, and added is its target, for rescans.
type update struct {
	row   *table.Row
	gen   int
	added *scan.Target
}

// scan asks the scanner for rows and streams their updates back in
// batches. Only the first scan sweeps a block's targets: a rescan probes
// them in full, which says as much of a closed one, and leaves the
// sweep's counts in the header those of the plan.
func (m *Model) scan(rows []int, sweep bool) tea.Cmd {
	if len(rows) == 0 {
		return nil
	}
	m.scans++
	id := m.scans
	m.active[id] = true
	targets := make([]scan.Target, len(rows))
	pending := make([]*table.Row, len(rows))
	for i, r := range rows {
		m.gen[r] = id
		targets[i] = m.cfg.Targets[r]
		targets[i].Range = targets[i].Range && sweep
		pending[i] = table.NewRow(r, scan.Pending(targets[i]))
	}
	m.table.Update(pending)
	updates := m.cfg.Scanner.RunSeq(m.ctx, slices.Values(targets))
	return m.stream(id, updates, func(u scan.Update) (int, *scan.Target) { return rows[u.Index], nil })
}

// scanPlan scans the plan whose block targets get a row only once they
// answer: the listed targets have theirs already (rows 0 on, in the
// plan's order), and a block target's first update adds the next one.
// The scanner numbers updates by their place in the plan, which only the
// sequence it is given can tell apart: that sequence notes where the
// listed targets fall.
func (m *Model) scanPlan() tea.Cmd {
	m.scans++
	id := m.scans
	m.planScan, m.active[id] = id, true
	for r := range m.gen {
		m.gen[r] = id
	}
	var mu sync.Mutex
	listedAt := map[int]int{}
	plan := m.plan
	seq := func(yield func(scan.Target) bool) {
		i, listed := 0, 0
		for t := range plan.All() {
			if !t.Range {
				mu.Lock()
				listedAt[i] = listed
				mu.Unlock()
				listed++
			}
			i++
			if !yield(t) {
				return
			}
		}
	}
	updates := m.cfg.Scanner.RunSeq(m.ctx, seq)
	// Only the streaming goroutine calls rowOf: next and answered are its.
	next, answered := len(m.cfg.Targets), map[int]int{}
	rowOf := func(u scan.Update) (int, *scan.Target) {
		mu.Lock()
		r, ok := listedAt[u.Index]
		mu.Unlock()
		if ok {
			return r, nil
		}
		if r, ok := answered[u.Index]; ok {
			if u.Result.Phase == scan.PhaseDone {
				delete(answered, u.Index)
			}
			return r, nil
		}
		r = next
		next++
		if u.Result.Phase != scan.PhaseDone {
			answered[u.Index] = r
		}
		// The row's target for rescans, which probe in full (see scan):
		// a sweep with OpenOnly would leave a closed one waiting forever.
		t, err := scan.FromRef(u.Result.Target)
		if err != nil {
			t = scan.Target{Ref: u.Result.Target}
		}
		return r, &t
	}
	return m.stream(id, updates, rowOf)
}

// stream reads a scan's updates off the UI goroutine and sends them back
// in batches (at most every 50 ms), each placed in its row by rowOf and
// judged if finished on the way, so a burst of thousands of updates costs
// the UI a few redraws.
func (m *Model) stream(id int, updates <-chan scan.Update, rowOf func(scan.Update) (int, *scan.Target)) tea.Cmd {
	ctx, stage := m.ctx, m.cfg.Stage
	ch := make(chan []update, 4)
	go func() {
		defer close(ch)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var buf []update
		flush := func() bool {
			if len(buf) == 0 {
				return true
			}
			select {
			case ch <- buf:
				buf = nil
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			select {
			case u, ok := <-updates:
				if !ok {
					flush()
					return
				}
				gen := stage.Judge(&u.Result)
				r, added := rowOf(u)
				buf = append(buf, update{row: table.NewRow(r, u.Result), gen: gen, added: added})
				if len(buf) >= 2000 && !flush() {
					return
				}
			case <-tick.C:
				if !flush() {
					return
				}
			}
		}
	}()
	return wait(id, ch)
}

func wait(id int, ch <-chan []update) tea.Cmd {
	return func() tea.Msg {
		b, ok := <-ch
		return batchMsg{scan: id, updates: b, done: !ok, ch: ch}
	}
}

// Update handles every message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(chartsMsg); ok {
		m.chartsDue = false
	} else if _, isKey := msg.(tea.KeyPressMsg); !isKey || m.mode != modeFleet {
		// Anything but moving about the charts may change what they count.
		m.chartsDirty = true
	}
	model, cmd := m.update(msg)
	return model, tea.Batch(cmd, m.sumCharts())
}

// chartsMsg asks for a sum the throttle put off.
type chartsMsg struct{}

// chartsEvery is how often at most the fleet view sums a large table
// while results arrive: a sum of half a million rows takes a good part
// of a second, and the charts need not move faster than a reader reads.
const (
	chartsEvery    = time.Second
	chartsSmallSum = 20000
)

// sumCharts sums the rows the table shows into the fleet view, when it
// is open and they changed: at once for a small table, at most once a
// chartsEvery for a large one, with a later sum scheduled so the last
// results are never left out.
func (m *Model) sumCharts() tea.Cmd {
	if m.mode != modeFleet || !m.chartsDirty {
		return nil
	}
	if wait := chartsEvery - time.Since(m.chartsAt); m.table.Visible() > chartsSmallSum && wait > 0 {
		if m.chartsDue {
			return nil
		}
		m.chartsDue = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return chartsMsg{} })
	}
	s := m.whole
	if s == nil || !m.table.Filter().Empty() {
		s = fleet.New(m.cfg.Now, 0)
		m.table.EachVisible(func(r *table.Row) { s.AddEntry(r.Entry) })
	}
	m.charts.SetStats(s)
	m.chartsDirty, m.chartsAt = false, time.Now()
	return nil
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.BackgroundColorMsg:
		m.restyle(msg.IsDark())
		return m, nil
	case tickMsg:
		if len(m.active) > 0 || m.loading != nil {
			return m, m.tick()
		}
		return m, nil
	case batchMsg:
		return m, m.apply(msg)
	case refreshMsg:
		m.refreshed(msg.out)
		return m, nil
	case loadMsg:
		return m, m.applyLoad(msg)
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.mode == modeFilter {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) apply(b batchMsg) tea.Cmd {
	rows := make([]*table.Row, 0, len(b.updates))
	_, current := m.cfg.Stage.Data()
	var added []*table.Row
	for _, u := range b.updates {
		if u.added != nil {
			// Rows are added in the order rowOf numbers them.
			m.addTarget(*u.added, b.scan, 0)
			added = append(added, table.NewRow(u.row.ID, scan.Pending(*u.added)))
		}
		if m.gen[u.row.ID] != b.scan {
			continue
		}
		m.judgedWith[u.row.ID] = u.gen
		if u.gen != 0 && u.gen < current {
			// Judged just before new data landed: judged again now.
			u.row = m.rejudge(u.row)
		}
		rows = append(rows, u.row)
	}
	switch {
	case len(added) > 0:
		// One sort for the batch, new rows and all.
		all := append(m.table.Rows(), added...)
		for _, r := range rows {
			all[r.ID] = r
		}
		m.table.SetRows(all)
	case len(rows) > 0:
		m.table.Update(rows)
	}
	if len(rows) > 0 {
		m.showIfOpen(rows)
	}
	if b.done {
		delete(m.active, b.scan)
		if b.scan == m.planScan {
			m.swept = true
		}
		// "rescanning N targets" is progress: it must not outlive the scan.
		if len(m.active) == 0 && !m.isError && (m.status == "" || strings.HasPrefix(m.status, "rescanning ")) {
			m.status = "scan finished"
		}
		return nil
	}
	return wait(b.scan, b.ch)
}

// loadMsg carries what the loading feed read since the last batch; done
// means reading has ended.
type loadMsg struct {
	rows     []loadedRow
	fleet    *fleet.Stats
	more     bool
	progress LoadProgress
	warnings []string
	errors   []string
	done     bool
	ch       <-chan loadMsg
}

// loadedRow is a saved result laid out off the UI goroutine; gen is the
// generation of the data that judged it here (0: it came judged).
type loadedRow struct {
	row    *table.Row
	target scan.Target
	gen    int
}

// load streams the Load feed into the table in batches, as scan does with
// the scanner's updates: judged and laid out on the way. Each batch costs
// the UI a sort of every row, so batches come further apart as the table
// grows (every 50 ms at first, every second past 40,000 rows): a file of
// many thousand rows costs a few dozen sorts, not one per 50 ms.
func (m *Model) load() tea.Cmd {
	if m.cfg.Load == nil {
		return nil
	}
	feed := m.cfg.Load
	return m.loadFrom(func(context.Context) <-chan Loaded { return feed })
}

// loadFrom reads the feed open gives as load says; a later loadFrom (a
// reload) stops it: the context open was given ends, and what the feed
// still sends is read and dropped, so that its sender is not left
// waiting with what it holds.
func (m *Model) loadFrom(open func(context.Context) <-chan Loaded) tea.Cmd {
	if m.stopLoad != nil {
		m.stopLoad()
	}
	ctx, stop := context.WithCancel(m.ctx)
	m.stopLoad = stop
	feed := open(ctx)
	stage, base := m.cfg.Stage, m.loadBase
	ch := make(chan loadMsg, 4)
	m.loadCh = ch
	go func() {
		defer close(ch)
		tick := time.NewTimer(50 * time.Millisecond)
		defer tick.Stop()
		var b loadMsg
		pending, rows := false, 0
		flush := func() bool {
			defer tick.Reset(min(time.Second, 50*time.Millisecond*time.Duration(1+rows/2000)))
			if !pending {
				return true
			}
			rows += len(b.rows)
			select {
			case ch <- b:
				b, pending = loadMsg{progress: b.progress}, false
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			select {
			case l, ok := <-feed:
				if !ok {
					flush()
					return
				}
				pending = true
				b.progress = l.Progress
				if l.Fleet != nil {
					b.fleet, b.more = l.Fleet, l.More
				}
				if l.Warning != "" {
					b.warnings = append(b.warnings, l.Warning)
				}
				if l.Error != "" {
					b.errors = append(b.errors, l.Error)
				}
				if l.Result != nil && l.Row >= 0 {
					r := *l.Result
					gen := 0
					if r.Urgency == nil {
						gen = stage.Judge(&r)
					}
					b.rows = append(b.rows, loadedRow{row: table.NewRow(base+l.Row, r), target: l.Target, gen: gen})
				}
			case <-tick.C:
				if !flush() {
					drain(feed)
					return
				}
			case <-ctx.Done():
				drain(feed)
				return
			}
		}
	}()
	return waitLoad(ch)
}

// drain reads what a stopped feed still sends, in the background.
func drain(feed <-chan Loaded) {
	go func() {
		for range feed {
		}
	}()
}

func waitLoad(ch <-chan loadMsg) tea.Cmd {
	return func() tea.Msg {
		b, ok := <-ch
		b.done, b.ch = !ok, ch
		return b
	}
}

// addTarget gives the next row ID its target, the scan whose updates it
// accepts (gen) and the data generation that judged it: the three are
// kept by row ID, in step.
func (m *Model) addTarget(t scan.Target, gen, judgedWith int) {
	m.cfg.Targets = append(m.cfg.Targets, t)
	m.gen = append(m.gen, gen)
	m.judgedWith = append(m.judgedWith, judgedWith)
}

// applyLoad adds the rows of new targets and replaces those of known
// ones, except rows the user has rescanned since: their scan is newer
// than any saved result.
func (m *Model) applyLoad(b loadMsg) tea.Cmd {
	if b.ch != m.loadCh {
		return nil // a feed a reload replaced
	}
	if b.fleet != nil {
		m.whole, m.more = b.fleet, b.more
	}
	if len(b.rows) > 0 {
		rows := m.table.Rows()
		_, current := m.cfg.Stage.Data()
		for _, lr := range b.rows {
			if lr.gen != 0 && lr.gen < current {
				// Judged here just before new data landed.
				lr.row = m.rejudgeResult(lr.row.ID, lr.row.Result, &lr.gen)
			}
			id := lr.row.ID
			switch {
			case id == len(rows):
				rows = append(rows, lr.row)
				m.addTarget(lr.target, 0, lr.gen)
				m.loaded++
			case id < len(rows) && id >= m.loadBase && m.gen[id] == 0:
				rows[id] = lr.row
				m.cfg.Targets[id] = lr.target
				m.judgedWith[id] = lr.gen
			}
		}
		m.table.SetRows(rows)
		if m.mode == modeDetail {
			for _, lr := range b.rows {
				if lr.row.Result.Target == m.detail.Result().Target && lr.row.ID < len(m.gen) && m.gen[lr.row.ID] == 0 {
					m.detail.Show(lr.row.Result)
				}
			}
		}
	}
	if m.loading != nil && !b.done {
		p := b.progress
		m.loading = &p
	}
	m.warnings += len(b.warnings)
	switch {
	case len(b.errors) > 0:
		m.setStatus(b.errors[len(b.errors)-1], true)
	case len(b.warnings) > 0 && !m.isError:
		m.setStatus(warningStatus(m.warnings, b.warnings[len(b.warnings)-1]), false)
	}
	if b.done {
		m.loading = nil
		if !m.isError {
			msg := "read " + scan.Plural(m.loaded, "row")
			switch {
			case m.whole == nil || m.whole.Targets <= m.cfg.MaxRows:
			case m.table.Filter().Empty():
				msg = fmt.Sprintf("the table holds %d of %d targets (--max-rows); the fleet view counts all; a filter or a chart's bar loads the rows it selects", m.table.Len(), m.whole.Targets)
			case m.more:
				msg = fmt.Sprintf("loaded the first %s the filter selects; more match (--max-rows)", scan.Plural(m.table.Len(), "row"))
			default:
				msg = fmt.Sprintf("read every row the filter selects: %d of %d targets", m.table.Len(), m.whole.Targets)
			}
			if m.warnings > 0 {
				msg += fmt.Sprintf("; %s, listed on stderr when you quit", scan.Plural(m.warnings, "warning"))
			}
			m.setStatus(msg, false)
		}
		return nil
	}
	return waitLoad(b.ch)
}

func warningStatus(n int, last string) string {
	if n == 1 {
		return last
	}
	return fmt.Sprintf("%d warnings, the last: %s", n, last)
}

// String is the word on reading saved results: the TUI's header and
// view -o stats's progress line both say it.
func (p LoadProgress) String() string {
	s := "reading"
	if p.Files > 1 {
		s += fmt.Sprintf(" (%d/%d)", p.File, p.Files)
	}
	if p.Name != "" {
		s += " " + p.Name
	}
	s += " · " + byteSize(p.Read)
	if p.Size > 0 {
		s += fmt.Sprintf(" of %s (%d%%)", byteSize(p.Size), min(100, p.Read*100/p.Size))
	}
	return s
}

func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	km := m.common.KeyMap
	if k.String() == "ctrl+c" {
		return m.quit()
	}
	switch m.mode {
	case modeFilter:
		switch k.String() {
		case "enter":
			m.mode = m.ret
			m.input.Blur()
			if m.held() {
				return m.reload(m.table.Filter())
			}
			return nil
		case "esc":
			m.clearFilter()
			m.mode = m.ret
			m.input.Blur()
			if m.held() {
				return m.reload(m.table.Filter())
			}
			return nil
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		if q := filter.Parse(m.input.Value()); q.Raw != m.table.Filter().Raw {
			m.table.SetFilter(q)
		}
		return cmd
	case modeHelp:
		// q quits here as in every other view (ctrl+c above); the keys
		// that move move the help, which may be taller than the terminal;
		// any other key closes it.
		page := m.helpPage()
		switch {
		case key.Matches(k, km.Quit):
			return m.quit()
		case key.Matches(k, km.Down):
			m.helpTop++
		case key.Matches(k, km.Up):
			m.helpTop--
		case key.Matches(k, km.PageDown):
			m.helpTop += page
		case key.Matches(k, km.PageUp):
			m.helpTop -= page
		case key.Matches(k, km.Top):
			m.helpTop = 0
		case key.Matches(k, km.Bottom):
			m.helpTop = len(m.helpLines())
		default:
			m.mode = m.ret
		}
		m.helpTop = max(0, min(m.helpTop, len(m.helpLines())-page))
		return nil
	case modeFleet:
		return m.fleetKey(k)
	case modeExport:
		req, done, cmd := m.dialog.Update(k)
		if done {
			m.mode = m.back
		}
		if req != nil {
			m.export(*req)
		}
		return cmd
	case modeDetail:
		switch {
		case key.Matches(k, km.Quit):
			return m.quit()
		case key.Matches(k, km.Back):
			m.mode = modeTable
			return nil
		case key.Matches(k, km.Help):
			m.openHelp(modeDetail)
			return nil
		case key.Matches(k, km.Rescan):
			return m.rescan([]int{m.rowOf(m.detail.Result())})
		case key.Matches(k, km.Export):
			m.openExport([]scan.Result{m.detail.Result()})
			return nil
		}
		return m.detail.Update(k)
	}

	t := m.table
	switch {
	case key.Matches(k, km.Quit):
		return m.quit()
	case key.Matches(k, km.Help):
		m.openHelp(modeTable)
	case key.Matches(k, km.Fleet):
		m.mode = modeFleet
	case key.Matches(k, km.Up):
		t.Move(-1)
	case key.Matches(k, km.Down):
		t.Move(1)
	case key.Matches(k, km.Top):
		t.Top()
	case key.Matches(k, km.Bottom):
		t.Bottom()
	case key.Matches(k, km.PageUp):
		t.Page(-1)
	case key.Matches(k, km.PageDown):
		t.Page(1)
	case key.Matches(k, km.Filter):
		m.mode, m.ret = modeFilter, modeTable
		return m.input.Focus()
	case key.Matches(k, km.Back):
		if !t.Filter().Empty() {
			m.clearFilter()
			if m.held() {
				return m.reload(t.Filter())
			}
		} else if t.SelectedCount() > 0 {
			t.ClearSelection()
		}
	case key.Matches(k, km.SortNext):
		t.SortNext()
	case key.Matches(k, km.SortReverse):
		t.Reverse()
	case key.Matches(k, km.SortColumn):
		n := int(k.String()[0] - '0')
		if n == 0 {
			n = 10
		}
		t.Sort(n - 1)
	case key.Matches(k, km.Select):
		t.Toggle()
	case key.Matches(k, km.SelectAll):
		t.SelectVisible()
	case key.Matches(k, km.ClearSelection):
		t.ClearSelection()
	case key.Matches(k, km.Open):
		if row := t.Current(); row != nil {
			m.detail.Show(row.Result)
			m.mode = modeDetail
		}
	case key.Matches(k, km.Rescan):
		var ids []int
		for _, r := range m.acted() {
			ids = append(ids, r.ID)
		}
		return m.rescan(ids)
	case key.Matches(k, km.RescanAll):
		ids := make([]int, t.Len())
		for i := range ids {
			ids[i] = i
		}
		return m.rescan(ids)
	case key.Matches(k, km.Export):
		var rs []scan.Result
		for _, r := range m.acted() {
			rs = append(rs, r.Result)
		}
		if len(rs) == 0 {
			m.setStatus("nothing to export", true)
			return nil
		}
		m.openExport(rs)
	}
	return nil
}

// fleetKey handles the fleet view's keys: moving about the charts is
// the component's; enter turns the selection into filter terms added to
// the table's filter, and shows the table.
func (m *Model) fleetKey(k tea.KeyPressMsg) tea.Cmd {
	km := m.common.KeyMap
	switch {
	case key.Matches(k, km.Quit):
		return m.quit()
	case key.Matches(k, km.Back), key.Matches(k, km.Fleet):
		m.mode = modeTable
	case key.Matches(k, km.Help):
		m.openHelp(modeFleet)
	case key.Matches(k, km.Filter):
		m.mode, m.ret = modeFilter, modeFleet
		return m.input.Focus()
	case key.Matches(k, km.Export):
		var rs []scan.Result
		m.table.EachVisible(func(r *table.Row) { rs = append(rs, r.Result) })
		if len(rs) == 0 {
			m.setStatus("nothing to export", true)
			return nil
		}
		m.openExport(rs)
	case key.Matches(k, km.FilterBar):
		terms, words := m.charts.Selection()
		if terms == "" {
			m.setStatus("no filter can name this bar", true)
			return nil
		}
		q := strings.TrimSpace(m.input.Value() + " " + terms)
		m.input.SetValue(q)
		m.table.SetFilter(filter.Parse(q))
		m.table.Top()
		m.mode = modeTable
		m.setStatus("from the chart: "+words+" (esc clears)", false)
		if m.held() {
			return m.reload(m.table.Filter())
		}
	default:
		m.charts.Update(k)
	}
	return nil
}

// held is true when the inputs hold targets the table was not given
// (Config.MaxRows) and can be read again for them, and the filter in
// force is not the one the rows were read for: a reading costs as long
// as the first.
func (m *Model) held() bool {
	return m.whole != nil && m.cfg.Reload != nil && m.whole.Targets > m.cfg.MaxRows &&
		strings.Join(strings.Fields(m.table.Filter().Raw), " ") != m.rowsFor
}

// reload reads the inputs again for the rows q selects, which replace the
// table's: what a filter over rows that were held back means. Rescans in
// flight would update rows that are no longer there: it waits for them.
func (m *Model) reload(q filter.Query) tea.Cmd {
	if len(m.active) > 0 {
		m.setStatus("the filter applies to the rows held; rows it selects beyond them load once the rescans end", true)
		return nil
	}
	var match func(scan.Result) bool
	if !q.Empty() {
		match = func(r scan.Result) bool { return q.Match(table.NewRow(0, r)) }
	}
	m.table.ClearSelection()
	m.table.SetRows(nil)
	m.cfg.Targets, m.gen, m.judgedWith = nil, nil, nil
	m.loadBase, m.loaded, m.warnings, m.more = 0, 0, 0, false
	m.rowsFor = strings.Join(strings.Fields(q.Raw), " ")
	m.loading = &LoadProgress{}
	m.setStatus("reading the files again for the rows the filter selects", false)
	return m.loadFrom(func(ctx context.Context) <-chan Loaded { return m.cfg.Reload(ctx, match) })
}

// acted is what r and e act on: the selection, else the current row.
func (m *Model) acted() []*table.Row {
	if rows := m.table.Selected(); len(rows) > 0 {
		return rows
	}
	if row := m.table.Current(); row != nil {
		return []*table.Row{row}
	}
	return nil
}

func (m *Model) clearFilter() {
	m.input.SetValue("")
	m.table.SetFilter(filter.Parse(""))
}

func (m *Model) quit() tea.Cmd {
	m.cancel() // every probe stops at once
	return tea.Quit
}

func (m *Model) rescan(ids []int) tea.Cmd {
	if len(ids) == 0 {
		return nil
	}
	m.status, m.isError = "rescanning "+scan.Plural(len(ids), "target"), false
	cmd := m.scan(ids, false)
	if len(m.active) == 1 {
		return tea.Batch(cmd, m.tick())
	}
	return cmd
}

// Results is what every row holds, by row: the targets given first, then
// those loaded or answering a plan's sweep, in the order they first
// appeared.
func (m *Model) Results() []scan.Result {
	out := make([]scan.Result, 0, m.table.Len())
	for _, row := range m.table.Rows() {
		out = append(out, row.Result)
	}
	return out
}

func (m *Model) rowOf(r scan.Result) int {
	for i, row := range m.table.Rows() {
		if row.Result.Target == r.Target {
			return i
		}
	}
	return -1
}

func (m *Model) openExport(rs []scan.Result) {
	m.exports = rs
	at := m.cfg.Clock()
	m.dialog = export.New(m.common, len(rs), func(format string) string {
		return filepath.Join(m.cfg.Dir, report.DefaultName(format, at))
	})
	m.dialog.SetSize(m.common.Width, m.common.Height)
	m.back, m.mode = m.mode, modeExport
}

// export writes the report; a failure is reported and the program goes
// on, and an existing file turns the dialog into a question.
func (m *Model) export(req export.Request) {
	d, _ := m.cfg.Stage.Data()
	err := report.Export(req.Path, req.Format, m.exports, m.cfg.Clock(), report.DataOf(d, m.cfg.Stage.Now()), report.Options{Version: m.cfg.Version}, req.Overwrite)
	switch {
	case errors.Is(err, report.ErrExists) && !req.Overwrite:
		m.dialog.AskOverwrite()
		return
	case err != nil:
		m.setStatus("export failed: "+err.Error(), true)
	default:
		m.setStatus(fmt.Sprintf("exported %s to %s", scan.Plural(len(m.exports), "row"), req.Path), false)
	}
	m.mode = m.back
}

func (m *Model) setStatus(s string, isErr bool) { m.status, m.isError = s, isErr }

func (m *Model) resize(w, h int) {
	m.common.SetSize(w, h)
	m.help.SetWidth(w)
	m.table.SetSize(w, max(1, h-5))
	m.detail.SetSize(w, max(1, h-4))
	m.charts.SetSize(w, max(1, h-4))
	if m.dialog != nil {
		m.dialog.Common.SetSize(w, h)
	}
	m.input.SetWidth(max(10, w-30))
}

func (m *Model) restyle(dark bool) {
	c := common.New(dark)
	c.SetSize(m.common.Width, m.common.Height)
	m.common = c
	m.table.Styles, m.detail.Styles, m.charts.Styles = c.Styles, c.Styles, c.Styles
	m.help.Styles = help.DefaultStyles(dark)
	if m.dialog != nil {
		m.dialog.Styles = c.Styles
	}
	m.detail.Show(m.detail.Result())
}

// View draws header, body, filter/status line and help.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "kubesurface"
	return v
}

func (m *Model) render() string {
	st := m.common.Styles
	header := m.header()
	var body string
	switch {
	case len(m.cfg.Targets) == 0 && m.plan == nil:
		body = "\n" + st.Hint.Render(cleanLines(m.cfg.Hint))
	case m.mode == modeHelp:
		lines := m.helpLines()
		top := min(m.helpTop, max(0, len(lines)-m.helpPage()))
		body = m.helpTitle() + "\n\n" + strings.Join(lines[top:min(len(lines), top+m.helpPage())], "\n")
	case m.mode == modeDetail:
		body = m.detail.View()
	case m.mode == modeFleet || m.mode == modeFilter && m.ret == modeFleet || m.mode == modeExport && m.back == modeFleet:
		body = m.charts.View()
	default:
		body = m.table.View()
	}
	if m.mode == modeExport && m.dialog != nil {
		body = lipgloss.Place(m.common.Width, max(1, m.common.Height-4), lipgloss.Center, lipgloss.Center, m.dialog.View())
	}
	bodyH := max(1, m.common.Height-4)
	body = fitLines(body, bodyH, m.common.Width)
	keys := m.common.KeyMap.ShortHelp()
	// The help's bar is that of the view it was opened from and returns to.
	view := m.mode
	if view == modeHelp {
		view = m.ret
	}
	switch view {
	case modeFleet:
		keys = m.common.KeyMap.FleetHelp()
	case modeDetail:
		keys = m.common.KeyMap.DetailHelp()
	}
	// help.ShortHelpView adds an item that overflows when its ellipsis
	// does not fit either: the bar is cut to the width here.
	return header + "\n" + body + "\n" + m.line() + "\n" + fitLines(m.help.ShortHelpView(keys), 1, m.common.Width)
}

// openHelp shows the help of the view ret, which closing it returns to.
func (m *Model) openHelp(ret mode) {
	m.mode, m.ret, m.helpTop = modeHelp, ret, 0
}

// helpTitle stays above the help as it scrolls, on its own two lines:
// how to leave it is always in sight, whatever the terminal's size.
func (m *Model) helpTitle() string {
	st := m.common.Styles
	title := "Keys"
	switch m.ret {
	case modeDetail:
		title = "Keys in the detail view"
	case modeFleet:
		title = "Keys in the fleet view"
	}
	leave := "q quits; ↑/↓, pgup/pgdn, g/G scroll; any other key closes this help."
	return st.Title.Render(title) + "\n" + st.Muted.Render(leave)
}

// helpPage is how many lines of the help the body shows under its title.
func (m *Model) helpPage() int { return max(1, m.common.Height-4-3) }

// helpLines is the whole help of the view it was opened from, wrapped to
// the width: the key columns, then what they cannot say. The body shows
// a page of it from helpTop, so nothing is cut however small the
// terminal.
func (m *Model) helpLines() []string {
	st := m.common.Styles
	km := m.common.KeyMap
	w := max(20, m.common.Width)
	var cols [][]key.Binding
	var text string
	switch m.ret {
	case modeDetail:
		cols = km.DetailFullHelp()
		var tabs []string
		for i, t := range detail.Tabs {
			tabs = append(tabs, fmt.Sprintf("%d %s", i+1, t))
		}
		text = "Tabs: " + strings.Join(tabs, ", ") + "."
	case modeFleet:
		cols = km.FleetFullHelp()
		text = "The charts count the rows the table shows (its filter applies) and follow the results as they arrive. " +
			"A bar's segments are told apart by glyph as well as colour. enter adds the selection to the filter as key=value terms " +
			"(dist=eks urgency=high, minor=1.29, eos=2027-w08) and shows the table: exactly the rows the bar or segment counted. " +
			"A timeline bar counts events: a target losing both kinds of support in one week is one row."
	default:
		cols = km.FullHelp()
		text = "Filter: a fuzzy word matches when it is part of the row, or its letters come in order in one column; key:value terms match the start of one field, key=value all of it — " + strings.Join(filter.Fields, ", ") + ". All terms must match; the rows keep their sort." +
			"\nc opens the fleet charts: enter there adds the selected bar to the filter." +
			"\nColumns 1-0: " + columnNames() + "." +
			"\nIn the detail view (enter), 1-8 go to its tabs."
	}
	// lipgloss wraps at spaces and breaks a word only when it is longer
	// than the line.
	all := m.fullHelp(cols) + "\n\n" + st.Muted.Width(w).Render(text)
	return strings.Split(all, "\n")
}

// fullHelp lays the help's columns side by side as far as the width
// goes, then on under them: the keys of every view, none cut off.
func (m *Model) fullHelp(cols [][]key.Binding) string {
	var rows []string
	var row string
	for _, col := range cols {
		block := m.help.FullHelpView([][]key.Binding{col})
		next := block
		if row != "" {
			next = lipgloss.JoinHorizontal(lipgloss.Top, row, "    ", block)
		}
		if row != "" && lipgloss.Width(next) > m.common.Width {
			rows = append(rows, row)
			next = block
		}
		row = next
	}
	return strings.Join(append(rows, row), "\n\n")
}

// header is the title, progress, verdict counts, data date and elapsed
// time: two lines.
func (m *Model) header() string {
	st := m.common.Styles
	rows := m.table.Rows()
	done, probing := 0, 0
	urg := map[string]int{}
	exp := map[string]int{}
	asOf := map[string]bool{}
	for _, r := range rows {
		if u := r.Result.Urgency; u != nil && u.DataAsOf != "" {
			asOf[u.DataAsOf] = true
		}
		switch r.Result.State {
		case scan.StateDone, scan.StateFailed, scan.StateCancelled:
			done++
			exp[r.Result.Exposure.Level]++
			if r.Result.Urgency != nil {
				urg[r.Result.Urgency.Level]++
			}
		case scan.StateProbing:
			probing++
		}
	}
	elapsed := m.cfg.Clock().Sub(m.started).Round(time.Second)
	line1 := st.Title.Render("kubesurface") + fmt.Sprintf("  %d/%d done", done, len(rows))
	if probing > 0 {
		line1 += fmt.Sprintf(" · %d probing", probing)
	}
	if m.loading != nil {
		line1 += " · " + m.loading.String()
	}
	if s := m.sweepProgress(); s != "" {
		line1 += " · " + s
	}
	line1 += fmt.Sprintf(" · %s", elapsed)
	data, gen := m.cfg.Stage.Data()
	line1 += st.Muted.Render(" · data as of " + clean.Line(dataAsOf(asOf, data.DataAsOf)))
	switch {
	case m.refreshing:
		line1 += st.Muted.Render(" · refreshing data")
	case gen > 1:
		line1 += st.Muted.Render(" (refreshed)")
	}
	var parts []string
	for _, l := range append(assess.Levels, assess.Unknown) {
		if n := urg[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st.LevelWord(l), n))
		}
	}
	var eparts []string
	for _, l := range []string{scan.LevelCritical, scan.LevelHigh, scan.LevelMedium, scan.LevelLow, scan.LevelNone} {
		if n := exp[l]; n > 0 {
			eparts = append(eparts, fmt.Sprintf("%s %d", st.LevelWord(l), n))
		}
	}
	line2 := "urgency: " + orNone(strings.Join(parts, " · ")) + "   exposure: " + orNone(strings.Join(eparts, " · "))
	return fitLines(line1, 1, m.common.Width) + "\n" + fitLines(line2, 1, m.common.Width)
}

// sweepProgress is the header's word on the connect sweep of the plan's
// blocks: how far it has got (out of at most how many, until it ends) and
// what it found.
func (m *Model) sweepProgress() string {
	p := m.progress
	if p == nil || (m.ranged == 0 && p.Swept.Load() == 0) {
		return ""
	}
	swept := p.Swept.Load()
	of := m.ranged
	if m.swept {
		of = swept
	}
	s := fmt.Sprintf("sweep %s/%s: %s open, %s refused, %s filtered", thousands(swept), thousands(of),
		thousands(p.Open.Load()), thousands(p.Refused.Load()), thousands(p.Filtered.Load()))
	if n := p.Unreachable.Load(); n > 0 {
		s += fmt.Sprintf(", %s unreachable", thousands(n))
	}
	return s
}

// thousands writes n with its thousands separated, as counts of a sweep
// run to millions.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// line is the filter input while filtering, else the filter in force and
// the status message.
func (m *Model) line() string {
	st := m.common.Styles
	t := m.table
	count := fmt.Sprintf("%d/%d rows", t.Visible(), t.Len())
	if m.plan != nil && m.progress != nil {
		p := m.progress
		count += fmt.Sprintf(" · %s closed targets not shown", thousands(p.Refused.Load()+p.Filtered.Load()+p.Unreachable.Load()))
	}
	if n := t.SelectedCount(); n > 0 {
		count += fmt.Sprintf(" · %d selected", n)
	}
	if m.mode == modeFilter {
		return m.input.View() + "  " + st.Muted.Render(count)
	}
	var parts []string
	if q := t.Filter(); !q.Empty() {
		parts = append(parts, st.FilterHint.Render("filter: "+clean.Line(q.Raw)))
	}
	// The sort column may be one the width has hidden: name it here too.
	col, desc := t.SortState()
	dir := "▲"
	if desc {
		dir = "▼"
	}
	parts = append(parts, st.Muted.Render("sort: "+strings.ToLower(table.Columns[col].Title)+dir))
	parts = append(parts, st.Muted.Render(count))
	if m.status != "" {
		s := st.Status
		if m.isError {
			s = st.Error
		}
		// The status may quote a data note, a path or an error: values,
		// cleaned before they are styled.
		parts = append(parts, s.Render(clean.Line(m.status)))
	}
	return fitLines(strings.Join(parts, "  "), 1, m.common.Width)
}

// dataAsOf is the date of the facts the rows were judged with: Data's until
// a row is judged, then the rows' own, since saved results (`view`) may have
// been judged with other data than this run has.
func dataAsOf(dates map[string]bool, data string) string {
	if len(dates) == 0 {
		return data
	}
	return strings.Join(slices.Sorted(maps.Keys(dates)), ", ")
}

// cleanLines is clean.Line of each line of s, for text that is meant to
// span lines (the first-run hint).
func cleanLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean.Line(l)
	}
	return strings.Join(lines, "\n")
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func columnNames() string {
	var out []string
	for i, c := range table.Columns {
		if i >= 10 {
			break
		}
		out = append(out, fmt.Sprintf("%d %s", (i+1)%10, strings.ToLower(c.Title)))
	}
	return strings.Join(out, ", ")
}

// fitLines pads or cuts s to exactly n lines of at most w cells, so the
// layout never shifts or wraps.
func fitLines(s string, n, w int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	for i, l := range lines {
		if w > 0 && ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// byteSize writes a byte count in the unit a progress line wants.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
