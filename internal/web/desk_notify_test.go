package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/internal/delivery"
	"portico/internal/mail"
	"portico/internal/mail/mailtest"
	"portico/internal/store/storetest"
	"portico/internal/web/i18n"
)

var (
	notificationLink = regexp.MustCompile(`href="/desk/notifications/(\d+)"`)
	bellCount        = regexp.MustCompile(`<span class="bell-count" aria-hidden="true">([^<]*)</span>`)
	upTo             = regexp.MustCompile(`name="up_to" value="(\d+)"`)
)

// bell is the unread count the desk's header shows, "" for none.
func (b *pageBrowser) bell(t *testing.T) string {
	t.Helper()
	p := b.get("/desk/").want(t, http.StatusOK)
	if !strings.Contains(p.Body, `href="/desk/notifications"`) {
		t.Fatal("the header has no link to the notifications")
	}
	if m := bellCount.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

// notificationIDs are the notifications a list page links to, in order.
func notificationIDs(p *page) []string {
	var out []string
	for _, m := range notificationLink.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

// emailsTo are the emails in the delivery log to an address, newest first.
func (e *testEnv) emailsTo(t *testing.T, to string) []delivery.Delivery {
	t.Helper()
	page, err := e.db.Deliveries(context.Background(), delivery.Filter{To: to, Kind: delivery.Email, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// portalTicket opens a ticket as a signed-in customer and returns its id.
func (e *testEnv) portalTicket(t *testing.T, cookie, subject, body string) int64 {
	t.Helper()
	r := e.callAs(cookie, "POST", portalAPI+"/tickets", map[string]any{"subject": subject, "body": body})
	if r.Code != http.StatusCreated {
		t.Fatalf("portal ticket = %d: %s", r.Code, r.Body)
	}
	return id(t, r.object(t), "id")
}

func TestDeskNotifications(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		agent := e.deskAgent(t, "agent@portico.test", "agent")
		other := e.deskAgent(t, "other@portico.test", "agent")
		ann := e.customerSignIn(t, w.ann.login, pagePassword)
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		var inboxes struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		e.call("GET", "/api/v1/inboxes", nil).decode(t, &inboxes)
		support := strconv.FormatInt(inboxes.Items[0].ID, 10)

		t.Run("customers and anonymous visitors are sent to the desk's sign-in", func(t *testing.T) {
			for _, b := range []*pageBrowser{e.browser(), cust} {
				for _, p := range []*page{
					b.get("/desk/notifications"), b.get("/desk/notifications/1"), b.get("/desk/notifications/settings"),
					b.post("/desk/notifications/settings", url.Values{"inbox": {support}, "email": {"on"}}),
					b.post("/desk/notifications/read", url.Values{"up_to": {"1000"}}),
				} {
					if p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
						t.Errorf("= %d %q, want a redirect to the desk's sign-in", p.Code, p.Header.Get("Location"))
					}
				}
			}
			r := e.callAs(ann, "GET", "/desk/notifications", nil)
			if r.Code != http.StatusSeeOther {
				t.Errorf("with a customer's API session = %d", r.Code)
			}
		})

		t.Run("an agent chooses the inboxes they watch and email", func(t *testing.T) {
			p := agent.get("/desk/notifications/settings").want(t, http.StatusOK).strict(t, "notification settings")
			p.has(t, loc.T("notify.settings.title"), loc.T("notify.settings.inboxes"), "Support",
				`name="email" value="on" checked`, `name="inbox" value="`+support+`">`)
			done := agent.post("/desk/notifications/settings", url.Values{"inbox": {support}}).want(t, http.StatusSeeOther)
			p = agent.follow(t, done).want(t, http.StatusOK)
			p.has(t, loc.T("notify.done.saved"), `name="inbox" value="`+support+`" checked`)
			p.lacks(t, `name="email" value="on" checked`)
			other.post("/desk/notifications/settings", url.Values{"inbox": {support}, "email": {"on"}}).want(t, http.StatusSeeOther)
			// Someone else's choice stays theirs.
			other.get("/desk/notifications/settings").has(t, `name="email" value="on" checked`)
			p = agent.post("/desk/notifications/settings", url.Values{"inbox": {"999999"}}).want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("notify.settings.inbox_gone"))
			agent.post("/desk/notifications/settings", url.Values{"inbox": {"x"}}).want(t, http.StatusUnprocessableEntity)
		})

		var tk int64
		var mine string
		t.Run("a new portal ticket rings the watchers' bells", func(t *testing.T) {
			if agent.bell(t) != "" {
				t.Fatal("the bell rings before anything happened")
			}
			tk = e.portalTicket(t, ann, "Wifi down", "No signal since noon")
			if got := agent.bell(t); got != "1" {
				t.Errorf("the bell shows %q, want 1", got)
			}
			p := agent.get("/desk/notifications").want(t, http.StatusOK).strict(t, "notifications")
			p.has(t, loc.T("notify.title"), loc.T("notify.kind.new_ticket", map[string]any{"Actor": "Ann Lee"}),
				fmt.Sprintf("#%d Wifi down", tk), "No signal since noon", loc.T("notify.read_all"), `aria-current="page"`)
			ids := notificationIDs(p)
			if len(ids) != 1 {
				t.Fatalf("notifications listed: %v", ids)
			}
			mine = ids[0]

			// Email as each chose, with a link from the public address.
			if got := e.emailsTo(t, "agent@portico.test"); len(got) != 0 {
				t.Errorf("an agent who turned email off got %d emails", len(got))
			}
			got := e.emailsTo(t, "other@portico.test")
			if len(got) != 1 || !strings.Contains(got[0].Subject, "Wifi down") ||
				!strings.Contains(got[0].Body, fmt.Sprintf("http://portico.test/desk/tickets/%d", tk)) {
				t.Errorf("the watcher's email = %+v", got)
			}
		})

		t.Run("another agent cannot see or mark my notifications", func(t *testing.T) {
			theirs := notificationIDs(other.get("/desk/notifications").want(t, http.StatusOK))
			if len(theirs) != 1 || theirs[0] == mine {
				t.Fatalf("the other agent lists %v (mine is %s)", theirs, mine)
			}
			other.get("/desk/notifications/"+mine).want(t, http.StatusNotFound)
			// Up to an id past mine: only the other agent's own are read.
			if a, b := atoi(t, mine), atoi(t, theirs[0]); b < a {
				t.Fatalf("notification %d was made before %d", b, a)
			}
			other.post("/desk/notifications/read", url.Values{"up_to": {theirs[0]}}).want(t, http.StatusSeeOther)
			if other.bell(t) != "" {
				t.Error("the other agent's own notification was not marked read")
			}
			if got := agent.bell(t); got != "1" {
				t.Errorf("another agent's mark-all read mine: the bell shows %q", got)
			}
			admin := e.browser()
			admin.deskSignIn(t, "admin@portico.test", "correct horse")
			admin.get("/desk/notifications/"+mine).want(t, http.StatusNotFound)
			admin.get("/desk/notifications").has(t, loc.T("notify.empty"))
		})

		t.Run("opening a notification reads it and goes to its ticket", func(t *testing.T) {
			p := agent.get("/desk/notifications/"+mine).want(t, http.StatusSeeOther)
			if got := p.Header.Get("Location"); got != fmt.Sprintf("/desk/tickets/%d", tk) {
				t.Errorf("went to %q", got)
			}
			if got := agent.bell(t); got != "" {
				t.Errorf("the bell still shows %q", got)
			}
			agent.get("/desk/notifications?show=unread").want(t, http.StatusOK).has(t, loc.T("notify.empty.unread"))
			agent.get("/desk/notifications/abc").want(t, http.StatusNotFound)
		})

		t.Run("mark all read stops at what the page showed", func(t *testing.T) {
			for _, body := range []string{"Still nothing", "Router rebooted"} {
				e.callAs(ann, "POST", fmt.Sprintf("%s/tickets/%d/messages", portalAPI, tk), map[string]any{"body": body})
			}
			if got := agent.bell(t); got != "2" {
				t.Fatalf("the bell shows %q after two replies", got)
			}
			p := agent.get("/desk/notifications?show=unread").want(t, http.StatusOK)
			p.has(t, loc.T("notify.kind.customer_reply", map[string]any{"Actor": "Ann Lee"}), "Router rebooted")
			m := upTo.FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatal("no mark-all form")
			}
			e.callAs(ann, "POST", fmt.Sprintf("%s/tickets/%d/messages", portalAPI, tk), map[string]any{"body": "Works now"})
			done := agent.post("/desk/notifications/read", url.Values{"up_to": {m[1]}}).want(t, http.StatusSeeOther)
			agent.follow(t, done).want(t, http.StatusOK).has(t, loc.T("notify.done.read"))
			if got := agent.bell(t); got != "1" {
				t.Errorf("after marking all read the bell shows %q, want the one that came after", got)
			}
			unread := agent.get("/desk/notifications?show=unread").want(t, http.StatusOK)
			unread.has(t, "Works now")
			unread.lacks(t, "Router rebooted")
			agent.post("/desk/notifications/read", url.Values{"up_to": {"nope"}}).want(t, http.StatusUnprocessableEntity)
		})

		t.Run("a post from another site is refused", func(t *testing.T) {
			req := httptest.NewRequest("POST", "/desk/notifications/read", strings.NewReader("up_to=999999"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			agent.do(req).want(t, http.StatusForbidden)
			if got := agent.bell(t); got != "1" {
				t.Errorf("a cross-site post marked notifications read: the bell shows %q", got)
			}
		})

		t.Run("pages of notifications", func(t *testing.T) {
			for i := range 31 {
				e.callAs(ann, "POST", fmt.Sprintf("%s/tickets/%d/messages", portalAPI, tk), map[string]any{"body": fmt.Sprintf("Ping %d", i)})
			}
			first := agent.get("/desk/notifications").want(t, http.StatusOK)
			next := regexp.MustCompile(`href="([^"]*cursor=[^"]*)" rel="next"`).FindStringSubmatch(first.Body)
			if len(notificationIDs(first)) != 30 || next == nil {
				t.Fatalf("first page: %d notifications, next %v", len(notificationIDs(first)), next)
			}
			second := agent.get(strings.ReplaceAll(next[1], "&amp;", "&")).want(t, http.StatusOK)
			ids := append(notificationIDs(first), notificationIDs(second)...)
			seen := map[string]bool{}
			for _, id := range ids {
				seen[id] = true
			}
			if len(ids) != 35 || len(seen) != 35 {
				t.Errorf("two pages list %d notifications, %d different; want 35", len(ids), len(seen))
			}
			second.has(t, loc.T("notify.newest"), "Wifi down")
			if got := agent.bell(t); got != "32" {
				t.Errorf("the bell shows %q, want 32", got)
			}
		})
	})
}

func TestCustomerNotificationsFromTheDesk(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		stages := e.stages(t)
		agent := e.deskAgent(t, "agent@portico.test", "agent")
		ann := e.customerSignIn(t, w.ann.login, pagePassword)
		e.callAs(ann, "PATCH", portalAPI+"/me", map[string]any{"language": "pl"})
		pl := func() *i18n.Localizer {
			c, err := i18n.Load()
			if err != nil {
				t.Fatal(err)
			}
			return c.For("pl")
		}()
		desk := fmt.Sprintf("/desk/tickets/%d", w.open)
		before := len(e.emailsTo(t, "ann@acme.test"))

		// The page is asked for under another host name: links still use
		// the public address.
		req := httptest.NewRequest("POST", desk+"/messages", strings.NewReader(url.Values{"body": {"Sending a technician"}, "kind": {"reply"}}.Encode()))
		req.Host = "evil.example"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		agent.do(req).want(t, http.StatusSeeOther)
		got := e.emailsTo(t, "ann@acme.test")
		if len(got) != before+1 {
			t.Fatalf("%d new emails to Ann after a public reply, want 1", len(got)-before)
		}
		m := got[0]
		link := fmt.Sprintf("http://portico.test/support/tickets/%d", w.open)
		wantSubject := pl.T("notify.mail.agent_reply.subject", map[string]any{"ID": strconv.FormatInt(w.open, 10), "Subject": "Printer on fire"})
		if m.Subject != wantSubject || !strings.Contains(m.Body, "Sending a technician") || !strings.Contains(m.Body, link) ||
			strings.Contains(m.Body, "evil.example") || !strings.Contains(m.Body, "Dzień dobry Ann Lee,") {
			t.Errorf("Ann's email = %q\n%s\nwant the subject %q and the link %s", m.Subject, m.Body, wantSubject, link)
		}

		agent.post(desk+"/messages", url.Values{"body": {"SECRET plan"}, "kind": {"note"}}).want(t, http.StatusSeeOther)
		if n := len(e.emailsTo(t, "ann@acme.test")); n != before+1 {
			t.Errorf("an internal note sent Ann %d emails", n-before-1)
		}

		agent.post(desk, url.Values{"stage_id": {strconv.FormatInt(stages[1], 10)}}).want(t, http.StatusSeeOther)
		if n := len(e.emailsTo(t, "ann@acme.test")); n != before+1 {
			t.Errorf("a move between open stages sent Ann %d emails", n-before-1)
		}
		agent.post(desk, url.Values{"stage_id": {strconv.FormatInt(w.closedStage, 10)}}).want(t, http.StatusSeeOther)
		got = e.emailsTo(t, "ann@acme.test")
		closed := pl.T("notify.mail.status.subject", map[string]any{"ID": strconv.FormatInt(w.open, 10), "Status": pl.T("status.closed")})
		if len(got) != before+2 || got[0].Subject != closed {
			t.Errorf("closing sent %d emails, the newest %q; want one, %q", len(got)-before-1, got[0].Subject, closed)
		}
		for _, d := range got {
			if strings.Contains(d.Body, "SECRET") {
				t.Errorf("a note reached Ann: %q", d.Body)
			}
		}
	})
}

