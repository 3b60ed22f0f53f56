package web_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// stageList describes a pipeline's stages as "name/state/waiting/position".
func stageList(p map[string]any) []string {
	var out []string
	for _, s := range p["stages"].([]any) {
		s := s.(map[string]any)
		out = append(out, fmt.Sprint(s["name"], "/", s["state"], "/", s["waiting_for_acceptance"], "/", s["position"]))
	}
	return out
}

func TestPipelinesAndStages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		t.Run("default stages", func(t *testing.T) {
			p := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales"}, 201)
			if want := []string{"New/open/true/0", "Closed/closed/false/1"}; p["name"] != "Sales" || !slices.Equal(stageList(p), want) {
				t.Errorf("pipeline = %v %v, want stages %v", p["name"], stageList(p), want)
			}
		})
		p := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Returns", "stages": []any{
			map[string]any{"name": "Received"}, map[string]any{"name": "Refunded", "state": "closed"}}}, 201)
		path := fmt.Sprintf("/api/v1/pipelines/%d", id(t, p, "id"))
		if want := []string{"Received/open/false/0", "Refunded/closed/false/1"}; !slices.Equal(stageList(p), want) {
			t.Errorf("stages = %v, want %v", stageList(p), want)
		}
		if got := e.ok(t, "GET", path, nil, 200); !reflect.DeepEqual(got, p) {
			t.Errorf("GET = %v, want %v", got, p)
		}

		t.Run("add stages", func(t *testing.T) {
			got := e.ok(t, "POST", path+"/stages", map[string]any{"name": "Inspected", "position": 1}, 201)
			if want := []string{"Received/open/false/0", "Inspected/open/false/1", "Refunded/closed/false/2"}; !slices.Equal(stageList(got), want) {
				t.Errorf("stages = %v, want %v", stageList(got), want)
			}
			got = e.ok(t, "POST", path+"/stages", map[string]any{"name": "Rejected", "state": "closed"}, 201)
			got = e.ok(t, "POST", path+"/stages", map[string]any{"name": "Waiting", "waiting_for_acceptance": true, "position": 0}, 201)
			want := []string{"Waiting/open/true/0", "Received/open/false/1", "Inspected/open/false/2", "Refunded/closed/false/3", "Rejected/closed/false/4"}
			if !slices.Equal(stageList(got), want) {
				t.Errorf("stages = %v, want %v", stageList(got), want)
			}
			if fetched := e.ok(t, "GET", path, nil, 200); !reflect.DeepEqual(fetched, got) {
				t.Errorf("GET = %v, want %v", fetched, got)
			}
			tk := e.ticket(t, e.contact(t, map[string]any{}), "Refund", map[string]any{"pipeline_id": id(t, p, "id")})
			if tk["stage_id"] != got["stages"].([]any)[0].(map[string]any)["id"] {
				t.Errorf("a new ticket starts in stage %v, want the first one", tk["stage_id"])
			}
		})
		items, _, total := e.call("GET", "/api/v1/pipelines", nil).list(t)
		var names []string
		for _, it := range items {
			names = append(names, it["name"].(string))
		}
		if want := []string{"Support", "Sales", "Returns"}; !slices.Equal(names, want) || total != 3 {
			t.Errorf("pipelines = %v, want %v", names, want)
		}
	})
}

func TestInboxesAndProperties(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ib := e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": " Billing ", "email": "billing@example.com"}, 201)
		if ib["name"] != "Billing" || ib["email"] != "billing@example.com" {
			t.Errorf("inbox = %v", ib)
		}
		items, _, total := e.call("GET", "/api/v1/inboxes", nil).list(t)
		if total != 2 || len(items) != 2 || items[1]["name"] != "Billing" {
			t.Errorf("inboxes = %v", items)
		}

		d := e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "multi_select", "options": []string{"gold", "silver"},
			"label": map[string]any{"en": "Tier", "pl": "Poziom"}, "portal_visible": false}, 201)
		hasKeys(t, "property", d, "id", "name", "label", "type", "options", "builtin", "portal_visible")
		if d["builtin"] != false || d["portal_visible"] != false || d["type"] != "multi_select" {
			t.Errorf("property = %v", d)
		}
		e.call("POST", "/api/v1/properties", map[string]any{"name": "tier", "type": "text"}).wantError(t, http.StatusConflict)
		e.call("POST", "/api/v1/properties", map[string]any{"name": "subject", "type": "text"}).wantError(t, http.StatusConflict)
		props, _, _ := e.call("GET", "/api/v1/properties", nil).list(t)
		if last := props[len(props)-1]; last["name"] != "tier" {
			t.Errorf("custom property is not listed last: %v", last)
		}
		tk := e.ticket(t, e.contact(t, map[string]any{}), "x", map[string]any{"properties": map[string]any{"tier": []string{"gold", "gold", "silver"}}})
		if got := tk["properties"].(map[string]any)["tier"]; !reflect.DeepEqual(got, []any{"gold", "silver"}) {
			t.Errorf("tier = %v", got)
		}
	})
}

