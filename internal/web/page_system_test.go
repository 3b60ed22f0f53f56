package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portico/internal/store/storetest"
	"portico/internal/web/i18n"
)

// inlineCode finds what the page CSP forbids: inline style and script.
var inlineCode = regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=|=["']?javascript:|<script(?:\s[^>]*)?>[^<]`)

// strict requires the page headers and no inline code, as every page has.
func (p *page) strict(t *testing.T, what string) *page {
	t.Helper()
	if !strings.Contains(p.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("%s: no page CSP", what)
	}
	if m := inlineCode.FindString(p.Body); m != "" {
		t.Errorf("%s: inline code %q", what, m)
	}
	return p
}

// adminText is a system page text that tries everything an admin's text
// must not do.
const adminText = "Welcome to {{portal}}: **read this** first.\n\n" +
	"Ask [our team](https://help.example/contact) or [write](mailto:help@example.com).\n" +
	"<script>alert(1)</script> [bad](javascript:alert(2)) <b>bold?</b>"

// wantAdminText requires p to show adminText as safe HTML.
func wantAdminText(t *testing.T, what string, p *page) {
	t.Helper()
	for _, want := range []string{
		"<p>Welcome to Support: <strong>read this</strong> first.</p>",
		`<a href="https://help.example/contact" rel="noopener" hx-boost="false">our team</a>`,
		`<a href="mailto:help@example.com" rel="noopener" hx-boost="false">write</a>`,
		"<br>&lt;script&gt;alert(1)&lt;/script&gt; [bad](javascript:alert(2)) &lt;b&gt;bold?&lt;/b&gt;</p>",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("%s lacks %s in %s", what, want, excerpt(p.Body[strings.Index(p.Body, "<main"):]))
		}
	}
	for _, bad := range []string{"<script>alert", `href="javascript:`, "<b>bold"} {
		if strings.Contains(p.Body, bad) {
			t.Errorf("%s holds %s", what, bad)
		}
	}
}

func TestSystemPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		pages := map[string]any{}
		for _, name := range []string{"login", "register", "logout", "access_denied", "password_reset", "unavailable"} {
			pages[name] = map[string]any{"en": adminText}
		}
		e.pagePortal(t, map[string]any{"system_pages": pages})
		got := e.ok(t, "GET", "/api/v1/portals/support", nil, http.StatusOK)["system_pages"].(map[string]any)
		if len(got) != 6 || got["login"].(map[string]any)["en"] != adminText {
			t.Errorf("system_pages = %v", got)
		}

		t.Run("sign-in, register, password reset", func(t *testing.T) {
			for path, intro := range map[string]string{"/support/login": "login.intro", "/support/register": "register.intro",
				"/support/password/forgot": "reset.intro"} {
				p := e.browser().get(path).want(t, http.StatusOK).strict(t, path)
				wantAdminText(t, path, p)
				p.lacks(t, loc.T(intro))
			}
		})

		t.Run("sign-out", func(t *testing.T) {
			b := e.browser()
			b.signIn(t, w.ann.login)
			p := b.get("/support/logout").want(t, http.StatusOK).strict(t, "sign-out")
			wantAdminText(t, "sign-out", p)
			p.has(t, `method="post" action="/support/logout"`)
		})

		t.Run("access denied", func(t *testing.T) {
			g := e.group(t, "Nobody")
			e.pagePortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
			defer e.pagePortal(t, map[string]any{"access_mode": "self_registration", "access_group_ids": []int64{}})
			p := e.browser().post("/support/login", url.Values{"login": {w.ann.login}, "password": {pagePassword}}).
				want(t, http.StatusForbidden).strict(t, "access denied")
			wantAdminText(t, "access denied", p)
			p.has(t, loc.T("denied.title"))
			p.lacks(t, loc.T("denied.body"))
		})

		t.Run("portal unavailable", func(t *testing.T) {
			e.pagePortal(t, map[string]any{"enabled": false})
			defer e.pagePortal(t, map[string]any{"enabled": true})
			p := e.browser().get("/support/").want(t, http.StatusServiceUnavailable).strict(t, "unavailable")
			wantAdminText(t, "unavailable", p)
			p.has(t, loc.T("unavailable.title"))
			p.lacks(t, loc.T("unavailable.body"), `action="/support/language"`, loc.T("nav.sign_in"))
		})

		t.Run("a text in one language, the page's own in the others", func(t *testing.T) {
			e.pagePortal(t, map[string]any{"languages": i18n.Languages, "system_pages": map[string]any{"login": map[string]any{"pl": "Witamy w {{portal}}."}}})
			b := e.browser()
			b.get("/support/login").has(t, loc.T("login.intro"))
			b.header.Set("Accept-Language", "pl")
			p := b.get("/support/login")
			p.has(t, "Witamy w Support.")
			e.pagePortal(t, map[string]any{"system_pages": map[string]any{"login": "For everyone <i>"}})
			b.get("/support/login").has(t, "For everyone <i>")
			if strings.Contains(b.get("/support/login").Body, "<i>") {
				t.Error("the plain text's markup reached the page")
			}
		})

		t.Run("the settings are checked", func(t *testing.T) {
			for field, pages := range map[string]any{
				"system_pages.nope":     map[string]any{"nope": "x"},
				"system_pages.login.xx": map[string]any{"login": map[string]any{"xx": "x"}},
				"system_pages.login.en": map[string]any{"login": map[string]any{"en": strings.Repeat("x", 10001)}},
				"system_pages":          map[string]any{"login": 5},
			} {
				e.call("PATCH", "/api/v1/portals/support", map[string]any{"system_pages": pages}).wantFields(t, field)
			}
			e.pagePortal(t, map[string]any{"system_pages": map[string]any{"login": map[string]any{"en": "  "}}})
			if got := e.ok(t, "GET", "/api/v1/portals/support", nil, http.StatusOK)["system_pages"].(map[string]any); len(got) != 0 {
				t.Errorf("a blank text was kept: %v", got)
			}
			e.browser().get("/support/login").has(t, loc.T("login.intro"))
		})
	})
}

