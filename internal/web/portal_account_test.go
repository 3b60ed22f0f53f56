package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/delivery"
	"portico/internal/filestore"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/web"
)

// eachClockEnv runs fn on every engine with a fresh server whose time
// stands still until the test moves clk.
func eachClockEnv(t *testing.T, fn func(t *testing.T, e *testEnv, clk *storetest.Clock)) {
	t.Helper()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			clk := storetest.NewClock()
			fn(t, newTestEnv(t, storetest.Open(t, engine, clk.Now)), clk)
		})
	}
}

// deliveriesTo are the messages queued for to, newest first.
func (e *testEnv) deliveriesTo(t *testing.T, to string) []delivery.Delivery {
	t.Helper()
	page, err := e.db.Deliveries(context.Background(), delivery.Filter{To: to, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// lastCode is the code in the newest message to to.
func (e *testEnv) lastCode(t *testing.T, to string) string {
	t.Helper()
	ds := e.deliveriesTo(t, to)
	if len(ds) == 0 {
		t.Fatalf("nothing was sent to %s", to)
	}
	code := sixDigits.FindString(ds[0].Body)
	if code == "" {
		t.Fatalf("the newest message to %s has no code: %q", to, ds[0].Body)
	}
	return code
}

// from sends a request as coming from the client address addr.
func (e *testEnv) from(addr, key, method, path string, body any) *response {
	req := httptest.NewRequest(method, path, strings.NewReader(jsonBody(body)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":4321"
	return e.serve(req, key)
}

func jsonBody(body any) string {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // a test's own body: a mistake in the test
	}
	return string(b)
}

// wrongCode is a code that is not c.
func wrongCode(c string) string {
	n, _ := strconv.Atoi(c)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

// wantInvalidCode requires the one answer every wrong code gets.
func wantInvalidCode(t *testing.T, r *response) string {
	t.Helper()
	if c := r.wantError(t, http.StatusBadRequest)["code"]; c != "invalid_code" {
		t.Errorf("code = %v, want invalid_code", c)
	}
	return string(r.Body)
}

func TestPasswordReset(t *testing.T) {
	eachClockEnv(t, func(t *testing.T, e *testEnv, clk *storetest.Clock) {
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "phone": "+46 70 123 45 67"})
		forgot := func(login string) *response {
			t.Helper()
			r := e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": login})
			if r.Code != http.StatusAccepted {
				t.Fatalf("forgot %s = %d: %s", login, r.Code, r.Body)
			}
			return r
		}
		reset := func(login, code, pw string) *response {
			return e.callAs("", "POST", portalAPI+"/password/reset", map[string]any{"login": login, "code": code, "new_password": pw})
		}

		t.Run("the same answer whether or not the login has an account", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			known := forgot("ANN@acme.test ")
			unknown := forgot("nobody@acme.test")
			if string(known.Body) != string(unknown.Body) || known.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") {
				t.Errorf("answers differ: %s vs %s", known.Body, unknown.Body)
			}
			if len(e.deliveriesTo(t, "nobody@acme.test")) != 0 {
				t.Error("a message was queued for a login without an account")
			}
			a := wantInvalidCode(t, reset("nobody@acme.test", "123456", "a brand new password"))
			b := wantInvalidCode(t, reset("ann@acme.test", wrongCode(e.lastCode(t, "ann@acme.test")), "a brand new password"))
			c := wantInvalidCode(t, reset("never-asked@acme.test", "123456", "a brand new password"))
			if a != b || b != c {
				t.Errorf("wrong codes answer differently: %s / %s / %s", a, b, c)
			}
		})

		t.Run("the code is emailed in the portal's name", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			forgot("ann@acme.test")
			d := e.deliveriesTo(t, "ann@acme.test")[0]
			if d.Kind != delivery.Email || !strings.Contains(d.Subject, "Support") || !strings.Contains(d.Body, "Support") ||
				!strings.Contains(d.Body, "http://portico.test/support/password/reset?login=ann%40acme.test") {
				t.Errorf("message = %+v", d)
			}
		})

		t.Run("a reset sets the password, ends every session and says so", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			other := e.customerSignIn(t, "ann@acme.test", testPassword)
			forgot("ann@acme.test")
			code := e.lastCode(t, "ann@acme.test")
			before := len(e.deliveriesTo(t, "ann@acme.test"))
			if r := reset("ann@acme.test", code, "short"); r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("short password = %d: %s", r.Code, r.Body)
			} else {
				r.wantFields(t, "new_password")
			}
			if r := reset("ann@acme.test", " "+code[:3]+" "+code[3:], "a brand new password"); r.Code != http.StatusNoContent {
				t.Fatalf("reset = %d: %s", r.Code, r.Body)
			}
			for _, c := range []string{ann.cookie, other} {
				e.callAs(c, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			}
			e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "ann@acme.test", "password": testPassword}).
				wantError(t, http.StatusUnauthorized)
			ann.cookie = e.customerSignIn(t, "ann@acme.test", "a brand new password")
			ds := e.deliveriesTo(t, "ann@acme.test")
			if len(ds) != before+1 || sixDigits.MatchString(ds[0].Body) || !strings.Contains(ds[0].Subject, "password") {
				t.Errorf("after the reset: %d messages (want %d), newest %+v", len(ds), before+1, ds[0])
			}
			// The code served once.
			wantInvalidCode(t, reset("ann@acme.test", code, "yet another password"))
		})

		t.Run("a code expires after ten minutes", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			forgot("ann@acme.test")
			code := e.lastCode(t, "ann@acme.test")
			clk.Add(account.CodeLifetime)
			wantInvalidCode(t, reset("ann@acme.test", code, "expired password"))
			forgot("ann@acme.test")
			code = e.lastCode(t, "ann@acme.test")
			clk.Add(account.CodeLifetime - time.Second)
			if r := reset("ann@acme.test", code, "just in time"); r.Code != http.StatusNoContent {
				t.Errorf("reset a second before expiry = %d: %s", r.Code, r.Body)
			}
		})

		t.Run("a newer code voids the older", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			forgot("ann@acme.test")
			older := e.lastCode(t, "ann@acme.test")
			forgot("ann@acme.test")
			newer := e.lastCode(t, "ann@acme.test")
			if older == newer {
				t.Skip("the two random codes happen to be equal")
			}
			wantInvalidCode(t, reset("ann@acme.test", older, "voided code password"))
			if r := reset("ann@acme.test", newer, "newest code password"); r.Code != http.StatusNoContent {
				t.Errorf("newer code = %d: %s", r.Code, r.Body)
			}
		})

		t.Run("five wrong tries void the code", func(t *testing.T) {
			clk.Add(account.CodeWindow) // fresh windows for the sending limits and wrong codes
			forgot("ann@acme.test")
			code := e.lastCode(t, "ann@acme.test")
			for range account.CodeTries {
				wantInvalidCode(t, reset("ann@acme.test", wrongCode(code), "guessing password"))
			}
			wantInvalidCode(t, reset("ann@acme.test", code, "the right code too late"))
		})

		t.Run("a code works only for its own login", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			forgot("ann@acme.test")
			forgot("+46701234567")
			annCode, bobCode := e.lastCode(t, "ann@acme.test"), e.lastCode(t, "+46701234567")
			if d := e.deliveriesTo(t, "+46701234567")[0]; d.Kind != delivery.SMS || d.Subject != "" {
				t.Errorf("a phone login's code went as %+v", d)
			}
			if annCode != bobCode {
				wantInvalidCode(t, reset("ann@acme.test", bobCode, "someone else's code"))
			}
			wantInvalidCode(t, reset("+46 70 123 45 68", bobCode, "a neighbour's number"))
			if r := reset("+46 70 123 45 67", bobCode, "bob's new password"); r.Code != http.StatusNoContent {
				t.Fatalf("Bob's reset = %d: %s", r.Code, r.Body)
			}
			e.callAs(bob.cookie, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			if r := reset("ann@acme.test", annCode, "ann's own code"); r.Code != http.StatusNoContent {
				t.Errorf("Ann's own code after Bob's reset = %d: %s", r.Code, r.Body)
			}
		})

		t.Run("no code for an account that may not use the portal", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Customers"}, http.StatusCreated), "id")
			e.setPortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
			defer e.setPortal(t, map[string]any{"access_mode": "self_registration"})
			n := len(e.deliveriesTo(t, "ann@acme.test"))
			forgot("ann@acme.test")
			if len(e.deliveriesTo(t, "ann@acme.test")) != n {
				t.Fatal("a code was sent to an account outside the portal's access groups")
			}
			e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int64{ann.contact}}, http.StatusOK)
			forgot("ann@acme.test")
			if len(e.deliveriesTo(t, "ann@acme.test")) != n+1 {
				t.Fatal("no code for a member of the portal's access group")
			}
		})

		t.Run("input that is no login at all is refused", func(t *testing.T) {
			clk.Add(account.CodeWindow) // a fresh window for the sending limits
			e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": ""}).wantFields(t, "login")
			e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": "not a login"}).wantFields(t, "login")
			reset("", "", "").wantFields(t, "login", "code", "new_password")
		})
	})
}

