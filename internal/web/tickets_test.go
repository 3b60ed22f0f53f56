package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// ticketFields are the ticket fields of API.md §3.
var ticketFields = []string{"id", "subject", "requester_id", "company_id", "pipeline_id", "stage_id", "status", "owner_id",
	"priority", "created_at", "last_activity_at", "properties"}

// stageIDs maps a pipeline's stage names to their ids.
func stageIDs(t *testing.T, p map[string]any) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, s := range p["stages"].([]any) {
		s := s.(map[string]any)
		out[s["name"].(string)] = id(t, s, "id")
	}
	return out
}

// wantUTC fails unless v is an RFC 3339 time in UTC.
func wantUTC(t *testing.T, what string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s = %v, want an RFC 3339 time in UTC", what, v)
	}
	return tm
}

func TestFreshInstallation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		items, next, total := e.call("GET", "/api/v1/pipelines", nil).list(t)
		if len(items) != 1 || total != 1 || next != nil || items[0]["name"] != "Support" {
			t.Fatalf("pipelines = %v (total %d)", items, total)
		}
		type stage struct {
			Name     string `json:"name"`
			State    string `json:"state"`
			Waiting  bool   `json:"waiting_for_acceptance"`
			Position int    `json:"position"`
		}
		var stages []stage
		raw, _ := json.Marshal(items[0]["stages"])
		if err := json.Unmarshal(raw, &stages); err != nil {
			t.Fatal(err)
		}
		want := []stage{{"New", "open", true, 0}, {"In progress", "open", false, 1}, {"Waiting on customer", "open", false, 2}, {"Closed", "closed", false, 3}}
		if !reflect.DeepEqual(stages, want) {
			t.Errorf("stages = %+v, want %+v", stages, want)
		}
		for _, s := range items[0]["stages"].([]any) {
			hasKeys(t, "stage", s.(map[string]any), "id", "name", "state", "waiting_for_acceptance", "position")
		}

		inboxes, _, total := e.call("GET", "/api/v1/inboxes", nil).list(t)
		if total != 1 || len(inboxes) != 1 || inboxes[0]["name"] != "Support" {
			t.Errorf("inboxes = %v", inboxes)
		}
		portals, _, total := e.call("GET", "/api/v1/portals", nil).list(t)
		if total != 1 || len(portals) != 1 || portals[0]["slug"] != "support" {
			t.Errorf("portals = %v", portals)
		}
		props, _, _ := e.call("GET", "/api/v1/properties", nil).list(t)
		var names []string
		for _, p := range props {
			names = append(names, p["name"].(string))
			if p["builtin"] != true {
				t.Errorf("fresh property %v is not built in", p["name"])
			}
		}
		for _, n := range []string{"id", "subject", "status", "priority"} {
			if !slices.Contains(names, n) {
				t.Errorf("built-in property %q missing from %v", n, names)
			}
		}
		agents, _, total := e.call("GET", "/api/v1/agents", nil).list(t)
		if total != 1 || agents[0]["email"] != "admin@portico.test" || agents[0]["role"] != "admin" {
			t.Errorf("agents = %v", agents)
		}
		if strings.Contains(string(e.call("GET", "/api/v1/agents", nil).Body), "argon2") {
			t.Error("GET /agents shows password hashes")
		}
		for _, path := range []string{"/api/v1/tickets", "/api/v1/companies", "/api/v1/contacts", "/api/v1/deliveries", "/api/v1/access-groups"} {
			if items, next, total := e.call("GET", path, nil).list(t); len(items) != 0 || next != nil || total != 0 {
				t.Errorf("%s on a fresh installation = %v, %v, %d", path, items, next, total)
			}
		}
	})
}

