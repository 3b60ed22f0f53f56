package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const portalAPI = "/api/v1/portal/support"

// testPassword is every test customer's password.
const testPassword = "correct horse battery"

// portalCustomer is a signed-in portal customer.
type portalCustomer struct {
	contact, account int64
	login            string
	cookie           string // a key for callAs: "cookie:NAME=VALUE"
}

// newCustomer creates a contact with fields, opens a portal account for it
// and signs in. A contact whose email already has an account becomes
// another identity of it.
func (e *testEnv) newCustomer(t *testing.T, fields map[string]any) *portalCustomer {
	t.Helper()
	c := &portalCustomer{contact: e.contact(t, fields)}
	r := e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", c.contact),
		map[string]any{"password": testPassword, "send_via": "none", "must_change_password": false})
	if r.Code != http.StatusCreated && r.Code != http.StatusOK {
		t.Fatalf("open account = %d: %s", r.Code, r.Body)
	}
	opened := r.object(t)
	c.account, c.login = id(t, opened, "account_id"), opened["login"].(string)
	c.cookie = e.customerSignIn(t, c.login, testPassword)
	return c
}

// customerSignIn signs in through the customer API and returns the session as a
// key for callAs.
func (e *testEnv) customerSignIn(t *testing.T, login, pw string) string {
	t.Helper()
	r := e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": login, "password": pw})
	if r.Code != http.StatusOK {
		t.Fatalf("sign-in of %s = %d: %s", login, r.Code, r.Body)
	}
	return sessionKey(t, r)
}

// sessionKey is the session cookie a response set, as a key for callAs.
func sessionKey(t *testing.T, r *response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "portico_session" && c.Value != "" {
			return "cookie:" + c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie in %v", r.Header["Set-Cookie"])
	return ""
}

// as calls the customer API as c and requires status want.
func (e *testEnv) as(t *testing.T, c *portalCustomer, method, path string, body any, want int) map[string]any {
	t.Helper()
	r := e.callAs(c.cookie, method, portalAPI+path, body)
	if r.Code != want {
		t.Fatalf("%s %s as contact %d = %d, want %d: %s", method, path, c.contact, r.Code, want, r.Body)
	}
	if want == http.StatusNoContent || r.Code >= 300 {
		return nil
	}
	return r.object(t)
}

// company creates a company and returns its id.
func (e *testEnv) company(t *testing.T, name string) int64 {
	t.Helper()
	return id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": name}, http.StatusCreated), "id")
}

// setPortal changes the support portal's settings.
func (e *testEnv) setPortal(t *testing.T, settings map[string]any) {
	t.Helper()
	e.ok(t, "PATCH", "/api/v1/portals/support", settings, http.StatusOK)
}

func subjects(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["subject"].(string))
	}
	slices.Sort(out)
	return out
}

