package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// Markdown writes the report a person reads, or pastes into a ticket: a
// summary table of every target, the shape of the fleet in a few small
// tables, then one section per target with all the
// detail the TUI's detail view shows. Every value is escaped, so a hostile
// server's strings stay text: they cannot add rows, links, HTML or headings.
func Markdown(w io.Writer, results []scan.Result, at time.Time, data DataInfo) error {
	p := newPage(results, at, data)
	bw := bufio.NewWriter(w)
	m := mdWriter{w: bw}
	m.line("# " + mdText(p.Title))
	m.blank()
	m.fields(p.Meta)
	if p.Stale != "" {
		m.blank()
		m.line("> **Stale data:** " + mdText(p.Stale))
	}
	m.blank()
	m.line("## Summary")
	m.blank()
	if len(p.Summary.Rows) == 0 {
		m.line("No targets.")
		m.blank()
	} else {
		m.table(p.Summary)
	}
	if len(p.Fleet) > 0 {
		m.line("## Fleet")
		m.blank()
		for _, s := range p.Fleet {
			m.line("### " + mdText(s.Title))
			m.blank()
			for _, b := range s.Blocks {
				m.block(b)
			}
		}
	}
	for _, t := range p.Targets {
		m.line("## " + strconv.Itoa(t.Number) + ". " + mdText(t.Name))
		m.blank()
		for _, s := range t.Sections {
			m.line("### " + mdText(s.Title))
			m.blank()
			for _, b := range s.Blocks {
				m.block(b)
			}
		}
	}
	return bw.Flush()
}

// mdWriter writes lines to a buffered writer; bufio keeps the first error,
// which Flush returns.
type mdWriter struct{ w *bufio.Writer }

func (m mdWriter) line(s string) { m.w.WriteString(s); m.w.WriteByte('\n') }
func (m mdWriter) blank()        { m.w.WriteByte('\n') }

func (m mdWriter) fields(fs []Field) {
	for _, f := range fs {
		v := mdText(f.Value)
		if strong(f.Level) {
			v = "**" + v + "**"
		}
		m.line("- **" + mdText(f.Label) + ":** " + v)
	}
}

func (m mdWriter) block(b Block) {
	if b.Heading != "" {
		m.line("#### " + mdText(b.Heading))
		m.blank()
	}
	if b.Text != "" {
		m.line(mdLine(b.Text))
		m.blank()
	}
	if len(b.Fields) > 0 {
		m.fields(b.Fields)
		m.blank()
	}
	if len(b.Items) > 0 {
		for _, it := range b.Items {
			m.line("- " + mdLine(it))
		}
		m.blank()
	}
	if b.Table != nil {
		m.table(*b.Table)
	}
	if len(b.Code) > 0 {
		fence := strings.Repeat("`", max(3, longestRun(strings.Join(b.Code, "\n"), '`')+1))
		m.line(fence + "sh")
		for _, c := range b.Code {
			m.line(c)
		}
		m.line(fence)
		m.blank()
	}
}

func (m mdWriter) table(t Grid) {
	head := make([]string, len(t.Head))
	rule := make([]string, len(t.Head))
	for i, h := range t.Head {
		head[i], rule[i] = mdText(h), "---"
	}
	m.line("| " + strings.Join(head, " | ") + " |")
	m.line("| " + strings.Join(rule, " | ") + " |")
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdCell(c)
		}
		m.line("| " + strings.Join(cells, " | ") + " |")
	}
	m.blank()
}

// mdCell renders one table cell. Pipes are escaped everywhere, code spans
// included: GitHub splits table rows on unescaped pipes before it parses
// anything inside a cell.
func mdCell(c Cell) string {
	if c.Text == "" {
		return none
	}
	switch {
	case c.Code:
		return strings.ReplaceAll(mdCode(c.Text), "|", `\|`)
	case c.Link != "":
		return "[" + mdText(c.Text) + "](" + c.Link + ")"
	case strong(c.Level):
		return "**" + mdText(c.Text) + "**"
	}
	return mdText(c.Text)
}

// strong says whether a rating is shown in bold: high and critical, the
// ones a reader skimming the report must not miss.
func strong(level string) bool {
	return fleet.Severity(level) >= fleet.Severity(scan.LevelHigh)
}

// mdSpecial are the characters that could start markup inline. Each is
// backslash-escaped, which CommonMark allows for any ASCII punctuation.
const mdSpecial = "\\`*_[]<>|#~&!"

// mdText escapes s for inline text; s is one line already (clean). An
// underscore inside a word cannot start emphasis, so it is left alone:
// TLS_AES_128_GCM_SHA256 and host_names stay readable in the raw file.
func mdText(s string) string {
	if !strings.ContainsAny(s, mdSpecial) {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if strings.ContainsRune(mdSpecial, r) && !(r == '_' && i > 0 && i < len(rs)-1 && wordRune(rs[i-1]) && wordRune(rs[i+1])) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// mdLine escapes s for the start of a line as well, where "-", "+", "="
// and "1. " would open a list or make a heading.
func mdLine(s string) string {
	s = mdText(strings.TrimLeft(s, " "))
	if s == "" {
		return none
	}
	switch {
	case strings.ContainsRune("-+=", rune(s[0])):
		s = `\` + s
	default:
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') && (i+1 == len(s) || s[i+1] == ' ') {
			s = s[:i] + `\` + s[i:]
		}
	}
	return s
}

// mdCode is s as a code span, its fence longer than any backtick run in it.
func mdCode(s string) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
