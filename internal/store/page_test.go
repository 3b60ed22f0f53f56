package store_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// listPage is one page of any list, reduced to what pagination promises.
type listPage struct {
	ids   []int64
	total int
	next  string
}

type lister func(ctx context.Context, limit int, cursor string) (listPage, error)

// walk reads every page of list with limit and checks the page-level
// promises on the way: every page is full but the last, every page knows
// the total, and only the last page has no next cursor.
func walk(t *testing.T, list lister, limit, wantTotal int) []int64 {
	t.Helper()
	size := limit
	if size <= 0 {
		size = 25
	}
	size = min(size, 100)
	var all []int64
	cursor := ""
	for page := 0; ; page++ {
		if page > wantTotal+1 {
			t.Fatalf("limit %d: more pages than rows", limit)
		}
		p, err := list(t.Context(), limit, cursor)
		if err != nil {
			t.Fatalf("limit %d page %d: %v", limit, page, err)
		}
		if p.total != wantTotal {
			t.Errorf("limit %d page %d: total %d, want %d", limit, page, p.total, wantTotal)
		}
		all = append(all, p.ids...)
		last := len(all) >= wantTotal
		switch {
		case last && p.next != "":
			t.Errorf("limit %d page %d: the last page has a next cursor", limit, page)
		case !last && p.next == "":
			t.Fatalf("limit %d page %d: no next cursor after %d of %d rows", limit, page, len(all), wantTotal)
		case !last && len(p.ids) != size:
			t.Errorf("limit %d page %d: %d rows on a page that is not the last, want %d", limit, page, len(p.ids), size)
		}
		if p.next == "" {
			return all
		}
		cursor = p.next
	}
}

// badCursors are cursors no list ever handed out.
var badCursors = []string{
	"garbage",
	"%%%",
	base64.RawURLEncoding.EncodeToString([]byte(`{}`)),
	base64.RawURLEncoding.EncodeToString([]byte(`{"i":0}`)),
	base64.RawURLEncoding.EncodeToString([]byte(`{"i":-4}`)),
	base64.RawURLEncoding.EncodeToString([]byte(`{"i":"7"}`)),
	base64.RawURLEncoding.EncodeToString([]byte(`[1,2]`)),
	base64.StdEncoding.EncodeToString([]byte(`{"i":1}`)) + "==",
}

func TestIDListPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const n = 11
		acme := newCompany(t, db, "Acme", nil)
		var companies, contacts, acmeContacts, events, adaEvents []int64
		companies = append(companies, acme.ID)
		ada := newContact(t, db, "Ada", "", nil)
		contacts = append(contacts, ada.ID)
		tk := newTicket(t, db, "Timeline", ada)
		other := newTicket(t, db, "Other timeline", ada)
		for i := range n {
			companies = append(companies, newCompany(t, db, fmt.Sprintf("Company %02d", i), nil).ID)
			c := newContact(t, db, fmt.Sprintf("Person %02d", i), "", nil)
			contacts = append(contacts, c.ID)
			if i%3 == 0 {
				c.CompanyID = &acme.ID
				if err := db.UpdateContact(ctx, c); err != nil {
					t.Fatal(err)
				}
				acmeContacts = append(acmeContacts, c.ID)
			}
			for _, on := range []int64{tk.ID, other.ID} {
				e := &event.Event{Kind: event.TicketUpdated, TicketID: &on, ContactID: &ada.ID, ActorType: event.ActorSystem}
				if on == other.ID {
					e.ContactID = &c.ID
				}
				if err := db.CreateEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
				if on == tk.ID {
					events = append(events, e.ID)
					adaEvents = append(adaEvents, e.ID)
				}
			}
			if i%3 == 1 {
				e := &event.Event{Kind: event.IdentityLinked, ContactID: &ada.ID, ActorType: event.ActorSystem}
				if err := db.CreateEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
				adaEvents = append(adaEvents, e.ID)
			}
		}

		lists := []struct {
			name string
			list lister
			want []int64
		}{
			{"companies", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Companies(ctx, contact.CompanyFilter{Limit: limit, Cursor: cursor})
				var ids []int64
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, companies},
			{"companies matching q", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Companies(ctx, contact.CompanyFilter{Q: "company", Limit: limit, Cursor: cursor})
				var ids []int64
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, companies[1:]},
			{"contacts", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Contacts(ctx, contact.ContactFilter{Limit: limit, Cursor: cursor})
				var ids []int64
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, contacts},
			{"contacts of a company", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Contacts(ctx, contact.ContactFilter{CompanyID: acme.ID, Limit: limit, Cursor: cursor})
				var ids []int64
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, acmeContacts},
			{"events of a ticket", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Events(ctx, ticket.EventFilter{TicketID: tk.ID, Limit: limit, Cursor: cursor})
				var ids []int64
				for _, e := range p.Items {
					ids = append(ids, e.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, events},
			{"events of a contact", func(ctx context.Context, limit int, cursor string) (listPage, error) {
				p, err := db.Events(ctx, ticket.EventFilter{ContactID: ada.ID, Limit: limit, Cursor: cursor})
				var ids []int64
				for _, e := range p.Items {
					ids = append(ids, e.ID)
				}
				return listPage{ids, p.Total, p.NextCursor}, err
			}, adaEvents},
		}
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				if !slices.IsSorted(l.want) {
					t.Fatalf("fixture ids not ascending: %v", l.want)
				}
				for _, limit := range []int{1, 2, 3, 4, len(l.want) - 1, len(l.want), len(l.want) + 1, 0, 1000} {
					if got := walk(t, l.list, limit, len(l.want)); !slices.Equal(got, l.want) {
						t.Errorf("limit %d: ids %v, want %v", limit, got, l.want)
					}
				}
				for _, c := range badCursors {
					_, err := l.list(ctx, 2, c)
					if !apperr.Is(err, apperr.Invalid) {
						t.Errorf("cursor %q: error %v, want Invalid", c, err)
					}
				}
			})
		}
	})
}

