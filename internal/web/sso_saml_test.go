package web_test

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"html"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/samlidp"
	dsig "github.com/russellhaering/goxmldsig"
)

// testIdP is an in-process SAML identity provider, reached through its
// handler only: its URL need not resolve.
type testIdP struct {
	srv    *samlidp.Server
	key    *rsa.PrivateKey
	cert   *x509.Certificate
	cookie string
}

const idpURL = "https://idp.corp.test"

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.corp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	u, _ := url.Parse(idpURL)
	srv, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Certificate: cert, Store: &samlidp.MemoryStore{},
		Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	return &testIdP{srv: srv, key: key, cert: cert}
}

// do sends a request to the provider with its session cookie.
func (p *testIdP) do(t *testing.T, method, target, contentType string, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if p.cookie != "" {
		req.Header.Set("Cookie", p.cookie)
	}
	rec := httptest.NewRecorder()
	p.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" {
			p.cookie = "session=" + c.Value
		}
	}
	return rec
}

func (p *testIdP) metadata(t *testing.T) string {
	return p.do(t, "GET", idpURL+"/metadata", "", "").Body.String()
}

// register tells the provider about the portal and adds a user.
func (p *testIdP) register(t *testing.T, e *testEnv, user, email string) {
	t.Helper()
	md := e.ssoGet("/support/sso/saml/metadata", "")
	if md.Code != 200 || !bytes.Contains(md.Body, []byte("/support/sso/saml/acs")) {
		t.Fatalf("SP metadata = %d: %s", md.Code, md.Body)
	}
	if r := p.do(t, "PUT", idpURL+"/services/portico", "", string(md.Body)); r.Code >= 300 {
		t.Fatalf("register SP: %d %s", r.Code, r.Body)
	}
	p.addUser(t, user, email)
}

func (p *testIdP) addUser(t *testing.T, user, email string) {
	t.Helper()
	body := `{"name":"` + user + `","password":"pw","email":"` + email + `","common_name":"Test ` + user + `"}`
	if r := p.do(t, "PUT", idpURL+"/users/"+user, "", body); r.Code >= 300 {
		t.Fatalf("add user: %d %s", r.Code, r.Body)
	}
}

var formValue = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// signIn runs an SP-initiated sign-in as user up to the provider's answer
// and returns the response document, not yet posted.
func (p *testIdP) signIn(t *testing.T, e *testEnv, user, next string) string {
	t.Helper()
	start := "/support/sso/saml/login"
	if next != "" {
		start += "?next=" + url.QueryEscape(next)
	}
	r := e.ssoGet(start, "")
	to := r.Header.Get("Location")
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(to, idpURL+"/sso?") {
		t.Fatalf("SAML login = %d to %q", r.Code, to)
	}
	p.cookie = ""
	p.do(t, "POST", idpURL+"/login", "application/x-www-form-urlencoded", url.Values{"user": {user}, "password": {"pw"}}.Encode())
	form := p.do(t, "GET", to, "", "").Body.String()
	var resp string
	for _, m := range formValue.FindAllStringSubmatch(form, -1) {
		if m[1] == "SAMLResponse" {
			resp = html.UnescapeString(m[2])
		}
	}
	doc, err := base64.StdEncoding.DecodeString(resp)
	if err != nil || len(doc) == 0 {
		t.Fatalf("no SAMLResponse in the provider's answer: %s", form)
	}
	return string(doc)
}

// post posts a response document to the assertion consumer, from the
// provider's origin, as a browser would.
func (e *testEnv) postSAML(doc, relay string) *response {
	return e.postSAMLRaw(base64.StdEncoding.EncodeToString([]byte(doc)), relay)
}