func TestCustomerSignIn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		co := e.company(t, "Acme")
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test", "company_id": co})

		t.Run("a good sign-in sets a safe cookie and says who", func(t *testing.T) {
			r := e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "ANN@acme.test ", "password": testPassword})
			if r.Code != http.StatusOK {
				t.Fatalf("sign-in = %d: %s", r.Code, r.Body)
			}
			body := r.object(t)
			hasKeys(t, "sign-in", body, "account", "identities", "active_contact_id")
			if id(t, body, "active_contact_id") != ann.contact {
				t.Errorf("active_contact_id = %v, want %d", body["active_contact_id"], ann.contact)
			}
			acct := body["account"].(map[string]any)
			if acct["login"] != "ann@acme.test" || id(t, acct, "id") != ann.account {
				t.Errorf("account = %v", acct)
			}
			ids := body["identities"].([]any)
			if len(ids) != 1 || ids[0].(map[string]any)["name"] != "Ann Lee" || ids[0].(map[string]any)["company"] != "Acme" {
				t.Errorf("identities = %v", ids)
			}
			raw := strings.Join(r.Header["Set-Cookie"], "\n")
			for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(raw, want) {
					t.Errorf("cookie %q lacks %s", raw, want)
				}
			}
			if strings.Contains(raw, "Secure") {
				t.Errorf("cookie %q is Secure over plain HTTP with an http base URL", raw)
			}
			if sessionKey(t, r) == ann.cookie {
				t.Error("a new sign-in reused the session token")
			}
		})

		t.Run("every wrong credential gives the same answer", func(t *testing.T) {
			var bodies []string
			for _, in := range []map[string]any{
				{"login": "ann@acme.test", "password": "wrong password"},
				{"login": "nobody@acme.test", "password": testPassword},
				{"login": "", "password": ""},
				{"login": "not a login", "password": "x"},
			} {
				r := e.callAs("", "POST", portalAPI+"/session", in)
				if c := r.wantError(t, http.StatusUnauthorized)["code"]; c != "invalid_credentials" {
					t.Errorf("%v: code %v", in, c)
				}
				if len(r.Header["Set-Cookie"]) != 0 {
					t.Errorf("%v: a refused sign-in set a cookie", in)
				}
				bodies = append(bodies, string(r.Body))
			}
			for _, b := range bodies[1:] {
				if b != bodies[0] {
					t.Errorf("answers differ: %s vs %s", b, bodies[0])
				}
			}
		})

		t.Run("unknown portal", func(t *testing.T) {
			r := e.callAs("", "POST", "/api/v1/portal/nope/session", map[string]any{"login": "ann@acme.test", "password": testPassword})
			r.wantError(t, http.StatusNotFound)
		})

		t.Run("a switched-off portal answers 503", func(t *testing.T) {
			e.setPortal(t, map[string]any{"enabled": false})
			defer e.setPortal(t, map[string]any{"enabled": true})
			if c := e.callAs(ann.cookie, "GET", portalAPI+"/me", nil).wantError(t, http.StatusServiceUnavailable)["code"]; c != "portal_unavailable" {
				t.Errorf("code = %v", c)
			}
		})

		t.Run("a cross-origin sign-in is refused", func(t *testing.T) {
			req, _ := http.NewRequest("POST", portalAPI+"/session", strings.NewReader(`{"login":"ann@acme.test","password":"`+testPassword+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			r := e.serve(req, "")
			r.wantError(t, http.StatusForbidden)
			if len(r.Header["Set-Cookie"]) != 0 {
				t.Error("a cross-origin sign-in set a cookie")
			}
		})

		t.Run("repeated failures are rate-limited", func(t *testing.T) {
			bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test", "company_id": co})
			var r *response
			for range 6 {
				r = e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "bob@acme.test", "password": "guess"})
			}
			if c := r.wantError(t, http.StatusTooManyRequests)["code"]; c != "too_many_attempts" {
				t.Errorf("code = %v", c)
			}
			if r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			// Bob's open session is not affected.
			e.as(t, bob, "GET", "/me", nil, http.StatusOK)
		})

		t.Run("signing out ends the session", func(t *testing.T) {
			c := e.customerSignIn(t, "ann@acme.test", testPassword)
			r := e.callAs(c, "DELETE", portalAPI+"/session", nil)
			if r.Code != http.StatusNoContent {
				t.Fatalf("sign-out = %d: %s", r.Code, r.Body)
			}
			if !strings.Contains(strings.Join(r.Header["Set-Cookie"], ""), "Max-Age=0") {
				t.Errorf("sign-out did not clear the cookie: %v", r.Header["Set-Cookie"])
			}
			if code := e.callAs(c, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)["code"]; code != "not_signed_in" {
				t.Errorf("code = %v", code)
			}
			// Signing out twice, or signed out, is fine.
			if r := e.callAs(c, "DELETE", portalAPI+"/session", nil); r.Code != http.StatusNoContent {
				t.Errorf("second sign-out = %d", r.Code)
			}
		})

		t.Run("an agent's API key is not a customer session", func(t *testing.T) {
			e.call("GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			e.callAs("cookie:portico_session=forged", "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
		})
	})
}

func TestCustomerProfileAndIdentities(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
		erik := e.newCustomer(t, map[string]any{"first_name": "Erik", "email": "erik@example.test", "company_id": acme})
		second := e.contact(t, map[string]any{"first_name": "Erik", "last_name": "(Globex)", "email": "erik@globex.test", "company_id": globex})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", second), map[string]any{"login": "erik@example.test", "send_via": "none"}, http.StatusOK)
		mine := id(t, e.ticket(t, erik.contact, "Acme printer", nil), "id")
		theirs := id(t, e.ticket(t, second, "Globex router", nil), "id")
		erik.cookie = e.customerSignIn(t, "erik@example.test", testPassword)

		me := e.as(t, erik, "GET", "/me", nil, 200)
		if len(me["identities"].([]any)) != 2 || id(t, me, "active_contact_id") != erik.contact {
			t.Fatalf("me = %v", me)
		}
		e.as(t, erik, "GET", fmt.Sprintf("/tickets/%d", theirs), nil, http.StatusNotFound)

		t.Run("switching identity issues a new token and changes what is visible", func(t *testing.T) {
			r := e.callAs(erik.cookie, "PUT", portalAPI+"/me/identity", map[string]any{"contact_id": second})
			if r.Code != http.StatusOK || id(t, r.object(t), "active_contact_id") != second {
				t.Fatalf("switch = %d: %s", r.Code, r.Body)
			}
			old := erik.cookie
			erik.cookie = sessionKey(t, r)
			if erik.cookie == old {
				t.Error("the token did not change")
			}
			e.callAs(old, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			e.as(t, erik, "GET", fmt.Sprintf("/tickets/%d", theirs), nil, 200)
			e.as(t, erik, "GET", fmt.Sprintf("/tickets/%d", mine), nil, http.StatusNotFound)
			items, _, total := e.callAs(erik.cookie, "GET", portalAPI+"/tickets", nil).list(t)
			if total != 1 || subjects(items)[0] != "Globex router" {
				t.Errorf("list as the second identity = %v", subjects(items))
			}
		})

		t.Run("an identity that is not linked is 404", func(t *testing.T) {
			stranger := e.contact(t, map[string]any{"first_name": "Eve", "company_id": acme})
			e.as(t, erik, "PUT", "/me/identity", map[string]any{"contact_id": stranger}, http.StatusNotFound)
			e.as(t, erik, "PUT", "/me/identity", map[string]any{"contact_id": 99999}, http.StatusNotFound)
			e.as(t, erik, "GET", "/me", nil, 200)
		})

		t.Run("profile", func(t *testing.T) {
			got := e.as(t, erik, "PATCH", "/me", map[string]any{"display_name": " Erik L ", "language": "sv"}, 200)
			acct := got["account"].(map[string]any)
			if acct["display_name"] != "Erik L" || acct["language"] != "sv" {
				t.Errorf("account = %v", acct)
			}
			e.callAs(erik.cookie, "PATCH", portalAPI+"/me", map[string]any{"language": "xx"}).wantFields(t, "language")
			e.callAs(erik.cookie, "PATCH", portalAPI+"/me", map[string]any{"display_name": strings.Repeat("x", 101)}).wantFields(t, "display_name")
			// The figures' labels follow the account's language.
			d := e.as(t, erik, "GET", "/dashboard", nil, 200)
			if l := d["figures"].([]any)[0].(map[string]any)["label"]; l != "Öppna" {
				t.Errorf("label in Swedish = %v", l)
			}
		})

		t.Run("an agent unlinking the identity ends its use", func(t *testing.T) {
			e.ok(t, "DELETE", fmt.Sprintf("/api/v1/accounts/%d/identities/%d", erik.account, second), nil, http.StatusNoContent)
			e.callAs(erik.cookie, "GET", portalAPI+fmt.Sprintf("/tickets/%d", theirs), nil).wantError(t, http.StatusUnauthorized)
		})
	})
}

