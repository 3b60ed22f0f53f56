package web

import (
	"context"
	"net"
	"net/http"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/auth"
	"portico/internal/portal"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// Cookie names. Over TLS the session cookie takes the __Host- prefix, which
// browsers accept only from a secure origin, for the whole host, without a
// Domain attribute.
const (
	sessionCookie       = "portico_session"
	secureSessionCookie = "__Host-portico_session"
	langCookie          = "portico_lang"
)

// visitor is who is asking, in which portal: the portal's settings, the
// page language and, when signed in, the session, the account and the
// active identity with its scope — the only source of a customer's
// ticket visibility in this package.
type visitor struct {
	portal   *portal.Settings
	loc      *i18n.Localizer
	token    string
	sess     *auth.Session
	account  *account.Account
	identity *account.Identity
	scope    ticket.Scope
	// denied is set when the request came with a session whose account
	// lost its access to the portal (SPEC I2): the session has been ended.
	denied bool
	// preview is set when a signed-in agent looks at the portal while it
	// is switched off (SPEC P24).
	preview bool
}

// signedIn reports whether the visitor has a live session with an identity.
func (v *visitor) signedIn() bool { return v.identity != nil }

// errPortalNotFound answers for a slug no portal has.
var errPortalNotFound = apperr.NotFoundf("portal")

// errPortalOff answers while an admin has switched the portal off (SPEC P24).
var errPortalOff = apperr.E(apperr.Unavailable, "portal_unavailable", "this portal is switched off for now")

// visit resolves the portal of slug and, when the request carries a live
// session of that portal, the signed-in customer. A missing, expired or
// foreign session is not an error here: v.signedIn() says. A portal that
// is switched off answers errPortalOff, with a visitor that has only the
// portal and the language, unless preview allows a signed-in agent to look
// (SPEC P24).
func (s *Server) visit(r *http.Request, slug string, preview bool) (*visitor, error) {
	ctx := r.Context()
	p, err := s.Portals.Portal(ctx, slug)
	if apperr.Is(err, apperr.NotFound) {
		return nil, errPortalNotFound
	}
	if err != nil {
		return nil, err
	}
	v := &visitor{portal: p}
	if !p.Enabled {
		if !preview || !s.deskSignedIn(r) {
			v.loc = s.localizer(r, p, nil)
			return v, errPortalOff
		}
		v.preview = true
	}
	if tok := s.sessionToken(r); tok != "" {
		if err := s.resume(ctx, v, tok); err != nil {
			return nil, err
		}
	}
	v.loc = s.localizer(r, p, v.account)
	if v.mustChangePassword() && !passwordChangeRoutes[r.Pattern] {
		return nil, errPasswordChangeRequired
	}
	return v, nil
}

// mustChangePassword reports whether the visitor is signed in to an account
// that has to set a new password before anything else (SPEC I3).
func (v *visitor) mustChangePassword() bool {
	return v.signedIn() && v.account.MustChangePassword
}

// errPasswordChangeRequired answers a signed-in customer whose account must
// set a new password first.
var errPasswordChangeRequired = apperr.E(apperr.Forbidden, "password_change_required",
	"choose a new password first: PUT /me/password with the current and the new one")

// passwordChangeRoutes are the routes an account that must change its
// password may still use: those open to everyone, reading who is signed
// in, changing the password and signing out. Every other route, including
// routes added later, refuses it.
var passwordChangeRoutes = map[string]bool{
	"GET /api/v1/portal/{slug}/me":               true,
	"PUT /api/v1/portal/{slug}/me/password":      true,
	"POST /api/v1/portal/{slug}/session":         true,
	"DELETE /api/v1/portal/{slug}/session":       true,
	"POST /api/v1/portal/{slug}/password/forgot": true,
	"POST /api/v1/portal/{slug}/password/reset":  true,
	"POST /api/v1/portal/{slug}/register":        true,
	"POST /api/v1/portal/{slug}/register/verify": true,
	"POST /api/v1/portal/{slug}/password/set":    true,

	"GET /{slug}/login":            true,
	"POST /{slug}/login":           true,
	"GET /{slug}/logout":           true,
	"POST /{slug}/logout":          true,
	"POST /{slug}/language":        true,
	"GET /{slug}/me/password":      true,
	"POST /{slug}/me/password":     true,
	"GET /{slug}/password/forgot":  true,
	"POST /{slug}/password/forgot": true,
	"GET /{slug}/password/reset":   true,
	"POST /{slug}/password/reset":  true,
	"GET /{slug}/register":         true,
	"POST /{slug}/register":        true,
	"GET /{slug}/register/verify":  true,
	"POST /{slug}/register/verify": true,
	"GET /{slug}/password/set":     true,
	"POST /{slug}/password/set":    true,
	"/{slug}/":                     true, // any other path: not found
	"/{slug}":                      true, // the portal's bare address
}

// pagePasswordChangeFirst answers a page request refused with
// errPasswordChangeRequired by sending the visitor to the page where they
// choose their new password, and reports whether it did.
func pagePasswordChangeFirst(w http.ResponseWriter, r *http.Request, err error) bool {
	if e := apperr.As(err); e == nil || e.Code != errPasswordChangeRequired.Code {
		return false
	}
	http.Redirect(w, r, "/"+r.PathValue("slug")+"/me/password", http.StatusSeeOther)
	return true
}

// resume fills in the signed-in part of v from a session token. Sessions
// that are expired, of another portal, of a locked account or acting as an
// identity the account no longer has leave v signed out. A session acting
// as an identity that may no longer act in the portal, because the contact
// left the portal's access groups or the portal changed its groups or
// mode, is ended, and marks v denied when no identity of the account may
// act there (SPEC I2). The account's identities are those that may act in
// the portal.
func (s *Server) resume(ctx context.Context, v *visitor, tok string) error {
	idle := time.Duration(v.portal.IdleTimeoutMinutes) * time.Minute
	sess, a, err := s.Auth.CustomerSession(ctx, tok, idle)
	if apperr.Is(err, apperr.Unauthorized) {
		return nil
	}
	if err != nil {
		return err
	}
	if sess.PortalID != v.portal.ID {
		return nil
	}
	if a.Locked {
		return nil
	}
	linked := false
	for _, id := range a.Identities {
		linked = linked || id.ContactID == sess.ActiveContactID
	}
	if !linked {
		return nil
	}
	if a.Identities, err = s.Accounts.UsableIdentities(ctx, v.portal, a); err != nil {
		return err
	}
	for i := range a.Identities {
		if a.Identities[i].ContactID == sess.ActiveContactID {
			v.token, v.sess, v.account, v.identity = tok, sess, a, &a.Identities[i]
			v.scope = ticket.VisibleTo(v.portal, sess.ActiveContactID, a.Identities[i].CompanyID)
			return nil
		}
	}
	// Signing in again acts as an identity the portal admits, if any.
	v.denied = len(a.Identities) == 0
	return s.Auth.SignOut(ctx, tok)
}

// localizer picks the page language (SPEC P22): the account's setting, then
// a language the visitor picked on a signed-out page, then Accept-Language,
// then the portal's default — always one the portal offers.
func (s *Server) localizer(r *http.Request, p *portal.Settings, a *account.Account) *i18n.Localizer {
	user := ""
	if a != nil {
		user = a.Language
	}
	if user == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			user = c.Value
		}
	}
	lang := i18n.Negotiate(p.Languages, user, r.Header.Get("Accept-Language"), p.DefaultLanguage)
	// A language the admin left without a label keeps its own word: an
	// English label would not fit another language's sentences.
	return s.catalog.For(lang).WithTicketLabel(p.TicketLabel[lang])
}