func (e *testEnv) postSAMLRaw(encoded, relay string) *response {
	form := url.Values{"SAMLResponse": {encoded}}
	if relay != "" {
		form.Set("RelayState", relay)
	}
	req := httptest.NewRequest("POST", "/support/sso/saml/acs", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", idpURL)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return e.serve(req, "")
}

// parse reads a response document.
func parseXML(t *testing.T, doc string) *etree.Document {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(doc); err != nil {
		t.Fatal(err)
	}
	return d
}

func xmlString(t *testing.T, d *etree.Document) string {
	t.Helper()
	s, err := d.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// removeSignatures removes the ds:Signature children of el.
func removeSignatures(el *etree.Element) {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" {
			el.RemoveChild(c)
		}
	}
}

// resign lets edit change the response, then signs its assertion again
// with the provider's own key and leaves the response unsigned: what the
// checks after the signature must refuse on their own.
func (p *testIdP) resign(t *testing.T, doc string, edit func(resp, assertion *etree.Element)) string {
	t.Helper()
	d := parseXML(t, doc)
	resp := d.Root()
	removeSignatures(resp)
	a := resp.FindElement("./Assertion")
	removeSignatures(a)
	edit(resp, a)
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{p.cert.Raw}, PrivateKey: p.key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(a)
	if err != nil {
		t.Fatal(err)
	}
	resp.RemoveChild(a)
	resp.AddChild(signed)
	return xmlString(t, d)
}

func setTime(el *etree.Element, attr string, at time.Time) {
	if el != nil && el.SelectAttr(attr) != nil {
		el.CreateAttr(attr, at.UTC().Format("2006-01-02T15:04:05.999Z"))
	}
}

