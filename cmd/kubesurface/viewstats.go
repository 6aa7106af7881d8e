package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// viewStats prints the numbers of saved results, merged and judged as the
// TUI would show them, for a script or a report where no terminal is. The
// timeline runs from now (--now): saved judgements keep their own dates,
// but the weeks that matter are the coming ones.
//
// The results stream: each is judged as it is read and only its
// fleet.Entry is kept per target (fleet.Merged, by scan.Merger's rule),
// so that a dataset of 500,000 hosts is summed in bounded memory. On a
// terminal, stderr shows how far reading has got, once a second.
func viewStats(ctx context.Context, cmd *cobra.Command, files []string, now time.Time, warnings *notices) error {
	data, notes := newestData(ctx, now)
	for _, n := range notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(n))
	}
	stage := assess.NewStage(data, now)
	merged, err := streamStats(ctx, cmd.InOrStdin(), files, stage, warnings, newStatsProgress(cmd.ErrOrStderr(), len(files)))
	if err != nil {
		return err
	}
	s := fleet.New(now, 0)
	merged.SumInto(s)
	if err := report.Stats(cmd.OutOrStdout(), s, time.Now(), report.DataOf(data, now)); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// streamStats reads the inputs as readResults does (the same decoders, the
// same skipped rows on warnings, the same merge notes) and keeps, per
// target, the Entry of the record that wins the merge. A dataset's row is
// judged as it is read, at the stage's date (judgeDataset, each distinct
// case once); a saved result left unjudged is judged by the stage when it
// takes its target's place, as viewStats judged the merged results.
func streamStats(ctx context.Context, stdin io.Reader, files []string, stage *assess.Stage, warnings *notices, progress *statsProgress) (*fleet.Merged, error) {
	judge, judgeSaved := report.NewDatasetJudge(stage), judgeUnjudged(stage)
	merged := &fleet.Merged{}
	defer progress.end()
	err := readSaved(ctx, stdin, files, warnings, progress.open, func(in *savedInput, r scan.Result) error {
		judgeDataset(judge, in, &r)
		if note := merged.Add(r, judgeSaved); note != "" {
			warnings.add(mergeNotes, note)
		}
		progress.row(merged.Len())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return merged, nil
}

// statsProgress is the progress line of view -o stats on stderr: the
// input, the bytes read of its size, the rows read and the targets kept,
// at most once a second, overwritten in place. It is drawn only when
// stderr is a terminal, so that a redirected stderr (a log, a test) holds
// the warnings and nothing else.
type statsProgress struct {
	w     io.Writer // nil: quiet
	every time.Duration
	last  time.Time
	in    *savedInput
	file  int
	files int
	rows  int
	drawn bool
}

func newStatsProgress(stderr io.Writer, files int) *statsProgress {
	p := &statsProgress{files: files, every: time.Second, last: time.Now()}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.w = stderr
	}
	return p
}

// open is told of each input as reading it starts.
func (p *statsProgress) open(in *savedInput, file int) { p.in, p.file = in, file }

// row counts a row read; targets is how many are kept so far.
func (p *statsProgress) row(targets int) {
	p.rows++
	if p.w == nil || p.rows%512 != 0 {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		fmt.Fprint(p.w, "\r\x1b[K"+p.line(targets))
		p.drawn = true
	}
}

// line is the progress line, without the carriage return.
func (p *statsProgress) line(targets int) string {
	lp := tui.LoadProgress{File: p.file, Files: p.files}
	if p.in != nil {
		lp.Name, lp.Read, lp.Size = clean.Line(p.in.label), p.in.dec.Read(), p.in.size
	}
	return "kubesurface: " + lp.String() + fmt.Sprintf(" · %s, %s", scan.Plural(p.rows, "row"), scan.Plural(targets, "target"))
}

// end clears the line, so that the warnings and the output that follow
// start on a clean one.
func (p *statsProgress) end() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
