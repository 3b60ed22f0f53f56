package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"portico/internal/agent"
	"portico/internal/ticket"
)

func TestRatingsReport(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		w := newPageWorld(t, e)
		aliceID, _ := e.newAgent(t, "alice@portico.test", agent.RoleAgent)
		bobID, _ := e.newAgent(t, "bob@portico.test", agent.RoleAgent)
		now := e.db.Now()
		rate := func(agentID int64, score int, age time.Duration) {
			tk := e.ticket(t, w.ann.contact, "Rated", nil)
			r := &ticket.Rating{TicketID: id(t, tk, "id"), ContactID: &w.ann.contact, Score: score, CreatedAt: now.Add(-age), UpdatedAt: now.Add(-age)}
			if agentID != 0 {
				r.AgentID = &agentID
			}
			if err := e.db.UpsertRating(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		day := 24 * time.Hour
		rate(aliceID, 5, time.Hour)
		rate(aliceID, 4, 2*day)
		rate(aliceID, 3, 10*day)
		rate(bobID, 2, 3*day)
		rate(0, 1, 20*day)
		rate(bobID, 5, 100*day) // only in the year's report

		// Anonymous and customers are refused.
		if p := e.browser().get("/desk/reports/ratings"); p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
			t.Errorf("anonymous = %d %q", p.Code, p.Header.Get("Location"))
		}
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		if p := cust.get("/desk/reports/ratings"); p.Code != http.StatusSeeOther {
			t.Errorf("customer = %d", p.Code)
		}

		b := e.deskAgent(t, "plain@portico.test", agent.RoleAgent)
		home := b.get("/desk/").want(t, http.StatusOK)
		home.has(t, `href="/desk/reports/ratings"`)

		// Last 7 days: Alice 5 and 4, Bob 2.
		p := b.get("/desk/reports/ratings?days=7").want(t, http.StatusOK).strict(t, "/desk/reports/ratings?days=7")
		p.has(t, `<dd id="ratings-count">3</dd>`)
		p.has(t, `<dd id="ratings-average">3.67</dd>`)
		p.has(t, ">alice")
		p.has(t, "4.50")
		p.has(t, "<svg")
		p.has(t, "<polyline")
		if strings.Contains(p.Body, "style=") {
			t.Error("the report uses inline styles")
		}
		// Default 30 days: five ratings, the unowned one too.
		p = b.get("/desk/reports/ratings").want(t, http.StatusOK)
		p.has(t, `<dd id="ratings-count">5</dd>`)
		p.has(t, `<dd id="ratings-average">3.00</dd>`)
		p.has(t, en(t).T("reports.ratings.no_agent"))
		p.has(t, `aria-current="page">`+en(t).T("reports.period.days", map[string]any{"Days": 30}))
		// The year: six ratings.
		p = b.get("/desk/reports/ratings?days=365").want(t, http.StatusOK)
		p.has(t, `<dd id="ratings-count">6</dd>`)
		p.has(t, `<dd id="ratings-average">3.33</dd>`)
		// An unknown period falls back to 30 days.
		b.get("/desk/reports/ratings?days=12").want(t, http.StatusOK).has(t, `<dd id="ratings-count">5</dd>`)
		// Polish formats decimals its own way.
		b.post("/desk/language", map[string][]string{"lang": {"pl"}, "next": {"/desk/"}})
		b.get("/desk/reports/ratings?days=7").want(t, http.StatusOK).has(t, "3,67")
	})
}

func TestRatingsReportEmpty(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		b := e.settingsAdmin(t)
		p := b.get("/desk/reports/ratings").want(t, http.StatusOK)
		p.has(t, en(t).T("reports.ratings.none"))
	})
}
