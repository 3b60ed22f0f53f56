package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/auth"
	"portico/internal/portal"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// openHandles opens n store handles on one fresh database, migrated, as
// n instances of the server would.
func openHandles(t *testing.T, engine string, n int) (store.Options, []*store.DB) {
	t.Helper()
	ctx := t.Context()
	o := storetest.Options(t, engine, nil)
	var out []*store.DB
	for i := range n {
		db, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, db)
	}
	return o, out
}

// instances are two store handles on one database, as two servers would
// hold, with a raw connection to it.
type instances struct {
	t    *testing.T
	o    store.Options
	a, b *store.DB
	raw  *rawDB
}

func newInstances(t *testing.T, engine string) *instances {
	o, dbs := openHandles(t, engine, 2)
	return &instances{t: t, o: o, a: dbs[0], b: dbs[1], raw: rawOf(t, engine, o)}
}

// agree fails unless both instances read, with read, what a third that
// has read nothing before reads.
func (in *instances) agree(step string, read func(db *store.DB) []string) {
	in.t.Helper()
	fresh, err := store.Open(in.t.Context(), in.o)
	if err != nil {
		in.t.Fatal(err)
	}
	defer fresh.Close()
	want := read(fresh)
	for i, db := range []*store.DB{in.a, in.b} {
		got := read(db)
		for k := range want {
			if got[k] != want[k] {
				in.t.Errorf("%s: instance %d, read %d:\n got %s\nwant %s", step, i, k, got[k], want[k])
			}
		}
	}
}

// change is one change, made through the instance it is given (or by
// hand in the database).
type change struct {
	name string
	make func(db *store.DB) error
}

// apply makes the changes through either instance in turn, and after each
// checks that the instances agree on what read reads.
func (in *instances) apply(changes []change, read func(db *store.DB) []string) {
	in.t.Helper()
	for i, c := range changes {
		if err := c.make([]*store.DB{in.a, in.b}[i%2]); err != nil {
			in.t.Fatalf("%s: %v", c.name, err)
		}
		in.agree(c.name, read)
	}
}

