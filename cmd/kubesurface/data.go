package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Show or refresh the support calendars, CVEs and removed APIs urgency is judged by",
		Long: `Urgency rests on dated facts: support calendars (upstream, EKS, GKE, AKS,
OpenShift), CVEs with the versions they affect, and the APIs each minor
removed. A snapshot is built in; 'data update' fetches current data into a
cache, which is used from then on while it is at least as new as the snapshot.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDataUpdateCmd(), newDataShowCmd())
	return cmd
}

func newDataUpdateCmd() *cobra.Command {
	var eolURL, osvURL, feedURL, snapshot string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Fetch current support calendars and CVEs into the cache",
		Long: `Fetch the support calendars from endoflife.date, CVEs with affected versions
from OSV (Go modules k8s.io/kubernetes and k8s.io/apiserver) and the official
Kubernetes CVE feed, check them, and write them to kubesurface/data.json in
the user's cache directory: $XDG_CACHE_HOME or ~/.cache on Linux and BSD,
~/Library/Caches on macOS, %LocalAppData% on Windows.
Removed APIs have no online source; they are carried over from the embedded
snapshot.

Nothing is written unless every source was read in full and the result passes
the checks the embedded data passes: on any failure the previous cache, or the
embedded snapshot, stays in use.

The release step: --snapshot DIR (scan/assess/data) writes the fetched data
into the snapshot the next build embeds (DIR/refreshed.json, and a note at the
head of DIR/SOURCES.md saying when and from where) instead of the cache, then
reads DIR back as the binary will.

Scan, the TUI and demo run this refresh on their own, in the background, when
the data in use is over 7 days old (--offline or KUBESURFACE_OFFLINE=1 turn it
off). The source URLs can also be set with KUBESURFACE_ENDOFLIFE_URL,
KUBESURFACE_OSV_URL and KUBESURFACE_CVE_FEED_URL, for both.

Exit codes: 0 the cache (or snapshot) was written, 1 a source failed or the
cache could not be written, 2 bad flags, 130 interrupted.`,
		Example: `  kubesurface data update
  kubesurface data update --timeout 2m && kubesurface data show
  go run ./cmd/kubesurface data update --snapshot scan/assess/data   # before a release build`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, u := range []struct{ flag, value string }{{"--endoflife-url", eolURL}, {"--osv-url", osvURL}, {"--cve-feed-url", feedURL}} {
				if err := checkURL(u.flag, u.value); err != nil {
					return usageError{err}
				}
			}
			if timeout <= 0 {
				return usageError{errors.New("--timeout must be positive")}
			}
			var path string
			if snapshot != "" {
				if fi, err := os.Stat(filepath.Join(snapshot, "lifecycle.json")); err != nil || !fi.Mode().IsRegular() {
					return usageError{fmt.Errorf("--snapshot %q: not a snapshot directory (no lifecycle.json); the embedded one is scan/assess/data", snapshot)}
				}
			} else {
				p, note, err := assess.CacheFile()
				if note != "" {
					fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+note)
				}
				if err != nil {
					return err
				}
				path = p
			}
			ctx := cmd.Context()
			now := time.Now().UTC()
			b, said, err := assess.Update(ctx, assess.UpdateOptions{
				EndOfLife: eolURL, OSV: osvURL, CVEFeed: feedURL, Timeout: timeout, Now: now,
			})
			switch {
			case err != nil:
			case snapshot != "":
				if werr := assess.WriteSnapshot(snapshot, b); werr != nil {
					err = fmt.Errorf("writing the snapshot %s: %w", snapshot, werr)
				}
				path = filepath.Join(snapshot, assess.RefreshedFile)
			default:
				if werr := assess.WriteCache(path, b); werr != nil {
					err = fmt.Errorf("writing the cache %s: %w", path, werr)
				}
			}
			if err != nil {
				kept := dataInUse(now)
				if ctx.Err() != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kubesurface: data update stopped; nothing was written, %s stays in use\n", clean.Line(kept))
					return errInterrupted
				}
				return fmt.Errorf("data update failed: %w; nothing was written, %s stays in use", err, kept)
			}
			w := cmd.OutOrStdout()
			// What the sources said, and the dates they gave, are theirs:
			// cleaned like any text from a server.
			for _, s := range said {
				fmt.Fprintln(w, clean.Line(s))
			}
			fmt.Fprintf(w, "wrote %s: data as of %s\n", clean.Line(path), clean.Line(b.DataAsOf))
			if emb, err := embeddedData(); err == nil && emb.DataAsOf > b.DataAsOf && snapshot == "" {
				// Newest prefers whichever is newer; say so rather than
				// let the user believe the fetched data is in use.
				fmt.Fprintf(w, "note: the embedded snapshot (data as of %s) is newer than what the sources gave and stays in use\n", emb.DataAsOf)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	eol, osv, feed := sourceURLs()
	fl.StringVar(&eolURL, "endoflife-url", eol, "base URL of the endoflife.date API (v1; env "+eolEnv+")")
	fl.StringVar(&osvURL, "osv-url", osv, "base URL of the OSV API (env "+osvEnv+")")
	fl.StringVar(&feedURL, "cve-feed-url", feed, "URL of the official Kubernetes CVE feed (JSON Feed; env "+feedEnv+")")
	fl.DurationVar(&timeout, "timeout", assess.DefaultUpdateTimeout, "timeout of each request, reading the answer included")
	fl.StringVar(&snapshot, "snapshot", "", "write into snapshot directory DIR (scan/assess/data: the release step) instead of the cache")
	return cmd
}

