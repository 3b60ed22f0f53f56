package web

import (
	"cmp"
	"math"
	"net/http"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/auth"
)

// The desk's sign-in keeps the agent's session in a cookie of its own, so
// that an agent who is also signed in to a portal as a customer keeps both.
// Over TLS it takes the __Host- prefix, as the portal's does.
const (
	deskCookie       = "portico_desk"
	secureDeskCookie = "__Host-portico_desk"
)

// The desk pages add their templates to the page registry.
func init() {
	pageNames = append(pageNames, "desk_login", "desk")
}

// deskRoutes registers the agents' sign-in at the desk and the desk's home,
// which lists the portals to open or, while they are switched off, to
// preview (SPEC A1, P24). They are plain pages: no portal, no visitor.
func (s *Server) deskRoutes() {
	s.handle("GET /desk/login", s.deskPage(s.deskLogin))
	s.handle("POST /desk/login", s.deskPage(s.deskLoginPost))
	s.handle("POST /desk/logout", s.deskPage(s.deskLogoutPost))
	s.handle("GET /desk/{$}", s.deskPage(s.deskHome))
}

// deskPage wraps a desk page handler: the page headers, and errors as
// pages.
func (s *Server) deskPage(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		if err := h(w, r); err != nil {
			s.renderPageError(w, r, nil, err)
		}
	})
}

func (s *Server) deskCookieName(r *http.Request) string {
	if s.secureCookies(r) {
		return secureDeskCookie
	}
	return deskCookie
}

// setDeskSession hands the browser a desk session token; an empty token
// clears it.
func (s *Server) setDeskSession(w http.ResponseWriter, r *http.Request, tok string) {
	c := &http.Cookie{Name: s.deskCookieName(r), Value: tok, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode}
	if tok == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// deskToken is the desk session token the request carries, if any.
func (s *Server) deskToken(r *http.Request) string {
	c, err := r.Cookie(s.deskCookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// deskAgent is the agent signed in at the desk, or nil: no session, an
// expired one, or an agent locked since.
func (s *Server) deskAgent(r *http.Request) (*agent.Agent, error) {
	tok := s.deskToken(r)
	if tok == "" {
		return nil, nil
	}
	sess, err := s.Auth.Session(r.Context(), tok, auth.KindAgent, auth.AgentIdle)
	if apperr.Is(err, apperr.Unauthorized) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a, err := s.Agents.Agent(r.Context(), sess.AgentID)
	if apperr.Is(err, apperr.NotFound) || err == nil && a.Locked {
		return nil, nil
	}
	return a, err
}

// deskSignedIn reports whether an agent is signed in at the desk; a
// failure to tell is logged and counts as no.
func (s *Server) deskSignedIn(r *http.Request) bool {
	a, err := s.deskAgent(r)
	if err != nil {
		s.logger(r).Error("desk session", "err", err)
	}
	return a != nil
}

// deskSafeNext returns next when it is the desk's home or a page of a
// portal, and "" otherwise.
func (s *Server) deskSafeNext(next string) string {
	if next == "/desk/" {
		return next
	}
	slug, _, ok := strings.Cut(strings.TrimPrefix(next, "/"), "/")
	if !strings.HasPrefix(next, "/") || !ok || slug == "" {
		return ""
	}
	return pageSafeNext(slug, next)
}

// deskLoginView is the desk's sign-in form.
type deskLoginView struct {
	Email string
	Next  string
}

func (s *Server) deskLogin(w http.ResponseWriter, r *http.Request) error {
	next := s.deskSafeNext(r.URL.Query().Get("next"))
	if a, err := s.deskAgent(r); err != nil {
		return err
	} else if a != nil {
		http.Redirect(w, r, cmp.Or(next, "/desk/"), http.StatusSeeOther)
		return nil
	}
	loc := s.pageErrorLocalizer(r)
	s.renderPage(w, r, http.StatusOK, "desk_login", &pageData{loc: loc, Title: loc.T("desk.sign_in.title"), Page: deskLoginView{Next: next}})
	return nil
}

func (s *Server) deskLoginPost(w http.ResponseWriter, r *http.Request) error {
	loc := s.pageErrorLocalizer(r)
	d := &pageData{loc: loc, Title: loc.T("desk.sign_in.title"), Canonical: "/desk/login"}
	view := deskLoginView{}
	err := pageReadForm(w, r)
	var tok string
	if err == nil {
		view.Email = strings.TrimSpace(r.PostFormValue("email"))
		view.Next = s.deskSafeNext(r.PostFormValue("next"))
		_, tok, err = s.Auth.SignInAgent(r.Context(), view.Email, r.PostFormValue("password"), client(r))
	}
	status := http.StatusUnprocessableEntity
	switch {
	case err == nil:
		if old := s.deskToken(r); old != "" {
			if err := s.Auth.SignOut(r.Context(), old); err != nil {
				return err
			}
		}
		s.setDeskSession(w, r, tok)
		http.Redirect(w, r, cmp.Or(view.Next, "/desk/"), http.StatusSeeOther)
		return nil
	case apperr.Is(err, apperr.RateLimited):
		status = http.StatusTooManyRequests
		wait := apperr.As(err).RetryAfter
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		d.Error = loc.N("login.error.too_many", max(1, int(math.Ceil(wait.Minutes()))))
	case apperr.Is(err, apperr.Unauthorized), apperr.Is(err, apperr.Invalid), apperr.Is(err, apperr.Malformed):
		d.Error = loc.T("desk.sign_in.error")
	default:
		return err
	}
	d.Page = view
	s.renderPage(w, r, status, "desk_login", d)
	return nil
}

func (s *Server) deskLogoutPost(w http.ResponseWriter, r *http.Request) error {
	if err := s.Auth.SignOut(r.Context(), s.deskToken(r)); err != nil {
		return err
	}
	s.setDeskSession(w, r, "")
	http.Redirect(w, r, "/desk/login", http.StatusSeeOther)
	return nil
}

// deskHomeView is the desk's home.
type deskHomeView struct {
	Name    string
	Portals []deskPortal
}

type deskPortal struct {
	Name, URL string
	Enabled   bool
}

func (s *Server) deskHome(w http.ResponseWriter, r *http.Request) error {
	a, err := s.deskAgent(r)
	if err != nil {
		return err
	}
	if a == nil {
		http.Redirect(w, r, "/desk/login?next=%2Fdesk%2F", http.StatusSeeOther)
		return nil
	}
	ps, err := s.Portals.Portals(r.Context())
	if err != nil {
		return err
	}
	view := deskHomeView{Name: cmp.Or(a.Name, a.Email)}
	for _, p := range ps {
		view.Portals = append(view.Portals, deskPortal{Name: p.Name, URL: "/" + p.Slug + "/", Enabled: p.Enabled})
	}
	loc := s.pageErrorLocalizer(r)
	s.renderPage(w, r, http.StatusOK, "desk", &pageData{loc: loc, Title: loc.T("desk.title"), Page: view})
	return nil
}
