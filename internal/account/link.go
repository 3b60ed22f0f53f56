package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/password"
	"portico/internal/portal"
)

// Purposes of one-time links, kept with the verification codes.
const (
	// PurposeInvitation lets a member of an access group who has no
	// account yet open one by choosing a password (SPEC I2).
	PurposeInvitation = "invitation"
	// PurposeSetPassword lets the holder of an account an agent opened
	// without a password choose one (SPEC I3).
	PurposeSetPassword = "set_password"
)

// LinkLifetime is how long an invitation or set-password link may be used.
const LinkLifetime = 7 * 24 * time.Hour

// errInvalidLink is every wrong answer to a link: unknown, altered,
// expired, used or replaced by a newer one.
var errInvalidLink = &apperr.Error{Kind: apperr.Malformed, Code: "invalid_link",
	Message: "this link is not valid: it has expired, was used already or was replaced by a newer one"}

// Link is what a one-time link is for, as the page it leads to shows it.
type Link struct {
	Purpose string
	// Login is the login whose password the link sets.
	Login string
}

// LinkPasswordInput chooses a password with a link from an invitation or
// from an account an agent opened.
type LinkPasswordInput struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// linkPayload is what a link keeps until it is used.
type linkPayload struct {
	// ContactID is the invited contact.
	ContactID int64 `json:"contact_id,omitempty"`
	// Login is where the link was sent, and what it sets a password for.
	Login string `json:"login"`
}

// linkSecretBytes is the size of a link's secret: far too many bits to
// guess, so a link needs no count of wrong tries of its own.
const linkSecretBytes = 32

// issueLink voids the earlier links of c's purpose and destination, stores
// c as a link valid for LinkLifetime and returns its token: the row's id
// and a secret, of which only the SHA-256 is kept. It runs inside the
// caller's transaction.
func (s *Service) issueLink(ctx context.Context, c *Code) (string, error) {
	b := make([]byte, linkSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	c.Hash = sum[:]
	c.ExpiresAt = s.store.Now().Add(LinkLifetime)
	if err := s.store.VoidCodes(ctx, c.Purpose, c.Destination); err != nil {
		return "", err
	}
	if err := s.store.CreateCode(ctx, c); err != nil {
		return "", err
	}
	return strconv.FormatInt(c.ID, 10) + "." + secret, nil
}

// checkLink finds the live link of token for portal p. A wrong token counts
// against the client, as a wrong code does.
func (s *Service) checkLink(ctx context.Context, p *portal.Settings, token, addr string) (*Code, *linkPayload, error) {
	now := s.store.Now()
	tries := triesLimit(addr)
	if err := s.checkLimits(ctx, now, tries); err != nil {
		return nil, nil, err
	}
	idText, secret, _ := strings.Cut(strings.TrimSpace(token), ".")
	var c *Code
	if id, err := strconv.ParseInt(idText, 10, 64); err == nil && id > 0 && secret != "" {
		c, err = s.store.Code(ctx, id)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, nil, err
		}
	}
	sum := sha256.Sum256([]byte(secret))
	ok := c != nil && (c.Purpose == PurposeInvitation || c.Purpose == PurposeSetPassword) && c.PortalID == p.ID &&
		subtle.ConstantTimeCompare(sum[:], c.Hash) == 1 && c.live(now)
	var pl linkPayload
	if ok {
		if err := json.Unmarshal(c.Payload, &pl); err != nil {
			return nil, nil, fmt.Errorf("account: payload of link %d: %w", c.ID, err)
		}
		return c, &pl, nil
	}
	if err := s.hit(ctx, now, tries); err != nil {
		return nil, nil, err
	}
	return nil, nil, errInvalidLink
}

// InspectLink tells what a link of portal p is for, without using it, so
// that its page can say whose password it sets. addr is the client's
// address, for the limit on wrong tries.
func (s *Service) InspectLink(ctx context.Context, p *portal.Settings, token, addr string) (*Link, error) {
	c, pl, err := s.checkLink(ctx, p, token, addr)
	if err != nil {
		return nil, err
	}
	return &Link{Purpose: c.Purpose, Login: pl.Login}, nil
}

