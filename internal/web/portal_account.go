package web

import (
	"net/http"
	"strings"

	"portico/internal/account"
	"portico/internal/auth"
	"portico/internal/web/i18n"
)

// portalAccountRoutes registers the customer API's account flows (API.md
// §4): password reset by code (SPEC P3), password change (P4),
// self-registration (I1) and the password chosen with a link (I2, I3).
func (s *Server) portalAccountRoutes(tag string) {
	s.portalAPI(op{method: "PUT", path: "/me/password", tag: tag, summary: "Change the password; the account's other sessions end",
		body: auth.PasswordChange{}, status: 204}, s.portalChangePassword)
	s.portalAPI(op{method: "POST", path: "/password/forgot", tag: tag, summary: "Send a code for resetting the password to the login's email or phone; the answer is the same for every login",
		public: true, body: forgotInput{}, resp: acceptedBody{}, status: 202}, s.portalForgotPassword)
	s.portalAPI(op{method: "POST", path: "/password/reset", tag: tag, summary: "Set a new password with the code; every session of the account ends",
		public: true, body: account.ResetInput{}, status: 204}, s.portalResetPassword)
	s.portalAPI(op{method: "POST", path: "/register", tag: tag, summary: "Register: a code to confirm the email address is sent and nothing is created yet; 403 registration_closed unless the portal's access mode is self_registration",
		public: true, body: account.RegisterInput{}, resp: acceptedBody{}, status: 202}, s.portalRegister)
	s.portalAPI(op{method: "POST", path: "/register/verify", tag: tag, summary: "Confirm a registration with the emailed code: creates the account and signs in",
		public: true, body: account.VerifyInput{}, resp: meBody{}}, s.portalVerifyRegistration)
	s.portalAPI(op{method: "POST", path: "/password/set", tag: tag, summary: "Choose a password with the token of an invitation link or of the link sent when an agent opened the account (the token query parameter of /{slug}/password/set): opens or completes the account and signs in",
		public: true, body: account.LinkPasswordInput{}, resp: meBody{}}, s.portalSetPassword)
}

type forgotInput struct {
	Login string `json:"login"`
}

// acceptedBody answers a request whose outcome is told by email or SMS
// only, the same whatever the outcome.
type acceptedBody struct {
	Status string `json:"status"`
}

var accepted = acceptedBody{Status: "accepted"}

func (s *Server) portalForgotPassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in forgotInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.RequestPasswordReset(r.Context(), v.portal, in.Login, client(r).Addr, s.accountWriter()); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, accepted)
	return nil
}

func (s *Server) portalResetPassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in account.ResetInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Accounts.ResetPassword(r.Context(), v.portal, in, client(r).Addr, s.accountWriter()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) portalChangePassword(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in auth.PasswordChange
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Auth.ChangePassword(r.Context(), v.token, in, client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) portalRegister(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in account.RegisterInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.register(r, v, in); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, accepted)
	return nil
}

