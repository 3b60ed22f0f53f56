package ticket

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
)

// CreateCustomerTicket opens a ticket from the portal for the scope's
// contact (SPEC P18). The portal decides the inbox; the ticket starts in
// the first stage of the first pipeline. The customer chooses the subject,
// body, attachments, reply channel, the properties the portal shows and,
// when the portal shows it, the priority; in.Draft keeps it unsent.
func (s *Service) CreateCustomerTicket(ctx context.Context, sc Scope, p *portal.Settings, in NewTicket) (*Ticket, error) {
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	for _, name := range sortedKeys(in.Properties) {
		if d, ok := property.Find(defs, name); !ok || !d.PortalVisible {
			v.Add("properties."+name, "no such property")
		}
	}
	if d, ok := property.Find(defs, "priority"); in.Priority != nil && (!ok || !d.PortalVisible) {
		v.Add("priority", "cannot be chosen in the portal")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	inbox := p.DefaultInboxID
	in.RequesterID, in.Source, in.InboxID = sc.ContactID, SourcePortal, &inbox
	in.PipelineID, in.StageID, in.OwnerID = nil, nil, nil
	return s.Create(ctx, contactActor(sc), in)
}

func contactActor(sc Scope) event.Actor {
	return event.Actor{Type: event.ActorContact, ID: sc.ContactID}
}

// errDraft refuses to act on a ticket that was not sent yet.
func errDraft() error {
	return apperr.E(apperr.Conflict, "ticket_draft", "the ticket is a draft; send it first")
}

// SubmitDraft sends a draft. It joins the queue now: its stage entry and
// last activity are the time it was sent.
func (s *Service) SubmitDraft(ctx context.Context, sc Scope, id int64) (*Ticket, error) {
	var out *Ticket
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.ScopedTicket(ctx, sc, id)
		if err != nil {
			return err
		}
		if !t.Draft {
			return apperr.E(apperr.Conflict, "not_a_draft", "the ticket was already sent")
		}
		now := s.store.Now()
		t.Draft = false
		t.UpdatedAt, t.LastActivityAt, t.StageEnteredAt = now, now, now
		if err := s.store.UpdateTicket(ctx, t); err != nil {
			return err
		}
		out = t
		e := &event.Event{Kind: event.TicketSubmitted, TicketID: &t.ID, ContactID: &t.RequesterID,
			ActorType: event.ActorContact, ActorID: contactActor(sc).IDPtr(), Data: map[string]any{"subject": t.Subject}}
		if err := s.store.CreateEvent(ctx, e); err != nil {
			return err
		}
		body, err := s.firstMessage(ctx, t.ID)
		if err != nil {
			return err
		}
		return s.notifyNewTicket(ctx, contactActor(sc), t, e, body)
	})
	return out, err
}

// reopenStage is where a customer's reply brings a closed ticket back: the
// pipeline's first open stage past the queue, or else its first open one.
func reopenStage(p *pipeline.Pipeline) *pipeline.Stage {
	var first *pipeline.Stage
	for i := range p.Stages {
		st := &p.Stages[i]
		if st.State != pipeline.Open {
			continue
		}
		if !st.WaitingForAcceptance {
			return st
		}
		if first == nil {
			first = st
		}
	}
	return first
}

// closeStage is where a customer's close takes a ticket of pipeline p: the
// closed stage the portal chose for p, or else p's first closed stage.
func closeStage(p *pipeline.Pipeline, chosen map[string]int64) *pipeline.Stage {
	if id, ok := chosen[strconv.FormatInt(p.ID, 10)]; ok {
		if st, ok := p.Stage(id); ok && st.State == pipeline.Closed {
			return st
		}
	}
	for i := range p.Stages {
		if p.Stages[i].State == pipeline.Closed {
			return &p.Stages[i]
		}
	}
	return nil
}

