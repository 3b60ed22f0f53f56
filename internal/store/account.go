package store

import (
	"context"
	"database/sql"
	"errors"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/contact"
)

const accountColumns = `a.id, a.login, a.login_kind, a.display_name, a.language, a.must_change_password, a.locked, a.verified_at,
	a.created_at, a.password_hash, COALESCE(a.avatar_key, '')`

// accountWhere reads the account cond chooses with its identities, in one
// query: every signed-in request reads its account.
func (db *DB) accountWhere(ctx context.Context, what string, cond string, arg any) (*account.Account, error) {
	a, err := db.readAccount(ctx, "", "accounts a", "a."+cond, arg, nil)
	if err == nil && a == nil {
		err = apperr.NotFoundf(what)
	}
	return a, err
}

// readAccount reads an account and its identities: the columns pre (with
// the destinations first gives for each row) and the account's, from the
// FROM from, which calls the account a, where cond. It returns nil when no
// row matches.
func (db *DB) readAccount(ctx context.Context, pre, from, cond string, arg any, first func() []any) (*account.Account, error) {
	rows, err := db.query(ctx, `SELECT `+pre+accountColumns+`, c.id, c.first_name, c.last_name, c.company_id, COALESCE(co.name, '')
		FROM `+from+`
		LEFT JOIN account_identities ai ON ai.account_id = a.id
		LEFT JOIN contacts c ON c.id = ai.contact_id
		LEFT JOIN companies co ON co.id = c.company_id
		WHERE `+cond+`
		ORDER BY ai.created_at, c.id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var a *account.Account
	for rows.Next() {
		var next account.Account
		var contactID, companyID *int64
		var firstName, last, company sql.NullString
		var dest []any
		if first != nil {
			dest = first()
		}
		if err := rows.Scan(append(dest, &next.ID, &next.Login, &next.LoginKind, &next.DisplayName, &next.Language, &next.MustChangePassword,
			&next.Locked, nullTime{&next.VerifiedAt}, timeCol{&next.CreatedAt}, &next.PasswordHash, &next.AvatarKey,
			nullInt64{&contactID}, &firstName, &last, nullInt64{&companyID}, &company)...); err != nil {
			return nil, err
		}
		if a == nil {
			a = &next
			a.Identities = []account.Identity{}
		}
		if contactID != nil {
			a.Identities = append(a.Identities, identityOf(*contactID, firstName.String, last.String, companyID, company.String))
		}
	}
	return a, rows.Err()
}

// identityOf is an identity as accounts show it.
func identityOf(contactID int64, first, last string, companyID *int64, company string) account.Identity {
	id := account.Identity{ContactID: contactID, Name: first, CompanyID: companyID, Company: company}
	if last != "" {
		id.Name += " " + last
	}
	return id
}

// Account returns an account with its identities.
func (db *DB) Account(ctx context.Context, id int64) (*account.Account, error) {
	return db.accountWhere(ctx, "account", "id = ?", id)
}

// AccountByLogin returns the account with this normalised login.
func (db *DB) AccountByLogin(ctx context.Context, login string) (*account.Account, error) {
	return db.accountWhere(ctx, "account", "login = ?", login)
}

// AccountOfContact returns the account a contact is linked to.
func (db *DB) AccountOfContact(ctx context.Context, contactID int64) (*account.Account, error) {
	return db.accountWhere(ctx, "account", "id = (SELECT account_id FROM account_identities WHERE contact_id = ?)", contactID)
}

// CreateAccount inserts an account; a login in use is a conflict.
func (db *DB) CreateAccount(ctx context.Context, a *account.Account) error {
	now := db.Now()
	id, err := db.insert(ctx, `INSERT INTO accounts (login, login_kind, password_hash, must_change_password, display_name, language, verified_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Login, a.LoginKind, a.PasswordHash, a.MustChangePassword, a.DisplayName, a.Language, nullable(a.VerifiedAt), now, now)
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "login_taken", Message: "an account with this login exists"}
	}
	if err != nil {
		return err
	}
	a.ID, a.CreatedAt = id, now
	return nil
}