func TestSSOSAMLSignInAndAttacks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		idp := newTestIdP(t)
		e.ssoPortal(t, "sso_all", map[string]any{"saml": map[string]any{"idp_metadata_xml": idp.metadata(t)}}, nil)
		idp.register(t, e, "alice", "a@corp.test")

		doc := idp.signIn(t, e, "alice", "/support/tickets")
		cookie := e.wantSignedIn(t, e.postSAML(doc, ""), "/support/tickets")
		me := e.ssoGet("/api/v1/portal/support/me", cookie).object(t)
		if login := me["account"].(map[string]any)["login"]; login != "a@corp.test" {
			t.Errorf("login = %v", login)
		}
		sessions := e.customerSessions(t)

		t.Run("replayed assertion", func(t *testing.T) {
			e.wantRefused(t, e.postSAML(doc, ""), http.StatusUnauthorized, sessions)
		})

		t.Run("logout ends the session", func(t *testing.T) {
			d := idp.signIn(t, e, "alice", "")
			c := e.wantSignedIn(t, e.postSAML(d, ""), "/support/")
			if r := e.raw("POST", "/support/logout", "cookie:"+c, "application/x-www-form-urlencoded", nil); r.Code != http.StatusSeeOther {
				t.Fatalf("logout = %d", r.Code)
			}
			if r := e.ssoGet("/support/", c); r.Code != http.StatusSeeOther {
				t.Errorf("portal after logout = %d, want a redirect to sign in", r.Code)
			}
			sessions = e.customerSessions(t)
		})

		evilEmail := func(a *etree.Element) {
			a.FindElement("./Subject/NameID").SetText("mallory@corp.test")
		}
		cases := []struct {
			name string
			make func(good string) string
		}{
			{"unsigned assertion", func(good string) string {
				d := parseXML(t, good)
				removeSignatures(d.Root())
				a := d.Root().FindElement("./Assertion")
				removeSignatures(a)
				evilEmail(a)
				return xmlString(t, d)
			}},
			{"signature stripped", func(good string) string {
				d := parseXML(t, good)
				removeSignatures(d.Root().FindElement("./Assertion"))
				return xmlString(t, d)
			}},
			{"signed response, altered assertion", func(good string) string {
				d := parseXML(t, good)
				a := d.Root().FindElement("./Assertion")
				removeSignatures(a)
				evilEmail(a)
				return xmlString(t, d)
			}},
			{"wrong certificate", func(string) string {
				other := newTestIdP(t)
				other.register(t, e, "alice", "a@corp.test")
				return other.signIn(t, e, "alice", "")
			}},
			{"two assertions, one signed", func(good string) string {
				d := parseXML(t, good)
				removeSignatures(d.Root())
				a := d.Root().FindElement("./Assertion")
				evil := a.Copy()
				removeSignatures(evil)
				evilEmail(evil)
				evil.CreateAttr("ID", "id-evil")
				d.Root().InsertChildAt(a.Index(), evil)
				return xmlString(t, d)
			}},
			{"wrapping: signed assertion inside the evil one", func(good string) string {
				d := parseXML(t, good)
				removeSignatures(d.Root())
				a := d.Root().FindElement("./Assertion")
				evil := a.Copy()
				removeSignatures(evil)
				evilEmail(evil)
				d.Root().RemoveChild(a)
				evil.CreateElement("saml:Advice").AddChild(a)
				d.Root().AddChild(evil)
				return xmlString(t, d)
			}},
			{"wrapping: signed response inside an unsigned one", func(good string) string {
				d := parseXML(t, good)
				orig := d.Root().Copy()
				root := d.Root()
				root.CreateAttr("ID", "id-wrapper")
				removeSignatures(root)
				a := root.FindElement("./Assertion")
				removeSignatures(a)
				evilEmail(a)
				root.InsertChildAt(0, etree.NewElement("samlp:Extensions"))
				root.FindElement("./Extensions").AddChild(orig)
				return xmlString(t, d)
			}},
			{"wrapping: evil assertion with the signed one's ID", func(good string) string {
				d := parseXML(t, good)
				removeSignatures(d.Root())
				a := d.Root().FindElement("./Assertion")
				evil := a.Copy()
				removeSignatures(evil)
				evilEmail(evil)
				evil.AddChild(a.FindElement("./Signature").Copy())
				d.Root().RemoveChild(a)
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(a)
				d.Root().InsertChildAt(0, ext)
				d.Root().AddChild(evil)
				return xmlString(t, d)
			}},
			{"expired assertion", func(good string) string {
				old := time.Now().Add(-2 * time.Hour)
				return idp.resign(t, good, func(resp, a *etree.Element) {
					setTime(resp, "IssueInstant", old)
					setTime(a, "IssueInstant", old)
					setTime(a.FindElement("./Conditions"), "NotBefore", old.Add(-time.Minute))
					setTime(a.FindElement("./Conditions"), "NotOnOrAfter", old.Add(time.Minute))
					setTime(a.FindElement("./Subject/SubjectConfirmation/SubjectConfirmationData"), "NotOnOrAfter", old.Add(time.Minute))
				})
			}},
			{"wrong audience", func(good string) string {
				return idp.resign(t, good, func(resp, a *etree.Element) {
					a.FindElement("./Conditions/AudienceRestriction/Audience").SetText("https://other.test/metadata")
				})
			}},
			{"no audience restriction", func(good string) string {
				return idp.resign(t, good, func(resp, a *etree.Element) {
					c := a.FindElement("./Conditions")
					c.RemoveChild(c.FindElement("./AudienceRestriction"))
				})
			}},
			{"wrong recipient", func(good string) string {
				return idp.resign(t, good, func(resp, a *etree.Element) {
					a.FindElement("./Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("Recipient", "https://other.test/acs")
				})
			}},
			{"wrong destination", func(good string) string {
				return idp.resign(t, good, func(resp, a *etree.Element) {
					resp.CreateAttr("Destination", "https://other.test/acs")
				})
			}},
			{"answer to a request never made", func(good string) string {
				return idp.resign(t, good, func(resp, a *etree.Element) {
					resp.CreateAttr("InResponseTo", "id-unknown")
					a.FindElement("./Subject/SubjectConfirmation/SubjectConfirmationData").CreateAttr("InResponseTo", "id-unknown")
				})
			}},
			{"document type declaration", func(good string) string {
				return `<!DOCTYPE r [<!ENTITY x "y">]>` + good
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				bad := c.make(idp.signIn(t, e, "alice", ""))
				e.wantRefused(t, e.postSAML(bad, ""), http.StatusUnauthorized, sessions)
			})
		}

		t.Run("re-signed control passes", func(t *testing.T) {
			// The resigning helper itself yields a valid response, so the
			// refusals above are the checks', not the helper's.
			good := idp.resign(t, idp.signIn(t, e, "alice", ""), func(resp, a *etree.Element) {})
			e.wantSignedIn(t, e.postSAML(good, ""), "/support/")
			sessions = e.customerSessions(t)
		})

		t.Run("comment injection in NameID", func(t *testing.T) {
			idp.addUser(t, "mallory", "a@corp.test.evil")
			good := idp.signIn(t, e, "mallory", "")
			bad := strings.Replace(good, ">a@corp.test.evil<", ">a@corp.test<!---->.evil<", 1)
			if bad == good {
				t.Fatal("NameID not found in the response")
			}
			e.wantRefused(t, e.postSAML(bad, ""), http.StatusUnauthorized, sessions)
		})

		t.Run("huge deflated response", func(t *testing.T) {
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, flate.BestCompression)
			chunk := bytes.Repeat([]byte("<a>"), 1<<16)
			for range 1000 { // ~200 MB inflated
				w.Write(chunk)
			}
			w.Close()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := e.postSAMLRaw(base64.StdEncoding.EncodeToString(buf.Bytes()), "")
			runtime.ReadMemStats(&after)
			e.wantRefused(t, r, http.StatusUnauthorized, sessions)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("reading the deflated response allocated %d MB", grew>>20)
			}
		})

		t.Run("open redirects through RelayState", func(t *testing.T) {
			idpInitiated := func() string {
				return idp.resign(t, idp.signIn(t, e, "alice", ""), func(resp, a *etree.Element) {
					resp.RemoveAttr("InResponseTo")
					a.FindElement("./Subject/SubjectConfirmation/SubjectConfirmationData").RemoveAttr("InResponseTo")
				})
			}
			first := idpInitiated()
			e.wantSignedIn(t, e.postSAML(first, "/support/tickets"), "/support/tickets")
			// Without a request to use up, the assertion's id alone
			// stops a replay.
			e.wantRefused(t, e.postSAML(first, ""), http.StatusUnauthorized, e.customerSessions(t))
			for _, relay := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/desk/"} {
				e.wantSignedIn(t, e.postSAML(idpInitiated(), relay), "/support/")
			}
			sessions = e.customerSessions(t)
		})

		t.Run("only the consumer skips the cross-origin check", func(t *testing.T) {
			req := httptest.NewRequest("POST", "/support/login", strings.NewReader("login=a&password=b"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", idpURL)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if r := e.serve(req, ""); r.Code != http.StatusForbidden {
				t.Errorf("cross-site sign-in post = %d, want 403", r.Code)
			}
		})

		t.Run("sign-in page shows the button", func(t *testing.T) {
			page := e.ssoGet("/support/login?next=/support/tickets", "")
			if !bytes.Contains(page.Body, []byte(`href="/support/sso/saml/login?next=%2Fsupport%2Ftickets"`)) || !bytes.Contains(page.Body, []byte(`name="password"`)) {
				t.Errorf("sign-in page lacks the SAML button or the password form: %s", page.Body)
			}
			e.ok(t, "PATCH", "/api/v1/portals/support", map[string]any{"sso": map[string]any{"saml": map[string]any{"idp_metadata_xml": idp.metadata(t)}, "hide_password_form": true}}, 200)
			page = e.ssoGet("/support/login", "")
			if !bytes.Contains(page.Body, []byte(`/support/sso/saml/login`)) || bytes.Contains(page.Body, []byte(`name="password"`)) {
				t.Errorf("SSO-only sign-in page still shows the password form")
			}
		})
	})
}
