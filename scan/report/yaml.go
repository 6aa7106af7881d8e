package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	goyaml "go.yaml.in/yaml/v2"

	"github.com/kubesurface/kubesurface/internal/clean"
)

// marshalYAML is sigs.k8s.io/yaml's Marshal (JSON, read back as YAML,
// written by go-yaml v2) made safe for strings a stranger chose. go-yaml
// alone fails on them or writes them raw: it refuses to write DEL and the
// C1 controls at all (one hostile server would fail the whole `-o yaml`),
// turns NEL into a space, and writes the bidirectional overrides and line
// separators raw, since it deems them printable. So every string holding a
// character clean.IsControl names (other than a newline or tab, which
// go-yaml writes validly and which are harmless to cat) is swapped for a
// placeholder word before go-yaml writes the document, and the placeholder
// for the string as a JSON string literal, escaped by clean.JSON. A JSON
// string literal is a valid YAML double-quoted scalar with the same
// escapes, so the document decodes to exactly the data given, and no raw
// control or bidirectional character is left in it. Documents without such
// strings come out byte for byte as sigs.k8s.io/yaml writes them.
func marshalYAML(v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	// go-yaml refuses raw DEL and C1 controls even inside a JSON string;
	// escaped, it reads them.
	j = clean.JSON(j)
	var obj any
	if err := goyaml.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	q := quoter{base: placeholderBase(j)}
	obj = q.swap(obj)
	out, err := goyaml.Marshal(obj)
	if err != nil || len(q.pairs) == 0 {
		return out, err
	}
	return []byte(strings.NewReplacer(q.pairs...).Replace(string(out))), nil
}

// placeholderBase is a word that occurs nowhere in the document, so that a
// placeholder built on it can only be one marshalYAML put there.
func placeholderBase(j []byte) string {
	base := "kubesurface-quoted-"
	for bytes.Contains(j, []byte(base)) {
		base += "x"
	}
	return base
}

// quoter swaps the strings that need quoting for placeholders, and keeps
// the replacement of each: base, a number and a final "z", so that no
// placeholder is the prefix of another.
type quoter struct {
	base  string
	pairs []string
}

func (q *quoter) swap(v any) any {
	switch x := v.(type) {
	case string:
		if !needsQuoting(x) {
			return x
		}
		p := q.base + strconv.Itoa(len(q.pairs)/2) + "z"
		q.pairs = append(q.pairs, p, quote(x))
		return p
	case []any:
		for i := range x {
			x[i] = q.swap(x[i])
		}
		return x
	case map[any]any:
		out := make(map[any]any, len(x))
		for k, e := range x {
			out[q.swap(k)] = q.swap(e)
		}
		return out
	}
	return v
}

func needsQuoting(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && clean.IsControl(r) })
}

// quote is s as a JSON string literal with every control and
// bidirectional character escaped.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return string(clean.JSON(bytes.TrimSuffix(b.Bytes(), []byte("\n"))))
}
