package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func TestTicketSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		ada := newContact(t, db, "Ada", "", nil)
		agent := newAgent(t, db, "agent@example.com")
		support := supportPipeline(t, db)
		by := event.Actor{Type: event.ActorContact, ID: ada.ID}

		type fixture struct {
			subject, body, note string
			draft, closed       bool
		}
		fixtures := map[string]fixture{
			"printer":  {subject: "Printer on fire", body: "The office printer is smoking"},
			"vpn":      {subject: "VPN disconnects", body: "Since Monday the VPN drops every 10 minutes"},
			"network":  {subject: "网络连接失败", body: "公司网络无法连接，打印机也不工作"},
			"jam":      {subject: "打印机卡纸", body: "请帮忙"},
			"polish":   {subject: "Drukarka nie działa", body: "Proszę o pomoc, łącze też nie działa. Zażółć gęślą jaźń"},
			"swedish":  {subject: "Skrivaren på kontoret", body: "Det går inte att skriva ut. Höstens uppdatering förstörde allt, åtgärda snälla"},
			"discount": {subject: "Discount 50% off", body: "Coupon does not apply"},
			"errors":   {subject: "500 errors on login", body: "Server says 500"},
			"escalate": {subject: "Slow dashboard", body: "It takes ages", note: "escalated to tier3 engineering"},
			"quoted":   {subject: `He said "hello" and left`, body: "Odd"},
			"draft":    {subject: "Printer draft", body: "not sent yet: printer", draft: true},
			"closed":   {subject: "Old issue", body: "The printer works again", closed: true},
		}
		ids := map[string]int64{}
		names := map[int64]string{}
		for name, f := range fixtures {
			tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: f.subject, Body: f.body, RequesterID: ada.ID, Draft: f.draft})
			if err != nil {
				t.Fatal(err)
			}
			if f.note != "" {
				if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: f.note, Internal: true}); err != nil {
					t.Fatal(err)
				}
			}
			if f.closed {
				if _, err := svc.Update(ctx, by, tk.ID, ticket.Update{StageID: &support.Stages[3].ID}); err != nil {
					t.Fatal(err)
				}
			}
			ids[name], names[tk.ID] = tk.ID, name
		}

		tests := []struct {
			name   string
			q      string
			status string
			want   []string
		}{
			{"subject and message", "printer", "", []string{"printer", "closed"}},
			{"any case", "PRINTER", "", []string{"printer", "closed"}},
			{"message text only", "smoking", "", []string{"printer"}},
			{"with a filter", "printer", ticket.StatusClosed, []string{"closed"}},
			{"Chinese, two characters", "网络", "", []string{"network"}},
			{"Chinese, one character", "网", "", []string{"network"}},
			{"Chinese, three characters in subject and message", "打印机", "", []string{"network", "jam"}},
			{"Chinese message text", "无法连接", "", []string{"network"}},
			{"Polish", "działa", "", []string{"polish"}},
			{"Polish diacritics", "łącze", "", []string{"polish"}},
			{"Polish pangram", "gęślą jaźń", "", []string{"polish"}},
			{"Polish capitals", "ZAŻÓŁĆ", "", []string{"polish"}},
			{"Swedish", "på kontoret", "", []string{"swedish"}},
			{"Swedish message text", "åtgärda", "", []string{"swedish"}},
			{"Swedish capitals", "HÖSTENS", "", []string{"swedish"}},
			{"Swedish, two characters", "på", "", []string{"swedish"}},
			{"Swedish capitals, two characters", "PÅ", "", []string{"swedish"}},
			{"Polish capitals, two characters", "ŁĄ", "", []string{"polish"}},
			{"internal notes are found by agents", "tier3", "", []string{"escalate"}},
			{"percent is literal", "50%", "", []string{"discount"}},
			{"lone percent", "%", "", []string{"discount"}},
			{"underscore is literal", "0_e", "", nil},
			{"quotes", `"hello"`, "", []string{"quoted"}},
			{"unbalanced quote", `said "hel`, "", []string{"quoted"}},
			{"numbers", "500", "", []string{"errors"}},
			{"nothing", "kangaroo", "", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Q: tt.q, Status: tt.status})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, tk := range p.Items {
					got = append(got, names[tk.ID])
				}
				slices.Sort(got)
				want := slices.Clone(tt.want)
				slices.Sort(want)
				if !slices.Equal(got, want) || p.Total != len(want) {
					t.Errorf("search %q: %q (total %d), want %q", tt.q, got, p.Total, want)
				}
			})
		}
	})
}

