package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/delivery"
	"portico/internal/store/storetest"
	"portico/internal/web/i18n"
)

// group creates an access group with members and returns its id.
func (e *testEnv) group(t *testing.T, name string, members ...int64) int64 {
	t.Helper()
	g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": name}, http.StatusCreated), "id")
	if len(members) > 0 {
		e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": members}, http.StatusOK)
	}
	return g
}

// wantCode requires an error answer with status and code.
func wantCode(t *testing.T, r *response, status int, code string) {
	t.Helper()
	if got := r.wantError(t, status)["code"]; got != code {
		t.Errorf("code = %v, want %s", got, code)
	}
}

func TestAccessGroupsDecideWhoSignsIn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": acme})
		annG := e.newCustomer(t, map[string]any{"first_name": "Ann", "last_name": "G", "email": "ann@acme.test", "company_id": globex})
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test", "company_id": acme})
		if annG.account != ann.account {
			t.Fatalf("the same login made two accounts: %d, %d", ann.account, annG.account)
		}
		g := e.group(t, "Acme customers", ann.contact)
		bobHTML := e.browser()
		bobHTML.signIn(t, bob.login)
		e.setPortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
		loc := en(t)

		t.Run("a non-member is refused after the right password only", func(t *testing.T) {
			r := e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": bob.login, "password": testPassword})
			wantCode(t, r, http.StatusForbidden, "access_denied")
			if len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("a refused sign-in set cookies: %v", r.Header.Values("Set-Cookie"))
			}
			wantCode(t, e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": bob.login, "password": "wrong password"}),
				http.StatusUnauthorized, "invalid_credentials")
			b := e.browser()
			p := b.post("/support/login", url.Values{"login": {bob.login}, "password": {pagePassword}}).want(t, http.StatusForbidden)
			p.has(t, loc.T("denied.title"), loc.T("denied.body"), loc.T("denied.other_account"))
			if b.cookies["portico_session"] != "" {
				t.Error("the access-denied page came with a session")
			}
		})

		t.Run("an old session of a non-member stops working at once", func(t *testing.T) {
			p := bobHTML.get("/support/").want(t, http.StatusForbidden)
			p.has(t, loc.T("denied.title"))
			p.lacks(t, "Bob's")
			if _, ok := bobHTML.cookies["portico_session"]; ok {
				t.Error("the session cookie was kept")
			}
			bobHTML.get("/support/").want(t, http.StatusSeeOther)
			wantCode(t, e.callAs(bob.cookie, "GET", portalAPI+"/me", nil), http.StatusForbidden, "access_denied")
			wantCode(t, e.callAs(bob.cookie, "GET", portalAPI+"/me", nil), http.StatusUnauthorized, "not_signed_in")
		})

		t.Run("a member acts only as identities in the groups", func(t *testing.T) {
			c := e.customerSignIn(t, ann.login, testPassword)
			me := e.callAs(c, "GET", portalAPI+"/me", nil).object(t)
			if id(t, me, "active_contact_id") != ann.contact || len(me["identities"].([]any)) != 1 {
				t.Errorf("me = %v, want only Ann at Acme", me)
			}
			wantCode(t, e.callAs(c, "PUT", portalAPI+"/me/identity", map[string]any{"contact_id": annG.contact}), http.StatusNotFound, "not_found")
		})

		t.Run("leaving the group ends the session at its next request", func(t *testing.T) {
			c := e.customerSignIn(t, ann.login, testPassword)
			e.ok(t, "GET", "/api/v1/access-groups", nil, http.StatusOK)
			if r := e.callAs(c, "GET", portalAPI+"/tickets", nil); r.Code != http.StatusOK {
				t.Fatalf("member's list = %d", r.Code)
			}
			e.ok(t, "DELETE", fmt.Sprintf("/api/v1/access-groups/%d/members/%d", g, ann.contact), nil, http.StatusNoContent)
			wantCode(t, e.callAs(c, "GET", portalAPI+"/tickets", nil), http.StatusForbidden, "access_denied")
			wantCode(t, e.callAs(c, "GET", portalAPI+"/tickets", nil), http.StatusUnauthorized, "not_signed_in")
			e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int64{ann.contact}}, http.StatusOK)
		})

		t.Run("a portal that changes its groups or mode ends the sessions it no longer admits", func(t *testing.T) {
			other := e.group(t, "Globex customers", annG.contact)
			c := e.customerSignIn(t, ann.login, testPassword)
			b := e.browser()
			b.signIn(t, ann.login)
			e.setPortal(t, map[string]any{"access_group_ids": []int64{other}})
			// Ann may still act as her other identity: her sessions end,
			// and she is asked to sign in again.
			wantCode(t, e.callAs(c, "GET", portalAPI+"/me", nil), http.StatusUnauthorized, "not_signed_in")
			b.follow(t, b.get("/support/tickets")).want(t, http.StatusOK).has(t, loc.T("login.session_expired"))
			// Signing in again acts as the identity the portal admits now.
			c = e.customerSignIn(t, ann.login, testPassword)
			if got := id(t, e.callAs(c, "GET", portalAPI+"/me", nil).object(t), "active_contact_id"); got != annG.contact {
				t.Errorf("acting as %d, want Ann at Globex %d", got, annG.contact)
			}
			e.setPortal(t, map[string]any{"access_mode": "self_registration"})
			bobAgain := e.customerSignIn(t, bob.login, testPassword)
			e.setPortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
			wantCode(t, e.callAs(bobAgain, "GET", portalAPI+"/dashboard", nil), http.StatusForbidden, "access_denied")
		})
	})
}

