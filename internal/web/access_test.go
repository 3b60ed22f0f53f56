package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portico/internal/store/storetest"
)

// adminRoutes are the routes only admins may use (admin: true in routes.go).
var adminRoutes = []string{
	"POST /api/v1/agents",
	"DELETE /api/v1/companies/{id}",
	"POST /api/v1/access-groups",
	"POST /api/v1/access-groups/{id}/members",
	"POST /api/v1/access-groups/{id}/invitations",
	"DELETE /api/v1/access-groups/{id}/members/{contact_id}",
	"POST /api/v1/pipelines",
	"POST /api/v1/pipelines/{id}/stages",
	"POST /api/v1/inboxes",
	// The delivery log holds the sign-in details sent to new customers.
	"GET /api/v1/deliveries",
	"POST /api/v1/properties",
	"PATCH /api/v1/portals/{slug}",
	"PATCH /api/v1/pipelines/{id}",
	"DELETE /api/v1/pipelines/{id}",
	"PATCH /api/v1/pipelines/{id}/stages/{stage_id}",
	"DELETE /api/v1/pipelines/{id}/stages/{stage_id}",
	"PATCH /api/v1/properties/{id}",
	"PATCH /api/v1/access-groups/{id}",
	"POST /api/v1/forms",
	"PATCH /api/v1/forms/{id}",
	"DELETE /api/v1/forms/{id}",
}

// apiRoutes are the key-protected routes the server registers: every
// "METHOD /api/v1/…" pattern but the public OpenAPI document and the
// customer API under /api/v1/portal/.
func (e *testEnv) apiRoutes(t *testing.T) []string {
	var out []string
	for _, p := range e.srv.Patterns() {
		method, route, ok := strings.Cut(p, " ")
		if ok && method != "" && strings.HasPrefix(route, "/api/v1/") && route != "/api/v1/openapi.json" && !strings.HasPrefix(route, "/api/v1/portal/") {
			out = append(out, p)
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d API routes: %v", len(out), out)
	}
	return out
}

// portalRoutes are the customer API routes the server registers.
func (e *testEnv) portalRoutes(t *testing.T) []string {
	var out []string
	for _, p := range e.srv.Patterns() {
		if _, route, ok := strings.Cut(p, " "); ok && strings.HasPrefix(route, "/api/v1/portal/") {
			out = append(out, p)
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d customer API routes: %v", len(out), out)
	}
	return out
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// fill turns a pattern into a method and a path, naming the portal
// "support" and everything else by id.
func fill(pattern, id string) (method, path string) {
	method, route, _ := strings.Cut(pattern, " ")
	path = pathParam.ReplaceAllStringFunc(route, func(p string) string {
		if p == "{slug}" {
			return "support"
		}
		return id
	})
	return method, path
}

func TestEveryAPIRouteNeedsAValidKey(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		for _, route := range e.apiRoutes(t) {
			method, path := fill(route, "1")
			for _, tc := range []struct {
				name, auth string
			}{
				{"no header", ""},
				{"unknown key", "Bearer pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
				{"not a key", "Bearer hunter2"},
				{"empty bearer", "Bearer "},
				{"key of another scheme", "Basic " + e.adminKey},
				{"key without scheme", e.adminKey},
				{"key with a byte changed", "Bearer " + e.adminKey[:len(e.adminKey)-1] + flip(e.adminKey[len(e.adminKey)-1])},
			} {
				t.Run(route+"/"+tc.name, func(t *testing.T) {
					before := e.call("GET", "/api/v1/companies", nil)
					req := httptest.NewRequest(method, path, strings.NewReader(`{"name":"Intruder","first_name":"Intruder"}`))
					req.Header.Set("Content-Type", "application/json")
					if tc.auth != "" {
						req.Header.Set("Authorization", tc.auth)
					}
					e.serve(req, "").wantError(t, http.StatusUnauthorized)
					if after := e.call("GET", "/api/v1/companies", nil); string(after.Body) != string(before.Body) {
						t.Errorf("a refused request changed companies: %s", after.Body)
					}
				})
			}
		}
	})
}

// flip returns a different base64url character than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestAdminRoutesRefuseAgents(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	agentKey := e.nonAdminKey(t)
	routes := e.apiRoutes(t)
	for _, r := range adminRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("admin route %s is not registered", r)
		}
	}
	for _, route := range routes {
		admin := slices.Contains(adminRoutes, route)
		t.Run(route, func(t *testing.T) {
			method, path := fill(route, "1")
			r := e.callAs(agentKey, method, path, map[string]any{})
			if admin {
				if c := r.wantError(t, http.StatusForbidden)["code"]; c != "admin_required" {
					t.Errorf("code = %v, want admin_required", c)
				}
				return
			}
			if r.Code == http.StatusForbidden || r.Code == http.StatusUnauthorized || r.Code >= 500 {
				t.Errorf("an agent got %d on a route open to agents: %s", r.Code, r.Body)
			}
		})
	}

	t.Run("refused admin changes leave nothing behind", func(t *testing.T) {
		for _, tc := range []struct {
			path string
			body any
			list string
		}{
			{"/api/v1/pipelines", map[string]any{"name": "Sneaky"}, "/api/v1/pipelines"},
			{"/api/v1/inboxes", map[string]any{"name": "Sneaky"}, "/api/v1/inboxes"},
			{"/api/v1/access-groups", map[string]any{"name": "Sneaky"}, "/api/v1/access-groups"},
			{"/api/v1/properties", map[string]any{"name": "sneaky", "type": "text"}, "/api/v1/properties"},
		} {
			e.callAs(agentKey, "POST", tc.path, tc.body).wantError(t, http.StatusForbidden)
			if strings.Contains(string(e.call("GET", tc.list, nil).Body), "neaky") {
				t.Errorf("POST %s by an agent created something", tc.path)
			}
		}
		r := e.callAs(agentKey, "PATCH", "/api/v1/portals/support", map[string]any{"name": "Sneaky"})
		r.wantError(t, http.StatusForbidden)
		if got := e.ok(t, "GET", "/api/v1/portals/support", nil, 200)["name"]; got != "Support" {
			t.Errorf("portal name = %v after a refused PATCH", got)
		}
	})

	t.Run("the OpenAPI document marks the same routes", func(t *testing.T) {
		var doc struct {
			Paths map[string]map[string]struct {
				Responses map[string]struct {
					Description string `json:"description"`
				} `json:"responses"`
			} `json:"paths"`
		}
		e.raw("GET", "/api/v1/openapi.json", "", "", nil).decode(t, &doc)
		for route, item := range doc.Paths {
			for method, o := range item {
				p := strings.ToUpper(method) + " " + route
				resp, documented := o.Responses["403"]
				if strings.HasPrefix(route, "/api/v1/portal/") {
					// Customer routes answer 403 for reasons of their own
					// (access_denied), never for want of an admin.
					if strings.Contains(resp.Description, "admin") {
						t.Errorf("%s: a customer route documents %q", p, resp.Description)
					}
					continue
				}
				if documented != slices.Contains(adminRoutes, p) {
					t.Errorf("%s: 403 documented = %v, admin only = %v", p, documented, !documented)
				}
			}
		}
	})
}

