package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/notify"
	"portico/internal/portal"
)

// What notifications tell of (SPEC A9). Agents hear of the first four, in
// the desk and by email; customers of the last two, through the ticket's
// reply channel.
const (
	NoticeNewTicket     = "new_ticket"     // a customer opened a ticket in the portal
	NoticeCustomerReply = "customer_reply" // a customer wrote on a ticket
	NoticeRating        = "rating"         // a customer rated a ticket
	NoticeRatingChanged = "rating_changed" // and changed the rating
	NoticeAgentReply    = "agent_reply"    // an agent replied publicly
	NoticeStatus        = "status"         // the ticket's status changed
)

// Notice is what a notification tells, before it is worded in its
// reader's language.
type Notice struct {
	Kind     string
	Language string
	Name     string // how to greet the reader; empty when unknown
	TicketID int64
	Subject  string // the ticket's subject
	// Actor is who did it: the customer for agents, the agent (as the
	// portal shows owners) for customers; empty when unknown.
	Actor string
	// Text is the message, or a rating's comment.
	Text        string
	Attachments int // files on the message
	Score       int // a rating's score
	// Status is StatusOpen or StatusClosed, and Stage the stage's name
	// when the portal shows stages, for NoticeStatus.
	Status, Stage string
	Portal        string // the portal's name, for customers
	Link          string // the ticket's page; empty without a public URL
}

// ForAgent reports whether n is told to agents rather than to a customer.
func (n Notice) ForAgent() bool {
	return n.Kind != NoticeAgentReply && n.Kind != NoticeStatus
}

// NoticeWriter words notices in their reader's language. Email returns a
// subject, a plain-text body and an HTML body in which every value is
// escaped; SMS returns a short text.
type NoticeWriter interface {
	Email(n Notice) (subject, text, html string)
	SMS(n Notice) string
}

// AgentRecipient is an agent to tell of a ticket's news.
type AgentRecipient struct {
	ID       int64
	Email    string
	Name     string
	Language string // empty when the agent chose none
	ByEmail  bool   // wants an email as well as the desk's notification
}

// NotifyStore is what notifications need from storage.
type NotifyStore interface {
	// FollowingAgents returns the unlocked agents who follow a ticket of
	// inbox owned by ownerID (nil for none): the owner and the inbox's
	// watchers, each once.
	FollowingAgents(ctx context.Context, inboxID int64, ownerID *int64) ([]AgentRecipient, error)
	// AccountLanguage returns the language of the portal account the
	// contact signs in with; ok is false when it has none.
	AccountLanguage(ctx context.Context, contactID int64) (lang string, ok bool, err error)
	Portals(ctx context.Context) ([]portal.Settings, error)
}

// WithNotices returns a copy of s that words notifications with w; without
// one they are written in plain English.
func (s *Service) WithNotices(w NoticeWriter) *Service {
	c := *s
	c.notices = w
	return &c
}

// WithBaseURL returns a copy of s whose notifications link to the pages
// under the public URL base returns (never the address a request came
// to); without one they carry no link.
func (s *Service) WithBaseURL(base func() string) *Service {
	c := *s
	c.baseURL = base
	return &c
}

func (s *Service) writer() NoticeWriter {
	if s.notices == nil {
		return plainNotices{}
	}
	return s.notices
}

// link is the public address of path, or "" without a public URL.
func (s *Service) link(path string) string {
	if s.baseURL == nil {
		return ""
	}
	base := strings.TrimRight(s.baseURL(), "/")
	if base == "" {
		return ""
	}
	return base + path
}

// notifyNewTicket tells the agents who follow a ticket just opened in the
// portal, or a draft just sent, of it; body is its first message.
func (s *Service) notifyNewTicket(ctx context.Context, by event.Actor, t *Ticket, e *event.Event, body string) error {
	if t.Source != SourcePortal || t.Draft {
		return nil
	}
	name, err := s.contactName(ctx, &t.RequesterID)
	if err != nil {
		return err
	}
	return s.tellAgents(ctx, by, t, e, Notice{Kind: NoticeNewTicket, Actor: name, Text: body})
}

// firstMessage is the text of a ticket's first public message.
func (s *Service) firstMessage(ctx context.Context, id int64) (string, error) {
	ms, err := s.store.Messages(ctx, id, false)
	if err != nil || len(ms) == 0 {
		return "", err
	}
	return ms[0].Body, nil
}

// notifyMessage tells of a message added to t: a customer's to the agents
// who follow the ticket, an agent's public reply to the customer. Internal
// notes are between agents and told to nobody.
func (s *Service) notifyMessage(ctx context.Context, by event.Actor, t *Ticket, m *Message, e *event.Event) error {
	if m.Internal {
		return nil
	}
	n := Notice{Text: m.Body, Attachments: len(m.Attachments)}
	switch m.Author.Type {
	case AuthorContact:
		name, err := s.contactName(ctx, m.Author.ID)
		if err != nil {
			return err
		}
		n.Kind, n.Actor = NoticeCustomerReply, name
		return s.tellAgents(ctx, by, t, e, n)
	case AuthorAgent:
		n.Kind = NoticeAgentReply
		return s.tellRequester(ctx, by, t, e, n, func(p *portal.Settings, n *Notice) (bool, error) {
			if m.Author.ID == nil {
				return true, nil
			}
			a, err := s.store.Agent(ctx, *m.Author.ID)
			if apperr.Is(err, apperr.NotFound) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			form := ""
			if p != nil {
				form = p.OwnerDisplay
			}
			n.Actor = NewOwner(a.Name, a.Alias).Display(form)
			return true, nil
		})
	}
	return nil
}

