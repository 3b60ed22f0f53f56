package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"portico/internal/store/storetest"
)

// bodyRoutes are the API routes that read a request body.
func (e *testEnv) bodyRoutes(t *testing.T) []string {
	var out []string
	for _, r := range e.apiRoutes(t) {
		if strings.HasPrefix(r, "POST ") || strings.HasPrefix(r, "PATCH ") || strings.HasPrefix(r, "PUT ") {
			out = append(out, r)
		}
	}
	return out
}

func TestUnreadableBodies(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	e.contact(t, map[string]any{}) // so that an id of 1 in a path names something
	e.ticket(t, 1, "Printer", nil)
	e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "VIP"}, http.StatusCreated)
	e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, http.StatusCreated)
	big := []byte(`{"name":"` + strings.Repeat("a", 3<<20) + `"}`)
	for _, route := range e.bodyRoutes(t) {
		method, path := fill(route, "1")
		for _, tc := range []struct {
			name, contentType string
			body              []byte
			status            int
		}{
			{"truncated JSON", "application/json", []byte(`{"name":`), 400},
			{"trailing comma", "application/json", []byte(`{"name":"x",}`), 400},
			{"two values", "application/json", []byte(`{} {}`), 400},
			{"not JSON", "application/json", []byte(`name=x`), 400},
			{"byte order mark", "application/json", []byte("\xef\xbb\xbf{}"), 400},
			{"raw NUL in a string", "application/json", []byte("{\"name\":\"a\x00b\"}"), 400},
			{"empty", "application/json", []byte{}, 400},
			{"plain text", "text/plain", []byte(`{"name":"x"}`), 415},
			{"form", "application/x-www-form-urlencoded", []byte(`name=x`), 415},
			{"XML", "application/xml", []byte(`<name>x</name>`), 415},
			{"over the size limit", "application/json", big, 413},
		} {
			t.Run(route+"/"+tc.name, func(t *testing.T) {
				r := e.raw(method, path, e.adminKey, tc.contentType, tc.body)
				code := r.wantError(t, tc.status)["code"]
				if tc.status == 400 && code != "malformed_json" {
					t.Errorf("code = %v, want malformed_json", code)
				}
			})
		}
	}
}

func TestJSONContentTypes(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json", ""} {
		t.Run(ct, func(t *testing.T) {
			name := fmt.Sprintf("Company %d", i)
			if r := e.raw("POST", "/api/v1/companies", e.adminKey, ct, []byte(`{"name":"`+name+`"}`)); r.Code != http.StatusCreated {
				t.Errorf("POST /companies = %d: %s", r.Code, r.Body)
			}
			r := e.raw("PATCH", "/api/v1/portals/support", e.adminKey, ct, []byte(`{"name":"`+name+`"}`))
			if r.Code != http.StatusOK || r.object(t)["name"] != name {
				t.Errorf("PATCH /portals/support = %d: %s", r.Code, r.Body)
			}
		})
	}
}

