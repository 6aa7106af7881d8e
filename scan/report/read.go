package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/scan"
)

// Caps on reading saved results. A file is read one line (NDJSON) or one
// result (a JSON document) at a time, so what reading holds is bounded by
// MaxResultSize whatever the file's size; what the caller keeps of it is
// one result per target (scan.Merger).
const (
	// MaxResultSize caps one NDJSON line and one result of a document: a
	// result scan writes is a few KiB (bodies are summarised, never kept),
	// so anything near this is not one, and it stops a stream without
	// newlines (/dev/zero) before it costs more memory than that.
	MaxResultSize = 16 << 20
	// MaxLeadingSkips is how many unreadable rows may open a file before
	// it is judged not to be a results file at all (a log, random bytes),
	// rather than read to its end for nothing.
	MaxLeadingSkips = 1000
	// sniffSize is how far the start of a JSON value is looked at to tell
	// a document from a result: past the apiVersion to the next key.
	sniffSize = 4 << 10
	// chunk is how much is read from the source at a time.
	chunk = 64 << 10
)

// SkipError is a row that could not be read and was skipped: a malformed
// line, a result that is not one kubesurface wrote, or one whose target
// cannot be probed again. Reading goes on after it.
type SkipError struct {
	Name string
	Line int
	Err  error
}

func (e *SkipError) Error() string {
	return fmt.Sprintf("%s:%d: %v (skipped)", e.Name, e.Line, e.Err)
}

func (e *SkipError) Unwrap() error { return e.Err }

// row is where and why, without saying it was skipped.
func (e *SkipError) row() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }

// Decoder reads saved results one at a time, the inverse of Write for the
// formats machines read back: NDJSON (one Result per line, as `scan -o
// ndjson` streams it), a JSON Document (`scan -o json`, indented or on one
// line), or any sequence of them. Documents are read result by result,
// never whole, and a row that cannot be read is skipped with a
// *SkipError naming the file and line, so that one bad row costs only
// itself.
type Decoder struct {
	name string
	in   input
	// dec is the document being read, nil between documents.
	dec  *json.Decoder
	doc  docState
	base int64 // stream offset of the document's first byte
	// results and skips count what has been read; first is the first skip.
	results, skips int
	first          *SkipError
	err            error // sticky: reading has ended
	shared         *Shared
	// format is the dataset format the first record showed ("" for
	// kubesurface's own); pending are the results of a Censys host not
	// returned yet.
	format  string
	sniffed bool
	pending []scan.Result
}

// docState is how far into a document the decoder is.
type docState struct {
	apiVersion, kind  string
	opened, inResults bool
	index             int
}

// NewDecoder reads r; name is used in errors ("stdin", a file name). r is
// read as it comes: wrap it with bounded for a cap on the whole or for
// cancellation.
func NewDecoder(r io.Reader, name string) *Decoder {
	return &Decoder{name: name, in: input{src: r, line: 1}, shared: NewShared()}
}

// Share makes the results d reads share their parts with those of every
// Decoder given s: view reads several files into one table.
func (d *Decoder) Share(s *Shared) { d.shared = s }

// Shared holds the parts of the results read so far that many results
// have alike, so that equal parts are held once. A fleet runs a handful of
// versions: its results repeat the same judgement (the CVEs of a version,
// its upgrade path, the advice) thousands of times, and that is most of
// each one. Parts are told equal by the SHA-256 of their JSON. Results
// read share those parts: nothing may change them in place (assess.Judge
// replaces them, which is as the scanner shares them too). A Shared is
// for one goroutine.
type Shared struct {
	urgency   map[[32]byte]*scan.Urgency
	advice    map[[32]byte]*scan.Advice
	readiness map[[32]byte]*scan.Readiness
	version   map[[32]byte]*scan.Version
	// lists are the string lists results repeat (reasons, evidence).
	lists map[string][]string
	// summaries are the anonymous answers' summaries: a few kinds of
	// answer (401, 403, ok, a version) over the whole fleet.
	summaries map[string]map[string]string
	key       []byte
	strs      map[string]string
}

// NewShared returns an empty Shared.
func NewShared() *Shared {
	return &Shared{urgency: map[[32]byte]*scan.Urgency{}, advice: map[[32]byte]*scan.Advice{}, readiness: map[[32]byte]*scan.Readiness{}, version: map[[32]byte]*scan.Version{}, lists: map[string][]string{}, summaries: map[string]map[string]string{}, strs: map[string]string{}}
}

