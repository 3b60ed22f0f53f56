// Package auth signs people in and keeps their sessions: customers in a
// portal (acting as one of their identities) and agents at the desk.
// Sessions are server-side rows found by the SHA-256 of a 256-bit random
// token that only the browser holds.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/password"
	"portico/internal/portal"
)

// Session kinds.
const (
	KindCustomer = "customer"
	KindAgent    = "agent"
)

// Lifetimes. A customer session also ends after the portal's idle timeout.
const (
	CustomerLifetime = 12 * time.Hour
	AgentIdle        = 2 * time.Hour
	AgentLifetime    = 12 * time.Hour
	// touchEvery limits how often a session's last-seen time is written,
	// so that reading pages does not turn into a stream of writes.
	touchEvery = time.Minute
)

// Limits on failed sign-ins, counted in the database so that they hold
// across instances. Windows expire, so the real owner is never locked out
// for good.
const (
	FailWindow     = 15 * time.Minute
	FailsPerLogin  = 5
	FailsPerClient = 20
)

// Session is a signed-in browser.
type Session struct {
	ID              int64
	Kind            string
	PortalID        int64
	AccountID       int64
	ActiveContactID int64 // 0 when the account has no usable identity
	AgentID         int64
	CreatedAt       time.Time
	LastSeenAt      time.Time
	ExpiresAt       time.Time
}

// Client describes where a request came from.
type Client struct {
	Addr      string
	UserAgent string
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Now() time.Time
	Account(ctx context.Context, id int64) (*account.Account, error)
	AccountByLogin(ctx context.Context, login string) (*account.Account, error)
	AgentByEmail(ctx context.Context, email string) (*agent.Agent, error)
	CreateSession(ctx context.Context, s *Session, tokenHash []byte, c Client) error
	SessionByToken(ctx context.Context, tokenHash []byte) (*Session, error)
	// AccountSessionByToken is SessionByToken with the session's account
	// and its identities; a session without an account is not found.
	AccountSessionByToken(ctx context.Context, tokenHash []byte) (*Session, *account.Account, error)
	TouchSession(ctx context.Context, id int64, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// Hit counts one event in bucket's current window and returns the
	// count so far.
	Hit(ctx context.Context, bucket string, window time.Time) (int, error)
	// Hits returns the count of bucket's current window without adding.
	Hits(ctx context.Context, bucket string, window time.Time) (int, error)
	// SetPassword stores a new password hash; the account no longer has
	// to change its password.
	SetPassword(ctx context.Context, accountID int64, hash string) error
	// DeleteAccountSessions ends every session of an account except the
	// one whose token hash is keep (nil for none).
	DeleteAccountSessions(ctx context.Context, accountID int64, keep []byte) error
	account.Members
}

// Service signs people in and checks sessions.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

var errInvalid = &apperr.Error{Kind: apperr.Unauthorized, Code: "invalid_credentials", Message: "the login or password is incorrect"}

// newToken returns a fresh token and the hash that is stored.
func newToken() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok), nil
}

func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// window is the start of the current rate-limit window.
func window(now time.Time) time.Time { return now.Truncate(FailWindow) }

// checkLimits refuses when either bucket is over its limit in the current
// window.
func (s *Service) checkLimits(ctx context.Context, now time.Time, buckets map[string]int) error {
	for bucket, limit := range buckets {
		n, err := s.store.Hits(ctx, bucket, window(now))
		if err != nil {
			return err
		}
		if n >= limit {
			return &apperr.Error{Kind: apperr.RateLimited, Code: "too_many_attempts",
				Message:    "too many failed sign-ins; try again later",
				RetryAfter: window(now).Add(FailWindow).Sub(now)}
		}
	}
	return nil
}

func (s *Service) fail(ctx context.Context, now time.Time, buckets map[string]int) error {
	for bucket := range buckets {
		if _, err := s.store.Hit(ctx, bucket, window(now)); err != nil {
			return err
		}
	}
	return errInvalid
}