// deskSignIn signs an agent in at the desk and requires success.
func (b *pageBrowser) deskSignIn(t *testing.T, email, pw string) {
	t.Helper()
	p := b.post("/desk/login", url.Values{"email": {email}, "password": {pw}})
	if p.Code != http.StatusSeeOther || p.Header.Get("Location") != "/desk/" || b.cookies["portico_desk"] == "" {
		t.Fatalf("desk sign-in of %s = %d %s: %s", email, p.Code, p.Header.Get("Location"), excerpt(p.Body))
	}
}

func TestDeskSignIn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		const pw = "correct horse" // newAgent's password

		t.Run("strangers are sent to sign in", func(t *testing.T) {
			p := e.browser().get("/desk/").want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/desk/login?next=%2Fdesk%2F" {
				t.Errorf("Location = %q", p.Header.Get("Location"))
			}
			cust := e.browser()
			cust.signIn(t, w.ann.login)
			cust.get("/desk/").want(t, http.StatusSeeOther)
			forged := e.browser()
			forged.cookies["portico_desk"] = cust.cookies["portico_session"]
			forged.get("/desk/").want(t, http.StatusSeeOther)
			form := e.browser().get("/desk/login").want(t, http.StatusOK).strict(t, "desk sign-in")
			form.has(t, loc.T("desk.sign_in.title"), `<label for="email">`, `<label for="password">`)
		})

		t.Run("wrong credentials and customers' credentials are refused alike", func(t *testing.T) {
			var bodies []string
			for _, c := range [][2]string{{"admin@portico.test", "wrong password"}, {w.ann.login, pagePassword}, {"nobody@portico.test", pw}} {
				b := e.browser()
				p := b.post("/desk/login", url.Values{"email": {c[0]}, "password": {c[1]}}).want(t, http.StatusUnprocessableEntity)
				p.has(t, loc.T("desk.sign_in.error"))
				if len(b.cookies) != 0 {
					t.Errorf("a refused desk sign-in set %v", b.cookies)
				}
				bodies = append(bodies, strings.ReplaceAll(p.Body, c[0], "EMAIL"))
			}
			if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
				t.Error("the refusals differ")
			}
		})

		t.Run("an agent signs in, sees the portals and signs out", func(t *testing.T) {
			e.nonAdminKey(t)
			b := e.browser()
			b.deskSignIn(t, "agent@portico.test", pw)
			home := b.get("/desk/").want(t, http.StatusOK).strict(t, "desk")
			home.has(t, loc.T("desk.title"), loc.T("desk.portal.on"), `href="/support/"`)
			home.lacks(t, loc.T("desk.portal.preview"))
			if b.cookies["portico_session"] != "" {
				t.Error("the desk sign-in made a customer session")
			}
			e.callAs("cookie:portico_desk="+b.cookies["portico_desk"], "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			e.callAs("cookie:portico_session="+b.cookies["portico_desk"], "GET", portalAPI+"/me", nil).wantError(t, http.StatusUnauthorized)
			p := b.post("/desk/logout", nil).want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/desk/login" || b.cookies["portico_desk"] != "" {
				t.Errorf("sign-out: %q, cookies %v", p.Header.Get("Location"), b.cookies)
			}
			b.get("/desk/").want(t, http.StatusSeeOther)
		})

		t.Run("next stays on this site", func(t *testing.T) {
			for next, want := range map[string]string{"/support/tickets": "/support/tickets", "//evil.example/": "/desk/",
				"https://evil.example/": "/desk/", "/support/../api/v1/agents": "/desk/", "": "/desk/"} {
				b := e.browser()
				p := b.post("/desk/login", url.Values{"email": {"admin@portico.test"}, "password": {pw}, "next": {next}})
				if p.Code != http.StatusSeeOther || p.Header.Get("Location") != want {
					t.Errorf("next %q: %d to %q, want %s", next, p.Code, p.Header.Get("Location"), want)
				}
			}
		})

		t.Run("cross-origin sign-ins are refused", func(t *testing.T) {
			b := e.browser()
			b.header.Set("Sec-Fetch-Site", "cross-site")
			b.post("/desk/login", url.Values{"email": {"admin@portico.test"}, "password": {pw}}).want(t, http.StatusForbidden)
			if b.cookies["portico_desk"] != "" {
				t.Error("a cross-origin sign-in set a cookie")
			}
		})
	})
}