// secureCookies reports whether cookies must be Secure: the public URL is
// https, or the request itself came over TLS.
func (s *Server) secureCookies(r *http.Request) bool {
	return s.secure || r.TLS != nil
}

func (s *Server) sessionCookieName(r *http.Request) string {
	if s.secureCookies(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

// sessionToken is the session token the request carries, if any.
func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.sessionCookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// setSession hands the browser a session token; an empty token clears it.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, tok string) {
	c := &http.Cookie{Name: s.sessionCookieName(r), Value: tok, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode}
	if tok == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// client describes the request's origin for rate limits and the session
// record.
func client(r *http.Request) auth.Client {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	ua := r.UserAgent()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	return auth.Client{Addr: addr, UserAgent: ua}
}

// signIn checks a customer's login and password in v's portal and starts a
// session, replacing any the browser had.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, v *visitor, login, pw string) error {
	ctx := r.Context()
	_, tok, err := s.Auth.SignInCustomer(ctx, v.portal, login, pw, client(r))
	if err != nil {
		return err
	}
	return s.startSession(w, r, v, tok)
}

// startSession hands the browser the new session token tok, ending the
// session it had, and makes v the visitor of the new session.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, v *visitor, tok string) error {
	ctx := r.Context()
	if old := s.sessionToken(r); old != "" {
		if err := s.Auth.SignOut(ctx, old); err != nil {
			return err
		}
	}
	s.setSession(w, r, tok)
	if err := s.resume(ctx, v, tok); err != nil {
		return err
	}
	if !v.signedIn() {
		return apperr.E(apperr.Unauthorized, "invalid_credentials", "the login or password is incorrect")
	}
	v.loc = s.localizer(r, v.portal, v.account)
	return nil
}

// signOut ends the browser's session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.SignOut(r.Context(), s.sessionToken(r)); err != nil {
		return err
	}
	s.setSession(w, r, "")
	return nil
}

// switchIdentity makes contactID the active identity, under a new token.
func (s *Server) switchIdentity(w http.ResponseWriter, r *http.Request, v *visitor, contactID int64) error {
	_, tok, err := s.Auth.SwitchIdentity(r.Context(), v.portal, v.token, contactID, client(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, tok)
	return s.resume(r.Context(), v, tok)
}
