package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/sso"
)

// oidcStateCookie keeps an OIDC flow's state in the browser that started
// it, so that the answer is accepted only there.
const oidcStateCookie = "portico_oidc_state"

// ssoACSPattern is the SAML assertion consumer: identity providers post to
// it from their own origin, so it is the one route outside the
// cross-origin protection (DESIGN: sessions and security). It changes
// nothing unless the post carries a signed assertion for this portal.
const ssoACSPattern = "POST /{slug}/sso/saml/acs"

// ssoRoutes registers the single sign-on pages (API.md §5).
func (s *Server) ssoRoutes(reg func(pattern string, public bool, h pageHandler)) {
	reg("GET /{slug}/sso/jwt", true, s.pageSSOJWT)
	reg("GET /{slug}/sso/saml/metadata", true, s.pageSAMLMetadata)
	reg("GET /{slug}/sso/saml/login", true, s.pageSAMLLogin)
	reg(ssoACSPattern, true, s.pageSAMLACS)
	reg("GET /{slug}/sso/oidc/login", true, s.pageOIDCLogin)
	reg("GET /{slug}/sso/oidc/callback", true, s.pageOIDCCallback)
}

// pageSSOJWT signs in with a token from the company's own site.
func (s *Server) pageSSOJWT(w http.ResponseWriter, r *http.Request, v *visitor) error {
	q := r.URL.Query()
	c, err := s.SSO.JWT(r.Context(), v.portal, q.Get("jwt"))
	if err != nil {
		return s.ssoFailed(w, r, v, err)
	}
	return s.ssoFinish(w, r, v, c, q.Get("next"))
}

// pageSAMLMetadata shows the portal's service provider metadata.
func (s *Server) pageSAMLMetadata(w http.ResponseWriter, r *http.Request, v *visitor) error {
	b, err := s.SSO.SAMLMetadata(r.Context(), v.portal)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Cache-Control", "no-cache")
	_, err = w.Write(b)
	return err
}

