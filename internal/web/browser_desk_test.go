package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// submit clicks sel, a button that sends a form, and waits for the page
// that answers, whether it comes by navigation or through htmx, and then
// for cond.
func (b *browser) submit(sel, cond string) {
	b.t.Helper()
	eval[bool](b, "document.querySelector('main').dataset.sent = '1', true")
	b.click(sel)
	b.waitUntil("the answer to "+sel, "!document.querySelector('main[data-sent]') && ("+cond+")")
}

// streams counts the live event streams the tab's pages have opened: the
// server answers a stream only once it listens for the ticket's changes,
// so a change made after the count went up reaches the page.
func (b *browser) streams() *atomic.Int64 {
	b.t.Helper()
	var n atomic.Int64
	err := chromedp.Listen(b.ctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok && r.Type == network.ResourceTypeEventSource && r.Response.Status == 200 {
			n.Add(1)
		}
	})
	if err != nil {
		b.t.Fatalf("listen to the tab: %v", err)
	}
	return &n
}

// waitStreams waits until more than seen streams were opened.
func (b *browser) waitStreams(n *atomic.Int64, seen int64) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for n.Load() <= seen {
		if time.Now().After(deadline) {
			b.shot("timeout-stream")
			b.t.Fatalf("the page on %s opened no live stream", eval[string](b, "location.href"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// js quotes s as a JavaScript string.
func js(s string) string { return strconv.Quote(s) }

// TestBrowserAgentDay is an agent's day with a customer watching: the
// customer opens a ticket in the portal; the agent finds it among the
// unassigned, takes it, answers, notes, moves it on, while the customer's
// open page shows the answer and the new stage without a reload and never
// the note; then the admin reshapes the portal (columns, ticket label,
// colour, languages) and the customer's pages follow.
func TestBrowserAgentDay(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { agentDay(t, engine) })
	}
}

func agentDay(t *testing.T, engine string) {
	// The server's clock follows the real one, from which the test may
	// set it back to make things that happened hours ago.
	var back atomic.Int64
	e := newTestEnv(t, storetest.Open(t, engine, func() time.Time { return time.Now().Add(-time.Duration(back.Load())) }))
	ts := httptest.NewServer(e.srv)
	// Both tabs keep live streams open: end them, or the server waits.
	defer func() { e.srv.EndStreams(); ts.Close() }()
	cust := newBrowser(t, ts.URL, "agentday-"+engine+"-customer")
	desk := cust.sibling("agentday-" + engine + "-desk")
	loc := en(t)

	maja := id(t, e.ok(t, "POST", "/api/v1/agents", map[string]any{"email": "maja@portico.test", "name": "Maja Lund", "role": "admin",
		"password": deskPassword}, http.StatusCreated), "id")
	co := e.company(t, "Nordic Freight")
	e.newCustomer(t, map[string]any{"first_name": "Ann", "last_name": "Berg", "email": "ann@freight.test", "company_id": co})
	// The portal shows stage names, so that a move between two open
	// stages is something the customer can see.
	e.setPortal(t, map[string]any{"show_custom_stages": true})
	// Another customer's unassigned ticket from yesterday, which the agent
	// must pass by, with the longest stage name and a priority, as lists
	// have them.
	back.Store(int64(20 * time.Hour))
	other := e.newCustomer(t, map[string]any{"first_name": "Olle", "last_name": "Wikström", "email": "olle@elsewhere.test"})
	e.ticket(t, other.contact, "Scanner offline", map[string]any{"body": "Since noon.", "stage_id": e.stages(t)[2], "priority": "urgent"})
	back.Store(0)
	// Ratings of the past month, for the report.
	for i, age := range []time.Duration{20 * 24 * time.Hour, 3 * 24 * time.Hour} {
		tk := id(t, e.ticket(t, other.contact, fmt.Sprintf("Rated %d", i), map[string]any{"owner_id": maja, "stage_id": e.stages(t)[3]}), "id")
		at := e.db.Now().Add(-age)
		if err := e.db.UpsertRating(context.Background(), &ticket.Rating{TicketID: tk, ContactID: &other.contact, AgentID: &maja,
			Score: 3 + i, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}

	const (
		subject = "Forklift tablet will not sync"
		reply   = "Please restart the tablet while docked; it syncs within a minute."
		note    = "NOTE-7731 the customer is on the legacy plan"
	)

	// The customer signs in and opens a ticket through the form.
	cust.open("/support/login", "document.querySelector('#login')")
	cust.do("sign in", chromedp.SendKeys(chromedp.CSS("#login"), "ann@freight.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	cust.submit("form[action$='/login'] button[type=submit]", "document.querySelector('.figures')")
	cust.open("/support/tickets/new", "document.querySelector('#subject')")
	cust.do("write the ticket", chromedp.SendKeys(chromedp.CSS("#subject"), subject),
		chromedp.SendKeys(chromedp.CSS("#body"), "The tablet on forklift 3 shows yesterday's orders."))
	streams := cust.streams()
	cust.submit("button[name=draft][value='0']", "/^\\/support\\/tickets\\/\\d+$/.test(location.pathname)")
	tid, err := strconv.ParseInt(strings.TrimPrefix(eval[string](cust, "location.pathname"), "/support/tickets/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	cust.waitStreams(streams, 0)
	if text := cust.text(); !strings.Contains(text, subject) || !strings.Contains(text, "New") {
		t.Errorf("the new ticket's page does not show its subject and stage:\n%s", text)
	}
	if !eval[bool](cust, "!!document.querySelector('.queue')") {
		t.Error("the new ticket waits for acceptance but its page shows no queue position")
	}
	// From here on, anything that shows the note on the customer's page,
	// even for a moment, is recorded.
	eval[bool](cust, `(() => {
		window.sawNote = false;
		const check = () => { if (document.body.textContent.includes(`+js(note)+`)) window.sawNote = true; };
		new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
		return true;
	})()`)
	cust.shot("01-ticket-created")

	// The agent signs in and finds the ticket among the unassigned.
	desk.viewport(1280, 900)
	desk.open("/desk/login", "document.querySelector('#email')")
	desk.do("desk sign-in", chromedp.SendKeys(chromedp.CSS("#email"), "maja@portico.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), deskPassword))
	desk.submit("form[action='/desk/login'] button[type=submit]", "location.pathname === '/desk/' && document.querySelector('.inbox')")
	desk.click(".views a[href*='view=unassigned']")
	desk.waitUntil("the unassigned view", "location.search.includes('view=unassigned') && document.querySelectorAll('a.subject-link').length === 2")
	listFits(desk, "the unassigned view")
	desk.shot("01-inbox-unassigned")
	href := eval[string](desk, `[...document.querySelectorAll('a.subject-link')].find(a => a.textContent.trim() === `+js(subject)+`)?.getAttribute('href') || ''`)
	if href != fmt.Sprintf("/desk/tickets/%d", tid) {
		t.Fatalf("the unassigned view links %q for the customer's ticket %d", href, tid)
	}
	deskStreams := desk.streams()
	desk.click(fmt.Sprintf("a.subject-link[href='%s']", href))
	desk.waitUntil("the desk ticket", "document.querySelector('#reply-body') && document.querySelector('h1').textContent.includes("+js(subject)+")")
	desk.waitStreams(deskStreams, 0)

	// The agent takes the ticket; the customer sees its owner.
	desk.do("choose owner", chromedp.SetValue(chromedp.CSS("#e-owner"), strconv.FormatInt(maja, 10)))
	desk.submit("form.edit-form button[type=submit]", "document.querySelector('.notice')?.textContent.includes("+js(loc.T("desk.ticket.saved"))+")")
	if got := eval[string](desk, "document.querySelector('#e-owner').selectedOptions[0].textContent"); !strings.Contains(got, "Maja Lund") {
		t.Errorf("after saving, the owner reads %q", got)
	}
	// The portal names owners by their first name unless told otherwise.
	cust.waitUntil("the owner shown live", `[...document.querySelectorAll('#ticket-facts > div')]
		.some(d => d.querySelector('dt').textContent.trim() === `+js(loc.T("tickets.col.owner"))+` && d.querySelector('dd').textContent.trim() === 'Maja')`)

	// A public reply: it reaches the customer's open page by itself.
	desk.do("write the reply", chromedp.SendKeys(chromedp.CSS("#reply-body"), reply))
	desk.submit(".composer button[type=submit]", "document.querySelector('#desk-thread').textContent.includes("+js(reply)+")")
	cust.waitUntil("the reply shown live", "document.querySelector('#ticket-thread').textContent.includes("+js(reply)+")")
	if got := eval[string](cust, "location.pathname"); got != fmt.Sprintf("/support/tickets/%d", tid) {
		t.Errorf("the customer's page moved to %s", got)
	}
	cust.shot("02-reply-live")

	// An internal note.
	desk.click("#kind-note")
	desk.do("write the note", chromedp.SendKeys(chromedp.CSS("#reply-body"), note))
	desk.submit(".composer button[type=submit]", "document.querySelector('#desk-thread .msg-note')?.textContent.includes("+js(note)+")")
	if n := eval[int](desk, "document.querySelectorAll('#desk-thread .msg-note').length"); n != 1 {
		t.Errorf("the desk thread shows %d notes, want 1", n)
	}
	desk.shot("02-ticket-reply-note")

	// The stage moves on: the customer's page shows the new stage and
	// drops the queue position without a reload, and still no note.
	const stage = "In progress"
	eval[bool](desk, `(() => {
		const s = document.querySelector('#e-stage');
		s.value = [...s.options].find(o => o.textContent.trim() === `+js(stage)+`).value;
		return true;
	})()`)
	desk.submit("form.edit-form button[type=submit]", "document.querySelector('#desk-head').textContent.includes("+js(stage)+")")
	cust.waitUntil("the stage shown live", "document.querySelector('#ticket-head .badge')?.textContent.includes("+js(stage)+")")
	cust.waitUntil("the queue position gone", "!document.querySelector('.queue')")
	if text := eval[string](cust, "document.body.textContent"); strings.Contains(text, note) || !strings.Contains(text, reply) {
		t.Errorf("after the stage change the customer's page shows the wrong messages:\n%s", text)
	}
	if eval[bool](cust, "window.sawNote") {
		t.Error("the customer's page showed the internal note")
	}
	cust.shot("03-stage-live")
	cust.open(fmt.Sprintf("/support/tickets/%d", tid), "document.querySelector('#ticket-thread')")
	if text := eval[string](cust, "document.body.textContent"); strings.Contains(text, note) || !strings.Contains(text, reply) || !strings.Contains(text, stage) {
		t.Errorf("after a reload the customer's page shows the wrong things:\n%s", cust.text())
	}

	// The same desk pages on a phone.
	desk.viewport(375, 812)
	desk.open(href, "document.querySelector('#reply-body')")
	if w := eval[float64](desk, "document.documentElement.scrollWidth"); w > 375 {
		t.Errorf("the desk ticket page is %.0f px wide on a 375 px screen", w)
	}
	desk.shot("03-phone-ticket")
	desk.open("/desk/?view=all", "document.querySelector('a.subject-link')")
	if w := eval[float64](desk, "document.documentElement.scrollWidth"); w > 375 {
		t.Errorf("the inbox is %.0f px wide on a 375 px screen", w)
	}
	desk.shot("04-phone-inbox")
	desk.viewport(1280, 900)

	// The admin reshapes the portal. Before: the recommended columns.
	cust.open("/support/tickets", "document.querySelector('table.tickets')")
	if got := columnKeys(cust); got != "id subject requester created_at owner last_activity_at status" {
		t.Fatalf("the portal list starts with columns %q", got)
	}
	accentBefore := eval[string](cust, "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")

	desk.open("/desk/settings/portals/support/columns", "document.querySelector('.settings-order')")
	saved := "document.querySelector('.notice')?.textContent.includes(" + js(loc.T("settings.saved")) + ")"
	chosen := "[...document.querySelectorAll('.settings-order input[name=columns]')].map(i => i.value).join(' ')"
	desk.submit(".settings-order li:has(input[value=requester]) button[value^='remove:']", saved+" && !("+chosen+").includes('requester')")
	desk.do("choose a column", chromedp.SetValue(chromedp.CSS("#add_column"), "priority"))
	desk.submit("button[name=op][value=add]", saved+" && ("+chosen+").endsWith('priority')")
	desk.submit(".settings-order li:has(input[value=status]) button[value^='up:']", saved)
	if got := eval[string](desk, chosen); got != "id subject created_at owner status last_activity_at priority" {
		t.Errorf("the chosen columns are %q", got)
	}
	desk.shot("05-settings-columns")

	desk.open("/desk/settings/portals/support/tickets", "document.querySelector('input[name=\"ticket_label.en\"]')")
	desk.do("rename tickets", chromedp.SetValue(chromedp.CSS(`input[name="ticket_label.en"]`), "Cases"),
		chromedp.SetValue(chromedp.CSS(`input[name="ticket_label.sv"]`), "Supportfall"))
	desk.submit(".settings-form .form-actions button.btn-primary", saved)
	desk.shot("06-settings-tickets")

	const accent = "#0a7d4f"
	desk.open("/desk/settings/portals/support/theme", "document.querySelector('#accent_color')")
	desk.do("choose a colour", chromedp.SetValue(chromedp.CSS("#accent_color"), accent))
	desk.submit(".settings-form .form-actions button.btn-primary", saved+" && document.querySelector('#accent_color').value === "+js(accent))
	desk.shot("07-settings-theme")

	cust.open("/support/tickets", "document.querySelector('table.tickets')")
	if got := columnKeys(cust); got != "id subject created_at owner status last_activity_at priority" {
		t.Errorf("after the change the portal list has columns %q", got)
	}
	heads := eval[string](cust, "[...document.querySelectorAll('table.tickets thead th')].map(th => th.textContent.replace(/[↑↓]/g, '').trim()).join('|')")
	if heads != "ID|Subject|Created|Owner|Status|Last activity|Priority" {
		t.Errorf("the column headings read %q", heads)
	}
	if got := eval[string](cust, "document.querySelector('h1').textContent.trim()"); got != "Cases" {
		t.Errorf("the list is headed %q, want the new label", got)
	}
	if got := eval[string](cust, "[...document.querySelectorAll('nav.nav-wide a')].map(a => a.textContent.trim()).join('|')"); !strings.Contains(got, "Cases") || strings.Contains(got, "Tickets") {
		t.Errorf("the navigation reads %q, want Cases for Tickets", got)
	}
	if got := eval[string](cust, "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"); got != accent || got == accentBefore {
		t.Errorf("--accent is %q (before %q), want %s", got, accentBefore, accent)
	}
	if got := eval[string](cust, "getComputedStyle(document.querySelector('.page-actions .btn-primary')).backgroundColor"); got != "rgb(10, 125, 79)" {
		t.Errorf("the primary button's colour is %s, want the theme's", got)
	}
	cust.shot("04-portal-reshaped")

	// Languages: Swedish and Polish only, Swedish first.
	desk.open("/desk/settings/portals/support/general", "document.querySelector('#default_language')")
	for _, lang := range []string{"en", "zh-CN"} {
		desk.click("input[name=languages][value='" + lang + "']")
	}
	if got := eval[string](desk, "[...document.querySelectorAll('input[name=languages]:checked')].map(c => c.value).join(' ')"); got != "pl sv" && got != "sv pl" {
		t.Fatalf("the languages checked are %q", got)
	}
	desk.do("choose the default language", chromedp.SetValue(chromedp.CSS("#default_language"), "sv"))
	desk.submit(".settings-form .form-actions button.btn-primary", saved)
	desk.shot("08-settings-general")

	cust.open("/support/tickets", "document.querySelector('table.tickets')")
	if got := eval[string](cust, "document.documentElement.lang"); got != "sv" {
		t.Errorf("<html lang> = %q after the portal went Swedish", got)
	}
	if got := eval[string](cust, "document.querySelector('h1').textContent.trim()"); got != "Supportfall" {
		t.Errorf("the Swedish list is headed %q", got)
	}
	if got := eval[string](cust, "[...document.querySelectorAll('.lang-form button[name=lang]')].map(b => b.value).sort().join(' ')"); got != "pl sv" {
		t.Errorf("the language switch offers %q, want pl and sv", got)
	}
	cust.shot("05-portal-swedish")
	cust.click("details:has(.lang-form) > summary")
	cust.submit(".lang-form button[value=pl]", "document.documentElement.lang === 'pl'")
	if got := eval[string](cust, "location.pathname"); got != "/support/tickets" {
		t.Errorf("after choosing Polish the customer is at %s", got)
	}
	cust.shot("06-portal-polish")

	// The ratings report: every label of its chart inside the chart.
	desk.open("/desk/reports/ratings", "document.querySelector('svg.report-chart text')")
	if out := eval[string](desk, `(() => {
		const box = document.querySelector('svg.report-chart').getBoundingClientRect();
		return [...document.querySelectorAll('svg.report-chart text')].map(t => [t.textContent, t.getBoundingClientRect()])
			.filter(([, r]) => r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom)
			.map(([s]) => s).join(', ');
	})()`); out != "" {
		t.Errorf("chart labels cut off at the chart's edge: %s", out)
	}
	desk.shot("09-ratings")

	// The inbox in Swedish, whose headings are long, still fits.
	desk.click("details:has(.lang-form) > summary")
	desk.submit(".lang-form button[value=sv]", "document.documentElement.lang === 'sv'")
	desk.open("/desk/?view=all&status=any", "document.querySelectorAll('a.subject-link').length === 4")
	listFits(desk, "the Swedish inbox")
	desk.shot("10-inbox-swedish")
}

// listFits fails unless the desk's list fits its frame with all its
// columns in view, and the page fits the window.
func listFits(b *browser, what string) {
	b.t.Helper()
	if got := eval[string](b, `(() => {
		const wrap = document.querySelector('.table-wrap'), list = wrap.querySelector('table');
		return list.scrollWidth > wrap.clientWidth || document.documentElement.scrollWidth > innerWidth ?
			list.scrollWidth + ' px in ' + wrap.clientWidth + ' px, page ' + document.documentElement.scrollWidth + ' px' : '';
	})()`); got != "" {
		b.shot("too-wide")
		b.t.Errorf("%s does not fit a %d px window: %s", what, eval[int](b, "innerWidth"), got)
	}
}

// columnKeys are the portal list's columns, by their keys.
func columnKeys(b *browser) string {
	return eval[string](b, "[...document.querySelectorAll('table.tickets thead th')].map(th => th.className.replace(/^col-/, '')).join(' ')")
}