func TestPasswordResetLimits(t *testing.T) {
	eachClockEnv(t, func(t *testing.T, e *testEnv, clk *storetest.Clock) {
		e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})

		t.Run("codes per destination", func(t *testing.T) {
			for _, login := range []string{"ann@acme.test", "nobody@acme.test"} {
				for i := range account.CodesPerDestination {
					// From ever other addresses: the limit is the login's.
					r := e.from(fmt.Sprintf("198.51.100.%d", i+1), "", "POST", portalAPI+"/password/forgot", map[string]any{"login": login})
					if r.Code != http.StatusAccepted {
						t.Fatalf("%s request %d = %d: %s", login, i+1, r.Code, r.Body)
					}
				}
				r := e.from("198.51.100.99", "", "POST", portalAPI+"/password/forgot", map[string]any{"login": login})
				r.wantError(t, http.StatusTooManyRequests)
				if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s <= 0 || s > 3600 {
					t.Errorf("%s: Retry-After = %q", login, r.Header.Get("Retry-After"))
				}
			}
			if n := len(e.deliveriesTo(t, "ann@acme.test")); n != account.CodesPerDestination {
				t.Errorf("%d codes sent, want %d", n, account.CodesPerDestination)
			}
			clk.Add(account.CodeWindow)
			if r := e.from("198.51.100.1", "", "POST", portalAPI+"/password/forgot", map[string]any{"login": "ann@acme.test"}); r.Code != http.StatusAccepted {
				t.Errorf("after the window = %d", r.Code)
			}
		})

		t.Run("wrong codes per client address", func(t *testing.T) {
			code := e.lastCode(t, "ann@acme.test")
			for i := range account.TriesPerClient {
				// A fresh code now and then, so that the code's own
				// limit is not what stops the guessing.
				if i%account.CodeTries == account.CodeTries-1 {
					clk.Add(time.Second)
				}
				r := e.from("203.0.113.7", "", "POST", portalAPI+"/password/reset",
					map[string]any{"login": fmt.Sprintf("user%d@acme.test", i), "code": "000000", "new_password": "a guessed password"})
				wantInvalidCode(t, r)
			}
			r := e.from("203.0.113.7", "", "POST", portalAPI+"/password/reset",
				map[string]any{"login": "ann@acme.test", "code": code, "new_password": "a guessed password"})
			r.wantError(t, http.StatusTooManyRequests)
			if r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			// Another address is not held back.
			r = e.from("203.0.113.8", "", "POST", portalAPI+"/password/reset",
				map[string]any{"login": "ann@acme.test", "code": code, "new_password": "the owner's password"})
			if r.Code != http.StatusNoContent {
				t.Errorf("the owner's reset from elsewhere = %d: %s", r.Code, r.Body)
			}
		})
	})
}

func TestChangePassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})
		phone := e.customerSignIn(t, "ann@acme.test", testPassword)
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test"})

		r := e.callAs(ann.cookie, "PUT", portalAPI+"/me/password", map[string]any{"current_password": "guess", "new_password": "a new password"})
		r.wantFields(t, "current_password")
		e.callAs(ann.cookie, "PUT", portalAPI+"/me/password", map[string]any{"current_password": testPassword, "new_password": "short"}).
			wantFields(t, "new_password")
		if r := e.callAs(phone, "GET", portalAPI+"/me", nil); r.Code != http.StatusOK {
			t.Fatalf("refused changes ended another session: %d", r.Code)
		}

		e.as(t, ann, "PUT", "/me/password", map[string]any{"current_password": testPassword, "new_password": "a new password"}, http.StatusNoContent)
		e.as(t, ann, "GET", "/me", nil, http.StatusOK)
		e.callAs(phone, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
		e.as(t, bob, "GET", "/me", nil, http.StatusOK)
		e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "ann@acme.test", "password": testPassword}).wantError(t, http.StatusUnauthorized)
		e.customerSignIn(t, "ann@acme.test", "a new password")
		e.callAs("", "PUT", portalAPI+"/me/password", map[string]any{"current_password": "a new password", "new_password": "x"}).
			wantError(t, http.StatusUnauthorized)
	})
}

