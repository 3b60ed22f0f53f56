package web

import (
	"net/http"
	"strings"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/password"
)

// pageSetPasswordView is the page where the link of an invitation (SPEC I2)
// or of an account an agent opened (I3) leads: choose a password, and be
// signed in.
type pageSetPasswordView struct {
	Token      string
	Login      string
	Invitation bool
	// Invalid is set when the link cannot be used: expired, used or
	// replaced.
	Invalid   bool
	MinLength int
	Errors    map[string]string
}

// pageSetPasswordRender shows the page; a link that cannot be used is gone.
func (s *Server) pageSetPasswordRender(w http.ResponseWriter, r *http.Request, v *visitor, status int, view pageSetPasswordView) {
	view.MinLength = password.MinLength
	title := v.loc.T("register.set_password.title")
	if view.Invalid {
		status, title = http.StatusGone, v.loc.T("setpassword.invalid.title")
		view.Token = ""
	}
	s.renderPage(w, r, status, "setpassword", &pageData{v: v, Title: title, Page: view, Canonical: "/" + v.portal.Slug + "/password/set"})
}

// pageLinkView describes the link of token for the page, or reports that it
// cannot be used.
func (s *Server) pageLinkView(r *http.Request, v *visitor, token string) (pageSetPasswordView, error) {
	view := pageSetPasswordView{Token: token}
	link, err := s.Accounts.InspectLink(r.Context(), v.portal, token, client(r).Addr)
	if e := apperr.As(err); e != nil && e.Code == "invalid_link" {
		view.Invalid = true
		return view, nil
	}
	if err != nil {
		return view, err
	}
	view.Login, view.Invitation = link.Login, link.Purpose == account.PurposeInvitation
	return view, nil
}

func (s *Server) pageSetPassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	view, err := s.pageLinkView(r, v, strings.TrimSpace(r.URL.Query().Get("token")))
	if err != nil {
		return err
	}
	s.pageSetPasswordRender(w, r, v, http.StatusOK, view)
	return nil
}

func (s *Server) pageSetPasswordPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	err := pageReadForm(w, r)
	in := account.LinkPasswordInput{Token: strings.TrimSpace(r.PostFormValue("token")), NewPassword: r.PostFormValue("new_password")}
	if err == nil {
		err = pageConfirm("confirm", in.NewPassword, r.PostFormValue("confirm"))
	}
	if err == nil {
		err = s.setPasswordWithLink(w, r, v, in)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "setpassword.done", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/", http.StatusSeeOther)
		return nil
	}
	e := apperr.As(err)
	switch {
	case e != nil && e.Code == "invalid_link":
		s.pageSetPasswordRender(w, r, v, http.StatusGone, pageSetPasswordView{Invalid: true})
		return nil
	case e == nil || e.Kind != apperr.Invalid:
		return err
	}
	view, lerr := s.pageLinkView(r, v, in.Token)
	if lerr != nil {
		return lerr
	}
	view.Errors, view.MinLength = pageCredentialErrors(v.loc, err), password.MinLength
	d := &pageData{v: v, Title: v.loc.T("register.set_password.title"), Canonical: "/" + v.portal.Slug + "/password/set"}
	status, _ := pageFormError(w, v.loc, err, d)
	d.Page = view
	s.renderPage(w, r, status, "setpassword", d)
	return nil
}

// setPasswordWithLink chooses the password with a link and signs the
// account in.
func (s *Server) setPasswordWithLink(w http.ResponseWriter, r *http.Request, v *visitor, in account.LinkPasswordInput) error {
	a, err := s.Accounts.SetPasswordWithLink(r.Context(), v.portal, in, client(r).Addr)
	if err != nil {
		return err
	}
	return s.signInProven(w, r, v, a)
}

func (s *Server) portalSetPassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in account.LinkPasswordInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.setPasswordWithLink(w, r, v, in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me(v))
	return nil
}
