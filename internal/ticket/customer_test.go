package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// clock is the tests' settable time source.
type clock = storetest.Clock

// world is a portal with two customer companies: Ada and Charles work at
// Acme, Grace at Globex, and Ada's account has a second identity at
// Globex. Bob is the agent.
type world struct {
	t       *testing.T
	ctx     context.Context
	db      *store.DB
	svc     *ticket.Service
	clk     *clock
	acme    *contact.Company
	globex  *contact.Company
	ada     *contact.Contact
	charles *contact.Contact
	grace   *contact.Contact
	adaAtGX *contact.Contact // Ada's other identity
	bob     *agent.Agent
	support pipeline.Pipeline
	// own and company are the portal with each ticket permission.
	own, company *portal.Settings
	files        int
}

func eachWorld(t *testing.T, fn func(t *testing.T, w *world)) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			clk := storetest.NewClock()
			db := storetest.Open(t, engine, clk.Now)
			w := &world{t: t, ctx: t.Context(), db: db, svc: ticket.NewService(db), clk: clk}
			w.acme = w.company_("Acme")
			w.globex = w.company_("Globex")
			w.ada = w.contact("Ada", "Lovelace", w.acme)
			w.charles = w.contact("Charles", "Babbage", w.acme)
			w.grace = w.contact("Grace", "Hopper", w.globex)
			w.adaAtGX = w.contact("Ada", "Lovelace", w.globex)
			acc := &account.Account{Login: "ada@example.com", LoginKind: "email", Language: "en"}
			w.must(db.CreateAccount(w.ctx, acc))
			w.must(db.LinkIdentity(w.ctx, acc.ID, w.ada.ID))
			w.must(db.LinkIdentity(w.ctx, acc.ID, w.adaAtGX.ID))
			w.bob = &agent.Agent{Email: "bob@example.com", Name: "Bob van Agent", Alias: "Bobby", Role: agent.RoleAgent}
			w.must(db.CreateAgent(w.ctx, w.bob))
			ps, err := db.Pipelines(w.ctx)
			w.must(err)
			w.support = ps[0]
			for _, d := range []property.Definition{
				{Name: "region", Type: property.SingleSelect, Options: []string{"eu", "us"}, PortalVisible: true},
				{Name: "score", Type: property.Number, Options: []string{}, PortalVisible: true},
				{Name: "internal_code", Type: property.Text, Options: []string{}, PortalVisible: false},
			} {
				d.Label = map[string]string{}
				w.must(db.CreatePropertyDefinition(w.ctx, &d))
			}
			p, err := db.Portal(w.ctx, "support")
			w.must(err)
			own, company := *p, *p
			own.TicketPermission, company.TicketPermission = portal.PermissionOwn, portal.PermissionCompany
			w.own, w.company = &own, &company
			fn(t, w)
		})
	}
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) company_(name string) *contact.Company {
	c := &contact.Company{Name: name}
	w.must(w.db.CreateCompany(w.ctx, c))
	return c
}

func (w *world) contact(first, last string, co *contact.Company) *contact.Contact {
	c := &contact.Contact{FirstName: first, LastName: last, CompanyID: &co.ID, Language: "en"}
	w.must(w.db.CreateContact(w.ctx, c))
	return c
}

// scope is what c sees in portal p.
func (w *world) scope(p *portal.Settings, c *contact.Contact) ticket.Scope {
	return ticket.VisibleTo(p, c.ID, c.CompanyID)
}

func (w *world) file(name string) ticket.Attachment {
	w.files++
	return ticket.Attachment{Key: fmt.Sprintf("blob/%d", w.files), Filename: name, ContentType: "application/octet-stream",
		Size: 10, SHA256: strings.Repeat("0", 64)}
}

// open creates a ticket as its requester would, through the API channel.
func (w *world) open(by *contact.Contact, subject, body string, edit ...func(*ticket.NewTicket)) *ticket.Ticket {
	w.t.Helper()
	in := ticket.NewTicket{Subject: subject, Body: body, RequesterID: by.ID}
	for _, f := range edit {
		f(&in)
	}
	tk, err := w.svc.Create(w.ctx, event.Actor{Type: event.ActorContact, ID: by.ID}, in)
	w.must(err)
	return tk
}

// reply adds Bob's public reply or internal note.
func (w *world) reply(id int64, body string, internal bool, files ...string) *ticket.Message {
	w.t.Helper()
	in := ticket.NewMessage{Body: body, Internal: internal}
	for _, f := range files {
		in.Attachments = append(in.Attachments, w.file(f))
	}
	m, err := w.svc.AddAgentMessage(w.ctx, w.bob.ID, ticket.MessageDesk, id, in)
	w.must(err)
	return m
}

// update changes a ticket as Bob.
func (w *world) update(id int64, in ticket.Update) *ticket.Ticket {
	w.t.Helper()
	tk, err := w.svc.Update(w.ctx, event.Actor{Type: event.ActorAgent, ID: w.bob.ID}, id, in)
	w.must(err)
	return tk
}

func (w *world) moveTo(id int64, stage int) *ticket.Ticket {
	w.t.Helper()
	return w.update(id, ticket.Update{StageID: &w.support.Stages[stage].ID})
}

// Stages of the Support pipeline.
const (
	stageNew = iota // waiting for acceptance
	stageInProgress
	stageWaiting
	stageClosed
)

// list returns the ids of one page of a view.
func (w *world) list(f ticket.CustomerFilter) []int64 {
	w.t.Helper()
	page, err := w.svc.CustomerTickets(w.ctx, f)
	w.must(err)
	return itemIDs(page.Items)
}

// exported returns the ids ExportRows streams for f.
func (w *world) exported(f ticket.CustomerFilter) []int64 {
	w.t.Helper()
	var ids []int64
	w.must(w.svc.ExportRows(w.ctx, f, func(ct ticket.CustomerTicket) error {
		ids = append(ids, ct.ID)
		return nil
	}))
	return ids
}

func itemIDs(items []ticket.CustomerTicket) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func sortedIDs(ids ...int64) []int64 {
	out := append([]int64{}, ids...)
	slices.Sort(out)
	return out
}

func wantKind(t testing.TB, err error, k apperr.Kind) {
	t.Helper()
	if !apperr.Is(err, k) {
		t.Fatalf("error = %v (kind %v), want kind %v", err, apperr.KindOf(err), k)
	}
}

func wantCode(t testing.TB, err error, k apperr.Kind, code string) {
	t.Helper()
	wantKind(t, err, k)
	if e := apperr.As(err); e.Code != code {
		t.Fatalf("error code = %q, want %q", e.Code, code)
	}
}

var allViews = []string{ticket.ViewMine, ticket.ViewShared, ticket.ViewOrganization, ticket.ViewAll, ticket.ViewDrafts}

// outsider is someone who must not see a ticket of Ada's.
type outsider struct {
	name   string
	portal *portal.Settings
	who    *contact.Contact
}

