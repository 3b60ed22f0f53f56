package store_test

import (
	"strings"
	"testing"
	"time"

	"portico/internal/event"
	"portico/internal/password"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func TestGenerateBulk(t *testing.T) {
	hash, err := password.Hash("load-test-password")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		res, err := db.GenerateBulk(ctx, store.BulkOptions{Tickets: 2000, Customers: 4, CompanyTickets: 400, Writers: 2,
			PasswordHash: hash, End: end, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Tickets != 2000 || res.CompanyTickets != 400 || len(res.Customers) != 4 || len(res.Writers) != 2 {
			t.Fatalf("result = %+v", res)
		}
		if res.Messages <= res.Tickets || res.Messages >= 2*res.Tickets {
			t.Errorf("%d messages for %d tickets; want a first message each and replies on most", res.Messages, res.Tickets)
		}

		all, err := db.Tickets(ctx, ticket.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != 2000 {
			t.Errorf("desk list total = %d, want 2000", all.Total)
		}
		for _, tk := range all.Items {
			if tk.CreatedAt.After(end) || tk.CreatedAt.Before(end.AddDate(-2, 0, -1)) || tk.LastActivityAt.Before(tk.CreatedAt) {
				t.Errorf("ticket %d: created %v, last activity %v; want within two years before %v", tk.ID, tk.CreatedAt, tk.LastActivityAt, end)
			}
			if (tk.Status == ticket.StatusClosed) != (tk.ClosedAt != nil) {
				t.Errorf("ticket %d: status %s with closed_at %v", tk.ID, tk.Status, tk.ClosedAt)
			}
		}
		company, err := db.Tickets(ctx, ticket.Filter{CompanyID: res.CompanyID})
		if err != nil {
			t.Fatal(err)
		}
		if company.Total != 400 {
			t.Errorf("featured company has %d tickets, want 400", company.Total)
		}

		// The newest ticket reads back whole, with its first public message.
		newest := all.Items[0]
		msgs, err := db.Messages(ctx, newest.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 || msgs[0].Author.Type != ticket.AuthorContact || *msgs[0].Author.ID != newest.RequesterID || msgs[0].Body == "" {
			t.Fatalf("messages of ticket %d = %+v; want the requester's first message", newest.ID, msgs)
		}
		evs, err := db.Events(ctx, ticket.EventFilter{TicketID: newest.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs.Items) == 0 || evs.Items[0].Kind != event.TicketCreated {
			t.Errorf("timeline of ticket %d = %+v; want ticket.created first", newest.ID, evs.Items)
		}

		// Full-text search finds generated words in subjects and bodies,
		// through the index the triggers (SQLite) or GIN (PostgreSQL) keep.
		for _, q := range []string{"printer", "drukarka", "skrivaren", "打印机", "网络"} {
			found, err := db.Tickets(ctx, ticket.Filter{Q: q, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if found.Total == 0 {
				t.Errorf("search %q found nothing", q)
			}
			for _, tk := range found.Items {
				ms, err := db.Messages(ctx, tk.ID, true)
				if err != nil {
					t.Fatal(err)
				}
				text := tk.Subject
				for _, m := range ms {
					text += " " + m.Body
				}
				if !strings.Contains(strings.ToLower(text), q) {
					t.Errorf("search %q found ticket %d without it: %q", q, tk.ID, text)
				}
			}
		}

		// A customer signs in with the shared password and sees exactly
		// their own tickets, or the company's under company permission.
		acc, err := db.AccountByLogin(ctx, res.Customers[0])
		if err != nil {
			t.Fatal(err)
		}
		if !password.Verify(acc.PasswordHash, "load-test-password") || len(acc.Identities) != 1 {
			t.Fatalf("account %s cannot sign in: %+v", res.Customers[0], acc)
		}
		me := acc.Identities[0]
		own, err := db.Tickets(ctx, ticket.Filter{RequesterID: me.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		if own.Total != 100 {
			t.Errorf("customer has %d tickets, want 400/4", own.Total)
		}
		svc := ticket.NewService(db)
		mine, err := svc.CustomerTickets(ctx, ticket.CustomerFilter{Scope: ticket.Scope{ContactID: me.ContactID}, View: ticket.ViewMine, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Total != own.Total || len(mine.Items) != own.Total {
			t.Errorf("customer's own view has %d (%d items), want %d", mine.Total, len(mine.Items), own.Total)
		}
		for _, ct := range mine.Items {
			if ct.RequesterID != me.ContactID {
				t.Errorf("customer's view shows ticket %d of contact %d", ct.ID, ct.RequesterID)
			}
		}
		if me.CompanyID == nil || *me.CompanyID != res.CompanyID {
			t.Fatalf("customer's company = %v, want %d", me.CompanyID, res.CompanyID)
		}
		wide := ticket.Scope{ContactID: me.ContactID, CompanyID: res.CompanyID}
		org, err := svc.CustomerTickets(ctx, ticket.CustomerFilter{Scope: wide, View: ticket.ViewOrganization})
		if err != nil {
			t.Fatal(err)
		}
		if org.Total != 400 {
			t.Errorf("company view has %d tickets, want 400", org.Total)
		}
		hits, err := svc.CustomerTickets(ctx, ticket.CustomerFilter{Scope: wide, Q: "VPN"})
		if err != nil {
			t.Fatal(err)
		}
		if hits.Total == 0 || hits.Total >= org.Total {
			t.Errorf("search in the company found %d of %d", hits.Total, org.Total)
		}
		// Every generated ticket has its search document: a search inside
		// the company finds exactly the tickets whose subject or messages
		// hold the word, through the trigram index or, for 网络, the
		// index of ideographic pairs.
		var texts []string
		if err := db.EachCustomerTicket(ctx, ticket.CustomerFilter{Scope: wide, View: ticket.ViewOrganization}, func(ct ticket.CustomerTicket) error {
			ms, err := db.Messages(ctx, ct.ID, false)
			if err != nil {
				return err
			}
			text := ct.Subject
			for _, m := range ms {
				text += "\n" + m.Body
			}
			texts = append(texts, strings.ToLower(text))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"vpn", "faktura", "网络"} {
			want := 0
			for _, text := range texts {
				if strings.Contains(text, q) {
					want++
				}
			}
			found, err := svc.CustomerTickets(ctx, ticket.CustomerFilter{Scope: wide, Q: q})
			if err != nil {
				t.Fatal(err)
			}
			if want == 0 || found.Total != want {
				t.Errorf("search %q in the company found %d tickets, %d hold it", q, found.Total, want)
			}
		}
		detail, err := svc.CustomerTicket(ctx, wide, mine.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(detail.Messages) == 0 {
			t.Errorf("detail of ticket %d has no messages", detail.ID)
		}
		// The normal write path carries on after the generated ids.
		writer, err := db.AccountByLogin(ctx, res.Writers[0])
		if err != nil {
			t.Fatal(err)
		}
		created, err := svc.Create(ctx, event.Actor{Type: event.ActorContact, ID: writer.Identities[0].ContactID},
			ticket.NewTicket{Subject: "After the bulk load", Body: "Still works", RequesterID: writer.Identities[0].ContactID})
		if err != nil {
			t.Fatal(err)
		}
		if created.ID <= all.Items[0].ID {
			t.Errorf("new ticket id %d is not after the generated ones (%d)", created.ID, all.Items[0].ID)
		}
		// and keeps the search documents again.
		if found, err := db.Tickets(ctx, ticket.Filter{Q: "still works"}); err != nil || found.Total != 1 {
			t.Errorf("search for the new ticket's message: %d found, %v", found.Total, err)
		}
	})
}
