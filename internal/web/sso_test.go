package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// ssoSecret is the HS256 secret of the test portals.
var ssoSecret = strings.Repeat("k", 40)

// customerSessions counts the customer sessions in the database.
func (e *testEnv) customerSessions(t *testing.T) int {
	t.Helper()
	n, err := e.db.SessionCount(context.Background(), "customer")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// ssoPortal configures the support portal's access mode and SSO.
func (e *testEnv) ssoPortal(t *testing.T, mode string, sso map[string]any, extra map[string]any) {
	t.Helper()
	body := map[string]any{"access_mode": mode, "sso": sso}
	for k, v := range extra {
		body[k] = v
	}
	e.ok(t, "PATCH", "/api/v1/portals/support", body, 200)
}

// ssoGet sends a GET without credentials, or with a cookie header.
func (e *testEnv) ssoGet(path, cookie string) *response {
	key := ""
	if cookie != "" {
		key = "cookie:" + cookie
	}
	return e.raw("GET", path, key, "", nil)
}

// sessionCookie is the session cookie a response set, as a Cookie header.
func (r *response) sessionCookie(t *testing.T) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "portico_session" && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie in %v", r.Header["Set-Cookie"])
	return ""
}

// wantSignedIn checks a sign-in redirected to where and that its cookie
// opens the portal.
func (e *testEnv) wantSignedIn(t *testing.T, r *response, where string) string {
	t.Helper()
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != where {
		t.Fatalf("sign-in = %d to %q, want 303 to %q: %s", r.Code, r.Header.Get("Location"), where, r.Body)
	}
	cookie := r.sessionCookie(t)
	if home := e.ssoGet("/support/", cookie); home.Code != http.StatusOK {
		t.Fatalf("portal home with the new session = %d", home.Code)
	}
	return cookie
}

// wantRefused checks a sign-in was refused with status and created no
// session.
func (e *testEnv) wantRefused(t *testing.T, r *response, status, sessions int) {
	t.Helper()
	if r.Code != status {
		t.Errorf("refused sign-in = %d, want %d: %.300s", r.Code, status, r.Body)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "portico_session" && c.Value != "" {
			t.Errorf("refused sign-in set a session cookie")
		}
	}
	if n := e.customerSessions(t); n != sessions {
		t.Errorf("sessions = %d after a refused sign-in, want %d", n, sessions)
	}
}