func TestCustomerTicketJourney(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		co := e.company(t, "Acme")
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": co})
		e.setPortal(t, map[string]any{"allow_customer_close": true})

		// Open a ticket with two files.
		ct, body := multipartBody(t, part{"subject", "", []byte("VPN drops every hour")}, part{"body", "", []byte("Since Monday.")},
			part{"files", "log.txt", []byte("timeout\n")}, part{"files", "shot.png", pngBytes})
		r := e.raw("POST", portalAPI+"/tickets", ann.cookie, ct, body)
		if r.Code != http.StatusCreated {
			t.Fatalf("create = %d: %s", r.Code, r.Body)
		}
		tk := r.object(t)
		tid := id(t, tk, "id")
		hasKeys(t, "ticket", tk, "id", "subject", "status", "requester", "owner", "created_at", "last_activity_at", "properties", "messages")
		if tk["status"] != "open" || tk["draft"] != false || tk["requester"].(map[string]any)["name"] != "Ann" {
			t.Errorf("ticket = %v", tk)
		}
		msgs := tk["messages"].([]any)
		if len(msgs) != 1 || len(msgs[0].(map[string]any)["attachments"].([]any)) != 2 {
			t.Fatalf("messages = %v", msgs)
		}
		// The answer to the creation leaves the queue out; the ticket
		// itself places it.
		if tk["queue"] != nil {
			t.Errorf("created ticket's queue = %v", tk["queue"])
		}
		q, _ := e.as(t, ann, "GET", fmt.Sprintf("/tickets/%d", tid), nil, http.StatusOK)["queue"].(map[string]any)
		if id(t, q, "waiting") < 1 || id(t, q, "position") != 1 {
			t.Errorf("queue = %v", q)
		}

		t.Run("agents see it at once, with its event", func(t *testing.T) {
			items, _, _ := e.call("GET", "/api/v1/tickets?q=VPN", nil).list(t)
			if len(items) != 1 || items[0]["source"] != "portal" {
				t.Errorf("agent list = %v", items)
			}
			evs, _, _ := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/events", tid), nil).list(t)
			if len(evs) == 0 || evs[0]["kind"] == nil {
				t.Errorf("events = %v", evs)
			}
		})

		t.Run("an attachment downloads to its owner", func(t *testing.T) {
			att := msgs[0].(map[string]any)["attachments"].([]any)[0].(map[string]any)
			u := att["url"].(string)
			r := e.raw("GET", u, ann.cookie, "", nil)
			if r.Code != 200 || string(r.Body) != "timeout\n" {
				t.Fatalf("download = %d: %q", r.Code, r.Body)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				r.Header.Get("Content-Security-Policy") != "sandbox" {
				t.Errorf("headers = %v", r.Header)
			}
		})

		// An agent answers publicly and writes a note.
		path := fmt.Sprintf("/api/v1/tickets/%d/messages", tid)
		e.ok(t, "POST", path, map[string]any{"body": "Try the new profile."}, 201)
		e.ok(t, "POST", path, map[string]any{"body": "SECRET-NOTE customer is on an old client", "internal": true}, 201)

		t.Run("notes never reach the customer", func(t *testing.T) {
			r := e.callAs(ann.cookie, "GET", portalAPI+fmt.Sprintf("/tickets/%d", tid), nil)
			if bytes.Contains(r.Body, []byte("SECRET-NOTE")) {
				t.Errorf("detail shows the note: %s", r.Body)
			}
			d := r.object(t)
			if n := len(d["messages"].([]any)); n != 2 {
				t.Errorf("%d messages, want 2", n)
			}
			agentMsg := d["messages"].([]any)[1].(map[string]any)["author"].(map[string]any)
			if agentMsg["type"] != "agent" || agentMsg["me"] != false {
				t.Errorf("author = %v", agentMsg)
			}
			items, _, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?q=SECRET-NOTE", nil).list(t)
			if total != 0 || len(items) != 0 {
				t.Errorf("search finds a note: %v", items)
			}
			if csvBody := e.raw("GET", portalAPI+"/tickets.csv", ann.cookie, "", nil).Body; bytes.Contains(csvBody, []byte("SECRET")) {
				t.Error("the export shows a note")
			}
		})

		t.Run("reply with two files", func(t *testing.T) {
			ct, body := multipartBody(t, part{"body", "", []byte("Still dropping.")}, part{"files", "a.txt", []byte("a")}, part{"files", "b.txt", []byte("b")})
			r := e.raw("POST", portalAPI+fmt.Sprintf("/tickets/%d/messages", tid), ann.cookie, ct, body)
			if r.Code != http.StatusCreated {
				t.Fatalf("reply = %d: %s", r.Code, r.Body)
			}
			m := r.object(t)
			if m["body"] != "Still dropping." || len(m["attachments"].([]any)) != 2 || m["author"].(map[string]any)["me"] != true {
				t.Errorf("reply = %v", m)
			}
			e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/messages", tid), map[string]any{"body": ""}, http.StatusUnprocessableEntity)
		})

		t.Run("close, then replies are refused unless allowed", func(t *testing.T) {
			d := e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/close", tid), nil, 200)
			if d["status"] != "closed" || d["can_rate"] != true || d["can_close"] != false {
				t.Errorf("closed = %v", d)
			}
			r := e.callAs(ann.cookie, "POST", portalAPI+fmt.Sprintf("/tickets/%d/messages", tid), map[string]any{"body": "one more"})
			if c := r.wantError(t, http.StatusConflict)["code"]; c != "ticket_closed" {
				t.Errorf("code = %v", c)
			}
		})

		t.Run("rate once, change within the window", func(t *testing.T) {
			rt := e.as(t, ann, "PUT", fmt.Sprintf("/tickets/%d/rating", tid), map[string]any{"score": 4, "comment": "ok"}, 200)
			if id(t, rt, "score") != 4 || rt["editable_until"] == nil {
				t.Errorf("rating = %v", rt)
			}
			rt = e.as(t, ann, "PUT", fmt.Sprintf("/tickets/%d/rating", tid), map[string]any{"score": 5, "comment": "great"}, 200)
			if id(t, rt, "score") != 5 {
				t.Errorf("rating = %v", rt)
			}
			e.callAs(ann.cookie, "PUT", portalAPI+fmt.Sprintf("/tickets/%d/rating", tid), map[string]any{"score": 9}).wantFields(t, "score")
			got := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d/rating", tid), nil, 200)
			if id(t, got, "score") != 5 {
				t.Errorf("agent sees %v", got)
			}
		})

		t.Run("reply to closed reopens when allowed", func(t *testing.T) {
			e.setPortal(t, map[string]any{"allow_reply_to_closed": true})
			e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/messages", tid), map[string]any{"body": "It is back."}, 201)
			if d := e.as(t, ann, "GET", fmt.Sprintf("/tickets/%d", tid), nil, 200); d["status"] != "open" {
				t.Errorf("status = %v after a reply to a closed ticket", d["status"])
			}
		})

		t.Run("closing is refused when the portal does not allow it", func(t *testing.T) {
			e.setPortal(t, map[string]any{"allow_customer_close": false})
			r := e.callAs(ann.cookie, "POST", portalAPI+fmt.Sprintf("/tickets/%d/close", tid), nil)
			if c := r.wantError(t, http.StatusForbidden)["code"]; c != "close_not_allowed" {
				t.Errorf("code = %v", c)
			}
		})

		t.Run("the agent timeline has every portal event", func(t *testing.T) {
			evs, _, _ := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/events?limit=100", tid), nil).list(t)
			kinds := map[string]bool{}
			for _, ev := range evs {
				kinds[ev["kind"].(string)] = true
			}
			for _, k := range []string{"ticket.created", "message.created", "ticket.closed", "rating.created", "rating.updated", "ticket.reopened"} {
				if !kinds[k] {
					t.Errorf("no %s event in %v", k, kinds)
				}
			}
			cevs, _, _ := e.call("GET", fmt.Sprintf("/api/v1/contacts/%d/events?limit=100", ann.contact), nil).list(t)
			if len(cevs) < len(evs) {
				t.Errorf("contact timeline has %d events, ticket %d", len(cevs), len(evs))
			}
		})

		t.Run("drafts", func(t *testing.T) {
			d := e.as(t, ann, "POST", "/tickets", map[string]any{"subject": "Half written", "body": "…", "draft": true}, 201)
			did := id(t, d, "id")
			if d["draft"] != true || d["queue"] != nil {
				t.Errorf("draft = %v", d)
			}
			drafts, _, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?view=drafts", nil).list(t)
			if total != 1 || drafts[0]["subject"] != "Half written" {
				t.Errorf("drafts = %v", drafts)
			}
			e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/messages", did), map[string]any{"body": "x"}, http.StatusConflict)
			sent := e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/submit", did), nil, 200)
			if sent["draft"] != false {
				t.Errorf("sent = %v", sent)
			}
			e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/submit", did), nil, http.StatusConflict)
		})

		t.Run("bad new tickets name the field", func(t *testing.T) {
			e.callAs(ann.cookie, "POST", portalAPI+"/tickets", map[string]any{"subject": "", "body": "x"}).wantFields(t, "subject")
			e.callAs(ann.cookie, "POST", portalAPI+"/tickets", map[string]any{"subject": "x", "requester_id": 1}).wantFields(t, "requester_id")
			e.callAs(ann.cookie, "POST", portalAPI+"/tickets", map[string]any{"subject": "x", "properties": map[string]any{"nope": 1}}).wantFields(t, "properties.nope")
		})
	})
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestCustomerListAndDashboard(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		co := e.company(t, "Acme")
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": co})
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test", "company_id": co})
		e.setPortal(t, map[string]any{"ticket_permission": "company"})
		for _, s := range []string{"Printer jam", "网络故障 无法连接", "Drukarka nie działa", "Skrivaren är trasig", "=HYPERLINK(\"http://evil\")"} {
			e.ticket(t, ann.contact, s, map[string]any{"body": "details of " + s})
		}
		bobs := id(t, e.ticket(t, bob.contact, "Bob's laptop", nil), "id")
		e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", bobs), map[string]any{"body": "Which model?"}, 201)

		t.Run("views", func(t *testing.T) {
			for view, want := range map[string]int{"mine": 5, "organization": 6, "all": 6, "shared": 0, "drafts": 0} {
				_, _, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?view="+view, nil).list(t)
				if total != want {
					t.Errorf("view %s: total %d, want %d", view, total, want)
				}
			}
			e.callAs(ann.cookie, "GET", portalAPI+"/tickets?view=everything", nil).wantFields(t, "view")
			e.callAs(ann.cookie, "GET", portalAPI+"/tickets?sort=password", nil).wantFields(t, "sort")
			e.callAs(ann.cookie, "GET", portalAPI+"/tickets?created_from=yesterday", nil).wantFields(t, "created_from")
		})

		t.Run("search in four languages", func(t *testing.T) {
			for q, want := range map[string]string{"printer": "Printer jam", "网络": "网络故障 无法连接", "działa": "Drukarka nie działa", "trasig": "Skrivaren är trasig"} {
				items, _, _ := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?q="+url.QueryEscape(q), nil).list(t)
				if got := subjects(items); !slices.Equal(got, []string{want}) {
					t.Errorf("q=%s: %v, want [%s]", q, got, want)
				}
			}
		})

		t.Run("list items have the API.md shape", func(t *testing.T) {
			items, _, _ := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?sort=subject&order=asc&limit=2", nil).list(t)
			if len(items) != 2 {
				t.Fatalf("items = %v", items)
			}
			hasKeys(t, "item", items[0], "id", "subject", "status", "requester", "owner", "created_at", "last_activity_at", "properties")
			if _, ok := items[0]["stage_name"]; ok {
				t.Error("stage_name shown while the portal does not show custom stages")
			}
			e.setPortal(t, map[string]any{"show_custom_stages": true})
			items, _, _ = e.callAs(ann.cookie, "GET", portalAPI+"/tickets?limit=1", nil).list(t)
			if items[0]["stage_name"] == nil {
				t.Error("no stage_name while the portal shows custom stages")
			}
		})

		t.Run("paging walks the whole view once", func(t *testing.T) {
			seen := map[int64]bool{}
			path := portalAPI + "/tickets?view=all&limit=2&sort=created_at&order=asc"
			for pages := 0; pages < 10; pages++ {
				items, next, total := e.callAs(ann.cookie, "GET", path, nil).list(t)
				if total != 6 {
					t.Errorf("total = %d", total)
				}
				for _, it := range items {
					tid := id(t, it, "id")
					if seen[tid] {
						t.Errorf("ticket %d seen twice", tid)
					}
					seen[tid] = true
				}
				if next == nil {
					break
				}
				path = portalAPI + "/tickets?view=all&limit=2&sort=created_at&order=asc&cursor=" + url.QueryEscape(*next)
			}
			if len(seen) != 6 {
				t.Errorf("saw %d tickets, want 6", len(seen))
			}
		})

		t.Run("each figure links to a list of exactly what it counts", func(t *testing.T) {
			d := e.as(t, ann, "GET", "/dashboard", nil, 200)
			figs := d["figures"].([]any)
			if len(figs) < 6 {
				t.Fatalf("figures = %v", figs)
			}
			keys := map[string]int{}
			for _, f := range figs {
				f := f.(map[string]any)
				hasKeys(t, "figure", f, "key", "label", "count", "link")
				keys[f["key"].(string)] = int(id0(f, "count"))
				link, err := url.Parse(f["link"].(string))
				if err != nil || !strings.HasPrefix(link.Path, "/support/tickets") {
					t.Errorf("link = %v", f["link"])
					continue
				}
				if f["label"] == "" || strings.Contains(f["label"].(string), ".") {
					t.Errorf("label = %q", f["label"])
				}
				_, _, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?"+link.RawQuery, nil).list(t)
				if total != int(id0(f, "count")) {
					t.Errorf("figure %s counts %v, its list has %d", f["key"], f["count"], total)
				}
			}
			if keys["open"] != 6 || keys["waiting_on_me"] != 0 {
				t.Errorf("figures = %v", keys)
			}
			b := e.as(t, bob, "GET", "/dashboard", nil, 200)
			for _, f := range b["figures"].([]any) {
				f := f.(map[string]any)
				if f["key"] == "waiting_on_me" && id0(f, "count") != 1 {
					t.Errorf("Bob waits on himself for %v tickets, want 1", f["count"])
				}
			}
		})

		t.Run("CSV export", func(t *testing.T) {
			r := e.raw("GET", portalAPI+"/tickets.csv?view=mine&sort=subject&order=asc", ann.cookie, "", nil)
			if r.Code != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export = %d %s: %s", r.Code, r.Header.Get("Content-Type"), r.Body)
			}
			if !bytes.HasPrefix(r.Body, []byte("\xef\xbb\xbf")) {
				t.Error("no byte order mark")
			}
			if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("Content-Disposition = %q", r.Header.Get("Content-Disposition"))
			}
			rows, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 6 {
				t.Fatalf("%d rows, want a header and 5: %v", len(rows), rows)
			}
			if !slices.Equal(rows[0][:2], []string{"ID", "Subject"}) {
				t.Errorf("header = %v", rows[0])
			}
			var subjects []string
			for _, row := range rows[1:] {
				subjects = append(subjects, row[1])
			}
			want := []string{"'=HYPERLINK(\"http://evil\")", "Drukarka nie działa", "Printer jam", "Skrivaren är trasig", "网络故障 无法连接"}
			if !slices.Equal(subjects, want) {
				t.Errorf("subjects = %q, want %q", subjects, want)
			}
			// The same filters as the list.
			r = e.raw("GET", portalAPI+"/tickets.csv?q=trasig", ann.cookie, "", nil)
			if rows, _ := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll(); len(rows) != 2 {
				t.Errorf("filtered export has %d rows", len(rows))
			}
			// Headers in the account's language.
			e.as(t, ann, "PATCH", "/me", map[string]any{"language": "pl"}, 200)
			r = e.raw("GET", portalAPI+"/tickets.csv?q=trasig", ann.cookie, "", nil)
			if head, _, _ := strings.Cut(string(r.Body[3:]), "\n"); strings.Contains(head, "Subject") {
				t.Errorf("Polish header = %q", head)
			}
			e.raw("GET", portalAPI+"/tickets.csv?view=nope", ann.cookie, "", nil).wantFields(t, "view")
		})
	})
}