// Search follows a ticket's subject when it is renamed.
func TestTicketSearchFollowsRename(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		ada := newContact(t, db, "Ada", "", nil)
		by := event.Actor{Type: event.ActorContact, ID: ada.ID}
		tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: "VPN disconnects", Body: "Help", RequesterID: ada.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Update(ctx, by, tk.ID, ticket.Update{Subject: ptr("Tunnel broken")}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			q    string
			want int
		}{{"disconnects", 0}, {"Tunnel", 1}, {"broken", 1}}
		for _, tt := range tests {
			p, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Q: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tt.want {
				t.Errorf("search %q after rename: %d tickets, want %d", tt.q, p.Total, tt.want)
			}
		}
	})
}

// A customer's search finds what the customer may see — their own tickets,
// those shared with them and their company's — by subject and public
// messages only, and follows a ticket when its company changes or goes.
func TestCustomerSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		agent := newAgent(t, db, "agent@example.com")
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		ada := newContact(t, db, "Ada", "", &acme.ID)
		bob := newContact(t, db, "Bob", "", &acme.ID)
		eve := newContact(t, db, "Eve", "", &globex.ID)
		loner := newContact(t, db, "Lone", "", nil)

		names := map[int64]string{}
		create := func(name string, who *contact.Contact, subject, body string) *ticket.Ticket {
			t.Helper()
			tk, err := svc.Create(ctx, event.Actor{Type: event.ActorContact, ID: who.ID},
				ticket.NewTicket{Subject: subject, Body: body, RequesterID: who.ID})
			if err != nil {
				t.Fatal(err)
			}
			names[tk.ID] = name
			return tk
		}
		mine := create("mine", ada, "Printer jammed", "The printer on floor 2 jams")
		colleague := create("colleague", bob, "Drukarka nie działa", "Drukarka w biurze: błąd E-12")
		create("other company", eve, "Printer jammed too", "Our printer jams as well")
		create("colleague, Chinese", bob, "网络很慢", "办公室的网络从早上开始就很慢")
		create("other company, Chinese", eve, "网络很慢", "网络断了")
		shared := create("shared", eve, "Skrivaren på kontoret", "Skrivaren skriver inte ut")
		create("loner", loner, "打印机坏了", "网络也断了")
		if err := db.ShareTicket(ctx, shared.ID, eve.ID, []int64{ada.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, mine.ID, ticket.NewMessage{Body: "customer is upset", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, colleague.ID, ticket.NewMessage{Body: "Wymieniliśmy toner"}); err != nil {
			t.Fatal(err)
		}

		search := func(sc ticket.Scope, q string) []string {
			t.Helper()
			p, err := db.CustomerTickets(ctx, ticket.CustomerFilter{Scope: sc, Q: q, Sort: ticket.SortID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range p.Items {
				got = append(got, names[it.ID])
			}
			if p.Total != len(got) {
				t.Errorf("search %q: total %d for %d items", q, p.Total, len(got))
			}
			slices.Sort(got)
			return got
		}
		adaCompany := ticket.Scope{ContactID: ada.ID, CompanyID: acme.ID}
		adaOwn := ticket.Scope{ContactID: ada.ID}
		tests := []struct {
			name  string
			scope ticket.Scope
			q     string
			want  []string
		}{
			{"own ticket by subject", adaOwn, "printer", []string{"mine"}},
			{"company ticket by subject", adaCompany, "drukarka", []string{"colleague"}},
			{"company ticket by agent's public reply", adaCompany, "TONER", []string{"colleague"}},
			{"company ticket under own permission", adaOwn, "drukarka", nil},
			{"shared ticket of another company", adaOwn, "skrivaren", []string{"shared"}},
			{"shared ticket, two characters", adaOwn, "på", []string{"shared"}},
			{"company ticket, two characters", adaCompany, "E-", []string{"colleague"}},
			{"company ticket, two ideographs", adaCompany, "网络", []string{"colleague, Chinese"}},
			{"company ticket, one ideograph", adaCompany, "慢", []string{"colleague, Chinese"}},
			{"company ticket, three ideographs", adaCompany, "办公室", []string{"colleague, Chinese"}},
			{"internal note", adaCompany, "upset", nil},
			{"internal note, two characters", adaCompany, "up", nil},
			{"other company's ticket", adaCompany, "too", nil},
			{"contact without company", ticket.Scope{ContactID: loner.ID}, "打印机", []string{"loner"}},
			{"contact without company, two characters", ticket.Scope{ContactID: loner.ID}, "网络", []string{"loner"}},
		}
		for _, tt := range tests {
			if got := search(tt.scope, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("%s: search %q found %q, want %q", tt.name, tt.q, got, tt.want)
			}
		}

		// The colleague's ticket moves to Globex: Ada's company no longer
		// finds it, Eve's does, and Bob still does as its requester.
		moved, err := db.Ticket(ctx, colleague.ID)
		if err != nil {
			t.Fatal(err)
		}
		moved.CompanyID = &globex.ID
		if err := db.UpdateTicket(ctx, moved); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			scope ticket.Scope
			want  []string
		}{
			{"old company", adaCompany, nil},
			{"new company", ticket.Scope{ContactID: eve.ID, CompanyID: globex.ID}, []string{"colleague"}},
			{"requester", ticket.Scope{ContactID: bob.ID}, []string{"colleague"}},
		} {
			if got := search(tt.scope, "toner"); !slices.Equal(got, tt.want) {
				t.Errorf("after the move, %s: found %q, want %q", tt.name, got, tt.want)
			}
		}

		// Globex is deleted: its tickets have no company, and their
		// requesters and the contacts they were shared with still find them.
		if err := db.DeleteCompany(ctx, globex.ID); err != nil {
			t.Fatal(err)
		}
		if got := search(adaOwn, "skrivaren"); !slices.Equal(got, []string{"shared"}) {
			t.Errorf("after the company went, the shared ticket: found %q", got)
		}
		if got := search(ticket.Scope{ContactID: bob.ID}, "drukarka"); !slices.Equal(got, []string{"colleague"}) {
			t.Errorf("after the company went, the requester's ticket: found %q", got)
		}
	})
}

