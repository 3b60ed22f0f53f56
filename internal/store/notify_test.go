package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/delivery"
	"portico/internal/notify"
	"portico/internal/pipeline"
	"portico/internal/store"
	"portico/internal/ticket"
)

// notification queues a notification for agent a about tk.
func notification(t testing.TB, db *store.DB, agentID, ticketID int64, key string) *delivery.Delivery {
	t.Helper()
	d := &delivery.Delivery{Kind: delivery.Notification, To: "agent@example.com", Subject: key, Body: key,
		Payload:  notify.Content{Kind: ticket.NoticeCustomerReply, Subject: "Printer", Actor: "Ada", Text: "It smokes " + key}.Payload(),
		TicketID: &ticketID, AgentID: &agentID, IdempotencyKey: key}
	if err := db.CreateDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func recipientIDs(rs []ticket.AgentRecipient) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestFollowingAgents(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, _ *clock) {
		ctx := t.Context()
		svc := notify.NewService(db)
		inboxes, err := db.Inboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		support := inboxes[0].ID
		billing := &pipeline.Inbox{Name: "Billing"}
		if err := db.CreateInbox(ctx, billing); err != nil {
			t.Fatal(err)
		}
		owner := newAgent(t, db, "owner@example.com")
		watcher := newAgent(t, db, "watcher@example.com")
		quiet := newAgent(t, db, "quiet@example.com")
		locked := newAgent(t, db, "locked@example.com")
		elsewhere := newAgent(t, db, "elsewhere@example.com")
		newAgent(t, db, "idle@example.com")
		for a, s := range map[int64]notify.Settings{
			owner.ID:     {Email: true, InboxIDs: []int64{support}},
			watcher.ID:   {Email: true, InboxIDs: []int64{support, billing.ID}},
			quiet.ID:     {Email: false, InboxIDs: []int64{support}},
			locked.ID:    {Email: true, InboxIDs: []int64{support}},
			elsewhere.ID: {Email: true, InboxIDs: []int64{billing.ID}},
		} {
			if _, err := svc.SetSettings(ctx, a, s); err != nil {
				t.Fatal(err)
			}
		}
		raw.exec("UPDATE agents SET locked = TRUE WHERE id = ?", locked.ID)

		got, err := db.FollowingAgents(ctx, support, &owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ids := recipientIDs(got); !slices.Equal(ids, []int64{owner.ID, watcher.ID, quiet.ID}) {
			t.Errorf("support with its owner watching = %v, want owner, watcher and quiet once each", ids)
		}
		for _, r := range got {
			if r.ByEmail != (r.ID != quiet.ID) {
				t.Errorf("%s wants email: %v", r.Email, r.ByEmail)
			}
			if r.Email == "" || r.Name == "" {
				t.Errorf("recipient without an address or name: %+v", r)
			}
		}
		got, err = db.FollowingAgents(ctx, billing.ID, &locked.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ids := recipientIDs(got); !slices.Equal(ids, []int64{watcher.ID, elsewhere.ID}) {
			t.Errorf("billing owned by a locked agent = %v", ids)
		}
		got, err = db.FollowingAgents(ctx, billing.ID+100, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("an inbox nobody watches = %v, %v", got, err)
		}
	})
}

func TestNotificationSettings(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		svc := notify.NewService(db)
		a := newAgent(t, db, "agent@example.com")
		s, err := svc.Settings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Email || len(s.InboxIDs) != 0 {
			t.Errorf("a new agent's settings = %+v, want email and no inboxes", s)
		}
		inboxes, _ := db.Inboxes(ctx)
		billing := &pipeline.Inbox{Name: "Billing"}
		if err := db.CreateInbox(ctx, billing); err != nil {
			t.Fatal(err)
		}
		want := []int64{inboxes[0].ID, billing.ID}
		if _, err := svc.SetSettings(ctx, a.ID, notify.Settings{InboxIDs: []int64{billing.ID, inboxes[0].ID, billing.ID}}); err != nil {
			t.Fatal(err)
		}
		s, _ = svc.Settings(ctx, a.ID)
		if s.Email || !slices.Equal(s.InboxIDs, want) {
			t.Errorf("settings = %+v, want no email and inboxes %v", s, want)
		}
		_, err = svc.SetSettings(ctx, a.ID, notify.Settings{Email: true, InboxIDs: []int64{billing.ID + 1}})
		wantKind(t, err, apperr.Invalid)
		if s, _ = svc.Settings(ctx, a.ID); s.Email || !slices.Equal(s.InboxIDs, want) {
			t.Errorf("a refused change changed the settings to %+v", s)
		}
		if _, err := svc.SetSettings(ctx, a.ID, notify.Settings{Email: true}); err != nil {
			t.Fatal(err)
		}
		if s, _ = svc.Settings(ctx, a.ID); !s.Email || len(s.InboxIDs) != 0 {
			t.Errorf("settings = %+v, want email and no inboxes", s)
		}
		_, err = svc.Settings(ctx, a.ID+100)
		wantKind(t, err, apperr.NotFound)
		_, err = svc.SetSettings(ctx, a.ID+100, notify.Settings{Email: true})
		wantKind(t, err, apperr.NotFound)
	})
}

