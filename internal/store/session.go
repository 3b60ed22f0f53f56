package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/auth"
)

// CreateSession stores a session under the hash of its token.
func (db *DB) CreateSession(ctx context.Context, s *auth.Session, tokenHash []byte, c auth.Client) error {
	id, err := db.insert(ctx, `INSERT INTO sessions (token_hash, kind, portal_id, account_id, active_contact_id, agent_id,
		client_addr, user_agent, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tokenHash, s.Kind, zeroNull(s.PortalID), zeroNull(s.AccountID), zeroNull(s.ActiveContactID), zeroNull(s.AgentID),
		truncate(c.Addr, 100), truncate(c.UserAgent, 300), s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	if err != nil {
		return err
	}
	s.ID = id
	return nil
}

// SessionByToken finds a session by its token's hash.
func (db *DB) SessionByToken(ctx context.Context, tokenHash []byte) (*auth.Session, error) {
	var s auth.Session
	dest, done := sessionDest(&s)
	if err := db.queryRow(ctx, "SELECT "+sessionColumns+" FROM sessions s WHERE s.token_hash = ?", tokenHash).Scan(dest...); err != nil {
		return nil, notFound(err, "session")
	}
	done()
	return &s, nil
}

// sessionColumns are a session's columns as scanSession reads them.
const sessionColumns = "s.id, s.kind, s.portal_id, s.account_id, s.active_contact_id, s.agent_id, s.created_at, s.last_seen_at, s.expires_at"

// sessionDest are the destinations of sessionColumns; done finishes s
// once they are read.
func sessionDest(s *auth.Session) (dest []any, done func()) {
	var portalID, accountID, contactID, agentID *int64
	return []any{&s.ID, &s.Kind, nullInt64{&portalID}, nullInt64{&accountID}, nullInt64{&contactID}, nullInt64{&agentID},
			timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt}}, func() {
			s.PortalID, s.AccountID, s.ActiveContactID, s.AgentID = deref(portalID), deref(accountID), deref(contactID), deref(agentID)
		}
}

// AccountSessionByToken returns the session whose token hashes to
// tokenHash with its account and the account's identities: every
// signed-in customer request reads both. On SQLite the account is kept
// (viewCache) while its version reads the same, and read with the session
// otherwise; on PostgreSQL both come from one query.
func (db *DB) AccountSessionByToken(ctx context.Context, tokenHash []byte) (*auth.Session, *account.Account, error) {
	if db.views != nil && cacheable(ctx) {
		return db.keptAccountSession(ctx, tokenHash)
	}
	var s auth.Session
	var done func()
	a, err := db.readAccount(ctx, sessionColumns+", ", "sessions s JOIN accounts a ON a.id = s.account_id", "s.token_hash = ?", tokenHash,
		func() []any {
			var dest []any
			dest, done = sessionDest(&s)
			return dest
		})
	if err != nil {
		return nil, nil, err
	}
	if a == nil {
		return nil, nil, apperr.NotFoundf("session")
	}
	done()
	return &s, a, nil
}

// keptAccountSession reads the session of tokenHash with the version of
// its account, and the account from viewCache when it was kept at that
// version, else from the tables, to keep.
func (db *DB) keptAccountSession(ctx context.Context, tokenHash []byte) (*auth.Session, *account.Account, error) {
	var s auth.Session
	var version int64
	dest, done := sessionDest(&s)
	err := db.queryRow(ctx, "SELECT "+sessionColumns+", COALESCE((SELECT v FROM view_versions WHERE key = s.account_id * 4 + 3), 0)"+
		" FROM sessions s WHERE s.token_hash = ?", tokenHash).Scan(append(dest, &version)...)
	if err != nil {
		return nil, nil, notFound(err, "session")
	}
	done()
	if e, ok := db.views.accounts.get(s.AccountID); ok && e.version == version {
		a := e.a
		a.Identities = slices.Clone(a.Identities)
		return &s, &a, nil
	}
	a, err := db.Account(ctx, s.AccountID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil, apperr.NotFoundf("session")
	}
	if err != nil {
		return nil, nil, err
	}
	keep := *a
	keep.Identities = slices.Clone(a.Identities)
	db.views.accounts.put(s.AccountID, accountEntry{version: version, a: keep}, maxAccounts)
	return &s, a, nil
}

// TouchSession records that a session was used.
func (db *DB) TouchSession(ctx context.Context, id int64, at time.Time) error {
	_, err := db.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", at, id)
	return err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return err
}

// DeleteAccountSessions ends every session of an account, except keep
// (a token hash, or nil).
func (db *DB) DeleteAccountSessions(ctx context.Context, accountID int64, keep []byte) error {
	if keep == nil {
		keep = []byte{}
	}
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?", accountID, keep)
	return err
}

// Hit counts one event in a rate-limit bucket's window and returns the
// count; the upsert makes concurrent hits from several instances add up.
func (db *DB) Hit(ctx context.Context, bucket string, window time.Time) (int, error) {
	var n int
	err := db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(`INSERT INTO rate_limits (bucket, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`), truncate(bucket, 300), window).Scan(&n)
	return n, db.dialect.translate(err)
}

// Hits returns a bucket's count in a window.
func (db *DB) Hits(ctx context.Context, bucket string, window time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, "SELECT COALESCE(SUM(count), 0) FROM rate_limits WHERE bucket = ? AND window_start = ?", truncate(bucket, 300), window).Scan(&n)
	return n, err
}

// rateWindowsKept is how long a rate-limit window is kept after it
// started: the longest window is an hour (account.CodeWindow).
const rateWindowsKept = 24 * time.Hour

// DeleteExpired removes what can no longer matter at before: sessions,
// used tokens and single sign-ins under way that expired, and rate-limit
// windows that started rateWindowsKept earlier.
func (db *DB) DeleteExpired(ctx context.Context, before time.Time) error {
	for _, q := range []struct {
		sql string
		at  time.Time
	}{
		{"DELETE FROM sessions WHERE expires_at < ?", before},
		{"DELETE FROM rate_limits WHERE window_start < ?", before.Add(-rateWindowsKept)},
		{"DELETE FROM used_tokens WHERE expires_at < ?", before},
		{"DELETE FROM sso_requests WHERE expires_at < ?", before},
	} {
		if _, err := db.exec(ctx, q.sql, q.at); err != nil {
			return err
		}
	}
	return nil
}

func zeroNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
