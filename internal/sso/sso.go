// Package sso signs customers in through their company's identity
// provider (SPEC I4): SAML 2.0, signed JWTs and OpenID Connect. Each
// provider proves a stable identifier of the person; the first sign-in
// opens an account when the portal's access mode allows it, and later ones
// find the account by that identifier alone, never by an email address
// another provider vouched for.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/portal"
)

// Providers.
const (
	ProviderSAML = "saml"
	ProviderJWT  = "jwt"
	ProviderOIDC = "oidc"
)

// ExternalIdentity links a provider's identifier of a person to an account.
type ExternalIdentity struct {
	ID         int64
	Provider   string
	Issuer     string
	Subject    string
	AccountID  int64
	PortalID   int64
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// Request is a sign-in under way: a SAML request or an OIDC authorization,
// found again by the hash of its key when the provider answers.
type Request struct {
	KeyHash   []byte
	PortalID  int64
	Provider  string
	Nonce     string
	Verifier  string
	Next      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RequestLifetime is how long a person has to sign in at the provider.
const RequestLifetime = 10 * time.Minute

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Now() time.Time

	// ExternalIdentity finds the identity of a provider's subject;
	// NotFound when there is none.
	ExternalIdentity(ctx context.Context, provider, issuer, subject string) (*ExternalIdentity, error)
	// CreateExternalIdentity stores a new identity; Conflict when the
	// subject has one already.
	CreateExternalIdentity(ctx context.Context, x *ExternalIdentity) error
	// TouchExternalIdentity records a sign-in with the identity.
	TouchExternalIdentity(ctx context.Context, id int64, at time.Time) error
	// UseToken records a single-use token until it expires; Conflict when
	// it was used already, by this instance or another.
	UseToken(ctx context.Context, kind, id string, expires time.Time) error
	// CreateSSORequest stores a sign-in under way.
	CreateSSORequest(ctx context.Context, r *Request) error
	// TakeSSORequest removes and returns the live request of a portal and
	// provider with this key hash; NotFound when there is none, it
	// expired or was taken already.
	TakeSSORequest(ctx context.Context, portalID int64, provider string, keyHash []byte) (*Request, error)

	Account(ctx context.Context, id int64) (*account.Account, error)
	AccountByLogin(ctx context.Context, login string) (*account.Account, error)
	CreateAccount(ctx context.Context, a *account.Account) error
	LinkIdentity(ctx context.Context, accountID, contactID int64) error
	ContactsByEmail(ctx context.Context, email string) ([]contact.Contact, error)
	CreateContact(ctx context.Context, c *contact.Contact) error
	Companies(ctx context.Context, f contact.CompanyFilter) (contact.CompanyPage, error)
	CreateCompany(ctx context.Context, c *contact.Company) error
	CreateEvent(ctx context.Context, e *event.Event) error
	account.Members
}

// Service signs customers in through identity providers.
type Service struct {
	store   Store
	baseURL func() string
	client  *http.Client

	mu    sync.Mutex
	cache map[string]cached
}

// cached is a document fetched from a provider: metadata, a key set or a
// discovery document, kept for cacheFor.
type cached struct {
	value   any
	fetched time.Time
}

const cacheFor = 10 * time.Minute

// NewService returns a Service; baseURL gives the public URL the
// providers send people back to.
func NewService(s Store, baseURL func() string) *Service {
	return &Service{store: s, baseURL: baseURL, client: &http.Client{Timeout: 10 * time.Second}, cache: map[string]cached{}}
}

// Claims are what a provider proved about a person.
type Claims struct {
	Provider string
	// Issuer names the provider: the SAML entity id, the JWT issuer or
	// the OIDC issuer URL.
	Issuer string
	// Subject is the provider's stable identifier of the person.
	Subject string
	// Email is set only when the provider vouches for the address.
	Email   string
	Name    string
	Phone   string
	Company string
}

// Errors a sign-in may end with. Each says nothing of what exactly was
// wrong with a token or an assertion: that is logged, not shown.
var (
	// ErrInvalid answers any token, assertion or answer that does not
	// prove who someone is.
	ErrInvalid = &apperr.Error{Kind: apperr.Unauthorized, Code: "sso_invalid",
		Message: "the single sign-on did not prove who you are; try again from the start"}
	// ErrNotConfigured answers a way of signing in the portal does not offer.
	ErrNotConfigured = apperr.E(apperr.NotFound, "not_found", "this portal does not offer this way of signing in")
	// ErrNoEmail answers a first sign-in without an address to open an
	// account with.
	ErrNoEmail = &apperr.Error{Kind: apperr.Forbidden, Code: account.ErrAccessDenied.Code,
		Message: "the identity provider gave no verified email address to open an account with"}
	// ErrAccountExists answers a first sign-in whose address belongs to
	// an account already: it is not merged by the address alone.
	ErrAccountExists = &apperr.Error{Kind: apperr.Forbidden, Code: account.ErrAccessDenied.Code,
		Message: "an account with this email address exists already; sign in with it"}
)

// invalid wraps the cause of a refused sign-in for the log, keeping the
// answer ErrInvalid.
type invalid struct{ cause error }

func (e *invalid) Error() string { return "sso: " + e.cause.Error() }

// Unwrap makes the error an ErrInvalid for apperr.
func (e *invalid) Unwrap() []error { return []error{ErrInvalid, e.cause} }

func refuse(format string, err error) error {
	if err == nil {
		return &invalid{errors.New(format)}
	}
	return &invalid{errors.Join(errors.New(format), err)}
}

// Cause is what was wrong with a refused sign-in, for the log.
func Cause(err error) string {
	var e *invalid
	if errors.As(err, &e) {
		return e.cause.Error()
	}
	return err.Error()
}

// SignIn finds or opens the account of the person c describes, for portal
// p. A known identity signs in to its account (the portal's access rules
// then apply as to any sign-in). A new one opens an account only in the
// sso_all and sso_groups modes; in sso_groups only for contacts who are in
// the portal's groups. Contacts with the provider's address and no account
// become the account's identities (in sso_groups, those in the groups);
// without any, a contact is created.
func (s *Service) SignIn(ctx context.Context, p *portal.Settings, c Claims) (*account.Account, error) {
	if c.Subject == "" || c.Issuer == "" || len(c.Subject) > 500 || len(c.Issuer) > 500 {
		return nil, refuse("no usable subject or issuer", nil)
	}
	c = cleanClaims(c)
	var id int64
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		now := s.store.Now()
		x, err := s.store.ExternalIdentity(ctx, c.Provider, c.Issuer, c.Subject)
		if err == nil {
			id = x.AccountID
			return s.store.TouchExternalIdentity(ctx, x.ID, now)
		}
		if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if !p.SSOAccess() {
			return account.ErrAccessDenied
		}
		id, err = s.open(ctx, p, c, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.store.Account(ctx, id)
}

// open opens the account of a person signing in for the first time.
func (s *Service) open(ctx context.Context, p *portal.Settings, c Claims, now time.Time) (int64, error) {
	email, ok := agent.NormalizeEmail(c.Email)
	if c.Email == "" || !ok {
		return 0, ErrNoEmail
	}
	if _, err := s.store.AccountByLogin(ctx, email); err == nil {
		return 0, ErrAccountExists
	} else if !apperr.Is(err, apperr.NotFound) {
		return 0, err
	}
	contacts, err := s.store.ContactsByEmail(ctx, email)
	if err != nil {
		return 0, err
	}
	var free []contact.Contact
	for _, ct := range contacts {
		if ct.AccountID != nil {
			// The address is another account's identity.
			return 0, ErrAccountExists
		}
		free = append(free, ct)
	}
	if p.AccessMode == portal.AccessSSOGroups {
		ids := make([]int64, len(free))
		for i, ct := range free {
			ids[i] = ct.ID
		}
		members, err := s.store.AccessGroupMembers(ctx, p.AccessGroupIDs, ids)
		if err != nil {
			return 0, err
		}
		in := map[int64]bool{}
		for _, m := range members {
			in[m] = true
		}
		var kept []contact.Contact
		for _, ct := range free {
			if in[ct.ID] {
				kept = append(kept, ct)
			}
		}
		if len(kept) == 0 {
			return 0, account.ErrAccessDenied
		}
		free = kept
	}
	if len(free) == 0 {
		ct, err := s.newContact(ctx, p, c, email)
		if err != nil {
			return 0, err
		}
		free = append(free, *ct)
	}
	name := c.Name
	if name == "" {
		name = free[0].Name()
	}
	a := &account.Account{Login: email, LoginKind: account.LoginEmail, DisplayName: name, Language: free[0].Language, VerifiedAt: &now}
	if err := s.store.CreateAccount(ctx, a); apperr.Is(err, apperr.Conflict) {
		return 0, ErrAccountExists
	} else if err != nil {
		return 0, err
	}
	for _, ct := range free {
		if err := s.store.LinkIdentity(ctx, a.ID, ct.ID); err != nil {
			return 0, err
		}
		if err := s.store.CreateEvent(ctx, &event.Event{Kind: event.AccountOpened, ContactID: &ct.ID,
			ActorType: event.ActorContact, ActorID: &ct.ID,
			Data: map[string]any{"account_id": a.ID, "via": "sso", "provider": c.Provider, "portal_id": p.ID}}); err != nil {
			return 0, err
		}
	}
	x := &ExternalIdentity{Provider: c.Provider, Issuer: c.Issuer, Subject: c.Subject, AccountID: a.ID, PortalID: p.ID,
		CreatedAt: now, LastUsedAt: now}
	if err := s.store.CreateExternalIdentity(ctx, x); err != nil {
		return 0, err
	}
	return a.ID, nil
}

// newContact creates the contact of a person the portal did not know, at
// the company the provider named (found by name, or created).
func (s *Service) newContact(ctx context.Context, p *portal.Settings, c Claims, email string) (*contact.Contact, error) {
	first, last := splitName(c.Name)
	if first == "" {
		first, _, _ = strings.Cut(email, "@")
	}
	ct := &contact.Contact{FirstName: first, LastName: last, Email: &email, Language: p.DefaultLanguage}
	if phone, ok := contact.NormalizePhone(c.Phone); c.Phone != "" && ok {
		ct.Phone = &phone
	}
	if c.Company != "" {
		id, err := s.company(ctx, c.Company)
		if err != nil {
			return nil, err
		}
		ct.CompanyID = &id
	}
	if err := s.store.CreateContact(ctx, ct); err != nil {
		return nil, err
	}
	return ct, nil
}

// company finds the company with this name, ignoring case, or creates it.
func (s *Service) company(ctx context.Context, name string) (int64, error) {
	page, err := s.store.Companies(ctx, contact.CompanyFilter{Q: name, Limit: 100})
	if err != nil {
		return 0, err
	}
	for _, co := range page.Items {
		if strings.EqualFold(co.Name, name) {
			return co.ID, nil
		}
	}
	co := &contact.Company{Name: name}
	if err := s.store.CreateCompany(ctx, co); err != nil {
		return 0, err
	}
	return co.ID, nil
}

// cleanClaims trims the descriptive claims and drops those too long or
// with control characters to show.
func cleanClaims(c Claims) Claims {
	clean := func(s string, max int) string {
		s = strings.TrimSpace(s)
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max || strings.ContainsFunc(s, unicode.IsControl) {
			return ""
		}
		return s
	}
	c.Email = clean(c.Email, 254)
	c.Name = clean(c.Name, account.MaxDisplayName)
	c.Phone = clean(c.Phone, 40)
	c.Company = clean(c.Company, 200)
	return c
}

// splitName splits a full name at its last space into first and last names.
func splitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+1:])
	}
	return name, ""
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashKey is the stored form of a request's key.
func hashKey(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}

// tokenID is the stored form of a single-use token's id: the hash of who
// issued it and the id, so that long or odd ids store alike.
func tokenID(issuer, id string) string {
	sum := sha256.Sum256([]byte(issuer + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// startRequest stores a sign-in under way with a fresh random key and
// returns the key.
func (s *Service) startRequest(ctx context.Context, r *Request, key string) error {
	now := s.store.Now()
	r.KeyHash, r.CreatedAt, r.ExpiresAt = hashKey(key), now, now.Add(RequestLifetime)
	return s.store.CreateSSORequest(ctx, r)
}

// cachedValue returns what fetch gives for key, fetching at most once
// every cacheFor.
func (s *Service) cachedValue(key string, fetch func() (any, error)) (any, error) {
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && time.Since(c.fetched) < cacheFor {
		return c.value, nil
	}
	v, err := fetch()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[key] = cached{value: v, fetched: time.Now()}
	s.mu.Unlock()
	return v, nil
}

// portalURL is the public URL of a path of portal p.
func (s *Service) portalURL(p *portal.Settings, path string) string {
	return strings.TrimSuffix(s.baseURL(), "/") + "/" + p.Slug + "/" + path
}
