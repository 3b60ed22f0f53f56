package store

import (
	"context"
	"errors"
	"strings"

	"portico/internal/apperr"
	"portico/internal/contact"
)

const companyColumns = "id, name, domain, created_at, updated_at"

func scanCompany(row interface{ Scan(...any) error }, c *contact.Company) error {
	return row.Scan(&c.ID, &c.Name, nullString{&c.Domain}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

func domainTaken(err error) error {
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "domain_taken", Message: "another company has this domain"}
	}
	return err
}

// CreateCompany inserts a company.
func (db *DB) CreateCompany(ctx context.Context, c *contact.Company) error {
	now := db.Now()
	id, err := db.insert(ctx, "INSERT INTO companies (name, domain, created_at, updated_at) VALUES (?, ?, ?, ?)",
		c.Name, nullable(c.Domain), now, now)
	if err != nil {
		return domainTaken(err)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// Company returns one company.
func (db *DB) Company(ctx context.Context, id int64) (*contact.Company, error) {
	var c contact.Company
	err := scanCompany(db.queryRow(ctx, "SELECT "+companyColumns+" FROM companies WHERE id = ?", id), &c)
	return &c, notFound(err, "company")
}

// UpdateCompany writes a company's fields.
func (db *DB) UpdateCompany(ctx context.Context, c *contact.Company) error {
	now := db.Now()
	res, err := db.exec(ctx, "UPDATE companies SET name = ?, domain = ?, updated_at = ? WHERE id = ?",
		c.Name, nullable(c.Domain), now, c.ID)
	if err != nil {
		return domainTaken(err)
	}
	c.UpdatedAt = now
	return mustAffect(res, "company")
}

// DeleteCompany removes a company; contacts and tickets keep existing
// without it (ON DELETE SET NULL).
func (db *DB) DeleteCompany(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		// The tickets lose their company as a change of their own, so that
		// lists that keep rows (pageRows) see it.
		if _, err := db.exec(ctx, "UPDATE tickets SET company_id = NULL, updated_at = ? WHERE company_id = ?", db.Now(), id); err != nil {
			return err
		}
		res, err := db.exec(ctx, "DELETE FROM companies WHERE id = ?", id)
		if err != nil {
			return err
		}
		return mustAffect(res, "company")
	})
}

// Companies lists companies by id, optionally those whose name or domain
// contains q.
func (db *DB) Companies(ctx context.Context, f contact.CompanyFilter) (contact.CompanyPage, error) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		where = append(where, `(`+db.dialect.lower("name")+` LIKE ? ESCAPE '\' OR COALESCE(domain, '') LIKE ? ESCAPE '\')`)
		args = append(args, like, like)
	}
	out := contact.CompanyPage{Items: []contact.Company{}}
	err := db.page(ctx, pageQuery{
		columns: companyColumns, from: "companies", where: where, args: args, limit: f.Limit, cursor: f.Cursor,
	}, &out.Total, &out.NextCursor, func(row interface{ Scan(...any) error }) (int64, error) {
		var c contact.Company
		if err := scanCompany(row, &c); err != nil {
			return 0, err
		}
		out.Items = append(out.Items, c)
		return c.ID, nil
	})
	return out, err
}

const contactColumns = `c.id, c.first_name, c.last_name, c.email, c.phone, c.company_id, c.language,
	(SELECT ai.account_id FROM account_identities ai WHERE ai.contact_id = c.id), c.created_at, c.updated_at`

