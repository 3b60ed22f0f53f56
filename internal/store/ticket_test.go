package store_test

import (
	"reflect"
	"testing"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/store"
	"portico/internal/ticket"
)

func newAgent(t testing.TB, db *store.DB, email string) *agent.Agent {
	t.Helper()
	a := &agent.Agent{Email: email, Name: email, Role: agent.RoleAgent}
	if err := db.CreateAgent(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTicketRoundTrip(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", nil)
		ada := newContact(t, db, "Ada", "", &acme.ID)
		owner := newAgent(t, db, "owner@example.com")
		support := supportPipeline(t, db)
		created := clk.Now()
		closed := created.Add(90 * time.Minute)

		props := map[string]any{
			"region":   "EU",
			"seats":    float64(42.5),
			"tags":     []any{"vip", "łódź", "网络"},
			"renewal":  "2026-12-31",
			"consent":  true,
			"nested":   map[string]any{"a": []any{float64(1), nil}},
			"quote\"s": "it's \"fine\"",
		}
		in := &ticket.Ticket{
			Subject: "Skrivaren fungerar inte – drukarka nie działa", RequesterID: ada.ID, CompanyID: &acme.ID, InboxID: 1,
			PipelineID: support.ID, StageID: support.Stages[3].ID, OwnerID: &owner.ID, Priority: "urgent",
			Source: ticket.SourceEmail, ReplyChannel: ticket.ChannelSMS, Draft: true, Properties: props,
			CreatedAt: created, UpdatedAt: created.Add(time.Minute), LastActivityAt: created.Add(2 * time.Minute),
			StageEnteredAt: created.Add(3 * time.Minute), ClosedAt: &closed,
		}
		inboxes, err := db.Inboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		in.InboxID = inboxes[0].ID
		if err := db.CreateTicket(ctx, in); err != nil {
			t.Fatal(err)
		}
		if in.ID == 0 {
			t.Fatal("no id")
		}
		got, err := db.Ticket(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *in
		want.StageName, want.Status = "Closed", ticket.StatusClosed
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("Ticket =\n%+v\nwant\n%+v", got, &want)
		}

		// Every mutable field changes, and back to empty where it may.
		got.Subject = "Renamed"
		got.CompanyID, got.OwnerID, got.Priority, got.ClosedAt = nil, nil, "", nil
		got.StageID = support.Stages[1].ID
		got.ReplyChannel, got.Draft = ticket.ChannelPortal, false
		got.Properties = map[string]any{"region": "APAC"}
		later := clk.Add(24 * time.Hour)
		got.UpdatedAt, got.LastActivityAt, got.StageEnteredAt = later, later, later
		if err := db.UpdateTicket(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := db.Ticket(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		want = *got
		want.StageName, want.Status = "In progress", ticket.StatusOpen
		if !reflect.DeepEqual(again, &want) {
			t.Errorf("after update =\n%+v\nwant\n%+v", again, &want)
		}
		if again.CreatedAt != created || again.Source != ticket.SourceEmail || again.RequesterID != ada.ID {
			t.Errorf("update changed what it must not: %+v", again)
		}

		// A ticket without properties reads back an empty map, not nil.
		plain := newTicket(t, db, "Plain", ada, func(tk *ticket.Ticket) { tk.Properties = nil })
		if got, err := db.Ticket(ctx, plain.ID); err != nil || got.Properties == nil || len(got.Properties) != 0 {
			t.Errorf("ticket without properties = %+v, %v", got, err)
		}

		_, err = db.Ticket(ctx, plain.ID+1000)
		wantKind(t, err, apperr.NotFound)
		ghost := *got
		ghost.ID = plain.ID + 1000
		wantKind(t, db.UpdateTicket(ctx, &ghost), apperr.NotFound)
	})
}

func TestTicketRejectsBadValues(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ada := newContact(t, db, "Ada", "", nil)
		tests := []struct {
			name string
			edit func(*ticket.Ticket)
		}{
			{"unknown requester", func(tk *ticket.Ticket) { tk.RequesterID = ada.ID + 1000 }},
			{"unknown inbox", func(tk *ticket.Ticket) { tk.InboxID += 1000 }},
			{"unknown owner", func(tk *ticket.Ticket) { tk.OwnerID = ptr(int64(1000)) }},
			{"unknown priority", func(tk *ticket.Ticket) { tk.Priority = "whenever" }},
			{"unknown source", func(tk *ticket.Ticket) { tk.Source = "pigeon" }},
			{"unknown reply channel", func(tk *ticket.Ticket) { tk.ReplyChannel = "fax" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tk := newTicketValue(t, db, ada.ID)
				tt.edit(tk)
				if err := db.CreateTicket(t.Context(), tk); err == nil {
					t.Errorf("CreateTicket accepted %+v", tk)
				}
			})
		}
	})
}

