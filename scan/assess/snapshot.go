package assess

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RefreshedFile is the file of a snapshot directory that the release step
// (`data update --snapshot`) writes: the data fetched just before the
// build, in the cache's format. The hand-collected files beside it stay as
// they are, and true: they are the base every update starts from (names,
// OpenShift's Kubernetes minors, removed APIs, CVEs OSV has no record
// for), and their notes describe that collection.
const RefreshedFile = "refreshed.json"

// sourcesNote delimits the part of SOURCES.md the release step writes.
const (
	sourcesNoteStart = "<!-- refreshed: written by `kubesurface data update --snapshot`; do not edit -->"
	sourcesNoteEnd   = "<!-- end refreshed -->"
)

// LoadSnapshot reads a snapshot directory (the embedded scan/assess/data,
// or one the release step is writing): the refreshed data when there is
// some, else the hand-collected files. Either passes Validate.
func LoadSnapshot(fsys fs.FS) (*Bundle, error) {
	base, err := loadBase(fsys)
	if err != nil {
		return nil, err
	}
	raw, err := fs.ReadFile(fsys, RefreshedFile)
	if errors.Is(err, fs.ErrNotExist) {
		return base, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := parseBundle(raw, "embedded "+RefreshedFile)
	if err != nil {
		return nil, err
	}
	if b.DataAsOf < base.DataAsOf {
		return nil, fmt.Errorf("embedded %s: data as of %s is older than the files it refreshes (as of %s)", RefreshedFile, b.DataAsOf, base.DataAsOf)
	}
	b.Origin = base.Origin
	return b, nil
}

// WriteSnapshot makes b the snapshot of dir: RefreshedFile, and the note
// at the head of dir's SOURCES.md saying when and from where, so the notes
// shipped with the data stay true. It then reads dir back as the binary
// will, and fails if that does not give b.
func WriteSnapshot(dir string, b *Bundle) error {
	raw, err := marshalValid(b)
	if err != nil {
		return err
	}
	notes := filepath.Join(dir, "SOURCES.md")
	md, err := os.ReadFile(notes)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, RefreshedFile), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(notes, []byte(withSourcesNote(string(md), b)), 0o644); err != nil {
		return err
	}
	got, err := LoadSnapshot(os.DirFS(dir))
	if err != nil {
		return fmt.Errorf("%s does not load back: %w", dir, err)
	}
	if got.DataAsOf != b.DataAsOf || got.SnapshotDate != b.SnapshotDate || len(got.CVEs) != len(b.CVEs) {
		return fmt.Errorf("%s loads back as data as of %s (snapshot %s, %d CVEs), not what was written", dir, got.DataAsOf, got.SnapshotDate, len(got.CVEs))
	}
	return nil
}

// withSourcesNote puts the note on b after the first line (the title) of
// SOURCES.md, replacing the note an earlier release wrote.
func withSourcesNote(md string, b *Bundle) string {
	if i := strings.Index(md, sourcesNoteStart); i >= 0 {
		if j := strings.Index(md[i:], sourcesNoteEnd); j >= 0 {
			md = md[:i] + strings.TrimLeft(md[i+j+len(sourcesNoteEnd):], "\n")
		}
	}
	var n strings.Builder
	n.WriteString(sourcesNoteStart + "\n")
	fmt.Fprintf(&n, "**Refreshed %s, data as of %s.** Judgements use `%s`, which `kubesurface data update --snapshot` fetched then from:\n\n", b.SnapshotDate, b.DataAsOf, RefreshedFile)
	for _, s := range b.Sources {
		n.WriteString("- " + s + "\n")
	}
	n.WriteString("\nThe files described below are the hand-collected base that refresh started from: it took calendar names, OpenShift's Kubernetes minors, the removed APIs and the CVEs OSV has no record for from them.\n")
	n.WriteString(sourcesNoteEnd + "\n\n")
	title, rest, _ := strings.Cut(md, "\n")
	return title + "\n\n" + n.String() + strings.TrimLeft(rest, "\n")
}

// writeFileAtomic replaces path by a new file, synced and renamed over
// it, so that a failure leaves the old one whole.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"-*"+filepath.Ext(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