func (w *world) outsiders() []outsider {
	return []outsider{
		{"stranger at another company", w.company, w.grace},
		{"colleague under own permission", w.own, w.charles},
		{"Ada's other identity", w.company, w.adaAtGX},
	}
}

// assertHidden checks that sc finds no trace of ticket id: no detail, no
// attachment, nothing in any list, search, count or export.
func (w *world) assertHidden(t *testing.T, sc ticket.Scope, id int64, attachments []int64, search string) {
	t.Helper()
	_, err := w.svc.CustomerTicket(w.ctx, sc, id)
	wantKind(t, err, apperr.NotFound)
	for _, a := range attachments {
		_, err := w.svc.CustomerAttachment(w.ctx, sc, a)
		wantKind(t, err, apperr.NotFound)
	}
	for _, view := range allViews {
		for _, q := range []string{"", search} {
			f := ticket.CustomerFilter{Scope: sc, View: view, Q: q}
			page, err := w.svc.CustomerTickets(w.ctx, f)
			if view == ticket.ViewOrganization && sc.CompanyID == 0 {
				wantKind(t, err, apperr.Invalid)
				continue
			}
			w.must(err)
			if slices.Contains(itemIDs(page.Items), id) {
				t.Errorf("view %s q %q lists ticket %d", view, q, id)
			}
			if ids := w.exported(f); slices.Contains(ids, id) {
				t.Errorf("export of view %s q %q holds ticket %d", view, q, id)
			}
		}
	}
	figures, err := w.svc.Dashboard(w.ctx, sc, w.clk.Now())
	w.must(err)
	for _, f := range figures {
		if f.Count != 0 {
			t.Errorf("dashboard %s = %d, want 0", f.Key, f.Count)
		}
	}
}

func attachmentIDs(ms ...*ticket.Message) []int64 {
	var out []int64
	for _, m := range ms {
		for _, a := range m.Attachments {
			out = append(out, a.ID)
		}
	}
	return out
}

func TestCustomerReadIsolation(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		tk := w.open(w.ada, "Printer on fire", "The printer smokes", func(in *ticket.NewTicket) {
			in.Attachments = []ticket.Attachment{w.file("photo.png")}
		})
		msgs, err := w.svc.Messages(w.ctx, tk.ID)
		w.must(err)
		first := &msgs[0]
		public := w.reply(tk.ID, "Please unplug it", false, "manual.pdf")
		note := w.reply(tk.ID, "Customer seems upset", true, "internal.pdf")
		w.moveTo(tk.ID, stageInProgress)

		for _, o := range w.outsiders() {
			t.Run(o.name, func(t *testing.T) {
				w.assertHidden(t, w.scope(o.portal, o.who), tk.ID, attachmentIDs(first, public, note), "printer")
			})
		}

		insiders := []outsider{
			{"requester under own", w.own, w.ada},
			{"requester under company", w.company, w.ada},
			{"colleague under company", w.company, w.charles},
		}
		for _, in := range insiders {
			t.Run(in.name, func(t *testing.T) {
				sc := w.scope(in.portal, in.who)
				d, err := w.svc.CustomerTicket(w.ctx, sc, tk.ID)
				w.must(err)
				var bodies []string
				for _, m := range d.Messages {
					bodies = append(bodies, m.Body)
					if m.Internal {
						t.Errorf("internal message %d shown", m.ID)
					}
				}
				if want := []string{"The printer smokes", "Please unplug it"}; !slices.Equal(bodies, want) {
					t.Errorf("messages = %q, want %q", bodies, want)
				}
				for _, a := range attachmentIDs(first, public) {
					if _, err := w.svc.CustomerAttachment(w.ctx, sc, a); err != nil {
						t.Errorf("attachment %d: %v", a, err)
					}
				}
				_, err = w.svc.CustomerAttachment(w.ctx, sc, note.Attachments[0].ID)
				wantKind(t, err, apperr.NotFound)
				if ids := w.list(ticket.CustomerFilter{Scope: sc, Q: "printer"}); !slices.Equal(ids, []int64{tk.ID}) {
					t.Errorf("search lists %v", ids)
				}
				if ids := w.list(ticket.CustomerFilter{Scope: sc, Q: "upset"}); len(ids) != 0 {
					t.Errorf("a search for an internal note's words lists %v", ids)
				}
			})
		}
	})
}

