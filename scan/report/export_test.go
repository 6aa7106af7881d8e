package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

func export(t *testing.T, path, format string, overwrite bool) error {
	t.Helper()
	return Export(path, format, fixtures(), fixtureAt, fixtureData, Options{}, overwrite)
}

// entries lists a directory, so a test can tell that no temporary file was
// left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestExportWritesEachFormatPrivately(t *testing.T) {
	dir := t.TempDir()
	for _, format := range append(slices.Clone(ExportFormats), "md") {
		path := filepath.Join(dir, "r-"+format+"."+Extension(format))
		if err := export(t, path, format, false); err != nil {
			t.Fatalf("Export %s: %v", format, err)
		}
		if m := mode(t, path); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", format, m)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The file is exactly what Write prints for the same format.
		var want bytes.Buffer
		if err := Write(&want, format, fixtures(), fixtureAt, fixtureData, Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: exported file differs from Write's output", format)
		}
	}
	if got := entries(t, dir); len(got) != len(ExportFormats)+1 {
		t.Errorf("directory holds %v: a temporary file was left behind", got)
	}
}

// json exports the very document `scan -o json` prints.
func TestExportJSONIsTheDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := export(t, path, "json", false); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != Kind || doc.APIVersion != scan.APIVersion || len(doc.Results) != 3 || doc.Data != fixtureData || !doc.GeneratedAt.Equal(fixtureAt) {
		t.Errorf("document = %+v", doc)
	}
	if doc.Results[0].Urgency == nil || doc.Results[0].Urgency.Lifecycle.DaysLeft != 117 {
		t.Errorf("first result lost its urgency: %+v", doc.Results[0].Urgency)
	}
}

func TestExportRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.md")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := export(t, path, "markdown", false)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("Export over an existing file = %v, want ErrExists", err)
	}
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q should match fs.ErrExist and name %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Errorf("existing file changed to %q", b)
	}
	if m := mode(t, path); m != 0o644 {
		t.Errorf("existing file's mode changed to %o", m)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"report.md"}) {
		t.Errorf("directory holds %v after a refused export", got)
	}

	// A dangling symlink is something in the way too: following it would
	// write wherever it points.
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink(filepath.Join(dir, "elsewhere.md"), link); err != nil {
		t.Fatal(err)
	}
	if err := export(t, link, "markdown", false); !errors.Is(err, ErrExists) {
		t.Errorf("Export over a dangling symlink = %v, want ErrExists", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere.md")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func TestExportOverwriteReplacesPrivately(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(path, []byte("old contents that are longer than nothing"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := export(t, path, "csv", true); err != nil {
		t.Fatalf("Export with overwrite: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), strings.Join(CSVHeader, ",")+"\n") || strings.Contains(string(b), "old contents") {
		t.Errorf("file not replaced by the report: %q", b)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("replaced file has mode %o, want 600", m)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"report.csv"}) {
		t.Errorf("directory holds %v", got)
	}
}

// Tests run as root, where permission bits do not stop writes; a path
// under a regular file, a missing directory and a directory in the way are
// failures root meets too.
func TestExportFailuresAreClearAndClean(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		overwrite  bool
		want       error
	}{
		{"under a regular file", filepath.Join(file, "report.md"), false, syscall.ENOTDIR},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "report.md"), false, fs.ErrNotExist},
		{"path is a directory", sub, false, syscall.EISDIR},
		{"path is a directory, overwrite", sub, true, syscall.EISDIR},
		{"no path", "", true, fs.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := export(t, c.path, "markdown", c.overwrite)
			if err == nil {
				t.Fatal("Export succeeded")
			}
			if !errors.Is(err, c.want) {
				t.Errorf("error %q is not %v", err, c.want)
			}
			if errors.Is(err, ErrExists) {
				t.Errorf("error %q claims the file exists", err)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != c.path {
				t.Errorf("error %q does not name the path %s", err, c.path)
			}
			if strings.Contains(err.Error(), "kubesurface-export") {
				t.Errorf("error %q names the temporary file, not the user's path", err)
			}
			if got := entries(t, dir); !slices.Equal(got, []string{"a-directory", "plain-file"}) {
				t.Errorf("directory holds %v after a failed export", got)
			}
			if got := entries(t, sub); len(got) != 0 {
				t.Errorf("%s holds %v after a failed export", sub, got)
			}
		})
	}
}

func TestExportRejectsOtherFormats(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"yaml", "table", "ndjson", "pdf", ""} {
		err := export(t, filepath.Join(dir, "r"), f, false)
		if err == nil || !strings.Contains(err.Error(), "markdown, html, json, csv") {
			t.Errorf("Export %q = %v", f, err)
		}
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Errorf("directory holds %v", got)
	}
}

func TestDefaultNameAndExtension(t *testing.T) {
	at := time.Date(2026, 3, 7, 14, 5, 9, 0, time.FixedZone("CET", 3600))
	cases := map[string]string{
		"markdown": "kubesurface-report-20260307-140509.md",
		"md":       "kubesurface-report-20260307-140509.md",
		"html":     "kubesurface-report-20260307-140509.html",
		"json":     "kubesurface-report-20260307-140509.json",
		"csv":      "kubesurface-report-20260307-140509.csv",
		"sarif":    "kubesurface-report-20260307-140509.sarif",
		"junit":    "kubesurface-report-20260307-140509.xml",
		"stats":    "kubesurface-report-20260307-140509.stats.json",
	}
	for f, want := range cases {
		if got := DefaultName(f, at); got != want {
			t.Errorf("DefaultName(%q) = %q, want %q", f, got, want)
		}
	}
	if got := Extension("yaml"); got != "" {
		t.Errorf("Extension(yaml) = %q: Export does not write yaml", got)
	}
}