// hs256 signs claims with the portal's secret.
func hs256(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(ssoSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtClaims are good claims for the test portal, issued now.
func jwtClaims(sub, email string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"sub": sub, "email": email, "name": "Jo Tester", "iss": "https://corp.test", "aud": "portico",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": rand.Text(), "company": "Corp AB"}
}

func jwtURL(tok, next string) string {
	q := url.Values{"jwt": {tok}}
	if next != "" {
		q.Set("next", next)
	}
	return "/support/sso/jwt?" + q.Encode()
}

func TestSSOJWTSignInAndAttacks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		e.ssoPortal(t, "sso_all", map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": ssoSecret,
			"issuer": "https://corp.test", "audience": "portico", "max_age_seconds": 300}}, nil)

		good := jwtClaims("emp-1", "jo@corp.test")
		cookie := e.wantSignedIn(t, e.ssoGet(jwtURL(hs256(t, good), "/support/tickets"), ""), "/support/tickets")
		me := e.ssoGet("/api/v1/portal/support/me", cookie).object(t)
		if login := me["account"].(map[string]any)["login"]; login != "jo@corp.test" {
			t.Errorf("account login = %v", login)
		}
		sessions := e.customerSessions(t)
		if sessions != 1 {
			t.Fatalf("sessions = %d", sessions)
		}

		// The same subject with another address is the same account.
		again := jwtClaims("emp-1", "jo.new@corp.test")
		c2 := e.wantSignedIn(t, e.ssoGet(jwtURL(hs256(t, again), ""), ""), "/support/")
		if id := e.ssoGet("/api/v1/portal/support/me", c2).object(t)["account"].(map[string]any)["id"]; id != me["account"].(map[string]any)["id"] {
			t.Errorf("second sign-in of the subject reached account %v, want %v", id, me["account"].(map[string]any)["id"])
		}
		sessions = e.customerSessions(t)

		rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
		pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
		pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))

		none := func() string {
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
			b, _ := json.Marshal(jwtClaims("emp-1", "jo@corp.test"))
			return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
		}
		with := func(mod func(c jwt.MapClaims)) string {
			c := jwtClaims("emp-1", "jo@corp.test")
			mod(c)
			return hs256(t, c)
		}
		otherSecret := func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims("emp-1", "jo@corp.test")).SignedString([]byte(strings.Repeat("x", 40)))
			return s
		}
		replayed := hs256(t, jwtClaims("emp-1", "jo@corp.test"))
		e.wantSignedIn(t, e.ssoGet(jwtURL(replayed, ""), ""), "/support/")
		sessions = e.customerSessions(t)

		for _, c := range []struct {
			name, token string
		}{
			{"alg none", none()},
			{"another secret", otherSecret()},
			{"expired", with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })},
			{"no exp", with(func(c jwt.MapClaims) { delete(c, "exp") })},
			{"future nbf", with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })},
			{"too old by iat", with(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(-time.Hour).Unix() })},
			{"no iat", with(func(c jwt.MapClaims) { delete(c, "iat") })},
			{"wrong aud", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" })},
			{"array aud", with(func(c jwt.MapClaims) { c["aud"] = []string{"portico", "someone-else"} })},
			{"no aud", with(func(c jwt.MapClaims) { delete(c, "aud") })},
			{"wrong iss", with(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })},
			{"no jti", with(func(c jwt.MapClaims) { delete(c, "jti") })},
			{"no sub", with(func(c jwt.MapClaims) { delete(c, "sub") })},
			{"replayed jti", replayed},
			{"1 MB of dots", strings.Repeat(".", 1<<20)},
			{"empty", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.wantRefused(t, e.ssoGet(jwtURL(c.token, ""), ""), http.StatusUnauthorized, sessions)
			})
		}

		t.Run("open redirects through next", func(t *testing.T) {
			for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "/other/tickets", "/support/../desk/"} {
				tok := hs256(t, jwtClaims("emp-1", "jo@corp.test"))
				e.wantSignedIn(t, e.ssoGet(jwtURL(tok, next), ""), "/support/")
			}
		})

		t.Run("HS256 signed with the RSA public key", func(t *testing.T) {
			e.ssoPortal(t, "sso_all", map[string]any{"jwt": map[string]any{"algorithm": "RS256", "public_key": pubPEM,
				"issuer": "https://corp.test", "audience": "portico"}}, nil)
			forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims("emp-1", "jo@corp.test")).SignedString([]byte(pubPEM))
			if err != nil {
				t.Fatal(err)
			}
			n := e.customerSessions(t)
			e.wantRefused(t, e.ssoGet(jwtURL(forged, ""), ""), http.StatusUnauthorized, n)
			real, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwtClaims("emp-1", "jo@corp.test")).SignedString(rsaKey)
			e.wantSignedIn(t, e.ssoGet(jwtURL(real, ""), ""), "/support/")
		})
	})
}

