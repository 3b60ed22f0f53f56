package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCompanies(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		c := e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": " Acme ", "domain": " ACME.example "}, 201)
		hasKeys(t, "company", c, "id", "name", "domain")
		if c["name"] != "Acme" || c["domain"] != "acme.example" {
			t.Errorf("company = %v", c)
		}
		path := fmt.Sprintf("/api/v1/companies/%d", id(t, c, "id"))
		if got := e.ok(t, "GET", path, nil, 200); !reflect.DeepEqual(got, c) {
			t.Errorf("GET = %v, want %v", got, c)
		}
		e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Globex"}, 201)
		if got := e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Initech", "domain": "initech.example"}, 201); got["domain"] != "initech.example" {
			t.Errorf("domain = %v", got["domain"])
		}

		t.Run("another company with the domain", func(t *testing.T) {
			e.call("POST", "/api/v1/companies", map[string]any{"name": "Copycat", "domain": "acme.example"}).wantError(t, http.StatusConflict)
		})
		t.Run("edit the name, the domain stays", func(t *testing.T) {
			got := e.ok(t, "PATCH", path, map[string]any{"name": "Acme Corp"}, 200)
			if got["name"] != "Acme Corp" || got["domain"] != "acme.example" {
				t.Errorf("company = %v", got)
			}
		})
		t.Run("a domain another company has", func(t *testing.T) {
			e.call("PATCH", path, map[string]any{"domain": "initech.example"}).wantError(t, http.StatusConflict)
		})
		t.Run("an empty domain removes it", func(t *testing.T) {
			if got := e.ok(t, "PATCH", path, map[string]any{"domain": ""}, 200); got["domain"] != nil {
				t.Errorf("domain = %v", got["domain"])
			}
			if got := e.ok(t, "GET", path, nil, 200); got["domain"] != nil || got["name"] != "Acme Corp" {
				t.Errorf("company = %v", got)
			}
		})
		t.Run("search and pages", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{"Acme Corp", "Globex", "Initech"}},
				{"q=glob", []string{"Globex"}},
				{"q=INITECH.EXAMPLE", []string{"Initech"}},
				{"q=%25", nil},
				{"q=nothing", nil},
			} {
				items, _, total := e.call("GET", "/api/v1/companies?"+tc.query, nil).list(t)
				var names []string
				for _, it := range items {
					names = append(names, it["name"].(string))
				}
				if !slices.Equal(names, tc.want) || total != len(tc.want) {
					t.Errorf("%s: %v (total %d), want %v", tc.query, names, total, tc.want)
				}
			}
			if got := e.walk(t, "/api/v1/companies?limit=1", 3); len(got) != 3 || got[0] == got[1] || got[1] == got[2] {
				t.Errorf("pages of one gave %v", got)
			}
		})
	})
}

func TestContacts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		c := e.ok(t, "POST", "/api/v1/contacts", map[string]any{
			"first_name": " Ann ", "last_name": "Lee", "email": " Ann.Lee@Example.COM ", "phone": "+48 601-234-567",
			"company_id": acme, "language": "pl",
		}, 201)
		hasKeys(t, "contact", c, "id", "first_name", "last_name", "email", "phone", "company_id", "language", "account_id", "created_at")
		want := map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann.lee@example.com", "phone": "+48601234567",
			"company_id": json.Number(fmt.Sprint(acme)), "language": "pl", "account_id": nil}
		for k, v := range want {
			if !reflect.DeepEqual(c[k], v) {
				t.Errorf("%s = %#v, want %#v", k, c[k], v)
			}
		}
		path := fmt.Sprintf("/api/v1/contacts/%d", id(t, c, "id"))
		if got := e.ok(t, "GET", path, nil, 200); !reflect.DeepEqual(got, c) {
			t.Errorf("GET = %v, want %v", got, c)
		}

		t.Run("edit some fields", func(t *testing.T) {
			got := e.ok(t, "PATCH", path, map[string]any{"last_name": "Smith", "phone": ""}, 200)
			if got["last_name"] != "Smith" || got["phone"] != nil || got["first_name"] != "Ann" || got["email"] != "ann.lee@example.com" {
				t.Errorf("contact = %v", got)
			}
		})
		t.Run("company_id 0 removes the company", func(t *testing.T) {
			if got := e.ok(t, "PATCH", path, map[string]any{"company_id": 0}, 200); got["company_id"] != nil {
				t.Errorf("company_id = %v", got["company_id"])
			}
			e.ok(t, "PATCH", path, map[string]any{"company_id": acme}, 200)
		})
		t.Run("list, search and filter", func(t *testing.T) {
			e.contact(t, map[string]any{"first_name": "Bob", "email": "bob@example.com"})
			e.contact(t, map[string]any{"first_name": "Cleo", "company_id": acme, "phone": "+46 70 123 45 67"})
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{"Ann", "Bob", "Cleo"}},
				{fmt.Sprintf("company_id=%d", acme), []string{"Ann", "Cleo"}},
				{"q=bob", []string{"Bob"}},
				{"q=" + url.QueryEscape("ann.lee@"), []string{"Ann"}},
				{"q=smith", []string{"Ann"}},
				{"q=nobody", nil},
			} {
				items, _, total := e.call("GET", "/api/v1/contacts?"+tc.query, nil).list(t)
				var names []string
				for _, it := range items {
					names = append(names, it["first_name"].(string))
				}
				if !slices.Equal(names, tc.want) || total != len(tc.want) {
					t.Errorf("%s: %v (total %d), want %v", tc.query, names, total, tc.want)
				}
			}
			if got := e.walk(t, "/api/v1/contacts?limit=2", 3); len(got) != 3 {
				t.Errorf("pages gave %v", got)
			}
		})
		t.Run("the contact's timeline", func(t *testing.T) {
			cid := id(t, c, "id")
			tid := id(t, e.ticket(t, cid, "Printer", map[string]any{"body": "help"}), "id")
			items, _, total := e.call("GET", path+"/events", nil).list(t)
			var kinds []string
			for _, ev := range items {
				kinds = append(kinds, ev["kind"].(string))
				if id(t, ev, "contact_id") != cid || id(t, ev, "ticket_id") != tid {
					t.Errorf("event = %v", ev)
				}
			}
			if want := []string{"ticket.created", "message.created"}; !slices.Equal(kinds, want) || total != 2 {
				t.Errorf("events = %v (total %d), want %v", kinds, total, want)
			}
		})
	})
}

