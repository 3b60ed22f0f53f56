// Package event describes the timeline: one row for every change to a
// ticket or contact. Events feed the timelines, webhooks and live updates.
package event

import "time"

// Kinds of event.
const (
	TicketCreated      = "ticket.created"
	TicketSubmitted    = "ticket.submitted" // a draft was sent
	TicketUpdated      = "ticket.updated"
	TicketStageChanged = "ticket.stage_changed"
	TicketClosed       = "ticket.closed"
	TicketReopened     = "ticket.reopened"
	TicketAssigned     = "ticket.assigned"
	TicketShared       = "ticket.shared"
	MessageCreated     = "message.created"
	RatingCreated      = "rating.created"
	RatingUpdated      = "rating.updated"
	AccountOpened      = "account.opened"
	IdentityLinked     = "account.identity_linked"
	IdentityUnlinked   = "account.identity_unlinked"
)

// Actor types.
const (
	ActorAgent   = "agent"
	ActorContact = "contact"
	ActorSystem  = "system"
)

// Event is one entry on a ticket's and/or a contact's timeline.
type Event struct {
	ID        int64          `json:"id"`
	Kind      string         `json:"kind"`
	TicketID  *int64         `json:"ticket_id"`
	ContactID *int64         `json:"contact_id"`
	ActorType string         `json:"actor_type"`
	ActorID   *int64         `json:"actor_id"`
	Data      map[string]any `json:"data"`
	CreatedAt time.Time      `json:"created_at"`
}

// Actor is who caused a change.
type Actor struct {
	Type string // ActorAgent, ActorContact or ActorSystem
	ID   int64  // 0 for the system
}

// IDPtr returns the actor's id, or nil for the system.
func (a Actor) IDPtr() *int64 {
	if a.Type == ActorSystem || a.ID == 0 {
		return nil
	}
	id := a.ID
	return &id
}

// System is the actor for changes nobody made by hand.
var System = Actor{Type: ActorSystem}
