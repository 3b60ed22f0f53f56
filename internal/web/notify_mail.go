package web

import (
	"html/template"
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// noticeWriter words the notifications of tickets (SPEC A9) from the
// message catalog: emails to agents and customers, SMS to customers.
type noticeWriter struct{ cat *i18n.Catalog }

// noticeMail is a notification email's content, in the order it is shown.
type noticeMail struct {
	Lang, Subject, Heading string
	Before                 []string // paragraphs before the quote
	Quote                  string   // the message or comment, as written
	After                  []string
	Action, Link           string
	Footer                 string
}

// values are what a notice's messages may use.
func noticeValues(l *i18n.Localizer, n ticket.Notice) map[string]any {
	status := n.Stage
	if status == "" && n.Status != "" {
		status = l.T("status." + n.Status)
	}
	actor := n.Actor
	if actor == "" {
		if n.ForAgent() {
			actor = l.T("notify.actor.customer")
		} else {
			actor = l.T("notify.actor.team")
		}
	}
	return map[string]any{"ID": strconv.FormatInt(n.TicketID, 10), "Subject": n.Subject, "Actor": actor,
		"Score": strconv.Itoa(n.Score), "Status": status, "Portal": n.Portal, "Link": n.Link}
}

// mail words n as an email.
func (w noticeWriter) mail(n ticket.Notice) noticeMail {
	l := w.cat.For(n.Language)
	v := noticeValues(l, n)
	m := noticeMail{Lang: l.Lang(), Subject: l.T("notify.mail."+n.Kind+".subject", v), Quote: n.Text, Link: n.Link}
	greeting := l.T("mail.greeting.anonymous")
	if n.Name != "" {
		greeting = l.T("mail.greeting", map[string]any{"Name": n.Name})
	}
	m.Before = []string{greeting, l.T("notify.mail."+n.Kind+".intro", v)}
	if n.Attachments > 0 {
		m.After = append(m.After, l.N("notify.mail.attachments", n.Attachments))
	}
	if n.ForAgent() {
		m.Heading = l.T("desk.product")
		m.Action = l.T("notify.mail.agent.action")
		m.Footer = l.T("notify.mail.agent.why")
	} else {
		m.Heading = n.Portal
		m.Action = l.T("notify.mail.customer.action")
		m.Footer = l.T("mail.signature", map[string]any{"Portal": n.Portal})
	}
	return m
}

// Email words n as an email with a plain-text and an HTML body.
func (w noticeWriter) Email(n ticket.Notice) (subject, text, html string) {
	m := w.mail(n)
	var t mailText
	t.para(m.Before...)
	if m.Quote != "" {
		t.para("> " + strings.ReplaceAll(strings.ReplaceAll(m.Quote, "\r\n", "\n"), "\n", "\n> "))
	}
	t.para(m.After...)
	t.link(m.Action, m.Link)
	return m.Subject, t.signed(m.Footer), mailHTML(noticeTemplate, m)
}

// smsText is how much of a message an SMS quotes.
const smsText = 140

// SMS words n as a short text; only customers are sent SMS.
func (w noticeWriter) SMS(n ticket.Notice) string {
	l := w.cat.For(n.Language)
	v := noticeValues(l, n)
	text := strings.Join(strings.Fields(n.Text), " ")
	if utf8.RuneCountInString(text) > smsText {
		text = strings.TrimSpace(string([]rune(text)[:smsText-1])) + "…"
	}
	v["Text"] = text
	switch n.Kind {
	case ticket.NoticeAgentReply, ticket.NoticeStatus:
		return strings.TrimSpace(l.T("notify.sms."+n.Kind, v))
	}
	return strings.TrimSpace(l.T("notify.mail."+n.Kind+".subject", v) + " " + n.Link)
}

// noticeTemplate is the HTML body of notification emails. Mail readers
// ignore style sheets, so the few styles are inline; html/template
// escapes every value, and the quoted message keeps its line breaks.
var noticeTemplate = template.Must(template.New("notice").Parse(`<!doctype html>
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
<p style="margin:24px 0 0;color:#5a6474">{{.Footer}}</p>
</div>
</body>
</html>
`))
