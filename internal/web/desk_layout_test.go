package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portico/internal/store/storetest"
	"portico/internal/web/i18n"
)

// deskRoutes are the desk's routes behind its sign-in: every "/desk/…"
// pattern but the sign-in and sign-out themselves.
func (e *testEnv) deskRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range e.srv.Patterns() {
		_, route, ok := strings.Cut(p, " ")
		if ok && strings.HasPrefix(route, "/desk/") && route != "/desk/login" && route != "/desk/logout" {
			out = append(out, p)
		}
	}
	if len(out) < 8 {
		t.Fatalf("only %d desk routes: %v", len(out), out)
	}
	return out
}

// deskAgent signs a browser in at the desk as a new agent or admin.
func (e *testEnv) deskAgent(t *testing.T, email, role string) *pageBrowser {
	t.Helper()
	e.newAgent(t, email, role)
	b := e.browser()
	b.deskSignIn(t, email, "correct horse")
	return b
}

func TestDeskRoutesRefuseCustomersAndAnonymous(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		forged := e.browser()
		forged.cookies["portico_desk"] = cust.cookies["portico_session"]
		custAPI := e.customerSignIn(t, w.bob.login, pagePassword)
		for _, route := range e.deskRoutes(t) {
			method, path := fill(strings.Replace(route, "{$}", "", 1), "1")
			for who, b := range map[string]*pageBrowser{"anonymous": e.browser(), "customer": cust, "forged": forged} {
				var p *page
				if method == http.MethodGet {
					p = b.get(path)
				} else {
					p = b.post(path, url.Values{"body": {"hello"}})
				}
				if p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
					t.Errorf("%s %s as %s = %d %q, want a redirect to the desk's sign-in", method, path, who, p.Code, p.Header.Get("Location"))
				}
			}
			// A customer's API session is no desk session either.
			r := e.callAs(custAPI, method, path, nil)
			if r.Code != http.StatusSeeOther {
				t.Errorf("%s %s with a customer API cookie = %d", method, path, r.Code)
			}
		}
		if got := cust.get("/desk/login?next="+url.QueryEscape("/desk/tickets/1?x=1")).want(t, http.StatusOK); !strings.Contains(got.Body, `value="/desk/tickets/1?x=1"`) {
			t.Error("the sign-in form does not return to the desk page asked for")
		}
		for next, want := range map[string]string{"/desk/tickets/1": "/desk/tickets/1", "/desk/../api/v1/agents": "/desk/",
			"//evil.example/desk/": "/desk/", "/desk/login": "/desk/"} {
			b := e.browser()
			p := b.post("/desk/login", url.Values{"email": {"admin@portico.test"}, "password": {"correct horse"}, "next": {next}})
			if p.Header.Get("Location") != want {
				t.Errorf("next %q went to %q, want %q", next, p.Header.Get("Location"), want)
			}
		}
	})
}

func TestDeskLayout(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	loc := en(t)
	admin := e.browser()
	admin.deskSignIn(t, "admin@portico.test", "correct horse")
	agent := e.deskAgent(t, "agent@portico.test", "agent")

	t.Run("the header names the agent and the desk's parts", func(t *testing.T) {
		p := agent.get("/desk/").want(t, http.StatusOK).strict(t, "inbox")
		p.has(t, loc.T("desk.nav.inbox"), loc.T("desk.nav.contacts"), loc.T("desk.nav.reports"), `href="/desk/" aria-current="page"`,
			`action="/desk/logout"`, "agent", loc.T("desk.role.agent"), `href="`+"/static/desk.css")
		p.lacks(t, loc.T("desk.nav.settings"))
		admin.get("/desk/").want(t, http.StatusOK).has(t, loc.T("desk.nav.settings"), `href="/desk/settings/"`, loc.T("desk.role.admin"))
	})

	t.Run("every language, picked in the header or by the browser", func(t *testing.T) {
		for _, lang := range i18n.Languages {
			b := e.browser()
			b.deskSignIn(t, "agent@portico.test", "correct horse")
			p := b.post("/desk/language", url.Values{"lang": {lang}, "next": {"/desk/?view=mine"}}).want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/desk/?view=mine" {
				t.Errorf("the language picker went to %q", p.Header.Get("Location"))
			}
			page := b.get("/desk/?view=mine").want(t, http.StatusOK).strict(t, lang)
			page.has(t, `<html lang="`+lang+`">`, cat.For(lang).T("desk.view.mine"))
			for _, id := range cat.IDs() {
				if strings.Contains(page.Body, ">"+id+"<") || strings.Contains(page.Body, `"`+id+`"`) {
					t.Errorf("%s shows the raw message id %q", lang, id)
				}
			}
			b2 := e.browser()
			b2.header.Set("Accept-Language", lang+";q=0.9, de;q=1")
			b2.deskSignIn(t, "agent@portico.test", "correct horse")
			b2.get("/desk/").want(t, http.StatusOK).has(t, `<html lang="`+lang+`">`)
		}
		b := e.browser()
		b.deskSignIn(t, "agent@portico.test", "correct horse")
		if p := b.post("/desk/language", url.Values{"lang": {"xx"}, "next": {"https://evil.example/"}}); p.Header.Get("Location") != "/desk/" {
			t.Errorf("a bad picker post went to %q", p.Header.Get("Location"))
		}
	})

	t.Run("what does not exist is the desk's not-found page", func(t *testing.T) {
		p := agent.get("/desk/tickets/999999").want(t, http.StatusNotFound).strict(t, "not found")
		p.has(t, loc.T("error.not_found.title"), loc.T("desk.back_to_inbox"), loc.T("desk.nav.inbox"))
		agent.get("/desk/tickets/abc").want(t, http.StatusNotFound)
	})

	t.Run("the portals are a click away", func(t *testing.T) {
		p := agent.get("/desk/portals").want(t, http.StatusOK).strict(t, "portals")
		p.has(t, loc.T("desk.portals.hint"), `href="/support/"`, loc.T("desk.portal.on"))
	})
}