// A page holds 25 rows unless asked otherwise, and never more than 100.
func TestPageSizeLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.InTx(ctx, func(ctx context.Context) error {
			for i := range 130 {
				if err := db.CreateCompany(ctx, &contact.Company{Name: fmt.Sprintf("Company %03d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct{ limit, want int }{{0, 25}, {-1, 25}, {1, 1}, {100, 100}, {101, 100}, {1 << 30, 100}}
		for _, tt := range tests {
			p, err := db.Companies(ctx, contact.CompanyFilter{Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != tt.want || p.Total != 130 || p.NextCursor == "" {
				t.Errorf("limit %d: %d items (total %d, next %q), want %d", tt.limit, len(p.Items), p.Total, p.NextCursor, tt.want)
			}
		}
	})
}

// ticketRow is what the agent list sorts by, recorded as the fixture was
// made rather than read back from the store.
type ticketRow struct {
	id                int64
	created, activity time.Time
	open              bool
}

func TestTicketPagination(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		ada := newContact(t, db, "Ada", "", nil)
		agent := newAgent(t, db, "agent@example.com")
		support := supportPipeline(t, db)
		by := event.Actor{Type: event.ActorContact, ID: ada.ID}
		rows := map[int64]*ticketRow{}
		create := func(draft bool) *ticket.Ticket {
			t.Helper()
			tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: "Ticket", Body: "Hello", RequesterID: ada.ID, Draft: draft})
			if err != nil {
				t.Fatal(err)
			}
			if !draft {
				rows[tk.ID] = &ticketRow{id: tk.ID, created: clk.Now(), activity: clk.Now(), open: true}
			}
			return tk
		}

		// Many tickets share a creation time and a last-activity time, so
		// only the id tells them apart.
		var ids []int64
		for range 6 {
			ids = append(ids, create(false).ID)
		}
		clk.Add(time.Hour)
		for range 4 {
			ids = append(ids, create(false).ID)
		}
		clk.Add(time.Hour)
		for _, i := range []int{1, 4, 7} {
			if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, ids[i], ticket.NewMessage{Body: "Reply"}); err != nil {
				t.Fatal(err)
			}
			rows[ids[i]].activity = clk.Now()
		}
		// An internal note is not activity a customer could see.
		if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, ids[2], ticket.NewMessage{Body: "Note", Internal: true}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		create(true) // drafts are not listed
		closed := create(false)
		if _, err := svc.Update(ctx, by, closed.ID, ticket.Update{StageID: &support.Stages[3].ID}); err != nil {
			t.Fatal(err)
		}
		rows[closed.ID].open = false
		// Older than everything by creation, newest by activity: the
		// orders must differ from the id order.
		clk.Add(-10 * time.Hour)
		early := create(false)
		clk.Add(20 * time.Hour)
		if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, early.ID, ticket.NewMessage{Body: "Late reply"}); err != nil {
			t.Fatal(err)
		}
		rows[early.ID].activity = clk.Now()

		expect := func(sort string, asc, openOnly bool) []int64 {
			var rs []*ticketRow
			for _, r := range rows {
				if !openOnly || r.open {
					rs = append(rs, r)
				}
			}
			slices.SortFunc(rs, func(a, b *ticketRow) int {
				c := 0
				switch sort {
				case ticket.SortCreated:
					c = a.created.Compare(b.created)
				case ticket.SortLastActivity:
					c = a.activity.Compare(b.activity)
				}
				c = cmp.Or(c, cmp.Compare(a.id, b.id))
				if !asc {
					c = -c
				}
				return c
			})
			var out []int64
			for _, r := range rs {
				out = append(out, r.id)
			}
			return out
		}

		type order struct {
			sort string
			asc  bool
		}
		orders := []order{
			{ticket.SortID, false}, {ticket.SortID, true},
			{ticket.SortCreated, false}, {ticket.SortCreated, true},
			{ticket.SortLastActivity, false}, {ticket.SortLastActivity, true},
		}
		for _, o := range orders {
			for _, openOnly := range []bool{false, true} {
				name := fmt.Sprintf("%s asc=%v open=%v", o.sort, o.asc, openOnly)
				t.Run(name, func(t *testing.T) {
					want := expect(o.sort, o.asc, openOnly)
					list := func(ctx context.Context, limit int, cursor string) (listPage, error) {
						f := ticket.Filter{Sort: o.sort, Asc: o.asc, Limit: limit, Cursor: cursor}
						if openOnly {
							f.Status = ticket.StatusOpen
						}
						p, err := db.Tickets(ctx, f)
						return listPage{ticketIDs(p.Items), p.Total, p.NextCursor}, err
					}
					for _, limit := range []int{1, 2, 3, 4, 5, len(want), len(want) + 1} {
						if got := walk(t, list, limit, len(want)); !slices.Equal(got, want) {
							t.Errorf("limit %d: ids %v, want %v", limit, got, want)
						}
					}
				})
			}
		}
		// The fixture must really tell the orders apart.
		if slices.Equal(expect(ticket.SortCreated, false, false), expect(ticket.SortID, false, false)) ||
			slices.Equal(expect(ticket.SortLastActivity, false, false), expect(ticket.SortID, false, false)) {
			t.Fatal("fixture: sorting by time gives the id order")
		}
	})
}