// moveByCustomer puts t in stage st and records the change on its timeline.
// The caller writes t.
func (s *Service) moveByCustomer(ctx context.Context, sc Scope, t *Ticket, st *pipeline.Stage) error {
	before := *t
	now := s.store.Now()
	t.StageID, t.StageName, t.Status, t.UpdatedAt = st.ID, st.Name, st.State, now
	for _, e := range s.changeEvents(&before, t, nil, now) {
		e.TicketID, e.ContactID, e.ActorType, e.ActorID = &t.ID, &t.RequesterID, event.ActorContact, contactActor(sc).IDPtr()
		if err := s.store.CreateEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// CustomerReply adds a customer's public message to a ticket in the scope
// (SPEC P14). A closed ticket takes replies only when the portal allows
// it, and the reply reopens it.
func (s *Service) CustomerReply(ctx context.Context, sc Scope, p *portal.Settings, id int64, in NewMessage) (*Message, error) {
	body := strings.TrimSpace(in.Body)
	v := apperr.Validation{}
	checkText(v, "body", body, MaxBody, len(in.Attachments) == 0)
	if err := v.Err(); err != nil {
		return nil, err
	}
	cid := sc.ContactID
	m := &Message{Author: Author{Type: AuthorContact, ID: &cid}, Body: body, Channel: MessagePortal, Attachments: in.Attachments}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.ScopedTicket(ctx, sc, id)
		if err != nil {
			return err
		}
		if t.Draft {
			return errDraft()
		}
		if t.Status == StatusClosed {
			if !p.AllowReplyToClosed {
				return apperr.E(apperr.Conflict, "ticket_closed", "the ticket is closed")
			}
			pl, err := s.store.Pipeline(ctx, t.PipelineID)
			if err != nil {
				return err
			}
			st := reopenStage(pl)
			if st == nil {
				return apperr.E(apperr.Conflict, "no_open_stage", "the ticket's pipeline has no open stage")
			}
			if err := s.moveByCustomer(ctx, sc, t, st); err != nil {
				return err
			}
		}
		m.TicketID = t.ID
		return s.addMessage(ctx, contactActor(sc), t, m, true)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// CustomerClose closes a ticket in the scope when the portal allows it
// (SPEC P15). Closing a closed ticket changes nothing.
func (s *Service) CustomerClose(ctx context.Context, sc Scope, p *portal.Settings, id int64) (*Ticket, error) {
	var out *Ticket
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.ScopedTicket(ctx, sc, id)
		if err != nil {
			return err
		}
		if !p.AllowCustomerClose {
			return apperr.E(apperr.Forbidden, "close_not_allowed", "this portal does not let customers close tickets")
		}
		if t.Draft {
			return errDraft()
		}
		out = t
		if t.Status == StatusClosed {
			return nil
		}
		pl, err := s.store.Pipeline(ctx, t.PipelineID)
		if err != nil {
			return err
		}
		st := closeStage(pl, p.CloseStageByPipeline)
		if st == nil {
			return apperr.E(apperr.Conflict, "no_closed_stage", "the ticket's pipeline has no closed stage")
		}
		if err := s.moveByCustomer(ctx, sc, t, st); err != nil {
			return err
		}
		return s.store.UpdateTicket(ctx, t)
	})
	return out, err
}

// Rules for ratings (SPEC P17).
const (
	MaxRatingComment = 2000
	// RatingEditWindow is how long after the first rating it may change.
	RatingEditWindow = 7 * 24 * time.Hour
)

// Rate records the customer's rating of a closed ticket in the scope, or
// changes it within RatingEditWindow of the first rating. A ticket has one
// rating: whoever in the scope rates first owns it, and only they may
// change it. The agents who follow the ticket are notified in the same
// transaction.
func (s *Service) Rate(ctx context.Context, sc Scope, id int64, score int, comment string) (*Rating, error) {
	comment = strings.TrimSpace(comment)
	v := apperr.Validation{}
	if score < 1 || score > 5 {
		v.Add("score", "must be 1 to 5")
	}
	checkText(v, "comment", comment, MaxRatingComment, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Rating
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.ScopedTicket(ctx, sc, id)
		if err != nil {
			return err
		}
		if t.Status != StatusClosed {
			return apperr.E(apperr.Conflict, "ticket_open", "only a closed ticket can be rated")
		}
		prev, err := s.store.Rating(ctx, t.ID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		now := s.store.Now()
		cid := sc.ContactID
		r := &Rating{TicketID: t.ID, ContactID: &cid, AgentID: t.OwnerID, Score: score, Comment: comment, CreatedAt: now, UpdatedAt: now}
		kind := event.RatingCreated
		if err == nil {
			switch {
			case prev.ContactID == nil || *prev.ContactID != cid:
				return apperr.E(apperr.Conflict, "already_rated", "the ticket was already rated")
			case now.After(prev.CreatedAt.Add(RatingEditWindow)):
				return apperr.E(apperr.Conflict, "rating_locked", "a rating can be changed only within 7 days")
			}
			r.CreatedAt, r.AgentID, kind = prev.CreatedAt, prev.AgentID, event.RatingUpdated
		}
		if err := s.store.UpsertRating(ctx, r); err != nil {
			return err
		}
		e := &event.Event{Kind: kind, TicketID: &t.ID, ContactID: &t.RequesterID, ActorType: event.ActorContact,
			ActorID: contactActor(sc).IDPtr(), Data: map[string]any{"rating_id": r.ID, "score": r.Score, "comment": r.Comment}}
		if err := s.store.CreateEvent(ctx, e); err != nil {
			return err
		}
		out = r
		return s.notifyRating(ctx, t, r, e)
	})
	return out, err
}

// MaxShare is how many contacts one share may name.
const MaxShare = 50

// Share shares a ticket in the scope with other contacts of the ticket's
// company (SPEC P19). Anyone who sees the ticket may share it; contacts
// outside its company are refused with one message, whether they exist
// or not. Sharing with the requester or twice changes nothing.
func (s *Service) Share(ctx context.Context, sc Scope, id int64, contactIDs []int64) error {
	if len(contactIDs) == 0 || len(contactIDs) > MaxShare {
		return apperr.InvalidField("contact_ids", fmt.Sprintf("choose 1 to %d contacts", MaxShare))
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.ScopedTicket(ctx, sc, id)
		if err != nil {
			return err
		}
		outside := apperr.InvalidField("contact_ids", "a ticket can be shared only with contacts of its company")
		if t.CompanyID == nil {
			return outside
		}
		var ids []int64
		for _, cid := range contactIDs {
			if cid == t.RequesterID || slices.Contains(ids, cid) {
				continue
			}
			c, err := s.store.Contact(ctx, cid)
			if apperr.Is(err, apperr.NotFound) {
				return outside
			}
			if err != nil {
				return err
			}
			if c.CompanyID == nil || *c.CompanyID != *t.CompanyID {
				return outside
			}
			ids = append(ids, cid)
		}
		if len(ids) == 0 {
			return nil
		}
		if err := s.store.ShareTicket(ctx, t.ID, sc.ContactID, ids); err != nil {
			return err
		}
		return s.store.CreateEvent(ctx, &event.Event{Kind: event.TicketShared, TicketID: &t.ID, ContactID: &t.RequesterID,
			ActorType: event.ActorContact, ActorID: contactActor(sc).IDPtr(), Data: map[string]any{"contact_ids": ids}})
	})
}