// The email an agent is sent arrives over SMTP, worded and linked.
func TestNotificationEmailArrives(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	w := newPageWorld(t, e)
	agentID, _ := e.newAgent(t, "owner@portico.test", "agent")
	e.ok(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", w.open), map[string]any{"owner_id": agentID}, http.StatusOK)

	srv := mailtest.Start(t, mailtest.Options{})
	sender, err := mail.New(mail.Options{URL: "smtp://" + srv.Addr, From: "desk@portico.test", Hello: "portico.test", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		delivery.NewPool(e.db, delivery.PoolOptions{Senders: map[string]delivery.Sender{delivery.Email: sender}, Poll: 20 * time.Millisecond}).Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	ann := e.customerSignIn(t, w.ann.login, pagePassword)
	e.callAs(ann, "POST", fmt.Sprintf("%s/tickets/%d/messages", portalAPI, w.open), map[string]any{"body": "The fire is out, the smell stays"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range srv.Messages() {
			if len(m.To) != 1 || m.To[0] != "owner@portico.test" {
				continue
			}
			p, err := m.Parse()
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("New reply on #%d: Printer on fire", w.open); p.Subject != want {
				t.Errorf("subject %q, want %q", p.Subject, want)
			}
			link := fmt.Sprintf("http://portico.test/desk/tickets/%d", w.open)
			if !strings.Contains(p.Text, "> The fire is out, the smell stays") || !strings.Contains(p.Text, link) ||
				!strings.Contains(p.HTML, `href="`+link+`"`) || !strings.Contains(p.HTML, "The fire is out, the smell stays") {
				t.Errorf("message:\n%s\n%s", p.Text, p.HTML)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email to the owner among %d messages", len(srv.Messages()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