func scanContact(row interface{ Scan(...any) error }, c *contact.Contact) error {
	return row.Scan(&c.ID, &c.FirstName, &c.LastName, nullString{&c.Email}, nullString{&c.Phone}, nullInt64{&c.CompanyID},
		&c.Language, nullInt64{&c.AccountID}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

// CreateContact inserts a contact.
func (db *DB) CreateContact(ctx context.Context, c *contact.Contact) error {
	now := db.Now()
	id, err := db.insert(ctx, `INSERT INTO contacts (first_name, last_name, email, phone, company_id, language, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.FirstName, c.LastName, nullable(c.Email), nullable(c.Phone), nullable(c.CompanyID), c.Language, now, now)
	if errors.Is(err, errForeignKey) {
		return apperr.InvalidField("company_id", "no such company")
	}
	if err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.UpdatedAt = id, now, now
	return nil
}

// Contact returns one contact.
func (db *DB) Contact(ctx context.Context, id int64) (*contact.Contact, error) {
	var c contact.Contact
	err := scanContact(db.queryRow(ctx, "SELECT "+contactColumns+" FROM contacts c WHERE c.id = ?", id), &c)
	return &c, notFound(err, "contact")
}

// UpdateContact writes a contact's fields.
func (db *DB) UpdateContact(ctx context.Context, c *contact.Contact) error {
	now := db.Now()
	res, err := db.exec(ctx, `UPDATE contacts SET first_name = ?, last_name = ?, email = ?, phone = ?, company_id = ?, language = ?, updated_at = ?
		WHERE id = ?`, c.FirstName, c.LastName, nullable(c.Email), nullable(c.Phone), nullable(c.CompanyID), c.Language, now, c.ID)
	if errors.Is(err, errForeignKey) {
		return apperr.InvalidField("company_id", "no such company")
	}
	if err != nil {
		return err
	}
	c.UpdatedAt = now
	return mustAffect(res, "contact")
}

// Contacts lists contacts by id, filtered by company and by q in the name,
// email or phone.
func (db *DB) Contacts(ctx context.Context, f contact.ContactFilter) (contact.ContactPage, error) {
	var where []string
	var args []any
	if f.CompanyID != 0 {
		where = append(where, "c.company_id = ?")
		args = append(args, f.CompanyID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		where = append(where, `(`+db.dialect.lower("c.first_name || ' ' || c.last_name")+` LIKE ? ESCAPE '\' OR COALESCE(c.email, '') LIKE ? ESCAPE '\' OR COALESCE(c.phone, '') LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	out := contact.ContactPage{Items: []contact.Contact{}}
	err := db.page(ctx, pageQuery{
		columns: contactColumns, from: "contacts c", idCol: "c.id", where: where, args: args, limit: f.Limit, cursor: f.Cursor,
	}, &out.Total, &out.NextCursor, func(row interface{ Scan(...any) error }) (int64, error) {
		var c contact.Contact
		if err := scanContact(row, &c); err != nil {
			return 0, err
		}
		out.Items = append(out.Items, c)
		return c.ID, nil
	})
	return out, err
}

// ContactsByID returns the contacts of ids that exist, in no order.
func (db *DB) ContactsByID(ctx context.Context, ids []int64) ([]contact.Contact, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return db.contactsWhere(ctx, "c.id IN ("+placeholders(len(ids))+")", args...)
}

// contactsWhere returns the contacts cond (over contacts c) chooses.
func (db *DB) contactsWhere(ctx context.Context, cond string, args ...any) ([]contact.Contact, error) {
	rows, err := db.query(ctx, "SELECT "+contactColumns+" FROM contacts c WHERE "+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contact.Contact{}
	for rows.Next() {
		var c contact.Contact
		if err := scanContact(rows, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MissingContacts returns those of ids that name no contact.
func (db *DB) MissingContacts(ctx context.Context, ids []int64) ([]int64, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.query(ctx, "SELECT id FROM contacts WHERE id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	var missing []int64
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, rows.Err()
}

// CreateAccessGroup inserts a group; names are unique.
func (db *DB) CreateAccessGroup(ctx context.Context, g *contact.AccessGroup) error {
	now := db.Now()
	id, err := db.insert(ctx, "INSERT INTO access_groups (name, created_at, updated_at) VALUES (?, ?, ?)", g.Name, now, now)
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "name_taken", Message: "an access group with this name exists"}
	}
	if err != nil {
		return err
	}
	g.ID, g.CreatedAt, g.UpdatedAt = id, now, now
	return nil
}

// AccessGroup returns a group with its members.
func (db *DB) AccessGroup(ctx context.Context, id int64) (*contact.AccessGroup, error) {
	groups, err := db.accessGroups(ctx, "WHERE g.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, apperr.NotFoundf("access group")
	}
	return &groups[0], nil
}

// AccessGroups lists every group with its members.
func (db *DB) AccessGroups(ctx context.Context) ([]contact.AccessGroup, error) {
	return db.accessGroups(ctx, "")
}

func (db *DB) accessGroups(ctx context.Context, where string, args ...any) ([]contact.AccessGroup, error) {
	rows, err := db.query(ctx, `SELECT g.id, g.name, g.created_at, g.updated_at, m.contact_id
		FROM access_groups g LEFT JOIN access_group_members m ON m.group_id = g.id `+where+`
		ORDER BY g.name, g.id, m.contact_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contact.AccessGroup{}
	for rows.Next() {
		var g contact.AccessGroup
		var member *int64
		if err := rows.Scan(&g.ID, &g.Name, timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt}, nullInt64{&member}); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != g.ID {
			g.ContactIDs = []int64{}
			out = append(out, g)
		}
		if member != nil {
			last := &out[len(out)-1]
			last.ContactIDs = append(last.ContactIDs, *member)
		}
	}
	return out, rows.Err()
}

// AddAccessGroupMembers adds contacts to a group and returns those that
// were not members yet.
func (db *DB) AddAccessGroupMembers(ctx context.Context, groupID int64, contactIDs []int64) ([]int64, error) {
	var added []int64
	err := db.InTx(ctx, func(ctx context.Context) error {
		now := db.Now()
		for _, cid := range contactIDs {
			res, err := db.exec(ctx, `INSERT INTO access_group_members (group_id, contact_id, added_at) VALUES (?, ?, ?)
				ON CONFLICT (group_id, contact_id) DO NOTHING`, groupID, cid, now)
			if errors.Is(err, errForeignKey) {
				return apperr.InvalidField("contact_ids", "no such contact or group")
			}
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added = append(added, cid)
			}
		}
		_, err := db.exec(ctx, "UPDATE access_groups SET updated_at = ? WHERE id = ?", now, groupID)
		return err
	})
	return added, err
}

// RemoveAccessGroupMember takes a contact out of a group.
func (db *DB) RemoveAccessGroupMember(ctx context.Context, groupID, contactID int64) error {
	res, err := db.exec(ctx, "DELETE FROM access_group_members WHERE group_id = ? AND contact_id = ?", groupID, contactID)
	if err != nil {
		return err
	}
	return mustAffect(res, "member")
}
