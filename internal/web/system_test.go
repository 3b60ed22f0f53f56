package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestHealth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newTestEnv(t, db)
		for _, tc := range []struct {
			path, status string
		}{
			{"/healthz", "ok"},
			{"/readyz", "ready"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				r := e.raw("GET", tc.path, "", "", nil)
				if r.Code != http.StatusOK {
					t.Fatalf("status = %d: %s", r.Code, r.Body)
				}
				if got := r.object(t)["status"]; got != tc.status {
					t.Errorf("status field = %v, want %q", got, tc.status)
				}
			})
		}
		t.Run("readyz when the database is not", func(t *testing.T) {
			gone := storetest.Open(t, "sqlite", nil)
			down := newTestEnv(t, gone)
			if err := gone.Close(); err != nil {
				t.Fatal(err)
			}
			r := down.raw("GET", "/readyz", "", "", nil)
			if r.Code != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503: %s", r.Code, r.Body)
			}
			if strings.Contains(string(r.Body), "closed") {
				t.Errorf("readyz shows the cause: %s", r.Body)
			}
			if r := down.raw("GET", "/healthz", "", "", nil); r.Code != http.StatusOK {
				t.Errorf("healthz = %d while not ready, want 200", r.Code)
			}
		})
	})
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	e.ok(t, "GET", "/api/v1/pipelines", nil, http.StatusOK)
	e.ok(t, "GET", "/api/v1/pipelines", nil, http.StatusOK)
	e.raw("GET", "/api/v1/tickets/1", "", "", nil) // 401
	e.call("GET", "/api/v1/no/such/route", nil)    // 404 from the catch-all

	r := e.raw("GET", "/metrics", "", "", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("/metrics = %d", r.Code)
	}
	text := string(r.Body)
	for _, want := range []string{
		`portico_http_requests_total{route="GET /api/v1/pipelines",status="200"} 2`,
		`portico_http_requests_total{route="GET /api/v1/tickets/{id}",status="401"} 1`,
		`portico_http_requests_total{route="/api/v1/",status="404"} 1`,
		`portico_http_request_duration_seconds_count{route="GET /api/v1/pipelines"} 2`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks the line %s", want)
		}
	}
}

func TestEveryResponseHasARequestID(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	generated := regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)
	seen := map[string]bool{}
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		want                    int
	}{
		{"health", "GET", "/healthz", "", nil, 200},
		{"ready", "GET", "/readyz", "", nil, 200},
		{"metrics", "GET", "/metrics", "", nil, 200},
		{"openapi", "GET", "/api/v1/openapi.json", "", nil, 200},
		{"api", "GET", "/api/v1/pipelines", e.adminKey, nil, 200},
		{"no key", "GET", "/api/v1/pipelines", "", nil, 401},
		{"unknown route", "GET", "/api/v1/nothing", e.adminKey, nil, 404},
		{"invalid body", "POST", "/api/v1/companies", e.adminKey, map[string]any{}, 422},
		{"malformed body", "POST", "/api/v1/companies", e.adminKey, "{", 400},
		{"not an api path", "GET", "/no-such-page", "", nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.callAs(tc.key, tc.method, tc.path, tc.body)
			if r.Code != tc.want {
				t.Fatalf("status = %d, want %d", r.Code, tc.want)
			}
			id := r.Header.Get("X-Request-Id")
			if !generated.MatchString(id) {
				t.Fatalf("X-Request-Id = %q", id)
			}
			if seen[id] {
				t.Errorf("X-Request-Id %q given twice", id)
			}
			seen[id] = true
		})
	}

	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"a caller's id is kept", "trace-42_AB", true},
		{"spaces are not", "two words", false},
		{"header injection is not", "x\r\nSet-Cookie: a=b", false},
		{"over 64 characters is not", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/healthz", nil)
			req.Header["X-Request-Id"] = []string{tc.sent}
			got := e.serve(req, "").Header.Get("X-Request-Id")
			if tc.kept && got != tc.sent {
				t.Errorf("X-Request-Id = %q, want %q", got, tc.sent)
			}
			if !tc.kept && (got == tc.sent || !generated.MatchString(got)) {
				t.Errorf("X-Request-Id = %q, want a fresh id instead of %q", got, tc.sent)
			}
		})
	}
}