// SetAccountLocked locks or unlocks an account.
func (db *DB) SetAccountLocked(ctx context.Context, id int64, locked bool) error {
	res, err := db.exec(ctx, "UPDATE accounts SET locked = ?, updated_at = ? WHERE id = ?", locked, db.Now(), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return apperr.NotFoundf("account")
	}
	return nil
}

// SetAccountAvatar keeps key as the account's picture; "" removes it.
func (db *DB) SetAccountAvatar(ctx context.Context, id int64, key string) error {
	res, err := db.exec(ctx, "UPDATE accounts SET avatar_key = ?, updated_at = ? WHERE id = ?", sql.Null[string]{V: key, Valid: key != ""}, db.Now(), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return apperr.NotFoundf("account")
	}
	return nil
}

// UpdateAccountProfile stores an account's display name and language.
func (db *DB) UpdateAccountProfile(ctx context.Context, a *account.Account) error {
	res, err := db.exec(ctx, "UPDATE accounts SET display_name = ?, language = ?, updated_at = ? WHERE id = ?",
		a.DisplayName, a.Language, db.Now(), a.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return apperr.NotFoundf("account")
	}
	return nil
}

// LinkIdentity links a contact to an account.
func (db *DB) LinkIdentity(ctx context.Context, accountID, contactID int64) error {
	_, err := db.exec(ctx, "INSERT INTO account_identities (account_id, contact_id, created_at) VALUES (?, ?, ?)",
		accountID, contactID, db.Now())
	switch {
	case errors.Is(err, errUnique):
		return &apperr.Error{Kind: apperr.Conflict, Code: "contact_has_account", Message: "the contact is already linked to an account"}
	case errors.Is(err, errForeignKey):
		return apperr.NotFoundf("account or contact")
	}
	return err
}

// UnlinkIdentity removes a link; sessions acting as that contact lose it.
func (db *DB) UnlinkIdentity(ctx context.Context, accountID, contactID int64) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, "DELETE FROM account_identities WHERE account_id = ? AND contact_id = ?", accountID, contactID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "identity"); err != nil {
			return err
		}
		_, err = db.exec(ctx, "UPDATE sessions SET active_contact_id = NULL WHERE account_id = ? AND active_contact_id = ?", accountID, contactID)
		return err
	})
}

// SetPassword stores a new password hash and clears the demand to change
// the password.
func (db *DB) SetPassword(ctx context.Context, accountID int64, hash string) error {
	now := db.Now()
	res, err := db.exec(ctx, `UPDATE accounts SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ?
		WHERE id = ?`, hash, false, now, now, accountID)
	if err != nil {
		return err
	}
	return mustAffect(res, "account")
}

// AccessGroupMembers returns those of contactIDs that are members of at
// least one of the groups, in ascending order: one query, whatever the
// number of contacts and groups.
func (db *DB) AccessGroupMembers(ctx context.Context, groupIDs, contactIDs []int64) ([]int64, error) {
	if len(groupIDs) == 0 || len(contactIDs) == 0 {
		return []int64{}, nil
	}
	args := make([]any, 0, len(groupIDs)+len(contactIDs))
	for _, id := range contactIDs {
		args = append(args, id)
	}
	for _, id := range groupIDs {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT DISTINCT contact_id FROM access_group_members
		WHERE contact_id IN (`+placeholders(len(contactIDs))+`) AND group_id IN (`+placeholders(len(groupIDs))+`)
		ORDER BY contact_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ContactsByEmail returns the contacts with this normalised email address,
// oldest first.
func (db *DB) ContactsByEmail(ctx context.Context, email string) ([]contact.Contact, error) {
	return db.contactsWhere(ctx, "c.email = ? ORDER BY c.id", email)
}