func TestInvalidBodiesName(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.contact(t, map[string]any{"email": "ada@example.com"})
		bare := e.contact(t, map[string]any{"first_name": "Bare"})
		tk := id(t, e.ticket(t, c, "Printer on fire", nil), "id")
		co := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "VIP"}, 201), "id")
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "single_select", "options": []string{"gold", "silver"}}, 201)
		support := e.ok(t, "GET", "/api/v1/pipelines/1", nil, 200)
		openStage := id(t, support["stages"].([]any)[1].(map[string]any), "id")
		other := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales"}, 201)
		otherStage := id(t, other["stages"].([]any)[0].(map[string]any), "id")

		for _, tc := range []struct {
			method, path string
			body         any
			fields       []string
		}{
			{"POST", "/api/v1/agents", map[string]any{}, []string{"email", "password"}},
			{"POST", "/api/v1/agents", map[string]any{"email": "bo@example.com", "password": "short"}, []string{"password"}},
			{"POST", "/api/v1/agents", map[string]any{"email": "bo@example.com", "password": "long enough", "role": "boss"}, []string{"role"}},
			{"POST", "/api/v1/agents", map[string]any{"email": "bo@example.com", "password": "long enough", "salary": 1}, []string{"salary"}},

			{"POST", "/api/v1/companies", map[string]any{}, []string{"name"}},
			{"POST", "/api/v1/companies", map[string]any{"name": "   "}, []string{"name"}},
			{"POST", "/api/v1/companies", map[string]any{"name": 5}, []string{"name"}},
			{"POST", "/api/v1/companies", map[string]any{"name": "Globex", "domain": "not a domain"}, []string{"domain"}},
			{"POST", "/api/v1/companies", map[string]any{"name": "Globex", "size": 10}, []string{"size"}},
			{"PATCH", fmt.Sprintf("/api/v1/companies/%d", co), map[string]any{"name": ""}, []string{"name"}},
			{"PATCH", fmt.Sprintf("/api/v1/companies/%d", co), map[string]any{"domain": "a b.com"}, []string{"domain"}},

			{"POST", "/api/v1/contacts", map[string]any{}, []string{"first_name"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "email": "nope"}, []string{"email"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "phone": "12"}, []string{"phone"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "company_id": 999999}, []string{"company_id"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "company_id": "1"}, []string{"company_id"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "language": "xx"}, []string{"language"}},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": "A", "nickname": "x"}, []string{"nickname"}},
			{"PATCH", fmt.Sprintf("/api/v1/contacts/%d", c), map[string]any{"first_name": ""}, []string{"first_name"}},

			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", bare), map[string]any{}, []string{"send_via", "login"}},
			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", c), map[string]any{"send_via": "pigeon"}, []string{"send_via"}},
			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", c), map[string]any{"send_via": "none", "password": "short"}, []string{"password"}},
			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", c), map[string]any{"send_via": "none", "login": "not a login"}, []string{"login"}},
			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", c), map[string]any{"send_via": "sms"}, []string{"send_via"}},
			{"POST", fmt.Sprintf("/api/v1/contacts/%d/account", c), map[string]any{"send_via": "none", "must_change_password": "yes"}, []string{"must_change_password"}},

			{"POST", "/api/v1/access-groups", map[string]any{}, []string{"name"}},
			{"POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{}, []string{"contact_ids"}},
			{"POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int{999999}}, []string{"contact_ids"}},
			{"POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": "1"}, []string{"contact_ids"}},
			{"POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []float64{1.5}}, []string{"contact_ids"}},

			{"POST", "/api/v1/pipelines", map[string]any{}, []string{"name"}},
			{"POST", "/api/v1/pipelines", map[string]any{"name": "P", "stages": []any{map[string]any{"name": "Only", "state": "open"}}}, []string{"stages"}},
			{"POST", "/api/v1/pipelines", map[string]any{"name": "P", "stages": []any{map[string]any{"name": "", "state": "open"}, map[string]any{"name": "B", "state": "shut"}}}, []string{"stages.0.name", "stages.1.state"}},
			{"POST", "/api/v1/pipelines", map[string]any{"name": "P", "stages": []any{map[string]any{"name": "A"}, map[string]any{"name": "B", "state": "closed", "waiting_for_acceptance": true}}}, []string{"stages.1.waiting_for_acceptance"}},
			{"POST", "/api/v1/pipelines/1/stages", map[string]any{}, []string{"name"}},
			{"POST", "/api/v1/pipelines/1/stages", map[string]any{"name": "X", "position": 99}, []string{"position"}},
			{"POST", "/api/v1/pipelines/1/stages", map[string]any{"name": "X", "state": "weird"}, []string{"state"}},
			{"POST", "/api/v1/pipelines/1/stages", map[string]any{"name": "X", "waiting_for_acceptance": true}, []string{"waiting_for_acceptance"}},

			{"POST", "/api/v1/inboxes", map[string]any{}, []string{"name"}},
			{"POST", "/api/v1/inboxes", map[string]any{"name": "Billing", "email": 5}, []string{"email"}},

			{"POST", "/api/v1/properties", map[string]any{}, []string{"name", "type"}},
			{"POST", "/api/v1/properties", map[string]any{"name": "Bad Name", "type": "text"}, []string{"name"}},
			{"POST", "/api/v1/properties", map[string]any{"name": "size", "type": "single_select"}, []string{"options"}},
			{"POST", "/api/v1/properties", map[string]any{"name": "size", "type": "text", "options": []string{"a"}}, []string{"options"}},
			{"POST", "/api/v1/properties", map[string]any{"name": "size", "type": "colour"}, []string{"type"}},

			{"POST", "/api/v1/tickets", map[string]any{}, []string{"subject", "requester_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": "x"}, []string{"requester_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": 1.5}, []string{"requester_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": 999999}, []string{"requester_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": strings.Repeat("x", 501), "requester_id": c}, []string{"subject"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "body": strings.Repeat("x", 100_001)}, []string{"body"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "priority": "meh"}, []string{"priority"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "pipeline_id": 999999}, []string{"pipeline_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "stage_id": otherStage}, []string{"stage_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "inbox_id": 999999}, []string{"inbox_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "owner_id": 999999}, []string{"owner_id"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "reply_channel": "fax"}, []string{"reply_channel"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "status": "closed"}, []string{"status"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "properties": map[string]any{"nope": 1}}, []string{"properties.nope"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "properties": map[string]any{"subject": "y"}}, []string{"properties.subject"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "properties": map[string]any{"tier": "platinum"}}, []string{"properties.tier"}},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "properties": []string{"tier"}}, []string{"properties"}},

			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"stage_id": 999999}, []string{"stage_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"stage_id": otherStage}, []string{"stage_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"priority": "meh"}, []string{"priority"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"owner_id": 999999}, []string{"owner_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"owner_id": "me"}, []string{"owner_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"subject": " "}, []string{"subject"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"properties": map[string]any{"nope": 1}}, []string{"properties.nope"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"status": "closed"}, []string{"status"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"pipeline_id": id(t, other, "id"), "stage_id": openStage}, []string{"stage_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"pipeline_id": 999999}, []string{"pipeline_id"}},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"inbox_id": 999999}, []string{"inbox_id"}},

			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{}, []string{"body"}},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": "  \n "}, []string{"body"}},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": "x", "internal": "yes"}, []string{"internal"}},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": "x", "internal": true, "resolution": true}, []string{"resolution"}},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": "x", "cc": "boss@example.com"}, []string{"cc"}},

			{"PATCH", "/api/v1/portals/support", map[string]any{"colour": "red"}, []string{"colour"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"enabled": "yes"}, []string{"enabled"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"name": ""}, []string{"name"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"slug": "api"}, []string{"slug"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"ticket_permission": "everyone"}, []string{"ticket_permission"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"languages": []string{"en", "xx"}}, []string{"languages"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"default_language": "de"}, []string{"default_language"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"default_inbox_id": 999999}, []string{"default_inbox_id"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"idle_timeout_minutes": 1}, []string{"idle_timeout_minutes"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"idle_timeout_minutes": "30"}, []string{"idle_timeout_minutes"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"theme": map[string]any{"accent_color": "red"}}, []string{"theme.accent_color"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"theme": map[string]any{"sparkle": true}}, []string{"theme"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"columns": []string{"id", "inbox"}}, []string{"columns"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"nav_menu": []any{map[string]any{"label": "x", "url": "javascript:alert(1)"}}}, []string{"nav_menu.0.url"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"access_mode": "access_groups"}, []string{"access_group_ids"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"access_group_ids": []int{999999}}, []string{"access_group_ids"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"close_stage_by_pipeline": map[string]any{"1": openStage}}, []string{"close_stage_by_pipeline.1"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"visibility_filters": []any{map[string]any{"property": "nope", "op": "like", "values": []any{}}}},
				[]string{"visibility_filters.0.property", "visibility_filters.0.op", "visibility_filters.0.values"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"sso": map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": "short"}}}, []string{"sso.jwt.secret"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"sso": map[string]any{"jwt": map[string]any{"algorithm": "none"}}}, []string{"sso.jwt.algorithm"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"colour": "red", "shape": "round", "enabled": "yes"}, []string{"colour", "shape", "enabled"}},
			{"PATCH", "/api/v1/portals/support", map[string]any{"idle_timeout_minutes": 1, "default_language": "de", "ticket_permission": "all"},
				[]string{"idle_timeout_minutes", "default_language", "ticket_permission"}},
		} {
			t.Run(tc.method+" "+tc.path+" "+strings.Join(tc.fields, ","), func(t *testing.T) {
				e.call(tc.method, tc.path, tc.body).wantFields(t, tc.fields...)
			})
		}

		t.Run("a refused portal change changes nothing", func(t *testing.T) {
			before := e.call("GET", "/api/v1/portals/support", nil).Body
			e.call("PATCH", "/api/v1/portals/support", map[string]any{"name": "Renamed", "idle_timeout_minutes": 1}).wantFields(t, "idle_timeout_minutes")
			if after := e.call("GET", "/api/v1/portals/support", nil).Body; !bytes.Equal(before, after) {
				t.Errorf("portal changed:\n%s\n%s", before, after)
			}
		})

		t.Run("unknown keys and bad values together", func(t *testing.T) {
			r := e.call("PATCH", "/api/v1/portals/support", map[string]any{"colour": "red", "idle_timeout_minutes": 1})
			r.wantFields(t, "colour", "idle_timeout_minutes")
		})
	})
}

