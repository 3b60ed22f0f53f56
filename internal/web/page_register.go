package web

import (
	"net/http"
	"strings"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/password"
)

// Steps of the registration pages.
const (
	stepForm   = "form"   // the registration form
	stepVerify = "verify" // enter the emailed code
	stepClosed = "closed" // the portal takes no registrations
)

// pageRegisterView is the registration page (SPEC I1).
type pageRegisterView struct {
	Step                string
	FirstName, LastName string
	Email               string
	Consent             bool
	// ConsentText and ConsentLabel are the admin's notice and checkbox
	// label; the checkbox shows only when the portal asks for consent.
	ConsentRequired bool
	ConsentText     string
	ConsentLabel    string
	MinLength       int
	Errors          map[string]string
}

func (s *Server) pageRegisterData(v *visitor, view pageRegisterView) *pageData {
	if !account.RegistrationOpen(v.portal) {
		view.Step = stepClosed
	}
	view.ConsentRequired = account.ConsentRequired(v.portal)
	view.ConsentText, view.ConsentLabel = strings.TrimSpace(v.portal.ConsentText), consentLabel(v)
	view.MinLength = password.MinLength
	title := v.loc.T("register.title")
	if view.Step == stepVerify {
		title = v.loc.T("register.verify.title")
	}
	return &pageData{v: v, Title: title, Page: view, Canonical: "/" + v.portal.Slug + "/register"}
}

// pageRegisterRender shows the registration page; a closed portal answers
// 403 with its explanation.
func (s *Server) pageRegisterRender(w http.ResponseWriter, r *http.Request, status int, d *pageData) {
	if d.Page.(pageRegisterView).Step == stepClosed {
		status = http.StatusForbidden
	}
	s.renderPage(w, r, status, "register", d)
}

func (s *Server) pageRegister(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if v.signedIn() {
		http.Redirect(w, r, "/"+v.portal.Slug+"/", http.StatusSeeOther)
		return nil
	}
	s.pageRegisterRender(w, r, http.StatusOK, s.pageRegisterData(v, pageRegisterView{Step: stepForm}))
	return nil
}

func (s *Server) pageRegisterPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	in := account.RegisterInput{Email: strings.TrimSpace(r.PostFormValue("email")), Password: r.PostFormValue("password"),
		FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"), Consent: r.PostFormValue("consent") != ""}
	view := pageRegisterView{Step: stepForm, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Consent: in.Consent}
	if err == nil {
		err = pageConfirm("password_confirm", in.Password, r.PostFormValue("password_confirm"))
	}
	if err == nil {
		err = s.register(r, v, in)
	}
	if err == nil {
		view.Step = stepVerify
		d := s.pageRegisterData(v, view)
		d.Notice = v.loc.T("register.verify.sent", map[string]any{"Email": in.Email})
		s.pageRegisterRender(w, r, http.StatusOK, d)
		return nil
	}
	d := s.pageRegisterData(v, view)
	if apperr.Is(err, apperr.Forbidden) {
		s.pageRegisterRender(w, r, http.StatusForbidden, d)
		return nil
	}
	status, ok := pageFormError(w, v.loc, err, d)
	if !ok {
		return err
	}
	view = d.Page.(pageRegisterView)
	view.Errors = pageCredentialErrors(v.loc, err)
	d.Page = view
	s.pageRegisterRender(w, r, status, d)
	return nil
}

// pageVerify is the step of the emailed code on its own, where the link
// in the email leads.
func (s *Server) pageVerify(w http.ResponseWriter, r *http.Request, v *visitor) error {
	email := strings.TrimSpace(r.URL.Query().Get("email"))
	if len(email) > 300 {
		email = ""
	}
	s.pageRegisterRender(w, r, http.StatusOK, s.pageRegisterData(v, pageRegisterView{Step: stepVerify, Email: email}))
	return nil
}

func (s *Server) pageVerifyPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	in := account.VerifyInput{Email: strings.TrimSpace(r.PostFormValue("email")), Code: r.PostFormValue("code")}
	if err == nil {
		err = s.verifyRegistration(w, r, v, in)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "register.done", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/", http.StatusSeeOther)
		return nil
	}
	d := s.pageRegisterData(v, pageRegisterView{Step: stepVerify, Email: in.Email})
	if apperr.Is(err, apperr.Forbidden) {
		s.pageRegisterRender(w, r, http.StatusForbidden, d)
		return nil
	}
	status, ok := pageFormError(w, v.loc, err, d)
	if !ok {
		return err
	}
	view := d.Page.(pageRegisterView)
	view.Errors = pageCredentialErrors(v.loc, err)
	switch apperr.As(err).Code {
	case "invalid_code":
		view.Errors = map[string]string{"code": v.loc.T("register.verify.invalid")}
	case "account_exists":
		d.Error = v.loc.T("register.error.exists")
	}
	d.Page = view
	s.pageRegisterRender(w, r, status, d)
	return nil
}
