package web

import (
	"bytes"
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/web/i18n"
)

// The desk is the agents' side of Portico (SPEC A1–A11). Its pages share
// one frame, templates/desk_layout.html: a header with the product name,
// the navigation (Inbox, Contacts, Settings for admins, Reports), the
// language picker, the agent's name and sign-out. A desk page is built in
// three steps:
//
//  1. Name its template: a file templates/NAME.html that defines "content"
//     (and may define "desk-head" for extra <head> links), added to
//     deskPageNames in an init function of the page's Go file:
//
//     func init() { deskPageNames = append(deskPageNames, "desk_settings_portal") }
//
//  2. Register its handler in a routes function with s.desk (any signed-in
//     agent) or s.deskAdmin (admins only):
//
//     s.handle("GET /desk/settings/portal", s.deskAdmin(s.deskSettingsPortal))
//
//     The wrapper sends the page headers, sends anyone not signed in to
//     /desk/login?next=… (and a signed-in non-admin to a 403 page), puts the
//     agent and the language on the request and renders a returned error as
//     a desk page.
//
//  3. Render it: s.renderDesk(w, r, http.StatusOK, "desk_settings_portal",
//     &deskData{Title: …, Nav: deskNavSettings, Page: view}). Templates
//     call {{.T "id"}}, {{.N "id" n}}, {{.When t}}, {{.Agent.Name}},
//     {{.Page.…}}; the shared partials of partials.html (flash, time,
//     badge, ferr, formprop) work as on the portal.
//
// In a handler, deskAgentOf(r) is the signed-in agent and s.deskLoc(r) the
// page language. Desk pages speak the language the agent picked in the
// desk's header (a cookie shared with the portals), else the browser's
// Accept-Language.

// deskHandler is a desk page handler for the signed-in agent a.
type deskHandler func(w http.ResponseWriter, r *http.Request, a *agent.Agent) error

// The desk's navigation items, for deskData.Nav.
const (
	deskNavInbox    = "inbox"
	deskNavContacts = "contacts"
	deskNavSettings = "settings"
	deskNavReports  = "reports"
)

// deskPageNames are the desk page templates; each is parsed with
// desk_layout.html and partials.html. Pages add themselves in init.
var deskPageNames = []string{"desk_error"}

// deskFuncs are the helpers desk templates may call besides deskData's
// methods.
var deskFuncs = func() template.FuncMap {
	m := template.FuncMap{}
	for k, v := range pageFuncs {
		m[k] = v
	}
	return m
}()

// loadDeskPages parses every desk page once.
var loadDeskPages = sync.OnceValues(func() (map[string]*template.Template, error) {
	return parsePages(deskFuncs, "templates/desk_layout.html", deskPageNames)
})

// deskData is what every desk template receives.
type deskData struct {
	loc   *i18n.Localizer
	now   time.Time
	agent *agent.Agent

	Title  string
	Nav    string // deskNavInbox, deskNavContacts, deskNavSettings or deskNavReports
	Notice string // a confirmation, e.g. after a form post
	Error  string // a problem with the whole form or page
	Page   any
	Header deskHeader
	// Canonical is the address of a page re-shown after a failed post.
	Canonical string
}

// deskHeader is the desk's header.
type deskHeader struct {
	Nav       []pageNavLink
	Languages []pageLangChoice
	Here      string // this page, for the language picker to return to
	Name      string // the agent's name
	Email     string
	Role      string
	Admin     bool
	Favicon   string
	// Unread is the bell's count of unread notifications ("" for none),
	// Bell its label.
	Unread, Bell string
}

// T translates id; kv are the message's values as name, value pairs.
func (d *deskData) T(id string, kv ...any) string { return d.loc.T(id, pageKV(kv)) }

// N translates the counted message id.
func (d *deskData) N(id string, count int, kv ...any) string { return d.loc.N(id, count, pageKV(kv)) }

// Lang is the page's language tag.
func (d *deskData) Lang() string { return d.loc.Lang() }

// Number formats n in the page's language.
func (d *deskData) Number(n int) string { return d.loc.Number(int64(n)) }

// DateTime formats an exact time in the page's language.
func (d *deskData) DateTime(t time.Time) string { return d.loc.DateTime(t, time.UTC) + " UTC" }

// When presents t for the time partial; a zero t shows nothing.
func (d *deskData) When(t time.Time) pageTime {
	if t.IsZero() {
		return pageTime{}
	}
	return pageTime{ISO: t.UTC().Format(time.RFC3339), Rel: d.loc.Relative(t, d.now.UTC()), Exact: d.DateTime(t)}
}

