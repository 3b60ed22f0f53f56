package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// figureRE finds a dashboard figure: its key, link and value.
var figureRE = regexp.MustCompile(`(?s)<a class="figure figure-([a-z_0-9]+)[^"]*" href="([^"]+)">\s*<span class="figure-value">([^<]*)</span>`)

func TestPageDashboard(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		e.pagePortal(t, map[string]any{"ticket_permission": "company"})
		// Sam's ticket at Globex is never Ann's to count.
		e.ticket(t, w.sam.contact, "Globex secret", nil)
		b := e.browser()
		b.signIn(t, w.ann.login)
		// A draft of Ann's own and a rating she gave.
		b.upload("/support/tickets/new", map[string]string{"subject": "Half-written", "draft": "1"}, nil).want(t, http.StatusSeeOther)
		b.post(fmt.Sprintf("/support/tickets/%d/rating", w.closed), url.Values{"score": {"4"}}).want(t, http.StatusSeeOther)

		home := b.get("/support/").want(t, http.StatusOK)
		home.has(t, "Hello, Ann Lee", "Printer on fire", "Bob's broken chair")
		home.lacks(t, "Globex secret")
		figs := figureRE.FindAllStringSubmatch(home.Body, -1)
		if len(figs) != 7 {
			t.Fatalf("found %d figures, want 7", len(figs))
		}
		want := map[string]int{"open": 2, "waiting_for_acceptance": 2, "waiting_on_me": 1, "closed_last_30_days": 1, "drafts": 1,
			"shared_with_me": 0, "average_rating": 1}
		for _, f := range figs {
			key, link, value := f[1], unescapeAttr(f[2]), strings.TrimSpace(f[3])
			if key != "average_rating" {
				if n, err := strconv.Atoi(value); err != nil || n != want[key] {
					t.Errorf("figure %s = %q, want %d", key, value, want[key])
				}
			} else if value != "4.0 / 5" {
				t.Errorf("average rating = %q, want 4.0 / 5", value)
			}
			if !strings.HasPrefix(link, "/support/tickets?") {
				t.Errorf("figure %s links to %q", key, link)
				continue
			}
			list := b.get(link).want(t, http.StatusOK)
			if got := len(list.ticketIDs()); got != want[key] {
				t.Errorf("figure %s counts %d but its list %s shows %d: %v", key, want[key], link, got, list.ticketIDs())
			}
			list.lacks(t, "Globex secret")
		}
	})
}

// unescapeAttr decodes the entities of an attribute value.
func unescapeAttr(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'").Replace(s)
}