// split decodes a result with its judgement apart: the outer fields win
// over the embedded ones of the same name.
type split struct {
	scan.Result
	Urgency json.RawMessage `json:"urgency"`
	Advice  json.RawMessage `json:"advice"`
}

// decode decodes one result, its urgency and advice shared with the equal
// ones read before.
func (s *Shared) decode(b []byte) (scan.Result, error) {
	var sp split
	if err := json.Unmarshal(b, &sp); err != nil {
		return scan.Result{}, err
	}
	r := sp.Result
	var err error
	if r.Urgency, err = sharedPart(s.urgency, sp.Urgency); err != nil {
		return scan.Result{}, fmt.Errorf("urgency: %w", err)
	}
	if r.Advice, err = sharedPart(s.advice, sp.Advice); err != nil {
		return scan.Result{}, fmt.Errorf("advice: %w", err)
	}
	// The decoder grows the list as it goes: hold it at its length.
	r.Anonymous = slices.Clone(r.Anonymous)
	for i := range r.Anonymous {
		q := &r.Anonymous[i]
		q.Summary = s.summary(q.Summary)
		q.Path, q.ContentType, q.Error = s.str(q.Path), s.str(q.ContentType), s.str(q.Error)
	}
	return r, nil
}

// str is v, or an equal string read before: the words every result
// repeats (paths, content types, errors).
func (s *Shared) str(v string) string {
	if seen, ok := s.strs[v]; ok {
		return seen
	}
	s.strs[v] = v
	return v
}

// list is v, or an equal list seen before, at its length: an append to
// one copies it rather than writing into another result's.
func (s *Shared) list(v []string) []string {
	if len(v) == 0 {
		return v
	}
	s.key = s.key[:0]
	for _, e := range v {
		s.key = append(s.key, e...)
		s.key = append(s.key, 0)
	}
	if seen, ok := s.lists[string(s.key)]; ok {
		return seen
	}
	v = slices.Clip(v)
	s.lists[string(s.key)] = v
	return v
}

// summary is m, or an equal map read before.
func (s *Shared) summary(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	keys := slices.Sorted(maps.Keys(m))
	s.key = s.key[:0]
	for _, k := range keys {
		s.key = append(s.key, k...)
		s.key = append(s.key, 0)
		s.key = append(s.key, m[k]...)
		s.key = append(s.key, 0)
	}
	if seen, ok := s.summaries[string(s.key)]; ok {
		return seen
	}
	s.summaries[string(s.key)] = m
	return m
}

// Intern makes a result judged after it was read (a dataset's row) share
// its judgement with the equal ones before, as decoded results do: half a
// million Internet hosts run a few dozen versions, and each row's own copy
// of the same CVEs and advice would be most of the memory view holds.
func (d *Decoder) Intern(r *scan.Result) {
	s := d.shared
	r.Urgency = internPart(s.urgency, r.Urgency)
	r.Advice = internPart(s.advice, r.Advice)
	r.Readiness = internPart(s.readiness, r.Readiness)
	r.Version = internPart(s.version, r.Version)
	r.Dist.Evidence, r.Dist.Against = s.list(r.Dist.Evidence), s.list(r.Dist.Against)
	r.Exposure.Reasons = s.list(r.Exposure.Reasons)
	r.Exposure.Access, r.Exposure.Reach, r.Exposure.Level = s.str(r.Exposure.Access), s.str(r.Exposure.Reach), s.str(r.Exposure.Level)
	if r.TLS != nil {
		r.TLS.Findings = s.list(r.TLS.Findings)
		for i := range r.TLS.Chain {
			c := &r.TLS.Chain[i]
			c.Subject, c.Issuer = s.str(c.Subject), s.str(c.Issuer)
			c.DNSNames = s.list(c.DNSNames)
		}
	}
	for i := range r.Anonymous {
		q := &r.Anonymous[i]
		q.Summary = s.summary(q.Summary)
		q.Path, q.ContentType = s.str(q.Path), s.str(q.ContentType)
	}
}

func internPart[T any](seen map[[32]byte]*T, v *T) *T {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	key := sha256.Sum256(b)
	if old, ok := seen[key]; ok {
		return old
	}
	seen[key] = v
	return v
}

