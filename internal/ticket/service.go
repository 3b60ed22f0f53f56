package ticket

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/property"
)

// Service holds the rules for tickets and their conversation.
type Service struct {
	store   Store
	notices NoticeWriter
	baseURL func() string
}

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// WithPublisher returns a copy of s that hands every timeline event it
// records to pub once the event's transaction has committed: what live
// pages are told of never rolls back.
func (s *Service) WithPublisher(pub func(event.Event)) *Service {
	c := *s
	c.store = publishingStore{Store: s.store, pub: pub}
	return &c
}

// publishingStore holds back the events written in a transaction until it
// commits.
type publishingStore struct {
	Store
	pub func(event.Event)
}

type pendingEventsKey struct{}

func (p publishingStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(pendingEventsKey{}).(*[]event.Event); ok {
		return p.Store.InTx(ctx, fn)
	}
	var pending []event.Event
	err := p.Store.InTx(ctx, func(ctx context.Context) error {
		pending = pending[:0] // a transaction that is run again starts afresh
		return fn(context.WithValue(ctx, pendingEventsKey{}, &pending))
	})
	if err == nil {
		for _, e := range pending {
			p.pub(e)
		}
	}
	return err
}

func (p publishingStore) CreateEvent(ctx context.Context, e *event.Event) error {
	if err := p.Store.CreateEvent(ctx, e); err != nil {
		return err
	}
	if pending, ok := ctx.Value(pendingEventsKey{}).(*[]event.Event); ok {
		*pending = append(*pending, *e)
	} else {
		p.pub(*e)
	}
	return nil
}

// Limits on what a ticket may hold.
const (
	MaxSubject = 500
	MaxBody    = 100_000
)

// NewTicket is the input for Create.
type NewTicket struct {
	Subject      string         `json:"subject"`
	Body         string         `json:"body"`
	RequesterID  int64          `json:"requester_id"`
	PipelineID   *int64         `json:"pipeline_id"`
	StageID      *int64         `json:"stage_id"`
	InboxID      *int64         `json:"inbox_id"`
	OwnerID      *int64         `json:"owner_id"`
	Priority     *string        `json:"priority"`
	ReplyChannel *string        `json:"reply_channel"`
	Properties   map[string]any `json:"properties"`
	// Source and Draft are set by the caller's channel, not by clients.
	Source string `json:"-"`
	Draft  bool   `json:"-"`
	// Attachments go on the first message; they are already stored.
	Attachments []Attachment `json:"-"`
}

