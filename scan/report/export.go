package report

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// ExportFormats are the formats Export writes, in the order a chooser
// offers them ("md" is accepted as well, for "markdown").
var ExportFormats = []string{"markdown", "html", "json", "csv", "sarif", "junit", "stats"}

// ErrExists is returned (wrapped, with the path) when Export would replace
// an existing file and overwrite was not asked for, so that a caller can
// ask the user and retry. It matches fs.ErrExist too.
var ErrExists = fmt.Errorf("report %w", fs.ErrExist)

// exportFormat canonicalises an Export format name; ok is false for one
// Export does not write.
func exportFormat(format string) (string, bool) {
	switch format {
	case "markdown", "md":
		return "markdown", true
	case "html", "json", "csv", "sarif", "junit", "stats":
		return format, true
	}
	return "", false
}

// Extension is the file name extension (without the dot) of an export
// format, or "" for a format Export does not write.
func Extension(format string) string {
	switch f, _ := exportFormat(format); f {
	case "markdown":
		return "md"
	case "html", "json", "csv", "sarif":
		return f
	case "junit":
		// What CI tools look for (GitLab's and Jenkins' examples glob *.xml).
		return "xml"
	case "stats":
		// Not plain .json: the scan's JSON export is offered under the
		// same default name.
		return "stats.json"
	}
	return ""
}

// DefaultName is the file name a report written at at is offered under:
// kubesurface-report-YYYYMMDD-HHMMSS.EXT. It uses at's own location, so
// pass local time to get the clock time the user saw.
func DefaultName(format string, at time.Time) string {
	name := "kubesurface-report-" + at.Format("20060102-150405")
	if ext := Extension(format); ext != "" {
		name += "." + ext
	}
	return name
}

// Export writes results in format (markdown or md, html, json, csv, sarif,
// junit, stats) to path. The file appears whole or not at all: the report is rendered in
// memory, written to a temporary file beside path, synced, and renamed (or,
// when not replacing, hard-linked) into place, so a crash or a full disk
// never leaves half a report; the temporary file is removed on any failure. The file is private (0600),
// also when it replaces another: reports map an organisation's exposure.
//
// An existing path is replaced only when overwrite is true; otherwise the
// error matches ErrExists and the file is untouched. Other failures (no
// such directory, not a directory, permission denied, path is a directory)
// return the operating system's error with path as the path.
func Export(path, format string, results []scan.Result, at time.Time, data DataInfo, opts Options, overwrite bool) error {
	f, ok := exportFormat(format)
	if !ok {
		return fmt.Errorf("cannot export format %q (want one of %s)", format, strings.Join(ExportFormats, ", "))
	}
	var buf bytes.Buffer
	if err := Write(&buf, f, results, at, data, opts); err != nil {
		return err
	}
	return writeFile(path, buf.Bytes(), overwrite)
}

// writeFile puts b at path atomically with mode 0600.
func writeFile(path string, b []byte, overwrite bool) error {
	if path == "" {
		return &fs.PathError{Op: "write", Path: path, Err: fs.ErrInvalid}
	}
	// A directory is refused up front with the error writing to it gives:
	// without overwrite it would otherwise be reported as an existing file,
	// which the user would be asked to replace.
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
	}
	dir := filepath.Dir(path)
	// A hidden name of fixed length: one derived from a long base could
	// exceed the file name limit that the final name itself respects.
	tmp, err := os.CreateTemp(dir, ".kubesurface-export-*.tmp")
	if err != nil {
		return pathError("create", path, err)
	}
	name := tmp.Name()
	placed := false
	defer func() {
		if !placed {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// CreateTemp asks for 0600 but the umask applies; Chmod makes it
	// exactly 0600.
	if err := tmp.Chmod(0o600); err != nil {
		return pathError("chmod", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return pathError("write", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return pathError("sync", path, err)
	}
	if err := tmp.Close(); err != nil {
		return pathError("close", path, err)
	}
	if err := place(name, path, overwrite); err != nil {
		return err
	}
	placed = true
	if !overwrite {
		// place hard-linked the file in: drop the temporary name (after the
		// fallback rename there is none, and Remove fails harmlessly).
		os.Remove(name)
	}
	syncDir(dir)
	return nil
}

// place moves the finished temporary file to path. Without overwrite it
// hard-links, which fails atomically if path exists, so a file created
// meanwhile is never clobbered; where hard links are unsupported it falls
// back to checking, then renaming.
func place(tmp, path string, overwrite bool) error {
	if overwrite {
		if err := os.Rename(tmp, path); err != nil {
			return pathError("rename", path, err)
		}
		return nil
	}
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return &fs.PathError{Op: "write", Path: path, Err: ErrExists}
	}
	if _, err := os.Lstat(path); err == nil {
		return &fs.PathError{Op: "write", Path: path, Err: ErrExists}
	}
	if err := os.Rename(tmp, path); err != nil {
		return pathError("rename", path, err)
	}
	return nil
}

// pathError reports err against the user's path rather than the temporary
// file's name, keeping the operating system's error (errors.Is works).
func pathError(op, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// syncDir makes the rename itself durable. It is best effort: the report is
// complete in place either way, and some systems cannot sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
