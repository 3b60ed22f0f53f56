package store

import (
	"context"
	"errors"
	"time"

	"portico/internal/apperr"
	"portico/internal/sso"
)

// ExternalIdentity finds the identity a provider's subject signs in with.
func (db *DB) ExternalIdentity(ctx context.Context, provider, issuer, subject string) (*sso.ExternalIdentity, error) {
	var x sso.ExternalIdentity
	var portalID *int64
	err := db.queryRow(ctx, `SELECT id, provider, issuer, subject, account_id, portal_id, created_at, last_used_at
		FROM external_identities WHERE provider = ? AND issuer = ? AND subject = ?`, provider, issuer, subject).
		Scan(&x.ID, &x.Provider, &x.Issuer, &x.Subject, &x.AccountID, nullInt64{&portalID}, timeCol{&x.CreatedAt}, timeCol{&x.LastUsedAt})
	if err != nil {
		return nil, notFound(err, "external identity")
	}
	x.PortalID = deref(portalID)
	return &x, nil
}

// CreateExternalIdentity stores a new identity; a subject the provider
// has linked already is a conflict.
func (db *DB) CreateExternalIdentity(ctx context.Context, x *sso.ExternalIdentity) error {
	id, err := db.insert(ctx, `INSERT INTO external_identities (provider, issuer, subject, account_id, portal_id, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, x.Provider, x.Issuer, x.Subject, x.AccountID, zeroNull(x.PortalID), x.CreatedAt, x.LastUsedAt)
	switch {
	case errors.Is(err, errUnique):
		return &apperr.Error{Kind: apperr.Conflict, Code: "identity_linked", Message: "this sign-in is linked to an account already"}
	case errors.Is(err, errForeignKey):
		return apperr.NotFoundf("account")
	case err != nil:
		return err
	}
	x.ID = id
	return nil
}

// TouchExternalIdentity records a sign-in with an identity.
func (db *DB) TouchExternalIdentity(ctx context.Context, id int64, at time.Time) error {
	_, err := db.exec(ctx, "UPDATE external_identities SET last_used_at = ? WHERE id = ?", at, id)
	return err
}

// ExternalIdentities lists the identities an account signs in with.
func (db *DB) ExternalIdentities(ctx context.Context, accountID int64) ([]sso.ExternalIdentity, error) {
	rows, err := db.query(ctx, `SELECT id, provider, issuer, subject, account_id, portal_id, created_at, last_used_at
		FROM external_identities WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []sso.ExternalIdentity{}
	for rows.Next() {
		var x sso.ExternalIdentity
		var portalID *int64
		if err := rows.Scan(&x.ID, &x.Provider, &x.Issuer, &x.Subject, &x.AccountID, nullInt64{&portalID},
			timeCol{&x.CreatedAt}, timeCol{&x.LastUsedAt}); err != nil {
			return nil, err
		}
		x.PortalID = deref(portalID)
		out = append(out, x)
	}
	return out, rows.Err()
}

// UseToken records a single-use token until it expires. The insert either
// adds the row or finds it there, atomically on both engines, so that two
// instances receiving the same token at once accept it once.
func (db *DB) UseToken(ctx context.Context, kind, id string, expires time.Time) error {
	res, err := db.exec(ctx, `INSERT INTO used_tokens (kind, token_id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (kind, token_id) DO NOTHING`, kind, id, expires.UTC())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &apperr.Error{Kind: apperr.Conflict, Code: "token_used", Message: "this token was used already"}
	}
	return nil
}

// CreateSSORequest stores a sign-in under way.
func (db *DB) CreateSSORequest(ctx context.Context, r *sso.Request) error {
	_, err := db.exec(ctx, `INSERT INTO sso_requests (key_hash, portal_id, provider, nonce, verifier, next, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.KeyHash, r.PortalID, r.Provider, r.Nonce, r.Verifier, r.Next, r.CreatedAt, r.ExpiresAt)
	return err
}

// TakeSSORequest deletes and returns a live sign-in under way: the delete
// is what makes it single-use across instances.
func (db *DB) TakeSSORequest(ctx context.Context, portalID int64, provider string, keyHash []byte) (*sso.Request, error) {
	var r sso.Request
	err := db.InTx(ctx, func(ctx context.Context) error {
		return db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(`DELETE FROM sso_requests
			WHERE key_hash = ? AND portal_id = ? AND provider = ? AND expires_at > ?
			RETURNING key_hash, portal_id, provider, nonce, verifier, next, created_at, expires_at`),
			keyHash, portalID, provider, db.Now()).
			Scan(&r.KeyHash, &r.PortalID, &r.Provider, &r.Nonce, &r.Verifier, &r.Next, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt})
	})
	if err != nil {
		return nil, notFound(db.dialect.translate(err), "sign-in request")
	}
	return &r, nil
}

// SessionCount counts the sessions of a kind ("customer" or "agent"),
// live or not yet swept.
func (db *DB) SessionCount(ctx context.Context, kind string) (int, error) {
	var n int
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM sessions WHERE kind = ?", kind).Scan(&n)
	return n, err
}