func TestCreateTicket(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		support := stageIDs(t, e.ok(t, "GET", "/api/v1/pipelines/1", nil, 200))
		co := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		ann := e.contact(t, map[string]any{"first_name": "Ann", "company_id": co})

		t.Run("defaults, and the body is the requester's first message", func(t *testing.T) {
			r := e.call("POST", "/api/v1/tickets", map[string]any{"subject": "  Printer on fire  ", "body": "It is really on fire.", "requester_id": ann})
			if r.Code != http.StatusCreated {
				t.Fatalf("status = %d: %s", r.Code, r.Body)
			}
			tk := r.object(t)
			hasKeys(t, "ticket", tk, ticketFields...)
			tid := id(t, tk, "id")
			if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/tickets/%d", tid) {
				t.Errorf("Location = %q", loc)
			}
			for k, want := range map[string]any{
				"subject": "Printer on fire", "requester_id": json.Number(strconv.FormatInt(ann, 10)),
				"company_id": json.Number(strconv.FormatInt(co, 10)), "pipeline_id": json.Number("1"), "inbox_id": json.Number("1"),
				"stage_id": json.Number(strconv.FormatInt(support["New"], 10)), "status": "open", "owner_id": nil, "priority": nil,
			} {
				if !reflect.DeepEqual(tk[k], want) {
					t.Errorf("%s = %#v, want %#v", k, tk[k], want)
				}
			}
			if p, ok := tk["properties"].(map[string]any); !ok || len(p) != 0 {
				t.Errorf("properties = %#v, want {}", tk["properties"])
			}
			created := wantUTC(t, "created_at", tk["created_at"])
			if last := wantUTC(t, "last_activity_at", tk["last_activity_at"]); last.Before(created) {
				t.Errorf("last_activity_at %v before created_at %v", last, created)
			}
			if got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", tid), nil, 200); !reflect.DeepEqual(got, tk) {
				t.Errorf("GET differs from what POST answered:\n%v\n%v", got, tk)
			}

			msgs, _, total := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", tid), nil).list(t)
			if total != 1 || len(msgs) != 1 {
				t.Fatalf("messages = %v", msgs)
			}
			m := msgs[0]
			hasKeys(t, "message", m, "id", "body", "internal", "author", "attachments", "created_at")
			author, _ := m["author"].(map[string]any)
			if m["body"] != "It is really on fire." || m["internal"] != false || author["type"] != "contact" || id(t, author, "id") != ann {
				t.Errorf("first message = %v", m)
			}
			if a, ok := m["attachments"].([]any); !ok || len(a) != 0 {
				t.Errorf("attachments = %#v, want []", m["attachments"])
			}
			wantUTC(t, "message created_at", m["created_at"])
		})

		t.Run("without a body there is no message", func(t *testing.T) {
			tid := id(t, e.ticket(t, ann, "Quiet", nil), "id")
			if msgs, _, total := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", tid), nil).list(t); total != 0 || len(msgs) != 0 {
				t.Errorf("messages = %v", msgs)
			}
		})

		sales := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales", "stages": []any{
			map[string]any{"name": "Lead"}, map[string]any{"name": "Won", "state": "closed"}}}, 201)
		salesStages := stageIDs(t, sales)
		billing := id(t, e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": "Billing"}, 201), "id")
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "single_select", "options": []string{"gold", "silver"}}, 201)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "seats", "type": "number"}, 201)

		for _, tc := range []struct {
			name  string
			extra map[string]any
			want  map[string]any
		}{
			{"another pipeline starts in its first stage", map[string]any{"pipeline_id": id(t, sales, "id")},
				map[string]any{"pipeline_id": id(t, sales, "id"), "stage_id": salesStages["Lead"], "status": "open"}},
			{"a stage of the default pipeline", map[string]any{"stage_id": support["In progress"]},
				map[string]any{"pipeline_id": int64(1), "stage_id": support["In progress"], "status": "open"}},
			{"a closed stage", map[string]any{"pipeline_id": id(t, sales, "id"), "stage_id": salesStages["Won"]},
				map[string]any{"stage_id": salesStages["Won"], "status": "closed"}},
			{"an inbox", map[string]any{"inbox_id": billing}, map[string]any{"inbox_id": billing}},
			{"owner and priority", map[string]any{"owner_id": e.adminID, "priority": "urgent"},
				map[string]any{"owner_id": e.adminID, "priority": "urgent"}},
			{"custom properties", map[string]any{"properties": map[string]any{"tier": "gold", "seats": 12}},
				map[string]any{"properties": map[string]any{"tier": "gold", "seats": json.Number("12")}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tk := e.ticket(t, ann, tc.name, tc.extra)
				got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", id(t, tk, "id")), nil, 200)
				for k, want := range tc.want {
					if n, ok := want.(int64); ok {
						want = json.Number(strconv.FormatInt(n, 10))
					}
					if !reflect.DeepEqual(got[k], want) {
						t.Errorf("%s = %#v, want %#v", k, got[k], want)
					}
				}
			})
		}

		t.Run("a refused ticket leaves nothing behind", func(t *testing.T) {
			_, _, before := e.call("GET", "/api/v1/tickets", nil).list(t)
			e.call("POST", "/api/v1/tickets", map[string]any{"subject": "x", "body": "hello", "requester_id": ann, "priority": "meh"}).wantFields(t, "priority")
			if _, _, after := e.call("GET", "/api/v1/tickets", nil).list(t); after != before {
				t.Errorf("tickets went from %d to %d", before, after)
			}
		})
	})
}