func TestPortalAccounts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		globex := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Globex"}, 201), "id")
		ann := e.contact(t, map[string]any{"first_name": "Ann", "email": "ann@example.com", "company_id": acme})
		annAtGlobex := e.contact(t, map[string]any{"first_name": "Ann", "last_name": "G", "company_id": globex})

		r := e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", ann), map[string]any{"send_via": "email"})
		if r.Code != http.StatusCreated {
			t.Fatalf("open account = %d: %s", r.Code, r.Body)
		}
		opened := r.object(t)
		hasKeys(t, "opened account", opened, "account_id", "login")
		accountID := id(t, opened, "account_id")
		if opened["login"] != "ann@example.com" || opened["initial_password"] != nil {
			t.Errorf("opened = %v; a password sent by email is not shown", opened)
		}
		if got := e.ok(t, "GET", fmt.Sprintf("/api/v1/contacts/%d", ann), nil, 200); id(t, got, "account_id") != accountID {
			t.Errorf("contact's account_id = %v, want %d", got["account_id"], accountID)
		}

		t.Run("the sign-in email is in the delivery log", func(t *testing.T) {
			for _, to := range []string{"ann@example.com", "ANN@example.com"} {
				items, _, total := e.call("GET", "/api/v1/deliveries?kind=email&to="+url.QueryEscape(to), nil).list(t)
				if total != 1 || len(items) != 1 {
					t.Fatalf("deliveries to %s = %v", to, items)
				}
				d := items[0]
				hasKeys(t, "delivery", d, "id", "kind", "to", "subject", "body", "status", "attempts", "created_at")
				body, _ := d["body"].(string)
				if d["kind"] != "email" || d["to"] != "ann@example.com" || !strings.Contains(body, "http://portico.test/support/login") ||
					!strings.Contains(body, "ann@example.com") || id(t, d, "attempts") != 0 || d["status"] == "" {
					t.Errorf("delivery = %v", d)
				}
				wantUTC(t, "created_at", d["created_at"])
			}
			for _, q := range []string{"kind=sms", "to=someone@example.com", "kind=sms&to=ann@example.com"} {
				if items, _, _ := e.call("GET", "/api/v1/deliveries?"+q, nil).list(t); len(items) != 0 {
					t.Errorf("%s: %v", q, items)
				}
			}
		})

		t.Run("the same login links a second identity", func(t *testing.T) {
			r := e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", annAtGlobex), map[string]any{"login": "Ann@Example.com", "send_via": "none"})
			if r.Code != http.StatusOK && r.Code != http.StatusCreated {
				t.Fatalf("link = %d: %s", r.Code, r.Body)
			}
			linked := r.object(t)
			if id(t, linked, "account_id") != accountID || linked["login"] != "ann@example.com" || linked["initial_password"] != nil {
				t.Errorf("linked = %v", linked)
			}
			acc := e.ok(t, "GET", fmt.Sprintf("/api/v1/accounts/%d", accountID), nil, 200)
			if acc["login"] != "ann@example.com" || strings.Contains(fmt.Sprint(acc), "argon2") {
				t.Errorf("account = %v", acc)
			}
			var identities []string
			for _, x := range acc["identities"].([]any) {
				x := x.(map[string]any)
				identities = append(identities, fmt.Sprint(x["contact_id"], " ", x["name"], " ", x["company"]))
			}
			want := []string{fmt.Sprint(ann, " Ann Acme"), fmt.Sprint(annAtGlobex, " Ann G Globex")}
			if !slices.Equal(identities, want) {
				t.Errorf("identities = %v, want %v", identities, want)
			}
			if items, _, _ := e.call("GET", "/api/v1/deliveries", nil).list(t); len(items) != 1 {
				t.Errorf("linking sent something: %v", items)
			}
		})

		t.Run("a contact with an account cannot open another", func(t *testing.T) {
			e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", ann), map[string]any{"send_via": "none", "login": "other@example.com"}).
				wantError(t, http.StatusConflict)
		})

		t.Run("unlink an identity", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/accounts/%d/identities/%d", accountID, annAtGlobex)
			e.ok(t, "DELETE", path, nil, http.StatusNoContent)
			e.call("DELETE", path, nil).wantError(t, http.StatusNotFound)
			acc := e.ok(t, "GET", fmt.Sprintf("/api/v1/accounts/%d", accountID), nil, 200)
			if ids := acc["identities"].([]any); len(ids) != 1 || id(t, ids[0].(map[string]any), "contact_id") != ann {
				t.Errorf("identities = %v", ids)
			}
			if got := e.ok(t, "GET", fmt.Sprintf("/api/v1/contacts/%d", annAtGlobex), nil, 200); got["account_id"] != nil {
				t.Errorf("unlinked contact's account_id = %v", got["account_id"])
			}
			e.call("DELETE", fmt.Sprintf("/api/v1/accounts/%d/identities/%d", accountID+1, ann), nil).wantError(t, http.StatusNotFound)
			items, _, _ := e.call("GET", fmt.Sprintf("/api/v1/contacts/%d/events", annAtGlobex), nil).list(t)
			var kinds []string
			for _, ev := range items {
				kinds = append(kinds, ev["kind"].(string))
				wantUTC(t, "event created_at", ev["created_at"])
			}
			if want := []string{"account.identity_linked", "account.identity_unlinked"}; !slices.Equal(kinds, want) {
				t.Errorf("events = %v, want %v", kinds, want)
			}
		})

		t.Run("by SMS, and a generated password shown once", func(t *testing.T) {
			cleo := e.contact(t, map[string]any{"first_name": "Cleo", "phone": "+46 70 123 45 67"})
			got := e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", cleo), map[string]any{"send_via": "sms"}, 201)
			if got["login"] != "+46701234567" || got["initial_password"] != nil {
				t.Errorf("opened = %v", got)
			}
			items, _, _ := e.call("GET", "/api/v1/deliveries?kind=sms&to="+url.QueryEscape("+46701234567"), nil).list(t)
			if len(items) != 1 || items[0]["kind"] != "sms" {
				t.Errorf("sms deliveries = %v", items)
			}
			if got := e.walk(t, "/api/v1/deliveries?limit=1", 2); len(got) != 2 || got[0] <= got[1] {
				t.Errorf("deliveries = %v, want the newest first", got)
			}
			dan := e.contact(t, map[string]any{"first_name": "Dan", "email": "dan@example.com"})
			got = e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", dan), map[string]any{"send_via": "none", "must_change_password": false}, 201)
			if pw, _ := got["initial_password"].(string); len(pw) < 8 {
				t.Errorf("initial_password = %v", got["initial_password"])
			}
			acc := e.ok(t, "GET", fmt.Sprintf("/api/v1/accounts/%d", id(t, got, "account_id")), nil, 200)
			if acc["must_change_password"] != false || strings.Contains(string(e.call("GET", fmt.Sprintf("/api/v1/accounts/%d", id(t, got, "account_id")), nil).Body), got["initial_password"].(string)) {
				t.Errorf("account = %v", acc)
			}
		})
	})
}

