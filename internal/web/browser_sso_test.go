package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/crewjam/saml/samlidp"

	"portico/internal/store/storetest"
)

// listen starts an HTTP server on a free loopback port whose handler is
// chosen once its address is known.
func listen(t *testing.T) (string, func(http.Handler)) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	return base, func(h http.Handler) {
		ts := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
		ts.Start()
		t.Cleanup(ts.Close)
	}
}

// A customer signs in to the portal through the company's SAML identity
// provider in a real browser: the portal's button, the provider's form,
// the assertion posted back, the dashboard.
func TestBrowserSAMLSignIn(t *testing.T) {
	portalURL, servePortal := listen(t)
	e := newTestEnvAt(t, storetest.Open(t, "sqlite", nil), portalURL)
	b := newBrowser(t, portalURL, "sso-saml")

	idpBase, serveIdP := listen(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "idp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	u, _ := url.Parse(idpBase)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	serveIdP(idp)
	servePortal(e.srv)
	defer e.srv.EndStreams()

	call := func(method, target, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, target, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s = %d: %s", method, target, res.StatusCode, out)
		}
		return string(out)
	}
	e.ssoPortal(t, "sso_all", map[string]any{"saml": map[string]any{"idp_metadata_xml": call("GET", idpBase+"/metadata", "")}}, nil)
	call("PUT", idpBase+"/services/portico", call("GET", portalURL+"/support/sso/saml/metadata", ""))
	call("PUT", idpBase+"/users/mira", `{"name":"mira","password":"pw","email":"mira@corp.test","common_name":"Mira Holm"}`)

	b.open("/support/login", "document.querySelector('.sso-buttons a')")
	b.shot("01-login")
	b.click(".sso-buttons a")
	b.waitUntil("the provider's form", "location.href.startsWith('"+idpBase+"') && document.querySelector('input[name=user]')")
	b.shot("02-provider")
	sso := eval[string](b, "location.href")
	b.do("sign in at the provider", chromedp.SendKeys(chromedp.CSS("input[name=user]"), "mira"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), "pw"), chromedp.Click(chromedp.CSS("input[type=submit]")))
	// The test provider's form only opens its session; the request is
	// then answered with the signed assertion, which its page posts to
	// the portal by itself.
	b.waitUntil("the provider's session", "document.body.innerText.includes('mira@corp.test')")
	b.do("back to the provider's request", chromedp.Navigate(sso))
	b.waitUntil("the portal's dashboard", "location.href === '"+portalURL+"/support/' && document.querySelector('main')")
	b.shot("03-signed-in")
	if got := b.text(); !strings.Contains(got, "Mira") {
		t.Errorf("the dashboard after SAML sign-in does not greet Mira: %q", got)
	}
	if n := e.customerSessions(t); n != 1 {
		t.Errorf("%d customer sessions after one sign-in", n)
	}
}