// The search documents follow every change of what they are made of: a
// message edited, turned into a note and back, or deleted, and a ticket
// moved to another company. Notes are found by agents only, short and
// ideographic queries inside a company as well as long ones, and % and _
// in a query are plain characters.
func TestSearchFollowsChanges(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, _ *clock) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		agent := newAgent(t, db, "agent@example.com")
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		ada := newContact(t, db, "Ada", "", &acme.ID)
		bob := newContact(t, db, "Bob", "", &acme.ID)
		eve := newContact(t, db, "Eve", "", &globex.ID)

		names := map[int64]string{}
		create := func(name string, who *contact.Contact, subject, body string) *ticket.Ticket {
			t.Helper()
			tk, err := svc.Create(ctx, event.Actor{Type: event.ActorContact, ID: who.ID},
				ticket.NewTicket{Subject: subject, Body: body, RequesterID: who.ID})
			if err != nil {
				t.Fatal(err)
			}
			names[tk.ID] = name
			return tk
		}
		reply := func(tk *ticket.Ticket, body string, internal bool) *ticket.Message {
			t.Helper()
			m, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: body, Internal: internal})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		// edit changes messages as the store never does; on SQLite the
		// text index takes the change in at the store's next write.
		edit := func(q string, args ...any) {
			t.Helper()
			raw.exec(q, args...)
			if err := db.InTx(ctx, func(context.Context) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		laptop := create("laptop", bob, "Laptop battery", "The battery swells")
		first, err := db.Messages(ctx, laptop.ID, true)
		if err != nil || len(first) != 1 {
			t.Fatalf("messages of the new ticket: %v, %v", first, err)
		}
		fuser := reply(laptop, "We replaced the fuser unit", false)
		network := create("network", bob, "网络很慢", "办公室的网络从早上开始就很慢")
		reply(network, "已转交网络组处理，内部备注", true)
		create("discount", ada, "Rabatt 50% på licenser", "Fakturan 10_000 kr stämmer inte")
		create("plain", ada, "Rabatt 500 kronor", "Fakturan 10 000 kr")

		company := ticket.Scope{ContactID: ada.ID, CompanyID: acme.ID}
		own := ticket.Scope{ContactID: bob.ID}
		other := ticket.Scope{ContactID: eve.ID, CompanyID: globex.ID}
		customer := func(sc ticket.Scope, q string) []string {
			t.Helper()
			p, err := db.CustomerTickets(ctx, ticket.CustomerFilter{Scope: sc, Q: q, Sort: ticket.SortID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range p.Items {
				got = append(got, names[it.ID])
			}
			if p.Total != len(got) {
				t.Errorf("customer search %q: total %d for %d items", q, p.Total, len(got))
			}
			slices.Sort(got)
			return got
		}
		desk := func(q string) []string {
			t.Helper()
			p, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Q: q})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range p.Items {
				got = append(got, names[it.ID])
			}
			slices.Sort(got)
			return got
		}
		type want struct {
			q                         string
			company, own, other, desk []string
		}
		check := func(when string, tests []want) {
			t.Helper()
			for _, w := range tests {
				for _, c := range []struct {
					who       string
					got, want []string
				}{
					{"the company's customer", customer(company, w.q), w.company},
					{"the requester, own permission", customer(own, w.q), w.own},
					{"another company's customer", customer(other, w.q), w.other},
					{"the desk", desk(w.q), w.desk},
				} {
					if !slices.Equal(c.got, c.want) {
						t.Errorf("%s, %s searching %q found %q, want %q", when, c.who, w.q, c.got, c.want)
					}
				}
			}
		}
		laptopOnly := []string{"laptop"}
		networkOnly := []string{"network"}
		check("at first", []want{
			{"swells", laptopOnly, laptopOnly, nil, laptopOnly},
			{"FUSER", laptopOnly, laptopOnly, nil, laptopOnly},
			{"网络", networkOnly, networkOnly, nil, networkOnly},
			{"备注", nil, nil, nil, networkOnly},
			{"内部备注", nil, nil, nil, networkOnly},
			{"50%", []string{"discount"}, nil, nil, []string{"discount"}},
			{"0%", []string{"discount"}, nil, nil, []string{"discount"}},
			{"5%", nil, nil, nil, nil},
			{"%", []string{"discount"}, nil, nil, []string{"discount"}},
			{"0_0", []string{"discount"}, nil, nil, []string{"discount"}},
			{"_", []string{"discount"}, nil, nil, []string{"discount"}},
			{"0 0", []string{"plain"}, nil, nil, []string{"plain"}},
		})

		edit("UPDATE messages SET body = ? WHERE id = ?", "The charger whines", first[0].ID)
		edit("UPDATE messages SET internal = ? WHERE id = ?", true, fuser.ID)
		check("after an edit and a reply turned into a note", []want{
			{"swells", nil, nil, nil, nil},
			{"whines", laptopOnly, laptopOnly, nil, laptopOnly},
			{"battery", laptopOnly, laptopOnly, nil, laptopOnly},
			{"fuser", nil, nil, nil, laptopOnly},
		})

		edit("UPDATE messages SET internal = ? WHERE id = ?", false, fuser.ID)
		check("after the note turned public again", []want{{"fuser", laptopOnly, laptopOnly, nil, laptopOnly}})

		edit("DELETE FROM messages WHERE id = ?", fuser.ID)
		check("after the reply was deleted", []want{
			{"fuser", nil, nil, nil, nil},
			{"whines", laptopOnly, laptopOnly, nil, laptopOnly},
		})

		// Bob's Chinese ticket moves to Globex: Eve finds it there, Ada's
		// company no longer does, Bob still does as its requester.
		moved, err := db.Ticket(ctx, network.ID)
		if err != nil {
			t.Fatal(err)
		}
		moved.CompanyID = &globex.ID
		moved.Subject = "网络断了"
		if err := db.UpdateTicket(ctx, moved); err != nil {
			t.Fatal(err)
		}
		check("after the move and a new subject", []want{
			{"网络", nil, networkOnly, networkOnly, networkOnly},
			{"断了", nil, networkOnly, networkOnly, networkOnly},
			{"很慢", nil, networkOnly, networkOnly, networkOnly},
			{"网络很慢", nil, nil, nil, nil},
			{"备注", nil, nil, nil, networkOnly},
		})
	})
}