// notifyStage tells the customer of a change of t's status made by an
// agent or the system (events are those Update recorded): of any change
// of stage when the portal shows stages, else of opening and closing.
func (s *Service) notifyStage(ctx context.Context, by event.Actor, before, t *Ticket, events []*event.Event) error {
	var e *event.Event
	for _, x := range events {
		if x.Kind == event.TicketStageChanged {
			e = x
		}
	}
	if e == nil {
		return nil
	}
	n := Notice{Kind: NoticeStatus, Status: t.Status}
	return s.tellRequester(ctx, by, t, e, n, func(p *portal.Settings, n *Notice) (bool, error) {
		if p != nil && p.ShowCustomStages {
			n.Stage = t.StageName
			return true, nil
		}
		return before.Status != t.Status, nil
	})
}

// notifyRating tells the agents who follow t of a customer's rating.
func (s *Service) notifyRating(ctx context.Context, t *Ticket, r *Rating, e *event.Event) error {
	name, err := s.contactName(ctx, r.ContactID)
	if err != nil {
		return err
	}
	n := Notice{Kind: NoticeRating, Actor: name, Text: r.Comment, Score: r.Score}
	if e.Kind == event.RatingUpdated {
		n.Kind = NoticeRatingChanged
	}
	return s.tellAgents(ctx, event.Actor{Type: event.ActorContact, ID: *r.ContactID}, t, e, n)
}