// id0 reads a number that may be zero.
func id0(m map[string]any, key string) int64 {
	switch v := m[key].(type) {
	case float64:
		return int64(v)
	}
	var n int64
	fmt.Sscan(fmt.Sprint(m[key]), &n)
	return n
}

func TestShareWithColleagues(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": acme})
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test", "company_id": acme})
		gus := e.newCustomer(t, map[string]any{"first_name": "Gus", "email": "gus@globex.test", "company_id": globex})
		tid := id(t, e.as(t, ann, "POST", "/tickets", map[string]any{"subject": "Shared printer", "body": "x"}, 201), "id")
		e.as(t, bob, "GET", fmt.Sprintf("/tickets/%d", tid), nil, http.StatusNotFound)

		e.callAs(ann.cookie, "POST", portalAPI+fmt.Sprintf("/tickets/%d/share", tid), map[string]any{"contact_ids": []int64{gus.contact}}).wantFields(t, "contact_ids")
		e.as(t, gus, "GET", fmt.Sprintf("/tickets/%d", tid), nil, http.StatusNotFound)
		e.as(t, ann, "POST", fmt.Sprintf("/tickets/%d/share", tid), map[string]any{"contact_ids": []int64{bob.contact}}, http.StatusNoContent)
		e.as(t, bob, "GET", fmt.Sprintf("/tickets/%d", tid), nil, 200)
		items, _, _ := e.callAs(bob.cookie, "GET", portalAPI+"/tickets?view=shared", nil).list(t)
		if len(items) != 1 {
			t.Errorf("Bob's shared view = %v", items)
		}
		// Bob cannot share on, nor share what he cannot see.
		e.as(t, bob, "POST", fmt.Sprintf("/tickets/%d/share", tid+1000), map[string]any{"contact_ids": []int64{ann.contact}}, http.StatusNotFound)
	})
}

