package web

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/portal"
	"portico/internal/web/i18n"
)

// pageReadForm parses an ordinary form post of at most 1 MiB. Values holding
// NUL characters, which nothing stored may contain, are refused here.
func pageReadForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	if err := r.ParseForm(); err != nil {
		return apperr.E(apperr.Malformed, "malformed_form", "the form could not be read")
	}
	for name, vals := range r.PostForm {
		for _, v := range vals {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(name, 0) {
				return apperr.InvalidField(strings.ReplaceAll(name, "\x00", ""), "contains invalid characters")
			}
		}
	}
	return nil
}

// pageLoginView is the sign-in form.
type pageLoginView struct {
	Login    string
	Next     string
	Register bool
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request, v *visitor) error {
	next := pageSafeNext(v.portal.Slug, r.URL.Query().Get("next"))
	if v.signedIn() {
		http.Redirect(w, r, cmp.Or(next, "/"+v.portal.Slug+"/"), http.StatusSeeOther)
		return nil
	}
	d := &pageData{v: v, Title: v.loc.T("login.title"), Nav: "login", Page: pageLoginView{Next: next, Register: v.portal.AccessMode == portal.AccessSelfRegistration}}
	d.Notice = pageTakeFlash(w, r, v)
	if v.denied {
		// The session ended because its access to the portal did.
		d.Error = v.loc.T("denied.body")
	} else if d.Notice == "" && s.sessionToken(r) != "" {
		// A cookie without a live session: it expired or was ended.
		d.Notice = v.loc.T("login.session_expired")
		s.setSession(w, r, "")
	}
	s.renderPage(w, r, http.StatusOK, "login", d)
	return nil
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	view := pageLoginView{Register: v.portal.AccessMode == portal.AccessSelfRegistration}
	d := &pageData{v: v, Title: v.loc.T("login.title"), Nav: "login", Canonical: "/" + v.portal.Slug + "/login"}
	status := http.StatusUnprocessableEntity
	err := pageReadForm(w, r)
	if err == nil {
		view.Login = strings.TrimSpace(r.PostFormValue("login"))
		view.Next = pageSafeNext(v.portal.Slug, r.PostFormValue("next"))
		err = s.signIn(w, r, v, view.Login, r.PostFormValue("password"))
	}
	switch {
	case err == nil:
		http.Redirect(w, r, cmp.Or(view.Next, "/"+v.portal.Slug+"/"), http.StatusSeeOther)
		return nil
	case apperr.Is(err, apperr.RateLimited):
		status = http.StatusTooManyRequests
		wait := apperr.As(err).RetryAfter
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		d.Error = v.loc.N("login.error.too_many", max(1, int(math.Ceil(wait.Minutes()))))
	case apperr.Is(err, apperr.Forbidden):
		s.renderPageError(w, r, v, err)
		return nil
	case apperr.Is(err, apperr.Unauthorized), apperr.Is(err, apperr.Invalid), apperr.Is(err, apperr.Malformed):
		d.Error = v.loc.T("login.error.invalid")
	default:
		return err
	}
	d.Page = view
	s.renderPage(w, r, status, "login", d)
	return nil
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if !v.signedIn() {
		http.Redirect(w, r, "/"+v.portal.Slug+"/login", http.StatusSeeOther)
		return nil
	}
	s.renderPage(w, r, http.StatusOK, "logout", &pageData{v: v, Title: v.loc.T("nav.sign_out")})
	return nil
}

func (s *Server) pageLogoutPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := s.signOut(w, r); err != nil {
		return err
	}
	pageSetFlash(w, v.portal.Slug, "login.signed_out", "")
	http.Redirect(w, r, "/"+v.portal.Slug+"/login", http.StatusSeeOther)
	return nil
}

// pageLanguages are the languages of v's portal.
func pageLanguages(p *portal.Settings) []string {
	if len(p.Languages) == 0 {
		return i18n.Languages
	}
	return p.Languages
}

// pageLanguagePost changes the page language (SPEC P22): for a signed-in
// customer it is their account's setting, for anyone else a cookie.
func (s *Server) pageLanguagePost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	lang := r.PostFormValue("lang")
	next := pageSafeNext(v.portal.Slug, r.PostFormValue("next"))
	if next == "" {
		next = "/" + v.portal.Slug + "/"
		if !v.signedIn() {
			next += "login"
		}
	}
	if !slices.Contains(pageLanguages(v.portal), lang) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	if v.signedIn() {
		if _, err := s.Accounts.UpdateProfile(r.Context(), v.account.ID, account.ProfileInput{Language: &lang}); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// pageProfileForm is the profile page.
type pageProfileForm struct {
	DisplayName string
	Language    string
	Login       string
	Languages   []pageLangChoice
	Identities  []pageIdentity
	Errors      map[string]string
}

func (s *Server) pageProfileView(v *visitor, name, lang string) pageProfileForm {
	pv := pageProfileForm{DisplayName: name, Language: lang, Login: v.account.Login}
	for _, code := range pageLanguages(v.portal) {
		pv.Languages = append(pv.Languages, pageLangChoice{Code: code, Name: i18n.Name(code), Current: code == lang})
	}
	for _, id := range v.account.Identities {
		pv.Identities = append(pv.Identities, pageIdentity{ContactID: id.ContactID, Name: id.Name, Company: id.Company,
			Active: id.ContactID == v.identity.ContactID})
	}
	return pv
}

func (s *Server) pageProfile(w http.ResponseWriter, r *http.Request, v *visitor) error {
	d := &pageData{v: v, Title: v.loc.T("profile.title"), Nav: "profile", Notice: pageTakeFlash(w, r, v),
		Page: s.pageProfileView(v, v.account.DisplayName, v.account.Language)}
	s.renderPage(w, r, http.StatusOK, "profile", d)
	return nil
}

func (s *Server) pageProfilePost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	name, lang := r.PostFormValue("display_name"), r.PostFormValue("language")
	if err == nil {
		in := account.ProfileInput{DisplayName: &name}
		if lang == "" || slices.Contains(pageLanguages(v.portal), lang) {
			in.Language = &lang
		}
		_, err = s.Accounts.UpdateProfile(r.Context(), v.account.ID, in)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "profile.saved", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/me", http.StatusSeeOther)
		return nil
	}
	fields, ok := pageFieldErrors(v.loc, err)
	if !ok {
		return err
	}
	pv := s.pageProfileView(v, name, lang)
	pv.Errors = fields
	d := &pageData{v: v, Title: v.loc.T("profile.title"), Nav: "profile", Page: pv, Canonical: "/" + v.portal.Slug + "/me",
		Error: v.loc.N("form.errors", len(fields))}
	s.renderPage(w, r, http.StatusUnprocessableEntity, "profile", d)
	return nil
}

// pageIdentityPost makes another of the account's contacts the active
// identity (SPEC P5). A contact not linked to the account is not found.
func (s *Server) pageIdentityPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("contact_id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.NotFoundf("identity")
	}
	if err := s.switchIdentity(w, r, v, id); err != nil {
		return err
	}
	if !v.signedIn() {
		return apperr.E(apperr.Unauthorized, "not_signed_in", "please sign in")
	}
	pageSetFlash(w, v.portal.Slug, "nav.identity.switched", v.identity.Name)
	http.Redirect(w, r, "/"+v.portal.Slug+"/", http.StatusSeeOther)
	return nil
}