func (s *Server) portalVerifyRegistration(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in account.VerifyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.verifyRegistration(w, r, v, in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

// register starts a registration from the visitor's request, in the
// language they see the portal in.
func (s *Server) register(r *http.Request, v *visitor, in account.RegisterInput) error {
	o := account.Origin{Addr: client(r).Addr, Language: v.loc.Lang(), ConsentLabel: consentLabel(v)}
	return s.Accounts.Register(r.Context(), v.portal, in, o, s.accountWriter())
}

// verifyRegistration confirms a registration and signs its new account in.
func (s *Server) verifyRegistration(w http.ResponseWriter, r *http.Request, v *visitor, in account.VerifyInput) error {
	a, err := s.Accounts.VerifyRegistration(r.Context(), v.portal, in, client(r).Addr)
	if err != nil {
		return err
	}
	return s.signInProven(w, r, v, a)
}

// signInProven signs in an account that has just proven itself another way
// than its password (a code, a link) and hands the browser the session.
func (s *Server) signInProven(w http.ResponseWriter, r *http.Request, v *visitor, a *account.Account) error {
	_, tok, err := s.Auth.SignInVerified(r.Context(), v.portal, a, client(r))
	if err != nil {
		return err
	}
	return s.startSession(w, r, v, tok)
}

// consentLabel is the label of the consent checkbox as v sees it: the
// admin's, or a default wording.
func consentLabel(v *visitor) string {
	if !account.ConsentRequired(v.portal) {
		return ""
	}
	if l := strings.TrimSpace(v.portal.ConsentCheckboxLabel); l != "" {
		return l
	}
	return v.loc.T("register.consent")
}

// accountWriter words the account messages (codes, notices) from the
// message catalog.
func (s *Server) accountWriter() account.Writer { return accountWriter{s.catalog} }

type accountWriter struct{ cat *i18n.Catalog }

// mailParts words m as an email.
func (a accountWriter) mailParts(m account.Message) mailView {
	l := a.cat.For(m.Language)
	portal := map[string]any{"Portal": m.Portal}
	details := map[string]any{"Portal": m.Portal, "Login": m.Login, "Password": m.Password, "SignIn": m.SignIn}
	mv := mailView{Lang: l.Lang(), Heading: m.Portal, Code: m.Code, Link: m.Link, Footer: l.T("mail.signature", portal)}
	greeting := l.T("mail.greeting.anonymous")
	if m.Name != "" {
		greeting = l.T("mail.greeting", map[string]any{"Name": m.Name})
	}
	valid := l.N("mail.code.valid", m.Minutes)
	switch m.Kind {
	case account.MessageResetCode:
		mv.Subject = l.T("mail.reset_code.subject", portal)
		mv.Before = []string{greeting, l.T("mail.reset_code.intro", portal)}
		mv.After = []string{valid, l.T("mail.reset_code.ignore")}
		mv.Action = l.T("mail.reset_code.action")
	case account.MessagePasswordChanged:
		mv.Subject = l.T("mail.password_changed.subject", portal)
		mv.Before = []string{greeting, l.T("mail.password_changed.body", portal), l.T("mail.password_changed.warning")}
		mv.Action = l.T("mail.password_changed.action")
	case account.MessageRegistrationCode:
		mv.Subject = l.T("mail.registration_code.subject", portal)
		mv.Before = []string{greeting, l.T("mail.registration_code.intro", portal)}
		mv.After = []string{valid, l.T("mail.registration_code.ignore")}
		mv.Action = l.T("mail.registration_code.action")
	case account.MessageAlreadyRegistered:
		mv.Subject = l.T("mail.already_registered.subject", portal)
		mv.Before = []string{greeting, l.T("mail.already_registered.body", portal), l.T("mail.already_registered.hint")}
		mv.After = []string{l.T("mail.already_registered.ignore")}
		mv.Action = l.T("mail.already_registered.action")
	case account.MessageAccountOpened:
		mv.Subject = l.T("mail.account_opened.subject", portal)
		mv.Before = []string{greeting, l.T("mail.account_opened.intro", portal),
			l.T("mail.account_opened.login", details), l.T("mail.account_opened.password", details)}
		mv.After = []string{l.T("mail.account_opened.change")}
		mv.Action = l.T("mail.account_opened.action")
	case account.MessageSetPassword:
		mv.Subject = l.T("mail.account_opened.subject", portal)
		mv.Before = []string{greeting, l.T("mail.set_password.intro", details), l.T("mail.account_opened.login", details)}
		mv.After = []string{l.N("mail.link.valid", m.Days)}
		mv.Action = l.T("mail.set_password.action")
		mv.Closing = []string{l.T("mail.sign_in_later", details)}
	case account.MessageInvitation:
		mv.Subject = l.T("mail.invitation.subject", portal)
		mv.Before = []string{greeting, l.T("mail.invitation.intro", details)}
		mv.After = []string{l.N("mail.link.valid", m.Days)}
		mv.Action = l.T("mail.invitation.action")
		mv.Closing = []string{l.T("mail.sign_in_later", details), l.T("mail.invitation.ignore")}
	}
	return mv
}

// Email words m as an email with a plain-text and an HTML body.
func (a accountWriter) Email(m account.Message) (subject, text, html string) {
	return a.mailParts(m).render()
}

// SMS words m as a short text.
func (a accountWriter) SMS(m account.Message) string {
	l := a.cat.For(m.Language)
	switch m.Kind {
	case account.MessageResetCode:
		return l.N("sms.reset_code", m.Minutes, map[string]any{"Code": m.Code, "Portal": m.Portal})
	case account.MessagePasswordChanged:
		return l.T("sms.password_changed", map[string]any{"Portal": m.Portal, "Link": m.Link})
	case account.MessageAccountOpened:
		return l.T("sms.account_opened", map[string]any{"Portal": m.Portal, "Link": m.SignIn, "Login": m.Login, "Password": m.Password})
	case account.MessageSetPassword:
		return l.T("sms.set_password", map[string]any{"Portal": m.Portal, "Link": m.Link})
	case account.MessageInvitation:
		return l.T("sms.invitation", map[string]any{"Portal": m.Portal, "Link": m.Link})
	}
	_, text, _ := a.Email(m)
	return text
}