// TestListViewsFollowChanges: customers' list pages and the tickets they
// open are kept and reused (SQLite), yet every view and every ticket shows
// each change at the next read, whether this instance or another one on
// the same database made it: after each change, two instances that read
// every view and ticket before agree with one that has never read any.
func TestListViewsFollowChanges(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			in := newInstances(t, engine)
			a, raw := in.a, in.raw
			co := newCompany(t, a, "Nordlys", nil)
			other := newCompany(t, a, "Elsewhere", nil)
			me := newContact(t, a, "Ada", "Lovelace", &co.ID)
			colleague := newContact(t, a, "Grace", "Hopper", &co.ID)
			stranger := newContact(t, a, "Alan", "Turing", &other.ID)
			ag := newAgent(t, a, "agent@example.com")
			mine := newTicket(t, a, "Printer jammed", me)
			firstColleague := newTicket(t, a, "Monitor flickers", colleague)
			theirs := newTicket(t, a, "Invoice missing", stranger)

			sc := ticket.Scope{ContactID: me.ID, CompanyID: co.ID}
			views := []ticket.CustomerFilter{
				{Scope: sc},
				{Scope: sc, Limit: 1},
				{Scope: sc, Status: ticket.StatusOpen},
				{Scope: sc, Status: ticket.StatusClosed},
				{Scope: sc, View: ticket.ViewShared},
				{Scope: sc, View: ticket.ViewMine, Sort: ticket.SortID},
				{Scope: sc, RatedByMe: true},
				{Scope: sc, WaitingOnCustomer: true},
				{Scope: sc, Q: "invoice"},
				{Scope: sc, Q: "printer"},
				{Scope: sc, Sort: ticket.SortCreated, Asc: true},
				{Scope: ticket.Scope{ContactID: me.ID}},
			}
			// read reads the view's pages, one after another.
			read := func(db *store.DB, f ticket.CustomerFilter) string {
				t.Helper()
				out := ""
				for {
					page, err := db.CustomerTickets(ctx, f)
					if err != nil {
						t.Fatalf("%+v: %v", f, err)
					}
					out += fmt.Sprintf("%d:", page.Total)
					for _, it := range page.Items {
						out += fmt.Sprintf(" %s/%s/%s/%s/%s", it.Subject, it.Status, it.StageName, it.RequesterName, it.CompanyName)
					}
					if page.NextCursor == "" {
						return out
					}
					f.Cursor, out = page.NextCursor, out+" | "
				}
			}
			// open reads a ticket as the customer opens it.
			open := func(db *store.DB, sc ticket.Scope, id int64) string {
				t.Helper()
				d, err := db.CustomerDetail(ctx, sc, id)
				if apperr.Is(err, apperr.NotFound) {
					return "not found"
				}
				if err != nil {
					t.Fatal(err)
				}
				out := fmt.Sprintf("%s/%s/%s/%s/%s", d.Subject, d.Status, d.StageName, d.RequesterName, d.CompanyName)
				if d.Owner != nil {
					out += "/owner " + d.Owner.Display(portal.OwnerFullName)
				}
				for _, m := range d.Messages {
					out += " | " + m.Body
				}
				if d.Rating != nil {
					out += fmt.Sprintf(" | rated %d", d.Rating.Score)
				}
				return out
			}
			// readAll reads every view, and each ticket as three customers.
			readAll := func(db *store.DB) []string {
				var out []string
				for _, f := range views {
					out = append(out, fmt.Sprintf("view %+v: %s", f, read(db, f)))
				}
				for _, sc := range []ticket.Scope{sc, {ContactID: me.ID}, {ContactID: colleague.ID, CompanyID: co.ID}} {
					for _, id := range []int64{mine.ID, theirs.ID, firstColleague.ID} {
						out = append(out, fmt.Sprintf("ticket %d as %+v: %s", id, sc, open(db, sc, id)))
					}
				}
				return out
			}
			in.agree("start", readAll)
			first := read(a, views[0])

			in.apply([]change{
				{"a colleague opens a ticket", func(db *store.DB) error {
					newTicket(t, db, "Printer on fire", colleague)
					return nil
				}},
				{"a ticket of another company is shared with me", func(db *store.DB) error {
					return db.ShareTicket(ctx, theirs.ID, stranger.ID, []int64{me.ID})
				}},
				{"the shared ticket is renamed", func(db *store.DB) error {
					return updateTicket(ctx, db, theirs.ID, func(tk *ticket.Ticket) { tk.Subject = "Invoice still missing" })
				}},
				{"an agent answers my ticket", func(db *store.DB) error {
					return db.CreateMessage(ctx, &ticket.Message{TicketID: mine.ID, Author: ticket.Author{Type: ticket.AuthorAgent, ID: &ag.ID},
						Body: "Which invoice do you mean?", Channel: ticket.ChannelPortal, CreatedAt: db.Now()})
				}},
				{"the agent takes my ticket", func(db *store.DB) error {
					return updateTicket(ctx, db, mine.ID, func(tk *ticket.Ticket) { tk.OwnerID = &ag.ID })
				}},
				{"the agent is renamed, by hand in the database", func(*store.DB) error {
					raw.exec("UPDATE agents SET name = ? WHERE id = ?", "Barbara Liskov", ag.ID)
					// The other instance reads agents (the settings) again
					// within a second.
					time.Sleep(1100 * time.Millisecond)
					return nil
				}},
				{"an internal note", func(db *store.DB) error {
					return db.CreateMessage(ctx, &ticket.Message{TicketID: mine.ID, Author: ticket.Author{Type: ticket.AuthorAgent, ID: &ag.ID},
						Body: "invoice printer", Internal: true, Channel: ticket.ChannelPortal, CreatedAt: db.Now()})
				}},
				{"the stranger changes name", func(db *store.DB) error {
					stranger.LastName = "Turing-Smith"
					return db.UpdateContact(ctx, stranger)
				}},
				{"a colleague changes name", func(db *store.DB) error {
					colleague.FirstName = "Rear Admiral Grace"
					return db.UpdateContact(ctx, colleague)
				}},
				{"my company is renamed", func(db *store.DB) error {
					co.Name = "Nordlys AS"
					return db.UpdateCompany(ctx, co)
				}},
				{"the other company is renamed", func(db *store.DB) error {
					other.Name = "Elsewhere Ltd"
					return db.UpdateCompany(ctx, other)
				}},
				{"I rate my ticket", func(db *store.DB) error {
					return db.UpsertRating(ctx, &ticket.Rating{TicketID: mine.ID, ContactID: &me.ID, Score: 4, CreatedAt: db.Now(), UpdatedAt: db.Now()})
				}},
				{"the first stage becomes a closed one", func(db *store.DB) error {
					p := supportPipeline(t, db)
					p.Stages[0].State, p.Stages[0].Name, p.Stages[0].WaitingForAcceptance = ticket.StatusClosed, "Parked", false
					if err := db.UpdateStages(ctx, &p); err != nil {
						return err
					}
					// Which tickets a view holds follows at once; the other
					// instance reads the stages' names (the settings) again
					// within a second.
					time.Sleep(1100 * time.Millisecond)
					return nil
				}},
				{"my ticket moves to a colleague", func(db *store.DB) error {
					return updateTicket(ctx, db, mine.ID, func(tk *ticket.Ticket) { tk.RequesterID = colleague.ID })
				}},
				{"the other company is deleted", func(db *store.DB) error {
					return db.DeleteCompany(ctx, other.ID)
				}},
			}, readAll)
			if last := read(a, views[0]); last == first {
				t.Errorf("the changes left the list as it was: %s", last)
			}
			if got := read(a, ticket.CustomerFilter{Scope: sc, View: ticket.ViewShared}); !slices.Contains([]string{"1: Invoice still missing/open/New/Alan Turing-Smith/", "1: Invoice still missing/closed/Parked/Alan Turing-Smith/"}, got) {
				t.Errorf("shared view at the end: %s", got)
			}
		})
	}
}