func TestMessages(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		bob := newAgent(t, db, "bob@example.com")
		tk := newTicket(t, db, "Attachments", ada)
		other := newTicket(t, db, "Another ticket", ada)

		at := func(d time.Duration) time.Time { return clk.Now().Add(d) }
		file := func(key, name string) ticket.Attachment {
			return ticket.Attachment{TicketID: tk.ID, Key: key, Filename: name, ContentType: "image/png", Size: 1234,
				SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", CreatedAt: at(time.Minute)}
		}
		question := &ticket.Message{TicketID: tk.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &ada.ID},
			Body: "Zrzut ekranu w załączniku 📎", Channel: ticket.MessagePortal, CreatedAt: at(time.Minute),
			Attachments: []ticket.Attachment{file("k/1", "ekran.png"), file("k/2", "log.txt")}, EmailMessageID: ""}
		note := &ticket.Message{TicketID: tk.ID, Author: ticket.Author{Type: ticket.AuthorAgent, ID: &bob.ID},
			Body: "Customer is on the old firmware", Internal: true, Channel: ticket.MessageDesk, CreatedAt: at(2 * time.Minute),
			Attachments: []ticket.Attachment{file("k/3", "internal.pdf")}}
		reply := &ticket.Message{TicketID: tk.ID, Author: ticket.Author{Type: ticket.AuthorAgent, ID: &bob.ID},
			Body: "Please update the firmware.", Resolution: true, Channel: ticket.MessageEmail, CreatedAt: at(3 * time.Minute),
			EmailMessageID: "<reply-1@example.com>"}
		system := &ticket.Message{TicketID: tk.ID, Author: ticket.Author{Type: ticket.AuthorSystem}, Body: "Closed automatically",
			Channel: ticket.MessageAPI, CreatedAt: at(4 * time.Minute)}
		elsewhere := &ticket.Message{TicketID: other.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &ada.ID},
			Body: "Different ticket", Channel: ticket.MessageEmail, CreatedAt: at(5 * time.Minute)}
		for _, m := range []*ticket.Message{question, note, reply, system, elsewhere} {
			if err := db.CreateMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
			if m.ID == 0 {
				t.Fatal("message without id")
			}
			for _, a := range m.Attachments {
				if a.ID == 0 || a.MessageID == nil || *a.MessageID != m.ID {
					t.Fatalf("attachment %+v not tied to message %d", a, m.ID)
				}
			}
		}

		// What the caller reads back is what it wrote, minus the email id
		// (not part of the conversation) and with empty attachment lists.
		norm := func(m *ticket.Message) ticket.Message {
			c := *m
			c.EmailMessageID = ""
			if c.Attachments == nil {
				c.Attachments = []ticket.Attachment{}
			}
			return c
		}
		tests := []struct {
			name     string
			internal bool
			want     []ticket.Message
		}{
			{"agents see everything", true, []ticket.Message{norm(question), norm(note), norm(reply), norm(system)}},
			{"customers do not see internal notes", false, []ticket.Message{norm(question), norm(reply), norm(system)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.Messages(ctx, tk.ID, tt.internal)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Messages(internal=%v) =\n%+v\nwant\n%+v", tt.internal, got, tt.want)
				}
			})
		}

		a, err := db.Attachment(ctx, question.Attachments[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*a, question.Attachments[1]) {
			t.Errorf("Attachment = %+v, want %+v", a, question.Attachments[1])
		}
		_, err = db.Attachment(ctx, note.Attachments[0].ID+1000)
		wantKind(t, err, apperr.NotFound)
		if ms, err := db.Messages(ctx, other.ID+1000, true); err != nil || len(ms) != 0 {
			t.Errorf("messages of a missing ticket = %v, %v", ms, err)
		}

		// The same email is received once.
		dup := &ticket.Message{TicketID: other.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &ada.ID}, Body: "again",
			Channel: ticket.MessageEmail, CreatedAt: at(6 * time.Minute), EmailMessageID: "<reply-1@example.com>"}
		wantKind(t, db.CreateMessage(ctx, dup), apperr.Conflict)
		// A failed attachment rolls its message back.
		broken := &ticket.Message{TicketID: other.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &ada.ID}, Body: "broken",
			Channel: ticket.MessageEmail, CreatedAt: at(7 * time.Minute), Attachments: []ticket.Attachment{file("k/1", "same key.png")}}
		if err := db.CreateMessage(ctx, broken); err == nil {
			t.Error("an attachment with a key in use was accepted")
		}
		if ms, _ := db.Messages(ctx, other.ID, true); len(ms) != 1 {
			t.Errorf("other ticket has %d messages after failed writes, want 1", len(ms))
		}
		// Customers cannot write internal notes.
		bad := &ticket.Message{TicketID: other.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &ada.ID}, Body: "psst",
			Internal: true, Channel: ticket.MessagePortal, CreatedAt: at(8 * time.Minute)}
		if err := db.CreateMessage(ctx, bad); err == nil {
			t.Error("an internal note by a contact was accepted")
		}
	})
}

