package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"portico/internal/store/storetest"
)

// ticketIDs returns the ids of a page of tickets.
func ticketIDs(t *testing.T, items []map[string]any) []int64 {
	var ids []int64
	for _, it := range items {
		ids = append(ids, id(t, it, "id"))
	}
	return ids
}

func TestListTicketsFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		support := stageIDs(t, e.ok(t, "GET", "/api/v1/pipelines/1", nil, 200))
		sales := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales"}, 201)
		salesID := id(t, sales, "id")
		billing := id(t, e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": "Billing"}, 201), "id")
		acme := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		ann := e.contact(t, map[string]any{"first_name": "Ann", "company_id": acme})
		bob := e.contact(t, map[string]any{"first_name": "Bob"})
		e.nonAdminKey(t)
		var agentID int64
		agents, _, _ := e.call("GET", "/api/v1/agents", nil).list(t)
		for _, a := range agents {
			if a["role"] == "agent" {
				agentID = id(t, a, "id")
			}
		}

		t1 := id(t, e.ticket(t, ann, "Printer jammed", map[string]any{"body": "paper stuck in the tray"}), "id")
		t2 := id(t, e.ticket(t, bob, "VPN drops every hour", map[string]any{"stage_id": support["In progress"], "owner_id": e.adminID, "inbox_id": billing}), "id")
		t3 := id(t, e.ticket(t, ann, "Invoice 100% wrong", map[string]any{"pipeline_id": salesID, "inbox_id": billing, "priority": "high"}), "id")
		t4 := id(t, e.ticket(t, bob, "网络 故障", map[string]any{"stage_id": support["Closed"]}), "id")
		t5 := id(t, e.ticket(t, ann, "printer toner low", map[string]any{"stage_id": support["Waiting on customer"], "owner_id": agentID}), "id")
		e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", t2), map[string]any{"body": "the zebra password rotated", "internal": true}, 201)

		all := []int64{t5, t4, t3, t2, t1}
		for _, tc := range []struct {
			query string
			want  []int64
		}{
			{"", all},
			{fmt.Sprintf("inbox_id=%d", billing), []int64{t3, t2}},
			{"inbox_id=1", []int64{t5, t4, t1}},
			{fmt.Sprintf("pipeline_id=%d", salesID), []int64{t3}},
			{fmt.Sprintf("stage_id=%d", support["In progress"]), []int64{t2}},
			{fmt.Sprintf("owner_id=%d", e.adminID), []int64{t2}},
			{fmt.Sprintf("owner_id=%d", agentID), []int64{t5}},
			{"owner_id=none", []int64{t4, t3, t1}},
			{"status=closed", []int64{t4}},
			{"status=open", []int64{t5, t3, t2, t1}},
			{fmt.Sprintf("requester_id=%d", ann), []int64{t5, t3, t1}},
			{fmt.Sprintf("company_id=%d", acme), []int64{t5, t3, t1}},
			{"q=printer", []int64{t5, t1}},
			{"q=PRINTER", []int64{t5, t1}},
			{"q=" + url.QueryEscape("paper stuck"), []int64{t1}},
			{"q=zebra", []int64{t2}},
			{"q=" + url.QueryEscape("网络"), []int64{t4}},
			{"q=" + url.QueryEscape("网络 故障"), []int64{t4}},
			{"q=" + url.QueryEscape("100%"), []int64{t3}},
			{"q=" + url.QueryEscape("%"), []int64{t3}},
			{"q=_", nil},
			{"q=" + url.QueryEscape(`"`), nil},
			{"q=" + url.QueryEscape(`jam"med`), nil},
			{"q=" + url.QueryEscape("*"), nil},
			{"q=nothing-like-this", nil},
			{"q=" + url.QueryEscape(`\`), nil},
			{"q=" + url.QueryEscape(`'; DROP TABLE tickets; --`), nil},
			{"q=" + url.QueryEscape(`x' OR '1'='1`), nil},
			{fmt.Sprintf("requester_id=%d&status=open&owner_id=none", ann), []int64{t3, t1}},
			{"pipeline_id=1&q=printer", []int64{t5, t1}},
			{"order=asc", []int64{t1, t2, t3, t4, t5}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				items, next, total := e.call("GET", "/api/v1/tickets?"+tc.query, nil).list(t)
				if got := ticketIDs(t, items); !slices.Equal(got, tc.want) {
					t.Errorf("ids = %v, want %v", got, tc.want)
				}
				if total != len(tc.want) || next != nil {
					t.Errorf("total = %d, next = %v; want %d and none", total, next, len(tc.want))
				}
				for _, it := range items {
					hasKeys(t, "ticket", it, ticketFields...)
				}
			})
		}
		// Whatever q means to the search engine, it never breaks the list.
		for _, q := range []string{"NEAR(printer toner)", "printer OR vpn", "printer AND NOT vpn", "subject:printer", "^printer",
			"-printer", "printer*", "(", ")", "''", `\"`, "%_%", "网", "a"} {
			t.Run("q="+q, func(t *testing.T) {
				e.call("GET", "/api/v1/tickets?q="+url.QueryEscape(q), nil).list(t)
			})
		}
	})
}