// TestCustomerTicketList covers views, filters, search, sorting and pages.
func TestCustomerTicketList(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		sales := &pipeline.Pipeline{Name: "Sales", Stages: []pipeline.Stage{{Name: "Lead", State: pipeline.Open, Position: 0},
			{Name: "Won", State: pipeline.Closed, Position: 1}}}
		w.must(w.db.CreatePipeline(w.ctx, sales))
		step := func() time.Time { return w.clk.Add(time.Hour) }

		printer := w.open(w.ada, "Printer on fire", "It smokes", func(in *ticket.NewTicket) {
			in.Priority = ptr("high")
			in.OwnerID = &w.bob.ID
			in.Properties = map[string]any{"region": "eu", "score": 10.0, "internal_code": "X-1"}
		})
		tVPN := step()
		vpn := w.open(w.ada, "dropped VPN connection", "The VPN drops every 10 minutes", func(in *ticket.NewTicket) {
			in.Priority = ptr("low")
			in.Properties = map[string]any{"region": "us", "score": 9.0}
		})
		step()
		network := w.open(w.ada, "网络连接失败", "公司网络无法连接", func(in *ticket.NewTicket) {
			in.Properties = map[string]any{"score": 100.0}
		})
		tLaptop := step()
		laptop := w.open(w.charles, "Laptop broken", "Screen is black")
		step()
		invoice := w.open(w.charles, "Invoice question", "Wrong amount")
		w.must(w.db.ShareTicket(w.ctx, invoice.ID, w.charles.ID, []int64{w.ada.ID}))
		step()
		draft := w.open(w.ada, "Unsent draft", "printer", func(in *ticket.NewTicket) { in.Draft = true })
		step()
		w.open(w.grace, "Globex printer", "printer")
		step()
		lead := w.open(w.ada, "Buy more printers", "", func(in *ticket.NewTicket) { in.PipelineID = &sales.ID })
		step()
		w.moveTo(printer.ID, stageClosed)
		tReply := step()
		w.reply(vpn.ID, "Which router do you use?", false)
		w.reply(vpn.ID, "escalated to tier3", true)

		company := w.scope(w.company, w.ada)
		own := w.scope(w.own, w.ada)
		mine := []int64{printer.ID, vpn.ID, network.ID, lead.ID}
		all := append(slices.Clone(mine), laptop.ID, invoice.ID)
		ownAll := append(slices.Clone(mine), invoice.ID)

		tests := []struct {
			name string
			f    ticket.CustomerFilter
			want []int64
		}{
			{"mine", ticket.CustomerFilter{Scope: company, View: ticket.ViewMine}, mine},
			{"shared", ticket.CustomerFilter{Scope: company, View: ticket.ViewShared}, []int64{invoice.ID}},
			{"organization", ticket.CustomerFilter{Scope: company, View: ticket.ViewOrganization}, all},
			{"all", ticket.CustomerFilter{Scope: company, View: ticket.ViewAll}, all},
			{"all by default", ticket.CustomerFilter{Scope: company}, all},
			{"drafts", ticket.CustomerFilter{Scope: company, View: ticket.ViewDrafts}, []int64{draft.ID}},
			{"own: all", ticket.CustomerFilter{Scope: own}, ownAll},
			{"own: mine", ticket.CustomerFilter{Scope: own, View: ticket.ViewMine}, mine},
			{"colleague's drafts are his", ticket.CustomerFilter{Scope: w.scope(w.company, w.charles), View: ticket.ViewDrafts}, nil},
			{"closed", ticket.CustomerFilter{Scope: company, Status: ticket.StatusClosed}, []int64{printer.ID}},
			{"open", ticket.CustomerFilter{Scope: company, Status: ticket.StatusOpen},
				[]int64{vpn.ID, network.ID, laptop.ID, invoice.ID, lead.ID}},
			{"stage", ticket.CustomerFilter{Scope: company, StageID: w.support.Stages[stageClosed].ID}, []int64{printer.ID}},
			{"pipeline", ticket.CustomerFilter{Scope: company, PipelineID: sales.ID}, []int64{lead.ID}},
			{"created range", ticket.CustomerFilter{Scope: company, CreatedFrom: &tVPN, CreatedTo: &tLaptop}, []int64{vpn.ID, network.ID}},
			{"activity since", ticket.CustomerFilter{Scope: company, ActivityFrom: &tReply}, []int64{vpn.ID}},
			{"activity until", ticket.CustomerFilter{Scope: company, ActivityTo: &tVPN}, []int64{printer.ID}},
			{"custom property", ticket.CustomerFilter{Scope: company, Properties: map[string]string{"region": "eu"}}, []int64{printer.ID}},
			{"number property", ticket.CustomerFilter{Scope: company, Properties: map[string]string{"score": "9"}}, []int64{vpn.ID}},
			{"built-in property", ticket.CustomerFilter{Scope: company, Properties: map[string]string{"priority": "low"}}, []int64{vpn.ID}},
			{"stage by name", ticket.CustomerFilter{Scope: company, Properties: map[string]string{"stage": "Lead"}}, []int64{lead.ID}},
			{"search subject", ticket.CustomerFilter{Scope: company, Q: "printer"}, []int64{printer.ID, lead.ID}},
			{"search public message", ticket.CustomerFilter{Scope: company, Q: "drops every"}, []int64{vpn.ID}},
			{"search agent reply", ticket.CustomerFilter{Scope: company, Q: "router"}, []int64{vpn.ID}},
			{"internal notes are not searched", ticket.CustomerFilter{Scope: company, Q: "tier3"}, nil},
			{"short Chinese query", ticket.CustomerFilter{Scope: company, Q: "网络"}, []int64{network.ID}},
			{"search in drafts", ticket.CustomerFilter{Scope: company, View: ticket.ViewDrafts, Q: "printer"}, []int64{draft.ID}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := w.svc.CustomerTickets(w.ctx, tt.f)
				w.must(err)
				if got := sortedIDs(itemIDs(page.Items)...); !slices.Equal(got, sortedIDs(tt.want...)) {
					t.Errorf("ids = %v, want %v", got, sortedIDs(tt.want...))
				}
				if page.Total != len(tt.want) {
					t.Errorf("total = %d, want %d", page.Total, len(tt.want))
				}
				st, err := w.db.CustomerStats(w.ctx, tt.f)
				w.must(err)
				if st.Count != len(tt.want) {
					t.Errorf("count = %d, want %d", st.Count, len(tt.want))
				}
			})
		}

		t.Run("items", func(t *testing.T) {
			page, err := w.svc.CustomerTickets(w.ctx, ticket.CustomerFilter{Scope: company, Status: ticket.StatusClosed})
			w.must(err)
			it := page.Items[0]
			want := ticket.CustomerTicket{ID: printer.ID, Subject: "Printer on fire", Status: ticket.StatusClosed,
				StageID: w.support.Stages[stageClosed].ID, StageName: "Closed", PipelineID: w.support.ID, PipelineName: "Support",
				InboxID: printer.InboxID, RequesterID: w.ada.ID, RequesterName: "Ada Lovelace", CompanyID: &w.acme.ID,
				CompanyName: "Acme", Owner: &ticket.Owner{First: "Bob", Last: "van Agent", Alias: "Bobby"}, Priority: "high",
				ReplyChannel: ticket.ChannelEmail, Properties: map[string]any{"region": "eu", "score": 10.0},
				CreatedAt: printer.CreatedAt, LastActivityAt: printer.LastActivityAt, ClosedAt: it.ClosedAt}
			if it.ClosedAt == nil {
				t.Error("closed ticket without closed_at")
			}
			if !reflect.DeepEqual(it, want) {
				t.Errorf("item =\n%+v\nwant\n%+v", it, want)
			}
			if got := it.Owner.Display(portal.OwnerAlias); got != "Bobby" {
				t.Errorf("alias display = %q", got)
			}
		})

		t.Run("sorting", func(t *testing.T) {
			items := func(f ticket.CustomerFilter) []ticket.CustomerTicket {
				f.Scope, f.Limit = company, 100
				page, err := w.svc.CustomerTickets(w.ctx, f)
				w.must(err)
				return page.Items
			}
			base := items(ticket.CustomerFilter{Sort: ticket.SortID, Asc: true})
			sorts := []struct {
				sort string
				less func(a, b ticket.CustomerTicket) int
			}{
				{"subject", func(a, b ticket.CustomerTicket) int {
					return strings.Compare(strings.ToLower(a.Subject), strings.ToLower(b.Subject))
				}},
				{"created_at", func(a, b ticket.CustomerTicket) int { return a.CreatedAt.Compare(b.CreatedAt) }},
				{"last_activity_at", func(a, b ticket.CustomerTicket) int { return a.LastActivityAt.Compare(b.LastActivityAt) }},
				{"requester", func(a, b ticket.CustomerTicket) int { return strings.Compare(a.RequesterName, b.RequesterName) }},
				{"pipeline", func(a, b ticket.CustomerTicket) int { return strings.Compare(a.PipelineName, b.PipelineName) }},
				{"stage", func(a, b ticket.CustomerTicket) int { return strings.Compare(a.StageName, b.StageName) }},
				{"status", func(a, b ticket.CustomerTicket) int { return strings.Compare(a.Status, b.Status) }},
			}
			for _, s := range sorts {
				for _, asc := range []bool{true, false} {
					want := slices.Clone(base)
					slices.SortStableFunc(want, func(a, b ticket.CustomerTicket) int {
						c := s.less(a, b)
						if c == 0 {
							c = int(a.ID - b.ID)
						}
						if !asc {
							c = -c
						}
						return c
					})
					got := items(ticket.CustomerFilter{Sort: s.sort, Asc: asc})
					if !slices.Equal(itemIDs(got), itemIDs(want)) {
						t.Errorf("sort %s asc=%v: %v, want %v", s.sort, asc, itemIDs(got), itemIDs(want))
					}
				}
			}
			// Empty values come last either way; numbers sort as numbers.
			explicit := []struct {
				sort string
				asc  bool
				want []int64
			}{
				{"priority", false, []int64{printer.ID, vpn.ID, lead.ID, invoice.ID, laptop.ID, network.ID}},
				{"priority", true, []int64{vpn.ID, printer.ID, network.ID, laptop.ID, invoice.ID, lead.ID}},
				{"score", true, []int64{vpn.ID, printer.ID, network.ID, laptop.ID, invoice.ID, lead.ID}},
				{"score", false, []int64{network.ID, printer.ID, vpn.ID, lead.ID, invoice.ID, laptop.ID}},
				{"owner", true, []int64{printer.ID, vpn.ID, network.ID, laptop.ID, invoice.ID, lead.ID}},
				{"closed_at", false, []int64{printer.ID, lead.ID, invoice.ID, laptop.ID, network.ID, vpn.ID}},
				{"id", false, []int64{lead.ID, invoice.ID, laptop.ID, network.ID, vpn.ID, printer.ID}},
			}
			for _, e := range explicit {
				if got := itemIDs(items(ticket.CustomerFilter{Sort: e.sort, Asc: e.asc})); !slices.Equal(got, e.want) {
					t.Errorf("sort %s asc=%v: %v, want %v", e.sort, e.asc, got, e.want)
				}
			}
		})

		t.Run("pages", func(t *testing.T) {
			f := ticket.CustomerFilter{Scope: company, Sort: "subject", Asc: true}
			whole := w.list(ticket.CustomerFilter{Scope: company, Sort: "subject", Asc: true, Limit: 100})
			var walked []int64
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("pages do not end")
				}
				f.Limit = 4
				page, err := w.svc.CustomerTickets(w.ctx, f)
				w.must(err)
				if page.Total != len(all) {
					t.Errorf("total = %d, want %d", page.Total, len(all))
				}
				walked = append(walked, itemIDs(page.Items)...)
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !slices.Equal(walked, whole) {
				t.Errorf("pages = %v, whole list = %v", walked, whole)
			}
			if got := w.exported(ticket.CustomerFilter{Scope: company, Sort: "subject", Asc: true, Limit: 1}); !slices.Equal(got, whole) {
				t.Errorf("export = %v, want the whole list %v", got, whole)
			}
		})

		t.Run("invalid", func(t *testing.T) {
			bad := []ticket.CustomerFilter{
				{Scope: own, View: ticket.ViewOrganization},
				{Scope: company, View: "everything"},
				{Scope: company, Status: "pending"},
				{Scope: company, Sort: "internal_code"},
				{Scope: company, Sort: "inbox"},
				{Scope: company, Sort: "nonsense"},
				{Scope: company, Properties: map[string]string{"internal_code": "X-1"}},
				{Scope: company, Properties: map[string]string{"created_at": "2026-03-02"}},
				{Scope: company, Q: strings.Repeat("x", 201)},
				{Scope: company, Cursor: "not-a-cursor"},
			}
			for _, f := range bad {
				_, err := w.svc.CustomerTickets(w.ctx, f)
				wantKind(t, err, apperr.Invalid)
				err = w.svc.ExportRows(w.ctx, f, func(ticket.CustomerTicket) error { return nil })
				if f.Cursor == "" {
					wantKind(t, err, apperr.Invalid)
				}
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }

func TestQueuePosition(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		other := &pipeline.Inbox{Name: "Billing"}
		w.must(w.db.CreateInbox(w.ctx, other))
		first := w.open(w.ada, "First", "")
		w.clk.Add(time.Minute)
		second := w.open(w.grace, "Second", "")
		third := w.open(w.charles, "Third, same minute", "")
		w.open(w.ada, "Elsewhere", "", func(in *ticket.NewTicket) { in.InboxID = &other.ID })
		w.open(w.ada, "Draft", "", func(in *ticket.NewTicket) { in.Draft = true })
		w.clk.Add(time.Minute)
		moving := w.open(w.ada, "Accepted", "")
		w.moveTo(moving.ID, stageInProgress)

		queue := func(c *contact.Contact, id int64) *ticket.Queue {
			t.Helper()
			d, err := w.svc.CustomerTicket(w.ctx, w.scope(w.own, c), id)
			w.must(err)
			return d.Queue
		}
		check := func(c *contact.Contact, id int64, waiting, position int) {
			t.Helper()
			q := queue(c, id)
			if q == nil || q.Waiting != waiting || q.Position != position {
				t.Errorf("ticket %d: queue %+v, want %d waiting, number %d", id, q, waiting, position)
			}
		}
		check(w.ada, first.ID, 3, 1)
		check(w.grace, second.ID, 3, 2)
		check(w.charles, third.ID, 3, 3)
		if q := queue(w.ada, moving.ID); q != nil {
			t.Errorf("accepted ticket has queue %+v", q)
		}

		// Leaving the queue moves the others up; coming back joins the end.
		w.clk.Add(time.Minute)
		w.moveTo(first.ID, stageInProgress)
		check(w.grace, second.ID, 2, 1)
		check(w.charles, third.ID, 2, 2)
		w.clk.Add(time.Minute)
		w.moveTo(first.ID, stageNew)
		check(w.ada, first.ID, 3, 3)
		check(w.grace, second.ID, 3, 1)
	})
}