func TestPageTicketList(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.browser()
		b.signIn(t, w.ann.login)

		t.Run("own permission: my tickets only, no organization view", func(t *testing.T) {
			p := b.get("/support/tickets").want(t, http.StatusOK)
			if got := p.ticketIDs(); !slices.Equal(sorted(got), sorted([]int64{w.open, w.closed})) {
				t.Errorf("all = %v, want Ann's %d and %d", got, w.open, w.closed)
			}
			p.lacks(t, "Bob's broken chair", loc.T("tickets.view.organization", nil))
			p.has(t, loc.N("tickets.results", 2), "Export CSV", `href="/api/v1/portal/support/tickets.csv`)
			b.get("/support/tickets?view=organization").want(t, http.StatusUnprocessableEntity).lacks(t, "Bob's broken chair")
		})

		e.pagePortal(t, map[string]any{"ticket_permission": "company", "columns": []string{"id", "subject", "requester", "status", "owner", "last_activity_at"}})
		for i := range 3 {
			e.ticket(t, w.bob.contact, fmt.Sprintf("Acme extra %d", i), nil)
		}

		t.Run("views", func(t *testing.T) {
			org := b.get("/support/tickets?view=organization").want(t, http.StatusOK)
			org.has(t, "Bob's broken chair", "Organization tickets")
			mine := b.get("/support/tickets?view=mine").want(t, http.StatusOK)
			mine.lacks(t, "Bob's broken chair")
			shared := b.get("/support/tickets?view=shared").want(t, http.StatusOK)
			shared.has(t, loc.T("tickets.empty.shared.title"), loc.T("tickets.empty.shared.body"))
			drafts := b.get("/support/tickets?view=drafts").want(t, http.StatusOK)
			drafts.has(t, loc.T("tickets.empty.drafts.title"), `href="/support/tickets/new"`)
		})

		t.Run("filters, search and sort", func(t *testing.T) {
			closed := b.get("/support/tickets?status=closed").want(t, http.StatusOK)
			if got := closed.ticketIDs(); !slices.Equal(got, []int64{w.closed}) {
				t.Errorf("status=closed = %v, want [%d]", got, w.closed)
			}
			if !strings.Contains(closed.Body, `<option value="closed" selected>`) {
				t.Error("the filter form does not show the status filter")
			}
			found := b.get("/support/tickets?q="+url.QueryEscape("fire")).want(t, http.StatusOK)
			if got := found.ticketIDs(); !slices.Equal(got, []int64{w.open}) {
				t.Errorf("q=fire = %v", got)
			}
			found.has(t, `value="fire"`)
			none := b.get("/support/tickets?q=zebra").want(t, http.StatusOK)
			none.has(t, loc.T("tickets.empty.search.title", map[string]any{"Query": "zebra"}), loc.T("tickets.filter.clear"))

			asc := b.get("/support/tickets?sort=subject&order=asc").want(t, http.StatusOK)
			var subjects []string
			for _, m := range regexp.MustCompile(`class="subject-link" href="[^"]+">([^<]+)<`).FindAllStringSubmatch(asc.Body, -1) {
				subjects = append(subjects, unescapeAttr(m[1]))
			}
			if len(subjects) != 6 || !slices.IsSorted(subjects) {
				t.Errorf("sorted by subject: %q", subjects)
			}
			if !strings.Contains(asc.Body, `aria-sort="ascending"`) || !strings.Contains(asc.Body, "order=desc") {
				t.Error("the sorted column neither says so nor offers the other order")
			}
			// The export link carries the same view.
			if !strings.Contains(unescapeAttr(asc.Body), "/api/v1/portal/support/tickets.csv?order=asc&sort=subject") {
				t.Error("the export link lacks the view's query")
			}
		})

		t.Run("pages", func(t *testing.T) {
			first := b.get("/support/tickets?limit=4&sort=id&order=asc").want(t, http.StatusOK)
			next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(first.Body)
			if next == nil || len(first.ticketIDs()) != 4 {
				t.Fatalf("page 1: %v, next %v", first.ticketIDs(), next)
			}
			first.has(t, "1–4 of 6")
			second := b.get(unescapeAttr(next[1])).want(t, http.StatusOK)
			second.has(t, "5–6 of 6")
			if ids := second.ticketIDs(); len(ids) != 2 || slices.Contains(first.ticketIDs(), ids[0]) {
				t.Errorf("page 2 = %v after %v", ids, first.ticketIDs())
			}
			if strings.Contains(second.Body, `rel="next"`) {
				t.Error("the last page offers a next page")
			}
			prev := regexp.MustCompile(`rel="prev" href="([^"]+)"`).FindStringSubmatch(second.Body)
			if prev == nil {
				t.Fatal("page 2 has no previous link")
			}
			if back := b.get(unescapeAttr(prev[1])).ticketIDs(); !slices.Equal(back, first.ticketIDs()) {
				t.Errorf("previous page = %v, want %v", back, first.ticketIDs())
			}
		})

		t.Run("a bad query is a form error in the user's language", func(t *testing.T) {
			for q, msg := range map[string]string{
				"created_from=yesterday":        loc.T("form.invalid_date"),
				"status=bogus":                  loc.T("form.invalid_choice"),
				"sort=password":                 loc.T("tickets.error.sort"),
				"cursor=garbage":                loc.T("tickets.error.cursor"),
				"stage_id=abc":                  loc.T("form.invalid"),
				"p.nosuch=1":                    loc.T("form.invalid_choice"),
				"q=" + strings.Repeat("x", 201): loc.N("form.too_long", 200),
				"q=a%00b":                       loc.T("form.invalid_chars"),
				"limit=1000":                    loc.T("tickets.error.cursor"),
			} {
				p := b.get("/support/tickets?" + q)
				if p.Code != http.StatusUnprocessableEntity {
					t.Errorf("%s = %d, want 422", q, p.Code)
					continue
				}
				p.has(t, msg)
				if len(p.ticketIDs()) != 0 {
					t.Errorf("%s still lists tickets", q)
				}
			}
		})
	})
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestPageTicketDetail(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.browser()
		b.signIn(t, w.ann.login)
		url1 := fmt.Sprintf("/support/tickets/%d", w.open)

		t.Run("public conversation only, with the queue", func(t *testing.T) {
			p := b.get(url1).want(t, http.StatusOK)
			p.has(t, "Printer on fire", "Smoke everywhere", "We are sending help.", loc.T("ticket.author.you"),
				loc.N("ticket.queue", 2, map[string]any{"Position": "1"}), loc.T("ticket.owner.none"), "Acme")
			p.lacks(t, "SECRET-NOTE")
		})

		t.Run("a reply with two files", func(t *testing.T) {
			r := b.upload(url1+"/reply", map[string]string{"body": "Here are the logs."},
				[][2]string{{"first.log", "line one"}, {"second.txt", "line two"}}).want(t, http.StatusSeeOther)
			p := b.follow(t, r).want(t, http.StatusOK)
			p.has(t, loc.T("ticket.reply.sent"), "Here are the logs.", "first.log", "second.txt")
			links := regexp.MustCompile(`href="(/api/v1/portal/support/attachments/\d+)"`).FindAllStringSubmatch(p.Body, -1)
			if len(links) != 2 {
				t.Fatalf("attachment links: %v", links)
			}
			if !strings.Contains(p.Body, `hx-boost="false" download`) {
				t.Error("attachment links would be loaded by htmx instead of downloaded")
			}
			p.lacks(t, "SECRET-NOTE")
			// The notice shows once.
			b.get(url1).lacks(t, loc.T("ticket.reply.sent"))
		})

		t.Run("an empty reply keeps the form and says why", func(t *testing.T) {
			p := b.post(url1+"/reply", url.Values{"body": {"  "}}).want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("form.required"), "Printer on fire")
			if p.Header.Get("HX-Push-Url") != url1 {
				t.Errorf("HX-Push-Url = %q", p.Header.Get("HX-Push-Url"))
			}
		})

		t.Run("replying to a closed ticket follows the portal", func(t *testing.T) {
			closed := fmt.Sprintf("/support/tickets/%d", w.closed)
			e.pagePortal(t, map[string]any{"allow_reply_to_closed": false})
			p := b.get(closed).want(t, http.StatusOK)
			p.has(t, loc.T("ticket.reply.disabled"))
			if strings.Contains(p.Body, `action="`+closed+`/reply"`) {
				t.Error("a closed ticket offers a reply form")
			}
			b.post(closed+"/reply", url.Values{"body": {"Still broken"}}).want(t, http.StatusConflict).has(t, loc.T("ticket.reply.disabled"))

			e.pagePortal(t, map[string]any{"allow_reply_to_closed": true})
			b.get(closed).want(t, http.StatusOK).has(t, loc.T("ticket.reply.reopen_note"))
			p = b.follow(t, b.post(closed+"/reply", url.Values{"body": {"Still broken"}}))
			p.has(t, loc.T("ticket.reopened"), "Still broken", loc.T("status.open"))
		})

		t.Run("closing follows the portal", func(t *testing.T) {
			e.pagePortal(t, map[string]any{"allow_customer_close": false})
			if strings.Contains(b.get(url1).Body, url1+"/close") {
				t.Error("a close button although the portal forbids it")
			}
			b.post(url1+"/close", nil).want(t, http.StatusForbidden).has(t, loc.T("ticket.close.not_allowed"))
			e.pagePortal(t, map[string]any{"allow_customer_close": true})
			if !strings.Contains(b.get(url1).Body, `action="`+url1+`/close"`) {
				t.Fatal("no close button")
			}
			p := b.follow(t, b.post(url1+"/close", nil))
			p.has(t, loc.T("ticket.closed"), loc.T("ticket.rating.title"))
			if strings.Contains(p.Body, url1+"/close") {
				t.Error("a closed ticket still offers to close")
			}
		})

		t.Run("rating a closed ticket", func(t *testing.T) {
			b.post(url1+"/rating", url.Values{"score": {"9"}}).want(t, http.StatusUnprocessableEntity).has(t, loc.T("ticket.rating.choose"))
			p := b.follow(t, b.post(url1+"/rating", url.Values{"score": {"5"}, "comment": {"Quick & kind"}}))
			p.has(t, loc.T("ticket.rating.thanks"), loc.N("ticket.rating.stars", 5), "Quick & kind", "You can change your rating until")
			p = b.follow(t, b.post(url1+"/rating", url.Values{"score": {"3"}, "comment": {"On second thought"}}))
			p.has(t, loc.N("ticket.rating.stars", 3), "On second thought")
			b.post(fmt.Sprintf("/support/tickets/%d/rating", w.bobOpen), url.Values{"score": {"3"}}).want(t, http.StatusNotFound)
		})
	})
}