func TestPortalSettings(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		const path = "/api/v1/portals/support"
		fresh := e.ok(t, "GET", path, nil, 200)
		hasKeys(t, "portal", fresh, "slug", "name", "domain", "enabled", "languages", "default_language", "default_inbox_id",
			"ticket_permission", "access_mode", "access_group_ids", "consent_text", "consent_checkbox_label", "ticket_label", "columns",
			"visibility_filters", "owner_display", "show_custom_stages", "allow_reply_to_closed", "allow_customer_close",
			"close_stage_by_pipeline", "support_form_id", "form_menu_text", "form_title", "idle_timeout_minutes", "theme", "nav_menu", "sso")
		if fresh["slug"] != "support" || fresh["enabled"] != true || fresh["ticket_permission"] != "own" || fresh["access_mode"] != "self_registration" {
			t.Errorf("fresh portal = %v", fresh)
		}
		if cols := fmt.Sprint(fresh["columns"]); cols != "[id subject requester created_at owner last_activity_at status]" {
			t.Errorf("columns = %v", cols)
		}
		g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "VIP"}, 201), "id")
		sales := e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Sales"}, 201)
		salesClosed := stageIDs(t, sales)["Closed"]
		supportClosed := stageIDs(t, e.ok(t, "GET", "/api/v1/pipelines/1", nil, 200))["Closed"]

		// Each step changes some settings; everything else must stay.
		cur := fresh
		for _, step := range []map[string]any{
			{"name": "Acme Support"},
			{"enabled": false, "allow_customer_close": true},
			{"languages": []string{"en", "pl"}, "default_language": "pl", "ticket_label": map[string]any{"en": "Requests", "pl": "Zgłoszenia"}},
			{"access_mode": "access_groups", "access_group_ids": []int64{g}},
			{"theme": map[string]any{"accent_color": "#1a73e8"}, "nav_menu": []any{map[string]any{"label": "Status", "url": "https://status.example.com"}}},
			{"idle_timeout_minutes": 120, "owner_display": "full_name", "domain": "Help.Example.com"},
			{"visibility_filters": []any{map[string]any{"property": "pipeline_id", "op": "in", "values": []int{1}}}},
			{"columns": []string{"id", "subject", "status"}},
			{"close_stage_by_pipeline": map[string]any{"1": supportClosed, fmt.Sprint(sales["id"]): salesClosed}},
		} {
			t.Run(fmt.Sprint(keys(step)), func(t *testing.T) {
				got := e.ok(t, "PATCH", path, step, 200)
				for k, v := range cur {
					if _, changed := step[k]; changed || k == "updated_at" {
						continue
					}
					if !reflect.DeepEqual(got[k], v) {
						t.Errorf("%s changed from %v to %v", k, v, got[k])
					}
				}
				for k, v := range step {
					if want := fmt.Sprint(v); fmt.Sprint(got[k]) != want && !(k == "domain" && got[k] == "help.example.com") {
						t.Errorf("%s = %v, want %v", k, got[k], want)
					}
				}
				if fetched := e.ok(t, "GET", path, nil, 200); !reflect.DeepEqual(fetched, got) {
					t.Errorf("GET differs from what PATCH answered:\n%v\n%v", fetched, got)
				}
				cur = got
			})
		}
		items, _, total := e.call("GET", "/api/v1/portals", nil).list(t)
		if total != 1 || !reflect.DeepEqual(items[0], cur) {
			t.Errorf("GET /portals = %v, want [%v]", items, cur)
		}
		t.Run("domain null removes it", func(t *testing.T) {
			if got := e.ok(t, "PATCH", path, map[string]any{"domain": nil}, 200); got["domain"] != nil {
				t.Errorf("domain = %v", got["domain"])
			}
		})
		t.Run("a new slug moves the portal", func(t *testing.T) {
			if got := e.ok(t, "PATCH", path, map[string]any{"slug": "help"}, 200); got["slug"] != "help" {
				t.Errorf("slug = %v", got["slug"])
			}
			e.ok(t, "GET", "/api/v1/portals/help", nil, 200)
			e.call("GET", path, nil).wantError(t, http.StatusNotFound)
		})
	})
}