// WhenPtr is When for an optional time.
func (d *deskData) WhenPtr(t *time.Time) pageTime {
	if t == nil {
		return pageTime{}
	}
	return d.When(*t)
}

// Asset is the cache-busting address of a static file.
func (d *deskData) Asset(name string) string { return pageAssetURL(name) }

// Agent is the signed-in agent.
func (d *deskData) Agent() *agent.Agent { return d.agent }

// Preview is never set on the desk; the shared partials may ask.
func (d *deskData) Preview() bool { return false }

type deskCtxKey struct{}

// deskCtx is what the desk wrapper puts on a request.
type deskCtx struct {
	agent *agent.Agent
	loc   *i18n.Localizer
}

// deskAgentOf is the agent signed in at the desk, as the desk wrapper found
// it; nil outside a desk page.
func deskAgentOf(r *http.Request) *agent.Agent {
	if c, ok := r.Context().Value(deskCtxKey{}).(*deskCtx); ok {
		return c.agent
	}
	return nil
}

// deskLoc is the language of the desk page r asks for.
func (s *Server) deskLoc(r *http.Request) *i18n.Localizer {
	if c, ok := r.Context().Value(deskCtxKey{}).(*deskCtx); ok && c.loc != nil {
		return c.loc
	}
	return s.pageErrorLocalizer(r)
}

// desk wraps a desk page handler: any signed-in agent may use it.
func (s *Server) desk(h deskHandler) http.Handler { return s.deskWrap(false, h) }

// deskAdmin wraps a desk page handler that only admins may use; other
// agents get the "access denied" page.
func (s *Server) deskAdmin(h deskHandler) http.Handler { return s.deskWrap(true, h) }

func (s *Server) deskWrap(admin bool, h deskHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		a, err := s.deskAgent(r)
		if err != nil {
			s.renderPageError(w, r, nil, err)
			return
		}
		if a == nil {
			http.Redirect(w, r, deskLoginURL(deskReturnPath(r)), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), deskCtxKey{}, &deskCtx{agent: a, loc: s.pageErrorLocalizer(r)}))
		if admin && !a.IsAdmin() {
			s.renderDeskError(w, r, apperr.E(apperr.Forbidden, "admins_only", "only admins may change settings"))
			return
		}
		if err := h(w, r, a); err != nil {
			s.renderDeskError(w, r, err)
		}
	})
}

// deskLoginURL is the desk's sign-in page that returns to next afterwards.
func deskLoginURL(next string) string {
	if next == "" {
		next = "/desk/"
	}
	return "/desk/login?" + url.Values{"next": {next}}.Encode()
}

// deskReturnPath is where an agent sent to sign in comes back to: the page
// itself for a GET, the page a form was on for a post.
func deskReturnPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return deskSafePath(r.URL.RequestURI())
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		return deskSafePath(ref.RequestURI())
	}
	return ""
}

