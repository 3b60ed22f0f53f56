package account

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/password"
	"portico/internal/portal"
)

// RegisterInput is a self-registration (SPEC I1).
type RegisterInput struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Consent   bool   `json:"consent"`
}

// VerifyInput confirms a registration with the emailed code.
type VerifyInput struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// Origin is where a registration comes from.
type Origin struct {
	// Addr is the client's address, for the rate limits and the record
	// of the consent.
	Addr string
	// Language is the language the person registered in; their account
	// and messages keep it.
	Language string
	// ConsentLabel is the checkbox label as the person saw it: the
	// portal's, or the default wording when the portal has none.
	ConsentLabel string
}

// MaxNameLength bounds first and last names, in characters.
const MaxNameLength = 100

var errRegistrationClosed = &apperr.Error{Kind: apperr.Forbidden, Code: "registration_closed",
	Message: "this portal does not take registrations"}

var errAlreadyRegistered = &apperr.Error{Kind: apperr.Conflict, Code: "account_exists",
	Message: "an account with this email address exists; sign in, or reset the password"}

// ConsentRequired reports whether portal p asks for consent before
// registering: it does when its admin wrote a notice or a checkbox label.
func ConsentRequired(p *portal.Settings) bool {
	return strings.TrimSpace(p.ConsentText) != "" || strings.TrimSpace(p.ConsentCheckboxLabel) != ""
}

// RegistrationOpen reports whether anyone may register in portal p.
func RegistrationOpen(p *portal.Settings) bool {
	return p.AccessMode == portal.AccessSelfRegistration
}

// pendingRegistration is what a registration keeps, in its code's payload,
// until the email address is confirmed. The password is kept only hashed.
type pendingRegistration struct {
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	PasswordHash string    `json:"password_hash"`
	Language     string    `json:"language"`
	ConsentText  string    `json:"consent_text,omitempty"`
	ConsentLabel string    `json:"consent_label,omitempty"`
	Consented    bool      `json:"consented,omitempty"`
	RequestedAt  time.Time `json:"requested_at"`
	ClientAddr   string    `json:"client_addr"`
}

func checkName(v apperr.Validation, field, name string) {
	if utf8.RuneCountInString(name) > MaxNameLength || strings.ContainsFunc(name, unicode.IsControl) {
		v.Add(field, fmt.Sprintf("must be at most %d characters, without control characters", MaxNameLength))
	}
}

// registered reports whether email already belongs to someone with an
// account: as its login, or as the address of a contact linked to one.
func (s *Service) registered(ctx context.Context, email string) (bool, error) {
	_, err := s.store.AccountByLogin(ctx, email)
	if err == nil {
		return true, nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return false, err
	}
	contacts, err := s.store.ContactsByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	for _, c := range contacts {
		if c.AccountID != nil {
			return true, nil
		}
	}
	return false, nil
}

// Register starts a self-registration in portal p (SPEC I1): it emails a
// code that VerifyRegistration takes, and creates nothing else until then.
// When the address already has an account, the email says so and points to
// the password reset instead; the answer is the same either way, so it
// never tells whether an address is known. The typed name is not put in
// the email: the address is not confirmed yet.
func (s *Service) Register(ctx context.Context, p *portal.Settings, in RegisterInput, o Origin, w Writer) error {
	if !RegistrationOpen(p) {
		return errRegistrationClosed
	}
	v := apperr.Validation{}
	email, ok := agent.NormalizeEmail(in.Email)
	switch {
	case strings.TrimSpace(in.Email) == "":
		v.Add("email", "is required")
	case !ok:
		v.Add("email", "must be an email address")
	}
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if first == "" {
		v.Add("first_name", "is required")
	}
	checkName(v, "first_name", first)
	checkName(v, "last_name", last)
	if problem := password.Check(in.Password); problem != "" {
		v.Add("password", problem)
	}
	if ConsentRequired(p) && !in.Consent {
		v.Add("consent", "must be accepted")
	}
	if err := v.Err(); err != nil {
		return err
	}
	now := s.store.Now()
	limits := []limit{destinationLimit(email), {"register:from:" + o.Addr, RegistrationsPerClient, CodeWindow}}
	if err := s.checkLimits(ctx, now, limits...); err != nil {
		return err
	}
	if err := s.hit(ctx, now, limits...); err != nil {
		return err
	}
	// Hashed whether or not it is kept, so both answers take as long.
	hash, err := password.Hash(in.Password)
	if err != nil {
		return err
	}
	known, err := s.registered(ctx, email)
	if err != nil {
		return err
	}
	lang := o.Language
	if !contact.ValidLanguage(lang) {
		lang = p.DefaultLanguage
	}
	reg := pendingRegistration{FirstName: first, LastName: last, PasswordHash: hash, Language: lang,
		RequestedAt: now, ClientAddr: o.Addr}
	if ConsentRequired(p) {
		reg.ConsentText, reg.ConsentLabel, reg.Consented = strings.TrimSpace(p.ConsentText), o.ConsentLabel, true
		if reg.ConsentLabel == "" {
			reg.ConsentLabel = strings.TrimSpace(p.ConsentCheckboxLabel)
		}
	}
	if known {
		// The code stored for a known address can create nothing: it
		// keeps no password. It is there so that this request and later
		// attempts to verify do the same work as for a new address.
		reg = pendingRegistration{RequestedAt: now}
	}
	payload, err := json.Marshal(reg)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		c := &Code{Purpose: PurposeRegistration, PortalID: p.ID, Destination: email, Payload: payload}
		code, err := s.issueCode(ctx, c)
		if err != nil {
			return err
		}
		m := Message{Kind: MessageRegistrationCode, Language: lang, Portal: p.Name, Code: code,
			Minutes: int(CodeLifetime / time.Minute), Link: s.link(p, "register/verify?"+url.Values{"email": {email}}.Encode())}
		if known {
			a, err := s.store.AccountByLogin(ctx, email)
			switch {
			case err == nil:
				m.Name, m.Language = greeting(a), language(p, a)
			case !apperr.Is(err, apperr.NotFound):
				return err
			}
			m.Kind, m.Code, m.Link = MessageAlreadyRegistered, "", s.link(p, "password/forgot")
		}
		return s.store.CreateDelivery(ctx, compose(w, m, email, "account-code-"+randomKey()))
	})
}