// checkURL rejects a source URL before anything is fetched, so a typo is a
// usage error rather than a network failure.
func checkURL(flag, value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q: want an http:// or https:// URL", flag, value)
	}
	return nil
}

// dataInUse names the data judgements use, for a failed update to say what
// still holds.
func dataInUse(now time.Time) string {
	// Not the command's context: after Ctrl-C the cache must still be
	// read to say what stays in use. The read is capped and refuses a
	// FIFO, so it cannot hang where a scan's could.
	b, _ := newestData(context.Background(), now)
	if emb, err := embeddedData(); err == nil && b.Origin == emb.Origin {
		return fmt.Sprintf("the embedded snapshot (data as of %s)", b.DataAsOf)
	}
	return fmt.Sprintf("the previous cache %s (data as of %s)", b.Origin, b.DataAsOf)
}

// dataReport is `data show`'s answer.
type dataReport struct {
	// InUse is "embedded" or "cache".
	InUse         string         `json:"inUse"`
	Origin        string         `json:"origin"`
	CacheFile     string         `json:"cacheFile,omitempty"`
	SnapshotDate  string         `json:"snapshotDate"`
	DataAsOf      string         `json:"dataAsOf"`
	AgeDays       int            `json:"ageDays"`
	Stale         string         `json:"stale,omitempty"`
	Sources       []string       `json:"sources"`
	Calendars     []calendarInfo `json:"calendars"`
	CVEs          int            `json:"cves"`
	RemovalMinors []string       `json:"removalMinors"`
	Notes         []string       `json:"notes,omitempty"`
}

type calendarInfo struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	NewestMinor string `json:"newestMinor"`
	Releases    int    `json:"releases"`
}

func newDataShowCmd() *cobra.Command {
	var output, at string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show which data is in use, how old it is and where it came from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("unknown output format %q (want text or json)", output)}
			}
			now := time.Now().UTC()
			if at != "" {
				t, err := time.Parse(time.DateOnly, at)
				if err != nil {
					return usageError{fmt.Errorf("--now %q: want a date as YYYY-MM-DD", at)}
				}
				now = t
			}
			ctx := cmd.Context()
			rep := showData(ctx, now)
			if ctx.Err() != nil {
				return errInterrupted
			}
			if output == "json" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(append(clean.JSON(b), '\n'))
				return err
			}
			return writeDataText(cmd.OutOrStdout(), rep)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&at, "now", "", "judge staleness at this date (YYYY-MM-DD) instead of today")
	return cmd
}

