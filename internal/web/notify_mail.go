package web

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// noticeWriter words the notifications of tickets (SPEC A9) from the
// message catalog: emails to agents and customers, SMS to customers.
type noticeWriter struct{ cat *i18n.Catalog }

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
func (w noticeWriter) mail(n ticket.Notice) mailView {
	l := w.cat.For(n.Language)
	v := noticeValues(l, n)
	m := mailView{Lang: l.Lang(), Subject: l.T("notify.mail."+n.Kind+".subject", v), Quote: n.Text, Link: n.Link}
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
	return w.mail(n).render()
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
