package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portico/internal/store/storetest"
	"portico/internal/web/i18n"
)

// pagePassword is the password of every customer in the page tests.
const pagePassword = "correct horse battery"

// pageBrowser is a browser without JavaScript: it keeps cookies and sends
// forms, and follows nothing by itself.
type pageBrowser struct {
	e       *testEnv
	cookies map[string]string
	header  http.Header
}

// page is a page the server answered.
type page struct {
	Code   int
	Header http.Header
	Body   string
}

// Text is the page with HTML entities decoded, for looking for messages.
func (p *page) Text() string { return html.UnescapeString(p.Body) }

func (e *testEnv) browser() *pageBrowser {
	return &pageBrowser{e: e, cookies: map[string]string{}, header: http.Header{}}
}

func (b *pageBrowser) do(req *http.Request) *page {
	for n, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: n, Value: v})
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	b.e.srv.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return &page{Code: rec.Code, Header: res.Header, Body: rec.Body.String()}
}

func (b *pageBrowser) get(path string) *page {
	path, _, _ = strings.Cut(path, "#") // browsers keep the fragment to themselves
	return b.do(httptest.NewRequest("GET", path, nil))
}

func (b *pageBrowser) post(path string, form url.Values) *page {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// upload posts a multipart form with text fields and files (name → content).
func (b *pageBrowser) upload(path string, fields map[string]string, files [][2]string) *page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f[0])
		io.WriteString(w, f[1])
	}
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// follow requires a 303 and gets where it points.
func (b *pageBrowser) follow(t *testing.T, p *page) *page {
	t.Helper()
	if p.Code != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303: %s", p.Code, excerpt(p.Body))
	}
	return b.get(p.Header.Get("Location"))
}