// SignInCustomer checks a customer's login (email or phone) and password
// for portal p and opens a session acting as the account's first identity
// that may act there. Every wrong credential gives the same error, and
// takes as long; only the holder of the right password learns that the
// account may not use the portal (account.ErrAccessDenied).
func (s *Service) SignInCustomer(ctx context.Context, p *portal.Settings, login, pw string, c Client) (*Session, string, error) {
	norm, _, ok := account.NormalizeLogin(login)
	if !ok {
		norm = login
	}
	var a *account.Account
	now, err := s.checkPassword(ctx, "signin", norm, pw, c, func() (string, bool, error) {
		var err error
		a, err = s.store.AccountByLogin(ctx, norm)
		if err != nil {
			return "", false, err
		}
		return a.PasswordHash, !a.Locked && len(a.Identities) > 0, nil
	})
	if err != nil {
		return nil, "", err
	}
	return s.openCustomer(ctx, p, a, now, c)
}

// SignInVerified opens a session in portal p for account a, whose holder
// proved who they are without a password, such as with the code that
// confirmed their registration.
func (s *Service) SignInVerified(ctx context.Context, p *portal.Settings, a *account.Account, c Client) (*Session, string, error) {
	if a.Locked || len(a.Identities) == 0 {
		return nil, "", errInvalid
	}
	return s.openCustomer(ctx, p, a, s.store.Now(), c)
}

// openCustomer opens a session in portal p for a, acting as its first
// identity that may act there.
func (s *Service) openCustomer(ctx context.Context, p *portal.Settings, a *account.Account, now time.Time, c Client) (*Session, string, error) {
	ids, err := account.UsableIdentities(ctx, s.store, p, a)
	if err != nil {
		return nil, "", err
	}
	if len(ids) == 0 {
		return nil, "", account.ErrAccessDenied
	}
	return s.open(ctx, &Session{Kind: KindCustomer, PortalID: p.ID, AccountID: a.ID, ActiveContactID: ids[0].ContactID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(CustomerLifetime)}, c)
}

// SignInAgent checks an agent's email and password and opens a desk session.
func (s *Service) SignInAgent(ctx context.Context, email, pw string, c Client) (*Session, string, error) {
	norm, ok := agent.NormalizeEmail(email)
	if !ok {
		norm = email
	}
	var a *agent.Agent
	now, err := s.checkPassword(ctx, "desk", norm, pw, c, func() (string, bool, error) {
		var err error
		a, err = s.store.AgentByEmail(ctx, norm)
		if err != nil {
			return "", false, err
		}
		return a.PasswordHash, !a.Locked, nil
	})
	if err != nil {
		return nil, "", err
	}
	return s.open(ctx, &Session{Kind: KindAgent, AgentID: a.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AgentLifetime)}, c)
}

// checkPassword is what both sign-ins share: the rate limits per login and
// per client address, the lookup (find answers NotFound when nobody has the
// login, and whether a found person may sign in at all) and the password
// check, which costs the same whether or not the login exists.
func (s *Service) checkPassword(ctx context.Context, realm, login, pw string, c Client, find func() (hash string, usable bool, err error)) (time.Time, error) {
	now := s.store.Now()
	buckets := failBuckets(realm, login, c)
	if err := s.checkLimits(ctx, now, buckets); err != nil {
		return now, err
	}
	hash, usable, err := find()
	if apperr.Is(err, apperr.NotFound) {
		password.VerifyAbsent(pw)
		return now, s.fail(ctx, now, buckets)
	}
	if err != nil {
		return now, err
	}
	if hash == "" {
		// An account waiting for its first password: nothing matches,
		// at the cost of a check.
		password.VerifyAbsent(pw)
		return now, s.fail(ctx, now, buckets)
	}
	if !password.Verify(hash, pw) || !usable {
		return now, s.fail(ctx, now, buckets)
	}
	return now, nil
}

// failBuckets are the counters of failed sign-ins of realm: per login and
// per client address.
func failBuckets(realm, login string, c Client) map[string]int {
	return map[string]int{realm + ":login:" + login: FailsPerLogin, realm + ":addr:" + c.Addr: FailsPerClient}
}

