// Package ticket is about support tickets: their life through a pipeline,
// their conversation of public messages and internal notes, attachments
// and ratings.
package ticket

import (
	"context"
	"encoding/json"
	"time"

	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/property"
)

// Status is what a customer sees by default: the state of the ticket's stage.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Sources of tickets.
const (
	SourcePortal = "portal"
	SourceAPI    = "api"
	SourceEmail  = "email"
	SourceDesk   = "desk"
	SourcePhone  = "phone"
)

// Reply channels: how progress reaches the customer.
const (
	ChannelEmail  = "email"
	ChannelSMS    = "sms"
	ChannelPortal = "portal"
)

// Priorities, lowest first.
var Priorities = []string{"low", "medium", "high", "urgent"}

// Priority is a ticket's priority; empty means none, shown as null.
type Priority string

// MarshalJSON writes null for no priority.
func (p Priority) MarshalJSON() ([]byte, error) {
	if p == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(p))
}

// Ticket is a support request.
type Ticket struct {
	ID             int64          `json:"id"`
	Subject        string         `json:"subject"`
	RequesterID    int64          `json:"requester_id"`
	CompanyID      *int64         `json:"company_id"`
	InboxID        int64          `json:"inbox_id"`
	PipelineID     int64          `json:"pipeline_id"`
	StageID        int64          `json:"stage_id"`
	StageName      string         `json:"stage_name"`
	Status         string         `json:"status"`
	OwnerID        *int64         `json:"owner_id"`
	Priority       Priority       `json:"priority"`
	Source         string         `json:"source"`
	ReplyChannel   string         `json:"reply_channel"`
	Draft          bool           `json:"draft"`
	Properties     map[string]any `json:"properties"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	LastActivityAt time.Time      `json:"last_activity_at"`
	StageEnteredAt time.Time      `json:"stage_entered_at"`
	ClosedAt       *time.Time     `json:"closed_at"`
}

// Author types of messages.
const (
	AuthorAgent   = "agent"
	AuthorContact = "contact"
	AuthorSystem  = "system"
)

// Message channels.
const (
	MessagePortal = "portal"
	MessageEmail  = "email"
	MessageSMS    = "sms"
	MessageAPI    = "api"
	MessageDesk   = "desk"
)

// Author says who wrote a message.
type Author struct {
	Type string `json:"type"`
	ID   *int64 `json:"id"`
}

// Message is one entry of a ticket's conversation. Internal messages are
// notes between agents and never reach the customer.
type Message struct {
	ID             int64        `json:"id"`
	TicketID       int64        `json:"ticket_id"`
	Author         Author       `json:"author"`
	Body           string       `json:"body"`
	Internal       bool         `json:"internal"`
	Resolution     bool         `json:"resolution"`
	Channel        string       `json:"channel"`
	Attachments    []Attachment `json:"attachments"`
	CreatedAt      time.Time    `json:"created_at"`
	EmailMessageID string       `json:"-"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"-"`
	MessageID   *int64    `json:"-"`
	Key         string    `json:"-"`
	Filename    string    `json:"filename"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// Rating is a customer's verdict on a closed ticket.
type Rating struct {
	ID        int64     `json:"id"`
	TicketID  int64     `json:"ticket_id"`
	ContactID *int64    `json:"contact_id"`
	AgentID   *int64    `json:"agent_id"`
	Score     int       `json:"score"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Sort orders for lists.
const (
	SortID           = "id"
	SortCreated      = "created_at"
	SortLastActivity = "last_activity_at"
)

// Filter selects tickets for agents. Zero fields do not filter.
type Filter struct {
	InboxID     int64
	PipelineID  int64
	StageID     int64
	OwnerID     int64
	Unassigned  bool
	RequesterID int64
	CompanyID   int64
	Status      string
	Q           string
	Sort        string // SortID (default), SortCreated, SortLastActivity
	Asc         bool   // oldest first; default newest first
	Limit       int
	Cursor      string
}

// Page is one page of tickets.
type Page struct {
	Items      []Ticket
	NextCursor string
	Total      int
	// Capped says Total is a lower bound: the inbox stops counting there.
	Capped bool
}

// EventFilter selects timeline entries, oldest first.
type EventFilter struct {
	TicketID  int64
	ContactID int64
	Limit     int
	Cursor    string
}

// EventPage is one page of a timeline.
type EventPage struct {
	Items      []event.Event
	NextCursor string
	Total      int
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Now() time.Time
	Contact(ctx context.Context, id int64) (*contact.Contact, error)
	Agent(ctx context.Context, id int64) (*agent.Agent, error)
	Pipelines(ctx context.Context) ([]pipeline.Pipeline, error)
	Pipeline(ctx context.Context, id int64) (*pipeline.Pipeline, error)
	Inboxes(ctx context.Context) ([]pipeline.Inbox, error)
	Inbox(ctx context.Context, id int64) (*pipeline.Inbox, error)
	PropertyDefinitions(ctx context.Context) ([]property.Definition, error)

	CreateTicket(ctx context.Context, t *Ticket) error
	Ticket(ctx context.Context, id int64) (*Ticket, error)
	UpdateTicket(ctx context.Context, t *Ticket) error
	Tickets(ctx context.Context, f Filter) (Page, error)
	// InboxTickets is Tickets for the desk: keyset pages, sorted by id or
	// last activity, with a capped count.
	InboxTickets(ctx context.Context, f Filter) (Page, error)
	// CreateMessage stores m and its attachments, filling in their ids.
	CreateMessage(ctx context.Context, m *Message) error
	Messages(ctx context.Context, ticketID int64, internal bool) ([]Message, error)
	Attachment(ctx context.Context, id int64) (*Attachment, error)
	Rating(ctx context.Context, ticketID int64) (*Rating, error)
	CreateEvent(ctx context.Context, e *event.Event) error
	Events(ctx context.Context, f EventFilter) (EventPage, error)
	CustomerStore
	NotifyStore
}
