package store

import (
	"context"
	"time"

	"portico/internal/account"
)

// codeKeep is how long used and expired codes stay before the next code
// for the same destination clears them away.
const codeKeep = 24 * time.Hour

// CreateCode stores a verification code. Codes of the same purpose and
// destination that ended over a day ago are removed on the way.
func (db *DB) CreateCode(ctx context.Context, c *account.Code) error {
	now := db.Now()
	if _, err := db.exec(ctx, "DELETE FROM verification_codes WHERE purpose = ? AND destination = ? AND expires_at < ?",
		c.Purpose, c.Destination, now.Add(-codeKeep)); err != nil {
		return err
	}
	payload := string(c.Payload)
	if payload == "" {
		payload = "{}"
	}
	id, err := db.insert(ctx, `INSERT INTO verification_codes (purpose, portal_id, account_id, destination, code_hash, attempts, payload,
		created_at, expires_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		c.Purpose, zeroNull(c.PortalID), zeroNull(c.AccountID), c.Destination, c.Hash, payload, now, c.ExpiresAt.UTC())
	if err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.Attempts, c.UsedAt = id, now, 0, nil
	return nil
}

// VoidCodes marks the unused codes of a purpose and destination used.
func (db *DB) VoidCodes(ctx context.Context, purpose, destination string) error {
	_, err := db.exec(ctx, "UPDATE verification_codes SET used_at = ? WHERE purpose = ? AND destination = ? AND used_at IS NULL",
		db.Now(), purpose, destination)
	return err
}

const codeColumns = `id, purpose, portal_id, account_id, destination, code_hash, attempts, payload, created_at, expires_at, used_at`

func scanCode(row interface{ Scan(...any) error }) (*account.Code, error) {
	var c account.Code
	var portalID, accountID *int64
	var payload []byte
	if err := row.Scan(&c.ID, &c.Purpose, nullInt64{&portalID}, nullInt64{&accountID}, &c.Destination, &c.Hash, &c.Attempts, &payload,
		timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, nullTime{&c.UsedAt}); err != nil {
		return nil, notFound(err, "code")
	}
	c.PortalID, c.AccountID, c.Payload = deref(portalID), deref(accountID), payload
	return &c, nil
}

// LatestCode returns the newest unused code of a purpose and destination.
func (db *DB) LatestCode(ctx context.Context, purpose, destination string) (*account.Code, error) {
	return scanCode(db.queryRow(ctx, "SELECT "+codeColumns+` FROM verification_codes
		WHERE purpose = ? AND destination = ? AND used_at IS NULL ORDER BY id DESC LIMIT 1`, purpose, destination))
}

// Code returns the code or link with this id, used or not.
func (db *DB) Code(ctx context.Context, id int64) (*account.Code, error) {
	return scanCode(db.queryRow(ctx, "SELECT "+codeColumns+" FROM verification_codes WHERE id = ?", id))
}

// MissCode counts a wrong try of a code.
func (db *DB) MissCode(ctx context.Context, id int64) error {
	_, err := db.exec(ctx, "UPDATE verification_codes SET attempts = attempts + 1 WHERE id = ? AND used_at IS NULL", id)
	return err
}

// UseCode marks a code used, unless it is used, voided or out of tries
// already: of two requests racing with one code, one wins.
func (db *DB) UseCode(ctx context.Context, id int64) error {
	res, err := db.exec(ctx, "UPDATE verification_codes SET used_at = ? WHERE id = ? AND used_at IS NULL AND attempts < ?",
		db.Now(), id, account.CodeTries)
	if err != nil {
		return err
	}
	return mustAffect(res, "code")
}

// CreateConsent records a consent given at registration.
func (db *DB) CreateConsent(ctx context.Context, c *account.Consent) error {
	id, err := db.insert(ctx, `INSERT INTO consents (portal_id, contact_id, text, label, accepted_at, client_addr)
		VALUES (?, ?, ?, ?, ?, ?)`, c.PortalID, c.ContactID, c.Text, c.Label, c.AcceptedAt.UTC(), truncate(c.ClientAddr, 100))
	if err != nil {
		return err
	}
	c.ID = id
	return nil
}

// Consents lists the consents recorded for a contact, oldest first.
func (db *DB) Consents(ctx context.Context, contactID int64) ([]account.Consent, error) {
	rows, err := db.query(ctx, `SELECT id, portal_id, contact_id, text, label, accepted_at, client_addr
		FROM consents WHERE contact_id = ? ORDER BY id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []account.Consent{}
	for rows.Next() {
		var c account.Consent
		if err := rows.Scan(&c.ID, &c.PortalID, &c.ContactID, &c.Text, &c.Label, timeCol{&c.AcceptedAt}, &c.ClientAddr); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