func TestPageNewTicketAndDrafts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		b := e.browser()
		b.signIn(t, w.ann.login)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "product", "type": "single_select", "options": []string{"Shop", "App"},
			"label": map[string]string{"en": "Product"}, "portal_visible": true}, http.StatusCreated)

		form := b.get("/support/tickets/new").want(t, http.StatusOK)
		form.has(t, loc.T("new.field.subject"), loc.T("new.save_draft"), loc.T("channel.sms"), "Product", `name="p.product"`)

		t.Run("errors next to the field, keeping what was typed", func(t *testing.T) {
			p := b.upload("/support/tickets/new", map[string]string{"subject": " ", "body": "Typed with care", "p.product": "Nope"}, nil)
			p.want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("form.required"), "Typed with care", loc.T("form.invalid_choice"))
			if !regexp.MustCompile(`id="subject"[^>]*aria-invalid="true"`).MatchString(p.Body) {
				t.Error("the subject field is not marked invalid")
			}
		})

		t.Run("submit with files", func(t *testing.T) {
			r := b.upload("/support/tickets/new", map[string]string{"subject": "Scanner jams", "body": "Every morning", "reply_channel": "portal",
				"priority": "high", "p.product": "App"}, [][2]string{{"jam.txt", "paper"}}).want(t, http.StatusSeeOther)
			p := b.follow(t, r).want(t, http.StatusOK)
			p.has(t, "Scanner jams", "Every morning", "jam.txt", loc.T("channel.portal"), loc.T("priority.high"), "App")
			p.has(t, strings.SplitN(loc.T("new.submitted", map[string]any{"ID": "X"}), "X", 2)[0])
		})

		t.Run("draft, then send", func(t *testing.T) {
			r := b.upload("/support/tickets/new", map[string]string{"subject": "Not ready yet", "draft": "1"}, nil).want(t, http.StatusSeeOther)
			draft := r.Header.Get("Location")
			p := b.follow(t, r)
			p.has(t, loc.T("new.draft.saved"), loc.T("ticket.draft.notice"), loc.T("tickets.draft"))
			if strings.Contains(p.Body, draft+"/reply") {
				t.Error("a draft offers a reply form")
			}
			if !slices.Contains(b.get("/support/tickets?view=drafts").ticketIDs(), idOf(t, draft)) {
				t.Error("the draft is not under Drafts")
			}
			// No one else sees a draft, not even a colleague under company permission.
			e.pagePortal(t, map[string]any{"ticket_permission": "company"})
			bob := e.browser()
			bob.signIn(t, w.bob.login)
			bob.get(draft).want(t, http.StatusNotFound).lacks(t, "Not ready yet")

			p = b.follow(t, b.post(draft+"/submit", nil))
			p.has(t, "Not ready yet")
			p.lacks(t, loc.T("ticket.draft.notice"))
			if slices.Contains(b.get("/support/tickets?view=drafts").ticketIDs(), idOf(t, draft)) {
				t.Error("a sent draft is still under Drafts")
			}
			bob.get(draft).want(t, http.StatusOK)
		})
	})
}