func TestAccessGroups(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.contact(t, map[string]any{"first_name": "Ann"})
		bob := e.contact(t, map[string]any{"first_name": "Bob"})
		g := e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": " VIP "}, 201)
		hasKeys(t, "group", g, "id", "name", "contact_ids")
		if g["name"] != "VIP" || len(g["contact_ids"].([]any)) != 0 {
			t.Errorf("group = %v", g)
		}
		path := fmt.Sprintf("/api/v1/access-groups/%d", id(t, g, "id"))
		members := func(m map[string]any) []int64 {
			var out []int64
			for _, x := range m["contact_ids"].([]any) {
				n, _ := x.(json.Number).Int64()
				out = append(out, n)
			}
			return out
		}
		if got := members(e.ok(t, "POST", path+"/members", map[string]any{"contact_ids": []int64{bob, ann}}, 200)); !slices.Equal(got, []int64{ann, bob}) {
			t.Errorf("members = %v", got)
		}
		if got := members(e.ok(t, "POST", path+"/members", map[string]any{"contact_ids": []int64{ann}}, 200)); !slices.Equal(got, []int64{ann, bob}) {
			t.Errorf("adding a member twice: %v", got)
		}
		e.call("POST", path+"/members", map[string]any{"contact_ids": []int64{ann, 999999}}).wantFields(t, "contact_ids")
		if got := members(e.ok(t, "GET", path, nil, 200)); !slices.Equal(got, []int64{ann, bob}) {
			t.Errorf("a refused add changed members: %v", got)
		}
		e.ok(t, "DELETE", fmt.Sprintf("%s/members/%d", path, ann), nil, http.StatusNoContent)
		e.call("DELETE", fmt.Sprintf("%s/members/%d", path, ann), nil).wantError(t, http.StatusNotFound)
		if got := members(e.ok(t, "GET", path, nil, 200)); !slices.Equal(got, []int64{bob}) {
			t.Errorf("members = %v", got)
		}
		e.call("POST", "/api/v1/access-groups", map[string]any{"name": "VIP"}).wantError(t, http.StatusConflict)
		e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Partners"}, 201)
		items, _, total := e.call("GET", "/api/v1/access-groups", nil).list(t)
		if total != 2 || len(items) != 2 {
			t.Errorf("groups = %v", items)
		}
	})
}

