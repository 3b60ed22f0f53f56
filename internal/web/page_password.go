package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/auth"
	"portico/internal/password"
	"portico/internal/web/i18n"
)

// The account pages add their templates and the notices they leave after
// a post to the page registries.
func init() {
	pageNames = append(pageNames, "forgot", "password", "register", "setpassword")
	for _, id := range []string{"reset.done", "register.done", "profile.password.changed", "setpassword.done"} {
		pageNotices[id] = true
	}
}

// pageCredentialRoutes registers the pages of the account flows: password
// reset (SPEC P3), password change, also when it is demanded at first
// sign-in (P4, I3), registration (I1) and the password chosen with the link
// of an invitation or of an account an agent opened (I2, I3).
func (s *Server) pageCredentialRoutes(reg func(pattern string, public bool, h pageHandler)) {
	reg("GET /{slug}/password/forgot", true, s.pageForgot)
	reg("POST /{slug}/password/forgot", true, s.pageForgotPost)
	reg("GET /{slug}/password/reset", true, s.pageReset)
	reg("POST /{slug}/password/reset", true, s.pageResetPost)
	reg("GET /{slug}/me/password", false, s.pageChangePassword)
	reg("POST /{slug}/me/password", false, s.pageChangePasswordPost)
	reg("GET /{slug}/register", true, s.pageRegister)
	reg("POST /{slug}/register", true, s.pageRegisterPost)
	reg("GET /{slug}/register/verify", true, s.pageVerify)
	reg("POST /{slug}/register/verify", true, s.pageVerifyPost)
	reg("GET /{slug}/password/set", true, s.pageSetPassword)
	reg("POST /{slug}/password/set", true, s.pageSetPasswordPost)
}

// Steps of the password reset pages.
const (
	stepAsk  = "ask"  // ask for the login
	stepCode = "code" // enter the code and the new password
)

// pageForgotView is the password reset page.
type pageForgotView struct {
	Step      string
	Login     string
	MinLength int
	Errors    map[string]string
}

func (s *Server) pageForgotData(v *visitor, view pageForgotView) *pageData {
	view.MinLength = password.MinLength
	title := v.loc.T("reset.title")
	if view.Step == stepCode {
		title = v.loc.T("reset.code.title")
	}
	return &pageData{v: v, Title: title, Page: view, Canonical: "/" + v.portal.Slug + "/password/forgot"}
}

func (s *Server) pageForgot(w http.ResponseWriter, r *http.Request, v *visitor) error {
	s.renderPage(w, r, http.StatusOK, "forgot", s.pageForgotData(v, pageForgotView{Step: stepAsk}))
	return nil
}

// pageReset is the second step on its own, where the link in the email
// leads.
func (s *Server) pageReset(w http.ResponseWriter, r *http.Request, v *visitor) error {
	login := strings.TrimSpace(r.URL.Query().Get("login"))
	if len(login) > 300 {
		login = ""
	}
	s.renderPage(w, r, http.StatusOK, "forgot", s.pageForgotData(v, pageForgotView{Step: stepCode, Login: login}))
	return nil
}

func (s *Server) pageForgotPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	login := strings.TrimSpace(r.PostFormValue("login"))
	if err == nil {
		err = s.Accounts.RequestPasswordReset(r.Context(), v.portal, login, client(r).Addr, s.accountWriter())
	}
	view := pageForgotView{Step: stepAsk, Login: login}
	if r.PostFormValue("step") == stepCode {
		view.Step = stepCode // a new code asked for from the second step
	}
	if err == nil {
		view.Step = stepCode
		d := s.pageForgotData(v, view)
		d.Notice = v.loc.N("reset.sent", int(account.CodeLifetime/time.Minute), map[string]any{"Login": login})
		s.renderPage(w, r, http.StatusOK, "forgot", d)
		return nil
	}
	if apperr.Is(err, apperr.Invalid) {
		view.Step = stepAsk
		view.Errors = map[string]string{"login": v.loc.T("reset.error.login")}
	}
	d := s.pageForgotData(v, view)
	status, ok := pageFormError(w, v.loc, err, d)
	if !ok {
		return err
	}
	s.renderPage(w, r, status, "forgot", d)
	return nil
}

func (s *Server) pageResetPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	in := account.ResetInput{Login: strings.TrimSpace(r.PostFormValue("login")), Code: r.PostFormValue("code"),
		NewPassword: r.PostFormValue("new_password")}
	view := pageForgotView{Step: stepCode, Login: in.Login}
	if err == nil {
		err = pageConfirm("confirm", in.NewPassword, r.PostFormValue("confirm"))
	}
	if err == nil {
		err = s.Accounts.ResetPassword(r.Context(), v.portal, in, client(r).Addr, s.accountWriter())
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "reset.done", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/login", http.StatusSeeOther)
		return nil
	}
	d := s.pageForgotData(v, view)
	status, ok := pageFormError(w, v.loc, err, d)
	if !ok {
		return err
	}
	view.Errors = pageCredentialErrors(v.loc, err)
	if e := apperr.As(err); e.Code == "invalid_code" {
		view.Errors = map[string]string{"code": v.loc.T("reset.error.code")}
		d.Error = ""
	}
	d.Page = view
	s.renderPage(w, r, status, "forgot", d)
	return nil
}

