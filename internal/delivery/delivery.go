// Package delivery describes the durable outbox: emails, SMS, webhooks and
// agent notifications, written in the transaction of the change that caused
// them and sent later by workers. The table doubles as the delivery log.
package delivery

import (
	"context"
	"time"

	"portico/internal/apperr"
)

// Kinds of delivery.
const (
	Email        = "email"
	SMS          = "sms"
	Webhook      = "webhook"
	Notification = "notification"
)

// Statuses of a delivery.
const (
	Pending = "pending" // waiting for its next attempt
	Sending = "sending" // claimed by a worker
	Sent    = "sent"
	Failed  = "failed" // gave up after the last attempt
	Held    = "held"   // no transport configured: kept in the log only
	Read    = "read"   // a notification its agent has read; unread ones stay pending
)

// Delivery is one outgoing message.
type Delivery struct {
	ID             int64          `json:"id"`
	Kind           string         `json:"kind"`
	To             string         `json:"to"`
	Subject        string         `json:"subject,omitempty"`
	Body           string         `json:"body"`
	BodyHTML       string         `json:"-"`
	Payload        map[string]any `json:"-"`
	TicketID       *int64         `json:"ticket_id,omitempty"`
	AgentID        *int64         `json:"agent_id,omitempty"`
	WebhookID      *int64         `json:"-"`
	IdempotencyKey string         `json:"idempotency_key"`
	Status         string         `json:"status"`
	Attempts       int            `json:"attempts"`
	NextAttemptAt  time.Time      `json:"next_attempt_at"`
	LastError      string         `json:"last_error,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	SentAt         *time.Time     `json:"sent_at,omitempty"`

	// ClaimToken and ClaimedUntil are set while a worker is sending the
	// delivery: only the holder of the token may record how it went.
	ClaimToken   string     `json:"-"`
	ClaimedUntil *time.Time `json:"-"`
}

// Filter selects deliveries from the log, newest first.
type Filter struct {
	To     string
	Kind   string
	Limit  int
	Cursor string
}

// Page is one page of the log.
type Page struct {
	Items      []Delivery
	NextCursor string
	Total      int
}

// Store is what the service needs from storage.
type Store interface {
	Deliveries(ctx context.Context, f Filter) (Page, error)
}

// Service reads the delivery log.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Deliveries lists the log.
func (s *Service) Deliveries(ctx context.Context, f Filter) (Page, error) {
	switch f.Kind {
	case "", Email, SMS, Webhook, Notification:
	default:
		return Page{}, apperr.InvalidField("kind", "must be email, sms, webhook or notification")
	}
	return s.store.Deliveries(ctx, f)
}