// showData gathers the report: the data Newest picks, as scan would, and
// why a cache is not it.
func showData(ctx context.Context, now time.Time) dataReport {
	b, notes := newestData(ctx, now)
	rep := dataReport{InUse: "cache", Origin: b.Origin, SnapshotDate: b.SnapshotDate, DataAsOf: b.DataAsOf,
		Stale: assess.Staleness(b, now), Sources: b.Sources, CVEs: len(b.CVEs), RemovalMinors: []string{}}
	emb, _ := embeddedData()
	if emb != nil && b.Origin == emb.Origin {
		rep.InUse = "embedded"
	}
	if asOf, err := time.Parse(time.DateOnly, b.DataAsOf); err == nil {
		rep.AgeDays = assess.DaysBetween(asOf, now)
	}
	for _, n := range notes {
		if n != rep.Stale {
			rep.Notes = append(rep.Notes, n)
		}
	}
	if path, _, err := assess.CacheFile(); err != nil { // Newest has given the note
		rep.Notes = append(rep.Notes, err.Error())
	} else {
		rep.CacheFile = path
		c, err := assess.ReadCache(ctx, path)
		switch {
		case err != nil:
			// Newest has said why it is ignored.
		case c == nil:
			rep.Notes = append(rep.Notes, "no cache yet: `kubesurface data update` writes it")
		case rep.InUse == "embedded" && emb != nil:
			rep.Notes = append(rep.Notes, fmt.Sprintf("the cache holds data as of %s, older than the embedded snapshot's %s: not used", c.DataAsOf, emb.DataAsOf))
		}
	}
	order := []string{assess.Upstream, assess.EKS, assess.GKE, assess.AKS, assess.OpenShift}
	var keys []string
	for k := range b.Lifecycle {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, z := slices.Index(order, keys[i]), slices.Index(order, keys[j])
		if a < 0 {
			a = len(order)
		}
		if z < 0 {
			z = len(order)
		}
		return a < z || (a == z && keys[i] < keys[j])
	})
	for _, k := range keys {
		d := b.Lifecycle[k]
		rep.Calendars = append(rep.Calendars, calendarInfo{Key: k, Name: d.Name, NewestMinor: d.NewestMinor, Releases: len(d.Releases)})
	}
	for _, r := range b.Removals {
		rep.RemovalMinors = append(rep.RemovalMinors, r.Minor)
	}
	return rep
}

// writeDataText writes the report for a reader; it is built whole first so
// that a failing writer is one error, not a half-written report.
func writeDataText(w io.Writer, rep dataReport) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	inUse := "embedded snapshot"
	if rep.InUse == "cache" {
		inUse = "cache " + rep.Origin
	}
	stale := "no"
	if rep.Stale != "" {
		stale = "YES: " + rep.Stale
	}
	fmt.Fprintf(tw, "Data in use:\t%s\n", inUse)
	if rep.CacheFile != "" {
		fmt.Fprintf(tw, "Cache file:\t%s\n", rep.CacheFile)
	}
	fmt.Fprintf(tw, "Snapshot date:\t%s\n", rep.SnapshotDate)
	ago := "today"
	if rep.AgeDays != 0 {
		ago = scan.DaysText(-rep.AgeDays)
	}
	fmt.Fprintf(tw, "Data as of:\t%s (%s)\n", rep.DataAsOf, ago)
	fmt.Fprintf(tw, "Stale (over %d days):\t%s\n", assess.StaleDays, stale)
	fmt.Fprintf(tw, "CVEs:\t%d\n", rep.CVEs)
	fmt.Fprintf(tw, "Removed APIs:\t%s: %s\n", scan.Plural(len(rep.RemovalMinors), "minor"), strings.Join(rep.RemovalMinors, ", "))
	tw.Flush()
	buf.WriteString("Calendars:\n")
	tw = tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, c := range rep.Calendars {
		fmt.Fprintf(tw, "  %s\t%s\tnewest %s\t%s\n", c.Key, c.Name, c.NewestMinor, scan.Plural(c.Releases, "release"))
	}
	tw.Flush()
	buf.WriteString("Sources:\n")
	for _, s := range rep.Sources {
		buf.WriteString("  " + s + "\n")
	}
	if len(rep.Notes) > 0 {
		buf.WriteString("Notes:\n")
		for _, n := range rep.Notes {
			buf.WriteString("  " + n + "\n")
		}
	}
	// The cache's dates, names and notes were read from a file the
	// network filled: each line is cleaned as a whole.
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = clean.Line(l)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}