func TestPortalPreview(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	w := newPageWorld(t, e)
	loc := en(t)
	banner := loc.T("unavailable.preview")
	cust := e.browser()
	cust.signIn(t, w.ann.login)
	custAPI := e.customerSignIn(t, w.ann.login, pagePassword)
	admin := e.browser()
	admin.deskSignIn(t, "admin@portico.test", "correct horse")
	admin.signIn(t, w.ann.login)
	e.nonAdminKey(t)
	agent := e.browser()
	agent.deskSignIn(t, "agent@portico.test", "correct horse")
	ticket := fmt.Sprintf("/support/tickets/%d", w.open)

	t.Run("while on, agents see the portal as it is", func(t *testing.T) {
		admin.get("/support/").want(t, http.StatusOK).lacks(t, banner)
	})

	e.pagePortal(t, map[string]any{"enabled": false})
	defer e.pagePortal(t, map[string]any{"enabled": true})

	t.Run("customers get the unavailable page and the API 503", func(t *testing.T) {
		for _, b := range []*pageBrowser{cust, e.browser()} {
			for _, path := range []string{"/support/", "/support/login", ticket} {
				p := b.get(path).want(t, http.StatusServiceUnavailable)
				p.has(t, loc.T("unavailable.title"), loc.T("unavailable.body"))
				p.lacks(t, banner, "Printer on fire")
			}
		}
		for _, key := range []string{custAPI, "", "cookie:portico_desk=" + admin.cookies["portico_desk"]} {
			wantCode(t, e.callAs(key, "GET", portalAPI+"/me", nil), http.StatusServiceUnavailable, "portal_unavailable")
		}
		wantCode(t, e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": w.ann.login, "password": pagePassword}),
			http.StatusServiceUnavailable, "portal_unavailable")
	})

	t.Run("a signed-in agent previews, with a banner", func(t *testing.T) {
		p := admin.get(ticket).want(t, http.StatusOK).strict(t, "preview")
		p.has(t, banner, "Printer on fire")
		p.lacks(t, "SECRET-NOTE")
		admin.get("/support/tickets").want(t, http.StatusOK).has(t, banner)
		agent.get("/support/login").want(t, http.StatusOK).has(t, banner, loc.T("login.title"))
		agent.get("/support/").want(t, http.StatusSeeOther)
		home := agent.get("/desk/").want(t, http.StatusOK)
		home.has(t, loc.T("desk.portal.off"), loc.T("desk.portal.preview"))
	})

	t.Run("the preview changes nothing", func(t *testing.T) {
		before := string(e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body)
		admin.post(ticket+"/reply", url.Values{"body": {"sent during the preview"}}).want(t, http.StatusServiceUnavailable)
		agent.post("/support/login", url.Values{"login": {w.bob.login}, "password": {pagePassword}}).want(t, http.StatusServiceUnavailable)
		if agent.cookies["portico_session"] != "" {
			t.Error("a sign-in went through while the portal was off")
		}
		if after := string(e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body); after != before {
			t.Error("a reply was added during the preview")
		}
	})

	t.Run("a forged or ended desk session previews nothing", func(t *testing.T) {
		forged := e.browser()
		forged.cookies["portico_desk"] = cust.cookies["portico_session"]
		forged.get("/support/login").want(t, http.StatusServiceUnavailable)
		gone := e.browser()
		gone.deskSignIn(t, "admin@portico.test", "correct horse")
		tok := gone.cookies["portico_desk"]
		gone.post("/desk/logout", nil).want(t, http.StatusSeeOther)
		gone.cookies["portico_desk"] = tok
		gone.get("/support/login").want(t, http.StatusServiceUnavailable).lacks(t, banner)
	})
}

