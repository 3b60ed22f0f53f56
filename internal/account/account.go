// Package account is about customer logins. An account signs in with an
// email address or a phone number and is linked to one or more contacts, its
// identities: the same person may act for two client companies.
package account

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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
	"portico/internal/portal"
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
	// AvatarKey names the account's picture in the file store; empty for
	// none.
	AvatarKey string `json:"-"`
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
// email (or else phone) is used. Without a password, the message sent has
// a link to choose one (valid for LinkLifetime) instead, and the account
// has no password until it is used (MustChangePassword does not apply);
// with nothing sent, a password is generated and shown once.
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
	SetAccountAvatar(ctx context.Context, id int64, key string) error
	SetAccountLocked(ctx context.Context, id int64, locked bool) error
	LinkIdentity(ctx context.Context, accountID, contactID int64) error
	// UnlinkIdentity removes the link and clears it from the account's
	// sessions; NotFound when the contact is not linked to the account.
	UnlinkIdentity(ctx context.Context, accountID, contactID int64) error
	CreateEvent(ctx context.Context, e *event.Event) error
	// CreateAudit adds an entry to the audit log (SPEC A11).
	CreateAudit(ctx context.Context, a *event.Audit) error
	CreateDelivery(ctx context.Context, d *delivery.Delivery) error
	// MainPortalSlug names the portal sign-in links point to: the first one.
	MainPortalSlug(ctx context.Context) (string, error)
	Portal(ctx context.Context, slug string) (*portal.Settings, error)
	Portals(ctx context.Context) ([]portal.Settings, error)
	AccessGroup(ctx context.Context, id int64) (*contact.AccessGroup, error)

	// SetPassword stores a new password hash; the account no longer has
	// to change its password.
	SetPassword(ctx context.Context, accountID int64, hash string) error
	// DeleteAccountSessions ends every session of an account except the
	// one whose token hash is keep (nil for none).
	DeleteAccountSessions(ctx context.Context, accountID int64, keep []byte) error
	Members
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
	// Code returns the code or link with this id, used or not.
	Code(ctx context.Context, id int64) (*Code, error)

	// Hit counts one event in bucket's window and returns the count so
	// far; Hits returns the count without adding.
	Hit(ctx context.Context, bucket string, window time.Time) (int, error)
	Hits(ctx context.Context, bucket string, window time.Time) (int, error)
}

// Service holds the rules for accounts.
type Service struct {
	store   Store
	baseURL func() string
	writer  Writer
}

// NewService returns a Service; baseURL gives the public URL for links.
func NewService(s Store, baseURL func() string) *Service {
	return &Service{store: s, baseURL: baseURL}
}

// WithWriter returns a copy of s that words with w the messages it sends
// on an agent's or admin's behalf: the sign-in details of an opened
// account and the invitations of access groups. The customers' own
// requests pass their writer along.
func (s *Service) WithWriter(w Writer) *Service {
	c := *s
	c.writer = w
	return &c
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
	// Without a password, a message gets a link to choose one; with no
	// message, a generated password is shown once.
	withLink := in.Password == nil && in.SendVia != SendNone
	generated := in.Password == nil && !withLink
	pw := ""
	switch {
	case generated:
		pw = password.Random(12)
	case in.Password != nil:
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
			if err := s.audit(ctx, by, "account.identity_linked", "account", existing.ID,
				map[string]any{"contact_id": nil}, map[string]any{"contact_id": contactID}); err != nil {
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

	// An account waiting for its link has no password: nothing signs in
	// to it until the link is used or the password is reset.
	hash := ""
	if !withLink {
		if hash, err = password.Hash(pw); err != nil {
			return nil, err
		}
	}
	must := !withLink
	if in.MustChangePassword != nil && !withLink {
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
		if err := s.audit(ctx, by, "account.opened", "account", a.ID, nil,
			map[string]any{"login": a.Login, "contact_id": contactID, "send_via": in.SendVia}); err != nil {
			return err
		}
		if in.SendVia == SendNone {
			return nil
		}
		return s.welcome(ctx, in.SendVia, to, a, pw, c)
	})
	if err != nil {
		return nil, err
	}
	out := &Opened{AccountID: a.ID, Login: a.Login}
	if generated {
		out.InitialPassword = pw
	}
	return out, nil
}

// welcome queues the message with the sign-in details of a new account, in
// the contact's language, from the main portal: the initial password, or
// without one a link to choose it. It runs inside the caller's transaction.
func (s *Service) welcome(ctx context.Context, via, to string, a *Account, pw string, c *contact.Contact) error {
	if s.writer == nil {
		return errNoWriter
	}
	slug, err := s.store.MainPortalSlug(ctx)
	if err != nil {
		return err
	}
	p, err := s.store.Portal(ctx, slug)
	if err != nil {
		return err
	}
	m := Message{Kind: MessageAccountOpened, Language: contactLanguage(p, c), Portal: p.Name, Name: c.Name(), Login: a.Login,
		Password: pw, SignIn: s.link(p, "login"), Link: s.link(p, "login")}
	if pw == "" {
		payload, err := json.Marshal(linkPayload{Login: a.Login})
		if err != nil {
			return err
		}
		token, err := s.issueLink(ctx, &Code{Purpose: PurposeSetPassword, PortalID: p.ID, AccountID: a.ID,
			Destination: "account:" + strconv.FormatInt(a.ID, 10), Payload: payload})
		if err != nil {
			return err
		}
		m.Kind, m.Link, m.Days = MessageSetPassword, s.link(p, "password/set?token="+token), int(LinkLifetime.Hours()/24)
	}
	return s.store.CreateDelivery(ctx, compose(s.writer, m, to, fmt.Sprintf("account-opened-%d-%s", a.ID, via)))
}

// UnlinkIdentity removes a contact from an account (SPEC P5). The account's
// sessions that were acting as that contact lose it at once.
func (s *Service) UnlinkIdentity(ctx context.Context, by event.Actor, accountID, contactID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UnlinkIdentity(ctx, accountID, contactID); err != nil {
			return err
		}
		if err := s.audit(ctx, by, "account.identity_unlinked", "account", accountID,
			map[string]any{"contact_id": contactID}, map[string]any{"contact_id": nil}); err != nil {
			return err
		}
		return s.store.CreateEvent(ctx, &event.Event{Kind: event.IdentityUnlinked, ContactID: &contactID,
			ActorType: by.Type, ActorID: by.IDPtr(), Data: map[string]any{"account_id": accountID}})
	})
}

// SetLocked locks an account, ending every session it has and refusing
// its sign-ins, or unlocks it (SPEC A3). It is written to the audit log.
func (s *Service) SetLocked(ctx context.Context, by event.Actor, id int64, locked bool) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		a, err := s.store.Account(ctx, id)
		if err != nil {
			return err
		}
		if a.Locked == locked {
			return nil
		}
		if err := s.store.SetAccountLocked(ctx, id, locked); err != nil {
			return err
		}
		if locked {
			if err := s.store.DeleteAccountSessions(ctx, id, nil); err != nil {
				return err
			}
		}
		action := "account.unlocked"
		if locked {
			action = "account.locked"
		}
		return s.audit(ctx, by, action, "account", id, map[string]any{"locked": a.Locked}, map[string]any{"locked": locked})
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

// audit records a change to an account, access or setting in the audit log,
// in the caller's transaction.
func (s *Service) audit(ctx context.Context, by event.Actor, action, targetType string, targetID any, before, after any) error {
	a, err := event.NewAudit(by, action, targetType, fmt.Sprint(targetID), before, after)
	if err != nil {
		return err
	}
	return s.store.CreateAudit(ctx, a)
}