func sharedPart[T any](seen map[[32]byte]*T, raw json.RawMessage) (*T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	key := sha256.Sum256(raw)
	if v, ok := seen[key]; ok {
		return v, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	seen[key] = v
	return v, nil
}

// Format is the dataset format of the source (FormatShodan, FormatCensys),
// or "" for kubesurface's own results, as its first record showed.
func (d *Decoder) Format() string { return d.format }

// Read is how many bytes have been read from the source so far.
func (d *Decoder) Read() int64 { return d.in.total }

// Results is how many results Next has returned.
func (d *Decoder) Results() int { return d.results }

// Next returns the next result. A *SkipError is a row skipped: call Next
// again. io.EOF ends a source that held nothing malformed, including one
// that held no result at all: an empty or blank file, or a document of no
// results, is what a scan of nothing (an empty --shard) writes, and reads
// as an empty set (Results is then 0). Any other error ends reading: the
// source failed or was cancelled, a line or result is larger than
// MaxResultSize, or every row of the source was skipped (no result, and
// something that is not one).
func (d *Decoder) Next() (scan.Result, error) {
	if d.err != nil {
		return scan.Result{}, d.err
	}
	r, err := d.next()
	var skip *SkipError
	switch {
	case err == nil:
		d.results++
	case errors.As(err, &skip):
		d.skips++
		if d.first == nil {
			d.first = skip
		}
		if d.results == 0 && d.skips >= MaxLeadingSkips {
			d.err = fmt.Errorf("%s is not a results file: its first %d rows hold no kubesurface result (first: %s)", d.name, d.skips, d.first.row())
			return scan.Result{}, d.err
		}
	case err == io.EOF && d.results == 0 && d.first != nil:
		d.err = fmt.Errorf("%s holds no results (first unreadable row: %s)", d.name, d.first.row())
		return scan.Result{}, d.err
	default:
		d.err = err
	}
	return r, err
}

func (d *Decoder) next() (scan.Result, error) {
	if len(d.pending) > 0 {
		r := d.pending[0]
		d.pending = d.pending[1:]
		return r, nil
	}
	if d.dec != nil {
		return d.nextInDocument()
	}
	for {
		if err := d.in.skipBlank(); err != nil {
			return scan.Result{}, err
		}
		doc, err := d.in.sniff()
		if err != nil {
			return scan.Result{}, err
		}
		if doc {
			d.startDocument()
			return d.nextInDocument()
		}
		n := d.in.line
		line, err := d.in.readLine()
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				return scan.Result{}, fmt.Errorf("%s:%d: %w", d.name, n, err)
			}
			return scan.Result{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !d.sniffed {
			d.format, d.sniffed = sniffFormat(line), true
		}
		switch d.format {
		case FormatShodan:
			r, err := parseShodan(line)
			if err != nil {
				return scan.Result{}, &SkipError{Name: d.name, Line: n, Err: err}
			}
			return r, nil
		case FormatCensys:
			rs, err := parseCensys(line)
			if err != nil {
				return scan.Result{}, &SkipError{Name: d.name, Line: n, Err: err}
			}
			d.pending = rs[1:]
			return rs[0], nil
		}
		r, err := d.shared.decode(line)
		if err != nil {
			return scan.Result{}, &SkipError{Name: d.name, Line: n, Err: err}
		}
		if err := check(r); err != nil {
			return scan.Result{}, &SkipError{Name: d.name, Line: n, Err: err}
		}
		return r, nil
	}
}

var errLineTooLong = fmt.Errorf("line longer than %s, the most kubesurface reads of one result", bounded.Size(MaxResultSize))

func (d *Decoder) startDocument() {
	d.base = d.in.off
	d.in.startDocument(d)
	d.dec = json.NewDecoder(&d.in)
	d.doc = docState{}
}

// nextInDocument streams a document's results: the header fields are read
// (and checked) on the way to "results", then one result per call.
func (d *Decoder) nextInDocument() (scan.Result, error) {
	dec := d.dec
	if !d.doc.inResults {
		if !d.doc.opened {
			if _, err := dec.Token(); err != nil { // the opening {
				return scan.Result{}, d.documentError(err, -1)
			}
			d.doc.opened = true
		}
		for {
			if !dec.More() {
				return d.endDocument()
			}
			tok, err := dec.Token()
			if err != nil {
				return scan.Result{}, d.documentError(err, -1)
			}
			key, _ := tok.(string)
			switch key {
			case "apiVersion", "kind":
				var s string
				if err := d.decode(&s); err != nil {
					return scan.Result{}, err
				}
				if key == "kind" {
					d.doc.kind = s
				} else {
					d.doc.apiVersion = s
				}
				continue
			case "results":
				if err := d.checkHeader(); err != nil {
					return scan.Result{}, err
				}
				tok, err := dec.Token()
				if err != nil {
					return scan.Result{}, d.documentError(err, -1)
				}
				if tok == nil {
					continue // "results": null
				}
				if tok != json.Delim('[') {
					return scan.Result{}, d.documentError(fmt.Errorf("results is not a list"), -1)
				}
				d.doc.inResults = true
			default:
				var skip json.RawMessage
				if err := d.decode(&skip); err != nil {
					return scan.Result{}, err
				}
				continue
			}
			break
		}
	}
	if !dec.More() {
		if _, err := dec.Token(); err != nil { // the closing ]
			return scan.Result{}, d.documentError(err, -1)
		}
		d.doc.inResults = false
		return d.nextInDocument()
	}
	i := d.doc.index
	d.doc.index++
	var raw json.RawMessage
	if err := d.decode(&raw); err != nil {
		return scan.Result{}, err
	}
	line := d.in.lineAt(d.base + dec.InputOffset() - int64(len(raw)))
	r, err := d.shared.decode(raw)
	if err != nil {
		return scan.Result{}, &SkipError{Name: d.name, Line: line, Err: fmt.Errorf("results[%d]: %w", i, err)}
	}
	if err := check(r); err != nil {
		return scan.Result{}, &SkipError{Name: d.name, Line: line, Err: fmt.Errorf("results[%d]: %w", i, err)}
	}
	return r, nil
}

// decode decodes the next value of the document. A syntax error inside a
// value carries an offset the JSON decoder counts its own way; the value's
// start and its bytes, still in the decoder's buffer, give the real one.
func (d *Decoder) decode(v any) error {
	err := d.dec.Decode(v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if err != nil {
			return d.documentError(err, -1)
		}
		return nil
	}
	start := d.dec.InputOffset()
	ahead, _ := io.ReadAll(d.dec.Buffered())
	var raw json.RawMessage
	if errors.As(json.NewDecoder(bytes.NewReader(ahead)).Decode(&raw), &se) {
		return d.documentError(err, start+se.Offset)
	}
	return d.documentError(err, start)
}

// checkHeader refuses a document of another kind before its results are
// read as ours. A header that comes after the results (not as Write
// writes it) is checked at the end; each result is checked on its own.
func (d *Decoder) checkHeader() error {
	if d.doc.apiVersion == "" && d.doc.kind == "" {
		return nil
	}
	if d.doc.apiVersion != scan.APIVersion || d.doc.kind != Kind {
		return fmt.Errorf("%s:%d: not a kubesurface report: apiVersion %q kind %q (want %s %s)", d.name, d.in.lineAt(d.base+d.dec.InputOffset()),
			d.doc.apiVersion, d.doc.kind, scan.APIVersion, Kind)
	}
	return nil
}

// endDocument reads the closing brace and hands what the JSON decoder read
// ahead back to the line reader, for what follows the document.
func (d *Decoder) endDocument() (scan.Result, error) {
	if _, err := d.dec.Token(); err != nil {
		return scan.Result{}, d.documentError(err, -1)
	}
	if err := d.checkHeader(); err != nil {
		return scan.Result{}, err
	}
	if d.doc.kind == "" {
		return scan.Result{}, fmt.Errorf("%s:%d: not a kubesurface report: no kind", d.name, d.in.lineAt(d.base+d.dec.InputOffset()))
	}
	d.in.endDocument(d.base+d.dec.InputOffset(), d.dec.Buffered())
	d.dec = nil
	return d.next()
}

// documentError turns an error inside a document into what Next returns.
// The source's own failure ends reading; malformed JSON ends the document,
// since nothing after it can be told apart, but not what was read of it:
// it is one last skip, and reading ends there. at is the offset of the
// error in the document when the caller knows it better than err does.
func (d *Decoder) documentError(err error, at int64) error {
	if d.in.err != nil && d.in.err != io.EOF {
		return d.in.err
	}
	line := d.in.line
	var se *json.SyntaxError
	switch {
	case at >= 0:
		line = d.in.lineAt(d.base + at)
	case errors.As(err, &se):
		line = d.in.lineAt(d.base + se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		line = d.in.lineAt(d.in.off)
		err = errors.New("truncated JSON document")
	}
	// Nothing more can be read: the next call ends.
	d.in.err = io.EOF
	d.in.r, d.in.w = 0, 0
	d.dec = nil
	return &SkipError{Name: d.name, Line: line, Err: fmt.Errorf("%w; the rest of the document is lost", err)}
}

// Read reads every result of r at once, with the rows it skipped. For
// small inputs and tests: view and --from-results stream with Decoder.
func Read(r io.Reader, name string) ([]scan.Result, []*SkipError, error) {
	d := NewDecoder(r, name)
	var out []scan.Result
	var skipped []*SkipError
	for {
		res, err := d.Next()
		var skip *SkipError
		switch {
		case err == nil:
			out = append(out, res)
		case errors.As(err, &skip):
			skipped = append(skipped, skip)
		case err == io.EOF:
			return out, skipped, nil
		default:
			return out, skipped, err
		}
	}
}

// check refuses what is JSON but not a result kubesurface wrote, or one
// whose target could not be probed again.
func check(r scan.Result) error {
	if r.APIVersion != scan.APIVersion {
		return fmt.Errorf("not a kubesurface result: apiVersion %q (want %s)", r.APIVersion, scan.APIVersion)
	}
	if _, err := scan.FromRef(r.Target); err != nil {
		return err
	}
	return nil
}

// input is the buffered source under a Decoder: lines for NDJSON, a plain
// reader for the JSON decoder of a document, with the line number of
// every offset either way.
type input struct {
	src  io.Reader
	buf  []byte
	r, w int
	err  error // the source's: sticky
	// off is the stream offset of buf[r]; line its line number.
	off  int64
	line int
	// total is how many bytes the source has given.
	total int64
	// In a document: newlines holds the stream offsets of the newlines
	// handed to the JSON decoder and not yet counted into line, and doc
	// is the decoder, whose read-ahead is capped at MaxResultSize.
	newlines []int64
	doc      *Decoder
}

// fill reads more of the source into the buffer, growing it up to
// MaxResultSize+1 bytes of unread data.
func (in *input) fill() error {
	if in.err != nil {
		return in.err
	}
	if in.r > 0 {
		n := copy(in.buf, in.buf[in.r:in.w])
		in.r, in.w = 0, n
	}
	if in.w == len(in.buf) {
		if len(in.buf) > MaxResultSize {
			return errLineTooLong
		}
		size := max(2*len(in.buf), chunk)
		nb := make([]byte, min(size, MaxResultSize+1))
		copy(nb, in.buf[:in.w])
		in.buf = nb
	}
	n, err := in.src.Read(in.buf[in.w:])
	in.w += n
	in.total += int64(n)
	if err != nil {
		in.err = err
		if n > 0 {
			return nil
		}
	}
	return err
}

// shrink lets a buffer grown for one long line go once it is read.
func (in *input) shrink() {
	if len(in.buf) > 4*chunk && in.w-in.r < chunk {
		nb := make([]byte, chunk)
		in.w = copy(nb, in.buf[in.r:in.w])
		in.r = 0
		in.buf = nb
	}
}

// skipBlank consumes white space, counting lines, up to the next value.
// io.EOF means there is none.
func (in *input) skipBlank() error {
	for {
		for in.r < in.w {
			switch in.buf[in.r] {
			case '\n':
				in.line++
			case ' ', '\t', '\r':
			default:
				return nil
			}
			in.r++
			in.off++
		}
		if err := in.fill(); err != nil {
			return err
		}
	}
}

// readLine consumes one line and returns it without its newline; it is
// valid until the next read. The last line may lack its newline.
func (in *input) readLine() ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(in.buf[in.r+scanned:in.w], '\n'); i >= 0 {
			end := in.r + scanned + i
			line := in.buf[in.r:end]
			in.off += int64(end + 1 - in.r)
			in.r = end + 1
			in.line++
			in.shrink()
			return bytes.TrimSuffix(line, []byte("\r")), nil
		}
		scanned = in.w - in.r
		if scanned > MaxResultSize {
			return nil, errLineTooLong
		}
		if err := in.fill(); err != nil {
			if err == io.EOF && in.w > in.r {
				line := in.buf[in.r:in.w]
				in.off += int64(in.w - in.r)
				in.r = in.w
				return bytes.TrimSuffix(line, []byte("\r")), nil
			}
			return nil, err
		}
	}
}

