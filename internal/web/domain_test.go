package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A portal with a domain of its own answers at that domain's root; other
// hosts and the product's own paths are untouched.
func TestPortalOnItsOwnDomain(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		e.pagePortal(t, map[string]any{"domain": "help.acme.test"})
		b := e.browser()
		on := func(host, method, path string, form url.Values) *page {
			var req *http.Request
			if form != nil {
				req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req = httptest.NewRequest(method, path, nil)
			}
			req.Host = host
			return b.do(req)
		}

		// Signed out, the root sends to the portal's sign-in.
		if p := on("help.acme.test", "GET", "/", nil); p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/support/login") {
			t.Fatalf("GET / on the portal's domain = %d → %s", p.Code, p.Header.Get("Location"))
		}
		on("help.acme.test", "GET", "/login", nil).want(t, http.StatusOK).has(t, `name="password"`)
		if p := on("help.acme.test:8443", "POST", "/login", url.Values{"login": {w.ann.login}, "password": {pagePassword}}); p.Code != http.StatusSeeOther {
			t.Fatalf("sign-in on the portal's domain = %d: %s", p.Code, excerpt(p.Body))
		}
		// Signed in, both spellings of a page work there.
		on("HELP.acme.test", "GET", "/tickets", nil).want(t, http.StatusOK).has(t, "Ann")
		on("help.acme.test", "GET", "/support/tickets", nil).want(t, http.StatusOK)
		// The product's own paths are not the portal's.
		if p := on("help.acme.test", "GET", "/healthz", nil); p.Code != http.StatusOK {
			t.Errorf("/healthz on the portal's domain = %d", p.Code)
		}
		if p := on("help.acme.test", "GET", "/api/v1/portal/support/me", nil); p.Code != http.StatusOK {
			t.Errorf("the customer API on the portal's domain = %d", p.Code)
		}
		// Another host has no portal at its root.
		if p := on("other.test", "GET", "/tickets", nil); p.Code != http.StatusNotFound {
			t.Errorf("/tickets on another host = %d", p.Code)
		}
	})
}