// set stands for any time in a wanted field.
const set = "a time"

func TestUpdateTicket(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		support := stageIDs(t, e.ok(t, "GET", "/api/v1/pipelines/1", nil, 200))
		ann := e.contact(t, map[string]any{})
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "single_select", "options": []string{"gold", "silver"}}, 201)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "seats", "type": "number"}, 201)
		tid := id(t, e.ticket(t, ann, "Printer", map[string]any{"body": "help"}), "id")
		path := fmt.Sprintf("/api/v1/tickets/%d", tid)
		admin := json.Number(strconv.FormatInt(e.adminID, 10))

		steps := []struct {
			name  string
			patch map[string]any
			want  map[string]any
		}{
			{"stage", map[string]any{"stage_id": support["In progress"]},
				map[string]any{"stage_id": json.Number(strconv.FormatInt(support["In progress"], 10)), "status": "open", "owner_id": nil}},
			{"owner", map[string]any{"owner_id": e.adminID}, map[string]any{"owner_id": admin, "priority": nil}},
			{"priority", map[string]any{"priority": "high"}, map[string]any{"priority": "high", "owner_id": admin}},
			{"the same priority again", map[string]any{"priority": "high"}, map[string]any{"priority": "high"}},
			{"properties", map[string]any{"properties": map[string]any{"tier": "gold", "seats": 3}},
				map[string]any{"properties": map[string]any{"tier": "gold", "seats": json.Number("3")}}},
			{"one property, the other stays", map[string]any{"properties": map[string]any{"seats": 5}},
				map[string]any{"properties": map[string]any{"tier": "gold", "seats": json.Number("5")}}},
			{"null removes a property", map[string]any{"properties": map[string]any{"tier": nil}},
				map[string]any{"properties": map[string]any{"seats": json.Number("5")}}},
			{"to a closed stage", map[string]any{"stage_id": support["Closed"]}, map[string]any{"status": "closed", "priority": "high", "closed_at": set}},
			{"null clears the priority", map[string]any{"priority": nil}, map[string]any{"priority": nil, "owner_id": admin}},
			{"null clears the owner", map[string]any{"owner_id": nil}, map[string]any{"owner_id": nil, "status": "closed"}},
			{"reopen", map[string]any{"stage_id": support["New"]}, map[string]any{"status": "open", "closed_at": nil}},
			{"nothing", map[string]any{}, map[string]any{"status": "open", "subject": "Printer"}},
		}
		for _, step := range steps {
			t.Run(step.name, func(t *testing.T) {
				got := e.ok(t, "PATCH", path, step.patch, 200)
				fetched := e.ok(t, "GET", path, nil, 200)
				if len(step.patch) == 0 || step.name == "the same priority again" {
					// A PATCH that changes nothing: see the subtest below.
					delete(got, "updated_at")
					delete(fetched, "updated_at")
				}
				if !reflect.DeepEqual(fetched, got) {
					t.Errorf("GET differs from what PATCH answered:\n%v\n%v", fetched, got)
				}
				for k, want := range step.want {
					if want == set {
						wantUTC(t, k, got[k])
						continue
					}
					if !reflect.DeepEqual(got[k], want) {
						t.Errorf("%s = %#v, want %#v", k, got[k], want)
					}
				}
			})
		}

		t.Run("a PATCH that changes nothing answers the ticket as stored", func(t *testing.T) {
			before := e.ok(t, "GET", path, nil, 200)
			if got := e.ok(t, "PATCH", path, map[string]any{}, 200); !reflect.DeepEqual(got, before) {
				t.Errorf("PATCH {} answered\n%v\nbut the ticket is\n%v", got, before)
			}
		})

		t.Run("the timeline tells what happened", func(t *testing.T) {
			var kinds []string
			var stageMoves []string
			cursor := ""
			for pages := 0; ; pages++ {
				q := "?limit=3"
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				items, next, total := e.call("GET", path+"/events"+q, nil).list(t)
				if total != 14 {
					t.Errorf("total = %d, want 14", total)
				}
				for _, ev := range items {
					hasKeys(t, "event", ev, "id", "kind", "ticket_id", "actor_type", "actor_id", "data", "created_at")
					kinds = append(kinds, ev["kind"].(string))
					if id(t, ev, "ticket_id") != tid || ev["actor_type"] != "agent" || id(t, ev, "actor_id") != e.adminID {
						t.Errorf("event = %v", ev)
					}
					if ev["kind"] == "ticket.stage_changed" {
						d := ev["data"].(map[string]any)
						stageMoves = append(stageMoves, fmt.Sprint(d["from"], "→", d["to"]))
					}
				}
				if next == nil {
					break
				}
				if pages > 10 {
					t.Fatal("the timeline does not end")
				}
				cursor = *next
			}
			want := []string{"ticket.created", "message.created", "ticket.stage_changed", "ticket.assigned",
				"ticket.updated", "ticket.updated", "ticket.updated", "ticket.updated", // priority, then three property changes
				"ticket.stage_changed", "ticket.closed", "ticket.updated", "ticket.assigned", "ticket.stage_changed", "ticket.reopened"}
			if !slices.Equal(kinds, want) {
				t.Errorf("events = %v,\nwant %v", kinds, want)
			}
			if wantMoves := []string{"New→In progress", "In progress→Closed", "Closed→New"}; !slices.Equal(stageMoves, wantMoves) {
				t.Errorf("stage moves = %v, want %v", stageMoves, wantMoves)
			}
		})

		t.Run("the same property values again change nothing", func(t *testing.T) {
			_, _, before := e.call("GET", path+"/events", nil).list(t)
			e.ok(t, "PATCH", path, map[string]any{"properties": map[string]any{"seats": 5}}, 200)
			if _, _, after := e.call("GET", path+"/events", nil).list(t); after != before {
				t.Errorf("re-sending a property's value added %d events", after-before)
			}
		})

		t.Run("to another pipeline, which starts in its first stage", func(t *testing.T) {
			sales := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales"}, 201)
			got := e.ok(t, "PATCH", path, map[string]any{"pipeline_id": sales["id"]}, 200)
			if got["pipeline_id"] != sales["id"] || id(t, got, "stage_id") != stageIDs(t, sales)["New"] || got["status"] != "open" {
				t.Errorf("ticket = %v", got)
			}
		})
	})
}

