// Package account is about customer logins. An account signs in with an
// email address or a phone number and is linked to one or more contacts, its
// identities: the same person may act for two client companies.
package account

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/password"
)

// Login kinds.
const (
	LoginEmail = "email"
	LoginPhone = "phone"
)

// Account is a customer login.
type Account struct {
	ID                 int64      `json:"id"`
	Login              string     `json:"login"`
	LoginKind          string     `json:"login_kind"`
	DisplayName        string     `json:"display_name"`
	Language           string     `json:"language"`
	MustChangePassword bool       `json:"must_change_password"`
	Locked             bool       `json:"locked"`
	VerifiedAt         *time.Time `json:"verified_at"`
	CreatedAt          time.Time  `json:"created_at"`
	Identities         []Identity `json:"identities"`
	PasswordHash       string     `json:"-"`
}

// Identity is a contact linked to an account.
type Identity struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	CompanyID *int64 `json:"company_id"`
	Company   string `json:"company"`
}

// NormalizeLogin turns an email address or phone number into the form
// logins are stored in, and says which it is.
func NormalizeLogin(s string) (login, kind string, ok bool) {
	if strings.Contains(s, "@") {
		e, ok := agent.NormalizeEmail(s)
		return e, LoginEmail, ok
	}
	p, ok := contact.NormalizePhone(s)
	return p, LoginPhone, ok
}

// Ways to send the initial sign-in details.
const (
	SendEmail = "email"
	SendSMS   = "sms"
	SendNone  = "none"
)

// OpenInput opens an account for a contact. Without a login the contact's
// email (or else phone) is used; without a password one is generated.
type OpenInput struct {
	Login              *string `json:"login"`
	Password           *string `json:"password"`
	SendVia            string  `json:"send_via"`
	MustChangePassword *bool   `json:"must_change_password"`
}

// Opened tells what OpenAccount did.
type Opened struct {
	AccountID int64  `json:"account_id"`
	Login     string `json:"login"`
	// Linked is true when the login already existed and the contact was
	// added to it as another identity.
	Linked bool `json:"linked"`
	// InitialPassword is shown once, when Portico generated the password
	// and was not asked to send it.
	InitialPassword string `json:"initial_password,omitempty"`
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Now() time.Time
	Contact(ctx context.Context, id int64) (*contact.Contact, error)
	Account(ctx context.Context, id int64) (*Account, error)
	AccountByLogin(ctx context.Context, login string) (*Account, error)
	// AccountOfContact returns the account a contact is linked to.
	AccountOfContact(ctx context.Context, contactID int64) (*Account, error)
	CreateAccount(ctx context.Context, a *Account) error
	UpdateAccountProfile(ctx context.Context, a *Account) error
	LinkIdentity(ctx context.Context, accountID, contactID int64) error
	// UnlinkIdentity removes the link and clears it from the account's
	// sessions; NotFound when the contact is not linked to the account.
	UnlinkIdentity(ctx context.Context, accountID, contactID int64) error
	CreateEvent(ctx context.Context, e *event.Event) error
	CreateDelivery(ctx context.Context, d *delivery.Delivery) error
	// MainPortalSlug names the portal sign-in links point to: the first one.
	MainPortalSlug(ctx context.Context) (string, error)

	// SetPassword stores a new password hash; the account no longer has
	// to change its password.
	SetPassword(ctx context.Context, accountID int64, hash string) error
	// DeleteAccountSessions ends every session of an account except the
	// one whose token hash is keep (nil for none).
	DeleteAccountSessions(ctx context.Context, accountID int64, keep []byte) error
	// InAccessGroups reports whether any identity of the account is in
	// one of the groups.
	InAccessGroups(ctx context.Context, accountID int64, groupIDs []int64) (bool, error)
	// ContactsByEmail returns the contacts with this normalised address.
	ContactsByEmail(ctx context.Context, email string) ([]contact.Contact, error)
	CreateContact(ctx context.Context, c *contact.Contact) error
	CreateConsent(ctx context.Context, c *Consent) error

	// CreateCode stores a verification code.
	CreateCode(ctx context.Context, c *Code) error
	// VoidCodes ends the unused codes of a purpose and destination.
	VoidCodes(ctx context.Context, purpose, destination string) error
	// LatestCode returns the newest unused code of a purpose and
	// destination; NotFound when there is none.
	LatestCode(ctx context.Context, purpose, destination string) (*Code, error)
	// MissCode counts a wrong try of code id; an id naming no code is
	// not an error.
	MissCode(ctx context.Context, id int64) error
	// UseCode marks code id used; NotFound when it was used or voided
	// already or has no tries left, so that a code serves once.
	UseCode(ctx context.Context, id int64) error

	// Hit counts one event in bucket's window and returns the count so
	// far; Hits returns the count without adding.
	Hit(ctx context.Context, bucket string, window time.Time) (int, error)
	Hits(ctx context.Context, bucket string, window time.Time) (int, error)
}