// keys lists m's keys in order.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPortalSecretsAreWriteOnly(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		const path = "/api/v1/portals/support"
		const secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t!"
		const clientSecret = "oidc-client-secret-value"
		stored := func(t *testing.T) (jwt, oidc string) {
			t.Helper()
			p, err := e.db.Portal(context.Background(), "support")
			if err != nil {
				t.Fatal(err)
			}
			if p.SSO.JWT != nil {
				jwt = p.SSO.JWT.Secret.Value
			}
			if p.SSO.OIDC != nil {
				oidc = p.SSO.OIDC.ClientSecret.Value
			}
			return jwt, oidc
		}
		noLeak := func(t *testing.T, r *response) {
			t.Helper()
			for _, s := range []string{secret, clientSecret} {
				if strings.Contains(string(r.Body), s) {
					t.Errorf("%s shows a secret: %s", r.Header.Get("X-Request-Id"), r.Body)
				}
			}
		}
		sso := func(m map[string]any) map[string]any { return m["sso"].(map[string]any) }

		t.Run("keeping a secret that was never set is no secret", func(t *testing.T) {
			e.call("PATCH", path, map[string]any{"sso": map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": map[string]any{"set": true}}}}).
				wantFields(t, "sso.jwt.secret")
		})

		r := e.call("PATCH", path, map[string]any{"sso": map[string]any{
			"jwt":  map[string]any{"algorithm": "HS256", "secret": secret, "issuer": "https://idp.example.com", "max_age_seconds": 300},
			"oidc": map[string]any{"issuer": "https://login.example.com", "client_id": "portico", "client_secret": clientSecret},
		}})
		if r.Code != http.StatusOK {
			t.Fatalf("PATCH = %d: %s", r.Code, r.Body)
		}
		noLeak(t, r)
		got := r.object(t)
		jwt := sso(got)["jwt"].(map[string]any)
		if fmt.Sprint(jwt["secret"]) != "map[set:true]" || jwt["issuer"] != "https://idp.example.com" {
			t.Errorf("jwt = %v", jwt)
		}
		if s := fmt.Sprint(sso(got)["oidc"].(map[string]any)["client_secret"]); s != "map[set:true]" {
			t.Errorf("oidc client_secret = %v", s)
		}
		if j, o := stored(t); j != secret || o != clientSecret {
			t.Errorf("stored secrets = %q, %q", j, o)
		}

		for _, p := range []string{path, "/api/v1/portals", "/api/v1/openapi.json"} {
			noLeak(t, e.call("GET", p, nil))
		}

		t.Run("sending back what GET shows keeps the secrets", func(t *testing.T) {
			shown := e.ok(t, "GET", path, nil, 200)
			j := sso(shown)["jwt"].(map[string]any)
			j["issuer"] = "https://idp2.example.com"
			r := e.call("PATCH", path, map[string]any{"sso": sso(shown)})
			if r.Code != http.StatusOK {
				t.Fatalf("PATCH = %d: %s", r.Code, r.Body)
			}
			noLeak(t, r)
			if iss := sso(r.object(t))["jwt"].(map[string]any)["issuer"]; iss != "https://idp2.example.com" {
				t.Errorf("issuer = %v", iss)
			}
			if j, o := stored(t); j != secret || o != clientSecret {
				t.Errorf("stored secrets = %q, %q after a round trip", j, o)
			}
		})
		t.Run("a whole GET body sent back changes nothing", func(t *testing.T) {
			shown := e.ok(t, "GET", path, nil, 200)
			for _, k := range []string{"id", "created_at", "updated_at"} {
				delete(shown, k)
			}
			got := e.ok(t, "PATCH", path, shown, 200)
			delete(got, "updated_at")
			for k, v := range shown {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if j, o := stored(t); j != secret || o != clientSecret {
				t.Errorf("stored secrets = %q, %q", j, o)
			}
		})
		t.Run("a new secret replaces the old", func(t *testing.T) {
			const next = "another-secret-of-at-least-32-chars"
			e.ok(t, "PATCH", path, map[string]any{"sso": map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": next}}}, 200)
			if j, _ := stored(t); j != next {
				t.Errorf("stored jwt secret = %q", j)
			}
		})
	})
}