func TestPublicRepliesAreActivityNotesAreNot(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			c := storetest.NewClock()
			e := newTestEnv(t, storetest.Open(t, engine, c.Now))
			tk := e.ticket(t, e.contact(t, map[string]any{}), "Printer", nil)
			path := fmt.Sprintf("/api/v1/tickets/%d", id(t, tk, "id"))
			created := wantUTC(t, "created_at", tk["created_at"])

			c.Add(time.Hour)
			e.ok(t, "POST", path+"/messages", map[string]any{"body": "note", "internal": true}, 201)
			if got := wantUTC(t, "last_activity_at", e.ok(t, "GET", path, nil, 200)["last_activity_at"]); !got.Equal(created) {
				t.Errorf("an internal note moved last_activity_at to %v", got)
			}
			c.Add(time.Hour)
			e.ok(t, "POST", path+"/messages", map[string]any{"body": "reply"}, 201)
			if got := wantUTC(t, "last_activity_at", e.ok(t, "GET", path, nil, 200)["last_activity_at"]); !got.Equal(created.Add(2 * time.Hour)) {
				t.Errorf("last_activity_at = %v after a public reply, want %v", got, created.Add(2*time.Hour))
			}
		})
	}
}

func TestRating(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.contact(t, map[string]any{})
		tid := id(t, e.ticket(t, ann, "Printer", nil), "id")
		path := fmt.Sprintf("/api/v1/tickets/%d/rating", tid)
		if c := e.call("GET", path, nil).wantError(t, http.StatusNotFound)["code"]; c != "not_found" {
			t.Errorf("code = %v", c)
		}
		now := time.Now().UTC()
		if err := e.db.UpsertRating(context.Background(), &ticket.Rating{TicketID: tid, ContactID: &ann, Score: 4, Comment: "quick", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		r := e.ok(t, "GET", path, nil, 200)
		if id(t, r, "ticket_id") != tid || id(t, r, "score") != 4 || r["comment"] != "quick" || id(t, r, "contact_id") != ann {
			t.Errorf("rating = %v", r)
		}
		other := id(t, e.ticket(t, ann, "Other", nil), "id")
		e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/rating", other), nil).wantError(t, http.StatusNotFound)
	})
}