func TestRatings(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		bob := newAgent(t, db, "bob@example.com")
		tk := newTicket(t, db, "Rate me", ada)

		_, err := db.Rating(ctx, tk.ID)
		wantKind(t, err, apperr.NotFound)

		first := clk.Now()
		r := &ticket.Rating{TicketID: tk.ID, ContactID: &ada.ID, AgentID: &bob.ID, Score: 2, Comment: "Slow",
			CreatedAt: first, UpdatedAt: first}
		if err := db.UpsertRating(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := db.Rating(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("Rating = %+v, want %+v", got, r)
		}

		later := clk.Add(time.Hour)
		again := &ticket.Rating{TicketID: tk.ID, ContactID: &ada.ID, AgentID: &bob.ID, Score: 5, Comment: "Świetnie, tack!",
			CreatedAt: later, UpdatedAt: later}
		if err := db.UpsertRating(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, err = db.Rating(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != r.ID || again.ID != r.ID || got.Score != 5 || got.Comment != "Świetnie, tack!" ||
			!got.CreatedAt.Equal(first) || !got.UpdatedAt.Equal(later) {
			t.Errorf("after re-rating: %+v (returned id %d), want id %d, score 5, created %v, updated %v", got, again.ID, r.ID, first, later)
		}

		for _, score := range []int{0, 6} {
			bad := &ticket.Rating{TicketID: tk.ID, Score: score, CreatedAt: later, UpdatedAt: later}
			if err := db.UpsertRating(ctx, bad); err == nil {
				t.Errorf("score %d accepted", score)
			}
		}
	})
}

// Stage names and states come from the stage, not from the ticket row.
func TestTicketStatusFollowsStage(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		p := newPipeline(t, db, "Flow", "Open", "Done")
		tk := newTicket(t, db, "Where am I", ada, func(tk *ticket.Ticket) { tk.PipelineID, tk.StageID = p.ID, p.Stages[1].ID })
		if err := db.InsertStage(ctx, &pipeline.Stage{PipelineID: p.ID, Name: "Review", State: pipeline.Open, Position: 1}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.StageName != "Done" || got.Status != ticket.StatusClosed {
			t.Errorf("ticket in Done reads stage %q status %q", got.StageName, got.Status)
		}
	})
}