// SetPasswordWithLink chooses a password with a link (SPEC I2, I3) and
// returns the account to sign in. An invitation opens the contact's
// account, or adds the contact to the account that already has its login
// as another identity; a set-password link sets the first password of an
// account an agent opened. Either way the account's other sessions end and
// the link is used up. An account that may not use portal p gets
// ErrAccessDenied, and the link stays as it was.
func (s *Service) SetPasswordWithLink(ctx context.Context, p *portal.Settings, in LinkPasswordInput, addr string) (*Account, error) {
	v := apperr.Validation{}
	if strings.TrimSpace(in.Token) == "" {
		v.Add("token", "is required")
	}
	if problem := password.Check(in.NewPassword); problem != "" {
		v.Add("new_password", problem)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, pl, err := s.checkLink(ctx, p, in.Token, addr)
	if err != nil {
		return nil, err
	}
	hash, err := password.Hash(in.NewPassword)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseCode(ctx, c.ID); apperr.Is(err, apperr.NotFound) {
			return errInvalidLink // used by a request that came first
		} else if err != nil {
			return err
		}
		var err error
		if c.Purpose == PurposeInvitation {
			id, err = s.acceptInvitation(ctx, p, pl, hash)
		} else {
			id, err = s.setFirstPassword(ctx, p, c.AccountID, hash)
		}
		if err != nil {
			return err
		}
		return s.store.DeleteAccountSessions(ctx, id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Account(ctx, id)
}

// acceptInvitation opens the invited contact's account with the password
// hash, or links the contact to the account that has its login already and
// sets its password: the link reached the holder of that login, which
// proves as much as a password reset does, and the holder is told as after
// a reset.
func (s *Service) acceptInvitation(ctx context.Context, p *portal.Settings, pl *linkPayload, hash string) (int64, error) {
	c, err := s.store.Contact(ctx, pl.ContactID)
	if apperr.Is(err, apperr.NotFound) {
		return 0, errInvalidLink
	}
	if err != nil {
		return 0, err
	}
	login, kind, ok := contactLogin(c)
	// A contact with an account, or whose address changed since the
	// invitation was sent, is no longer the one invited.
	if c.AccountID != nil || !ok || login != pl.Login {
		return 0, errInvalidLink
	}
	if ok, err := s.contactMayUse(ctx, p, c.ID); err != nil {
		return 0, err
	} else if !ok {
		return 0, ErrAccessDenied
	}
	data := map[string]any{"via": "invitation", "portal_id": p.ID}
	existing, err := s.store.AccountByLogin(ctx, login)
	switch {
	case err == nil:
		if existing.Locked {
			return 0, ErrAccessDenied
		}
		if err := s.store.LinkIdentity(ctx, existing.ID, c.ID); err != nil {
			return 0, err
		}
		if err := s.store.SetPassword(ctx, existing.ID, hash); err != nil {
			return 0, err
		}
		// As after a reset: the holder hears that the password changed.
		if s.writer == nil {
			return 0, errNoWriter
		}
		m := Message{Kind: MessagePasswordChanged, Language: language(p, existing), Portal: p.Name, Name: greeting(existing),
			Link: s.link(p, "password/forgot")}
		if err := s.store.CreateDelivery(ctx, compose(s.writer, m, existing.Login, "password-changed-"+randomKey())); err != nil {
			return 0, err
		}
		data["account_id"] = existing.ID
		return existing.ID, s.store.CreateEvent(ctx, &event.Event{Kind: event.IdentityLinked, ContactID: &c.ID,
			ActorType: event.ActorContact, ActorID: &c.ID, Data: data})
	case !apperr.Is(err, apperr.NotFound):
		return 0, err
	}
	now := s.store.Now()
	a := &Account{Login: login, LoginKind: kind, PasswordHash: hash, DisplayName: c.Name(), Language: c.Language, VerifiedAt: &now}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		return 0, err
	}
	if err := s.store.LinkIdentity(ctx, a.ID, c.ID); err != nil {
		return 0, err
	}
	data["account_id"] = a.ID
	return a.ID, s.store.CreateEvent(ctx, &event.Event{Kind: event.AccountOpened, ContactID: &c.ID,
		ActorType: event.ActorContact, ActorID: &c.ID, Data: data})
}

// setFirstPassword gives the account an agent opened its password.
func (s *Service) setFirstPassword(ctx context.Context, p *portal.Settings, accountID int64, hash string) (int64, error) {
	a, err := s.store.Account(ctx, accountID)
	if apperr.Is(err, apperr.NotFound) {
		return 0, errInvalidLink
	}
	if err != nil {
		return 0, err
	}
	if ok, err := s.mayUse(ctx, p, a); err != nil {
		return 0, err
	} else if !ok {
		return 0, ErrAccessDenied
	}
	return a.ID, s.store.SetPassword(ctx, a.ID, hash)
}

// contactLogin is the login an account of c has: its email address, or
// else its phone number.
func contactLogin(c *contact.Contact) (login, kind string, ok bool) {
	switch {
	case c.Email != nil && *c.Email != "":
		return NormalizeLogin(*c.Email)
	case c.Phone != nil && *c.Phone != "":
		return NormalizeLogin(*c.Phone)
	}
	return "", "", false
}

// contactLanguage is the language to write to c in: the contact's, else
// the portal's default.
func contactLanguage(p *portal.Settings, c *contact.Contact) string {
	if contact.ValidLanguage(c.Language) {
		return c.Language
	}
	return p.DefaultLanguage
}