func TestAgents(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		a := e.ok(t, "POST", "/api/v1/agents", map[string]any{"email": "Bo@Example.com", "password": "long enough", "name": "Bo"}, 201)
		if a["email"] != "bo@example.com" || a["role"] != "agent" || a["name"] != "Bo" || a["password"] != nil {
			t.Errorf("agent = %v", a)
		}
		e.call("POST", "/api/v1/agents", map[string]any{"email": "bo@example.com", "password": "long enough"}).wantError(t, http.StatusConflict)
		items, _, total := e.call("GET", "/api/v1/agents", nil).list(t)
		if total != 2 || len(items) != 2 {
			t.Errorf("agents = %v", items)
		}
		t.Run("a key belongs to its agent", func(t *testing.T) {
			key := e.nonAdminKey(t)
			var agentID int64
			for _, x := range e.callAs(key, "GET", "/api/v1/agents", nil).object(t)["items"].([]any) {
				if x := x.(map[string]any); x["email"] == "agent@portico.test" {
					agentID = id(t, x, "id")
				}
			}
			tid := id(t, e.ticket(t, e.contact(t, map[string]any{}), "Printer", nil), "id")
			r := e.callAs(key, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tid), map[string]any{"body": "on it"})
			if r.Code != http.StatusCreated {
				t.Fatalf("status = %d: %s", r.Code, r.Body)
			}
			if author := r.object(t)["author"].(map[string]any); id(t, author, "id") != agentID {
				t.Errorf("author = %v, want agent %d", author, agentID)
			}
		})
	})
}

func TestDeletingACompanyKeepsItsTickets(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme := id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, 201), "id")
		ann := e.contact(t, map[string]any{"company_id": acme})
		tid := id(t, e.ticket(t, ann, "Printer", map[string]any{"body": "help"}), "id")
		e.ok(t, "DELETE", fmt.Sprintf("/api/v1/companies/%d", acme), nil, http.StatusNoContent)
		e.call("GET", fmt.Sprintf("/api/v1/companies/%d", acme), nil).wantError(t, http.StatusNotFound)
		e.call("DELETE", fmt.Sprintf("/api/v1/companies/%d", acme), nil).wantError(t, http.StatusNotFound)

		tk := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", tid), nil, 200)
		if tk["company_id"] != nil || tk["subject"] != "Printer" {
			t.Errorf("ticket after deleting its company = %v", tk)
		}
		if c := e.ok(t, "GET", fmt.Sprintf("/api/v1/contacts/%d", ann), nil, 200); c["company_id"] != nil {
			t.Errorf("contact after deleting its company = %v", c)
		}
		if items, _, _ := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", tid), nil).list(t); len(items) != 1 {
			t.Errorf("messages = %v", items)
		}
		if items, _, total := e.call("GET", fmt.Sprintf("/api/v1/tickets?requester_id=%d", ann), nil).list(t); total != 1 || len(items) != 1 {
			t.Errorf("requester's tickets = %v", items)
		}
	})
}