// The documented default order is newest first by id.
func TestTicketsDefaultSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ada := newContact(t, db, "Ada", "", nil)
		var want []int64
		for range 3 {
			want = append([]int64{newTicket(t, db, "T", ada).ID}, want...)
		}
		p, err := db.Tickets(t.Context(), ticket.Filter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		next, err := db.Tickets(t.Context(), ticket.Filter{Limit: 2, Cursor: p.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if got := append(ticketIDs(p.Items), ticketIDs(next.Items)...); !slices.Equal(got, want) {
			t.Errorf("default order %v, want %v", got, want)
		}
	})
}

func TestTicketsBadCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		for range 3 {
			newTicket(t, db, "T", ada)
		}
		byID, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Limit: 1})
		if err != nil || byID.NextCursor == "" {
			t.Fatalf("first page: %+v, %v", byID, err)
		}
		timeCursors := append(slices.Clone(badCursors),
			byID.NextCursor, // a cursor of the id order has no time in it
			base64.RawURLEncoding.EncodeToString([]byte(`{"k":"yesterday","i":2}`)),
			base64.RawURLEncoding.EncodeToString([]byte(`{"k":1767225600,"i":2}`)),
		)
		tests := []struct {
			sort    string
			cursors []string
		}{
			{ticket.SortID, badCursors},
			{ticket.SortCreated, timeCursors},
			{ticket.SortLastActivity, timeCursors},
		}
		for _, tt := range tests {
			t.Run(tt.sort, func(t *testing.T) {
				for _, asc := range []bool{false, true} {
					for _, c := range tt.cursors {
						_, err := db.Tickets(ctx, ticket.Filter{Sort: tt.sort, Asc: asc, Cursor: c})
						if !apperr.Is(err, apperr.Invalid) {
							t.Errorf("asc=%v cursor %q: error %v, want Invalid", asc, c, err)
						}
					}
				}
			})
		}
	})
}

// Keyset pages neither repeat nor skip rows when tickets arrive while an
// agent pages through the list.
func TestTicketPagesStableUnderInserts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		var want []int64
		for range 7 {
			want = append([]int64{newTicket(t, db, "Old", ada).ID}, want...)
		}
		var got []int64
		f := ticket.Filter{Sort: ticket.SortID, Limit: 3}
		for {
			p, err := db.Tickets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ticketIDs(p.Items)...)
			newTicket(t, db, "Arrived meanwhile", ada)
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("ids %v, want %v", got, want)
		}
	})
}