func TestDashboard(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		rate := func(tk *ticket.Ticket, by *contact.Contact, score int) {
			now := w.db.Now()
			w.must(w.db.UpsertRating(w.ctx, &ticket.Rating{TicketID: tk.ID, ContactID: &by.ID, Score: score, CreatedAt: now, UpdatedAt: now}))
		}
		old := w.open(w.ada, "Closed long ago", "")
		w.moveTo(old.ID, stageClosed)
		rate(old, w.ada, 2)
		w.clk.Add(30 * 24 * time.Hour)
		recent := w.open(w.ada, "Closed recently", "")
		w.moveTo(recent.ID, stageClosed)
		rate(recent, w.ada, 5)
		w.clk.Add(10 * 24 * time.Hour)

		w.open(w.ada, "In the queue", "")
		answered := w.open(w.ada, "Agent asked", "Help")
		w.moveTo(answered.ID, stageInProgress)
		w.reply(answered.ID, "Which version?", false)
		w.reply(answered.ID, "note to self", true)
		// An automatic message does not answer the agent's question.
		w.must(w.db.CreateMessage(w.ctx, &ticket.Message{TicketID: answered.ID, Author: ticket.Author{Type: ticket.AuthorSystem},
			Body: "Reminder sent", Channel: ticket.MessageAPI, CreatedAt: w.db.Now()}))
		replied := w.open(w.ada, "Customer answered", "Help")
		w.moveTo(replied.ID, stageInProgress)
		w.reply(replied.ID, "Which version?", false)
		if _, err := w.svc.AddContactMessage(w.ctx, w.ada.ID, ticket.MessagePortal, replied.ID, ticket.NewMessage{Body: "2.1"}); err != nil {
			t.Fatal(err)
		}
		w.open(w.ada, "Draft", "", func(in *ticket.NewTicket) { in.Draft = true })
		shared := w.open(w.charles, "Shared with Ada", "")
		w.must(w.db.ShareTicket(w.ctx, shared.ID, w.charles.ID, []int64{w.ada.ID}))
		colleagues := w.open(w.charles, "Charles's own", "")
		w.moveTo(colleagues.ID, stageInProgress)
		w.reply(colleagues.ID, "Which version?", false)
		rate(colleagues, w.charles, 1)
		w.open(w.grace, "Globex", "")

		want := map[string]int{
			ticket.FigureOpen:          5, // in the queue, agent asked, customer answered, shared, Charles's own
			ticket.FigureQueue:         2,
			ticket.FigureWaitingOnMe:   1,
			ticket.FigureClosedRecent:  1,
			ticket.FigureDrafts:        1,
			ticket.FigureShared:        1,
			ticket.FigureAverageRating: 2,
		}
		sc := w.scope(w.company, w.ada)
		figures, err := w.svc.Dashboard(w.ctx, sc, w.clk.Now())
		w.must(err)
		if len(figures) != len(want) {
			t.Fatalf("%d figures, want %d", len(figures), len(want))
		}
		for _, f := range figures {
			if f.Count != want[f.Key] {
				t.Errorf("%s = %d, want %d", f.Key, f.Count, want[f.Key])
			}
			// The figure's link lists exactly what it counts, also once
			// written into a URL and read back.
			parsed, err := ticket.ParseCustomerQuery(f.Filter.Query(), sc)
			w.must(err)
			for _, lf := range []ticket.CustomerFilter{f.Filter, parsed} {
				lf.Limit = 100
				page, err := w.svc.CustomerTickets(w.ctx, lf)
				w.must(err)
				if page.Total != f.Count || len(page.Items) != f.Count {
					t.Errorf("%s: list of %d (total %d) for a figure of %d", f.Key, len(page.Items), page.Total, f.Count)
				}
			}
			if f.Key == ticket.FigureAverageRating && (f.Average == nil || *f.Average != 3.5) {
				t.Errorf("average rating = %v, want 3.5", f.Average)
			}
		}
		waiting := w.list(ticket.CustomerFilter{Scope: sc, View: ticket.ViewMine, Status: ticket.StatusOpen, WaitingOnCustomer: true})
		if !slices.Equal(waiting, []int64{answered.ID}) {
			t.Errorf("waiting on me = %v, want [%d]", waiting, answered.ID)
		}
	})
}

