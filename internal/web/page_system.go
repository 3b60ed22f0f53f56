package web

import (
	"cmp"
	"html/template"
	"regexp"
	"strings"

	"portico/internal/portal"
	"portico/internal/web/i18n"
)

// System is the admin's text for the system page name in the page's
// language (SPEC P23), or "" when the page shows its own.
func (d *pageData) System(name string) template.HTML {
	return pageSystemText(d.v, d.loc, name)
}

// Preview reports whether an agent is looking at a portal that is switched
// off (SPEC P24).
func (d *pageData) Preview() bool { return d.v != nil && d.v.preview }

// pageSystemText is the admin's text for the system page name of v's portal
// in loc's language, as HTML, or "" when there is none. v may be nil.
func pageSystemText(v *visitor, loc *i18n.Localizer, name string) template.HTML {
	if v == nil || loc == nil {
		return ""
	}
	text := portal.Label(v.portal.SystemPages[name], loc.Lang(), "")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	text = strings.NewReplacer(
		"{{portal}}", v.portal.Name,
		"{{tickets}}", cmp.Or(v.portal.TicketLabel[loc.Lang()], loc.T("label.tickets")),
	).Replace(text)
	return pageTextHTML(text)
}

var (
	pageParagraphBreak = regexp.MustCompile(`\n[ \t]*\n`)
	// pageMarkup is the markup an admin's text may use: **bold** and
	// [a link](address).
	pageMarkup = regexp.MustCompile(`\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)`)
)

// pageTextHTML turns an admin's plain text into HTML: every character of it
// is escaped, so markup and script in it show as written; blank lines
// separate paragraphs, line breaks are kept, and **bold** and [a
// link](https://…) are the only formatting. A link to anything but an
// http(s) address, a path on this site or a mailto: address stays text.
func pageTextHTML(text string) template.HTML {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var b strings.Builder
	for _, para := range pageParagraphBreak.Split(strings.TrimSpace(text), -1) {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>")
			}
			pageInline(&b, line)
		}
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// pageInline writes one line of an admin's text with its markup.
func pageInline(b *strings.Builder, line string) {
	last := 0
	for _, m := range pageMarkup.FindAllStringSubmatchIndex(line, -1) {
		b.WriteString(template.HTMLEscapeString(line[last:m[0]]))
		last = m[1]
		if m[2] >= 0 {
			b.WriteString("<strong>" + template.HTMLEscapeString(line[m[2]:m[3]]) + "</strong>")
			continue
		}
		label, href := line[m[4]:m[5]], line[m[6]:m[7]]
		if !pageLinkable(href) {
			b.WriteString(template.HTMLEscapeString(line[m[0]:m[1]]))
			continue
		}
		b.WriteString(`<a href="` + template.HTMLEscapeString(href) + `"`)
		if pageExternal(href) {
			b.WriteString(` rel="noopener" hx-boost="false"`)
		}
		b.WriteString(">" + template.HTMLEscapeString(label) + "</a>")
	}
	b.WriteString(template.HTMLEscapeString(line[last:]))
}

// pageLinkable reports whether an admin's text may link to href.
func pageLinkable(href string) bool {
	if addr, ok := strings.CutPrefix(href, "mailto:"); ok {
		at := strings.Index(addr, "@")
		return at > 0 && at < len(addr)-1 && !strings.ContainsAny(addr, `<>"'`)
	}
	return portal.SafeURL(href)
}