// tokenLink finds the set-password link in a message.
var tokenLink = regexp.MustCompile(`http://portico\.test/support/password/set\?token=([0-9]+\.[A-Za-z0-9_-]+)`)

// linkTo is the token of the newest set-password link sent to to.
func (e *testEnv) linkTo(t *testing.T, to string) string {
	t.Helper()
	ds := e.deliveriesTo(t, to)
	if len(ds) == 0 {
		t.Fatalf("nothing was sent to %s", to)
	}
	m := tokenLink.FindStringSubmatch(ds[0].Body)
	if m == nil {
		t.Fatalf("the newest message to %s has no link: %q", to, ds[0].Body)
	}
	return m[1]
}

func TestInvitations(t *testing.T) {
	eachClockEnv(t, func(t *testing.T, e *testEnv, clk *storetest.Clock) {
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		loc := cat.For("en")
		acme := e.company(t, "Acme")
		cleo := e.contact(t, map[string]any{"first_name": "Cleo", "email": "cleo@acme.test", "company_id": acme, "language": "pl"})
		dan := e.contact(t, map[string]any{"first_name": "Dan", "company_id": acme}) // no email, no phone
		eve := e.newCustomer(t, map[string]any{"first_name": "Eve", "email": "eve@acme.test", "company_id": acme})
		g := e.group(t, "Acme customers", cleo)
		if n := len(e.deliveriesTo(t, "cleo@acme.test")); n != 0 {
			t.Fatalf("%d messages before any portal admits the group", n)
		}
		e.setPortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
		before := len(e.deliveriesTo(t, ""))

		t.Run("choosing a group invites its members in their language", func(t *testing.T) {
			ds := e.deliveriesTo(t, "cleo@acme.test")
			if len(ds) != 1 {
				t.Fatalf("Cleo got %d messages, want one invitation", len(ds))
			}
			d, pl := ds[0], cat.For("pl")
			if d.Kind != delivery.Email || d.Subject != pl.T("mail.invitation.subject", map[string]any{"Portal": "Support"}) ||
				!strings.Contains(d.Body, "cleo@acme.test") || !strings.Contains(d.Body, pl.N("mail.link.valid", 7)) ||
				!strings.Contains(d.Body, "Cleo") || !tokenLink.MatchString(d.Body) || !strings.Contains(d.Body, "http://portico.test/support/login") {
				t.Errorf("invitation = %+v", d)
			}
		})

		t.Run("adding members invites those without an account who can be reached", func(t *testing.T) {
			finn := e.contact(t, map[string]any{"first_name": "Finn", "phone": "+46 70 555 01 02"})
			e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int64{dan, eve.contact, finn, cleo}}, http.StatusOK)
			sms := e.deliveriesTo(t, "+46705550102")
			if len(sms) != 1 || sms[0].Kind != delivery.SMS || !tokenLink.MatchString(sms[0].Body) || !strings.Contains(sms[0].Body, "Support") {
				t.Errorf("Finn's invitation = %+v", sms)
			}
			if n := len(e.deliveriesTo(t, "eve@acme.test")); n != 0 {
				t.Errorf("Eve, who has an account, got %d messages", n)
			}
			if n := len(e.deliveriesTo(t, "cleo@acme.test")); n != 1 {
				t.Errorf("Cleo, invited already, got %d messages", n)
			}
			if n := len(e.deliveriesTo(t, "")); n != before+1 {
				t.Errorf("%d messages queued, want only Finn's", n-before)
			}
			events, _, _ := e.call("GET", fmt.Sprintf("/api/v1/contacts/%d/events", finn), nil).list(t)
			if len(events) != 1 || events[0]["kind"] != account.EventInvited {
				t.Errorf("Finn's timeline = %v", events)
			}
		})

		t.Run("the link sets the password and signs in, once", func(t *testing.T) {
			tok := e.linkTo(t, "cleo@acme.test")
			b := e.browser()
			form := b.get("/support/password/set?token="+tok).want(t, http.StatusOK)
			form.has(t, "cleo@acme.test", loc.T("register.set_password.intro", map[string]any{"Portal": "Support"}), `name="token" value="`+tok+`"`)
			p := b.post("/support/password/set", url.Values{"token": {tok}, "new_password": {"cleo's password"}, "confirm": {"other"}}).
				want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("password.error.mismatch"))
			p = b.post("/support/password/set", url.Values{"token": {tok}, "new_password": {"cleo's password"}, "confirm": {"cleo's password"}})
			home := b.follow(t, p).want(t, http.StatusOK)
			// Cleo's account speaks her contact's language.
			home.has(t, cat.For("pl").T("setpassword.done"))
			if b.cookies["portico_session"] == "" {
				t.Fatal("no session after choosing the password")
			}
			c := e.customerSignIn(t, "cleo@acme.test", "cleo's password")
			me := e.callAs(c, "GET", portalAPI+"/me", nil).object(t)
			acct := me["account"].(map[string]any)
			if id(t, me, "active_contact_id") != cleo || acct["must_change_password"] != false || acct["login"] != "cleo@acme.test" {
				t.Errorf("me = %v", me)
			}
			again := e.browser()
			again.get("/support/password/set?token="+tok).want(t, http.StatusGone).has(t, loc.T("setpassword.invalid.title"), loc.T("setpassword.invalid.body"))
			again.post("/support/password/set", url.Values{"token": {tok}, "new_password": {"a takeover attempt"}, "confirm": {"a takeover attempt"}}).
				want(t, http.StatusGone)
			wantCode(t, e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": tok, "new_password": "a takeover attempt"}),
				http.StatusBadRequest, "invalid_link")
			e.customerSignIn(t, "cleo@acme.test", "cleo's password")
		})

		t.Run("an expired link is refused", func(t *testing.T) {
			tok := e.linkTo(t, "+46705550102")
			clk.Add(account.LinkLifetime + time.Minute)
			e.browser().get("/support/password/set?token="+tok).want(t, http.StatusGone).has(t, loc.T("setpassword.invalid.title"))
			wantCode(t, e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": tok, "new_password": "finn's password"}),
				http.StatusBadRequest, "invalid_link")
		})

		t.Run("an admin sends new invitations, which replace the old", func(t *testing.T) {
			old := e.linkTo(t, "+46705550102")
			got := e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/invitations", g), map[string]any{}, http.StatusOK)
			if inv := got["invited"].([]any); len(inv) != 1 {
				t.Errorf("invited = %v, want Finn alone", inv)
			}
			tok := e.linkTo(t, "+46705550102")
			if tok == old {
				t.Fatal("the new invitation has the old link")
			}
			other := e.contact(t, map[string]any{"first_name": "Olga", "email": "olga@acme.test"})
			e.call("POST", fmt.Sprintf("/api/v1/access-groups/%d/invitations", g), map[string]any{"contact_ids": []int64{other}}).wantFields(t, "contact_ids")
			r := e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": tok, "new_password": "finn's password"})
			if r.Code != http.StatusOK {
				t.Fatalf("set password = %d: %s", r.Code, r.Body)
			}
			if got := id(t, r.object(t), "active_contact_id"); got == 0 {
				t.Error("not signed in")
			}
			sessionKey(t, r)
		})

		t.Run("switching a portal on, or to access groups, invites", func(t *testing.T) {
			gus := e.contact(t, map[string]any{"first_name": "Gus", "email": "gus@acme.test"})
			h := e.group(t, "Partners", gus)
			if n := len(e.deliveriesTo(t, "gus@acme.test")); n != 0 {
				t.Fatalf("Gus got %d messages before a portal chose his group", n)
			}
			e.setPortal(t, map[string]any{"enabled": false, "access_group_ids": []int64{g, h}})
			if n := len(e.deliveriesTo(t, "gus@acme.test")); n != 0 {
				t.Fatalf("a portal that is off invited Gus (%d messages)", n)
			}
			e.setPortal(t, map[string]any{"enabled": true})
			if n := len(e.deliveriesTo(t, "gus@acme.test")); n != 1 {
				t.Fatalf("Gus got %d messages when the portal was switched on", n)
			}
			e.setPortal(t, map[string]any{"name": "Acme Support"})
			e.setPortal(t, map[string]any{"access_group_ids": []int64{h, g}})
			if n := len(e.deliveriesTo(t, "gus@acme.test")); n != 1 {
				t.Errorf("changing other settings invited Gus again (%d messages)", n)
			}
		})

		t.Run("a member who left the group cannot use the link", func(t *testing.T) {
			tok := e.linkTo(t, "gus@acme.test")
			h := id(t, e.call("GET", "/api/v1/access-groups", nil).object(t)["items"].([]any)[1].(map[string]any), "id")
			gus := id(t, e.call("GET", "/api/v1/contacts?q=gus", nil).object(t)["items"].([]any)[0].(map[string]any), "id")
			e.ok(t, "DELETE", fmt.Sprintf("/api/v1/access-groups/%d/members/%d", h, gus), nil, http.StatusNoContent)
			b := e.browser()
			b.post("/support/password/set", url.Values{"token": {tok}, "new_password": {"gus's password"}, "confirm": {"gus's password"}}).
				want(t, http.StatusForbidden).has(t, loc.T("denied.title"))
			if b.cookies["portico_session"] != "" {
				t.Error("signed in outside the groups")
			}
			e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", h), map[string]any{"contact_ids": []int64{gus}}, http.StatusOK)
			b.post("/support/password/set", url.Values{"token": {tok}, "new_password": {"gus's password"}, "confirm": {"gus's password"}}).
				want(t, http.StatusSeeOther)
		})

		t.Run("the invitation of a login that has an account adds an identity", func(t *testing.T) {
			globex := e.company(t, "Globex")
			eveG := e.contact(t, map[string]any{"first_name": "Eve", "last_name": "G", "email": "eve@acme.test", "company_id": globex})
			e.ok(t, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int64{eveG}}, http.StatusOK)
			tok := e.linkTo(t, "eve@acme.test")
			r := e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": tok, "new_password": "eve's new password"})
			if r.Code != http.StatusOK {
				t.Fatalf("set password = %d: %s", r.Code, r.Body)
			}
			me := r.object(t)
			if id(t, me["account"].(map[string]any), "id") != eve.account || len(me["identities"].([]any)) != 2 {
				t.Errorf("me = %v, want Eve's account with both identities", me)
			}
			e.callAs(eve.cookie, "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			wantCode(t, e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "eve@acme.test", "password": testPassword}),
				http.StatusUnauthorized, "invalid_credentials")
			e.customerSignIn(t, "eve@acme.test", "eve's new password")
			if d := e.deliveriesTo(t, "eve@acme.test")[0]; d.Subject != loc.T("mail.password_changed.subject", map[string]any{"Portal": "Acme Support"}) {
				t.Errorf("after the invitation changed Eve's password: %q", d.Subject)
			}
		})
	})
}