// deskSafePath returns next when it is a page of the desk (not its
// sign-in) and "" otherwise, so that a link cannot send an agent to another
// site after signing in.
func deskSafePath(next string) string {
	if !strings.HasPrefix(next, "/desk/") || strings.HasPrefix(next, "/desk/login") || strings.HasPrefix(next, "/desk/logout") ||
		len(next) > 2000 || strings.ContainsAny(next, `\`) ||
		strings.ContainsFunc(next, unicode.IsControl) || strings.ContainsFunc(next, unicode.IsSpace) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/desk/") {
		return ""
	}
	if p, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.Contains(p, "//") || strings.Contains(p, "/./") ||
		strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") || strings.HasSuffix(p, "/.") {
		return ""
	}
	return next
}

// deskBuildHeader fills in the desk's header for agent a.
func deskBuildHeader(r *http.Request, a *agent.Agent, loc *i18n.Localizer, current string) deskHeader {
	h := deskHeader{Favicon: pageAssetURL("favicon.svg")}
	if r.Method == http.MethodGet {
		h.Here = deskSafePath(r.URL.RequestURI())
	}
	for _, code := range i18n.Languages {
		h.Languages = append(h.Languages, pageLangChoice{Code: code, Name: i18n.Name(code), Current: code == loc.Lang()})
	}
	if a == nil {
		return h
	}
	h.Name, h.Email, h.Role, h.Admin = cmp.Or(a.Name, a.Email), a.Email, loc.T("desk.role."+a.Role), a.IsAdmin()
	h.Nav = append(h.Nav,
		pageNavLink{Key: deskNavInbox, Label: loc.T("desk.nav.inbox"), URL: "/desk/"},
		pageNavLink{Key: deskNavContacts, Label: loc.T("desk.nav.contacts"), URL: "/desk/contacts"})
	if a.IsAdmin() {
		h.Nav = append(h.Nav, pageNavLink{Key: deskNavSettings, Label: loc.T("desk.nav.settings"), URL: "/desk/settings/"})
	}
	h.Nav = append(h.Nav, pageNavLink{Key: deskNavReports, Label: loc.T("desk.nav.reports"), URL: "/desk/reports/ratings"})
	for i := range h.Nav {
		h.Nav[i].Current = h.Nav[i].Key == current
	}
	return h
}

// renderDesk writes the desk page name with d at status, in the frame of
// desk_layout.html. d.loc and the header are filled in from the request;
// the page is rendered into memory first, so that a template failure
// becomes an error page rather than half a page.
func (s *Server) renderDesk(w http.ResponseWriter, r *http.Request, status int, name string, d *deskData) {
	if d.loc == nil {
		d.loc = s.deskLoc(r)
	}
	if d.agent == nil {
		d.agent = deskAgentOf(r)
	}
	d.now = s.now()
	d.Header = deskBuildHeader(r, d.agent, d.loc, d.Nav)
	d.Header.Unread, d.Header.Bell = s.deskUnread(r, d.agent, d.loc)
	pages, err := loadDeskPages()
	if err != nil {
		http.Error(w, "templates are broken", http.StatusInternalServerError)
		return
	}
	t, ok := pages[name]
	if !ok {
		s.logger(r).Error("render desk page", "page", name, "err", "no such desk page")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "desk-layout", d); err != nil {
		s.logger(r).Error("render desk page", "page", name, "err", err)
		if name != "desk_error" {
			s.renderDeskError(w, r, err)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if d.Canonical != "" {
			h.Set("HX-Push-Url", d.Canonical)
		} else {
			h.Set("HX-Push-Url", "false")
		}
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// deskErrorView is what a desk error page shows.
type deskErrorView struct {
	Heading, Body, Reference string
}

// renderDeskError answers a desk request with a page for err: "not found"
// for what does not exist, "access denied" for what the agent may not do,
// and for anything unexpected a reference to quote.
func (s *Server) renderDeskError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal {
		s.logger(r).Error("desk page failed", "err", err)
		e = &apperr.Error{Kind: apperr.Internal}
	}
	if e.Kind == apperr.Unauthorized {
		http.Redirect(w, r, deskLoginURL(deskReturnPath(r)), http.StatusSeeOther)
		return
	}
	loc := s.deskLoc(r)
	v := deskErrorView{}
	status := statusOf[e.Kind]
	switch e.Kind {
	case apperr.NotFound:
		v.Heading, v.Body = loc.T("error.not_found.title"), loc.T("error.not_found.body")
	case apperr.Forbidden:
		v.Heading, v.Body = loc.T("denied.title"), loc.T("desk.error.forbidden")
		if e.Code == "cross_origin" {
			v.Body = loc.T("error.forbidden_origin")
		}
	case apperr.RateLimited:
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Round(time.Second)/time.Second)))
		}
		v.Heading, v.Body = loc.T("error.title"), loc.T("error.rate_limited")
	case apperr.Malformed, apperr.TooLarge, apperr.Unsupported, apperr.Invalid, apperr.Conflict:
		v.Heading, v.Body = loc.T("error.title"), loc.T("form.invalid")
		v.Reference = loc.T("error.reference", map[string]any{"ID": pageRequestID(r)})
	default:
		status = http.StatusInternalServerError
		v.Heading, v.Body = loc.T("error.title"), loc.T("error.body")
		v.Reference = loc.T("error.reference", map[string]any{"ID": pageRequestID(r)})
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.renderDesk(w, r, status, "desk_error", &deskData{loc: loc, Title: v.Heading, Page: v})
}

// deskLanguagePost sets the desk's language (a cookie the portals share)
// and returns to the page the picker was on.
func (s *Server) deskLanguagePost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	next := cmp.Or(deskSafePath(r.PostFormValue("next")), "/desk/")
	if lang := r.PostFormValue("lang"); slices.Contains(i18n.Languages, lang) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