func idOf(t *testing.T, path string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", path)
	}
	return n
}

func TestPageShareAndIdentities(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		ann := e.browser()
		ann.signIn(t, w.ann.login)
		bob := e.browser()
		bob.signIn(t, w.bob.login)
		url1 := fmt.Sprintf("/support/tickets/%d", w.open)

		t.Run("share with a colleague", func(t *testing.T) {
			p := ann.get(url1).want(t, http.StatusOK)
			p.has(t, loc.T("ticket.share.title"), "Bob Ray")
			p.lacks(t, "Sam Oak")
			for _, c := range []int64{w.sam.contact, w.annG.contact, w.ann.contact} {
				if strings.Contains(p.Body, fmt.Sprintf(`name="contact_ids" value="%d"`, c)) {
					t.Errorf("contact %d is offered as a colleague", c)
				}
			}
			if !strings.Contains(p.Body, fmt.Sprintf(`name="contact_ids" value="%d"`, w.bob.contact)) {
				t.Error("Bob is not offered")
			}
			bob.get(url1).want(t, http.StatusNotFound)
			ann.post(url1+"/share", url.Values{"contact_ids": {strconv.FormatInt(w.sam.contact, 10)}}).
				want(t, http.StatusUnprocessableEntity).has(t, loc.T("ticket.share.outside"))
			ann.post(url1+"/share", url.Values{}).want(t, http.StatusUnprocessableEntity).has(t, loc.T("ticket.share.choose"))
			r := ann.post(url1+"/share", url.Values{"contact_ids": {strconv.FormatInt(w.bob.contact, 10)}}).want(t, http.StatusSeeOther)
			ann.follow(t, r).has(t, loc.T("ticket.share.done", map[string]any{"Name": "Bob Ray"}))
			shared := bob.get("/support/tickets?view=shared").want(t, http.StatusOK)
			if !slices.Equal(shared.ticketIDs(), []int64{w.open}) {
				t.Errorf("Bob's shared view = %v", shared.ticketIDs())
			}
			bob.get(url1).want(t, http.StatusOK).has(t, "Printer on fire")
			bob.follow(t, bob.post(url1+"/reply", url.Values{"body": {"Bob chimes in"}})).has(t, "Bob chimes in")
			ann.get(url1).has(t, "Bob Ray", "Bob chimes in")
		})

		t.Run("switching identity changes what is visible", func(t *testing.T) {
			p := ann.get("/support/").want(t, http.StatusOK)
			p.has(t, loc.T("nav.identity.switch"), "Globex")
			r := ann.post("/support/me/identity", url.Values{"contact_id": {strconv.FormatInt(w.annG.contact, 10)}}).want(t, http.StatusSeeOther)
			if r.Header.Get("Location") != "/support/" {
				t.Errorf("identity switch goes to %q", r.Header.Get("Location"))
			}
			home := ann.follow(t, r)
			home.has(t, loc.T("nav.identity.switched", map[string]any{"Name": "Ann Globex"}))
			home.lacks(t, "Printer on fire")
			ann.get(url1).want(t, http.StatusNotFound).lacks(t, "Printer on fire")
			ann.post("/support/me/identity", url.Values{"contact_id": {strconv.FormatInt(w.bob.contact, 10)}}).want(t, http.StatusNotFound)
			ann.post("/support/me/identity", url.Values{"contact_id": {"abc"}}).want(t, http.StatusNotFound)
			me := ann.get("/support/me").want(t, http.StatusOK)
			me.has(t, "Ann Lee", "Ann Globex", loc.T("profile.identities.current"))
			ann.follow(t, ann.post("/support/me/identity", url.Values{"contact_id": {strconv.FormatInt(w.ann.contact, 10)}}))
			ann.get(url1).want(t, http.StatusOK)
		})

		t.Run("profile", func(t *testing.T) {
			me := ann.get("/support/me").want(t, http.StatusOK)
			me.has(t, w.ann.login, loc.T("profile.language.browser"))
			p := ann.post("/support/me", url.Values{"display_name": {strings.Repeat("n", 101)}, "language": {""}}).want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.N("form.too_long", 100))
			p = ann.follow(t, ann.post("/support/me", url.Values{"display_name": {"Annie"}, "language": {""}}))
			p.has(t, loc.T("profile.saved"), "Annie")
		})
	})
}