// signIn signs in through the form and requires success.
func (b *pageBrowser) signIn(t *testing.T, login string) {
	t.Helper()
	p := b.post("/support/login", url.Values{"login": {login}, "password": {pagePassword}})
	if p.Code != http.StatusSeeOther || p.Header.Get("Location") != "/support/" {
		t.Fatalf("sign-in of %s = %d %s: %s", login, p.Code, p.Header.Get("Location"), excerpt(p.Body))
	}
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// want requires status and returns p for chaining.
func (p *page) want(t *testing.T, status int) *page {
	t.Helper()
	if p.Code != status {
		t.Fatalf("status = %d, want %d: %s", p.Code, status, excerpt(p.Body))
	}
	return p
}

// has requires the page's text to hold every s.
func (p *page) has(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !strings.Contains(p.Text(), s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// lacks requires the page's text to hold none of ss.
func (p *page) lacks(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if strings.Contains(p.Text(), s) {
			t.Errorf("page shows %q", s)
		}
	}
}

var subjectLink = regexp.MustCompile(`class="subject-link" href="/support/tickets/(\d+)"`)

// ticketIDs are the tickets a list page shows, in order.
func (p *page) ticketIDs() []int64 {
	var out []int64
	for _, m := range subjectLink.FindAllStringSubmatch(p.Body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// en is the English catalog, for the messages pages should show.
func en(t *testing.T) *i18n.Localizer {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.For("en")
}

// pageCustomer is a contact with a portal account.
type pageCustomer struct {
	contact int64
	login   string
}

// pageAccount opens a portal account for contact; with login set, the
// contact becomes another identity of the account with that login.
func (e *testEnv) pageAccount(t *testing.T, contact int64, login string) *pageCustomer {
	t.Helper()
	body := map[string]any{"password": pagePassword, "send_via": "none", "must_change_password": false}
	if login != "" {
		body = map[string]any{"login": login, "send_via": "none"}
	}
	r := e.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", contact), body)
	if r.Code != http.StatusCreated && r.Code != http.StatusOK {
		t.Fatalf("open account for %d = %d: %s", contact, r.Code, r.Body)
	}
	return &pageCustomer{contact: contact, login: r.object(t)["login"].(string)}
}

// pagePortal changes the support portal's settings.
func (e *testEnv) pagePortal(t *testing.T, settings map[string]any) {
	t.Helper()
	e.ok(t, "PATCH", "/api/v1/portals/support", settings, http.StatusOK)
}

// pageWorld is a portal with two customer companies: Ann and Bob at Acme,
// Sam at Globex, and Ann's second identity at Globex.
type pageWorld struct {
	acme, globex          int64
	ann, bob, sam, annG   *pageCustomer
	open, closed, bobOpen int64 // Ann's open and closed tickets, Bob's open one
	closedStage           int64
}

func newPageWorld(t *testing.T, e *testEnv) *pageWorld {
	t.Helper()
	w := &pageWorld{}
	w.acme = id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Acme"}, http.StatusCreated), "id")
	w.globex = id(t, e.ok(t, "POST", "/api/v1/companies", map[string]any{"name": "Globex"}, http.StatusCreated), "id")
	w.ann = e.pageAccount(t, e.contact(t, map[string]any{"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test", "company_id": w.acme}), "")
	w.bob = e.pageAccount(t, e.contact(t, map[string]any{"first_name": "Bob", "last_name": "Ray", "email": "bob@acme.test", "company_id": w.acme}), "")
	w.sam = e.pageAccount(t, e.contact(t, map[string]any{"first_name": "Sam", "last_name": "Oak", "email": "sam@globex.test", "company_id": w.globex}), "")
	w.annG = e.pageAccount(t, e.contact(t, map[string]any{"first_name": "Ann", "last_name": "Globex", "email": "ann@globex.test", "company_id": w.globex}), w.ann.login)

	var pipelines struct {
		Items []struct {
			Stages []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"stages"`
		} `json:"items"`
	}
	e.call("GET", "/api/v1/pipelines", nil).decode(t, &pipelines)
	for _, st := range pipelines.Items[0].Stages {
		if st.State == "closed" {
			w.closedStage = st.ID
		}
	}
	w.open = id(t, e.ticket(t, w.ann.contact, "Printer on fire", map[string]any{"body": "Smoke everywhere"}), "id")
	e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), map[string]any{"body": "We are sending help."}, http.StatusCreated)
	e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), map[string]any{"body": "SECRET-NOTE agents only", "internal": true}, http.StatusCreated)
	w.closed = id(t, e.ticket(t, w.ann.contact, "Old invoice question", nil), "id")
	e.ok(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", w.closed), map[string]any{"stage_id": w.closedStage}, http.StatusOK)
	w.bobOpen = id(t, e.ticket(t, w.bob.contact, "Bob's broken chair", nil), "id")
	return w
}

func TestPageSignIn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)

		t.Run("signed-out visitors are sent to sign in and back", func(t *testing.T) {
			b := e.browser()
			p := b.get("/support/tickets?view=mine&q=fire").want(t, http.StatusSeeOther)
			want := "/support/login?next=" + url.QueryEscape("/support/tickets?view=mine&q=fire")
			if got := p.Header.Get("Location"); got != want {
				t.Fatalf("Location = %q, want %q", got, want)
			}
			form := b.get(want).want(t, http.StatusOK)
			form.has(t, loc.T("login.title"), `name="next" value="/support/tickets?view=mine&q=fire"`)
			p = b.post("/support/login", url.Values{"login": {"ann@acme.test"}, "password": {pagePassword}, "next": {"/support/tickets?view=mine&q=fire"}})
			if p.Code != http.StatusSeeOther || p.Header.Get("Location") != "/support/tickets?view=mine&q=fire" {
				t.Fatalf("sign-in with next = %d %q", p.Code, p.Header.Get("Location"))
			}
			b.follow(t, p).want(t, http.StatusOK).has(t, "Printer on fire")
		})

		t.Run("a wrong login or password says one thing and keeps the login", func(t *testing.T) {
			var texts []string
			for _, login := range []string{"ann@acme.test", "nobody@acme.test"} {
				b := e.browser()
				p := b.post("/support/login", url.Values{"login": {login}, "password": {"wrong password"}}).want(t, http.StatusUnprocessableEntity)
				p.has(t, loc.T("login.error.invalid"), `value="`+login+`"`)
				if len(b.cookies) != 0 {
					t.Errorf("a failed sign-in set cookies %v", b.cookies)
				}
				texts = append(texts, strings.ReplaceAll(p.Body, login, "LOGIN"))
			}
			if texts[0] != texts[1] {
				t.Error("the page for a wrong password differs from the one for an unknown login")
			}
		})

		t.Run("next must stay inside the portal", func(t *testing.T) {
			for _, next := range []string{"//evil.example/", `/\evil.example`, "https://evil.example/support/", "/other/tickets",
				"/support/../api/v1/agents", "/support", "javascript:alert(1)", "/support/%2e%2e/x", "/support/\nx", " /support/tickets"} {
				b := e.browser()
				p := b.post("/support/login", url.Values{"login": {w.ann.login}, "password": {pagePassword}, "next": {next}})
				if p.Code != http.StatusSeeOther || p.Header.Get("Location") != "/support/" {
					t.Errorf("next %q: %d to %q, want /support/", next, p.Code, p.Header.Get("Location"))
				}
				if strings.Contains(b.get("/support/login?next="+url.QueryEscape(next)).Header.Get("Location"), "evil") {
					t.Errorf("next %q: a signed-in visit to the login page redirects out", next)
				}
			}
		})

		t.Run("a new session id at every sign-in", func(t *testing.T) {
			b := e.browser()
			b.signIn(t, w.ann.login)
			first := b.cookies["portico_session"]
			b.signIn(t, w.ann.login)
			if b.cookies["portico_session"] == first || first == "" {
				t.Error("the session id did not change at sign-in")
			}
			old := e.browser()
			old.cookies["portico_session"] = first
			old.get("/support/").want(t, http.StatusSeeOther)
		})

		t.Run("too many attempts are refused with the wait in minutes", func(t *testing.T) {
			b := e.browser()
			var p *page
			for range 6 {
				p = b.post("/support/login", url.Values{"login": {w.sam.login}, "password": {"nope nope"}})
			}
			p.want(t, http.StatusTooManyRequests)
			if p.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			if !regexp.MustCompile(`Too many attempts\. Try again in \d+ minutes?\.`).MatchString(p.Text()) {
				t.Errorf("429 page does not say how long to wait: %s", excerpt(p.Body))
			}
		})

		t.Run("signing out is a post and ends the session", func(t *testing.T) {
			b := e.browser()
			b.signIn(t, w.ann.login)
			tok := b.cookies["portico_session"]
			confirm := b.get("/support/logout").want(t, http.StatusOK)
			confirm.has(t, `method="post" action="/support/logout"`)
			b.get("/support/").want(t, http.StatusOK)
			p := b.post("/support/logout", nil).want(t, http.StatusSeeOther)
			if p.Header.Get("Location") != "/support/login" {
				t.Errorf("sign-out goes to %q", p.Header.Get("Location"))
			}
			b.follow(t, p).want(t, http.StatusOK).has(t, loc.T("login.signed_out"))
			b.get("/support/").want(t, http.StatusSeeOther)
			stolen := e.browser()
			stolen.cookies["portico_session"] = tok
			stolen.get("/support/").want(t, http.StatusSeeOther)
		})
	})
}

func TestPageSecurity(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	w := newPageWorld(t, e)
	b := e.browser()
	b.signIn(t, w.ann.login)
	pages := []string{"/support/", "/support/tickets", "/support/tickets/new", "/support/me", "/support/logout",
		fmt.Sprintf("/support/tickets/%d", w.open), fmt.Sprintf("/support/tickets/%d", w.closed), "/support/nope"}

	t.Run("headers and no inline script or style", func(t *testing.T) {
		anon := e.browser()
		for _, p := range append(pages, "/support/login", "/nope/") {
			br := b
			if p == "/support/login" || p == "/nope/" {
				br = anon
			}
			r := br.get(p)
			if r.Code >= 500 || r.Code == http.StatusSeeOther {
				t.Errorf("%s = %d", p, r.Code)
				continue
			}
			csp := r.Header.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %s", p, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP allows inline code: %s", p, csp)
			}
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s: %s = %q", p, h, got)
				}
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: Content-Type %q", p, r.Header.Get("Content-Type"))
			}
			for _, m := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(r.Body, -1) {
				if !strings.Contains(m, ` src="/static/`) {
					t.Errorf("%s: inline or foreign script %s", p, m)
				}
			}
			if regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=|javascript:`).MatchString(r.Body) {
				t.Errorf("%s: inline style or event handler in the page", p)
			}
		}
	})

	t.Run("cross-origin posts are refused", func(t *testing.T) {
		before := len(e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body)
		for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			for _, path := range []string{"/support/logout", fmt.Sprintf("/support/tickets/%d/reply", w.open), "/support/login"} {
				req := httptest.NewRequest("POST", path, strings.NewReader("body=forged&login=ann%40acme.test&password="+url.QueryEscape(pagePassword)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range h {
					req.Header.Set(k, v)
				}
				if r := b.do(req); r.Code != http.StatusForbidden {
					t.Errorf("cross-origin POST %s (%v) = %d, want 403", path, h, r.Code)
				}
			}
		}
		b.get("/support/").want(t, http.StatusOK)
		if after := len(e.call("GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil).Body); after != before {
			t.Error("a cross-origin post added a message")
		}
	})

	t.Run("static files are embedded, hashed and cached", func(t *testing.T) {
		home := b.get("/support/").Body
		for _, name := range []string{"portal.css", "portal.js", "htmx.min.js"} {
			m := regexp.MustCompile(`/static/` + regexp.QuoteMeta(name) + `\?v=([0-9a-f]+)`).FindStringSubmatch(home)
			if m == nil {
				t.Fatalf("the page does not link %s with a hash", name)
			}
			r := e.browser().get(m[0]).want(t, http.StatusOK)
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("%s: Cache-Control %q", name, cc)
			}
			req := httptest.NewRequest("GET", "/static/"+name, nil)
			req.Header.Set("If-None-Match", r.Header.Get("ETag"))
			if r := e.browser().do(req); r.Code != http.StatusNotModified {
				t.Errorf("%s with its ETag = %d, want 304", name, r.Code)
			}
			if r := e.browser().get("/static/" + name + "?v=old"); strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("%s under a stale hash is cached for good", name)
			}
		}
		htmx := e.browser().get("/static/htmx.min.js").Body
		if !strings.Contains(htmx, `version:"2.0.`) {
			t.Error("htmx.min.js is not htmx 2.0")
		}
		e.browser().get("/static/nope.js").want(t, http.StatusNotFound)
		for _, path := range []string{"/static/../pages.go", "/static/%2e%2e/pages.go", "/static/templates/layout.html"} {
			if r := e.browser().get(path); r.Code == http.StatusOK || strings.Contains(r.Body, "package web") {
				t.Errorf("%s = %d", path, r.Code)
			}
		}
	})

	t.Run("the theme is a stylesheet of its own", func(t *testing.T) {
		e.pagePortal(t, map[string]any{"theme": map[string]any{"accent_color": "#aa3300", "custom_css": ".brand { letter-spacing: 1px; }"}})
		home := b.get("/support/").Body
		m := regexp.MustCompile(`/support/theme\.css\?v=[0-9a-f]+`).FindString(home)
		if m == "" {
			t.Fatal("no theme stylesheet linked")
		}
		r := e.browser().get(m).want(t, http.StatusOK)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || !strings.Contains(r.Body, "--accent: #aa3300") ||
			!strings.Contains(r.Body, ".brand { letter-spacing: 1px; }") {
			t.Errorf("theme.css = %s", r.Body)
		}
	})

	t.Run("an unknown portal, an unknown page and a portal switched off", func(t *testing.T) {
		e.browser().get("/nope/").want(t, http.StatusNotFound).has(t, en(t).T("error.not_found.title"))
		b.get("/support/nope/deeper").want(t, http.StatusNotFound).has(t, en(t).T("error.not_found.title"))
		e.pagePortal(t, map[string]any{"enabled": false})
		defer e.pagePortal(t, map[string]any{"enabled": true})
		for _, p := range []string{"/support/", "/support/login", fmt.Sprintf("/support/tickets/%d", w.open)} {
			r := b.get(p).want(t, http.StatusServiceUnavailable)
			r.has(t, en(t).T("unavailable.title"), en(t).T("unavailable.body"))
			r.lacks(t, "Printer on fire")
		}
	})
}

func TestPageLanguages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		langOf := func(p *page) string {
			m := regexp.MustCompile(`<html lang="([^"]+)">`).FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatalf("no <html lang> in %s", excerpt(p.Body))
			}
			return m[1]
		}

		t.Run("browser, then the visitor's choice, then the account", func(t *testing.T) {
			b := e.browser()
			if got := langOf(b.get("/support/login")); got != "en" {
				t.Errorf("no preference: %s, want the portal default en", got)
			}
			b.header.Set("Accept-Language", "pl-PL,pl;q=0.9,en;q=0.5")
			if got := langOf(b.get("/support/login")); got != "pl" {
				t.Errorf("Accept-Language pl: %s", got)
			}
			r := b.post("/support/language", url.Values{"lang": {"sv"}, "next": {"/support/login"}}).want(t, http.StatusSeeOther)
			if r.Header.Get("Location") != "/support/login" {
				t.Errorf("language choice returns to %q", r.Header.Get("Location"))
			}
			if got := langOf(b.get("/support/login")); got != "sv" {
				t.Errorf("cookie sv over Accept-Language pl: %s", got)
			}
			b.post("/support/language", url.Values{"lang": {"xx"}}).want(t, http.StatusSeeOther)
			if got := langOf(b.get("/support/login")); got != "sv" {
				t.Errorf("an unknown language changed the page to %s", got)
			}
			b.signIn(t, w.ann.login)
			b.post("/support/language", url.Values{"lang": {"zh-CN"}, "next": {"/support/me"}}).want(t, http.StatusSeeOther)
			// The account's setting wins over the cookie and the browser,
			// on any device.
			other := e.browser()
			other.header.Set("Accept-Language", "pl")
			other.signIn(t, w.ann.login)
			other.cookies["portico_lang"] = "sv"
			if got := langOf(other.get("/support/")); got != "zh-CN" {
				t.Errorf("account language zh-CN: page in %s", got)
			}
		})

		t.Run("a portal offers only its languages", func(t *testing.T) {
			e.pagePortal(t, map[string]any{"languages": []string{"en", "sv"}, "default_language": "sv"})
			defer e.pagePortal(t, map[string]any{"languages": []string{"en", "zh-CN", "pl", "sv"}, "default_language": "en"})
			b := e.browser()
			b.header.Set("Accept-Language", "pl")
			p := b.get("/support/login")
			if got := langOf(p); got != "sv" {
				t.Errorf("Accept-Language pl on an en/sv portal: %s", got)
			}
			if strings.Contains(p.Body, `value="pl"`) || !strings.Contains(p.Body, `value="en" lang="en"`) {
				t.Error("the language picker does not list exactly the portal's languages")
			}
			b.post("/support/language", url.Values{"lang": {"pl"}}).want(t, http.StatusSeeOther)
			if got := langOf(b.get("/support/login")); got != "sv" {
				t.Errorf("a language the portal does not offer was chosen: %s", got)
			}
		})

		t.Run("every language renders every page with no raw message id", func(t *testing.T) {
			cat, err := i18n.Load()
			if err != nil {
				t.Fatal(err)
			}
			e.pagePortal(t, map[string]any{"allow_customer_close": true, "ticket_permission": "company"})
			for _, lang := range i18n.Languages {
				b := e.browser()
				b.signIn(t, w.ann.login)
				b.post("/support/language", url.Values{"lang": {lang}}).want(t, http.StatusSeeOther)
				for _, path := range []string{"/support/", "/support/tickets", "/support/tickets?view=drafts", "/support/tickets/new", "/support/me",
					fmt.Sprintf("/support/tickets/%d", w.open), fmt.Sprintf("/support/tickets/%d", w.closed), "/support/tickets?status=bogus", "/support/nope"} {
					p := b.get(path)
					if p.Code >= 500 {
						t.Fatalf("%s %s = %d", lang, path, p.Code)
					}
					if got := langOf(p); got != lang {
						t.Errorf("%s %s: <html lang=%q>", lang, path, got)
					}
					for _, id := range cat.IDs() {
						if strings.Contains(p.Body, id) {
							t.Errorf("%s %s shows the raw message id %q", lang, path, id)
						}
					}
				}
				anon := e.browser()
				anon.cookies["portico_lang"] = lang
				for _, path := range []string{"/support/login", "/nope/"} {
					p := anon.get(path)
					for _, id := range cat.IDs() {
						if strings.Contains(p.Body, id) {
							t.Errorf("%s %s shows the raw message id %q", lang, path, id)
						}
					}
				}
			}
		})
	})
}

// TestPageTemplatesUseKnownMessages checks every message id the templates
// and page handlers name literally.
func TestPageTemplatesUseKnownMessages(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("page*.go")
	if len(files) < 8 || len(goFiles) < 5 {
		t.Fatalf("found %d templates and %d Go files", len(files), len(goFiles))
	}
	uses := regexp.MustCompile(`\.(?:T|N) "([a-z][a-z0-9_.]+)"|\b(?:T|N)\("([a-z][a-z0-9_.]+)"|"([a-z_]+\.[a-z0-9_.]+)": true`)
	found := 0
	for _, f := range append(files, goFiles...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			id := m[1] + m[2] + m[3]
			if strings.HasSuffix(id, ".") {
				continue // a prefix completed at run time
			}
			found++
			if !known[id] {
				t.Errorf("%s asks for message %q, which no locale has", f, id)
			}
		}
	}
	if found < 100 {
		t.Errorf("only %d message uses found; is the pattern right?", found)
	}
	for _, id := range []string{"status.open", "status.closed", "tickets.draft", "ticket.owner.none"} {
		if !slices.Contains(cat.IDs(), id) {
			t.Errorf("missing %s", id)
		}
	}
}
