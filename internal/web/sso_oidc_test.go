package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
)

// testOP is an in-process OpenID provider: go-oidc's test server for
// discovery and keys, plus an authorization and a token endpoint that
// take each code once and check PKCE.
type testOP struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	mu  sync.Mutex
	// tokenIssuer and tokenNonce, when set, replace what ID tokens say.
	tokenIssuer, tokenNonce string
	sub, email              string
	codes                   map[string]*grant
}

type grant struct {
	nonce, challenge, clientID string
	used                       bool
}

func newTestOP(t *testing.T) *testOP {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := &testOP{key: key, codes: map[string]*grant{}, sub: "op-user-1", email: "olga@corp.test"}
	keys := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: "RS256"}}}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/openid-configuration", keys)
	mux.Handle("/keys", keys)
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
			http.Error(w, "PKCE and nonce required", 400)
			return
		}
		code := rand.Text()
		op.mu.Lock()
		op.codes[code] = &grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), clientID: q.Get("client_id")}
		op.mu.Unlock()
		to, _ := url.Parse(q.Get("redirect_uri"))
		to.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, to.String(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		op.mu.Lock()
		g := op.codes[r.PostForm.Get("code")]
		reused := g == nil || g.used
		if g != nil {
			g.used = true
		}
		op.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if reused || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		iss, nonce := op.srv.URL, g.nonce
		if op.tokenIssuer != "" {
			iss = op.tokenIssuer
		}
		if op.tokenNonce != "" {
			nonce = op.tokenNonce
		}
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{"iss": iss, "sub": op.sub, "aud": g.clientID, "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "nonce": nonce, "email": op.email, "email_verified": true, "name": "Olga Op"})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
			"id_token": oidctest.SignIDToken(op.key, "k1", "RS256", string(claims))})
	})
	op.srv = httptest.NewServer(mux)
	keys.SetIssuer(op.srv.URL)
	t.Cleanup(op.srv.Close)
	return op
}

// oidcFlow is a sign-in started at the portal and answered by the
// provider, up to the callback: its path and query, and the state cookie.
type oidcFlow struct {
	callback *url.URL
	cookie   string
}

func (op *testOP) start(t *testing.T, e *testEnv, next string) oidcFlow {
	t.Helper()
	r := e.ssoGet("/support/sso/oidc/login?next="+url.QueryEscape(next), "")
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), op.srv.URL+"/auth?") {
		t.Fatalf("OIDC login = %d to %q: %s", r.Code, r.Header.Get("Location"), r.Body)
	}
	var f oidcFlow
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "portico_oidc_state" {
			f.cookie = c.Name + "=" + c.Value
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	f.callback, err = url.Parse(res.Header.Get("Location"))
	if err != nil || f.callback.Path != "/support/sso/oidc/callback" {
		t.Fatalf("provider sent the browser to %q", res.Header.Get("Location"))
	}
	return f
}

// finish calls the callback with q (the provider's query, possibly
// changed) and cookie.
func (f oidcFlow) finish(e *testEnv, q url.Values, cookie string) *response {
	return e.ssoGet("/support/sso/oidc/callback?"+q.Encode(), cookie)
}

func TestSSOOIDCSignInAndAttacks(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		op := newTestOP(t)
		e.ssoPortal(t, "sso_all", map[string]any{"oidc": map[string]any{"issuer": op.srv.URL, "client_id": "portico",
			"client_secret": "op-secret"}}, nil)

		f := op.start(t, e, "/support/tickets")
		cookie := e.wantSignedIn(t, f.finish(e, f.callback.Query(), f.cookie), "/support/tickets")
		if login := e.ssoGet("/api/v1/portal/support/me", cookie).object(t)["account"].(map[string]any)["login"]; login != "olga@corp.test" {
			t.Errorf("login = %v", login)
		}
		sessions := e.customerSessions(t)

		t.Run("missing state", func(t *testing.T) {
			f := op.start(t, e, "")
			q := f.callback.Query()
			q.Del("state")
			e.wantRefused(t, f.finish(e, q, f.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("wrong state", func(t *testing.T) {
			f := op.start(t, e, "")
			q := f.callback.Query()
			q.Set("state", "forged")
			e.wantRefused(t, f.finish(e, q, f.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("state of another browser", func(t *testing.T) {
			f := op.start(t, e, "")
			e.wantRefused(t, f.finish(e, f.callback.Query(), ""), http.StatusUnauthorized, sessions)
		})
		t.Run("wrong nonce", func(t *testing.T) {
			op.tokenNonce = "forged"
			defer func() { op.tokenNonce = "" }()
			f := op.start(t, e, "")
			e.wantRefused(t, f.finish(e, f.callback.Query(), f.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("wrong issuer", func(t *testing.T) {
			op.tokenIssuer = op.srv.URL + "/"
			defer func() { op.tokenIssuer = "" }()
			f := op.start(t, e, "")
			e.wantRefused(t, f.finish(e, f.callback.Query(), f.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("reused code", func(t *testing.T) {
			used := f.callback.Query().Get("code")
			g := op.start(t, e, "")
			q := g.callback.Query()
			q.Set("code", used)
			e.wantRefused(t, g.finish(e, q, g.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("reused state", func(t *testing.T) {
			e.wantRefused(t, f.finish(e, f.callback.Query(), f.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("provider error", func(t *testing.T) {
			g := op.start(t, e, "")
			q := g.callback.Query()
			q.Set("error", "access_denied")
			e.wantRefused(t, g.finish(e, q, g.cookie), http.StatusUnauthorized, sessions)
		})
		t.Run("open redirect through next", func(t *testing.T) {
			g := op.start(t, e, "https://evil.example/")
			e.wantSignedIn(t, g.finish(e, g.callback.Query(), g.cookie), "/support/")
		})
	})
}
