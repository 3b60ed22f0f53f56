package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portico/internal/web/i18n"
)

// pageContact creates a contact with an email address and a portal account
// with the page tests' password.
func (e *testEnv) pageContact(t *testing.T, first, email string) *pageCustomer {
	t.Helper()
	return e.pageAccount(t, e.contact(t, map[string]any{"first_name": first, "email": email}), "")
}

func TestPagePasswordReset(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.pageContact(t, "Ann", "ann@acme.test")
		loc := en(t)
		b := e.browser()
		b.get("/support/login").want(t, http.StatusOK).has(t, `href="/support/password/forgot"`)
		form := b.get("/support/password/forgot").want(t, http.StatusOK)
		form.has(t, loc.T("reset.title"), loc.T("reset.intro"), `<label for="login">`, `action="/support/password/forgot"`)

		t.Run("the next step looks the same for any login", func(t *testing.T) {
			var pages []string
			for _, login := range []string{ann.login, "nobody@acme.test"} {
				p := b.post("/support/password/forgot", url.Values{"login": {login}}).want(t, http.StatusOK)
				p.has(t, loc.N("reset.sent", 10, map[string]any{"Login": login}), `name="code"`, `action="/support/password/reset"`,
					`value="`+login+`"`, `<label for="new-password">`)
				pages = append(pages, strings.ReplaceAll(p.Body, login, "LOGIN"))
			}
			if pages[0] != pages[1] {
				t.Error("the page after asking for a code differs between a known and an unknown login")
			}
			p := b.post("/support/password/forgot", url.Values{"login": {"not a login"}}).want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("reset.error.login"), `value="not a login"`, `aria-invalid="true"`)
		})

		t.Run("code and new password", func(t *testing.T) {
			code := e.lastCode(t, ann.login)
			post := func(code, pw, confirm string) *page {
				return b.post("/support/password/reset", url.Values{"login": {ann.login}, "code": {code}, "new_password": {pw}, "confirm": {confirm}})
			}
			p := post(code, "brand new password", "something else").want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.T("password.error.mismatch"), `value="`+ann.login+`"`)
			p = post(code, "short", "short").want(t, http.StatusUnprocessableEntity)
			p.has(t, loc.N("password.error.too_short", 8))
			p = post(wrongCode(code), "brand new password", "brand new password").want(t, http.StatusBadRequest)
			p.has(t, loc.T("reset.error.code"))
			p = post(code, "brand new password", "brand new password").want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/support/login" {
				t.Fatalf("after the reset: %s", p.Header.Get("Location"))
			}
			b.follow(t, p).want(t, http.StatusOK).has(t, loc.T("reset.done"))
			p = b.post("/support/login", url.Values{"login": {ann.login}, "password": {"brand new password"}})
			if p.Code != http.StatusSeeOther || p.Header.Get("Location") != "/support/" {
				t.Errorf("sign-in with the new password = %d %s", p.Code, p.Header.Get("Location"))
			}
		})

		t.Run("the link in the email opens the second step", func(t *testing.T) {
			p := e.browser().get("/support/password/reset?login="+url.QueryEscape(ann.login)).want(t, http.StatusOK)
			p.has(t, loc.T("reset.code.title"), `value="`+ann.login+`"`, `name="code"`, `autocomplete="one-time-code"`)
		})
	})
}

