package ticket_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/notify"
	"portico/internal/pipeline"
	"portico/internal/ticket"
)

// deliveries is the whole delivery log, oldest first.
func (w *world) deliveries() []delivery.Delivery {
	w.t.Helper()
	var out []delivery.Delivery
	f := delivery.Filter{Limit: 100}
	for {
		page, err := w.db.Deliveries(w.ctx, f)
		w.must(err)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	slices.Reverse(out)
	return out
}

// since is the deliveries queued after the first n of the log.
func (w *world) since(n int) []delivery.Delivery {
	w.t.Helper()
	return w.deliveries()[n:]
}

// agent adds an agent who watches inboxes and wants email or not.
func (w *world) agent(name string, byEmail bool, inboxes ...int64) *agent.Agent {
	w.t.Helper()
	a := &agent.Agent{Email: strings.ToLower(name) + "@example.com", Name: name, Role: agent.RoleAgent}
	w.must(w.db.CreateAgent(w.ctx, a))
	_, err := notify.NewService(w.db).SetSettings(w.ctx, a.ID, notify.Settings{Email: byEmail, InboxIDs: inboxes})
	w.must(err)
	return a
}

// customer adds a contact at Acme with an email address and phone number
// ("" for none).
func (w *world) customer(first, email, phone string) *contact.Contact {
	w.t.Helper()
	c := &contact.Contact{FirstName: first, LastName: "Doe", CompanyID: &w.acme.ID, Language: "en"}
	if email != "" {
		c.Email = &email
	}
	if phone != "" {
		c.Phone = &phone
	}
	w.must(w.db.CreateContact(w.ctx, c))
	return c
}

// told counts what each agent was sent about ticket id: notifications and
// emails.
type told struct{ notes, emails int }

func toldAgents(ds []delivery.Delivery, id int64) map[int64]told {
	out := map[int64]told{}
	for _, d := range ds {
		if d.AgentID == nil || d.TicketID == nil || *d.TicketID != id {
			continue
		}
		c := out[*d.AgentID]
		switch d.Kind {
		case delivery.Notification:
			c.notes++
		case delivery.Email:
			c.emails++
		}
		out[*d.AgentID] = c
	}
	return out
}

// desk is what agent a's notifications say, newest first.
func (w *world) desk(a *agent.Agent) []notify.Notification {
	w.t.Helper()
	page, err := notify.NewService(w.db).Notifications(w.ctx, a.ID, notify.Filter{Limit: 100})
	w.must(err)
	return page.Items
}

// toCustomers are the deliveries to no agent.
func toCustomers(ds []delivery.Delivery) []delivery.Delivery {
	var out []delivery.Delivery
	for _, d := range ds {
		if d.AgentID == nil {
			out = append(out, d)
		}
	}
	return out
}

func TestAgentNotifications(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		inboxes, err := w.db.Inboxes(w.ctx)
		w.must(err)
		support := inboxes[0].ID
		billing := &pipeline.Inbox{Name: "Billing"}
		w.must(w.db.CreateInbox(w.ctx, billing))
		_, err = notify.NewService(w.db).SetSettings(w.ctx, w.bob.ID, notify.Settings{Email: true, InboxIDs: []int64{support}})
		w.must(err)
		carol := w.agent("Carol", true, support)
		dave := w.agent("Dave", false, support, billing.ID)
		erin := w.agent("Erin", true, billing.ID)
		sc := w.scope(w.company, w.ada)
		everyone := map[int64]told{w.bob.ID: {1, 1}, carol.ID: {1, 1}, dave.ID: {1, 0}}

		n := len(w.deliveries())
		tk, err := w.svc.CreateCustomerTicket(w.ctx, sc, w.company, ticket.NewTicket{Subject: "Broken screen", Body: "It is black"})
		w.must(err)
		ds := w.since(n)
		if got := toldAgents(ds, tk.ID); !mapsEqual(got, everyone) {
			t.Errorf("a new portal ticket told %v, want its inbox's watchers once each, email as they chose: %v", got, everyone)
		}
		var keys []string
		for _, d := range ds {
			keys = append(keys, d.IdempotencyKey)
		}
		for _, a := range []*agent.Agent{w.bob, carol, dave} {
			got := w.desk(a)[0].Content
			if want := (notify.Content{Kind: ticket.NoticeNewTicket, Subject: "Broken screen", Actor: "Ada Lovelace", Text: "It is black"}); got != want {
				t.Errorf("%s's notification = %+v, want %+v", a.Name, got, want)
			}
		}
		slices.Sort(keys)
		if len(slices.Compact(keys)) != len(ds) {
			t.Errorf("idempotency keys repeat: %v", keys)
		}
		if len(toCustomers(ds)) != 0 {
			t.Errorf("the customer was told of their own ticket: %+v", toCustomers(ds))
		}

		// A draft is news only once it is sent.
		n = len(w.deliveries())
		draft, err := w.svc.CreateCustomerTicket(w.ctx, sc, w.company, ticket.NewTicket{Subject: "Later", Body: "Draft body", Draft: true})
		w.must(err)
		if ds := w.since(n); len(ds) != 0 {
			t.Errorf("a draft told %d deliveries", len(ds))
		}
		_, err = w.svc.SubmitDraft(w.ctx, sc, draft.ID)
		w.must(err)
		ds = w.since(n)
		if got := toldAgents(ds, draft.ID); !mapsEqual(got, everyone) {
			t.Errorf("a sent draft told %v, want %v", got, everyone)
		}
		if got := w.desk(carol)[0]; got.Text != "Draft body" || *got.TicketID != draft.ID {
			t.Errorf("a sent draft's notification = %+v", got)
		}

		// A ticket opened through the API is no portal ticket.
		n = len(w.deliveries())
		api := w.open(w.ada, "By API", "Hello")
		if ds := w.since(n); len(ds) != 0 {
			t.Errorf("an API ticket told %d deliveries", len(ds))
		}

		// A customer's reply: the owner, who also watches, is told once.
		w.update(tk.ID, ticket.Update{OwnerID: ticket.Field[int64]{Set: true, Value: &w.bob.ID}})
		n = len(w.deliveries())
		_, err = w.svc.CustomerReply(w.ctx, sc, w.company, tk.ID, ticket.NewMessage{Body: "Still black"})
		w.must(err)
		ds = w.since(n)
		if got := toldAgents(ds, tk.ID); !mapsEqual(got, everyone) {
			t.Errorf("a customer's reply told %v, want %v", got, everyone)
		}
		for _, d := range ds {
			if d.Kind == delivery.Email && (d.Subject == "" || !strings.Contains(d.Body, "Still black")) {
				t.Errorf("reply email = %q / %q", d.Subject, d.Body)
			}
		}
		if got := w.desk(dave)[0].Content; got.Kind != ticket.NoticeCustomerReply || got.Text != "Still black" || got.Actor != "Ada Lovelace" {
			t.Errorf("reply notification = %+v", got)
		}
		// Through any channel, to an unowned ticket of another inbox.
		mail := w.open(w.ada, "Invoice", "", func(in *ticket.NewTicket) { in.InboxID = &billing.ID })
		n = len(w.deliveries())
		_, err = w.svc.AddContactMessage(w.ctx, w.ada.ID, ticket.MessageEmail, mail.ID, ticket.NewMessage{Body: "Paid"})
		w.must(err)
		if got, want := toldAgents(w.since(n), mail.ID), map[int64]told{dave.ID: {1, 0}, erin.ID: {1, 1}}; !mapsEqual(got, want) {
			t.Errorf("a reply in billing told %v, want %v", got, want)
		}

		// What agents write tells no agent.
		n = len(w.deliveries())
		w.reply(tk.ID, "We are on it", false)
		w.reply(tk.ID, "Between us", true)
		w.reply(api.ID, "Hi", false)
		if got := toldAgents(w.since(n), tk.ID); len(got) != 0 {
			t.Errorf("agents' messages told agents: %v", got)
		}

		// Whoever caused the news is not told of it.
		n = len(w.deliveries())
		byCarol, err := w.svc.Create(w.ctx, event.Actor{Type: event.ActorAgent, ID: carol.ID},
			ticket.NewTicket{Subject: "Taken down for Ada", RequesterID: w.ada.ID, Source: ticket.SourcePortal})
		w.must(err)
		if got, want := toldAgents(w.since(n), byCarol.ID), map[int64]told{w.bob.ID: {1, 1}, dave.ID: {1, 0}}; !mapsEqual(got, want) {
			t.Errorf("a ticket Carol opened told %v, want %v", got, want)
		}

		// A rating and its change are told to the owner and watchers.
		w.moveTo(tk.ID, stageClosed)
		n = len(w.deliveries())
		_, err = w.svc.Rate(w.ctx, sc, tk.ID, 2, "Slow")
		w.must(err)
		_, err = w.svc.Rate(w.ctx, sc, tk.ID, 4, "Fine after all")
		w.must(err)
		ds = w.since(n)
		twice := map[int64]told{w.bob.ID: {2, 2}, carol.ID: {2, 2}, dave.ID: {2, 0}}
		if got := toldAgents(ds, tk.ID); !mapsEqual(got, twice) {
			t.Errorf("a rating and its change told %v, want %v", got, twice)
		}
		notes := w.desk(carol)
		if got, want := notes[0].Content, (notify.Content{Kind: ticket.NoticeRatingChanged, Subject: "Broken screen",
			Actor: "Ada Lovelace", Text: "Fine after all", Score: 4}); got != want {
			t.Errorf("rating change notification = %+v, want %+v", got, want)
		}
		if got := notes[1].Content; got.Kind != ticket.NoticeRating || got.Score != 2 || got.Text != "Slow" {
			t.Errorf("rating notification = %+v", got)
		}
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestCustomerNotifications(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		svc := w.svc.WithBaseURL(func() string { return "https://help.example/" })
		eve := w.customer("Eve", "eve@example.com", "")
		pat := w.customer("Pat", "", "+46701234567")
		sam := w.customer("Sam", "sam@example.com", "+46701234568")
		nia := w.customer("Nia", "", "")
		acc := &account.Account{Login: "eve@example.com", LoginKind: "email", Language: "sv"}
		w.must(w.db.CreateAccount(w.ctx, acc))
		w.must(w.db.LinkIdentity(w.ctx, acc.ID, eve.ID))

		reply := func(id int64, body string, internal bool) {
			t.Helper()
			_, err := svc.AddAgentMessage(w.ctx, w.bob.ID, ticket.MessageDesk, id, ticket.NewMessage{Body: body, Internal: internal})
			w.must(err)
		}
		opened := func(c *contact.Contact, channel string) *ticket.Ticket {
			return w.open(c, c.FirstName+"'s problem", "Help", func(in *ticket.NewTicket) { in.ReplyChannel = &channel })
		}
		for _, tt := range []struct {
			name     string
			who      *contact.Contact
			channel  string
			kind, to string // "" for nothing
		}{
			{"email to an address", eve, ticket.ChannelEmail, delivery.Email, "eve@example.com"},
			{"SMS to a phone", sam, ticket.ChannelSMS, delivery.SMS, "+46701234568"},
			{"email falls back to SMS", pat, ticket.ChannelEmail, delivery.SMS, "+46701234567"},
			{"SMS falls back to email", eve, ticket.ChannelSMS, delivery.Email, "eve@example.com"},
			{"no address at all", nia, ticket.ChannelEmail, "", ""},
			{"the portal only", sam, ticket.ChannelPortal, "", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tk := opened(tt.who, tt.channel)
				n := len(w.deliveries())
				reply(tk.ID, "Between us agents", true)
				if ds := w.since(n); len(ds) != 0 {
					t.Fatalf("an internal note was told: %+v", ds)
				}
				reply(tk.ID, "Try turning it off and on", false)
				ds := toCustomers(w.since(n))
				if tt.kind == "" {
					if len(ds) != 0 {
						t.Fatalf("told %+v, want nothing", ds)
					}
					return
				}
				if len(ds) != 1 {
					t.Fatalf("told %d deliveries, want 1: %+v", len(ds), ds)
				}
				d := ds[0]
				if d.Kind != tt.kind || d.To != tt.to || d.TicketID == nil || *d.TicketID != tk.ID || d.AgentID != nil {
					t.Errorf("delivery = %s to %s, want %s to %s", d.Kind, d.To, tt.kind, tt.to)
				}
				if strings.Contains(d.Subject+d.Body, "Between us") {
					t.Errorf("the note leaked: %q %q", d.Subject, d.Body)
				}
				if d.Kind == delivery.Email && !strings.Contains(d.Body, "Try turning it off and on") {
					t.Errorf("the email lacks the reply: %q", d.Body)
				}
				link := "https://help.example/support/tickets/" + strconv.FormatInt(tk.ID, 10)
				if hasLink := strings.Contains(d.Body, link); hasLink != (tt.who == eve) {
					t.Errorf("link %s in %q: %v, want it only for a contact with an account", link, d.Body, hasLink)
				}
			})
		}

		t.Run("status changes the customer can see", func(t *testing.T) {
			tk := opened(eve, ticket.ChannelEmail)
			n := len(w.deliveries())
			w.moveTo(tk.ID, stageInProgress)
			w.moveTo(tk.ID, stageWaiting)
			w.update(tk.ID, ticket.Update{Priority: ticket.Field[string]{Set: true, Value: ptr("high")}})
			if ds := w.since(n); len(ds) != 0 {
				t.Fatalf("moves between open stages of a portal that shows open and closed told %+v", ds)
			}
			w.moveTo(tk.ID, stageClosed)
			ds := toCustomers(w.since(n))
			if len(ds) != 1 || ds[0].To != "eve@example.com" || !strings.Contains(ds[0].Subject, "closed") {
				t.Fatalf("closing told %+v", ds)
			}
			p, err := w.db.Portal(w.ctx, "support")
			w.must(err)
			p.ShowCustomStages = true
			w.must(w.db.UpdatePortal(w.ctx, p))
			n = len(w.deliveries())
			w.moveTo(tk.ID, stageInProgress)
			w.moveTo(tk.ID, stageWaiting)
			ds = toCustomers(w.since(n))
			if len(ds) != 2 || !strings.Contains(ds[0].Subject, w.support.Stages[stageInProgress].Name) ||
				!strings.Contains(ds[1].Subject, w.support.Stages[stageWaiting].Name) {
				t.Fatalf("with stages shown, moves told %+v", ds)
			}
			p.ShowCustomStages = false
			w.must(w.db.UpdatePortal(w.ctx, p))
		})

		t.Run("what customers do themselves tells them nothing", func(t *testing.T) {
			tk := opened(eve, ticket.ChannelEmail)
			sc := w.scope(w.permissive(), eve)
			n := len(w.deliveries())
			_, err := svc.CustomerReply(w.ctx, sc, w.permissive(), tk.ID, ticket.NewMessage{Body: "More"})
			w.must(err)
			_, err = svc.CustomerClose(w.ctx, sc, w.permissive(), tk.ID)
			w.must(err)
			_, err = svc.CustomerReply(w.ctx, sc, w.permissive(), tk.ID, ticket.NewMessage{Body: "Reopened"})
			w.must(err)
			if ds := toCustomers(w.since(n)); len(ds) != 0 {
				t.Errorf("the customer was told of their own doing: %+v", ds)
			}
		})
	})
}