func TestCustomerQueryRoundTrip(t *testing.T) {
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	to := from.Add(48 * time.Hour)
	sc := ticket.Scope{ContactID: 7}
	f := ticket.CustomerFilter{Scope: sc, View: ticket.ViewShared, Status: ticket.StatusOpen, StageID: 3, PipelineID: 2,
		CreatedFrom: &from, CreatedTo: &to, ActivityFrom: &from, ActivityTo: &to, ClosedFrom: &from, ClosedTo: &to,
		Properties: map[string]string{"region": "eu", "priority": "high"}, Q: "网络 printer", InQueue: true,
		WaitingOnCustomer: true, RatedByMe: true, Sort: "subject", Asc: true, Limit: 50, Cursor: "abc"}
	got, err := ticket.ParseCustomerQuery(f.Query(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip =\n%+v\nwant\n%+v", got, f)
	}

	day, err := ticket.ParseCustomerQuery(url.Values{"created_from": {"2026-03-01"}, "created_to": {"2026-03-01"}}, sc)
	if err != nil {
		t.Fatal(err)
	}
	if !day.CreatedFrom.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !day.CreatedTo.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a day range = %v .. %v, want the whole of 1 March", day.CreatedFrom, day.CreatedTo)
	}
	for _, bad := range []url.Values{{"stage_id": {"x"}}, {"created_to": {"yesterday"}}, {"order": {"up"}}, {"limit": {"1000"}}} {
		_, err := ticket.ParseCustomerQuery(bad, sc)
		wantKind(t, err, apperr.Invalid)
	}
}

// eventKinds lists a ticket's timeline.
func (w *world) eventKinds(id int64) []string {
	w.t.Helper()
	page, err := w.svc.Events(w.ctx, ticket.EventFilter{TicketID: id, Limit: 100})
	w.must(err)
	var out []string
	for _, e := range page.Items {
		out = append(out, e.Kind)
	}
	return out
}

func (w *world) notifications() []delivery.Delivery {
	w.t.Helper()
	page, err := w.db.Deliveries(w.ctx, delivery.Filter{Kind: delivery.Notification, Limit: 100})
	w.must(err)
	return page.Items
}

// permissive is the company portal with every customer action allowed.
func (w *world) permissive() *portal.Settings {
	p := *w.company
	p.AllowCustomerClose, p.AllowReplyToClosed = true, true
	return &p
}

func TestCustomerWriteIsolation(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		open := w.open(w.ada, "Still open", "Help")
		closed := w.open(w.ada, "Done", "Help", func(in *ticket.NewTicket) { in.OwnerID = &w.bob.ID })
		w.moveTo(closed.ID, stageClosed)
		draft := w.open(w.ada, "Draft", "Later", func(in *ticket.NewTicket) { in.Draft = true })
		before := map[int64][]string{}
		for _, id := range []int64{open.ID, closed.ID, draft.ID} {
			before[id] = w.eventKinds(id)
		}
		for _, o := range w.outsiders() {
			t.Run(o.name, func(t *testing.T) {
				p := *o.portal
				p.AllowCustomerClose, p.AllowReplyToClosed = true, true
				sc := w.scope(&p, o.who)
				for _, id := range []int64{open.ID, closed.ID, draft.ID} {
					_, err := w.svc.CustomerReply(w.ctx, sc, &p, id, ticket.NewMessage{Body: "let me in"})
					wantKind(t, err, apperr.NotFound)
					_, err = w.svc.CustomerClose(w.ctx, sc, &p, id)
					wantKind(t, err, apperr.NotFound)
					_, err = w.svc.Rate(w.ctx, sc, id, 1, "")
					wantKind(t, err, apperr.NotFound)
					err = w.svc.Share(w.ctx, sc, id, []int64{o.who.ID})
					wantKind(t, err, apperr.NotFound)
					_, err = w.svc.SubmitDraft(w.ctx, sc, id)
					wantKind(t, err, apperr.NotFound)
				}
				// A portal that forbids closing still answers 404, not 403.
				_, err := w.svc.CustomerClose(w.ctx, sc, o.portal, open.ID)
				wantKind(t, err, apperr.NotFound)
			})
		}
		_, err := w.svc.SubmitDraft(w.ctx, w.scope(w.company, w.charles), draft.ID)
		wantKind(t, err, apperr.NotFound)
		for id, kinds := range before {
			if got := w.eventKinds(id); !slices.Equal(got, kinds) {
				t.Errorf("ticket %d timeline changed: %v, was %v", id, got, kinds)
			}
		}
		if n := w.notifications(); len(n) != 0 {
			t.Errorf("notifications: %+v", n)
		}
	})
}

