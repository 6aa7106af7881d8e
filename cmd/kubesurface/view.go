package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// newViewCmd opens the TUI on results saved earlier, so that what shards or
// cron jobs gathered can be triaged where they are read, without probing
// anything until the user asks for a rescan.
func newViewCmd() *cobra.Command {
	// Only the probe flags are registered; the rest keep what validate wants.
	tf := targetFlags{maxTargets: scan.DefaultMaxTargets}
	var jf judgeFlags
	var output string
	maxRows := defaultMaxRows
	cmd := &cobra.Command{
		Use:   "view FILE...",
		Short: "Open the TUI on saved results (scan -o ndjson or -o json) without probing",
		Long: `Open the TUI on results saved by 'scan -o ndjson' (one result per line) or
'scan -o json' (one document); '-' reads stdin. Results from several files
(the shards of an Indexed Job, runs of different days) are merged: one row per
target (source, context, URL), the one that finished last, but never a
cancelled one over a finished one. Rows show as they are read, with the
progress in the header. Results not judged yet are judged at --now; the
header shows the date of the data the rows were judged with. Nothing is
probed until r or R rescans rows; kubeconfig contexts are then probed
anonymously only, since saved results hold no credentials.

Shodan's JSON lines download and Censys's host export are read too (told by
the first record): each Kubernetes port becomes a row from what the service
recorded (address, certificate, /version), judged at the record's own date,
or at --now when given.

The table holds at most --max-rows rows (default 50,000), the first targets
read: past them, the fleet view (c) still counts every target, and a filter
(/ then enter) or a chart's bar (enter) reads the files again and loads the
rows it selects, up to the same number. A file read from stdin cannot be
read again: its first rows stay.

A row that cannot be read (a malformed line, a result whose target cannot be
probed again) is skipped: the status line says so, and every skipped row is
listed on stderr when the TUI ends.

With -o stats no TUI opens: the fleet's numbers (urgency by distribution,
exposure by reach, minors, the support timeline from --now) are printed as
one JSON document, as 'scan -o stats' prints them. The rows stream: each is
judged as it is read (a dataset's at --now, or today) and only what the
numbers need is kept per target. When stderr is a terminal, a progress line
there (file, bytes read of its size, rows, targets) is redrawn at most once
a second; redirected, stderr gets the warnings only. -o table and -o wide
print the merged rows as 'scan -o table' and 'scan -o wide' do.

An empty input (0 bytes, blank lines, or a document of no results: what a
shard given no targets writes) is read as no results, with a note; when
every input is empty the TUI opens with no rows and says so, and -o stats
counts zero targets.

Exit codes: 0 quit (q or ctrl+c in the TUI; with -o, the output written),
1 the terminal could not be used or the output not written, 2 bad flags, a
file that cannot be opened, or one whose rows are all unreadable, 130
interrupted by SIGINT or SIGTERM.`,
		Example: `  kubesurface scan -o ndjson > results.ndjson && kubesurface view results.ndjson
  kubectl logs -l job-name=kubesurface --tail=-1 | grep '^{' | kubesurface view -
  kubesurface view monday.json tuesday.ndjson
  kubesurface view -o stats shard-*.ndjson > fleet.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("view needs at least one FILE of saved results ('-' for stdin)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tf.validate(); err != nil {
				return usageError{err}
			}
			if output != "" && !slices.Contains(viewFormats, output) {
				return usageError{fmt.Errorf("unknown output format %q for view (want %s)", output, strings.Join(viewFormats, ", "))}
			}
			now, err := jf.date()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if output != "" {
				warnings := newNotices(cmd.ErrOrStderr())
				defer warnings.flush()
				return viewPrint(ctx, cmd, args, output, now, warnings)
			}
			inputs, err := openSaved(ctx, cmd.InOrStdin(), args, report.NewShared())
			if err != nil {
				return err
			}
			defer closeSaved(inputs)
			for _, in := range inputs {
				in.recordDate = jf.now == ""
			}
			warnings := newNotices(cmd.ErrOrStderr())
			defer warnings.flush()
			// Rescans of saved rows may probe every row, anonymously only
			// (results hold no credential, so no plugin runs).
			note := tf.fit(tf.concurrency, filesPerTarget)
			if maxRows < 0 {
				return usageError{fmt.Errorf("--max-rows %d: want 0 (no limit) or more", maxRows)}
			}
			cfg, wait := viewConfig(ctx, inputs, args, now, tf.options(), warnings, maxRows)
			if note != "" {
				cfg.DataNotes = append(cfg.DataNotes, note)
			}
			cfg.Dir, _ = os.Getwd()
			err = tui.Run(ctx, cfg)
			wait()
			if err == nil && ctx.Err() != nil {
				return errInterrupted
			}
			return err
		},
	}
	tf.registerProbe(cmd)
	jf.register(cmd)
	cmd.Flags().IntVar(&maxRows, "max-rows", defaultMaxRows, "rows the table holds at most; past them the fleet view (c) still counts every target, and a filter or a chart's bar loads the rows it selects (0: no limit)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "print instead of opening the TUI: stats (the fleet's numbers as JSON), table (one line per target, fitted to the terminal) or wide (the table with every column whole)")
	cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(viewFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// viewFormats are what view -o prints instead of opening the TUI.
var viewFormats = []string{"stats", "table", "wide"}

// viewPrint prints saved results for a script or a report where no
// terminal is: the fleet's numbers (stats, viewStats), or the table of the
// results merged and judged as the TUI would show them (table, wide).
func viewPrint(ctx context.Context, cmd *cobra.Command, files []string, output string, now time.Time, warnings *notices) error {
	if output == "stats" {
		return viewStats(ctx, cmd, files, now, warnings)
	}
	results, err := readResults(ctx, cmd.InOrStdin(), files, math.MaxInt, warnings)
	if err != nil {
		return err
	}
	data, notes := newestData(ctx, now)
	for _, n := range notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(n))
	}
	stage := assess.NewStage(data, now)
	for i := range results {
		if results[i].Urgency == nil {
			stage.Judge(&results[i])
		}
	}
	w := cmd.OutOrStdout()
	if err := report.Write(w, output, results, time.Now(), report.DataOf(data, now), report.Options{Width: tableWidth(w)}); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// defaultMaxRows is how many rows view's table holds by default: enough
// for any fleet a person triages row by row, few enough that a dataset of
// half a million hosts stays within a few hundred megabytes (the rest is
// counted, a name and a shared shape per target, and loaded on demand).
const defaultMaxRows = 50000

// rowCap says which rows loadSaved gives the table: those match takes
// (all when nil), at most max (0: no limit), the first to come; a target
// given a row keeps it when a newer record replaces its result.
type rowCap struct {
	max   int
	match func(scan.Result) bool
}

// viewConfig is the session view opens: no rows at first, then the saved
// results as the TUI's loading feed reads them, judged where they were
// not, with their targets rebuilt for rescans. wait stops the feed and
// returns once it has ended; call it when the TUI has.
func viewConfig(ctx context.Context, inputs []*savedInput, names []string, now time.Time, opts scan.Options, warnings *notices, maxRows int) (tui.Config, func()) {
	// Saved results are triaged as they are: view probes nothing on start,
	// and refreshes no data either.
	data, notes := newestData(ctx, now)
	ctx, cancel := context.WithCancel(ctx)
	first, stopFirst := context.WithCancel(ctx)
	feed := make(chan tui.Loaded, 256)
	done := make(chan struct{})
	stage := assess.NewStage(data, now)
	go func() {
		defer close(done)
		defer close(feed)
		loadSaved(first, inputs, feed, warnings, stage, rowCap{max: maxRows})
	}()
	var reloads sync.WaitGroup
	wait := func() { stopFirst(); cancel(); <-done; reloads.Wait() }
	cfg := tui.Config{Load: feed, Options: opts, Stage: stage, DataNotes: notes, Now: now, Version: currentBuild().Version, Dark: true, MaxRows: maxRows}
	if allEmpty(inputs) {
		// Known before the screen opens: say so where the rows would be.
		cfg.Hint = emptyHint(inputs)
	}
	if maxRows > 0 && len(names) > 0 && !slices.Contains(names, "-") {
		// Stdin cannot be read again; files can, for the rows a filter
		// selects among those held back. A reload makes the first
		// reading stop.
		recordDate := len(inputs) > 0 && inputs[0].recordDate
		cfg.Reload = func(rctx context.Context, match func(scan.Result) bool) <-chan tui.Loaded {
			stopFirst()
			out := make(chan tui.Loaded, 256)
			reloads.Add(1)
			go func() {
				defer reloads.Done()
				defer close(out)
				again, err := openSaved(rctx, nil, names, report.NewShared())
				if err != nil {
					select {
					case out <- tui.Loaded{Row: -1, Error: "reading the files again: " + err.Error()}:
					case <-rctx.Done():
					}
					return
				}
				defer closeSaved(again)
				for _, in := range again {
					in.recordDate = recordDate
				}
				// The first reading reported every skipped row and note.
				loadSaved(rctx, again, out, newNotices(io.Discard), stage, rowCap{max: maxRows, match: match})
			}()
			return out
		}
	}
	return cfg, wait
}

// emptyHint is what view shows in place of rows when every input is
// empty.
func emptyHint(inputs []*savedInput) string {
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.label
	}
	what := names[0] + " is empty"
	if len(names) > 1 {
		what = "all " + strconv.Itoa(len(names)) + " inputs are empty (" + strings.Join(names, ", ") + ")"
	}
	return "No results to show: " + what + ".\nAn empty results file is what a scan of no targets (an empty --shard) writes.\n\nPress q to quit."
}

// loadSaved reads every input to its end into feed, merged as scan.Merger
// says, with every skipped row and merge note both on the feed (for the
// status line) and in warnings (for stderr afterwards). A dataset's row is
// judged here (judgeDataset), at its own record's date when no --now was
// given: a year-old Shodan export judged at today's date would call
// servers out of support that were not when they were seen. A saved result
// left unjudged is judged when it takes its target's place (judgeUnjudged),
// so that the numbers of the targets held back from the table are judged
// too.
func loadSaved(ctx context.Context, inputs []*savedInput, feed chan<- tui.Loaded, warnings *notices, stage *assess.Stage, c rowCap) {
	judge, judgeSaved := report.NewDatasetJudge(stage), judgeUnjudged(stage)
	// g keeps every target's numbers (a name and a shared shape each);
	// sent numbers the targets given a row, in the order they came.
	var g fleet.Merged
	sent := map[int]int{}
	held, more := 0, false
	last, every := time.Now(), time.Second
	whole := func() tui.Loaded {
		s := fleet.New(stage.Now(), 0)
		g.SumInto(s)
		return tui.Loaded{Row: -1, Fleet: s}
	}
	send := func(l tui.Loaded) bool {
		select {
		case feed <- l:
			return true
		case <-ctx.Done():
			return false
		}
	}
	read := 0
	defer func() {
		if held > 0 && ctx.Err() == nil {
			l := whole()
			l.More = more
			send(l)
		}
	}()
	for i, in := range inputs {
		progress := func() tui.LoadProgress {
			return tui.LoadProgress{Name: in.label, Read: in.dec.Read(), Size: in.size, File: i + 1, Files: len(inputs)}
		}
		for {
			r, err := in.next()
			var skip *report.SkipError
			switch {
			case err == nil:
				if read++; read%1000 == 0 {
					roomForRows()
				}
				judgeDataset(judge, in, &r)
				at, take, note := g.AddAt(&r, judgeSaved)
				l := tui.Loaded{Row: -1, Progress: progress()}
				if take {
					row, ok := sent[at]
					if !ok && (c.max == 0 || len(sent) < c.max) && (c.match == nil || c.match(r)) {
						row, ok = len(sent), true
						sent[at] = row
					}
					if ok {
						// Every result read has been checked to rebuild.
						l.Row = row
						l.Target, _ = scan.FromRef(r.Target)
						l.Result = &r
					} else {
						if at == g.Len()-1 {
							held++
						}
						// Past max, one more row the filter takes is
						// enough to say there are more.
						if !more && c.match != nil && c.max > 0 && len(sent) >= c.max && c.match(r) {
							more = true
						}
					}
				}
				if held > 0 && time.Since(last) >= every {
					// The numbers of every target, the held back too, for
					// the fleet view: at most once a second, and taking
					// at most a tenth of the time (they cost a pass over
					// every target).
					began := time.Now()
					if !send(whole()) {
						return
					}
					last = time.Now()
					every = max(time.Second, 10*last.Sub(began))
				}
				if note != "" {
					warnings.add(mergeNotes, note)
					l.Warning = note
				}
				// A row held back says only how far reading has got: one
				// in 1,024 of those is enough for the header.
				if l.Row >= 0 || l.Warning != "" || read%1024 == 0 {
					if !send(l) {
						return
					}
				}
				continue
			case errors.As(err, &skip):
				warnings.add(in.label, skip.Error())
				if !send(tui.Loaded{Row: -1, Warning: skip.Error(), Progress: progress()}) {
					return
				}
				continue
			case err == io.EOF:
				if in.empty {
					note := emptyNote(in.label)
					warnings.add(in.label, note)
					if !send(tui.Loaded{Row: -1, Warning: note, Progress: progress()}) {
						return
					}
				}
			case ctx.Err() != nil:
				return
			default:
				// The rows read so far stay; the rest of this input is lost.
				msg := fmt.Sprintf("stopped reading %s: %v", in.label, err)
				warnings.add(in.label, msg)
				if !send(tui.Loaded{Row: -1, Error: msg, Progress: progress()}) {
					return
				}
			}
			break
		}
	}
}

// roomForRows raises the soft memory limit main sets (unless GOMEMLIMIT
// does) to half again the live heap once the rows view holds grow past
// it. The limit keeps a scan's garbage in check; a live heap near it would
// only make the collector run without end (a 200 MB file then loaded four
// times slower), while half again the live heap still keeps the peak well
// under the doubling the collector allows by default.
func roomForRows() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if want := int64(live[0].Value.Uint64()) * 3 / 2; want > debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(want)
	}
}

// judgeUnjudged judges, with the stage, a saved result that was saved
// unjudged; fleet.Merged calls it only for the record that takes its
// target's place.
func judgeUnjudged(stage *assess.Stage) func(*scan.Result) {
	return func(r *scan.Result) {
		if r.Urgency == nil {
			stage.Judge(r)
		}
	}
}

// judgeDataset judges a row of an Internet-scan dataset as it is read, at
// the day the service recorded it (no --now) or at --now.
func judgeDataset(j *report.DatasetJudge, in *savedInput, r *scan.Result) {
	if in.dec.Format() == "" {
		return
	}
	at := j.Now()
	if in.recordDate {
		y, m, d := r.FinishedAt.UTC().Date()
		at = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	j.Judge(in.dec, r, at)
}

// savedInput is one file (or stdin) of saved results being read.
type savedInput struct {
	label string
	// recordDate says a dataset's rows are judged at their own dates.
	recordDate bool
	// size is the file's size when it is a regular file, 0 otherwise.
	size int64
	src  io.ReadCloser
	dec  *report.Decoder
	// ahead is what was read before the TUI started: rows skipped before
	// the first result, then that result.
	ahead []saved
	// empty says the input held no result and nothing malformed: an empty
	// shard, read as no rows.
	empty bool
}

// emptyNote is what is said of an empty input: not an error, since a
// shard that got no targets writes nothing (-o ndjson) or a document of
// no results (-o json).
func emptyNote(label string) string {
	return label + " holds no results (empty); read as none"
}

// allEmpty is whether every input held no result.
func allEmpty(inputs []*savedInput) bool {
	for _, in := range inputs {
		if !in.empty {
			return false
		}
	}
	return true
}

type saved struct {
	r   scan.Result
	err error
}

func (in *savedInput) next() (scan.Result, error) {
	if len(in.ahead) > 0 {
		s := in.ahead[0]
		in.ahead = in.ahead[1:]
		return s.r, s.err
	}
	return in.dec.Next()
}

// openSaved opens every input ('-' is stdin) through bounded, so that a
// FIFO or a stdin that never closes still ends at Ctrl-C, and reads each
// as far as its first result: an input that cannot be opened, or whose
// every row is malformed, is a usage error naming it, before any screen
// is drawn; one that is empty (or blank, or a document of no results) is
// read as no results (savedInput.empty). A
// signal while waiting is errInterrupted. Their results share their equal
// parts through shared.
func openSaved(ctx context.Context, stdin io.Reader, names []string, shared *report.Shared) ([]*savedInput, error) {
	var out []*savedInput
	fail := func(err error) ([]*savedInput, error) {
		closeSaved(out)
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		return nil, usageError{err}
	}
	if i := slices.Index(names, "-"); i >= 0 && slices.Contains(names[i+1:], "-") {
		return nil, usageError{errors.New("'-' (stdin) can be read only once")}
	}
	for _, name := range names {
		in := &savedInput{label: name}
		if name == "-" {
			in.label = "stdin"
			in.src = bounded.NewReader(ctx, stdin, "stdin", 0)
		} else {
			src, err := bounded.Open(ctx, name, 0)
			if err != nil {
				return fail(err)
			}
			in.src = src
			if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
				in.size = fi.Size()
			}
		}
		out = append(out, in)
		in.dec = report.NewDecoder(in.src, in.label)
		in.dec.Share(shared)
		for {
			r, err := in.dec.Next()
			in.ahead = append(in.ahead, saved{r, err})
			if err == nil {
				break
			}
			if err == io.EOF {
				// Nothing malformed, and no result: an empty shard.
				in.empty = true
				break
			}
			if !errors.As(err, new(*report.SkipError)) {
				return fail(err)
			}
		}
	}
	return out, nil
}

func closeSaved(inputs []*savedInput) {
	for _, in := range inputs {
		in.src.Close()
	}
}

// readResults loads saved results for --from-results, one result at a time,
// keeping one per target as scan.Merger says and refusing, as soon as the
// count passes it, more than max targets. Skipped rows and merge notes go
// to warnings.
func readResults(ctx context.Context, stdin io.Reader, names []string, max int, warnings *notices) ([]scan.Result, error) {
	var out []scan.Result
	var m scan.Merger
	err := readSaved(ctx, stdin, names, warnings, nil, func(in *savedInput, r scan.Result) error {
		i, take, note := m.Add(r)
		if note != "" {
			warnings.add(mergeNotes, note)
		}
		if m.Len() > max {
			return usageError{fmt.Errorf("--from-results: more than %s (--max-targets %d); stopped reading %s", scan.Plural(max, "target"), max, in.label)}
		}
		if i == len(out) {
			out = append(out, r)
		} else if take {
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readSaved reads the inputs one after the other, opening each only when
// the one before has ended, and hands each result to each in the order
// read; an error from each stops the reading and is returned. Skipped rows
// go to warnings, as does a note for an empty input (no results); an input
// that cannot be opened, whose every row is unreadable or that cannot be
// read to its end is a usage error. opened, when not nil, is
// told of each input as it is opened (its place among names, from 1).
func readSaved(ctx context.Context, stdin io.Reader, names []string, warnings *notices, opened func(*savedInput, int), each func(*savedInput, scan.Result) error) error {
	shared := report.NewShared()
	for n, name := range names {
		inputs, err := openSaved(ctx, stdin, []string{name}, shared)
		if err != nil {
			return err
		}
		in := inputs[0]
		if opened != nil {
			opened(in, n+1)
		}
		err = func() error {
			defer in.src.Close()
			for {
				r, err := in.next()
				var skip *report.SkipError
				switch {
				case err == nil:
					if err := each(in, r); err != nil {
						return err
					}
				case errors.As(err, &skip):
					warnings.add(in.label, skip.Error())
				case err == io.EOF:
					if in.empty {
						warnings.add(in.label, emptyNote(in.label))
					}
					return nil
				case ctx.Err() != nil:
					return errInterrupted
				default:
					return usageError{err}
				}
			}
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// notices are warnings for stderr: every one of a kind up to a limit, then
// how many more there were, so that a file of a million bad lines neither
// floods the terminal nor hides that it happened.
type notices struct {
	w      io.Writer
	mu     sync.Mutex
	counts map[string]int
	order  []string
	lines  []string
}

// noticeLimit is how many warnings of one kind are printed.
const noticeLimit = 20

// mergeNotes is the kind of scan.Merger's notes; other kinds are inputs.
const mergeNotes = "\x00merge"

func newNotices(w io.Writer) *notices {
	return &notices{w: w, counts: map[string]int{}}
}

// add keeps msg, of kind (an input's label, or mergeNotes), for flush.
func (n *notices) add(kind, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.counts[kind] == 0 {
		n.order = append(n.order, kind)
	}
	n.counts[kind]++
	if n.counts[kind] <= noticeLimit {
		n.lines = append(n.lines, msg)
	}
}

// flush prints what was kept, then one line per kind that had more.
func (n *notices) flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.lines {
		fmt.Fprintln(n.w, "kubesurface: "+l)
	}
	for _, k := range n.order {
		more := n.counts[k] - noticeLimit
		switch {
		case more <= 0:
		case k == mergeNotes:
			fmt.Fprintf(n.w, "kubesurface: %d more merge notes\n", more)
		default:
			fmt.Fprintf(n.w, "kubesurface: %s: %d more rows skipped\n", k, more)
		}
	}
	n.lines, n.order, n.counts = nil, nil, map[string]int{}
}
