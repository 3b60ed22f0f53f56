package web

import (
	"bytes"
	"html/template"
	"strings"
)

// mailText builds the plain-text body of an email: paragraphs apart by a
// blank line, the signature after the "-- " line mail readers know.
type mailText struct{ b strings.Builder }

// para adds paragraphs; empty ones are left out.
func (m *mailText) para(ps ...string) {
	for _, p := range ps {
		if p == "" {
			continue
		}
		if m.b.Len() > 0 {
			m.b.WriteString("\n\n")
		}
		m.b.WriteString(p)
	}
}

// link adds a link under what it does.
func (m *mailText) link(action, url string) {
	if url != "" {
		m.para(action + ":\n" + url)
	}
}

// signed ends the body with signature and returns it.
func (m *mailText) signed(signature string) string {
	m.para("-- \n" + signature)
	m.b.WriteString("\n")
	return m.b.String()
}

// mailHTML is t run on data. The templates are fixed and their data plain
// strings: a failure is a bug, and the plain-text body still carries the
// message, so it gives an email without an HTML body.
func mailHTML(t *template.Template, data any) string {
	var h bytes.Buffer
	if err := t.Execute(&h, data); err != nil {
		return ""
	}
	return h.String()
}

// mailView is an email's content, in the order it is shown; empty parts
// are left out.
type mailView struct {
	Lang, Subject, Heading string
	Before                 []string // the opening paragraphs
	Code                   string   // a code to type, shown large
	Quote                  string   // a message or comment, as written
	After                  []string
	Action, Link           string // the button and the address it opens
	Closing                []string
	Footer                 string // the signature or why the mail came
}

// render is the email: its subject, plain-text and HTML bodies.
func (v mailView) render() (subject, text, html string) {
	var t mailText
	t.para(v.Before...)
	if v.Code != "" {
		t.para("    " + v.Code)
	}
	if v.Quote != "" {
		t.para("> " + strings.ReplaceAll(strings.ReplaceAll(v.Quote, "\r\n", "\n"), "\n", "\n> "))
	}
	t.para(v.After...)
	t.link(v.Action, v.Link)
	t.para(v.Closing...)
	return v.Subject, t.signed(v.Footer), mailHTML(mailTemplate, v)
}

// mailTemplate is the HTML body of every email. Mail readers ignore style
// sheets, so the few styles are inline; html/template escapes every value,
// and a quoted message keeps its line breaks.
var mailTemplate = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:24px 12px;background:#f5f6f8;color:#1b2230;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.55">
<div style="max-width:560px;margin:0 auto;padding:28px;background:#ffffff;border:1px solid #dde1e8;border-radius:10px">
{{- with .Heading}}
<p style="margin:0 0 20px;font-size:18px;font-weight:650">{{.}}</p>
{{- end}}
{{- range .Before}}
<p style="margin:0 0 14px">{{.}}</p>
{{- end}}
{{- with .Code}}
<p style="margin:20px 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:30px;font-weight:700;letter-spacing:6px">{{.}}</p>
{{- end}}
{{- with .Quote}}
<blockquote style="margin:0 0 18px;padding:10px 16px;border-left:4px solid #c9d1de;background:#f7f8fa;white-space:pre-wrap;word-wrap:break-word">{{.}}</blockquote>
{{- end}}
{{- range .After}}
<p style="margin:0 0 14px">{{.}}</p>
{{- end}}
{{- if .Link}}
<p style="margin:22px 0 8px"><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;background:#2f5bd3;color:#ffffff;border-radius:8px;font-weight:600;text-decoration:none">{{.Action}}</a></p>
<p style="margin:0 0 14px;color:#5a6474;font-size:13px;word-break:break-all">{{.Link}}</p>
{{- end}}
{{- range .Closing}}
<p style="margin:0 0 14px">{{.}}</p>
{{- end}}
<p style="margin:24px 0 0;color:#5a6474">{{.Footer}}</p>
</div>
</body>
</html>
`))
