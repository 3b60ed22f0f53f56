// Package notify is about what agents are told in the desk (SPEC A9):
// their notifications of new portal tickets, customer replies and
// ratings, which they read and mark read, and their choice of the inboxes
// they watch and of email as well.
//
// A notification is a delivery of kind notification, written by the
// ticket service in the transaction of the change it tells of; it stays
// pending until its agent reads it.
package notify

import (
	"context"
	"slices"
	"time"

	"portico/internal/apperr"
	"portico/internal/pipeline"
)

// Content is what a notification says, as its delivery's payload keeps it.
type Content struct {
	// Kind is what happened: one of the ticket package's agent notices
	// (ticket.NoticeNewTicket, …).
	Kind    string `json:"notice"`
	Subject string `json:"subject"`         // the ticket's subject then
	Actor   string `json:"actor,omitempty"` // who did it
	// Text is the start of the message, or a rating's comment.
	Text  string `json:"text,omitempty"`
	Score int    `json:"score,omitempty"` // a rating's score
}

// Payload is c as a delivery's payload.
func (c Content) Payload() map[string]any {
	p := map[string]any{"notice": c.Kind, "subject": c.Subject}
	if c.Actor != "" {
		p["actor"] = c.Actor
	}
	if c.Text != "" {
		p["text"] = c.Text
	}
	if c.Score != 0 {
		p["score"] = c.Score
	}
	return p
}

// Notification is one of an agent's notifications.
type Notification struct {
	ID int64
	Content
	// TicketID is nil once the ticket is gone.
	TicketID  *int64
	Read      bool
	CreatedAt time.Time
}

// Filter selects an agent's notifications, newest first.
type Filter struct {
	Unread bool // only those not read yet
	Limit  int
	Cursor string
}

// Page is one page of notifications.
type Page struct {
	Items      []Notification
	NextCursor string
}

// UnreadCap is where counting unread notifications stops: the desk shows
// "99+" beyond it, and an agent who watches a busy inbox for a year does
// not make every page count them all.
const UnreadCap = 100

// Settings are what an agent chose to hear of.
type Settings struct {
	// Email sends each notification by email as well; on by default.
	Email bool `json:"email"`
	// InboxIDs are the inboxes watched: their new tickets, customer
	// replies and ratings are told of, besides those of tickets owned.
	InboxIDs []int64 `json:"inbox_ids"`
}

// Store is what the service needs from storage. Every method acts on the
// given agent's notifications only.
type Store interface {
	Notifications(ctx context.Context, agentID int64, f Filter) (Page, error)
	// UnreadNotifications counts up to UnreadCap unread notifications.
	UnreadNotifications(ctx context.Context, agentID int64) (int, error)
	// ReadNotification marks one notification read and returns it;
	// NotFound when it is not the agent's.
	ReadNotification(ctx context.Context, agentID, id int64) (*Notification, error)
	// ReadNotifications marks every unread notification up to id upTo
	// read and says how many there were.
	ReadNotifications(ctx context.Context, agentID, upTo int64) (int, error)
	NotificationSettings(ctx context.Context, agentID int64) (*Settings, error)
	SetNotificationSettings(ctx context.Context, agentID int64, s Settings) error
	Inboxes(ctx context.Context) ([]pipeline.Inbox, error)
}

// Service holds the rules for an agent's notifications.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Notifications lists the agent's notifications, newest first.
func (s *Service) Notifications(ctx context.Context, agentID int64, f Filter) (Page, error) {
	return s.store.Notifications(ctx, agentID, f)
}

// Unread counts the agent's unread notifications, up to UnreadCap.
func (s *Service) Unread(ctx context.Context, agentID int64) (int, error) {
	return s.store.UnreadNotifications(ctx, agentID)
}

// Open marks one of the agent's notifications read and returns it, so
// that the agent can be taken to its ticket.
func (s *Service) Open(ctx context.Context, agentID, id int64) (*Notification, error) {
	return s.store.ReadNotification(ctx, agentID, id)
}

// ReadAll marks the agent's notifications up to id upTo read: those the
// agent was shown, not any that arrived since.
func (s *Service) ReadAll(ctx context.Context, agentID, upTo int64) (int, error) {
	if upTo <= 0 {
		return 0, nil
	}
	return s.store.ReadNotifications(ctx, agentID, upTo)
}

// Settings returns what the agent chose to hear of.
func (s *Service) Settings(ctx context.Context, agentID int64) (*Settings, error) {
	return s.store.NotificationSettings(ctx, agentID)
}

// SetSettings replaces what the agent chose to hear of. Every inbox must
// exist; naming one twice is naming it once.
func (s *Service) SetSettings(ctx context.Context, agentID int64, in Settings) (*Settings, error) {
	inboxes, err := s.store.Inboxes(ctx)
	if err != nil {
		return nil, err
	}
	out := Settings{Email: in.Email, InboxIDs: []int64{}}
	for _, id := range in.InboxIDs {
		if !slices.ContainsFunc(inboxes, func(ib pipeline.Inbox) bool { return ib.ID == id }) {
			return nil, apperr.InvalidField("inbox_ids", "no such inbox")
		}
		if !slices.Contains(out.InboxIDs, id) {
			out.InboxIDs = append(out.InboxIDs, id)
		}
	}
	slices.Sort(out.InboxIDs)
	if err := s.store.SetNotificationSettings(ctx, agentID, out); err != nil {
		return nil, err
	}
	return &out, nil
}