func TestNotificationsReadState(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		svc := notify.NewService(db)
		tk := newTicket(t, db, "Printer", newContact(t, db, "Ada", "", nil))
		mine := newAgent(t, db, "mine@example.com")
		theirs := newAgent(t, db, "theirs@example.com")
		var ids []int64 // mine, oldest first
		for i := range 5 {
			clk.Add(time.Second)
			ids = append(ids, notification(t, db, mine.ID, tk.ID, fmt.Sprintf("mine-%d", i)).ID)
			if i < 2 {
				notification(t, db, theirs.ID, tk.ID, fmt.Sprintf("theirs-%d", i))
			}
		}
		// An email to the same agent is no notification.
		email := &delivery.Delivery{Kind: delivery.Email, To: "mine@example.com", Subject: "Mail", AgentID: &mine.ID, IdempotencyKey: "mail"}
		if err := db.CreateDelivery(ctx, email); err != nil {
			t.Fatal(err)
		}

		unread := func(a int64) int {
			t.Helper()
			n, err := svc.Unread(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		list := func(f notify.Filter) []int64 {
			t.Helper()
			var out []int64
			for {
				page, err := svc.Notifications(ctx, mine.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range page.Items {
					out = append(out, n.ID)
				}
				if page.NextCursor == "" {
					return out
				}
				f.Cursor = page.NextCursor
			}
		}
		newestFirst := slices.Clone(ids)
		slices.Reverse(newestFirst)
		if got := list(notify.Filter{Limit: 2}); !slices.Equal(got, newestFirst) {
			t.Errorf("pages of 2 = %v, want %v", got, newestFirst)
		}
		page, err := svc.Notifications(ctx, mine.ID, notify.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := page.Items[0]
		if n.Kind != ticket.NoticeCustomerReply || n.Subject != "Printer" || n.Actor != "Ada" || n.Text != "It smokes mine-4" ||
			n.TicketID == nil || *n.TicketID != tk.ID || n.Read || !n.CreatedAt.Equal(clk.Now()) {
			t.Errorf("newest notification = %+v", n)
		}
		if unread(mine.ID) != 5 || unread(theirs.ID) != 2 {
			t.Fatalf("unread = %d and %d, want 5 and 2", unread(mine.ID), unread(theirs.ID))
		}

		// Another agent's notification is not there to be opened.
		theirsPage, _ := svc.Notifications(ctx, theirs.ID, notify.Filter{})
		_, err = svc.Open(ctx, mine.ID, theirsPage.Items[0].ID)
		wantKind(t, err, apperr.NotFound)
		_, err = svc.Open(ctx, mine.ID, email.ID)
		wantKind(t, err, apperr.NotFound)

		opened, err := svc.Open(ctx, mine.ID, ids[2])
		if err != nil {
			t.Fatal(err)
		}
		if !opened.Read || opened.TicketID == nil || *opened.TicketID != tk.ID {
			t.Errorf("opened = %+v", opened)
		}
		if _, err := svc.Open(ctx, mine.ID, ids[2]); err != nil {
			t.Errorf("opening again: %v", err)
		}
		if unread(mine.ID) != 4 {
			t.Errorf("unread after opening one = %d", unread(mine.ID))
		}
		want := []int64{ids[4], ids[3], ids[1], ids[0]}
		if got := list(notify.Filter{Unread: true, Limit: 3}); !slices.Equal(got, want) {
			t.Errorf("unread ones = %v, want %v", got, want)
		}

		// Marking all read stops at the newest the agent was shown.
		n2, err := svc.ReadAll(ctx, mine.ID, ids[3])
		if err != nil || n2 != 3 {
			t.Errorf("read all up to %d = %d, %v; want 3", ids[3], n2, err)
		}
		if got := list(notify.Filter{Unread: true}); !slices.Equal(got, []int64{ids[4]}) {
			t.Errorf("unread after reading all = %v", got)
		}
		if unread(theirs.ID) != 2 {
			t.Errorf("another agent's notifications were read: %d unread", unread(theirs.ID))
		}
		if d := logged(t, db, ids[0]); d.Status != delivery.Read {
			t.Errorf("a read notification's delivery is %s", d.Status)
		}
		if d := logged(t, db, email.ID); d.Status != delivery.Pending {
			t.Errorf("the email became %s", d.Status)
		}

		_, err = svc.Notifications(ctx, mine.ID, notify.Filter{Cursor: "nonsense"})
		wantKind(t, err, apperr.Invalid)

		// The count stops at the cap.
		busy := newAgent(t, db, "busy@example.com")
		for i := range notify.UnreadCap + 3 {
			notification(t, db, busy.ID, tk.ID, fmt.Sprintf("busy-%d", i))
		}
		if got := unread(busy.ID); got != notify.UnreadCap {
			t.Errorf("unread of a busy agent = %d, want the cap %d", got, notify.UnreadCap)
		}
	})
}

func TestAccountLanguage(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		with := newContact(t, db, "Signed", "Up", nil)
		without := newContact(t, db, "No", "Account", nil)
		acc := &account.Account{Login: "signed@example.com", LoginKind: "email", Language: "sv"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		if err := db.LinkIdentity(ctx, acc.ID, with.ID); err != nil {
			t.Fatal(err)
		}
		if lang, ok, err := db.AccountLanguage(ctx, with.ID); lang != "sv" || !ok || err != nil {
			t.Errorf("with an account = %q, %v, %v", lang, ok, err)
		}
		if lang, ok, err := db.AccountLanguage(ctx, without.ID); lang != "" || ok || err != nil {
			t.Errorf("without an account = %q, %v, %v", lang, ok, err)
		}
	})
}