// sniff tells whether the value that starts here is a Document (its first
// key other than apiVersion is one of a Document's) or something to read
// as one line. It reads ahead only as far as it must.
func (in *input) sniff() (bool, error) {
	for {
		doc, more := isDocument(in.buf[in.r:in.w])
		if !more || in.w-in.r >= sniffSize {
			return doc, nil
		}
		if err := in.fill(); err != nil {
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
	}
}

// isDocument looks at the start of a JSON object; more says b ends
// before it can tell.
func isDocument(b []byte) (doc, more bool) {
	i := skipSpace(b, 0)
	if i == len(b) {
		return false, true
	}
	if b[i] != '{' {
		return false, false
	}
	i++
	for range 2 {
		key, j, ok, more := simpleString(b, skipSpace(b, i))
		if more || !ok {
			return false, more
		}
		switch key {
		case "kind", "generatedAt", "data", "results":
			return true, false
		case "apiVersion":
		default:
			return false, false
		}
		if j = skipSpace(b, j); j == len(b) {
			return false, true
		}
		if b[j] != ':' {
			return false, false
		}
		_, j, ok, more = simpleString(b, skipSpace(b, j+1))
		if more || !ok {
			return false, more
		}
		if j = skipSpace(b, j); j == len(b) {
			return false, true
		}
		if b[j] != ',' {
			return false, false
		}
		i = j + 1
	}
	return false, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// simpleString reads a JSON string without escapes at b[i:]: the sniff
// needs only key names and the apiVersion.
func simpleString(b []byte, i int) (s string, end int, ok, more bool) {
	if i == len(b) {
		return "", i, false, true
	}
	if b[i] != '"' {
		return "", i, false, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '"':
			return string(b[i+1 : j]), j + 1, true, false
		case '\\':
			return "", j, false, false
		}
	}
	return "", len(b), false, true
}

// startDocument hands the input to a JSON decoder from here on.
func (in *input) startDocument(d *Decoder) {
	in.doc = d
	in.newlines = in.newlines[:0]
}

// Read feeds the JSON decoder of a document, noting where the newlines
// are and refusing to let its read-ahead (the result it is reading) grow
// past MaxResultSize.
func (in *input) Read(p []byte) (int, error) {
	if d := in.doc; d != nil && d.dec != nil && in.off-(d.base+d.dec.InputOffset()) > MaxResultSize {
		// The value starts past the white space the decoder holds.
		ahead, _ := io.ReadAll(d.dec.Buffered())
		start := d.base + d.dec.InputOffset() + int64(skipSpace(ahead, 0))
		in.err = fmt.Errorf("%s:%d: result larger than %s, the most kubesurface reads of one", d.name, in.lineAt(start), bounded.Size(MaxResultSize))
		return 0, in.err
	}
	if in.r == in.w {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, in.buf[in.r:in.w])
	for i, c := range p[:n] {
		if c == '\n' {
			in.newlines = append(in.newlines, in.off+int64(i))
		}
	}
	in.r += n
	in.off += int64(n)
	return n, nil
}

// lineAt is the line of stream offset off inside a document; offsets are
// asked for in increasing order, so counted newlines are dropped.
func (in *input) lineAt(off int64) int {
	i := 0
	for i < len(in.newlines) && in.newlines[i] < off {
		i++
	}
	in.line += i
	in.newlines = in.newlines[i:]
	return in.line
}

// endDocument takes back what the JSON decoder read past the document's
// end (at stream offset end), for the line reader.
func (in *input) endDocument(end int64, ahead io.Reader) {
	in.lineAt(end)
	rest, _ := io.ReadAll(ahead) // a bytes.Reader over the decoder's buffer
	nb := make([]byte, max(chunk, len(rest)+in.w-in.r))
	n := copy(nb, rest)
	n += copy(nb[n:], in.buf[in.r:in.w])
	in.buf, in.r, in.w = nb, 0, n
	in.off = end
	in.newlines = in.newlines[:0]
	in.doc = nil
}