// Service holds the rules for accounts.
type Service struct {
	store   Store
	baseURL func() string
}

// NewService returns a Service; baseURL gives the public URL for links.
func NewService(s Store, baseURL func() string) *Service {
	return &Service{store: s, baseURL: baseURL}
}

// Account returns one account with its identities.
func (s *Service) Account(ctx context.Context, id int64) (*Account, error) {
	return s.store.Account(ctx, id)
}

// OpenAccount opens a portal account for a contact (SPEC I3), or links the
// contact to the existing account with that login as a new identity.
func (s *Service) OpenAccount(ctx context.Context, by event.Actor, contactID int64, in OpenInput) (*Opened, error) {
	c, err := s.store.Contact(ctx, contactID)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	raw := ""
	switch {
	case in.Login != nil:
		raw = *in.Login
	case c.Email != nil:
		raw = *c.Email
	case c.Phone != nil:
		raw = *c.Phone
	default:
		v.Add("login", "is required: the contact has no email address or phone number")
	}
	login, kind, ok := NormalizeLogin(raw)
	if raw != "" && !ok {
		v.Add("login", "must be an email address or an international phone number")
	}
	switch in.SendVia {
	case SendEmail, SendSMS, SendNone:
	case "":
		v.Add("send_via", "is required: email, sms or none")
	default:
		v.Add("send_via", "must be email, sms or none")
	}
	generated := in.Password == nil
	pw := ""
	if generated {
		pw = password.Random(12)
	} else {
		pw = *in.Password
		if p := password.Check(pw); p != "" {
			v.Add("password", p)
		}
	}
	to := ""
	switch in.SendVia {
	case SendEmail:
		if kind == LoginEmail {
			to = login
		} else if c.Email != nil {
			to = *c.Email
		} else {
			v.Add("send_via", "the contact has no email address")
		}
	case SendSMS:
		if kind == LoginPhone {
			to = login
		} else if c.Phone != nil {
			to = *c.Phone
		} else {
			v.Add("send_via", "the contact has no phone number")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if a, err := s.store.AccountOfContact(ctx, contactID); err == nil {
		return nil, &apperr.Error{Kind: apperr.Conflict, Code: "contact_has_account",
			Message: fmt.Sprintf("the contact is already linked to account %d (%s)", a.ID, a.Login)}
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}

	existing, err := s.store.AccountByLogin(ctx, login)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if existing != nil {
		// The same person at another company: one login, a new identity.
		// Their password stays as it is.
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			if err := s.store.LinkIdentity(ctx, existing.ID, contactID); err != nil {
				return err
			}
			return s.store.CreateEvent(ctx, &event.Event{Kind: event.IdentityLinked, ContactID: &contactID,
				ActorType: by.Type, ActorID: by.IDPtr(), Data: map[string]any{"account_id": existing.ID}})
		})
		if err != nil {
			return nil, err
		}
		return &Opened{AccountID: existing.ID, Login: existing.Login, Linked: true}, nil
	}

	hash, err := password.Hash(pw)
	if err != nil {
		return nil, err
	}
	must := true
	if in.MustChangePassword != nil {
		must = *in.MustChangePassword
	}
	a := &Account{Login: login, LoginKind: kind, DisplayName: c.Name(), Language: c.Language,
		MustChangePassword: must, PasswordHash: hash}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.store.LinkIdentity(ctx, a.ID, contactID); err != nil {
			return err
		}
		if err := s.store.CreateEvent(ctx, &event.Event{Kind: event.AccountOpened, ContactID: &contactID,
			ActorType: by.Type, ActorID: by.IDPtr(), Data: map[string]any{"account_id": a.ID, "send_via": in.SendVia}}); err != nil {
			return err
		}
		if in.SendVia == SendNone {
			return nil
		}
		slug, err := s.store.MainPortalSlug(ctx)
		if err != nil {
			return err
		}
		return s.store.CreateDelivery(ctx, s.welcome(in.SendVia, to, slug, a, pw, c))
	})
	if err != nil {
		return nil, err
	}
	out := &Opened{AccountID: a.ID, Login: a.Login}
	if generated && in.SendVia == SendNone {
		out.InitialPassword = pw
	}
	return out, nil
}

