package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// BenchmarkCreateTicket measures what a customer waits for when opening a
// ticket with a message: validation reads, then one transaction with the
// ticket, its first message and two events.
func BenchmarkCreateTicket(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, nil)
			svc := ticket.NewService(db)
			ada := newContact(b, db, "Ada", "Lovelace", nil)
			by := event.Actor{Type: event.ActorContact, ID: ada.ID}
			in := ticket.NewTicket{Subject: "Printer on fire", Body: "The office printer is smoking. Drukarka nie działa. 打印机坏了.",
				RequesterID: ada.ID, Source: ticket.SourcePortal}

			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Create(b.Context(), by, in); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
			})
			b.Run("parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := svc.Create(context.Background(), by, in); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
			})
		})
	}
}

// listSize is how many tickets the list benchmark's desk holds.
const listSize = 20_000

// seedTickets fills db with n tickets spread over the Support stages, five
// owners and unassigned, with last-activity times that often tie.
func seedTickets(b *testing.B, db *store.DB, n int) {
	b.Helper()
	ctx := b.Context()
	support := supportPipeline(b, db)
	inboxes, err := db.Inboxes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var owners []*int64
	for i := range 5 {
		a := newAgent(b, db, fmt.Sprintf("agent%d@example.com", i))
		owners = append(owners, &a.ID)
	}
	owners = append(owners, nil)
	var requesters []int64
	for i := range 50 {
		requesters = append(requesters, newContact(b, db, fmt.Sprintf("Customer %d", i), "", nil).ID)
	}
	words := []string{"printer", "network", "invoice", "login", "VPN", "drukarka", "skrivare", "打印机"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := db.InTx(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+batch, n); i++ {
				st := support.Stages[i%len(support.Stages)]
				created := base.Add(time.Duration(i) * time.Minute)
				activity := created.Add(time.Duration((i*7919)%1000) * time.Hour).Truncate(time.Hour)
				tk := &ticket.Ticket{
					Subject:     fmt.Sprintf("%s problem #%d", words[i%len(words)], i),
					RequesterID: requesters[i%len(requesters)], InboxID: inboxes[0].ID, PipelineID: support.ID, StageID: st.ID,
					OwnerID: owners[i%len(owners)], Source: ticket.SourceEmail, ReplyChannel: ticket.ChannelEmail,
					Properties: map[string]any{}, CreatedAt: created, UpdatedAt: activity, LastActivityAt: activity, StageEnteredAt: created,
				}
				if err := db.CreateTicket(ctx, tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// cursorAt walks f's pages until about skip rows are behind and returns
// the cursor there.
func cursorAt(b *testing.B, db *store.DB, f ticket.Filter, skip int) string {
	b.Helper()
	f.Limit = 100
	for seen := 0; seen < skip; seen += 100 {
		p, err := db.Tickets(b.Context(), f)
		if err != nil {
			b.Fatal(err)
		}
		if p.NextCursor == "" {
			b.Fatalf("list ended after %d rows, before %d", seen, skip)
		}
		f.Cursor = p.NextCursor
	}
	return f.Cursor
}

// BenchmarkAgentTicketList measures the agent's ticket list on a desk of
// 20,000 tickets: the first page, a page deep in the list, a filtered view
// and a search. Keyset cursors should make deep pages cost what the first
// one does.
func BenchmarkAgentTicketList(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, nil)
			seedStart := time.Now()
			seedTickets(b, db, listSize)
			b.Logf("%s: %d tickets seeded in %v", engine, listSize, time.Since(seedStart).Round(time.Millisecond))
			support := supportPipeline(b, db)

			byID := ticket.Filter{Sort: ticket.SortID, Limit: 25}
			byActivity := ticket.Filter{Sort: ticket.SortLastActivity, Limit: 25}
			filtered := ticket.Filter{Sort: ticket.SortLastActivity, StageID: support.Stages[1].ID, Status: ticket.StatusOpen, Limit: 25}
			views := []struct {
				name string
				f    ticket.Filter
			}{
				{"first page", byID},
				{"deep page", withCursor(byID, cursorAt(b, db, byID, 15_000))},
				{"by activity, first page", byActivity},
				{"by activity, deep page", withCursor(byActivity, cursorAt(b, db, byActivity, 15_000))},
				{"stage filter by activity", filtered},
				{"stage filter by activity, deep page", withCursor(filtered, cursorAt(b, db, filtered, 3_000))},
				{"search", ticket.Filter{Sort: ticket.SortID, Q: "printer", Limit: 25}},
			}
			for _, v := range views {
				b.Run(v.name, func(b *testing.B) {
					for b.Loop() {
						p, err := db.Tickets(b.Context(), v.f)
						if err != nil {
							b.Fatal(err)
						}
						if len(p.Items) != 25 {
							b.Fatalf("%d tickets on the page", len(p.Items))
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
				})
			}
		})
	}
}

func withCursor(f ticket.Filter, c string) ticket.Filter {
	f.Cursor = c
	return f
}
