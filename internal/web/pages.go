package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/web/i18n"
)

// pageHandler is a portal page handler. v is the visitor of the portal the
// path names; it is signed in unless the route is open to everyone.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *visitor) error

// pageRoutes registers the portal's HTML pages (API.md §5).
//
// The pages live in a mux of their own behind one "/{slug}/" pattern:
// ServeMux refuses "GET /static/{path...}" next to "GET /{slug}/tickets"
// (both match "/static/tickets" and neither is more specific), while the
// catch-all is less specific than /static/, /api/v1/ and /desk/ routes and
// so leaves them alone. The inner mux still sets r.Pattern, which request
// logs and metrics read.
func (s *Server) pageRoutes() {
	if _, err := loadPages(); err != nil {
		// The templates are embedded: a broken one is a bug of this
		// build, caught by the tests, never a condition to run with.
		panic(err)
	}
	s.handle("GET /static/{path...}", http.HandlerFunc(pageServeStatic))
	mux := http.NewServeMux()
	reg := func(pattern string, public bool, h pageHandler) {
		s.patterns = append(s.patterns, pattern)
		mux.Handle(pattern, s.pageRoute(public, h))
	}
	s.patterns = append(s.patterns, "GET /{slug}/theme.css")
	mux.Handle("GET /{slug}/theme.css", http.HandlerFunc(s.pageThemeCSS))

	reg("GET /{slug}/login", true, s.pageLogin)
	reg("POST /{slug}/login", true, s.pageLoginPost)
	reg("GET /{slug}/logout", true, s.pageLogout)
	reg("POST /{slug}/logout", true, s.pageLogoutPost)
	reg("POST /{slug}/language", true, s.pageLanguagePost)

	reg("GET /{slug}/{$}", false, s.pageDashboard)
	reg("GET /{slug}/tickets", false, s.pageTickets)
	reg("GET /{slug}/tickets/new", false, s.pageNewTicket)
	reg("POST /{slug}/tickets/new", false, s.pageNewTicketPost)
	reg("GET /{slug}/tickets/{id}", false, s.pageTicket)
	reg("GET /{slug}/tickets/{id}/events", false, s.pageTicketEvents)
	reg("POST /{slug}/tickets/{id}/reply", false, s.pageReplyPost)
	reg("POST /{slug}/tickets/{id}/close", false, s.pageClosePost)
	reg("POST /{slug}/tickets/{id}/rating", false, s.pageRatingPost)
	reg("POST /{slug}/tickets/{id}/share", false, s.pageSharePost)
	reg("POST /{slug}/tickets/{id}/submit", false, s.pageDraftPost)
	reg("GET /{slug}/me", false, s.pageProfile)
	reg("POST /{slug}/me", false, s.pageProfilePost)
	reg("POST /{slug}/me/identity", false, s.pageIdentityPost)
	s.pageCredentialRoutes(reg)
	s.ssoRoutes(reg)
	s.avatarRoutes(reg)
	// Anything else under a portal is that portal's "page not found".
	mux.Handle("/{slug}/", s.pageRoute(true, func(w http.ResponseWriter, r *http.Request, v *visitor) error {
		return apperr.NotFoundf("page")
	}))
	s.handle("/{slug}/", mux)
	// "/support" is the portal's home; anything else at the top level
	// is not found (a bare "/{slug}/" would redirect every such path).
	s.handle("/{slug}", s.pageRoute(true, func(w http.ResponseWriter, r *http.Request, v *visitor) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return apperr.NotFoundf("page")
		}
		http.Redirect(w, r, "/"+v.portal.Slug+"/", http.StatusSeeOther)
		return nil
	}))
}