// TestPageTicketsOfOthersAreNotFound checks every ticket page against
// everyone who may not see the ticket: the same 404 as a missing ticket,
// without its subject, and nothing changed.
func TestPageTicketsOfOthersAreNotFound(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		e.pagePortal(t, map[string]any{"ticket_permission": "own", "allow_customer_close": true, "allow_reply_to_closed": true})
		loc := en(t)
		sam, bob, annG, anon := e.browser(), e.browser(), e.browser(), e.browser()
		sam.signIn(t, w.sam.login)
		bob.signIn(t, w.bob.login)
		annG.signIn(t, w.ann.login)
		annG.post("/support/me/identity", url.Values{"contact_id": {strconv.FormatInt(w.annG.contact, 10)}}).want(t, http.StatusSeeOther)
		before := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body

		missing := sam.get("/support/tickets/999999").want(t, http.StatusNotFound)
		missing.has(t, loc.T("ticket.not_found.title"))
		for _, who := range []struct {
			name string
			b    *pageBrowser
		}{{"a stranger", sam}, {"a colleague under own permission", bob}, {"another identity of the account", annG}, {"an anonymous client", anon}} {
			for _, tk := range []int64{w.open, w.closed} {
				base := fmt.Sprintf("/support/tickets/%d", tk)
				for _, req := range []struct {
					method, path string
					form         url.Values
				}{
					{"GET", base, nil},
					{"POST", base + "/reply", url.Values{"body": {"intrusion"}}},
					{"POST", base + "/close", nil},
					{"POST", base + "/rating", url.Values{"score": {"1"}}},
					{"POST", base + "/share", url.Values{"contact_ids": {strconv.FormatInt(w.sam.contact, 10)}}},
					{"POST", base + "/submit", nil},
				} {
					var p *page
					if req.method == "GET" {
						p = who.b.get(req.path)
					} else {
						p = who.b.post(req.path, req.form)
					}
					if who.b == anon {
						if p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/support/login") {
							t.Errorf("%s: %s %s = %d %q, want a redirect to sign in", who.name, req.method, req.path, p.Code, p.Header.Get("Location"))
						}
					} else if p.Code != http.StatusNotFound {
						t.Errorf("%s: %s %s = %d, want 404", who.name, req.method, req.path, p.Code)
					} else if strings.ReplaceAll(p.Body, req.path, "") != strings.ReplaceAll(missing.Body, "/support/tickets/999999", "") &&
						!strings.Contains(p.Text(), loc.T("ticket.not_found.title")) {
						t.Errorf("%s: %s %s is not the page of a missing ticket", who.name, req.method, req.path)
					}
					p.lacks(t, "Printer on fire", "Old invoice question", "Smoke everywhere")
				}
			}
		}
		for _, bad := range []string{"abc", "0", "-1", "1.5", "99999999999999999999", "%20"} {
			sam.get("/support/tickets/"+bad).want(t, http.StatusNotFound)
		}
		if after := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body; string(after) != string(before) {
			t.Error("a refused post changed the conversation")
		}
		if got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", w.open), nil, http.StatusOK)["status"]; got != "open" {
			t.Errorf("a refused close left the ticket %v", got)
		}
		// The lists say nothing of it either.
		for _, b := range []*pageBrowser{sam, bob, annG} {
			for _, path := range []string{"/support/", "/support/tickets", "/support/tickets?q=Printer", "/support/tickets?view=shared"} {
				b.get(path).lacks(t, "Printer on fire", "Old invoice question")
			}
		}
	})
}
