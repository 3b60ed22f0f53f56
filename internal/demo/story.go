package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"portico/internal/event"
	"portico/internal/ticket"
)

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

// story is one ticket's life: the customer's first message and what
// followed. Where the ticket ends up follows from its steps: an agent's
// first reply accepts it, a question waits on the customer, a customer's
// answer brings it back, a resolution closes it.
type story struct {
	requester string // contact key
	subject   string
	body      string
	ago       time.Duration // how long before seeding the ticket was opened
	source    string        // ticket.SourcePortal, SourceEmail or SourcePhone
	priority  string
	product   string
	reference string // the order_reference property
	// owner is the agent who works the ticket; it is assigned when they
	// first answer (or by an assign step).
	owner string
	files []attachment
	steps []step
}

type stepKind int

const (
	kindReply    stepKind = iota // the owner's public reply
	kindAsk                      // the owner's reply asking something: waits on the customer
	kindResolve                  // the owner's resolution: closes the ticket
	kindNote                     // an internal note
	kindCustomer                 // the requester or a colleague answers
	kindAssign                   // someone assigns the ticket without answering yet
	kindPriority                 // the owner changes the priority
)

// step is one thing that happens to a ticket, some time after the
// previous one.
type step struct {
	after time.Duration
	kind  stepKind
	text  string
	// by is the author when not the owner (an agent for notes and
	// assignments, a contact for customer messages).
	by       string
	priority string
	files    []attachment
}

func reply(after time.Duration, text string, files ...attachment) step {
	return step{after: after, kind: kindReply, text: text, files: files}
}

func ask(after time.Duration, text string, files ...attachment) step {
	return step{after: after, kind: kindAsk, text: text, files: files}
}

func resolve(after time.Duration, text string, files ...attachment) step {
	return step{after: after, kind: kindResolve, text: text, files: files}
}

func note(after time.Duration, text string) step {
	return step{after: after, kind: kindNote, text: text}
}

func noteBy(after time.Duration, agentKey, text string) step {
	return step{after: after, kind: kindNote, text: text, by: agentKey}
}

func customer(after time.Duration, text string, files ...attachment) step {
	return step{after: after, kind: kindCustomer, text: text, files: files}
}

// colleague is a message from another contact of the requester's company,
// who sees the ticket because the portal shows company tickets.
func colleague(after time.Duration, contactKey, text string) step {
	return step{after: after, kind: kindCustomer, text: text, by: contactKey}
}

func assign(after time.Duration, byAgent string) step {
	return step{after: after, kind: kindAssign, by: byAgent}
}

func setPriority(after time.Duration, priority string) step {
	return step{after: after, kind: kindPriority, priority: priority}
}

// action is one call to a service at a moment in the past.
type action struct {
	at  time.Time
	seq int
	run func(ctx context.Context) error
}

// allStories is the whole set of tickets, by customer language.
func allStories() []story {
	var all []story
	for _, set := range [][]story{englishStories(), polishStories(), swedishStories(), chineseStories()} {
		all = append(all, set...)
	}
	return all
}