func TestCreateCustomerTicket(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		billing := &pipeline.Inbox{Name: "Billing"}
		w.must(w.db.CreateInbox(w.ctx, billing))
		p := *w.company
		p.DefaultInboxID = billing.ID
		sc := w.scope(&p, w.ada)
		otherStage := w.support.Stages[stageWaiting].ID

		tk, err := w.svc.CreateCustomerTicket(w.ctx, sc, &p, ticket.NewTicket{Subject: " Broken screen ", Body: "It is black",
			RequesterID: w.grace.ID, StageID: &otherStage, OwnerID: &w.bob.ID, InboxID: &w.support.ID,
			ReplyChannel: ptr(ticket.ChannelSMS), Priority: ptr("urgent"), Properties: map[string]any{"region": "eu"},
			Attachments: []ticket.Attachment{w.file("a.png"), w.file("b.log")}})
		w.must(err)
		if tk.RequesterID != w.ada.ID || tk.InboxID != billing.ID || tk.Source != ticket.SourcePortal || tk.OwnerID != nil ||
			tk.StageID != w.support.Stages[stageNew].ID || tk.ReplyChannel != ticket.ChannelSMS || tk.Priority != "urgent" ||
			tk.Subject != "Broken screen" || tk.Draft || tk.CompanyID == nil || *tk.CompanyID != w.acme.ID {
			t.Errorf("ticket = %+v", tk)
		}
		d, err := w.svc.CustomerTicket(w.ctx, sc, tk.ID)
		w.must(err)
		if len(d.Messages) != 1 || d.Messages[0].Channel != ticket.MessagePortal || len(d.Messages[0].Attachments) != 2 {
			t.Errorf("messages = %+v", d.Messages)
		}
		if d.Queue == nil || d.Queue.Position != 1 {
			t.Errorf("queue = %+v", d.Queue)
		}

		_, err = w.svc.CreateCustomerTicket(w.ctx, sc, &p, ticket.NewTicket{Subject: "x", Properties: map[string]any{"internal_code": "X"}})
		wantKind(t, err, apperr.Invalid)
		_, err = w.svc.CreateCustomerTicket(w.ctx, sc, &p, ticket.NewTicket{Subject: ""})
		wantKind(t, err, apperr.Invalid)

		t.Run("drafts", func(t *testing.T) {
			draft, err := w.svc.CreateCustomerTicket(w.ctx, sc, &p, ticket.NewTicket{Subject: "Half written", Body: "so far", Draft: true})
			w.must(err)
			agents, err := w.svc.Tickets(w.ctx, ticket.Filter{Limit: 100})
			w.must(err)
			for _, it := range agents.Items {
				if it.ID == draft.ID {
					t.Error("agents see a draft")
				}
			}
			if ids := w.list(ticket.CustomerFilter{Scope: sc, View: ticket.ViewDrafts}); !slices.Equal(ids, []int64{draft.ID}) {
				t.Errorf("drafts = %v", ids)
			}
			_, err = w.svc.CustomerTicket(w.ctx, w.scope(&p, w.charles), draft.ID)
			wantKind(t, err, apperr.NotFound)
			_, err = w.svc.CustomerReply(w.ctx, sc, &p, draft.ID, ticket.NewMessage{Body: "more"})
			wantCode(t, err, apperr.Conflict, "ticket_draft")

			// Someone else comes first while the draft waits; the draft
			// queues from the moment it is sent.
			w.clk.Add(time.Hour)
			_, err = w.svc.CreateCustomerTicket(w.ctx, w.scope(&p, w.charles), &p, ticket.NewTicket{Subject: "Meanwhile"})
			w.must(err)
			sentAt := w.clk.Add(time.Hour)
			sent, err := w.svc.SubmitDraft(w.ctx, sc, draft.ID)
			w.must(err)
			if sent.Draft || !sent.StageEnteredAt.Equal(sentAt) || !sent.LastActivityAt.Equal(sentAt) {
				t.Errorf("sent = %+v", sent)
			}
			d, err := w.svc.CustomerTicket(w.ctx, sc, draft.ID)
			w.must(err)
			if d.Queue == nil || d.Queue.Position != 3 || d.Queue.Waiting != 3 {
				t.Errorf("queue after sending = %+v, want number 3 of 3", d.Queue)
			}
			if ids := w.list(ticket.CustomerFilter{Scope: w.scope(&p, w.charles)}); !slices.Contains(ids, draft.ID) {
				t.Error("a colleague under company permission does not see the sent ticket")
			}
			_, err = w.svc.SubmitDraft(w.ctx, sc, draft.ID)
			wantCode(t, err, apperr.Conflict, "not_a_draft")
		})
	})
}

