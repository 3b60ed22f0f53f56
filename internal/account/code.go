package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strings"
	"time"

	"portico/internal/apperr"
)

// Purposes of verification codes.
const (
	PurposeReset        = "password_reset"
	PurposeRegistration = "registration"
)

// Rules for verification codes (SPEC P3, I1).
const (
	// CodeDigits is the length of a code.
	CodeDigits = 6
	// CodeLifetime is how long a code may be used.
	CodeLifetime = 10 * time.Minute
	// CodeTries is how many wrong codes void a code.
	CodeTries = 5
)

// Rate limits of the code flows, counted in the database so that they hold
// across instances. A window starts on a multiple of its length; the
// counters of a past window no longer matter.
const (
	// CodeWindow is the window of the sending limits.
	CodeWindow = time.Hour
	// CodesPerDestination is how many messages with a code (or in place of
	// one) one email address or phone number is sent per window.
	CodesPerDestination = 5
	// ResetRequestsPerClient is how many password reset codes one client
	// address may ask for per window, whatever the login.
	ResetRequestsPerClient = 20
	// RegistrationsPerClient is how many registrations one client address
	// may start per window.
	RegistrationsPerClient = 10
	// TryWindow is the window of the wrong-code limit.
	TryWindow = 15 * time.Minute
	// TriesPerClient is how many wrong codes one client address may send
	// per window, over every login.
	TriesPerClient = 20
)

// Code is a verification code as it is stored: only a salted hash of the
// digits is kept. AccountID is 0 for a registration, and for a code made
// for a login that has no account (see RequestPasswordReset).
type Code struct {
	ID          int64
	Purpose     string
	PortalID    int64
	AccountID   int64
	Destination string
	Hash        []byte
	Attempts    int
	// Payload is JSON the purpose needs later, such as the details of a
	// registration until its email address is confirmed.
	Payload   []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// live reports whether the code may still be tried at now.
func (c *Code) live(now time.Time) bool {
	return c.UsedAt == nil && c.Attempts < CodeTries && now.Before(c.ExpiresAt)
}

// Consent is what a person agreed to when registering in a portal: the
// notice and the checkbox label exactly as they were shown.
type Consent struct {
	ID         int64
	PortalID   int64
	ContactID  int64
	Text       string
	Label      string
	AcceptedAt time.Time
	ClientAddr string
}

// errInvalidCode is every wrong answer to a code: unknown login, wrong,
// expired, used or voided code all look the same.
var errInvalidCode = &apperr.Error{Kind: apperr.Malformed, Code: "invalid_code",
	Message: "the code is wrong or no longer valid; ask for a new one"}

// newCode returns a random code of CodeDigits digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

const codeSalt = 16

// hashCode returns a fresh salt followed by the SHA-256 of salt and code.
// Six digits are few, so the salt at least makes every row its own puzzle.
func hashCode(code string) ([]byte, error) {
	salt := make([]byte, codeSalt, codeSalt+sha256.Size)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append(salt[:codeSalt:codeSalt], code...))
	return append(salt, sum[:]...), nil
}

// dummyCodeHash is compared against when there is no code at all, so that a
// miss costs what a wrong code costs.
var dummyCodeHash, _ = hashCode("no code")

// codeMatches reports whether code is the one hash was made from, in time
// that does not depend on where they differ.
func codeMatches(hash []byte, code string) bool {
	code = normalizeCode(code)
	if len(hash) != codeSalt+sha256.Size {
		hash = dummyCodeHash
	}
	sum := sha256.Sum256(append(hash[:codeSalt:codeSalt], code...))
	ok := subtle.ConstantTimeCompare(sum[:], hash[codeSalt:]) == 1
	return ok && len(code) == CodeDigits
}

// normalizeCode drops the spaces and dashes people type into codes.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
}

// limit is one rate limit: at most max events of bucket per window.
type limit struct {
	bucket string
	max    int
	window time.Duration
}

// tooMany answers a limit that is reached.
func tooMany(retry time.Duration) error {
	return &apperr.Error{Kind: apperr.RateLimited, Code: "too_many_attempts",
		Message: "too many attempts; try again later", RetryAfter: retry}
}

// checkLimits refuses when any limit is already reached at now.
func (s *Service) checkLimits(ctx context.Context, now time.Time, limits ...limit) error {
	for _, l := range limits {
		start := now.Truncate(l.window)
		n, err := s.store.Hits(ctx, l.bucket, start)
		if err != nil {
			return err
		}
		if n >= l.max {
			return tooMany(start.Add(l.window).Sub(now))
		}
	}
	return nil
}

// hit counts one event against every limit.
func (s *Service) hit(ctx context.Context, now time.Time, limits ...limit) error {
	for _, l := range limits {
		if _, err := s.store.Hit(ctx, l.bucket, now.Truncate(l.window)); err != nil {
			return err
		}
	}
	return nil
}

// destinationLimit counts the messages sent to one address or number.
func destinationLimit(dest string) limit {
	return limit{"code:to:" + dest, CodesPerDestination, CodeWindow}
}

// triesLimit counts one client's wrong codes.
func triesLimit(addr string) limit {
	return limit{"code:tries:" + addr, TriesPerClient, TryWindow}
}

// issueCode voids the earlier codes of c's purpose and destination (a newer
// code replaces them) and stores c with a fresh code, which it returns.
// It runs inside the caller's transaction.
func (s *Service) issueCode(ctx context.Context, c *Code) (string, error) {
	code, err := newCode()
	if err != nil {
		return "", err
	}
	if c.Hash, err = hashCode(code); err != nil {
		return "", err
	}
	now := s.store.Now()
	c.ExpiresAt = now.Add(CodeLifetime)
	if err := s.store.VoidCodes(ctx, c.Purpose, c.Destination); err != nil {
		return "", err
	}
	if err := s.store.CreateCode(ctx, c); err != nil {
		return "", err
	}
	return code, nil
}

// checkCode finds the newest code of purpose for dest and compares code
// with it. A wrong code counts against the code and against the client.
// ok reports whether c may be used; c is nil when there is none. The work
// done is the same whether or not a code exists.
func (s *Service) checkCode(ctx context.Context, now time.Time, purpose, dest, code, addr string) (c *Code, ok bool, err error) {
	tries := triesLimit(addr)
	if err := s.checkLimits(ctx, now, tries); err != nil {
		return nil, false, err
	}
	c, err = s.store.LatestCode(ctx, purpose, dest)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, false, err
	}
	hash, id := dummyCodeHash, int64(0)
	if c != nil && c.live(now) {
		hash, id = c.Hash, c.ID
	}
	if codeMatches(hash, code) && id != 0 {
		return c, true, nil
	}
	// With id 0 this touches no row: the same statement either way.
	if err := s.store.MissCode(ctx, id); err != nil {
		return nil, false, err
	}
	return c, false, s.hit(ctx, now, tries)
}
