// Package event describes the timeline: one row for every change to a
// ticket or contact. Events feed the timelines, webhooks and live updates.
package event

import (
	"bytes"
	"encoding/json"
	"time"
)

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

// Audit is one entry of the audit log (SPEC A11): who changed which
// setting, access or account, when, and from what to what. Before and
// After are JSON documents; either may be nil for a thing created or
// removed.
type Audit struct {
	ID         int64           `json:"id"`
	ActorType  string          `json:"actor_type"`
	ActorID    *int64          `json:"actor_id"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	ClientAddr string          `json:"client_addr"`
	CreatedAt  time.Time       `json:"created_at"`
}

// NewAudit describes a change by actor by of the target from before to
// after (either nil). When both are JSON objects only the top-level keys
// that differ are kept, so that the log shows what changed.
func NewAudit(by Actor, action, targetType, targetID string, before, after any) (*Audit, error) {
	a := &Audit{ActorType: by.Type, ActorID: by.IDPtr(), Action: action, TargetType: targetType, TargetID: targetID}
	if a.ActorType == "" {
		a.ActorType = ActorSystem
	}
	var err error
	if before != nil {
		if a.Before, err = json.Marshal(before); err != nil {
			return nil, err
		}
	}
	if after != nil {
		if a.After, err = json.Marshal(after); err != nil {
			return nil, err
		}
	}
	var b, c map[string]json.RawMessage
	if a.Before != nil && a.After != nil && json.Unmarshal(a.Before, &b) == nil && json.Unmarshal(a.After, &c) == nil && b != nil && c != nil {
		delete(b, "updated_at")
		delete(c, "updated_at")
		for k, v := range b {
			if w, ok := c[k]; ok && bytes.Equal(v, w) {
				delete(b, k)
				delete(c, k)
			}
		}
		if a.Before, err = json.Marshal(b); err != nil {
			return nil, err
		}
		if a.After, err = json.Marshal(c); err != nil {
			return nil, err
		}
	}
	return a, nil
}