func TestPageRegister(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		e.pagePortal(t, map[string]any{"consent_text": "We process your data <carefully>.", "consent_checkbox_label": "I agree to the notice"})
		b := e.browser()
		b.get("/support/login").want(t, http.StatusOK).has(t, `href="/support/register"`)
		form := b.get("/support/register").want(t, http.StatusOK)
		form.has(t, loc.T("register.title"), "We process your data <carefully>.", "I agree to the notice", `name="consent"`,
			`<label for="first-name">`, `<label for="email">`, `<label for="password">`, `<label for="password-confirm">`)
		if strings.Contains(form.Body, "<carefully>") {
			t.Error("the consent notice is not escaped")
		}
		fields := url.Values{"first_name": {"Kim"}, "last_name": {"Berg"}, "email": {"kim@example.test"},
			"password": {"a good password"}, "password_confirm": {"a good password"}}

		p := b.post("/support/register", fields).want(t, http.StatusUnprocessableEntity)
		p.has(t, loc.T("register.consent.required"), `value="Kim"`, `value="Berg"`, `value="kim@example.test"`)
		if len(e.deliveriesTo(t, "kim@example.test")) != 0 {
			t.Fatal("a refused registration sent a code")
		}
		fields.Set("consent", "true")
		fields.Set("password_confirm", "another password")
		p = b.post("/support/register", fields).want(t, http.StatusUnprocessableEntity)
		p.has(t, loc.T("password.error.mismatch"), `value="Kim"`, "checked")
		fields.Set("password_confirm", "a good password")
		p = b.post("/support/register", fields).want(t, http.StatusOK)
		p.has(t, loc.T("register.verify.title"), loc.T("register.verify.sent", map[string]any{"Email": "kim@example.test"}), `name="code"`)

		code := e.lastCode(t, "kim@example.test")
		p = b.post("/support/register/verify", url.Values{"email": {"kim@example.test"}, "code": {wrongCode(code)}}).want(t, http.StatusBadRequest)
		p.has(t, loc.T("register.verify.invalid"))
		p = b.post("/support/register/verify", url.Values{"email": {"kim@example.test"}, "code": {code}}).want(t, http.StatusSeeOther)
		if p.Header.Get("Location") != "/support/" {
			t.Fatalf("after verifying: %s", p.Header.Get("Location"))
		}
		home := b.follow(t, p).want(t, http.StatusOK)
		home.has(t, loc.T("register.done"), "Kim Berg")

		t.Run("the email's link opens the code step", func(t *testing.T) {
			p := e.browser().get("/support/register/verify?email="+url.QueryEscape("lee@example.test")).want(t, http.StatusOK)
			p.has(t, loc.T("register.verify.sent", map[string]any{"Email": "lee@example.test"}), `value="lee@example.test"`)
		})

		t.Run("closed when the portal takes no registrations", func(t *testing.T) {
			g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Customers"}, http.StatusCreated), "id")
			e.pagePortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
			defer e.pagePortal(t, map[string]any{"access_mode": "self_registration"})
			anon := e.browser()
			anon.get("/support/login").want(t, http.StatusOK).lacks(t, `href="/support/register"`, loc.T("login.register"))
			anon.get("/support/register").want(t, http.StatusForbidden).has(t, loc.T("register.closed"))
			fields.Set("email", "other@example.test")
			anon.post("/support/register", fields).want(t, http.StatusForbidden).has(t, loc.T("register.closed"))
			if len(e.deliveriesTo(t, "other@example.test")) != 0 {
				t.Error("a closed portal sent a code")
			}
		})
	})
}

func TestPageChangePassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		ann := e.pageContact(t, "Ann", "ann@acme.test")
		b, other := e.browser(), e.browser()
		b.signIn(t, ann.login)
		other.signIn(t, ann.login)
		b.get("/support/me/password").want(t, http.StatusOK).has(t, loc.T("profile.password.title"), `<label for="current-password">`,
			`<label for="new-password">`, `<label for="confirm">`, `action="/support/me/password"`)

		post := func(current, pw, confirm string) *page {
			return b.post("/support/me/password", url.Values{"current_password": {current}, "new_password": {pw}, "confirm": {confirm}})
		}
		post("wrong password", "another password", "another password").want(t, http.StatusUnprocessableEntity).has(t, loc.T("password.error.current"))
		post(pagePassword, "another password", "not the same").want(t, http.StatusUnprocessableEntity).has(t, loc.T("password.error.mismatch"))
		post(pagePassword, pagePassword, pagePassword).want(t, http.StatusUnprocessableEntity).has(t, loc.T("password.error.same"))
		p := post(pagePassword, "another password", "another password").want(t, http.StatusSeeOther)
		if p.Header.Get("Location") != "/support/me" {
			t.Fatalf("after the change: %s", p.Header.Get("Location"))
		}
		b.follow(t, p).want(t, http.StatusOK).has(t, loc.T("profile.password.changed"))
		b.get("/support/").want(t, http.StatusOK)
		other.get("/support/").want(t, http.StatusSeeOther)
	})
}