func TestCustomerReply(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		strict := w.company
		lenient := w.permissive()
		sc := w.scope(strict, w.ada)
		tk := w.open(w.ada, "Question", "Hello")
		w.moveTo(tk.ID, stageWaiting)

		at := w.clk.Add(time.Hour)
		m, err := w.svc.CustomerReply(w.ctx, sc, strict, tk.ID, ticket.NewMessage{Body: " Here you go ", Internal: true,
			Resolution: true, Attachments: []ticket.Attachment{w.file("1.png"), w.file("2.png"), w.file("3.pdf")}})
		w.must(err)
		if m.Internal || m.Resolution || m.Body != "Here you go" || m.Channel != ticket.MessagePortal ||
			m.Author.Type != ticket.AuthorContact || *m.Author.ID != w.ada.ID || len(m.Attachments) != 3 {
			t.Errorf("message = %+v", m)
		}
		got, err := w.svc.Ticket(w.ctx, tk.ID)
		w.must(err)
		if !got.LastActivityAt.Equal(at) || got.StageID != w.support.Stages[stageWaiting].ID {
			t.Errorf("after reply: last activity %v stage %d", got.LastActivityAt, got.StageID)
		}
		for _, a := range m.Attachments {
			if _, err := w.svc.CustomerAttachment(w.ctx, sc, a.ID); err != nil {
				t.Errorf("attachment %d: %v", a.ID, err)
			}
		}
		_, err = w.svc.CustomerReply(w.ctx, sc, strict, tk.ID, ticket.NewMessage{Body: "  "})
		wantKind(t, err, apperr.Invalid)

		w.moveTo(tk.ID, stageClosed)
		events := len(w.eventKinds(tk.ID))
		_, err = w.svc.CustomerReply(w.ctx, sc, strict, tk.ID, ticket.NewMessage{Body: "One more thing"})
		wantCode(t, err, apperr.Conflict, "ticket_closed")
		if n := len(w.eventKinds(tk.ID)); n != events {
			t.Errorf("a refused reply left %d events", n-events)
		}

		at = w.clk.Add(time.Hour)
		_, err = w.svc.CustomerReply(w.ctx, w.scope(lenient, w.ada), lenient, tk.ID, ticket.NewMessage{Body: "One more thing"})
		w.must(err)
		got, err = w.svc.Ticket(w.ctx, tk.ID)
		w.must(err)
		if got.Status != ticket.StatusOpen || got.StageID != w.support.Stages[stageInProgress].ID || got.ClosedAt != nil ||
			!got.StageEnteredAt.Equal(at) || !got.LastActivityAt.Equal(at) {
			t.Errorf("reopened = %+v", got)
		}
		kinds := w.eventKinds(tk.ID)[events:]
		if !slices.Contains(kinds, event.TicketReopened) || !slices.Contains(kinds, event.TicketStageChanged) ||
			!slices.Contains(kinds, event.MessageCreated) {
			t.Errorf("events of the reopening reply = %v", kinds)
		}

		// A pipeline whose only open stage is the queue reopens into it.
		sales := &pipeline.Pipeline{Name: "Sales", Stages: []pipeline.Stage{
			{Name: "Lead", State: pipeline.Open, WaitingForAcceptance: true, Position: 0},
			{Name: "Won", State: pipeline.Closed, Position: 1}}}
		w.must(w.db.CreatePipeline(w.ctx, sales))
		lead := w.open(w.ada, "Offer", "", func(in *ticket.NewTicket) { in.PipelineID = &sales.ID })
		w.update(lead.ID, ticket.Update{StageID: &sales.Stages[1].ID})
		_, err = w.svc.CustomerReply(w.ctx, w.scope(lenient, w.ada), lenient, lead.ID, ticket.NewMessage{Body: "Again"})
		w.must(err)
		if got, _ := w.svc.Ticket(w.ctx, lead.ID); got.StageID != sales.Stages[0].ID {
			t.Errorf("reopened into stage %d, want %d", got.StageID, sales.Stages[0].ID)
		}

		// Whoever sees a ticket may answer it: a colleague under company
		// permission, and a contact it is shared with.
		_, err = w.svc.CustomerReply(w.ctx, w.scope(strict, w.charles), strict, lead.ID, ticket.NewMessage{Body: "Colleague here"})
		w.must(err)
		w.must(w.svc.Share(w.ctx, sc, lead.ID, []int64{w.charles.ID}))
		_, err = w.svc.CustomerReply(w.ctx, w.scope(w.own, w.charles), w.own, lead.ID, ticket.NewMessage{Body: "Shared with me"})
		w.must(err)
	})
}

func TestCustomerClose(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		flow := &pipeline.Pipeline{Name: "Orders", Stages: []pipeline.Stage{
			{Name: "Placed", State: pipeline.Open, Position: 0},
			{Name: "Delivered", State: pipeline.Closed, Position: 1},
			{Name: "Cancelled", State: pipeline.Closed, Position: 2}}}
		w.must(w.db.CreatePipeline(w.ctx, flow))
		order := w.open(w.ada, "Order 1", "", func(in *ticket.NewTicket) { in.PipelineID = &flow.ID })
		order2 := w.open(w.ada, "Order 2", "", func(in *ticket.NewTicket) { in.PipelineID = &flow.ID })
		help := w.open(w.ada, "Help", "")

		_, err := w.svc.CustomerClose(w.ctx, w.scope(w.company, w.ada), w.company, help.ID)
		wantCode(t, err, apperr.Forbidden, "close_not_allowed")

		chosen := w.permissive()
		chosen.CloseStageByPipeline = map[string]int64{fmt.Sprint(flow.ID): flow.Stages[2].ID}
		unset := w.permissive()
		unset.CloseStageByPipeline = map[string]int64{}
		tests := []struct {
			name  string
			p     *portal.Settings
			id    int64
			stage int64
		}{
			{"the portal's closed stage for the pipeline", chosen, order.ID, flow.Stages[2].ID},
			{"else the pipeline's first closed stage", unset, order2.ID, flow.Stages[1].ID},
			{"the default portal's choice for Support", chosen, help.ID, w.support.Stages[stageClosed].ID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				at := w.clk.Add(time.Minute)
				got, err := w.svc.CustomerClose(w.ctx, w.scope(tt.p, w.ada), tt.p, tt.id)
				w.must(err)
				if got.StageID != tt.stage || got.Status != ticket.StatusClosed || got.ClosedAt == nil || !got.ClosedAt.Equal(at) {
					t.Errorf("closed = %+v, want stage %d", got, tt.stage)
				}
				stored, err := w.svc.Ticket(w.ctx, tt.id)
				w.must(err)
				if stored.StageID != tt.stage || stored.Status != ticket.StatusClosed {
					t.Errorf("stored = %+v", stored)
				}
				kinds := w.eventKinds(tt.id)
				if !slices.Contains(kinds, event.TicketClosed) || !slices.Contains(kinds, event.TicketStageChanged) {
					t.Errorf("events = %v", kinds)
				}
				// Closing again changes nothing.
				n := len(kinds)
				w.clk.Add(time.Minute)
				again, err := w.svc.CustomerClose(w.ctx, w.scope(tt.p, w.ada), tt.p, tt.id)
				w.must(err)
				if !again.ClosedAt.Equal(at) || len(w.eventKinds(tt.id)) != n {
					t.Errorf("closing twice changed the ticket: %+v", again)
				}
			})
		}
	})
}