// updateTicket changes a ticket as the services do: read, edit, write
// with a new updated_at.
func updateTicket(ctx context.Context, db *store.DB, id int64, edit func(*ticket.Ticket)) error {
	tk, err := db.Ticket(ctx, id)
	if err != nil {
		return err
	}
	edit(tk)
	tk.UpdatedAt = db.Now()
	return db.UpdateTicket(ctx, tk)
}

// TestAccountSessionsFollowChanges: a signed-in customer's account is kept
// and reused (SQLite), yet every change to it, its identities or their
// contacts and companies shows at the next request, on every instance:
// after each change, two instances that read the session before agree
// with one that never did.
func TestAccountSessionsFollowChanges(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			in := newInstances(t, engine)
			a, raw := in.a, in.raw
			co := newCompany(t, a, "Nordlys", nil)
			other := newCompany(t, a, "Elsewhere", nil)
			me := newContact(t, a, "Ada", "Lovelace", &co.ID)
			second := newContact(t, a, "Ada", "Byron", &other.ID)
			acc := &account.Account{Login: "ada@example.com", LoginKind: "email", DisplayName: "Ada", Language: "en"}
			if err := a.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			if err := a.LinkIdentity(ctx, acc.ID, me.ID); err != nil {
				t.Fatal(err)
			}
			hash := []byte("token-hash-of-ada")
			sess := &auth.Session{Kind: auth.KindCustomer, PortalID: 1, AccountID: acc.ID, ActiveContactID: me.ID,
				CreatedAt: a.Now(), LastSeenAt: a.Now(), ExpiresAt: a.Now().Add(time.Hour)}
			if err := a.CreateSession(ctx, sess, hash, auth.Client{}); err != nil {
				t.Fatal(err)
			}
			read := func(db *store.DB) string {
				t.Helper()
				s, got, err := db.AccountSessionByToken(ctx, hash)
				if apperr.Is(err, apperr.NotFound) {
					return "signed out"
				}
				if err != nil {
					t.Fatal(err)
				}
				out := fmt.Sprintf("session %d acting as %d; %s %s %q %s locked=%v must-change=%v hash=%s", s.ID, s.ActiveContactID,
					got.Login, got.DisplayName, got.Language, got.AvatarKey, got.Locked, got.MustChangePassword, got.PasswordHash)
				for _, id := range got.Identities {
					out += fmt.Sprintf(" | %d %s %v %s", id.ContactID, id.Name, deref(id.CompanyID), id.Company)
				}
				return out
			}
			readOne := func(db *store.DB) []string { return []string{read(db)} }
			in.agree("start", readOne)
			first := read(a)
			in.apply([]change{
				{"the account is locked", func(db *store.DB) error { return db.SetAccountLocked(ctx, acc.ID, true) }},
				{"the account is unlocked", func(db *store.DB) error { return db.SetAccountLocked(ctx, acc.ID, false) }},
				{"the profile changes", func(db *store.DB) error {
					acc.DisplayName, acc.Language = "Countess", "sv"
					return db.UpdateAccountProfile(ctx, acc)
				}},
				{"a new password", func(db *store.DB) error { return db.SetPassword(ctx, acc.ID, "new-hash") }},
				{"a new picture", func(db *store.DB) error { return db.SetAccountAvatar(ctx, acc.ID, "avatars/ada.png") }},
				{"the contact is renamed", func(db *store.DB) error {
					me.LastName = "King"
					return db.UpdateContact(ctx, me)
				}},
				{"the company is renamed", func(db *store.DB) error {
					co.Name = "Nordlys AS"
					return db.UpdateCompany(ctx, co)
				}},
				{"a second identity is linked", func(db *store.DB) error { return db.LinkIdentity(ctx, acc.ID, second.ID) }},
				{"the second identity's company is renamed", func(db *store.DB) error {
					other.Name = "Elsewhere Ltd"
					return db.UpdateCompany(ctx, other)
				}},
				{"the contact moves to the other company", func(db *store.DB) error {
					me.CompanyID = &other.ID
					return db.UpdateContact(ctx, me)
				}},
				{"the second identity is unlinked", func(db *store.DB) error { return db.UnlinkIdentity(ctx, acc.ID, second.ID) }},
				{"the account is locked by hand in the database", func(*store.DB) error {
					raw.exec("UPDATE accounts SET locked = TRUE WHERE id = ?", acc.ID)
					return nil
				}},
				{"the session ends", func(db *store.DB) error { return db.DeleteSession(ctx, hash) }},
			}, readOne)
			if last := read(a); last != "signed out" || first == last {
				t.Errorf("at the end: %s", last)
			}
		})
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
