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

// The desk's sign-in is a plain page of the portal layout; the pages
// behind it use the desk layout (desk_layout.go).
func init() {
	pageNames = append(pageNames, "desk_login")
}

// deskRoutes registers the agents' desk (SPEC A1, A2): the sign-in, the
// inbox at /desk/ with the portals to open or preview (P24), a ticket's
// page with its live updates, and the language picker.
func (s *Server) deskRoutes() {
	if _, err := loadDeskPages(); err != nil {
		// The templates are embedded: a broken one is a bug of this
		// build, caught by the tests.
		panic(err)
	}
	s.handle("GET /desk/login", s.deskPage(s.deskLogin))
	s.handle("POST /desk/login", s.deskPage(s.deskLoginPost))
	s.handle("POST /desk/logout", s.deskPage(s.deskLogoutPost))
	s.handle("POST /desk/language", s.desk(s.deskLanguagePost))
	s.handle("GET /desk/{$}", s.desk(s.deskInbox))
	s.handle("GET /desk/portals", s.desk(s.deskPortals))
	s.handle("GET /desk/tickets/{id}", s.desk(s.deskTicket))
	s.handle("POST /desk/tickets/{id}", s.desk(s.deskTicketPost))
	s.handle("POST /desk/tickets/{id}/messages", s.desk(s.deskMessagePost))
	s.handle("GET /desk/tickets/{id}/events", s.desk(s.deskTicketEvents))
	s.handle("GET /desk/attachments/{id}", s.desk(s.deskAttachment))
	s.deskPeopleRoutes()
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

// deskSafeNext returns next when it is a page of the desk or of a portal,
// and "" otherwise.
func (s *Server) deskSafeNext(next string) string {
	if p := deskSafePath(next); p != "" || next == "/desk/" {
		return cmp.Or(p, next)
	}
	slug, _, ok := strings.Cut(strings.TrimPrefix(next, "/"), "/")
	if !strings.HasPrefix(next, "/") || !ok || slug == "" || slug == "desk" {
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