// TestStrangersSeeNothing sends every customer route that names a ticket
// or attachment as a customer of another company, a colleague under
// "own" permission, another identity of the same account and an anonymous
// client: each gets 404 (401 signed out) and learns nothing of the ticket.
func TestStrangersSeeNothing(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
		e.setPortal(t, map[string]any{"allow_customer_close": true, "allow_reply_to_closed": true, "ticket_permission": "own"})
		owner := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": acme})
		colleague := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test", "company_id": acme})
		outsider := e.newCustomer(t, map[string]any{"first_name": "Gus", "email": "gus@globex.test", "company_id": globex})
		other := e.contact(t, map[string]any{"first_name": "Ann", "last_name": "(Globex)", "company_id": globex})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", other), map[string]any{"login": "ann@acme.test", "send_via": "none"}, http.StatusOK)
		otherIdentity := &portalCustomer{contact: other, cookie: e.customerSignIn(t, "ann@acme.test", testPassword)}
		r := e.callAs(otherIdentity.cookie, "PUT", portalAPI+"/me/identity", map[string]any{"contact_id": other})
		otherIdentity.cookie = sessionKey(t, r)
		owner.cookie = e.customerSignIn(t, "ann@acme.test", testPassword)

		const secret = "Quarterly-payroll-export"
		ct, body := multipartBody(t, part{"subject", "", []byte(secret)}, part{"body", "", []byte("details")}, part{"files", "payroll.txt", []byte("salaries")})
		created := e.raw("POST", portalAPI+"/tickets", owner.cookie, ct, body)
		if created.Code != 201 {
			t.Fatalf("create = %d: %s", created.Code, created.Body)
		}
		tk := created.object(t)
		tid := id(t, tk, "id")
		att := id(t, tk["messages"].([]any)[0].(map[string]any)["attachments"].([]any)[0].(map[string]any), "id")
		e.as(t, owner, "GET", fmt.Sprintf("/tickets/%d", tid), nil, 200)

		strangers := []struct {
			name   string
			key    string
			status int
		}{
			{"customer of another company", outsider.cookie, http.StatusNotFound},
			{"colleague under own permission", colleague.cookie, http.StatusNotFound},
			{"another identity of the same account", otherIdentity.cookie, http.StatusNotFound},
			{"anonymous", "", http.StatusUnauthorized},
		}
		for _, route := range e.portalRoutes(t) {
			if !strings.Contains(route, "{id}") {
				continue
			}
			target := tid
			if strings.Contains(route, "/attachments/") {
				target = att
			}
			method, path := fill(route, fmt.Sprint(target))
			for _, s := range strangers {
				t.Run(route+"/"+s.name, func(t *testing.T) {
					var reqBody any
					switch {
					case strings.HasSuffix(route, "/messages"):
						reqBody = map[string]any{"body": "let me in"}
					case strings.HasSuffix(route, "/share"):
						reqBody = map[string]any{"contact_ids": []int64{colleague.contact}}
					case strings.HasSuffix(route, "/rating"):
						reqBody = map[string]any{"score": 1}
					}
					r := e.callAs(s.key, method, path, reqBody)
					r.wantError(t, s.status)
					for _, leak := range []string{secret, "salaries", "payroll"} {
						if bytes.Contains(r.Body, []byte(leak)) {
							t.Errorf("the answer shows %q: %s", leak, r.Body)
						}
					}
				})
			}
		}

		t.Run("lists, counts, search and exports show nothing of it", func(t *testing.T) {
			for _, s := range strangers[:3] {
				for _, p := range []string{"/tickets", "/tickets?q=" + secret, "/tickets?view=all", "/tickets.csv", "/dashboard"} {
					r := e.callAs(s.key, "GET", portalAPI+p, nil)
					if r.Code != 200 {
						t.Errorf("%s %s = %d", s.name, p, r.Code)
					}
					if bytes.Contains(r.Body, []byte(secret)) {
						t.Errorf("%s sees the ticket in %s", s.name, p)
					}
				}
				d := e.callAs(s.key, "GET", portalAPI+"/dashboard", nil).object(t)
				for _, f := range d["figures"].([]any) {
					if f := f.(map[string]any); f["key"] == "open" && id0(f, "count") != 0 {
						t.Errorf("%s counts %v open tickets", s.name, f["count"])
					}
				}
			}
			for _, p := range []string{"/tickets", "/tickets.csv", "/dashboard", "/me"} {
				e.callAs("", "GET", portalAPI+p, nil).wantError(t, http.StatusUnauthorized)
			}
		})

		t.Run("nothing changed", func(t *testing.T) {
			d := e.as(t, owner, "GET", fmt.Sprintf("/tickets/%d", tid), nil, 200)
			if d["status"] != "open" || len(d["messages"].([]any)) != 1 || d["rating"] != nil {
				t.Errorf("the ticket changed: %v", d)
			}
			e.as(t, colleague, "GET", "/tickets?view=shared", nil, 200)
			items, _, _ := e.callAs(colleague.cookie, "GET", portalAPI+"/tickets?view=shared", nil).list(t)
			if len(items) != 0 {
				t.Errorf("a stranger's share went through: %v", items)
			}
		})
	})
}