func TestForcedPasswordChange(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ct := e.contact(t, map[string]any{"first_name": "Nora", "email": "nora@acme.test"})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", ct), map[string]any{"password": "initial password", "send_via": "none"}, http.StatusCreated)
		e.ticket(t, ct, "Nora's question", nil)
		nora := &portalCustomer{contact: ct, cookie: e.customerSignIn(t, "nora@acme.test", "initial password")}

		if me := e.as(t, nora, "GET", "/me", nil, http.StatusOK); me["account"].(map[string]any)["must_change_password"] != true {
			t.Errorf("GET /me before the change: %v", me)
		}
		for _, route := range [][2]string{{"GET", "/dashboard"}, {"GET", "/tickets"}, {"GET", "/tickets.csv"}, {"PATCH", "/me"},
			{"POST", "/tickets"}, {"PUT", "/me/identity"}} {
			var body any
			if route[0] != "GET" {
				body = map[string]any{}
			}
			r := e.callAs(nora.cookie, route[0], portalAPI+route[1], body)
			if c := r.wantError(t, http.StatusForbidden)["code"]; c != "password_change_required" {
				t.Errorf("%s %s: code %v", route[0], route[1], c)
			}
		}
		e.as(t, nora, "PUT", "/me/password", map[string]any{"current_password": "initial password", "new_password": "initial password"}, http.StatusUnprocessableEntity)
		e.as(t, nora, "PUT", "/me/password", map[string]any{"current_password": "initial password", "new_password": "my own password"}, http.StatusNoContent)
		items, _, _ := e.callAs(nora.cookie, "GET", portalAPI+"/tickets", nil).list(t)
		if len(items) != 1 {
			t.Errorf("after the change: %d tickets, want 1", len(items))
		}
		if me := e.as(t, nora, "GET", "/me", nil, http.StatusOK); me["account"].(map[string]any)["must_change_password"] != false {
			t.Errorf("GET /me after the change: %v", me)
		}
		a, err := e.db.AccountByLogin(context.Background(), "nora@acme.test")
		if err != nil || a.MustChangePassword {
			t.Errorf("account after the change = %+v, %v", a, err)
		}

		t.Run("signing out is still possible", func(t *testing.T) {
			ct := e.contact(t, map[string]any{"first_name": "Olle", "email": "olle@acme.test"})
			e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", ct), map[string]any{"password": "initial password", "send_via": "none"}, http.StatusCreated)
			c := e.customerSignIn(t, "olle@acme.test", "initial password")
			if r := e.callAs(c, "DELETE", portalAPI+"/session", nil); r.Code != http.StatusNoContent {
				t.Errorf("sign-out = %d: %s", r.Code, r.Body)
			}
		})
	})
}