// contactName is the name of the contact with id, "" when there is none.
func (s *Service) contactName(ctx context.Context, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	c, err := s.store.Contact(ctx, *id)
	if apperr.Is(err, apperr.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return c.Name(), nil
}

// Lengths of what notifications quote.
const (
	deskExcerpt = 200  // characters of a message a desk notification shows
	mailExcerpt = 5000 // characters of a message an agent's email quotes
)

// tellAgents tells n about t to the agents who follow it — its owner and
// the watchers of its inbox — each once: a notification in the desk and,
// unless they turned it off, an email. The agent who caused it is not
// told. e is the event n is about; with the agent's id it makes each
// delivery's idempotency key.
func (s *Service) tellAgents(ctx context.Context, by event.Actor, t *Ticket, e *event.Event, n Notice) error {
	if t.Draft {
		return nil
	}
	agents, err := s.store.FollowingAgents(ctx, t.InboxID, t.OwnerID)
	if err != nil {
		return err
	}
	n.TicketID, n.Subject = t.ID, t.Subject
	n.Link = s.link("/desk/tickets/" + strconv.FormatInt(t.ID, 10))
	content := notify.Content{Kind: n.Kind, Subject: t.Subject, Actor: n.Actor, Text: excerpt(n.Text, deskExcerpt), Score: n.Score}
	n.Text = excerpt(n.Text, mailExcerpt)
	fallback := ""
	for _, a := range agents {
		if by.Type == event.ActorAgent && by.ID == a.ID {
			continue
		}
		n.Name, n.Language = a.Name, a.Language
		if !contact.ValidLanguage(n.Language) {
			if fallback == "" {
				p, err := s.ticketPortal(ctx, t)
				if err != nil {
					return err
				}
				fallback = portalLanguage(p)
			}
			n.Language = fallback
		}
		subject, text, html := s.writer().Email(n)
		key := fmt.Sprintf("%s-%d-agent-%d", e.Kind, e.ID, a.ID)
		tid, aid := t.ID, a.ID
		if err := s.store.CreateDelivery(ctx, &delivery.Delivery{Kind: delivery.Notification, To: a.Email, Subject: subject,
			Body: text, Payload: content.Payload(), TicketID: &tid, AgentID: &aid, IdempotencyKey: key}); err != nil {
			return err
		}
		if !a.ByEmail {
			continue
		}
		if err := s.store.CreateDelivery(ctx, &delivery.Delivery{Kind: delivery.Email, To: a.Email, Subject: subject,
			Body: text, BodyHTML: html, TicketID: &tid, AgentID: &aid, IdempotencyKey: key + "-email"}); err != nil {
			return err
		}
	}
	return nil
}

// tellRequester tells n about t to its requester through the ticket's
// reply channel: an email or an SMS, to the other address when the
// contact lacks the channel's, nothing for the portal channel or a
// contact without either. It is in the language of the contact's portal
// account, else the contact's, else the portal's default. Customers are
// not told of what they did themselves, nor of drafts. fill completes n
// for the ticket's portal (nil when there is none) and says whether it is
// still worth telling.
func (s *Service) tellRequester(ctx context.Context, by event.Actor, t *Ticket, e *event.Event, n Notice,
	fill func(p *portal.Settings, n *Notice) (bool, error)) error {
	if t.Draft || by.Type == event.ActorContact || t.ReplyChannel == ChannelPortal {
		return nil
	}
	c, err := s.store.Contact(ctx, t.RequesterID)
	if err != nil {
		return err
	}
	kind, to := replyAddress(t.ReplyChannel, c)
	if to == "" {
		return nil
	}
	p, err := s.ticketPortal(ctx, t)
	if err != nil {
		return err
	}
	if ok, err := fill(p, &n); !ok || err != nil {
		return err
	}
	lang, hasAccount, err := s.store.AccountLanguage(ctx, c.ID)
	if err != nil {
		return err
	}
	n.TicketID, n.Subject, n.Name = t.ID, t.Subject, c.Name()
	switch {
	case contact.ValidLanguage(lang):
		n.Language = lang
	case contact.ValidLanguage(c.Language):
		n.Language = c.Language
	default:
		n.Language = portalLanguage(p)
	}
	if p != nil {
		n.Portal = p.Name
		if hasAccount {
			n.Link = s.link("/" + p.Slug + "/tickets/" + strconv.FormatInt(t.ID, 10))
		}
	}
	tid := t.ID
	d := &delivery.Delivery{Kind: kind, To: to, TicketID: &tid, IdempotencyKey: fmt.Sprintf("%s-%d-contact-%d", e.Kind, e.ID, c.ID),
		Payload: map[string]any{"notice": n.Kind, "contact_id": c.ID}}
	if kind == delivery.Email {
		d.Subject, d.Body, d.BodyHTML = s.writer().Email(n)
	} else {
		d.Body = s.writer().SMS(n)
	}
	return s.store.CreateDelivery(ctx, d)
}

// replyAddress is where channel reaches c: its email or phone, or the
// other when it lacks that one; "" when it has neither.
func replyAddress(channel string, c *contact.Contact) (kind, to string) {
	email, phone := "", ""
	if c.Email != nil {
		email = strings.TrimSpace(*c.Email)
	}
	if c.Phone != nil {
		phone = strings.TrimSpace(*c.Phone)
	}
	switch {
	case channel == ChannelSMS && phone != "":
		return delivery.SMS, phone
	case email != "":
		return delivery.Email, email
	case phone != "":
		return delivery.SMS, phone
	}
	return "", ""
}

// ticketPortal is the portal a ticket's customer follows it in: of the
// portals that are on, the first that takes new tickets into its inbox,
// else the first; failing those, the first portal that is off. Nil when
// there is no portal.
func (s *Service) ticketPortal(ctx context.Context, t *Ticket) (*portal.Settings, error) {
	ps, err := s.store.Portals(ctx)
	if err != nil {
		return nil, err
	}
	var best *portal.Settings
	bestRank := -1
	for i := range ps {
		rank := 0
		if ps[i].Enabled {
			rank += 2
		}
		if ps[i].DefaultInboxID == t.InboxID {
			rank++
		}
		if rank > bestRank {
			best, bestRank = &ps[i], rank
		}
	}
	return best, nil
}

// portalLanguage is p's default language; English without a portal.
func portalLanguage(p *portal.Settings) string {
	if p != nil && contact.ValidLanguage(p.DefaultLanguage) {
		return p.DefaultLanguage
	}
	return "en"
}

// excerpt is s with its runs of white space made single spaces when it
// is to be cut, cut to at most max characters, an ellipsis marking the
// cut.
func excerpt(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// plainNotices words notices in English when no writer was given.
type plainNotices struct{}

func (plainNotices) Email(n Notice) (subject, text, html string) {
	ref := fmt.Sprintf("#%d %q", n.TicketID, n.Subject)
	var intro string
	switch n.Kind {
	case NoticeNewTicket:
		subject, intro = "New ticket "+ref, n.Actor+" opened a new ticket in the portal."
	case NoticeCustomerReply:
		subject, intro = "New reply on "+ref, n.Actor+" replied."
	case NoticeRating, NoticeRatingChanged:
		subject, intro = fmt.Sprintf("Ticket #%d rated %d/5", n.TicketID, n.Score), fmt.Sprintf("%s was rated %d of 5.", ref, n.Score)
	case NoticeAgentReply:
		subject, intro = "New reply to your ticket "+ref, n.Actor+" replied."
	case NoticeStatus:
		status := n.Status
		if n.Stage != "" {
			status = n.Stage
		}
		subject, intro = fmt.Sprintf("Your ticket #%d is now %s", n.TicketID, status), ref+" is now "+status+"."
	}
	text = intro
	if n.Text != "" {
		text += "\n\n" + n.Text
	}
	if n.Link != "" {
		text += "\n\n" + n.Link
	}
	return subject, text + "\n", ""
}

func (w plainNotices) SMS(n Notice) string {
	subject, _, _ := w.Email(n)
	return strings.TrimSpace(subject + " " + n.Link)
}
