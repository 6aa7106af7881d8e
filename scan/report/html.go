package report

import (
	"html/template"
	"io"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// HTML writes the same report as Markdown as one self-contained HTML5 file:
// inline CSS, no script and nothing fetched from elsewhere, so it can be
// mailed or archived and opens the same offline. html/template escapes
// every value, and a Content-Security-Policy forbids scripts should
// anything ever slip through. It is read on phones as well, still without
// script: below 40rem each table row becomes a card of "column: value"
// lines (the labels come from data-label, as the header is hidden), since
// eleven summary columns cannot share a phone's width; long values wrap
// rather than widen the page. The Fleet charts are inline SVG, drawn
// sideways so they shrink with the page (see chart).
func HTML(w io.Writer, results []scan.Result, at time.Time, data DataInfo) error {
	return htmlTemplate.Execute(w, newPage(results, at, data))
}

// levelClass maps a rating to its CSS class. The class only adds colour:
// the word is always printed as well.
func levelClass(level string) string {
	switch level {
	case scan.LevelCritical, scan.LevelHigh, scan.LevelMedium, scan.LevelLow:
		return "lvl lvl-" + level
	case scan.LevelNone, "current":
		return "lvl lvl-ok"
	}
	return "lvl lvl-other"
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{"levelClass": levelClass}).Parse(htmlSource))

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="kubesurface">
<title>{{.Title}} {{.Generated}}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:78rem;padding:0 1rem;color:#1b1f24;background:#fff;overflow-wrap:break-word}
h1{font-size:1.6rem;margin-bottom:.5rem}
h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:2px solid #d0d7de;padding-bottom:.25rem}
h3{font-size:1.1rem;margin-top:1.5rem}
h4{font-size:1rem;margin:1rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem;width:100%}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;white-space:nowrap}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0 .8rem}
dl.fields dt{font-weight:600}
dl.fields dd{margin:0;overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.6rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.lvl{display:inline-block;padding:0 .4rem;border-radius:.25rem;font-weight:600;border:1px solid transparent}
.lvl-critical{background:#8b0000;color:#fff}
.lvl-high{background:#d1242f;color:#fff}
.lvl-medium{background:#f2c744;color:#1b1f24}
.lvl-low{background:#ddf4ff;color:#0a3069;border-color:#54aeff}
.lvl-ok{background:#dafbe1;color:#116329;border-color:#4ac26b}
.lvl-other{background:#eaeef2;color:#1b1f24;border-color:#afb8c1}
.stale{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .75rem}
section.fleet th{white-space:normal}
svg.chart{display:block;width:100%;max-width:40rem;height:auto;font-size:11px;margin:.5rem 0}
svg.chart text{fill:#1b1f24}
.f-critical{fill:#8b0000}.f-high{fill:#d1242f}.f-medium{fill:#f2c744}.f-low{fill:#54aeff}.f-ok,.f-sup{fill:#4ac26b}.f-other,.f-unsup{fill:#afb8c1}
.f-eoss{fill:#f2c744}.f-eos{fill:#d1242f}.f-forced{fill:#8250df}.band{fill:#dafbe1}
footer{margin-top:3rem;color:#57606a;font-size:.85rem}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .6rem}
table,tbody,tr,td{display:block}
thead{display:none}
tr{border:1px solid #d0d7de;border-radius:.25rem;margin-bottom:.6rem}
td{border:0;border-bottom:1px solid #eaeef2;display:grid;grid-template-columns:minmax(5.5rem,35%) minmax(0,1fr);gap:.6rem}
td:last-child{border-bottom:0}
td::before{content:attr(data-label);font-weight:600}
td>*{justify-self:start}}
@media print{body{margin:0;max-width:none}h2{break-before:page}section.summary h2{break-before:auto}}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{template "fields" .Meta}}
{{with .Stale}}<p class="stale"><strong>Stale data:</strong> {{.}}</p>{{end}}
</header>
<main>
<section class="summary">
<h2>Summary</h2>
{{if .Summary.Rows}}{{template "table" .Summary}}{{else}}<p>No targets.</p>{{end}}
</section>
{{if .Charts}}<section class="fleet">
<h2>Fleet</h2>
{{range .Charts}}<h3>{{.Title}}</h3>
{{template "chart" .}}{{end}}</section>
{{end}}{{range .Targets}}<section id="{{.ID}}">
<h2>{{.Number}}. {{.Name}}</h2>
{{range .Sections}}<h3>{{.Title}}</h3>
{{range .Blocks}}{{template "block" .}}{{end}}{{end}}</section>
{{end}}</main>
<footer>Generated by kubesurface at {{.Generated}}. Levels are written out in words; colour only repeats them.</footer>
</body>
</html>
{{define "fields"}}{{if .}}<dl class="fields">
{{range .}}<dt>{{.Label}}</dt><dd>{{if .Level}}<span class="{{levelClass .Level}}">{{.Value}}</span>{{else}}{{.Value}}{{end}}</dd>
{{end}}</dl>
{{end}}{{end}}
{{define "table"}}<table>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td data-label="{{index $.Head $i}}">{{template "cell" $c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}
{{define "chart"}}{{with .Text}}<p>{{.}}</p>
{{end}}{{if .Rows}}<svg class="chart" viewBox="0 0 400 {{.Height}}" width="100%" role="img" aria-label="{{.Label}}" xmlns="http://www.w3.org/2000/svg">
<title>{{.Label}}</title>
{{range .Legend}}<rect x="{{.X}}" y="{{.Y}}" width="10" height="10" class="{{.Class}}"/><text x="{{.TX}}" y="{{.TY}}"><title>{{.Full}}</title>{{.Text}}</text>
{{end}}{{range .Rows}}<g>{{if .Band}}<rect x="0" y="{{.Top}}" width="400" height="20" class="band"/>{{end}}<text x="116" y="{{.TY}}" text-anchor="end"><title>{{.Full}}</title>{{.Label}}</text>{{range .Segs}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="14" class="{{.Class}}"><title>{{.Title}}</title></rect>{{end}}<text x="{{.CountX}}" y="{{.TY}}">{{.Count}}</text></g>
{{end}}</svg>
{{end}}{{with .Note}}<p>{{.}}</p>
{{end}}{{with .Table}}<details><summary>The numbers</summary>
{{template "table" .}}</details>
{{end}}{{end}}
{{define "cell"}}{{if .Anchor}}<a href="#{{.Anchor}}">{{.Text}}</a>{{else if .Link}}<a href="{{.Link}}" rel="noreferrer noopener">{{.Text}}</a>{{else if .Level}}<span class="{{levelClass .Level}}">{{.Text}}</span>{{else if .Code}}<code>{{.Text}}</code>{{else}}{{.Text}}{{end}}{{end}}
{{define "block"}}{{with .Heading}}<h4>{{.}}</h4>
{{end}}{{with .Text}}<p>{{.}}</p>
{{end}}{{template "fields" .Fields}}{{with .Items}}<ul>
{{range .}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{with .Table}}{{template "table" .}}{{end}}{{with .Code}}<pre><code>{{range .}}{{.}}
{{end}}</code></pre>
{{end}}{{end}}`