func TestInvalidQueries(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.contact(t, map[string]any{})
		tk := id(t, e.ticket(t, c, "Printer", nil), "id")
		for _, tc := range []struct {
			path, field string
		}{
			{"/api/v1/tickets?limit=0", "limit"},
			{"/api/v1/tickets?limit=101", "limit"},
			{"/api/v1/tickets?limit=-1", "limit"},
			{"/api/v1/tickets?limit=ten", "limit"},
			{"/api/v1/tickets?limit=1e1", "limit"},
			{"/api/v1/tickets?inbox_id=x", "inbox_id"},
			{"/api/v1/tickets?pipeline_id=0", "pipeline_id"},
			{"/api/v1/tickets?stage_id=-3", "stage_id"},
			{"/api/v1/tickets?owner_id=me", "owner_id"},
			{"/api/v1/tickets?requester_id=1.5", "requester_id"},
			{"/api/v1/tickets?company_id=x", "company_id"},
			{"/api/v1/tickets?status=pending", "status"},
			{"/api/v1/tickets?order=sideways", "order"},
			{"/api/v1/tickets?sort=priority", "sort"},
			{"/api/v1/tickets?cursor=garbage", "cursor"},
			{"/api/v1/tickets?cursor=e30", "cursor"},                        // "{}" in base64
			{"/api/v1/tickets?sort=created_at&cursor=eyJpIjoxfQ", "cursor"}, // {"i":1}: no time key
			{"/api/v1/tickets?q=" + strings.Repeat("x", 201), "q"},
			{"/api/v1/companies?limit=0", "limit"},
			{"/api/v1/companies?cursor=!!", "cursor"},
			{"/api/v1/contacts?limit=1000", "limit"},
			{"/api/v1/contacts?company_id=x", "company_id"},
			{"/api/v1/contacts?cursor=%00", "cursor"},
			{"/api/v1/deliveries?kind=fax", "kind"},
			{"/api/v1/deliveries?limit=abc", "limit"},
			{"/api/v1/deliveries?cursor=xyz", "cursor"},
			{fmt.Sprintf("/api/v1/contacts/%d/events?limit=0", c), "limit"},
			{fmt.Sprintf("/api/v1/tickets/%d/events?cursor=zzz", tk), "cursor"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				e.call("GET", tc.path, nil).wantFields(t, tc.field)
			})
		}
	})
}