// PasswordChange is a signed-in customer's new password (SPEC P4).
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangePassword sets a new password for the account of the customer
// session of token. The current password is required, and a wrong one
// counts as a failed sign-in of the account's login, under the same
// limits. Every other session of the account ends; this one stays. The
// same call ends the demand to change the password (SPEC I3).
func (s *Service) ChangePassword(ctx context.Context, token string, in PasswordChange, c Client) error {
	sess, err := s.store.SessionByToken(ctx, hashToken(token))
	if apperr.Is(err, apperr.NotFound) || err == nil && sess.Kind != KindCustomer {
		return errNoSession
	}
	if err != nil {
		return err
	}
	a, err := s.store.Account(ctx, sess.AccountID)
	if err != nil {
		return err
	}
	now := s.store.Now()
	buckets := failBuckets("signin", a.Login, c)
	if err := s.checkLimits(ctx, now, buckets); err != nil {
		return err
	}
	v := apperr.Validation{}
	if !password.Verify(a.PasswordHash, in.CurrentPassword) {
		if err := s.fail(ctx, now, buckets); !apperr.Is(err, apperr.Unauthorized) {
			return err
		}
		v.Add("current_password", "is not correct")
	} else if in.NewPassword == in.CurrentPassword {
		v.Add("new_password", "must differ from the current password")
	}
	if problem := password.Check(in.NewPassword); problem != "" {
		v.Add("new_password", problem)
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := password.Hash(in.NewPassword)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, a.ID, hash); err != nil {
			return err
		}
		return s.store.DeleteAccountSessions(ctx, a.ID, hashToken(token))
	})
}

// open stores a new session and returns it with its token.
func (s *Service) open(ctx context.Context, sess *Session, c Client) (*Session, string, error) {
	tok, hash, err := newToken()
	if err != nil {
		return nil, "", err
	}
	if err := s.store.CreateSession(ctx, sess, hash, c); err != nil {
		return nil, "", err
	}
	return sess, tok, nil
}

var errNoSession = &apperr.Error{Kind: apperr.Unauthorized, Code: "not_signed_in", Message: "please sign in"}

// Session returns the live session of token, of the given kind. idle is
// how long it may go unused (the portal's idle timeout for customers). An
// expired session is deleted and reported as not signed in.
func (s *Service) Session(ctx context.Context, token, kind string, idle time.Duration) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, errNoSession
	}
	hash := hashToken(token)
	sess, err := s.store.SessionByToken(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return nil, errNoSession
	}
	if err == nil {
		err = s.live(ctx, hash, sess, kind, idle)
	}
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// CustomerSession is Session for a customer, with the session's account
// and the account's identities, read together.
func (s *Service) CustomerSession(ctx context.Context, token string, idle time.Duration) (*Session, *account.Account, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, errNoSession
	}
	hash := hashToken(token)
	sess, a, err := s.store.AccountSessionByToken(ctx, hash)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, errNoSession
	}
	if err == nil {
		err = s.live(ctx, hash, sess, KindCustomer, idle)
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, a, nil
}

// live checks that sess, read by the hash of its token, is of the given
// kind and neither expired nor idle for idle, and records that it was
// used. An expired session is deleted and reported as not signed in, as
// is a session not found.
func (s *Service) live(ctx context.Context, hash []byte, sess *Session, kind string, idle time.Duration) error {
	if kind == KindAgent {
		idle = AgentIdle
	}
	now := s.store.Now()
	if sess.Kind != kind || !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= idle {
		if sess.Kind == kind {
			if err := s.store.DeleteSession(ctx, hash); err != nil {
				return err
			}
		}
		return errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			return err
		}
		sess.LastSeenAt = now
	}
	return nil
}

// SignOut ends the session of token; an unknown token is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, hashToken(token))
}

// SwitchIdentity replaces a customer session of portal p by a new one
// acting as contactID, which must be one of the account's identities that
// may act in p. The old token stops working.
func (s *Service) SwitchIdentity(ctx context.Context, p *portal.Settings, token string, contactID int64, c Client) (*Session, string, error) {
	var out *Session
	var tok string
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.SessionByToken(ctx, hashToken(token))
		if err != nil || old.Kind != KindCustomer || old.PortalID != p.ID {
			return errNoSession
		}
		a, err := s.store.Account(ctx, old.AccountID)
		if err != nil {
			return err
		}
		ids, err := account.UsableIdentities(ctx, s.store, p, a)
		if err != nil {
			return err
		}
		linked := false
		for _, id := range ids {
			linked = linked || id.ContactID == contactID
		}
		if !linked {
			return apperr.NotFoundf("identity")
		}
		now := s.store.Now()
		next := *old
		next.ActiveContactID, next.LastSeenAt = contactID, now
		var hash []byte
		if tok, hash, err = newToken(); err != nil {
			return err
		}
		if err := s.store.DeleteSession(ctx, hashToken(token)); err != nil {
			return err
		}
		if err := s.store.CreateSession(ctx, &next, hash, c); err != nil {
			return err
		}
		out = &next
		return nil
	})
	return out, tok, err
}
