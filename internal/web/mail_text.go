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