func TestRegistration(t *testing.T) {
	eachClockEnv(t, func(t *testing.T, e *testEnv, clk *storetest.Clock) {
		const notice = "We process your data to answer your requests.\nSee our policy."
		e.setPortal(t, map[string]any{"consent_text": notice, "consent_checkbox_label": "I accept the notice"})
		register := func(email string, consent bool) *response {
			return e.callAs("", "POST", portalAPI+"/register", map[string]any{"email": email, "password": "a good password",
				"first_name": "Kim", "last_name": "Berg", "consent": consent})
		}
		verify := func(email, code string) *response {
			return e.callAs("", "POST", portalAPI+"/register/verify", map[string]any{"email": email, "code": code})
		}

		t.Run("consent is required when the portal has a notice", func(t *testing.T) {
			register("kim@example.test", false).wantFields(t, "consent")
			if len(e.deliveriesTo(t, "kim@example.test")) != 0 {
				t.Error("a refused registration sent a message")
			}
		})

		t.Run("invalid input", func(t *testing.T) {
			r := e.callAs("", "POST", portalAPI+"/register", map[string]any{"email": "no email", "password": "short", "consent": true})
			r.wantFields(t, "email", "password", "first_name")
		})

		var kim map[string]any
		t.Run("nothing exists until the code is entered", func(t *testing.T) {
			at := clk.Now()
			r := register("Kim@Example.test", true)
			if r.Code != http.StatusAccepted {
				t.Fatalf("register = %d: %s", r.Code, r.Body)
			}
			code := e.lastCode(t, "kim@example.test")
			if _, err := e.db.AccountByLogin(context.Background(), "kim@example.test"); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("an account exists before verification: %v", err)
			}
			if d := e.deliveriesTo(t, "kim@example.test")[0]; strings.Contains(d.Body, "Kim") || !strings.Contains(d.Body, "Support") {
				t.Errorf("the code message greets an unconfirmed name or lacks the portal: %q", d.Body)
			}
			wantInvalidCode(t, verify("kim@example.test", wrongCode(code)))
			clk.Add(time.Minute)
			r = verify("kim@example.test", code)
			if r.Code != http.StatusOK {
				t.Fatalf("verify = %d: %s", r.Code, r.Body)
			}
			kim = r.object(t)
			hasKeys(t, "verify", kim, "account", "identities", "active_contact_id")
			if acct := kim["account"].(map[string]any); acct["login"] != "kim@example.test" || acct["display_name"] != "Kim Berg" {
				t.Errorf("account = %v", acct)
			}
			c := sessionKey(t, r)
			if me := e.callAs(c, "GET", portalAPI+"/me", nil); me.Code != http.StatusOK {
				t.Errorf("the new session = %d", me.Code)
			}
			e.customerSignIn(t, "kim@example.test", "a good password")
			wantInvalidCode(t, verify("kim@example.test", code))

			contactID := id(t, kim, "active_contact_id")
			consents, err := e.db.Consents(context.Background(), contactID)
			if err != nil {
				t.Fatal(err)
			}
			if len(consents) != 1 || consents[0].Text != notice || consents[0].Label != "I accept the notice" ||
				!consents[0].AcceptedAt.Equal(at) || consents[0].ClientAddr != "192.0.2.1" {
				t.Errorf("consents = %+v, want the notice accepted at %v", consents, at)
			}
		})

		t.Run("an existing contact is matched, not duplicated", func(t *testing.T) {
			co := e.company(t, "Lumen")
			lena := e.contact(t, map[string]any{"first_name": "Lena", "email": "lena@lumen.test", "company_id": co})
			if r := e.callAs("", "POST", portalAPI+"/register", map[string]any{"email": "lena@lumen.test", "password": "a good password",
				"first_name": "Lena", "consent": true}); r.Code != http.StatusAccepted {
				t.Fatalf("register = %d: %s", r.Code, r.Body)
			}
			r := verify("lena@lumen.test", e.lastCode(t, "lena@lumen.test"))
			if r.Code != http.StatusOK {
				t.Fatalf("verify = %d: %s", r.Code, r.Body)
			}
			body := r.object(t)
			ids := body["identities"].([]any)
			if len(ids) != 1 || id(t, body, "active_contact_id") != lena || ids[0].(map[string]any)["company"] != "Lumen" {
				t.Errorf("identities = %v, want contact %d at Lumen", ids, lena)
			}
			items, _, total := e.call("GET", "/api/v1/contacts?q=lena%40lumen.test", nil).list(t)
			if total != 1 || len(items) != 1 {
				t.Errorf("%d contacts with the address after registering, want 1", total)
			}
		})

		t.Run("an address with an account is not revealed", func(t *testing.T) {
			e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})
			known := register("ann@acme.test", true)
			unknown := register("someone@acme.test", true)
			if known.Code != http.StatusAccepted || string(known.Body) != string(unknown.Body) {
				t.Fatalf("answers differ: %d %s vs %d %s", known.Code, known.Body, unknown.Code, unknown.Body)
			}
			ds := e.deliveriesTo(t, "ann@acme.test")
			if len(ds) != 1 || sixDigits.MatchString(ds[0].Body) || !strings.Contains(ds[0].Body, "/support/password/forgot") {
				t.Fatalf("message to the known address = %+v", ds)
			}
			wantInvalidCode(t, verify("ann@acme.test", "123456"))
			e.customerSignIn(t, "ann@acme.test", testPassword)
		})

		t.Run("without a notice no consent is asked", func(t *testing.T) {
			e.setPortal(t, map[string]any{"consent_text": "", "consent_checkbox_label": ""})
			defer e.setPortal(t, map[string]any{"consent_text": notice, "consent_checkbox_label": "I accept the notice"})
			if r := register("max@example.test", false); r.Code != http.StatusAccepted {
				t.Fatalf("register = %d: %s", r.Code, r.Body)
			}
			r := verify("max@example.test", e.lastCode(t, "max@example.test"))
			if r.Code != http.StatusOK {
				t.Fatalf("verify = %d: %s", r.Code, r.Body)
			}
			if cs, _ := e.db.Consents(context.Background(), id(t, r.object(t), "active_contact_id")); len(cs) != 0 {
				t.Errorf("consents recorded without a notice: %+v", cs)
			}
		})

		t.Run("closed unless the portal takes registrations", func(t *testing.T) {
			g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Customers"}, http.StatusCreated), "id")
			e.setPortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
			defer e.setPortal(t, map[string]any{"access_mode": "self_registration"})
			for _, r := range []*response{register("new@example.test", true), verify("new@example.test", "123456")} {
				if c := r.wantError(t, http.StatusForbidden)["code"]; c != "registration_closed" {
					t.Errorf("code = %v", c)
				}
			}
		})

		t.Run("registrations per client address", func(t *testing.T) {
			clk.Add(account.CodeWindow)
			for i := range account.RegistrationsPerClient {
				r := e.from("198.51.100.20", "", "POST", portalAPI+"/register", map[string]any{"email": fmt.Sprintf("r%d@example.test", i),
					"password": "a good password", "first_name": "R", "consent": true})
				if r.Code != http.StatusAccepted {
					t.Fatalf("registration %d = %d: %s", i+1, r.Code, r.Body)
				}
			}
			r := e.from("198.51.100.20", "", "POST", portalAPI+"/register", map[string]any{"email": "one-more@example.test",
				"password": "a good password", "first_name": "R", "consent": true})
			r.wantError(t, http.StatusTooManyRequests)
			if r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
	})
}

