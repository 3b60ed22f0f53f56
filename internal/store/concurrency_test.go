package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/internal/event"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// Agents and customers write at the same time; on SQLite every writer
// must wait its turn rather than see "database is locked", and every
// acknowledged ticket must be whole.
func TestConcurrentTicketWrites(t *testing.T) {
	const workers = 8
	run := 5 * time.Second
	if testing.Short() {
		run = time.Second
	}
	db := storetest.Open(t, "sqlite", nil)
	ctx := t.Context()
	svc := ticket.NewService(db)
	agent := newAgent(t, db, "agent@example.com")

	type made struct {
		id      int64
		subject string
	}
	results := make([][]made, workers)
	errs := make([]error, workers)
	deadline := time.Now().Add(run)
	var wg sync.WaitGroup
	for w := range workers {
		requester := newContact(t, db, fmt.Sprintf("Worker %d", w), "", nil)
		by := event.Actor{Type: event.ActorContact, ID: requester.ID}
		wg.Go(func() {
			for i := 0; ; i++ {
				subject := fmt.Sprintf("worker %d ticket %d", w, i)
				tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: subject, Body: "Drukarka nie działa — 打印机坏了", RequesterID: requester.ID})
				if err != nil {
					errs[w] = fmt.Errorf("create %q: %w", subject, err)
					return
				}
				results[w] = append(results[w], made{tk.ID, subject})
				if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: "On it"}); err != nil {
					errs[w] = fmt.Errorf("reply to %d: %w", tk.ID, err)
					return
				}
				// Readers run on their own pool alongside the writers and
				// see what was acknowledged.
				ms, err := svc.Messages(ctx, tk.ID)
				if err != nil {
					errs[w] = fmt.Errorf("read %d: %w", tk.ID, err)
					return
				}
				if len(ms) != 2 {
					errs[w] = fmt.Errorf("ticket %d: %d messages right after writing 2", tk.ID, len(ms))
					return
				}
				if !time.Now().Before(deadline) {
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
				t.Errorf("worker %d saw the database locked: %v", w, err)
			} else {
				t.Errorf("worker %d: %v", w, err)
			}
		}
	}

	seen := map[int64]bool{}
	total := 0
	for w, rs := range results {
		for _, r := range rs {
			if seen[r.id] {
				t.Fatalf("worker %d: ticket id %d handed out twice", w, r.id)
			}
			seen[r.id] = true
			total++
			tk, err := db.Ticket(ctx, r.id)
			if err != nil {
				t.Fatalf("ticket %d (%s): %v", r.id, r.subject, err)
			}
			ms, err := db.Messages(ctx, r.id, true)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Subject != r.subject || len(ms) != 2 || ms[0].Author.Type != ticket.AuthorContact || ms[1].Author.Type != ticket.AuthorAgent ||
				!tk.LastActivityAt.Equal(ms[1].CreatedAt) {
				t.Errorf("ticket %d incomplete: %+v with messages %+v", r.id, tk, ms)
			}
			evs, err := db.Events(ctx, ticket.EventFilter{TicketID: r.id})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range evs.Items {
				kinds = append(kinds, e.Kind)
			}
			if want := []string{event.TicketCreated, event.MessageCreated, event.MessageCreated}; strings.Join(kinds, ",") != strings.Join(want, ",") {
				t.Errorf("ticket %d events %q, want %q", r.id, kinds, want)
			}
		}
	}
	page, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != total {
		t.Errorf("the list counts %d tickets, the workers made %d", page.Total, total)
	}
	t.Logf("%d workers made %d tickets with %d messages in %v", workers, total, 2*total, run)
}
