package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/scan"
)

// repeat is an endless source: its head, then unit forever (/dev/zero, a
// stream that never ends a line or a result).
type repeat struct {
	head []byte
	unit []byte
	n    int64
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.head) > 0 {
			c := copy(p[n:], r.head)
			r.head = r.head[c:]
			n += c
			continue
		}
		c := copy(p[n:], r.unit[int(r.n%int64(len(r.unit))):])
		r.n += int64(c)
		n += c
	}
	return n, nil
}

// TestReadStopsEndlessInputAtTheCap: a source that never ends a line or a
// result is refused once one row passes MaxResultSize, having read little
// more than that, and a source of nothing but junk rows is refused as not
// a results file long before its end.
func TestReadStopsEndlessInputAtTheCap(t *testing.T) {
	var line bytes.Buffer
	Line(&line, exposedEKS())
	cases := []struct {
		name string
		src  *repeat
		want string
	}{
		{"/dev/zero", &repeat{unit: []byte{0}}, "in:1: line longer than 16 MiB, the most kubesurface reads of one result"},
		{"a result that never ends a line", &repeat{head: line.Bytes(), unit: []byte(`{"apiVersion":"kubesurface/v1","target":{"name":"`), n: 0}, "in:2: line longer than 16 MiB"},
		{"a document whose result never ends", &repeat{head: []byte("{\n\"apiVersion\": \"kubesurface/v1\",\n\"kind\": \"ScanReport\",\n\"results\": [\n" + strings.TrimSpace(line.String()) + ",\n{\"a\": [\n"), unit: []byte("1,\n")},
			"in:6: result larger than 16 MiB, the most kubesurface reads of one"},
		{"junk lines", &repeat{unit: []byte("level=info msg=hello\n")}, "in is not a results file: its first 1000 rows hold no kubesurface result"},
		{"a document of junk", &repeat{head: []byte(`{"apiVersion":"kubesurface/v1","kind":"ScanReport","results":[`), unit: []byte(`{"apiVersion":"x"},`)}, "in is not a results file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDecoder(c.src, "in")
			var err error
			results := 0
			for err == nil || errors.As(err, new(*SkipError)) {
				var r scan.Result
				if r, err = d.Next(); err == nil {
					results++
					if r.Target.Name != "prod-eks" {
						t.Errorf("read %q", r.Target.Name)
					}
				}
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
			if d.Read() > MaxResultSize+4*chunk {
				t.Errorf("read %d bytes of it before refusing: the cap is %d", d.Read(), MaxResultSize)
			}
		})
	}
}

// TestReadGivesEachResultAsItArrives: nothing waits for the end of the
// input (a pipe, a scan still writing): each line, and each result of a
// document, is returned as soon as it is complete.
func TestReadGivesEachResultAsItArrives(t *testing.T) {
	var lines, doc bytes.Buffer
	for _, r := range fixtures() {
		Line(&lines, r)
	}
	Write(&doc, "json", fixtures(), fixtureAt, fixtureData, Options{})
	compact := must(json.Marshal(NewDocument(fixtures(), fixtureAt, fixtureData)))
	firstEnd := func(s string, sep string) int { return strings.Index(s, sep) + len(sep) }
	for name, in := range map[string]struct {
		text  string
		first int // bytes up to the end of the first result
	}{
		"ndjson":        {lines.String(), firstEnd(lines.String(), "\n")},
		"json document": {doc.String(), firstEnd(doc.String(), "\n    },\n")},
		"one-line doc":  {string(compact), firstEnd(string(compact), `"errors"`)},
	} {
		t.Run(name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pr.Close()
			go pw.Write([]byte(in.text[:in.first])) // and then nothing: the writer is still at work
			got := make(chan scan.Result, 1)
			d := NewDecoder(pr, name)
			go func() {
				r, err := d.Next()
				if err != nil {
					t.Error(err)
				}
				got <- r
			}()
			select {
			case r := <-got:
				if r.Target.Name != "prod-eks" {
					t.Errorf("first result %q", r.Target.Name)
				}
			case <-time.After(time.Minute): // a safety deadline, not a measure
				t.Fatal("the first result was not given before the input ended")
			}
		})
	}
}

// TestReadEndsWhenCancelled: a FIFO or stdin that never closes is read
// through bounded, so cancelling ends the read at once.
func TestReadEndsWhenCancelled(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	src := bounded.NewReader(ctx, pr, "stdin", 0)
	defer src.Close()
	var line bytes.Buffer
	Line(&line, exposedEKS())
	go pw.Write(line.Bytes())
	d := NewDecoder(src, "stdin")
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := d.Next(); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("reading did not end when cancelled")
	}
}