func TestListsHonourLimit(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	c := e.contact(t, map[string]any{})
	tk := id(t, e.ticket(t, c, "Printer", map[string]any{"body": "help"}), "id")
	lists := map[string]string{ // path → known bug
		"/api/v1/tickets":                            "",
		"/api/v1/companies":                          "",
		"/api/v1/contacts":                           "",
		"/api/v1/deliveries":                         "",
		fmt.Sprintf("/api/v1/contacts/%d/events", c): "",
		fmt.Sprintf("/api/v1/tickets/%d/events", tk): "",
		"/api/v1/agents":                             "",
		"/api/v1/access-groups":                      "",
		"/api/v1/pipelines":                          "",
		"/api/v1/inboxes":                            "",
		"/api/v1/properties":                         "",
		"/api/v1/portals":                            "",
		"/api/v1/forms":                              "",
	}
	// Every list the OpenAPI document describes is here, but a ticket's
	// messages, which API.md §3 gives whole.
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Required []string `json:"required"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.raw("GET", "/api/v1/openapi.json", "", "", nil).decode(t, &doc)
	documented := 0
	for route, item := range doc.Paths {
		schema := item["get"].Responses["200"].Content["application/json"].Schema
		// The customer API's list is tested with a customer's session in
		// portal_api_test.go.
		if !slices.Contains(schema.Required, "next_cursor") || route == "/api/v1/tickets/{id}/messages" || strings.HasPrefix(route, "/api/v1/portal/") {
			continue
		}
		documented++
		path := strings.NewReplacer("{id}", "1").Replace(route)
		path = strings.Replace(path, "contacts/1", fmt.Sprintf("contacts/%d", c), 1)
		path = strings.Replace(path, "tickets/1", fmt.Sprintf("tickets/%d", tk), 1)
		if _, ok := lists[path]; !ok {
			t.Errorf("list %s is not tested here", route)
		}
	}
	if documented != len(lists) {
		t.Errorf("openapi.json describes %d lists besides messages, this test %d", documented, len(lists))
	}
	for path, bug := range lists {
		t.Run(path, func(t *testing.T) {
			if bug != "" {
				t.Skip("known bug: " + bug)
			}
			for _, bad := range []string{"0", "101", "x"} {
				e.call("GET", path+"?limit="+bad, nil).wantFields(t, "limit")
			}
			items, _, _ := e.call("GET", path+"?limit=1", nil).list(t)
			if len(items) > 1 {
				t.Errorf("limit=1 gave %d items", len(items))
			}
		})
	}
}

func TestNastyBodiesNeverFail(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	nested := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.contact(t, map[string]any{})
		req := fmt.Sprintf(`"requester_id":%d`, c)
		for _, tc := range []struct {
			name, method, path, body string
			bug                      string // a known server bug: the case is skipped until it is fixed
		}{
			{"empty", "POST", "/api/v1/tickets", ``, ""},
			{"whitespace", "POST", "/api/v1/tickets", " \n\t ", ""},
			{"null", "POST", "/api/v1/tickets", `null`, ""},
			{"array", "POST", "/api/v1/tickets", `[]`, ""},
			{"array of the object", "POST", "/api/v1/tickets", `[{"subject":"x",` + req + `}]`, ""},
			{"string", "POST", "/api/v1/tickets", `"subject"`, ""},
			{"number", "POST", "/api/v1/tickets", `42`, ""},
			{"huge number", "POST", "/api/v1/tickets", `{"subject":"x","requester_id":1e400}`, ""},
			{"huge integer", "POST", "/api/v1/tickets", `{"subject":"x","requester_id":99999999999999999999999}`, ""},
			{"negative id", "POST", "/api/v1/tickets", `{"subject":"x","requester_id":-9223372036854775808}`, ""},
			{"huge pipeline id", "POST", "/api/v1/tickets", `{"subject":"x",` + req + `,"pipeline_id":9223372036854775807}`, ""},
			{"huge property number", "POST", "/api/v1/tickets", `{"subject":"x",` + req + `,"properties":{"n":1e999}}`, ""},
			{"too deep", "POST", "/api/v1/tickets", `{"subject":"x","properties":{"n":` + deep + `}}`, ""},
			{"deep but legal", "POST", "/api/v1/tickets", `{"subject":"x",` + req + `,"properties":{"n":` + nested + `}}`, ""},
			{"invalid UTF-8 and no requester", "POST", "/api/v1/tickets", "{\"subject\":\"\xff\xfe\xfd\"}", ""},
			{"invalid UTF-8 in a key", "POST", "/api/v1/tickets", "{\"subject\":\"x\"," + req + ",\"\xff\":1}", ""},
			{"NUL in the subject", "POST", "/api/v1/tickets", `{"subject":"a\u0000b",` + req + `}`, ""},
			{"NUL in the body", "POST", "/api/v1/tickets", `{"subject":"ok",` + req + `,"body":"a\u0000b"}`, ""},
			{"lone surrogate and no requester", "POST", "/api/v1/tickets", `{"subject":"\ud800"}`, ""},
			{"long key", "POST", "/api/v1/tickets", `{"` + strings.Repeat("k", 100_000) + `":1}`, ""},

			{"empty", "PATCH", "/api/v1/portals/support", ``, ""},
			{"null", "PATCH", "/api/v1/portals/support", `null`, ""},
			{"array", "PATCH", "/api/v1/portals/support", `[]`, ""},
			{"string", "PATCH", "/api/v1/portals/support", `"name"`, ""},
			{"huge number", "PATCH", "/api/v1/portals/support", `{"idle_timeout_minutes":1e400}`, ""},
			{"huge integer", "PATCH", "/api/v1/portals/support", `{"default_inbox_id":99999999999999999999999}`, ""},
			{"negative inbox", "PATCH", "/api/v1/portals/support", `{"default_inbox_id":-9223372036854775808}`, ""},
			{"too deep", "PATCH", "/api/v1/portals/support", `{"theme":` + deep + `}`, ""},
			{"deep but legal", "PATCH", "/api/v1/portals/support", `{"theme":` + nested + `}`, ""},
			{"deep filter values", "PATCH", "/api/v1/portals/support", `{"visibility_filters":[{"property":"priority","op":"in","values":[` + nested + `]}]}`, ""},
			{"invalid UTF-8 in a key", "PATCH", "/api/v1/portals/support", "{\"\xff\":1}", ""},
			{"NUL in the name", "PATCH", "/api/v1/portals/support", `{"name":"a\u0000b"}`, ""},
			{"NUL in the consent text", "PATCH", "/api/v1/portals/support", `{"consent_text":"a\u0000b"}`, ""},
			{"NUL in a label", "PATCH", "/api/v1/portals/support", `{"ticket_label":{"en":"a\u0000b"}}`, ""},
			{"NUL in a key", "PATCH", "/api/v1/portals/support", `{"na\u0000me":"x"}`, ""},
			{"long key", "PATCH", "/api/v1/portals/support", `{"` + strings.Repeat("k", 100_000) + `":1}`, ""},
		} {
			t.Run(tc.method+" "+tc.name, func(t *testing.T) {
				if tc.bug != "" {
					t.Skip("known bug: " + tc.bug)
				}
				r := e.raw(tc.method, tc.path, e.adminKey, "application/json", []byte(tc.body))
				if r.Code < 400 || r.Code >= 500 {
					t.Fatalf("status = %d, want 4xx: %.300s", r.Code, r.Body)
				}
				r.wantError(t, r.Code)
			})
		}
		if items, _, _ := e.call("GET", "/api/v1/tickets", nil).list(t); len(items) != 0 {
			t.Errorf("nasty bodies created %d tickets", len(items))
		}
		if got := e.ok(t, "GET", "/api/v1/portals/support", nil, 200)["name"]; got != "Support" {
			t.Errorf("portal name = %q after nasty bodies", got)
		}
	})
}

func TestInvalidUTF8IsNeverStored(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.contact(t, map[string]any{})
		body := []byte(fmt.Sprintf("{\"subject\":\"caf\xe9 \xff\",\"requester_id\":%d,\"body\":\"\xc3\x28\"}", c))
		r := e.raw("POST", "/api/v1/tickets", e.adminKey, "application/json", body)
		if r.Code >= 500 {
			t.Fatalf("status = %d", r.Code)
		}
		if r.Code >= 400 {
			r.wantError(t, r.Code)
			return
		}
		if !utf8.Valid(r.Body) {
			t.Errorf("response is not UTF-8: %q", r.Body)
		}
		tk := id(t, r.object(t), "id")
		for _, p := range []string{fmt.Sprintf("/api/v1/tickets/%d", tk), fmt.Sprintf("/api/v1/tickets/%d/messages", tk)} {
			if got := e.call("GET", p, nil); got.Code != 200 || !utf8.Valid(got.Body) {
				t.Errorf("GET %s = %d, %q", p, got.Code, got.Body)
			}
		}
	})
}

func TestNULBytesNeverCauseAServerError(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.contact(t, map[string]any{"email": "ada@example.com"})
		e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "note", "type": "text"}, 201)
		tk := id(t, e.ticket(t, c, "Printer", nil), "id")
		const nul = "a\u0000b"
		for _, tc := range []struct {
			method, path string
			body         any
			bug, on      string // a known bug on engine on ("" for every engine)
		}{
			{"POST", "/api/v1/companies", map[string]any{"name": nul}, "", "postgres"},
			{"PATCH", "/api/v1/companies/1", map[string]any{"name": nul}, "", "postgres"},
			{"POST", "/api/v1/contacts", map[string]any{"first_name": nul}, "", "postgres"},
			{"PATCH", fmt.Sprintf("/api/v1/contacts/%d", c), map[string]any{"last_name": nul}, "", "postgres"},
			{"POST", "/api/v1/agents", map[string]any{"email": "bo@example.com", "password": "long enough", "name": nul}, "", "postgres"},
			{"POST", "/api/v1/access-groups", map[string]any{"name": nul}, "", "postgres"},
			{"POST", "/api/v1/pipelines", map[string]any{"name": nul}, "", "postgres"},
			{"POST", "/api/v1/pipelines/1/stages", map[string]any{"name": nul}, "", "postgres"},
			{"POST", "/api/v1/inboxes", map[string]any{"name": nul}, "", "postgres"},
			{"POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "text", "label": map[string]any{"en": nul}}, "", "postgres"},
			{"POST", "/api/v1/tickets", map[string]any{"subject": "x", "requester_id": c, "properties": map[string]any{"note": nul}}, "", "postgres"},
			{"PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), map[string]any{"properties": map[string]any{"note": nul}}, "", "postgres"},
			{"POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": nul}, "", ""},
			{"PATCH", "/api/v1/portals/support", map[string]any{"name": nul}, "", "postgres"},
			{"GET", "/api/v1/tickets?q=a%00b", nil, "", ""},
			{"GET", "/api/v1/tickets?q=%00", nil, "", "postgres"},
			{"GET", "/api/v1/contacts?q=a%00b", nil, "", "postgres"},
			{"GET", "/api/v1/companies?q=a%00b", nil, "", "postgres"},
			{"GET", "/api/v1/deliveries?to=a%00b", nil, "", "postgres"},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				if tc.bug != "" && (tc.on == "" || tc.on == e.db.Engine()) {
					t.Skip("known bug: " + tc.bug)
				}
				r := e.call(tc.method, tc.path, tc.body)
				if r.Code >= 500 {
					t.Fatalf("status = %d: %s", r.Code, r.Body)
				}
				if r.Code >= 400 {
					r.wantError(t, r.Code)
				}
			})
		}
	})
}