// pageRoute wraps a page handler: security headers, the visitor, sign-in and
// errors rendered as pages in the visitor's language.
func (s *Server) pageRoute(public bool, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		// A switched-off portal shows its pages to agents, to read only.
		preview := r.Method == http.MethodGet || r.Method == http.MethodHead
		v, err := s.visit(r, r.PathValue("slug"), preview)
		if err != nil {
			if !pagePasswordChangeFirst(w, r, err) {
				s.renderPageError(w, r, v, err)
			}
			return
		}
		if v.denied {
			s.setSession(w, r, "")
			if !public {
				s.renderPageError(w, r, v, account.ErrAccessDenied)
				return
			}
		}
		if !public && !v.signedIn() {
			http.Redirect(w, r, pageLoginURL(v.portal.Slug, pageReturnPath(r, v.portal.Slug)), http.StatusSeeOther)
			return
		}
		if err := h(w, r, v); err != nil {
			s.renderPageError(w, r, v, err)
		}
	})
}

// pageCSP allows scripts and styles from this origin only,
// so no inline script or style runs; images may come from the admin's
// logo host.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders are the headers of every page.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	// Pages show one customer's tickets: never kept by shared caches, and
	// not shown again from the browser's cache after signing out.
	h.Set("Cache-Control", "private, no-store")
	h.Set("Vary", "Cookie, Accept-Language")
}

// pageLoginURL is the sign-in page that returns to next afterwards.
func pageLoginURL(slug, next string) string {
	u := "/" + slug + "/login"
	if next != "" && next != "/"+slug+"/" {
		u += "?" + url.Values{"next": {next}}.Encode()
	}
	return u
}

// pageReturnPath is where a visitor sent to sign in comes back to: the page
// itself for a GET, and for a form post the page the form was on.
func pageReturnPath(r *http.Request, slug string) string {
	if r.Method == http.MethodGet {
		return pageSafeNext(slug, r.URL.RequestURI())
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		return pageSafeNext(slug, ref.RequestURI())
	}
	return ""
}