// undocumented lists the API routes among patterns that doc's paths lack.
// The catch-all "/api/v1/" has no method and is only the JSON 404, and
// "GET /api/v1/openapi.json" serves the document itself without a key;
// neither is an operation of the API.
func undocumented(patterns []string, doc map[string]any) []string {
	paths, _ := doc["paths"].(map[string]any)
	var missing []string
	for _, p := range patterns {
		method, route, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(route, "/api/v1/") || route == "/api/v1/openapi.json" {
			continue
		}
		item, _ := paths[route].(map[string]any)
		if _, ok := item[strings.ToLower(method)]; !ok {
			missing = append(missing, p)
		}
	}
	return missing
}

func TestOpenAPIDocument(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	r := e.raw("GET", "/api/v1/openapi.json", "", "", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("openapi.json = %d without a key, want 200", r.Code)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	patterns := e.srv.Patterns()

	t.Run("every registered route is documented", func(t *testing.T) {
		if missing := undocumented(patterns, doc); len(missing) > 0 {
			t.Errorf("routes missing from openapi.json: %v", missing)
		}
		// The check itself notices a route the document lacks.
		if got := undocumented(append(patterns, "GET /api/v1/unlisted/{id}"), doc); !slices.Equal(got, []string{"GET /api/v1/unlisted/{id}"}) {
			t.Errorf("undocumented did not catch a missing route: %v", got)
		}
		api := 0
		for _, p := range patterns {
			if strings.Contains(p, " /api/v1/") {
				api++
			}
		}
		if api < 40 {
			t.Errorf("only %d API patterns registered: %v", api, patterns)
		}
	})

	paths, _ := doc["paths"].(map[string]any)
	t.Run("every documented operation is registered", func(t *testing.T) {
		for route, item := range paths {
			for method := range item.(map[string]any) {
				p := strings.ToUpper(method) + " " + route
				if !slices.Contains(patterns, p) {
					t.Errorf("openapi.json documents %s, which the server does not serve", p)
				}
			}
		}
	})

	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	t.Run("operations have responses and their path parameters", func(t *testing.T) {
		for route, item := range paths {
			for method, raw := range item.(map[string]any) {
				o := raw.(map[string]any)
				name := method + " " + route
				responses, _ := o["responses"].(map[string]any)
				if len(responses) == 0 {
					t.Errorf("%s has no responses", name)
					continue
				}
				success := false
				for code, resp := range responses {
					if strings.HasPrefix(code, "2") {
						success = true
					}
					if d, _ := resp.(map[string]any)["description"].(string); d == "" {
						t.Errorf("%s response %s has no description", name, code)
					}
				}
				if !success {
					t.Errorf("%s documents no success response", name)
				}
				public := false
				if sec, ok := o["security"].([]any); ok && len(sec) == 1 && len(obj(sec[0])) == 0 {
					public = true // signing in and out need no session
				}
				if _, ok := responses["401"]; !ok && !public {
					t.Errorf("%s does not document 401", name)
				}
				declared := map[string]bool{}
				params, _ := o["parameters"].([]any)
				for _, p := range params {
					p := p.(map[string]any)
					if p["in"] == "path" {
						declared[p["name"].(string)] = true
					}
				}
				for _, m := range param.FindAllStringSubmatch(route, -1) {
					if !declared[m[1]] {
						t.Errorf("%s does not declare path parameter %s", name, m[1])
					}
				}
			}
		}
	})

	t.Run("every success status is documented", func(t *testing.T) {
		// Statuses other tests see these routes answer.
		for _, tc := range []struct{ route, method, status, bug string }{
			{"/api/v1/tickets", "post", "201", ""},
			{"/api/v1/companies/{id}", "delete", "204", ""},
			{"/api/v1/accounts/{account_id}/identities/{contact_id}", "delete", "204", ""},
			{"/api/v1/pipelines/{id}/stages", "post", "201", ""},
			{"/api/v1/access-groups/{id}/members", "post", "200", ""},
			{"/api/v1/contacts/{id}/account", "post", "201", ""},
			{"/api/v1/contacts/{id}/account", "post", "200", ""},
		} {
			t.Run(tc.method+" "+tc.route+" "+tc.status, func(t *testing.T) {
				if tc.bug != "" {
					t.Skip("known bug: " + tc.bug)
				}
				responses := obj(obj(obj(paths[tc.route])[tc.method])["responses"])
				if _, ok := responses[tc.status]; !ok {
					t.Errorf("not documented; responses are %v", keys(responses))
				}
			})
		}
	})

	t.Run("operation ids are unique and bodies are described", func(t *testing.T) {
		// Actions whose path says everything.
		bodyless := map[string]bool{
			"post /api/v1/portal/{slug}/tickets/{id}/submit": true,
			"post /api/v1/portal/{slug}/tickets/{id}/close":  true,
		}
		seen := map[string]string{}
		for route, item := range paths {
			for method, raw := range item.(map[string]any) {
				o := raw.(map[string]any)
				name := method + " " + route
				opID, _ := o["operationId"].(string)
				if opID == "" || seen[opID] != "" {
					t.Errorf("%s: operationId %q is empty or also used by %s", name, opID, seen[opID])
				}
				seen[opID] = name
				content := obj(obj(o["requestBody"])["content"])
				if (method == "post" || method == "patch") && content["application/json"] == nil && !bodyless[name] {
					t.Errorf("%s documents no JSON request body", name)
				}
			}
		}
		msg := obj(obj(paths["/api/v1/tickets/{id}/messages"])["post"])
		if _, ok := obj(obj(msg["requestBody"])["content"])["multipart/form-data"]; !ok {
			t.Error("POST /tickets/{id}/messages does not document multipart/form-data")
		}
	})

	t.Run("response schemas hold the fields of API.md", func(t *testing.T) {
		for _, tc := range []struct {
			route, method, status string
			list                  bool
			fields                []string
		}{
			{"/api/v1/tickets/{id}", "get", "200", false, ticketFields},
			{"/api/v1/tickets", "post", "201", false, ticketFields},
			{"/api/v1/tickets", "get", "200", true, ticketFields},
			{"/api/v1/tickets/{id}/messages", "post", "201", false, []string{"id", "body", "internal", "author", "attachments", "created_at"}},
			{"/api/v1/pipelines", "get", "200", true, []string{"id", "name", "stages"}},
			{"/api/v1/companies", "post", "201", false, []string{"id", "name", "domain"}},
			{"/api/v1/contacts/{id}/account", "post", "201", false, []string{"account_id", "login"}},
			{"/api/v1/deliveries", "get", "200", true, []string{"id", "kind", "to", "subject", "body", "status", "attempts", "created_at"}},
			{"/api/v1/portals/{slug}", "get", "200", false, []string{"slug", "name", "domain", "enabled", "languages", "default_inbox_id",
				"ticket_permission", "access_mode", "columns", "visibility_filters", "close_stage_by_pipeline", "idle_timeout_minutes", "theme", "sso"}},
		} {
			t.Run(tc.method+" "+tc.route, func(t *testing.T) {
				o := obj(obj(paths[tc.route])[tc.method])
				resp := obj(obj(o["responses"])[tc.status])
				schema := deref(doc, obj(obj(obj(resp["content"])["application/json"])["schema"]))
				if tc.list {
					schema = deref(doc, obj(obj(obj(schema["properties"])["items"])["items"]))
				}
				props := obj(schema["properties"])
				for _, f := range tc.fields {
					if _, ok := props[f]; !ok {
						t.Errorf("schema lacks %q; it has %v", f, keys(props))
					}
				}
			})
		}
	})

	t.Run("every $ref resolves", func(t *testing.T) {
		refs := 0
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["$ref"].(string); ok {
					refs++
					if resolve(doc, ref) == nil {
						t.Errorf("$ref %q does not resolve", ref)
					}
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
		if refs == 0 {
			t.Error("the document has no $ref at all; the error schema at least should be one")
		}
		if resolve(doc, "#/components/schemas/NoSuchThing") != nil {
			t.Error("resolve finds what is not there")
		}
	})
}

// resolve follows a local JSON pointer ("#/a/b") in doc; nil if it leads
// nowhere.
func resolve(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// deref follows a schema's $ref, if it has one.
func deref(doc map[string]any, schema map[string]any) map[string]any {
	if ref, ok := schema["$ref"].(string); ok {
		m, _ := resolve(doc, ref).(map[string]any)
		return m
	}
	return schema
}

// obj is v as a JSON object, or nil.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