func TestNewPagesInEveryLanguage(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := newPageWorld(t, e)
	e.pagePortal(t, map[string]any{"languages": i18n.Languages})
	nora := e.contact(t, map[string]any{"first_name": "Nora", "email": "nora@acme.test"})
	e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", nora), map[string]any{"send_via": "email"}, http.StatusCreated)
	tok := e.linkTo(t, "nora@acme.test")
	check := func(t *testing.T, lang, what string, p *page, status int) {
		t.Helper()
		p.want(t, status).strict(t, lang+" "+what)
		if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
			t.Errorf("%s %s is not in its language", lang, what)
		}
		for _, id := range cat.IDs() {
			if strings.Contains(p.Body, id) {
				t.Errorf("%s %s shows the raw message id %q", lang, what, id)
			}
		}
	}
	browser := func(lang string) *pageBrowser {
		b := e.browser()
		b.cookies["portico_lang"] = lang
		return b
	}
	for _, lang := range i18n.Languages {
		check(t, lang, "set-password form", browser(lang).get("/support/password/set?token="+tok), http.StatusOK)
		check(t, lang, "set-password errors", browser(lang).post("/support/password/set", url.Values{"token": {tok},
			"new_password": {"x"}, "confirm": {"y"}}), http.StatusUnprocessableEntity)
		check(t, lang, "invalid link", browser(lang).get("/support/password/set?token=1.nope"), http.StatusGone)
		check(t, lang, "desk sign-in", browser(lang).get("/desk/login"), http.StatusOK)
		check(t, lang, "desk sign-in errors", browser(lang).post("/desk/login", url.Values{"email": {"x@example.com"}, "password": {"nope"}}),
			http.StatusUnprocessableEntity)
		agent := browser(lang)
		agent.deskSignIn(t, "admin@portico.test", "correct horse")
		check(t, lang, "desk", agent.get("/desk/"), http.StatusOK)
	}
	g := e.group(t, "Nobody")
	e.pagePortal(t, map[string]any{"access_mode": "access_groups", "access_group_ids": []int64{g}})
	for _, lang := range i18n.Languages {
		p := browser(lang).post("/support/login", url.Values{"login": {w.bob.login}, "password": {pagePassword}})
		check(t, lang, "access denied", p, http.StatusForbidden)
		p.has(t, cat.For(lang).T("denied.body"))
	}
	e.pagePortal(t, map[string]any{"access_mode": "self_registration", "enabled": false})
	for _, lang := range i18n.Languages {
		check(t, lang, "unavailable", browser(lang).get("/support/"), http.StatusServiceUnavailable)
		agent := browser(lang)
		agent.deskSignIn(t, "admin@portico.test", "correct horse")
		p := agent.get("/support/login")
		check(t, lang, "preview", p, http.StatusOK)
		p.has(t, cat.For(lang).T("unavailable.preview"))
	}
}
