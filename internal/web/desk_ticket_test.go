package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDeskTicket(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		stages := e.stages(t)
		agent := e.deskAgent(t, "agent@portico.test", "agent")
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		desk := fmt.Sprintf("/desk/tickets/%d", w.open)
		portal := fmt.Sprintf("/support/tickets/%d", w.open)

		t.Run("the whole thread, notes shaded and labelled", func(t *testing.T) {
			p := agent.get(desk).want(t, http.StatusOK).strict(t, "ticket")
			p.has(t, "Printer on fire", "Smoke everywhere", "We are sending help.", "SECRET-NOTE agents only",
				loc.T("desk.ticket.note_label"), `class="msg msg-agent msg-note"`, loc.T("desk.ticket.timeline"),
				loc.T("desk.event.ticket.created"), loc.T("desk.event.note.created"), "Ann Lee", "ann@acme.test",
				`data-live="`+desk+`/events"`, `enctype="multipart/form-data"`)
			// The requester's other tickets, not this one.
			p.has(t, fmt.Sprintf(`href="/desk/tickets/%d"`, w.closed), "Old invoice question")
			if strings.Count(p.Body, fmt.Sprintf(`href="/desk/tickets/%d"`, w.open)) != 0 {
				t.Error("the ticket lists itself among the requester's others")
			}
		})

		t.Run("a public reply with a file reaches the customer; a note does not", func(t *testing.T) {
			p := agent.upload(desk+"/messages", map[string]string{"body": "Here is the manual.", "kind": "reply"},
				[][2]string{{"manual.txt", "turn it off and on"}}).want(t, http.StatusSeeOther)
			if !strings.HasPrefix(p.Header.Get("Location"), desk+"#message-") {
				t.Errorf("after the reply: %q", p.Header.Get("Location"))
			}
			after := agent.follow(t, p).want(t, http.StatusOK)
			after.has(t, loc.T("desk.ticket.reply_sent"), "Here is the manual.", "manual.txt")
			m := regexp.MustCompile(`href="(/desk/attachments/\d+)"`).FindStringSubmatch(after.Body)
			if m == nil {
				t.Fatal("no attachment link")
			}
			file := agent.get(m[1]).want(t, http.StatusOK)
			if file.Body != "turn it off and on" || !strings.Contains(file.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("download = %q, %q", file.Body, file.Header.Get("Content-Disposition"))
			}
			e.browser().get(m[1]).want(t, http.StatusSeeOther)

			agent.post(desk+"/messages", url.Values{"body": {"SECOND-NOTE only us"}, "kind": {"note"}}).want(t, http.StatusSeeOther)
			agent.get(desk).has(t, "SECOND-NOTE only us", loc.T("desk.ticket.note_added"))
			cp := cust.get(portal).want(t, http.StatusOK)
			cp.has(t, "Here is the manual.", "manual.txt")
			cp.lacks(t, "SECOND-NOTE", "SECRET-NOTE")
		})

		t.Run("an empty reply keeps the form and says why", func(t *testing.T) {
			p := agent.post(desk+"/messages", url.Values{"body": {"  "}, "kind": {"note"}}).want(t, http.StatusUnprocessableEntity).strict(t, "reply error")
			p.has(t, loc.T("form.required"), `id="kind-note" name="kind" value="note" checked`)
		})

		t.Run("stage, owner and priority change and show on the timeline", func(t *testing.T) {
			agentID := e.agentID(t, "agent@portico.test")
			p := agent.post(desk, url.Values{"stage_id": {strconv.FormatInt(stages[2], 10)}, "owner_id": {strconv.FormatInt(agentID, 10)},
				"priority": {"high"}}).want(t, http.StatusSeeOther)
			page := agent.follow(t, p).want(t, http.StatusOK)
			page.has(t, loc.T("desk.ticket.saved"), loc.T("desk.event.ticket.stage_changed"), loc.T("desk.event.ticket.assigned"),
				`<option value="high" selected>`)
			got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", w.open), nil, http.StatusOK)
			if id(t, got, "stage_id") != stages[2] || id(t, got, "owner_id") != agentID || got["priority"] != "high" {
				t.Errorf("ticket after the change: %v", got)
			}
			agent.post(desk, url.Values{"stage_id": {"999999"}}).want(t, http.StatusUnprocessableEntity)
			agent.post(desk, url.Values{"owner_id": {""}, "priority": {""}}).want(t, http.StatusSeeOther)
			got = e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", w.open), nil, http.StatusOK)
			if got["owner_id"] != nil || got["priority"] != nil {
				t.Errorf("unassigning left %v, %v", got["owner_id"], got["priority"])
			}
		})

		t.Run("properties", func(t *testing.T) {
			e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "region", "type": "single_select", "options": []string{"EU", "US"},
				"label": map[string]any{"en": "Region"}}, http.StatusCreated)
			agent.get(desk).has(t, `name="p.region"`, "Region")
			agent.post(desk, url.Values{"p.region": {"EU"}}).want(t, http.StatusSeeOther)
			got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", w.open), nil, http.StatusOK)
			if props, _ := got["properties"].(map[string]any); props["region"] != "EU" {
				t.Errorf("properties = %v", got["properties"])
			}
			agent.post(desk, url.Values{"p.region": {"Mars"}}).want(t, http.StatusUnprocessableEntity).has(t, loc.T("form.invalid_choice"))
		})
	})
}

// agentID is the id of the agent with this email.
func (e *testEnv) agentID(t *testing.T, email string) int64 {
	t.Helper()
	var agents struct {
		Items []struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		} `json:"items"`
	}
	e.call("GET", "/api/v1/agents?limit=100", nil).decode(t, &agents)
	for _, a := range agents.Items {
		if a.Email == email {
			return a.ID
		}
	}
	t.Fatalf("no agent %s", email)
	return 0
}