// pageSafeNext returns next when it is a path inside the portal of slug and ""
// otherwise, so that a link to the sign-in page cannot send a customer to
// another site ("//evil.example", "/\evil.example") or another portal.
func pageSafeNext(slug, next string) string {
	prefix := "/" + slug + "/"
	if !strings.HasPrefix(next, prefix) || len(next) > 2000 || strings.ContainsAny(next, `\`) ||
		strings.ContainsFunc(next, unicode.IsControl) || strings.ContainsFunc(next, unicode.IsSpace) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, prefix) {
		return ""
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return ""
		}
	}
	if p, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.Contains(p, "//") || strings.Contains(p, "/./") ||
		strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
		return ""
	}
	return next
}

// pageFlashCookie carries a notice across the redirect after a form post.
const pageFlashCookie = "portico_flash"

// pageNotices are the messages a flash may show, so that a forged cookie can
// show nothing else.
var pageNotices = map[string]bool{
	"login.signed_out": true, "nav.identity.switched": true, "ticket.reply.sent": true, "ticket.reopened": true,
	"ticket.closed": true, "ticket.rating.thanks": true, "ticket.share.done": true, "new.submitted": true,
	"new.draft.saved": true, "profile.saved": true,
}

// pageSetFlash shows the notice id, filled in with name and id, on the next
// page of the portal.
func pageSetFlash(w http.ResponseWriter, slug, id, name string) {
	v := url.Values{"id": {id}}
	if name != "" {
		v.Set("name", name)
	}
	http.SetCookie(w, &http.Cookie{Name: pageFlashCookie, Value: v.Encode(), Path: "/" + slug + "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// pageTakeFlash reads and clears the notice of a previous post.
func pageTakeFlash(w http.ResponseWriter, r *http.Request, v *visitor) string {
	c, err := r.Cookie(pageFlashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: pageFlashCookie, Path: "/" + v.portal.Slug + "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	q, err := url.ParseQuery(c.Value)
	if err != nil || !pageNotices[q.Get("id")] {
		return ""
	}
	name := q.Get("name")
	if len(name) > 300 {
		name = name[:300]
	}
	return v.loc.T(q.Get("id"), map[string]any{"Name": name, "ID": name})
}

// pageErrorLocalizer is the language of an error page for a visitor whose
// portal is unknown: any language Portico speaks.
func (s *Server) pageErrorLocalizer(r *http.Request) *i18n.Localizer {
	user := ""
	if c, err := r.Cookie(langCookie); err == nil {
		user = c.Value
	}
	return s.catalog.For(i18n.Negotiate(nil, user, r.Header.Get("Accept-Language"), i18n.Languages[0]))
}

// pageErrorView is what an error page shows.
type pageErrorView struct {
	Heading, Body string
	// Custom is the admin's text for the page (SPEC P23), shown in place
	// of Body.
	Custom    template.HTML
	Reference string
	Home      bool
	// SignIn is the sign-in page, offered to try another account.
	SignIn string
}

// renderPageError answers with a page for err in the visitor's language: the
// same "not found" for a ticket that is missing and one that is not
// visible, "unavailable" for a portal switched off, and for anything
// unexpected a reference to quote to support.
func (s *Server) renderPageError(w http.ResponseWriter, r *http.Request, v *visitor, err error) {
	e := apperr.As(err)
	if e == nil || e.Kind == apperr.Internal {
		s.logger(r).Error("page failed", "err", err)
		e = &apperr.Error{Kind: apperr.Internal}
	}
	if e.Kind == apperr.Unauthorized && v != nil {
		http.Redirect(w, r, pageLoginURL(v.portal.Slug, pageReturnPath(r, v.portal.Slug)), http.StatusSeeOther)
		return
	}
	loc := s.pageErrorLocalizer(r)
	if v != nil {
		loc = v.loc
	}
	p := pageErrorView{Home: v != nil && e.Kind != apperr.Unavailable}
	status := statusOf[e.Kind]
	switch e.Kind {
	case apperr.NotFound:
		p.Heading, p.Body = loc.T("error.not_found.title"), loc.T("error.not_found.body")
		if strings.HasPrefix(r.Pattern, "GET /{slug}/tickets/") || strings.HasPrefix(r.Pattern, "POST /{slug}/tickets/{id}") {
			p.Heading, p.Body = loc.T("ticket.not_found.title"), loc.T("ticket.not_found.body")
		}
	case apperr.Unavailable:
		p.Heading, p.Body = loc.T("unavailable.title"), loc.T("unavailable.body")
		p.Custom = pageSystemText(v, loc, "unavailable")
	case apperr.RateLimited:
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Round(time.Second)/time.Second)))
		}
		p.Heading, p.Body = loc.T("error.title"), loc.T("error.rate_limited")
	case apperr.Forbidden:
		p.Heading, p.Body = loc.T("denied.title"), loc.T("error.forbidden_origin")
		if e.Code != "cross_origin" {
			p.Body = loc.T("denied.body")
		}
		if e.Code == account.ErrAccessDenied.Code && v != nil {
			p.Custom, p.Home = pageSystemText(v, loc, "access_denied"), false
			p.SignIn = "/" + v.portal.Slug + "/login"
		}
	case apperr.Malformed, apperr.TooLarge, apperr.Unsupported, apperr.Invalid, apperr.Conflict:
		p.Heading, p.Body = loc.T("error.title"), loc.T("form.invalid")
		p.Reference = loc.T("error.reference", map[string]any{"ID": pageRequestID(r)})
	default:
		status = http.StatusInternalServerError
		p.Heading, p.Body = loc.T("error.title"), loc.T("error.body")
		p.Reference = loc.T("error.reference", map[string]any{"ID": pageRequestID(r)})
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.renderPage(w, r, status, "error", &pageData{v: v, loc: loc, Title: p.Heading, Page: p})
}

// pageRequestID is the id the request is logged under.
func pageRequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}