// pageSAMLLogin sends the browser to the identity provider.
func (s *Server) pageSAMLLogin(w http.ResponseWriter, r *http.Request, v *visitor) error {
	to, err := s.SSO.SAMLLogin(r.Context(), v.portal, pageSafeNext(v.portal.Slug, r.URL.Query().Get("next")))
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// pageSAMLACS takes the identity provider's answer. Where it leads
// afterwards is the page the sign-in started from, or for an
// IdP-initiated sign-in its RelayState, if that is a page of this portal.
func (s *Server) pageSAMLACS(w http.ResponseWriter, r *http.Request, v *visitor) error {
	r.Body = http.MaxBytesReader(w, r.Body, sso.MaxSAMLResponse+64<<10)
	if err := r.ParseForm(); err != nil {
		return s.ssoFailed(w, r, v, errors.Join(sso.ErrInvalid, err))
	}
	c, next, err := s.SSO.SAMLResponse(r.Context(), v.portal, r.PostForm.Get("SAMLResponse"))
	if err != nil {
		return s.ssoFailed(w, r, v, err)
	}
	return s.ssoFinish(w, r, v, c, cmp.Or(next, r.PostForm.Get("RelayState")))
}

// pageOIDCLogin sends the browser to the OpenID provider.
func (s *Server) pageOIDCLogin(w http.ResponseWriter, r *http.Request, v *visitor) error {
	to, state, err := s.SSO.OIDCLogin(r.Context(), v.portal, pageSafeNext(v.portal.Slug, r.URL.Query().Get("next")))
	if err != nil {
		return err
	}
	s.setOIDCState(w, r, v, state)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// pageOIDCCallback takes the OpenID provider's answer.
func (s *Server) pageOIDCCallback(w http.ResponseWriter, r *http.Request, v *visitor) error {
	q := r.URL.Query()
	cb := sso.Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error")}
	if c, err := r.Cookie(oidcStateCookie); err == nil {
		cb.BrowserState = c.Value
	}
	s.setOIDCState(w, r, v, "")
	c, next, err := s.SSO.OIDCCallback(r.Context(), v.portal, cb)
	if err != nil {
		return s.ssoFailed(w, r, v, err)
	}
	return s.ssoFinish(w, r, v, c, next)
}

// setOIDCState keeps state in the browser for the flow's lifetime; an
// empty state clears it.
func (s *Server) setOIDCState(w http.ResponseWriter, r *http.Request, v *visitor, state string) {
	c := &http.Cookie{Name: oidcStateCookie, Value: state, Path: "/" + v.portal.Slug + "/sso/oidc/",
		MaxAge: int(sso.RequestLifetime.Seconds()), HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode}
	if state == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// ssoFinish signs in the person the provider proved, under the same rules
// as any sign-in (a new session token, the portal's idle timeout, the
// access rules of its mode), and sends them on to next when it is a page
// of this portal.
func (s *Server) ssoFinish(w http.ResponseWriter, r *http.Request, v *visitor, c sso.Claims, next string) error {
	ctx := r.Context()
	a, err := s.SSO.SignIn(ctx, v.portal, c)
	if err != nil {
		return s.ssoFailed(w, r, v, err)
	}
	_, tok, err := s.Auth.SignInVerified(ctx, v.portal, a, client(r))
	if err != nil {
		return s.ssoFailed(w, r, v, err)
	}
	if err := s.startSession(w, r, v, tok); err != nil {
		return err
	}
	http.Redirect(w, r, cmp.Or(pageSafeNext(v.portal.Slug, next), "/"+v.portal.Slug+"/"), http.StatusSeeOther)
	return nil
}

// ssoFailed answers a refused sign-in: 401 with a page that offers to try
// again for anything that proved nothing, the access-denied page for
// someone the portal does not admit. What was wrong is logged, not shown.
func (s *Server) ssoFailed(w http.ResponseWriter, r *http.Request, v *visitor, err error) error {
	e := apperr.As(err)
	if e == nil || (e.Kind != apperr.Unauthorized && e.Kind != apperr.Forbidden) {
		return err
	}
	s.logger(r).Info("single sign-on refused", "portal", v.portal.Slug, "route", r.Pattern, "cause", sso.Cause(err))
	if e == account.ErrAccessDenied {
		return err
	}
	p := pageErrorView{Heading: v.loc.T("sso.failed.title"), Body: v.loc.T("sso.failed.body"), SignIn: "/" + v.portal.Slug + "/login"}
	status := http.StatusUnauthorized
	switch e {
	case sso.ErrAccountExists:
		p.Body, status = v.loc.T("sso.account_exists"), http.StatusForbidden
	case sso.ErrNoEmail:
		p.Body, status = v.loc.T("sso.no_email"), http.StatusForbidden
	}
	s.renderPage(w, r, status, "error", &pageData{v: v, loc: v.loc, Title: p.Heading, Page: p})
	return nil
}

// ssoButtons are the single sign-on links of the sign-in page.
type ssoButtons struct {
	SAML, OIDC, JWT string
	// PasswordForm is false when the portal signs in by SSO only.
	PasswordForm bool
}

// Any reports whether there is at least one button.
func (b ssoButtons) Any() bool { return b.SAML != "" || b.OIDC != "" || b.JWT != "" }

// SSO lists the sign-in page's single sign-on buttons, each leading back
// to the page the visitor was sent to sign in from.
func (d *pageData) SSO() ssoButtons {
	b := ssoButtons{PasswordForm: true}
	if d.v == nil {
		return b
	}
	p := d.v.portal
	next := ""
	if lv, ok := d.Page.(pageLoginView); ok && lv.Next != "" {
		next = "?" + url.Values{"next": {lv.Next}}.Encode()
	}
	if p.SSO.SAML != nil {
		b.SAML = "/" + p.Slug + "/sso/saml/login" + next
	}
	if p.SSO.OIDC != nil {
		b.OIDC = "/" + p.Slug + "/sso/oidc/login" + next
	}
	if p.SSO.JWT != nil {
		b.JWT = p.SSO.JWT.LoginURL
	}
	b.PasswordForm = !(p.SSO.HidePasswordForm && b.Any())
	return b
}