func TestSetPasswordLinksRefuseStrangers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
		nora := e.contact(t, map[string]any{"first_name": "Nora", "email": "nora@acme.test", "company_id": acme})
		sam := e.newCustomer(t, map[string]any{"first_name": "Sam", "email": "sam@globex.test", "company_id": globex})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", nora), map[string]any{"send_via": "email"}, http.StatusCreated)
		tok := e.linkTo(t, "nora@acme.test")
		idText, secret, _ := strings.Cut(tok, ".")
		flipped := idText + "." + secret[:len(secret)-1] + flip(secret[len(secret)-1])
		loc := en(t)

		for i, bad := range []string{flipped, idText + ".", "999999." + secret, secret, "1", "x.y", idText + "." + secret + "x"} {
			for j, key := range []string{"", sam.cookie} {
				addr := fmt.Sprintf("198.51.100.%d", 10*i+j)
				wantCode(t, e.from(addr, key, "POST", portalAPI+"/password/set", map[string]any{"token": bad, "new_password": "a stranger's password"}),
					http.StatusBadRequest, "invalid_link")
			}
			if i > 2 {
				continue // the pages share one client address, and its limit
			}
			e.browser().get("/support/password/set?token="+url.QueryEscape(bad)).want(t, http.StatusGone).has(t, loc.T("setpassword.invalid.title"))
			e.browser().post("/support/password/set", url.Values{"token": {bad}, "new_password": {"a stranger's password"},
				"confirm": {"a stranger's password"}}).want(t, http.StatusGone)
		}
		e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": "", "new_password": ""}).wantFields(t, "token", "new_password")
		g := e.group(t, "Acme customers")
		before := len(e.deliveriesTo(t, ""))
		for _, key := range []string{"", sam.cookie} {
			e.callAs(key, "POST", fmt.Sprintf("/api/v1/access-groups/%d/invitations", g), map[string]any{}).wantError(t, http.StatusUnauthorized)
		}
		if n := len(e.deliveriesTo(t, "")); n != before {
			t.Errorf("a refused request queued %d messages", n-before)
		}

		t.Run("wrong tokens count against the client", func(t *testing.T) {
			var r *response
			for range account.TriesPerClient + 1 {
				r = e.from("203.0.113.9", "", "POST", portalAPI+"/password/set", map[string]any{"token": flipped, "new_password": "a guess, again"})
			}
			wantCode(t, r, http.StatusTooManyRequests, "too_many_attempts")
			if r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
		e.callAs(e.adminKey, "POST", portalAPI+"/password/set", map[string]any{"token": flipped, "new_password": "an agent's guess"}).
			wantError(t, http.StatusBadRequest)
		if got := id(t, e.as(t, sam, "GET", "/me", nil, http.StatusOK), "active_contact_id"); got != sam.contact {
			t.Errorf("Sam now acts as %d", got)
		}
		wantCode(t, e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "nora@acme.test", "password": "a stranger's password"}),
			http.StatusUnauthorized, "invalid_credentials")

		// The page shows the link's login to its holder only; the real
		// token still works after all those tries.
		r := e.callAs(sam.cookie, "POST", portalAPI+"/password/set", map[string]any{"token": tok, "new_password": "nora's password"})
		if r.Code != http.StatusOK || id(t, r.object(t), "active_contact_id") != nora {
			t.Fatalf("Nora's own link = %d: %s", r.Code, r.Body)
		}
	})
}