// Create opens a ticket. Without a pipeline or inbox the first of each is
// used; without a stage the ticket starts in its pipeline's first stage.
// The body, if any, becomes the first public message, from the requester.
func (s *Service) Create(ctx context.Context, by event.Actor, in NewTicket) (*Ticket, error) {
	v := apperr.Validation{}
	subject := strings.TrimSpace(in.Subject)
	checkText(v, "subject", subject, MaxSubject, true)
	body := strings.TrimSpace(in.Body)
	checkText(v, "body", body, MaxBody, false)
	if in.Source == "" {
		in.Source = SourceAPI
	}
	t := &Ticket{Subject: subject, Source: in.Source, Draft: in.Draft, ReplyChannel: ChannelEmail, Properties: map[string]any{}}

	requester, err := s.store.Contact(ctx, in.RequesterID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		v.Add("requester_id", "no such contact")
	case err != nil:
		return nil, err
	default:
		t.RequesterID = requester.ID
		t.CompanyID = requester.CompanyID
	}
	p, err := s.pickPipeline(ctx, in.PipelineID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		v.Add("pipeline_id", "no such pipeline")
	case err != nil:
		return nil, err
	default:
		t.PipelineID = p.ID
		st := p.FirstStage()
		if in.StageID != nil {
			var ok bool
			if st, ok = p.Stage(*in.StageID); !ok {
				v.Add("stage_id", "not a stage of the ticket's pipeline")
			}
		}
		if st != nil {
			t.StageID, t.StageName, t.Status = st.ID, st.Name, st.State
		}
	}
	if err := s.pickInbox(ctx, in.InboxID, t, v); err != nil {
		return nil, err
	}
	if err := s.checkOwner(ctx, in.OwnerID, v); err != nil {
		return nil, err
	}
	t.OwnerID = in.OwnerID
	if in.Priority != nil {
		if !slices.Contains(Priorities, *in.Priority) {
			v.Add("priority", "must be one of "+strings.Join(Priorities, ", "))
		}
		t.Priority = Priority(*in.Priority)
	}
	if in.ReplyChannel != nil {
		if !validChannel(*in.ReplyChannel) {
			v.Add("reply_channel", "must be email, sms or portal")
		}
		t.ReplyChannel = *in.ReplyChannel
	}
	if err := s.applyProperties(ctx, t, in.Properties, v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	now := s.store.Now()
	t.CreatedAt, t.UpdatedAt, t.LastActivityAt, t.StageEnteredAt = now, now, now, now
	if t.Status == StatusClosed {
		t.ClosedAt = &now
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTicket(ctx, t); err != nil {
			return err
		}
		created := &event.Event{Kind: event.TicketCreated, TicketID: &t.ID, ContactID: &t.RequesterID,
			ActorType: by.Type, ActorID: by.IDPtr(), Data: map[string]any{"subject": t.Subject, "source": t.Source, "draft": t.Draft}}
		if err := s.store.CreateEvent(ctx, created); err != nil {
			return err
		}
		if body != "" || len(in.Attachments) > 0 {
			rid := t.RequesterID
			m := &Message{TicketID: t.ID, Author: Author{Type: AuthorContact, ID: &rid}, Body: body,
				Channel: channelOf(t.Source), Attachments: in.Attachments}
			if err := s.addMessage(ctx, by, t, m, false); err != nil {
				return err
			}
		}
		return s.notifyNewTicket(ctx, by, t, created, body)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func channelOf(source string) string {
	switch source {
	case SourcePortal:
		return MessagePortal
	case SourceEmail:
		return MessageEmail
	case SourceDesk, SourcePhone:
		return MessageDesk
	}
	return MessageAPI
}

func validChannel(c string) bool {
	return c == ChannelEmail || c == ChannelSMS || c == ChannelPortal
}

func checkText(v apperr.Validation, field, s string, max int, required bool) {
	switch {
	case required && s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "is too long")
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		v.Add(field, "contains invalid characters")
	}
}

func (s *Service) pickPipeline(ctx context.Context, id *int64) (*pipeline.Pipeline, error) {
	if id != nil {
		return s.store.Pipeline(ctx, *id)
	}
	all, err := s.store.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, apperr.NotFoundf("pipeline")
	}
	return &all[0], nil
}

func (s *Service) pickInbox(ctx context.Context, id *int64, t *Ticket, v apperr.Validation) error {
	if id != nil {
		ib, err := s.store.Inbox(ctx, *id)
		if apperr.Is(err, apperr.NotFound) {
			v.Add("inbox_id", "no such inbox")
			return nil
		}
		if err != nil {
			return err
		}
		t.InboxID = ib.ID
		return nil
	}
	all, err := s.store.Inboxes(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		v.Add("inbox_id", "there is no inbox")
		return nil
	}
	t.InboxID = all[0].ID
	return nil
}

func (s *Service) checkOwner(ctx context.Context, id *int64, v apperr.Validation) error {
	if id == nil {
		return nil
	}
	_, err := s.store.Agent(ctx, *id)
	if apperr.Is(err, apperr.NotFound) {
		v.Add("owner_id", "no such agent")
		return nil
	}
	return err
}

// applyProperties merges custom property values into t; a null value
// removes the property.
func (s *Service) applyProperties(ctx context.Context, t *Ticket, in map[string]any, v apperr.Validation) error {
	if len(in) == 0 {
		return nil
	}
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(in) {
		val := in[name]
		d, ok := property.Find(defs, name)
		switch {
		case !ok:
			v.Add("properties."+name, "no such property")
		case d.Builtin:
			v.Add("properties."+name, "is a built-in field; set it directly")
		case val == nil:
			delete(t.Properties, name)
		default:
			norm, problem := d.Normalize(val)
			if problem != "" {
				v.Add("properties."+name, problem)
			} else {
				t.Properties[name] = norm
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Ticket returns one ticket, as agents see it.
func (s *Service) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	return s.store.Ticket(ctx, id)
}

// Tickets lists tickets for agents. Drafts are the customers' own business
// and are not listed.
func (s *Service) Tickets(ctx context.Context, f Filter) (Page, error) {
	v := apperr.Validation{}
	switch f.Sort {
	case "":
		f.Sort = SortID
	case SortID, SortCreated, SortLastActivity:
	default:
		v.Add("sort", "must be id, created_at or last_activity_at")
	}
	if f.Status != "" && f.Status != StatusOpen && f.Status != StatusClosed {
		v.Add("status", "must be open or closed")
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		v.Add("q", "is too long")
	}
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	f.Q = strings.TrimSpace(f.Q)
	return s.store.Tickets(ctx, f)
}

// Inbox lists tickets for the desk's inbox: like Tickets, but sorted by
// id (creation) or last activity only, and counted only up to a cap, so
// that any page of a view of a million tickets answers at once.
func (s *Service) Inbox(ctx context.Context, f Filter) (Page, error) {
	v := apperr.Validation{}
	switch f.Sort {
	case "":
		f.Sort = SortID
	case SortID, SortLastActivity:
	default:
		v.Add("sort", "must be id or last_activity_at")
	}
	if f.Status != "" && f.Status != StatusOpen && f.Status != StatusClosed {
		v.Add("status", "must be open or closed")
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		v.Add("q", "is too long")
	}
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	f.Q = strings.TrimSpace(f.Q)
	return s.store.InboxTickets(ctx, f)
}

// Field is a JSON field that distinguishes "absent" from null.
type Field[T any] struct {
	Set   bool // present in the input
	Value *T   // nil for null
}

// UnmarshalJSON records that the field was present.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(b, []byte("null")) {
		f.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	f.Value = &v
	return nil
}

// Update is the input for Update; absent fields are left alone, a null
// owner_id unassigns and a null priority clears it.
type Update struct {
	Subject      *string        `json:"subject"`
	PipelineID   *int64         `json:"pipeline_id"`
	StageID      *int64         `json:"stage_id"`
	InboxID      *int64         `json:"inbox_id"`
	OwnerID      Field[int64]   `json:"owner_id"`
	Priority     Field[string]  `json:"priority"`
	ReplyChannel *string        `json:"reply_channel"`
	Properties   map[string]any `json:"properties"`
}

// Update changes a ticket and records what changed on its timeline.
func (s *Service) Update(ctx context.Context, by event.Actor, id int64, in Update) (*Ticket, error) {
	var out *Ticket
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.Ticket(ctx, id)
		if err != nil {
			return err
		}
		before := *t
		v := apperr.Validation{}
		changed := []string{}
		if in.Subject != nil {
			subject := strings.TrimSpace(*in.Subject)
			checkText(v, "subject", subject, MaxSubject, true)
			if subject != t.Subject {
				t.Subject = subject
				changed = append(changed, "subject")
			}
		}
		if err := s.moveStage(ctx, t, in.PipelineID, in.StageID, v); err != nil {
			return err
		}
		if in.InboxID != nil && *in.InboxID != t.InboxID {
			if err := s.pickInbox(ctx, in.InboxID, t, v); err != nil {
				return err
			}
			changed = append(changed, "inbox_id")
		}
		if in.OwnerID.Set {
			if err := s.checkOwner(ctx, in.OwnerID.Value, v); err != nil {
				return err
			}
			t.OwnerID = in.OwnerID.Value
		}
		if in.Priority.Set {
			t.Priority = ""
			if in.Priority.Value != nil {
				if !slices.Contains(Priorities, *in.Priority.Value) {
					v.Add("priority", "must be one of "+strings.Join(Priorities, ", ")+", or null")
				}
				t.Priority = Priority(*in.Priority.Value)
			}
			if t.Priority != before.Priority {
				changed = append(changed, "priority")
			}
		}
		if in.ReplyChannel != nil {
			if !validChannel(*in.ReplyChannel) {
				v.Add("reply_channel", "must be email, sms or portal")
			}
			if *in.ReplyChannel != t.ReplyChannel {
				t.ReplyChannel = *in.ReplyChannel
				changed = append(changed, "reply_channel")
			}
		}
		if len(in.Properties) > 0 {
			props := make(map[string]any, len(t.Properties))
			for k, x := range t.Properties {
				props[k] = x
			}
			t.Properties = props
			if err := s.applyProperties(ctx, t, in.Properties, v); err != nil {
				return err
			}
			if !reflect.DeepEqual(normalizeJSON(before.Properties), normalizeJSON(t.Properties)) {
				changed = append(changed, "properties")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.store.Now()
		events := s.changeEvents(&before, t, changed, now)
		if len(events) == 0 {
			out = &before
			return nil
		}
		t.UpdatedAt = now
		if err := s.store.UpdateTicket(ctx, t); err != nil {
			return err
		}
		for _, e := range events {
			e.TicketID, e.ContactID, e.ActorType, e.ActorID = &t.ID, &t.RequesterID, by.Type, by.IDPtr()
			if err := s.store.CreateEvent(ctx, e); err != nil {
				return err
			}
		}
		out = t
		return s.notifyStage(ctx, by, &before, t, events)
	})
	return out, err
}

// moveStage moves t to another stage and/or pipeline. A move to another
// pipeline without a stage starts in its first stage.
func (s *Service) moveStage(ctx context.Context, t *Ticket, pipelineID, stageID *int64, v apperr.Validation) error {
	if pipelineID == nil && stageID == nil {
		return nil
	}
	pid := t.PipelineID
	if pipelineID != nil {
		pid = *pipelineID
	}
	p, err := s.store.Pipeline(ctx, pid)
	if apperr.Is(err, apperr.NotFound) {
		v.Add("pipeline_id", "no such pipeline")
		return nil
	}
	if err != nil {
		return err
	}
	st := p.FirstStage()
	if stageID != nil {
		var ok bool
		if st, ok = p.Stage(*stageID); !ok {
			v.Add("stage_id", "not a stage of the ticket's pipeline")
			return nil
		}
	} else if pid == t.PipelineID {
		return nil
	}
	t.PipelineID, t.StageID, t.StageName, t.Status = p.ID, st.ID, st.Name, st.State
	return nil
}

// changeEvents describes the difference between before and t, and keeps
// the stage bookkeeping (entered, closed) right.
func (s *Service) changeEvents(before, t *Ticket, changed []string, now time.Time) []*event.Event {
	var out []*event.Event
	if t.StageID != before.StageID {
		t.StageEnteredAt = now
		out = append(out, &event.Event{Kind: event.TicketStageChanged,
			Data: map[string]any{"from_stage_id": before.StageID, "to_stage_id": t.StageID, "from": before.StageName, "to": t.StageName}})
		switch {
		case before.Status == StatusOpen && t.Status == StatusClosed:
			t.ClosedAt = &now
			out = append(out, &event.Event{Kind: event.TicketClosed, Data: map[string]any{"stage_id": t.StageID}})
		case before.Status == StatusClosed && t.Status == StatusOpen:
			t.ClosedAt = nil
			out = append(out, &event.Event{Kind: event.TicketReopened, Data: map[string]any{"stage_id": t.StageID}})
		}
	}
	if !sameID(before.OwnerID, t.OwnerID) {
		out = append(out, &event.Event{Kind: event.TicketAssigned, Data: map[string]any{"from": before.OwnerID, "to": t.OwnerID}})
	}
	if len(changed) > 0 {
		out = append(out, &event.Event{Kind: event.TicketUpdated, Data: map[string]any{"fields": changed}})
	}
	return out
}

// normalizeJSON gives values the types a JSON round trip gives them, so
// that stored and newly set properties compare equal when they are.
func normalizeJSON(m map[string]any) any {
	b, _ := json.Marshal(m)
	var out any
	json.Unmarshal(b, &out)
	return out
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// NewMessage is an agent's reply or internal note.
type NewMessage struct {
	Body       string `json:"body"`
	Internal   bool   `json:"internal"`
	Resolution bool   `json:"resolution"`
	// Attachments are already stored.
	Attachments []Attachment `json:"-"`
}

// AddAgentMessage adds an agent's public reply or internal note.
func (s *Service) AddAgentMessage(ctx context.Context, agentID int64, channel string, ticketID int64, in NewMessage) (*Message, error) {
	if in.Internal && in.Resolution {
		return nil, apperr.InvalidField("resolution", "an internal note cannot be the resolution")
	}
	aid := agentID
	m := &Message{TicketID: ticketID, Author: Author{Type: AuthorAgent, ID: &aid}, Internal: in.Internal,
		Resolution: in.Resolution, Channel: channel}
	return s.post(ctx, event.Actor{Type: event.ActorAgent, ID: agentID}, m, in)
}

// AddContactMessage adds a customer's public message to a ticket. Callers
// decide first whether the contact may see the ticket.
func (s *Service) AddContactMessage(ctx context.Context, contactID int64, channel string, ticketID int64, in NewMessage) (*Message, error) {
	cid := contactID
	m := &Message{TicketID: ticketID, Author: Author{Type: AuthorContact, ID: &cid}, Channel: channel}
	return s.post(ctx, event.Actor{Type: event.ActorContact, ID: contactID}, m, in)
}

// post checks a message's text and stores m, with in's body and files, on
// its ticket.
func (s *Service) post(ctx context.Context, by event.Actor, m *Message, in NewMessage) (*Message, error) {
	m.Body = strings.TrimSpace(in.Body)
	m.Attachments = in.Attachments
	v := apperr.Validation{}
	checkText(v, "body", m.Body, MaxBody, len(in.Attachments) == 0)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.Ticket(ctx, m.TicketID)
		if err != nil {
			return err
		}
		return s.addMessage(ctx, by, t, m, true)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// addMessage stores m on t inside a transaction and records it. Public
// messages count as activity; internal notes do not, so that customers
// cannot tell one was written. A message that touches the ticket is news
// to tell of; the first message of a new ticket is told of with it.
func (s *Service) addMessage(ctx context.Context, by event.Actor, t *Ticket, m *Message, touch bool) error {
	now := s.store.Now()
	m.CreatedAt = now
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	for i := range m.Attachments {
		m.Attachments[i].TicketID = t.ID
		m.Attachments[i].CreatedAt = now
	}
	if err := s.store.CreateMessage(ctx, m); err != nil {
		return err
	}
	if touch && !m.Internal {
		t.LastActivityAt, t.UpdatedAt = now, now
		if err := s.store.UpdateTicket(ctx, t); err != nil {
			return err
		}
	}
	e := &event.Event{Kind: event.MessageCreated, TicketID: &t.ID, ContactID: &t.RequesterID,
		ActorType: by.Type, ActorID: by.IDPtr(),
		Data: map[string]any{"message_id": m.ID, "internal": m.Internal, "attachments": len(m.Attachments)}}
	if err := s.store.CreateEvent(ctx, e); err != nil || !touch {
		return err
	}
	return s.notifyMessage(ctx, by, t, m, e)
}

// Messages returns a ticket's whole conversation, internal notes included,
// as agents see it.
func (s *Service) Messages(ctx context.Context, ticketID int64) ([]Message, error) {
	if _, err := s.store.Ticket(ctx, ticketID); err != nil {
		return nil, err
	}
	return s.store.Messages(ctx, ticketID, true)
}

// Attachment returns an attachment's metadata, as agents see it.
func (s *Service) Attachment(ctx context.Context, id int64) (*Attachment, error) {
	return s.store.Attachment(ctx, id)
}

// Rating returns a ticket's rating.
func (s *Service) Rating(ctx context.Context, ticketID int64) (*Rating, error) {
	if _, err := s.store.Ticket(ctx, ticketID); err != nil {
		return nil, err
	}
	return s.store.Rating(ctx, ticketID)
}

// Events returns a ticket's or a contact's timeline.
func (s *Service) Events(ctx context.Context, f EventFilter) (EventPage, error) {
	if f.TicketID != 0 {
		if _, err := s.store.Ticket(ctx, f.TicketID); err != nil {
			return EventPage{}, err
		}
	}
	if f.ContactID != 0 {
		if _, err := s.store.Contact(ctx, f.ContactID); err != nil {
			return EventPage{}, err
		}
	}
	return s.store.Events(ctx, f)
}