// captureStore keeps a copy of every delivery queued, HTML body included.
type captureStore struct {
	*store.DB
	mu   sync.Mutex
	sent []delivery.Delivery
}

func (c *captureStore) CreateDelivery(ctx context.Context, d *delivery.Delivery) error {
	if err := c.DB.CreateDelivery(ctx, d); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, *d)
	return nil
}

func (c *captureStore) last(t *testing.T) delivery.Delivery {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sent) == 0 {
		t.Fatal("nothing was queued")
	}
	return c.sent[len(c.sent)-1]
}

func TestAccountMessages(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite", nil)
	capture := &captureStore{DB: db}
	files, err := filestore.Open(ctx, "file://"+t.TempDir(), maxUpload)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	srv, err := web.New(web.Options{Services: web.NewServices(capture, func() string { return "https://help.example" }),
		Files: files, Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		Ready: db.Ready, Version: "test", Now: db.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{db: db, srv: srv}
	e.adminID, e.adminKey = e.newAgent(t, "admin@portico.test", agent.RoleAdmin)
	e.setPortal(t, map[string]any{"name": `Acme <b>"Help"</b> & Co`})
	ann := e.newCustomer(t, map[string]any{"first_name": "Ann <i>", "email": "ann@acme.test"})

	t.Run("emails have a text and an escaped HTML body", func(t *testing.T) {
		e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": "ann@acme.test"})
		d := capture.last(t)
		code := sixDigits.FindString(d.Body)
		if d.Kind != delivery.Email || code == "" || !strings.Contains(d.Subject, `Acme <b>"Help"</b> & Co`) ||
			!strings.Contains(d.Body, `Acme <b>"Help"</b> & Co`) || !strings.Contains(d.Body, "Hello Ann <i>,") {
			t.Fatalf("text = %+v", d)
		}
		for _, want := range []string{"Acme &lt;b&gt;&#34;Help&#34;&lt;/b&gt; &amp; Co", "Hello Ann &lt;i&gt;,", ">" + code + "<",
			`href="https://help.example/support/password/reset?login=ann%40acme.test"`, `<html lang="en">`} {
			if !strings.Contains(d.BodyHTML, want) {
				t.Errorf("HTML body lacks %s:\n%s", want, d.BodyHTML)
			}
		}
		if strings.Contains(d.BodyHTML, "<b>") || strings.Contains(d.BodyHTML, "<i>") {
			t.Errorf("HTML body holds unescaped markup:\n%s", d.BodyHTML)
		}
	})

	t.Run("in the account's language, else the portal's", func(t *testing.T) {
		e.as(t, ann, "PATCH", "/me", map[string]any{"language": "pl"}, http.StatusOK)
		e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": "ann@acme.test"})
		if d := capture.last(t); !strings.Contains(d.Body, "Kod jest ważny przez 10 minut.") || !strings.Contains(d.BodyHTML, `lang="pl"`) {
			t.Errorf("Polish account got %q", d.Body)
		}
		e.as(t, ann, "PATCH", "/me", map[string]any{"language": ""}, http.StatusOK)
		e.setPortal(t, map[string]any{"default_language": "sv"})
		e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": "ann@acme.test"})
		if d := capture.last(t); !strings.Contains(d.Body, "Koden gäller i 10 minuter.") {
			t.Errorf("Swedish portal default got %q", d.Body)
		}
		e.setPortal(t, map[string]any{"default_language": "en"})
	})

	t.Run("SMS are short texts", func(t *testing.T) {
		e.newCustomer(t, map[string]any{"first_name": "Bob", "phone": "+46 70 123 45 67"})
		e.callAs("", "POST", portalAPI+"/password/forgot", map[string]any{"login": "+46701234567"})
		d := capture.last(t)
		if d.Kind != delivery.SMS || d.BodyHTML != "" || d.To != "+46701234567" || !sixDigits.MatchString(d.Body) || len(d.Body) > 160 {
			t.Errorf("SMS = %+v", d)
		}
		code := sixDigits.FindString(d.Body)
		r := e.callAs("", "POST", portalAPI+"/password/reset", map[string]any{"login": "+46701234567", "code": code, "new_password": "bob's new password"})
		if r.Code != http.StatusNoContent {
			t.Fatalf("reset = %d: %s", r.Code, r.Body)
		}
		if d := capture.last(t); d.Kind != delivery.SMS || !strings.Contains(d.Body, "https://help.example/support/password/forgot") {
			t.Errorf("password change notice by SMS = %+v", d)
		}
	})
}