// welcome is the message with the sign-in details of a new account.
func (s *Service) welcome(via, to, slug string, a *Account, pw string, c *contact.Contact) *delivery.Delivery {
	link := s.baseURL() + "/" + slug + "/login"
	body := fmt.Sprintf("Hello %s,\n\nan account has been opened for you in our customer portal.\n\nSign in at: %s\nLogin: %s\nPassword: %s\n\nYou will be asked to choose a new password when you first sign in.\n",
		c.FirstName, link, a.Login, pw)
	d := &delivery.Delivery{Kind: delivery.Email, To: to, Subject: "Your customer portal account", Body: body,
		IdempotencyKey: fmt.Sprintf("account-opened-%d-%s", a.ID, via)}
	if via == SendSMS {
		d.Kind = delivery.SMS
		d.Subject = ""
		d.Body = fmt.Sprintf("Your customer portal account: %s login %s password %s", link, a.Login, pw)
	}
	return d
}

// UnlinkIdentity removes a contact from an account (SPEC P5). The account's
// sessions that were acting as that contact lose it at once.
func (s *Service) UnlinkIdentity(ctx context.Context, by event.Actor, accountID, contactID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UnlinkIdentity(ctx, accountID, contactID); err != nil {
			return err
		}
		return s.store.CreateEvent(ctx, &event.Event{Kind: event.IdentityUnlinked, ContactID: &contactID,
			ActorType: by.Type, ActorID: by.IDPtr(), Data: map[string]any{"account_id": accountID}})
	})
}

// ProfileInput changes what an account holder may change about themselves
// (SPEC P4); nil fields stay as they are.
type ProfileInput struct {
	DisplayName *string `json:"display_name"`
	Language    *string `json:"language"`
}

// MaxDisplayName is the longest display name, in characters.
const MaxDisplayName = 100

// UpdateProfile changes an account's display name or language. An empty
// language means "follow the browser".
func (s *Service) UpdateProfile(ctx context.Context, id int64, in ProfileInput) (*Account, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	if in.DisplayName != nil {
		name := strings.TrimSpace(*in.DisplayName)
		if utf8.RuneCountInString(name) > MaxDisplayName || strings.ContainsFunc(name, unicode.IsControl) {
			v.Add("display_name", fmt.Sprintf("must be at most %d characters, without control characters", MaxDisplayName))
		}
		a.DisplayName = name
	}
	if in.Language != nil {
		if *in.Language != "" && !contact.ValidLanguage(*in.Language) {
			v.Add("language", "must be one of en, zh-CN, pl, sv, or empty")
		}
		a.Language = *in.Language
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateAccountProfile(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}