// missingBodies are bodies that would succeed if the resource existed.
var missingBodies = map[string]any{
	"PATCH /api/v1/companies/{id}":                   map[string]any{"name": "Renamed"},
	"PATCH /api/v1/contacts/{id}":                    map[string]any{"first_name": "Renamed"},
	"POST /api/v1/contacts/{id}/account":             map[string]any{"send_via": "none", "login": "nobody@example.com"},
	"POST /api/v1/access-groups/{id}/members":        map[string]any{"contact_ids": []int64{1}},
	"POST /api/v1/access-groups/{id}/invitations":    map[string]any{},
	"POST /api/v1/pipelines/{id}/stages":             map[string]any{"name": "Review"},
	"PATCH /api/v1/portals/{slug}":                   map[string]any{"name": "Renamed"},
	"PATCH /api/v1/tickets/{id}":                     map[string]any{"priority": "high"},
	"PATCH /api/v1/pipelines/{id}":                   map[string]any{"name": "Renamed"},
	"PATCH /api/v1/pipelines/{id}/stages/{stage_id}": map[string]any{"name": "Renamed"},
	"PATCH /api/v1/properties/{id}":                  map[string]any{"portal_visible": true},
	"PATCH /api/v1/access-groups/{id}":               map[string]any{"name": "Renamed"},
	"PATCH /api/v1/accounts/{account_id}":            map[string]any{"locked": true},
	"PATCH /api/v1/forms/{id}":                       map[string]any{"name": "Renamed"},
	"POST /api/v1/tickets/{id}/messages":             map[string]any{"body": "Hello"},
}

func TestUnknownIDsAre404(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		e.contact(t, map[string]any{}) // contact 1 exists, so only the group is missing
		for _, route := range e.apiRoutes(t) {
			if !strings.Contains(route, "{") {
				continue
			}
			method, _, _ := strings.Cut(route, " ")
			if (method == "POST" || method == "PATCH") && missingBodies[route] == nil {
				t.Errorf("%s: add a body to missingBodies", route)
				continue
			}
			ids := []string{"999999", "abc", "0", "-1", "1.5", "1e3", "99999999999999999999", "%20"}
			if strings.Contains(route, "{slug}") {
				ids = []string{"no-such-portal", "support%20"}
			}
			for _, id := range ids {
				t.Run(route+"/"+id, func(t *testing.T) {
					method, path := fill(route, id)
					path = strings.Replace(path, "/support", "/"+id, 1)
					r := e.call(method, path, missingBodies[route])
					if c := r.wantError(t, http.StatusNotFound)["code"]; c != "not_found" {
						t.Errorf("code = %v, want not_found", c)
					}
				})
			}
		}
	})
}

func TestUnknownAPIPathsAreJSON404(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	for _, path := range []string{"/api/v1/", "/api/v1/nothing", "/api/v1/tickets/1/nothing", "/api/v1/tickets/1/messages/2"} {
		t.Run(path, func(t *testing.T) {
			e.call("GET", path, nil).wantError(t, http.StatusNotFound)
		})
	}
}

func TestCrossOriginWritesAreRefused(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	for _, tc := range []struct {
		name    string
		headers map[string]string
	}{
		{"Sec-Fetch-Site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{"Origin only", map[string]string{"Origin": "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/companies", strings.NewReader(`{"name":"Evil"}`))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			r := e.serve(req, e.adminKey)
			if r.Code != http.StatusForbidden {
				t.Fatalf("status = %d, want 403: %s", r.Code, r.Body)
			}
			if items, _, _ := e.call("GET", "/api/v1/companies", nil).list(t); len(items) != 0 {
				t.Errorf("a cross-origin write created %v", items)
			}
			t.Run("error shape", func(t *testing.T) {
				r.wantError(t, http.StatusForbidden)
			})
		})
	}
	t.Run("a same-origin write passes", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/companies", strings.NewReader(`{"name":"Fine"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if r := e.serve(req, e.adminKey); r.Code != http.StatusCreated {
			t.Errorf("same-origin POST = %d: %s", r.Code, r.Body)
		}
	})
}