func TestSSOJWTKeysAndLinking(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		t.Run("EdDSA with a PEM key", func(t *testing.T) {
			pub, priv, _ := ed25519.GenerateKey(rand.Reader)
			der, _ := x509.MarshalPKIXPublicKey(pub)
			e.ssoPortal(t, "sso_all", map[string]any{"jwt": map[string]any{"algorithm": "EdDSA",
				"public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "issuer": "https://corp.test", "audience": "portico"}}, nil)
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims("ed-1", "ed@corp.test")).SignedString(priv)
			e.wantSignedIn(t, e.ssoGet(jwtURL(tok, ""), ""), "/support/")
			rs, _ := rsa.GenerateKey(rand.Reader, 2048)
			wrongAlg, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwtClaims("ed-1", "ed@corp.test")).SignedString(rs)
			e.wantRefused(t, e.ssoGet(jwtURL(wrongAlg, ""), ""), http.StatusUnauthorized, e.customerSessions(t))
		})

		t.Run("RS256 with a JWKS URL", func(t *testing.T) {
			key, _ := rsa.GenerateKey(rand.Reader, 2048)
			set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
			jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { json.NewEncoder(w).Encode(set) }))
			defer jwks.Close()
			e.ssoPortal(t, "sso_all", map[string]any{"jwt": map[string]any{"algorithm": "RS256", "jwks_url": jwks.URL,
				"issuer": "https://corp.test", "audience": "portico"}}, nil)
			sign := func(kid string, k *rsa.PrivateKey) string {
				tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwtClaims("rs-1", "rs@corp.test"))
				tok.Header["kid"] = kid
				s, _ := tok.SignedString(k)
				return s
			}
			e.wantSignedIn(t, e.ssoGet(jwtURL(sign("k1", key), ""), ""), "/support/")
			other, _ := rsa.GenerateKey(rand.Reader, 2048)
			n := e.customerSessions(t)
			e.wantRefused(t, e.ssoGet(jwtURL(sign("k1", other), ""), ""), http.StatusUnauthorized, n)
			e.wantRefused(t, e.ssoGet(jwtURL(sign("k2", key), ""), ""), http.StatusUnauthorized, n)
		})

		t.Run("never merged by email across providers", func(t *testing.T) {
			// A password account with the address exists: the token's
			// subject is not linked to it.
			cid := e.contact(t, map[string]any{"first_name": "Pat", "email": "pat@corp.test"})
			e.ok(t, "POST", "/api/v1/contacts/"+ssoItoa(cid)+"/account", map[string]any{"password": "correct horse battery", "send_via": "none", "must_change_password": false}, 201)
			e.ssoPortal(t, "sso_all", map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": ssoSecret,
				"issuer": "https://corp.test", "audience": "portico"}}, nil)
			n := e.customerSessions(t)
			e.wantRefused(t, e.ssoGet(jwtURL(hs256(t, jwtClaims("pat-other-idp", "pat@corp.test")), ""), ""), http.StatusForbidden, n)
		})

		t.Run("sso_groups admits members only", func(t *testing.T) {
			member := e.contact(t, map[string]any{"first_name": "Mia", "email": "mia@corp.test"})
			e.contact(t, map[string]any{"first_name": "Noa", "email": "noa@corp.test"})
			g := e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "SSO customers"}, 201)
			gid := id(t, g, "id")
			e.ok(t, "POST", "/api/v1/access-groups/"+ssoItoa(gid)+"/members", map[string]any{"contact_ids": []int64{member}}, 200)
			e.ssoPortal(t, "sso_groups", map[string]any{"jwt": map[string]any{"algorithm": "HS256", "secret": ssoSecret,
				"issuer": "https://corp.test", "audience": "portico"}}, map[string]any{"access_group_ids": []int64{gid}})
			n := e.customerSessions(t)
			for _, who := range []string{"noa@corp.test", "stranger@corp.test"} {
				e.wantRefused(t, e.ssoGet(jwtURL(hs256(t, jwtClaims("sub-"+who, who)), ""), ""), http.StatusForbidden, n)
			}
			cookie := e.wantSignedIn(t, e.ssoGet(jwtURL(hs256(t, jwtClaims("sub-mia", "mia@corp.test")), ""), ""), "/support/")
			me := e.ssoGet("/api/v1/portal/support/me", cookie).object(t)
			if active := me["active_contact_id"]; active != json.Number(ssoItoa(member)) {
				t.Errorf("active contact = %v, want the group member %d", active, member)
			}
		})
	})
}

func ssoItoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
