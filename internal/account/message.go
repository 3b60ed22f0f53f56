package account

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/portal"
)

// Kinds of message sent about an account.
const (
	MessageResetCode         = "reset_code"
	MessagePasswordChanged   = "password_changed"
	MessageRegistrationCode  = "registration_code"
	MessageAlreadyRegistered = "already_registered"
	// MessageAccountOpened tells the login and initial password of an
	// account an agent opened (SPEC I3).
	MessageAccountOpened = "account_opened"
	// MessageSetPassword tells the login of an account an agent opened,
	// with a link to choose its password (SPEC I3).
	MessageSetPassword = "set_password"
	// MessageInvitation invites a member of an access group to choose a
	// password for a portal that admits the group (SPEC I2).
	MessageInvitation = "invitation"
)

// Message is what Portico tells a customer about their account, before it
// is worded in their language.
type Message struct {
	Kind     string
	Language string
	Portal   string // the portal's name
	Name     string // how to greet the recipient; empty when unknown
	Code     string // the verification code, for the code messages
	Minutes  int    // how long the code may be used
	// Link is the page to go on from: where to enter the code, where to
	// reset or choose a password.
	Link string
	// Login is what the recipient signs in with, Password the initial
	// password of an account opened for them, SignIn the portal's
	// sign-in page; for the account messages.
	Login, Password, SignIn string
	// Days is how long a link may be used.
	Days int
}

// Writer words messages in the recipient's language. Email returns a
// subject, a plain-text body and an HTML body in which every value is
// escaped; SMS returns a short text.
type Writer interface {
	Email(m Message) (subject, text, html string)
	SMS(m Message) string
}

// link is the address of a page of portal p.
func (s *Service) link(p *portal.Settings, page string) string {
	return strings.TrimRight(s.baseURL(), "/") + "/" + p.Slug + "/" + page
}

// language is the language to write to a in: the account's, else the
// portal's default.
func language(p *portal.Settings, a *Account) string {
	if a != nil && contact.ValidLanguage(a.Language) {
		return a.Language
	}
	return p.DefaultLanguage
}

// greeting is the name to greet a's holder by.
func greeting(a *Account) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	if len(a.Identities) > 0 {
		return a.Identities[0].Name
	}
	return ""
}

// compose turns m into a delivery to an email address or, for a phone
// number, an SMS. key makes the delivery unique.
func compose(w Writer, m Message, to, key string) *delivery.Delivery {
	if strings.Contains(to, "@") {
		subject, text, html := w.Email(m)
		return &delivery.Delivery{Kind: delivery.Email, To: to, Subject: subject, Body: text, BodyHTML: html, IdempotencyKey: key}
	}
	return &delivery.Delivery{Kind: delivery.SMS, To: to, Body: w.SMS(m), IdempotencyKey: key}
}

// randomKey makes idempotency keys unique. Row ids will not do: the ids of
// codes that were cleared away may be given out again.
func randomKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