func TestPageForcedPasswordChange(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		ct := e.contact(t, map[string]any{"first_name": "Nora", "email": "nora@acme.test"})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", ct), map[string]any{"password": pagePassword, "send_via": "none"}, http.StatusCreated)
		e.ticket(t, ct, "Nora's printer", nil)
		b := e.browser()
		b.signIn(t, "nora@acme.test")
		for _, path := range []string{"/support/", "/support/tickets", "/support/me"} {
			p := b.get(path).want(t, http.StatusSeeOther)
			if got := p.Header.Get("Location"); got != "/support/me/password" {
				t.Errorf("%s sends to %s", path, got)
			}
			p.lacks(t, "Nora's printer")
		}
		p := b.get("/support/me/password").want(t, http.StatusOK)
		p.has(t, loc.T("password.first.title"), loc.T("password.first.intro"), loc.T("password.first.submit"))
		p = b.post("/support/me/password", url.Values{"current_password": {pagePassword}, "new_password": {"nora's own password"},
			"confirm": {"nora's own password"}}).want(t, http.StatusSeeOther)
		if p.Header.Get("Location") != "/support/" {
			t.Fatalf("after the change: %s", p.Header.Get("Location"))
		}
		b.follow(t, p).want(t, http.StatusOK).has(t, "Nora's printer")
	})
}

func TestPageAccountFlowsInEveryLanguage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		e.pagePortal(t, map[string]any{"consent_text": "Notice.", "consent_checkbox_label": ""})
		ann := e.pageContact(t, "Ann", "ann@acme.test")
		ct := e.contact(t, map[string]any{"first_name": "Nora", "email": "nora@acme.test"})
		e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", ct), map[string]any{"password": pagePassword, "send_via": "none"}, http.StatusCreated)
		inline := regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=|javascript:`)
		check := func(t *testing.T, lang, what string, p *page) {
			t.Helper()
			if p.Code >= 500 {
				t.Fatalf("%s %s = %d", lang, what, p.Code)
			}
			if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s is not in its language", lang, what)
			}
			for _, id := range cat.IDs() {
				if strings.Contains(p.Body, id) {
					t.Errorf("%s %s shows the raw message id %q", lang, what, id)
				}
			}
			if inline.MatchString(p.Body) {
				t.Errorf("%s %s has inline style or script", lang, what)
			}
			if !strings.Contains(p.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("%s %s without the page CSP", lang, what)
			}
		}
		for _, lang := range i18n.Languages {
			anon := e.browser()
			anon.cookies["portico_lang"] = lang
			for _, path := range []string{"/support/password/forgot", "/support/password/reset?login=ann%40acme.test",
				"/support/register", "/support/register/verify?email=x%40example.test"} {
				check(t, lang, path, anon.get(path).want(t, http.StatusOK))
			}
			// The consent box shows the default label in the page's language.
			anon.get("/support/register").has(t, cat.For(lang).T("register.consent"))
			check(t, lang, "register errors", anon.post("/support/register", url.Values{"email": {"x"}}).want(t, http.StatusUnprocessableEntity))
			check(t, lang, "forgot step two", anon.post("/support/password/forgot", url.Values{"login": {ann.login}}).want(t, http.StatusOK))
			check(t, lang, "reset errors", anon.post("/support/password/reset", url.Values{"login": {ann.login}, "code": {"1"},
				"new_password": {"x"}, "confirm": {"y"}}).want(t, http.StatusUnprocessableEntity))

			for _, login := range []string{ann.login, "nora@acme.test"} {
				b := e.browser()
				b.signIn(t, login)
				b.post("/support/language", url.Values{"lang": {lang}}).want(t, http.StatusSeeOther)
				check(t, lang, login+" /support/me/password", b.get("/support/me/password").want(t, http.StatusOK))
				check(t, lang, login+" password errors", b.post("/support/me/password", url.Values{"current_password": {"nope"},
					"new_password": {"x"}, "confirm": {"x"}}).want(t, http.StatusUnprocessableEntity))
				b.post("/support/language", url.Values{"lang": {"en"}})
			}
		}
	})
}