// A change and what it tells commit together or not at all.
func TestNotificationsCommitWithTheirCause(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		inboxes, err := w.db.Inboxes(w.ctx)
		w.must(err)
		w.agent("Carol", true, inboxes[0].ID)
		eve := w.customer("Eve", "eve@example.com", "")
		tk := w.open(eve, "Printer", "Help", func(in *ticket.NewTicket) { in.OwnerID = &w.bob.ID })
		broken := ticket.NewService(brokenOutbox{w.db})
		messages := func() int {
			ms, err := w.svc.Messages(w.ctx, tk.ID)
			w.must(err)
			return len(ms)
		}
		before, n := messages(), len(w.deliveries())

		if _, err := broken.AddAgentMessage(w.ctx, w.bob.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: "Public"}); err == nil {
			t.Error("a public reply was stored without telling the customer")
		}
		if _, err := broken.AddContactMessage(w.ctx, eve.ID, ticket.MessagePortal, tk.ID, ticket.NewMessage{Body: "Hello?"}); err == nil {
			t.Error("a customer's reply was stored without telling the agents")
		}
		if messages() != before {
			t.Fatalf("%d messages stored without their notifications", messages()-before)
		}
		if _, err := broken.Update(w.ctx, event.Actor{Type: event.ActorAgent, ID: w.bob.ID}, tk.ID,
			ticket.Update{StageID: &w.support.Stages[stageClosed].ID}); err == nil {
			t.Error("a ticket was closed without telling the customer")
		}
		if got, _ := w.svc.Ticket(w.ctx, tk.ID); got.Status != ticket.StatusOpen {
			t.Errorf("the ticket is %s after a failed close", got.Status)
		}
		if _, err := broken.CreateCustomerTicket(w.ctx, w.scope(w.company, w.ada), w.company, ticket.NewTicket{Subject: "Lost?"}); err == nil {
			t.Error("a portal ticket was opened without telling its inbox's watcher")
		}
		if page, _ := w.svc.Tickets(w.ctx, ticket.Filter{Q: "Lost?"}); page.Total != 0 {
			t.Errorf("%d tickets opened without their notifications", page.Total)
		}
		// A note tells nobody, so a broken outbox does not stop it.
		if _, err := broken.AddAgentMessage(w.ctx, w.bob.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: "Note", Internal: true}); err != nil {
			t.Errorf("an internal note: %v", err)
		}
		if len(w.deliveries()) != n {
			t.Errorf("failed changes left %d deliveries", len(w.deliveries())-n)
		}

		// With a working outbox, each message exists with what it told.
		reply, err := w.svc.AddAgentMessage(w.ctx, w.bob.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: "Public"})
		w.must(err)
		customer, err := w.svc.AddContactMessage(w.ctx, eve.ID, ticket.MessagePortal, tk.ID, ticket.NewMessage{Body: "Hello?"})
		w.must(err)
		ds := w.since(n)
		if reply.ID == 0 || customer.ID == 0 || len(toCustomers(ds)) != 1 || len(toldAgents(ds, tk.ID)) != 2 {
			t.Errorf("after the reply and the customer's answer: %d to the customer, agents told %v",
				len(toCustomers(ds)), toldAgents(ds, tk.ID))
		}
	})
}