// VerifyRegistration confirms a registration with its code and only then
// creates the account. The contacts that already have the address become
// its identities; without one, a contact is created. The consent given is
// recorded for each. Wrong codes count as in ResetPassword.
func (s *Service) VerifyRegistration(ctx context.Context, p *portal.Settings, in VerifyInput, addr string) (*Account, error) {
	if !RegistrationOpen(p) {
		return nil, errRegistrationClosed
	}
	v := apperr.Validation{}
	if strings.TrimSpace(in.Email) == "" {
		v.Add("email", "is required")
	}
	if strings.TrimSpace(in.Code) == "" {
		v.Add("code", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	email, ok := agent.NormalizeEmail(in.Email)
	if !ok {
		email = strings.TrimSpace(in.Email)
	}
	now := s.store.Now()
	c, ok, err := s.checkCode(ctx, now, PurposeRegistration, email, in.Code, addr)
	if err != nil {
		return nil, err
	}
	var reg pendingRegistration
	if ok {
		if err := json.Unmarshal(c.Payload, &reg); err != nil {
			return nil, fmt.Errorf("account: registration payload of code %d: %w", c.ID, err)
		}
	}
	if !ok || c.PortalID != p.ID || reg.PasswordHash == "" {
		return nil, errInvalidCode
	}
	var id int64
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseCode(ctx, c.ID); apperr.Is(err, apperr.NotFound) {
			return errInvalidCode
		} else if err != nil {
			return err
		}
		// An agent may have opened an account for the address meanwhile.
		if known, err := s.registered(ctx, email); err != nil {
			return err
		} else if known {
			return errAlreadyRegistered
		}
		contacts, err := s.store.ContactsByEmail(ctx, email)
		if err != nil {
			return err
		}
		if len(contacts) == 0 {
			ct := contact.Contact{FirstName: reg.FirstName, LastName: reg.LastName, Email: &email, Language: reg.Language}
			if err := s.store.CreateContact(ctx, &ct); err != nil {
				return err
			}
			contacts = append(contacts, ct)
		}
		a := &Account{Login: email, LoginKind: LoginEmail, PasswordHash: reg.PasswordHash,
			DisplayName: strings.TrimSpace(reg.FirstName + " " + reg.LastName), Language: reg.Language, VerifiedAt: &now}
		if err := s.store.CreateAccount(ctx, a); apperr.Is(err, apperr.Conflict) {
			return errAlreadyRegistered
		} else if err != nil {
			return err
		}
		for _, ct := range contacts {
			if err := s.store.LinkIdentity(ctx, a.ID, ct.ID); err != nil {
				return err
			}
			if reg.Consented {
				if err := s.store.CreateConsent(ctx, &Consent{PortalID: p.ID, ContactID: ct.ID, Text: reg.ConsentText,
					Label: reg.ConsentLabel, AcceptedAt: reg.RequestedAt, ClientAddr: reg.ClientAddr}); err != nil {
					return err
				}
			}
			if err := s.store.CreateEvent(ctx, &event.Event{Kind: event.AccountOpened, ContactID: &ct.ID,
				ActorType: event.ActorContact, ActorID: &ct.ID,
				Data: map[string]any{"account_id": a.ID, "via": "registration", "portal_id": p.ID}}); err != nil {
				return err
			}
		}
		id = a.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Account(ctx, id)
}
