package store_test

import (
	"reflect"
	"testing"
	"time"

	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/ticket"
)

func TestEvents(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		bob := newContact(t, db, "Bob", "", nil)
		agent := newAgent(t, db, "agent@example.com")
		t1 := newTicket(t, db, "First", ada)
		t2 := newTicket(t, db, "Second", bob)

		add := func(kind string, tk *ticket.Ticket, contactID *int64, by event.Actor, data map[string]any) *event.Event {
			t.Helper()
			clk.Add(time.Second)
			e := &event.Event{Kind: kind, ContactID: contactID, ActorType: by.Type, ActorID: by.IDPtr(), Data: data}
			if tk != nil {
				e.TicketID = &tk.ID
			}
			if err := db.CreateEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			if e.ID == 0 || !e.CreatedAt.Equal(clk.Now()) || e.Data == nil {
				t.Fatalf("created %+v", e)
			}
			return e
		}
		byAgent := event.Actor{Type: event.ActorAgent, ID: agent.ID}
		byAda := event.Actor{Type: event.ActorContact, ID: ada.ID}
		e1 := add(event.TicketCreated, t1, &ada.ID, byAda, map[string]any{"subject": "First", "draft": false})
		e2 := add(event.TicketCreated, t2, &bob.ID, event.System, nil)
		e3 := add(event.TicketAssigned, t1, &ada.ID, byAgent, map[string]any{"from": nil, "to": float64(agent.ID)})
		e4 := add(event.IdentityLinked, nil, &ada.ID, event.System, map[string]any{"account_id": float64(7)})
		e5 := add(event.MessageCreated, t1, &ada.ID, byAgent, map[string]any{"fields": []any{"subject", "priority"}})

		tests := []struct {
			name string
			f    ticket.EventFilter
			want []*event.Event
		}{
			{"ticket timeline", ticket.EventFilter{TicketID: t1.ID}, []*event.Event{e1, e3, e5}},
			{"other ticket", ticket.EventFilter{TicketID: t2.ID}, []*event.Event{e2}},
			{"contact timeline includes account events", ticket.EventFilter{ContactID: ada.ID}, []*event.Event{e1, e3, e4, e5}},
			{"ticket and contact", ticket.EventFilter{TicketID: t1.ID, ContactID: bob.ID}, nil},
			{"everything", ticket.EventFilter{}, []*event.Event{e1, e2, e3, e4, e5}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := db.Events(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != len(tt.want) || len(page.Items) != len(tt.want) || page.NextCursor != "" {
					t.Fatalf("Events(%+v): %d items, total %d, next %q; want %d", tt.f, len(page.Items), page.Total, page.NextCursor, len(tt.want))
				}
				for i, w := range tt.want {
					if !reflect.DeepEqual(page.Items[i], *w) {
						t.Errorf("event %d =\n%+v\nwant\n%+v", i, page.Items[i], *w)
					}
				}
			})
		}
	})
}