func TestCustomerInputIsChecked(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})
		tid := id(t, e.as(t, ann, "POST", "/tickets", map[string]any{"subject": "Printer", "body": "x"}, 201), "id")
		e.as(t, ann, "POST", "/tickets", map[string]any{"subject": "Scanner", "body": "y"}, 201)

		t.Run("unreadable bodies", func(t *testing.T) {
			big := []byte(`{"body":"` + strings.Repeat("a", 3<<20) + `"}`)
			for _, route := range e.portalRoutes(t) {
				method, path := fill(route, fmt.Sprint(tid))
				if method == "GET" || method == "DELETE" || strings.HasSuffix(path, "/submit") || strings.HasSuffix(path, "/close") {
					continue
				}
				for _, tc := range []struct {
					name, contentType string
					body              []byte
					status            int
				}{
					{"truncated JSON", "application/json", []byte(`{"body":`), 400},
					{"two values", "application/json", []byte(`{} {}`), 400},
					{"empty", "application/json", []byte{}, 400},
					{"plain text", "text/plain", []byte(`{"body":"x"}`), 415},
					{"form", "application/x-www-form-urlencoded", []byte(`body=x`), 415},
					{"over the size limit", "application/json", big, 413},
					{"unknown field", "application/json", []byte(`{"requester_id":2}`), 422},
				} {
					t.Run(route+"/"+tc.name, func(t *testing.T) {
						key := ann.cookie
						if strings.HasSuffix(path, "/session") {
							key = ""
						}
						e.raw(method, path, key, tc.contentType, tc.body).wantError(t, tc.status)
					})
				}
			}
		})

		t.Run("bad list queries name the parameter", func(t *testing.T) {
			for _, list := range []string{"/tickets", "/tickets.csv"} {
				for _, tc := range []struct{ query, field string }{
					{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"},
					{"view=everything", "view"}, {"view=organization", "view"}, {"status=pending", "status"},
					{"order=sideways", "order"}, {"stage_id=x", "stage_id"}, {"pipeline_id=-1", "pipeline_id"},
					{"created_from=tuesday", "created_from"}, {"closed_to=2026-13-01", "closed_to"},
					{"q=" + strings.Repeat("x", 201), "q"}, {"sort=password_hash", "sort"}, {"p.nope=1", "properties.nope"},
					{"cursor=garbage", "cursor"},
				} {
					if list == "/tickets.csv" && tc.field == "cursor" {
						continue // an export is the whole view
					}
					t.Run(list+"?"+tc.query, func(t *testing.T) {
						e.raw("GET", portalAPI+list+"?"+tc.query, ann.cookie, "", nil).wantFields(t, tc.field)
					})
				}
			}
			for _, q := range []string{"q=a%00b", "view=%00"} {
				if r := e.raw("GET", portalAPI+"/tickets?"+q, ann.cookie, "", nil); r.Code < 400 || r.Code >= 500 {
					t.Errorf("?%s = %d", q, r.Code)
				}
			}
		})

		t.Run("limit is honoured", func(t *testing.T) {
			items, next, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets?limit=1", nil).list(t)
			if len(items) != 1 || next == nil || total != 2 {
				t.Errorf("limit=1: %d items, next %v, total %d", len(items), next, total)
			}
		})

		t.Run("bad ids are 404", func(t *testing.T) {
			for _, p := range []string{"/tickets/0", "/tickets/-1", "/tickets/x", "/tickets/99999999999999999999", "/attachments/abc"} {
				e.raw("GET", portalAPI+p, ann.cookie, "", nil).wantError(t, http.StatusNotFound)
			}
		})

		t.Run("nasty new tickets never fail", func(t *testing.T) {
			for _, body := range []string{`null`, `[]`, `"x"`, `{"subject":"a\u0000b","body":"x"}`,
				`{"subject":"x","properties":{"n":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`,
				`{"subject":"x","priority":"apocalyptic"}`, `{"subject":"x","reply_channel":"pigeon"}`, `{"subject":"` + strings.Repeat("s", 10000) + `"}`} {
				r := e.raw("POST", portalAPI+"/tickets", ann.cookie, "application/json", []byte(body))
				if r.Code < 400 || r.Code >= 500 {
					t.Errorf("%.60s: status %d: %.200s", body, r.Code, r.Body)
				}
			}
			if _, _, total := e.callAs(ann.cookie, "GET", portalAPI+"/tickets", nil).list(t); total != 2 {
				t.Errorf("nasty bodies made tickets: total %d", total)
			}
		})
	})
}