func TestRate(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		sc := w.scope(w.company, w.ada)
		tk := w.open(w.ada, "Rate me", "", func(in *ticket.NewTicket) { in.OwnerID = &w.bob.ID })
		_, err := w.svc.Rate(w.ctx, sc, tk.ID, 5, "")
		wantCode(t, err, apperr.Conflict, "ticket_open")
		w.moveTo(tk.ID, stageClosed)

		for _, bad := range []struct {
			score   int
			comment string
		}{{0, ""}, {6, ""}, {-1, ""}, {3, strings.Repeat("é", 2001)}} {
			_, err := w.svc.Rate(w.ctx, sc, tk.ID, bad.score, bad.comment)
			wantKind(t, err, apperr.Invalid)
		}
		if _, err := w.svc.Rate(w.ctx, sc, tk.ID, 3, strings.Repeat("é", 2000)); err != nil {
			t.Fatalf("a 2000-character comment: %v", err)
		}
		if n := w.notifications(); len(n) != 1 {
			t.Fatalf("%d notifications after the first rating", len(n))
		}

		first, err := w.svc.Rating(w.ctx, tk.ID)
		w.must(err)
		w.clk.Add(7 * 24 * time.Hour)
		r, err := w.svc.Rate(w.ctx, sc, tk.ID, 4, " Quick and kind ")
		w.must(err)
		if r.Score != 4 || r.Comment != "Quick and kind" || !r.CreatedAt.Equal(first.CreatedAt) || !r.UpdatedAt.Equal(w.db.Now()) ||
			r.AgentID == nil || *r.AgentID != w.bob.ID || *r.ContactID != w.ada.ID {
			t.Errorf("edited rating = %+v", r)
		}
		stored, err := w.svc.Rating(w.ctx, tk.ID)
		w.must(err)
		if stored.Score != 4 || stored.Comment != "Quick and kind" {
			t.Errorf("stored rating = %+v", stored)
		}
		notes := w.notifications()
		if len(notes) != 2 {
			t.Fatalf("%d notifications, want 2", len(notes))
		}
		n := notes[0] // newest first
		if n.To != w.bob.Email || n.AgentID == nil || *n.AgentID != w.bob.ID || n.TicketID == nil || *n.TicketID != tk.ID ||
			!strings.Contains(n.Body, "Quick and kind") {
			t.Errorf("notification = %+v", n)
		}
		kinds := w.eventKinds(tk.ID)
		if !slices.Contains(kinds, event.RatingCreated) || !slices.Contains(kinds, event.RatingUpdated) {
			t.Errorf("events = %v", kinds)
		}

		// Another customer who sees the ticket cannot take the rating over.
		_, err = w.svc.Rate(w.ctx, w.scope(w.company, w.charles), tk.ID, 1, "")
		wantCode(t, err, apperr.Conflict, "already_rated")

		w.clk.Add(time.Second)
		_, err = w.svc.Rate(w.ctx, sc, tk.ID, 1, "changed my mind")
		wantCode(t, err, apperr.Conflict, "rating_locked")
		if stored, _ := w.svc.Rating(w.ctx, tk.ID); stored.Score != 4 {
			t.Errorf("a late edit changed the rating to %d", stored.Score)
		}

		// Without an owner there is nobody to notify.
		unowned := w.open(w.ada, "Nobody's", "")
		w.moveTo(unowned.ID, stageClosed)
		_, err = w.svc.Rate(w.ctx, sc, unowned.ID, 5, "")
		w.must(err)
		if n := w.notifications(); len(n) != 2 {
			t.Errorf("%d notifications, want still 2", len(n))
		}
	})
}

func TestShare(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		sc := w.scope(w.own, w.ada)
		tk := w.open(w.ada, "Shared issue", "")
		charles := w.scope(w.own, w.charles)
		if ids := w.list(ticket.CustomerFilter{Scope: charles, View: ticket.ViewShared}); len(ids) != 0 {
			t.Fatalf("shared before sharing: %v", ids)
		}
		for _, bad := range [][]int64{nil, {w.grace.ID}, {w.adaAtGX.ID}, {w.charles.ID, w.grace.ID}, {999999}} {
			err := w.svc.Share(w.ctx, sc, tk.ID, bad)
			wantKind(t, err, apperr.Invalid)
			if e := apperr.As(err); e.Fields["contact_ids"] == "" {
				t.Errorf("share with %v: fields %v", bad, e.Fields)
			}
		}
		if ids := w.list(ticket.CustomerFilter{Scope: charles, View: ticket.ViewShared}); len(ids) != 0 {
			t.Fatalf("a refused share shared: %v", ids)
		}
		w.must(w.svc.Share(w.ctx, sc, tk.ID, []int64{w.charles.ID, w.charles.ID, w.ada.ID}))
		w.must(w.svc.Share(w.ctx, sc, tk.ID, []int64{w.charles.ID}))
		if ids := w.list(ticket.CustomerFilter{Scope: charles, View: ticket.ViewShared}); !slices.Equal(ids, []int64{tk.ID}) {
			t.Errorf("Charles's shared view = %v", ids)
		}
		if _, err := w.svc.CustomerTicket(w.ctx, charles, tk.ID); err != nil {
			t.Errorf("Charles opens the shared ticket: %v", err)
		}
		// Ada's other identity still sees nothing.
		w.assertHidden(t, w.scope(w.company, w.adaAtGX), tk.ID, nil, "shared")
		if kinds := w.eventKinds(tk.ID); slices.Index(kinds, event.TicketShared) < 0 {
			t.Errorf("events = %v", kinds)
		}

		// A ticket without a company cannot be shared with anyone.
		loner := &contact.Contact{FirstName: "Lone", Language: "en"}
		w.must(w.db.CreateContact(w.ctx, loner))
		solo := w.open(loner, "Just me", "")
		err := w.svc.Share(w.ctx, ticket.VisibleTo(w.own, loner.ID, nil), solo.ID, []int64{w.charles.ID})
		wantKind(t, err, apperr.Invalid)
	})
}

// brokenOutbox is a store whose delivery queue fails.
type brokenOutbox struct{ *store.DB }

func (brokenOutbox) CreateDelivery(context.Context, *delivery.Delivery) error {
	return errors.New("outbox unavailable")
}

// A rating and its notification commit together or not at all.
func TestRatingAndNotificationCommitTogether(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		tk := w.open(w.ada, "Rate me", "", func(in *ticket.NewTicket) { in.OwnerID = &w.bob.ID })
		w.moveTo(tk.ID, stageClosed)
		events := len(w.eventKinds(tk.ID))
		broken := ticket.NewService(brokenOutbox{w.db})
		if _, err := broken.Rate(w.ctx, w.scope(w.own, w.ada), tk.ID, 5, "great"); err == nil {
			t.Fatal("rating succeeded without its notification")
		}
		_, err := w.svc.Rating(w.ctx, tk.ID)
		wantKind(t, err, apperr.NotFound)
		if n := len(w.eventKinds(tk.ID)); n != events {
			t.Errorf("%d events left behind", n-events)
		}
		if _, err := w.svc.Rate(w.ctx, w.scope(w.own, w.ada), tk.ID, 5, "great"); err != nil {
			t.Fatal(err)
		}
		if n := w.notifications(); len(n) != 1 {
			t.Errorf("%d notifications, want 1", len(n))
		}
	})
}
