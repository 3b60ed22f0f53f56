package store

import (
	"context"
	"database/sql"
	"strings"

	"portico/internal/apperr"
)

// pageQuery is a list ordered by id, ascending, read a page at a time.
type pageQuery struct {
	columns, from string
	idCol         string // default "id"
	where         []string
	args          []any
	limit         int
	cursor        string
}

// page runs q: it counts the matching rows, reads one page after the
// cursor and sets the next cursor when more rows follow. scan reads a row
// and returns its id.
func (db *DB) page(ctx context.Context, q pageQuery, total *int, next *string, scan func(interface{ Scan(...any) error }) (int64, error)) error {
	idCol := q.idCol
	if idCol == "" {
		idCol = "id"
	}
	where := ""
	if len(q.where) > 0 {
		where = " WHERE " + strings.Join(q.where, " AND ")
	}
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM "+q.from+where, q.args...).Scan(total); err != nil {
		return err
	}
	c, err := parseCursor(q.cursor)
	if err != nil {
		return err
	}
	conds, args := append([]string{}, q.where...), append([]any{}, q.args...)
	if c != nil {
		conds = append(conds, idCol+" > ?")
		args = append(args, c.ID)
	}
	where = ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := pageLimit(q.limit)
	rows, err := db.query(ctx, "SELECT "+q.columns+" FROM "+q.from+where+" ORDER BY "+idCol+limitOffset(limit+1, 0), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	var lastID int64
	for rows.Next() {
		n++
		if n > limit {
			*next = cursor{ID: lastID}.String()
			break
		}
		if lastID, err = scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// mustAffect turns an update or delete that touched no row into NotFound.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundf(what)
	}
	return nil
}

// keyset is the condition for the rows after cursor of a list ordered by
// col (t.id, or a time column with t.id breaking ties), newest first
// unless asc, and that list's ORDER BY.
func keyset(col string, asc bool, cur string) (after string, args []any, order string, err error) {
	op, dir := "<", "DESC"
	if asc {
		op, dir = ">", "ASC"
	}
	order = " ORDER BY " + col + " " + dir
	if col != "t.id" {
		order += ", t.id " + dir
	}
	c, err := parseCursor(cur)
	if err != nil || c == nil {
		return "", nil, order, err
	}
	if col == "t.id" {
		return "t.id " + op + " ?", []any{c.ID}, order, nil
	}
	key, err := c.time()
	if err != nil {
		return "", nil, "", err
	}
	return "(" + col + ", t.id) " + op + " (?, ?)", []any{key, c.ID}, order, nil
}