// pagePasswordView is the page that changes the password, also when the
// account must do so before anything else.
type pagePasswordView struct {
	Forced    bool
	MinLength int
	Errors    map[string]string
}

func (s *Server) pagePasswordData(v *visitor) *pageData {
	view := pagePasswordView{Forced: v.account.MustChangePassword, MinLength: password.MinLength}
	title := v.loc.T("profile.password.title")
	if view.Forced {
		title = v.loc.T("password.first.title")
	}
	return &pageData{v: v, Title: title, Nav: "profile", Page: view, Canonical: "/" + v.portal.Slug + "/me/password"}
}

func (s *Server) pageChangePassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	s.renderPage(w, r, http.StatusOK, "password", s.pagePasswordData(v))
	return nil
}

func (s *Server) pageChangePasswordPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	in := auth.PasswordChange{CurrentPassword: r.PostFormValue("current_password"), NewPassword: r.PostFormValue("new_password")}
	if err == nil {
		err = pageConfirm("confirm", in.NewPassword, r.PostFormValue("confirm"))
	}
	if err == nil {
		err = s.Auth.ChangePassword(r.Context(), v.token, in, client(r))
	}
	if err == nil {
		next := "/" + v.portal.Slug + "/me"
		if v.account.MustChangePassword {
			next = "/" + v.portal.Slug + "/"
		}
		pageSetFlash(w, v.portal.Slug, "profile.password.changed", "")
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	d := s.pagePasswordData(v)
	status, ok := pageFormError(w, v.loc, err, d)
	if !ok {
		return err
	}
	view := d.Page.(pagePasswordView)
	view.Errors = pageCredentialErrors(v.loc, err)
	d.Page = view
	s.renderPage(w, r, status, "password", d)
	return nil
}

// pageConfirm checks the repeated new password of a form, in field.
func pageConfirm(field, pw, confirm string) error {
	if pw != confirm {
		return apperr.InvalidField(field, "does not match")
	}
	return nil
}

// pageFormError prepares d for showing the form again after err: the
// status, and the message for the whole form. It reports false for an
// error that is not the visitor's to fix, which the caller returns.
func pageFormError(w http.ResponseWriter, loc *i18n.Localizer, err error, d *pageData) (int, bool) {
	e := apperr.As(err)
	if e == nil {
		return 0, false
	}
	switch e.Kind {
	case apperr.RateLimited:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		d.Error = loc.N("login.error.too_many", max(1, int(math.Ceil(e.RetryAfter.Minutes()))))
		return http.StatusTooManyRequests, true
	case apperr.Invalid:
		d.Error = loc.N("form.errors", len(e.Fields))
		return http.StatusUnprocessableEntity, true
	case apperr.Malformed:
		if e.Code == "invalid_code" {
			return http.StatusBadRequest, true
		}
		d.Error = loc.T("form.invalid")
		return http.StatusBadRequest, true
	case apperr.Conflict:
		return http.StatusConflict, true
	}
	return 0, false
}

// pageCredentialErrors words the field problems of the account forms.
func pageCredentialErrors(loc *i18n.Localizer, err error) map[string]string {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return nil
	}
	out := make(map[string]string, len(e.Fields))
	for field, problem := range e.Fields {
		out[field] = pageCredentialProblem(loc, field, problem)
	}
	return out
}

func pageCredentialProblem(loc *i18n.Localizer, field, problem string) string {
	switch {
	case problem == "is required":
		return loc.T("form.required")
	case field == "confirm" || field == "password_confirm":
		return loc.T("password.error.mismatch")
	case field == "current_password":
		return loc.T("password.error.current")
	case strings.Contains(problem, "must differ"):
		return loc.T("password.error.same")
	case strings.HasPrefix(problem, "must be at least"):
		return loc.N("password.error.too_short", password.MinLength)
	case field == "email":
		return loc.T("form.invalid_email")
	case field == "login":
		return loc.T("reset.error.login")
	case field == "code":
		return loc.T("form.invalid_code")
	case field == "consent":
		return loc.T("register.consent.required")
	case strings.HasPrefix(problem, "must be at most"):
		n := password.MaxLength
		if field == "first_name" || field == "last_name" {
			n = account.MaxNameLength
		}
		return loc.N("form.too_long", n)
	}
	return loc.T("form.invalid")
}