// walk reads every page of a list and returns the ids in order.
func (e *testEnv) walk(t *testing.T, path string, wantTotal int) []int64 {
	t.Helper()
	var ids []int64
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := ""
	for pages := 0; ; pages++ {
		p := path
		if next != "" {
			p += sep + "cursor=" + url.QueryEscape(next)
		}
		items, cursor, total := e.call("GET", p, nil).list(t)
		if total != wantTotal {
			t.Errorf("%s: total = %d, want %d", p, total, wantTotal)
		}
		ids = append(ids, ticketIDs(t, items)...)
		if cursor == nil {
			return ids
		}
		if len(items) == 0 || pages > wantTotal {
			t.Fatalf("%s: a cursor after %d items on page %d", p, len(items), pages)
		}
		next = *cursor
	}
}

func TestListTicketsPages(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			c := storetest.NewClock()
			e := newTestEnv(t, storetest.Open(t, engine, c.Now))
			ann := e.contact(t, map[string]any{})
			var ids []int64 // in the order they were made
			// 1–3 share a creation time, as do 5 and 6; the steps between
			// the others are fractions of a second of different lengths.
			steps := []time.Duration{0, 0, 0, 500 * time.Millisecond, 2500 * time.Millisecond, 0, time.Microsecond}
			for i, d := range steps {
				c.Add(d)
				ids = append(ids, id(t, e.ticket(t, ann, fmt.Sprintf("Ticket %d", i+1), nil), "id"))
			}
			c.Add(1250 * time.Millisecond)
			e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", ids[1]), map[string]any{"body": "bump"}, 201)

			desc := slices.Clone(ids)
			slices.Reverse(desc)
			byActivity := append([]int64{ids[1]}, slices.DeleteFunc(slices.Clone(desc), func(x int64) bool { return x == ids[1] })...)
			byActivityAsc := slices.Clone(byActivity)
			slices.Reverse(byActivityAsc)
			for _, tc := range []struct {
				query string
				want  []int64
			}{
				{"", desc},
				{"order=asc", ids},
				{"sort=id&order=desc", desc},
				{"sort=created_at", desc},
				{"sort=created_at&order=asc", ids},
				{"sort=last_activity_at", byActivity},
				{"sort=last_activity_at&order=asc", byActivityAsc},
			} {
				for _, limit := range []int{1, 3, 7, 100} {
					t.Run(fmt.Sprintf("%s limit=%d", tc.query, limit), func(t *testing.T) {
						got := e.walk(t, fmt.Sprintf("/api/v1/tickets?limit=%d&%s", limit, tc.query), 7)
						if !slices.Equal(got, tc.want) {
							t.Errorf("ids = %v, want %v", got, tc.want)
						}
					})
				}
			}
			t.Run("a filtered list counts only its own", func(t *testing.T) {
				got := e.walk(t, "/api/v1/tickets?limit=2&q=Ticket", 7)
				if len(got) != 7 {
					t.Errorf("ids = %v", got)
				}
				bob := e.contact(t, map[string]any{"first_name": "Bob"})
				b1 := id(t, e.ticket(t, bob, "Bob's", nil), "id")
				b2 := id(t, e.ticket(t, bob, "Bob's again", nil), "id")
				if got := e.walk(t, fmt.Sprintf("/api/v1/tickets?limit=1&requester_id=%d", bob), 2); !slices.Equal(got, []int64{b2, b1}) {
					t.Errorf("ids = %v", got)
				}
			})
			t.Run("the default page is 25 and the most is 100", func(t *testing.T) {
				for range 24 {
					e.ticket(t, ann, "More", nil)
				}
				items, next, total := e.call("GET", "/api/v1/tickets", nil).list(t)
				if len(items) != 25 || next == nil || total != 33 {
					t.Errorf("%d items, next %v, total %d; want 25, a cursor, 33", len(items), next, total)
				}
				items, next, _ = e.call("GET", "/api/v1/tickets?limit=100", nil).list(t)
				if len(items) != 33 || next != nil {
					t.Errorf("limit=100: %d items, next %v", len(items), next)
				}
			})
		})
	}
}