// On PostgreSQL a document written again (a message deleted) while
// another transaction appends a message to it keeps that message: the
// rewrite waits for the append to commit and reads the messages after it.
func TestSearchDocumentConcurrentWrites(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("PORTICO_TEST_POSTGRES_URL not set")
	}
	ctx := t.Context()
	db, raw := openRaw(t, "postgres", nil)
	ada := newContact(t, db, "Ada", "", nil)
	tk := newTicket(t, db, "Printer", ada)
	insert := `INSERT INTO messages (ticket_id, author_type, author_contact_id, body, channel, created_at)
		VALUES ($1, 'contact', $2, $3, 'api', now()) RETURNING id`
	var first, second int64
	if err := raw.db.QueryRowContext(ctx, insert, tk.ID, ada.ID, "First").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if err := raw.db.QueryRowContext(ctx, insert, tk.ID, ada.ID, "Second").Scan(&second); err != nil {
		t.Fatal(err)
	}

	appender, err := raw.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer appender.Rollback()
	var third int64
	if err := appender.QueryRowContext(ctx, insert, tk.ID, ada.ID, "Third").Scan(&third); err != nil {
		t.Fatal(err)
	}
	deleter, err := raw.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer deleter.Rollback()
	var pid int
	if err := deleter.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() {
		_, err := deleter.ExecContext(ctx, "DELETE FROM messages WHERE id = $1", second)
		deleted <- err
	}()
	// Wait until the delete waits for the appender's lock.
	for waiting := ""; waiting != "Lock"; {
		select {
		case err := <-deleted:
			t.Fatalf("the delete did not wait for the append: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if err := raw.db.QueryRowContext(ctx, "SELECT COALESCE(wait_event_type, '') FROM pg_stat_activity WHERE pid = $1", pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if err := appender.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	if err := deleter.Commit(); err != nil {
		t.Fatal(err)
	}
	var doc string
	if err := raw.queryRow("SELECT doc FROM ticket_docs WHERE ticket_id = ?", tk.ID).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if want := "printer\nfirst\nthird"; doc != want {
		t.Errorf("document = %q, want %q", doc, want)
	}
}

// TestCompactSearch: tickets written one by one leave the text indexes in
// pieces; compaction merges them until nothing is left to merge, and
// searches find the same tickets after.
func TestCompactSearch(t *testing.T) {
	db := storetest.Open(t, "sqlite", nil)
	ctx := t.Context()
	me := newContact(t, db, "Ada", "Lovelace", nil)
	for i := range 120 {
		subject := fmt.Sprintf("Router %d keeps dropping", i)
		if i%3 == 0 {
			subject = fmt.Sprintf("网络 %d 故障", i)
		}
		newTicket(t, db, subject, me)
	}
	count := func(q string) int {
		t.Helper()
		page, err := db.CustomerTickets(ctx, ticket.CustomerFilter{Scope: ticket.Scope{ContactID: me.ID}, Q: q, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}
	router, network := count("dropping"), count("网络")
	if router != 80 || network != 40 {
		t.Fatalf("before: %d and %d matches, want 80 and 40", router, network)
	}
	more, err := db.CompactSearch(ctx)
	if err != nil || !more {
		t.Fatalf("the first step: more = %v, %v; want work left", more, err)
	}
	steps := 1
	for more {
		if steps++; steps > 50 {
			t.Fatal("compaction does not end")
		}
		if more, err = db.CompactSearch(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r, n := count("dropping"), count("网络"); r != router || n != network {
		t.Errorf("after: %d and %d matches, want %d and %d", r, n, router, network)
	}
	if more, err := db.CompactSearch(ctx); err != nil || more {
		t.Errorf("a compact index: more = %v, %v", more, err)
	}
}