// createTickets plays every story. Steps of all tickets are interleaved in
// time order so that ids, like timestamps, grow with time across tickets,
// and a contact's timeline reads in order.
func (s *seeder) createTickets(ctx context.Context) error {
	var plan []action
	for _, st := range allStories() {
		acts, final, err := s.plan(st)
		if err != nil {
			return fmt.Errorf("%q: %w", st.subject, err)
		}
		plan = append(plan, acts...)
		s.res.Tickets++
		s.res.TicketsByStage[final]++
	}
	for i := range plan {
		plan[i].seq = i
	}
	slices.SortFunc(plan, func(a, b action) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, a := range plan {
		s.now = a.at
		if err := a.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// plan turns a story into actions and says which stage the ticket ends in.
func (s *seeder) plan(st story) ([]action, string, error) {
	requester, ok := s.contactIDs[st.requester]
	if !ok {
		return nil, "", fmt.Errorf("no contact %q", st.requester)
	}
	person := s.people[st.requester]
	var ownerID int64
	if st.owner != "" {
		if ownerID, ok = s.agentIDs[st.owner]; !ok {
			return nil, "", fmt.Errorf("no agent %q", st.owner)
		}
	}

	var (
		acts     []action
		id       int64 // filled in when the ticket is created
		assigned bool
		stage    = s.stages.queue
		at       = s.end.Add(-st.ago).Add(-time.Duration(s.rng.Int64N(int64(45 * minute))))
	)
	emit := func(fn func(ctx context.Context) error) {
		acts = append(acts, action{at: at, run: fn})
	}
	moveTo := func(by event.Actor, to int64, owner *int64) {
		in := ticket.Update{StageID: &to}
		if owner != nil {
			in.OwnerID = ticket.Field[int64]{Set: true, Value: owner}
		}
		emit(func(ctx context.Context) error {
			_, err := s.tickets.Update(ctx, by, id, in)
			return err
		})
	}
	ownerActor := event.Actor{Type: event.ActorAgent, ID: ownerID}

	// The ticket arrives.
	in := ticket.NewTicket{
		Subject: st.subject, Body: st.body, RequesterID: requester, Source: st.source,
		Properties: map[string]any{},
	}
	channel := ticket.ChannelPortal
	switch {
	case person.email == "":
		channel = ticket.ChannelSMS
	case st.source == ticket.SourceEmail:
		channel = ticket.ChannelEmail
	}
	in.ReplyChannel = &channel
	if st.priority != "" {
		p := st.priority
		in.Priority = &p
	}
	if st.product != "" {
		in.Properties["product"] = st.product
	}
	if st.reference != "" {
		in.Properties["order_reference"] = st.reference
	}
	by := event.Actor{Type: event.ActorContact, ID: requester}
	customerChannel := ticket.MessagePortal
	switch st.source {
	case ticket.SourceEmail:
		by, customerChannel = event.System, ticket.MessageEmail
	case ticket.SourcePhone:
		// Taken down by the agent who answered the call.
		if ownerID == 0 {
			return nil, "", fmt.Errorf("a phone ticket needs the agent who took the call")
		}
		by = ownerActor
	}
	files := st.files
	emit(func(ctx context.Context) error {
		atts, err := s.attach(ctx, files)
		if err != nil {
			return err
		}
		in.Attachments = atts
		t, err := s.tickets.Create(ctx, by, in)
		if err != nil {
			return err
		}
		id = t.ID
		return nil
	})

	for _, stp := range st.steps {
		at = at.Add(s.jitter(stp.after))
		switch stp.kind {
		case kindReply, kindAsk, kindResolve:
			if ownerID == 0 {
				return nil, "", fmt.Errorf("an agent's reply needs an owner")
			}
			if !assigned || stage.ID == s.stages.queue.ID {
				// The agent takes the ticket from the queue, then writes.
				var owner *int64
				if !assigned {
					owner = &ownerID
				}
				moveTo(ownerActor, s.stages.working.ID, owner)
				assigned, stage = true, s.stages.working
				at = at.Add(time.Duration(2+s.rng.IntN(4)) * minute)
			}
			msg := ticket.NewMessage{Body: stp.text, Resolution: stp.kind == kindResolve}
			files := stp.files
			emit(func(ctx context.Context) error {
				atts, err := s.attach(ctx, files)
				if err != nil {
					return err
				}
				msg.Attachments = atts
				_, err = s.tickets.AddAgentMessage(ctx, ownerID, ticket.MessageDesk, id, msg)
				return err
			})
			next := stage
			switch stp.kind {
			case kindAsk:
				next = s.stages.waiting
			case kindResolve:
				next = s.stages.end
			}
			if next.ID != stage.ID {
				at = at.Add(minute)
				moveTo(ownerActor, next.ID, nil)
				stage = next
			}
			// Most customers rate a resolved ticket some hours later, most
			// of them kindly.
			if stp.kind == kindResolve && s.rng.IntN(4) != 0 {
				later := at.Add(time.Duration(1+s.rng.IntN(20)) * time.Hour)
				if later.Before(s.end) {
					score := []int{5, 5, 5, 4, 4, 4, 3, 2}[s.rng.IntN(8)]
					keep := at
					at = later
					emit(func(ctx context.Context) error {
						_, err := s.tickets.Rate(ctx, ticket.Scope{ContactID: requester}, id, score, "")
						return err
					})
					at = keep
				}
			}
		case kindNote:
			author := ownerID
			if stp.by != "" {
				author = s.agentIDs[stp.by]
			}
			if author == 0 {
				return nil, "", fmt.Errorf("a note needs an author")
			}
			msg := ticket.NewMessage{Body: stp.text, Internal: true}
			emit(func(ctx context.Context) error {
				_, err := s.tickets.AddAgentMessage(ctx, author, ticket.MessageDesk, id, msg)
				return err
			})
		case kindCustomer:
			author := requester
			if stp.by != "" {
				if author, ok = s.contactIDs[stp.by]; !ok {
					return nil, "", fmt.Errorf("no contact %q", stp.by)
				}
			}
			msg := ticket.NewMessage{Body: stp.text}
			files := stp.files
			emit(func(ctx context.Context) error {
				atts, err := s.attach(ctx, files)
				if err != nil {
					return err
				}
				msg.Attachments = atts
				_, err = s.tickets.AddContactMessage(ctx, author, customerChannel, id, msg)
				return err
			})
			if stage.ID == s.stages.waiting.ID {
				// The answer puts the ticket back on the agent's desk.
				at = at.Add(minute)
				moveTo(event.System, s.stages.working.ID, nil)
				stage = s.stages.working
			}
		case kindAssign:
			if ownerID == 0 || assigned {
				return nil, "", fmt.Errorf("an assignment needs an owner and an unassigned ticket")
			}
			admin, ok := s.agentIDs[stp.by]
			if !ok {
				return nil, "", fmt.Errorf("no agent %q", stp.by)
			}
			owner := ownerID
			emit(func(ctx context.Context) error {
				_, err := s.tickets.Update(ctx, event.Actor{Type: event.ActorAgent, ID: admin}, id,
					ticket.Update{OwnerID: ticket.Field[int64]{Set: true, Value: &owner}})
				return err
			})
			assigned = true
		case kindPriority:
			p := stp.priority
			emit(func(ctx context.Context) error {
				_, err := s.tickets.Update(ctx, ownerActor, id, ticket.Update{Priority: ticket.Field[string]{Set: true, Value: &p}})
				return err
			})
		}
	}
	if latest := s.end.Add(-minute); at.After(latest) {
		return nil, "", fmt.Errorf("the story runs %s into the future", at.Sub(latest).Round(minute))
	}
	return acts, stage.Name, nil
}

// jitter varies a delay by up to a fifth either way, so that replies do
// not come at suspiciously round intervals.
func (s *seeder) jitter(d time.Duration) time.Duration {
	f := 0.8 + 0.4*s.rng.Float64()
	return max(minute, time.Duration(float64(d)*f))
}
