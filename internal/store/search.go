package store

import (
	"context"
	"database/sql"
	"fmt"
)

// flushSearchSQL brings the SQLite text indexes up to date with the search
// documents listed in search_pending (migration 00007): the text an index
// holds for a changed document is taken out, its current text put in. The
// few pending rows lead every join (CROSS JOIN keeps that order).
var flushSearchSQL = []string{
	`INSERT INTO ticket_search (ticket_search, rowid, doc, notes)
		SELECT 'delete', key, old_doc, old_notes FROM search_pending WHERE old_doc IS NOT NULL ORDER BY key`,
	`DELETE FROM ticket_grams WHERE rowid IN (SELECT key FROM search_pending WHERE old_doc IS NOT NULL)`,
	`INSERT INTO ticket_search (rowid, doc, notes)
		SELECT d.key, d.doc, d.notes FROM search_pending p CROSS JOIN ticket_docs d ON d.key = p.key ORDER BY d.key`,
	`INSERT INTO ticket_grams (rowid, doc, notes)
		SELECT g.key, g.doc, g.notes FROM (SELECT d.key, search_grams(d.doc) AS doc, search_grams(d.notes) AS notes
			FROM search_pending p CROSS JOIN ticket_docs d ON d.key = p.key) g
		WHERE g.doc <> '' OR g.notes <> '' ORDER BY g.key`,
	`DELETE FROM search_pending`,
}

// flushSearch runs in every SQLite write transaction just before it
// commits, so that searches see exactly what is committed.
func flushSearch(ctx context.Context, tx *sql.Tx) error {
	var pending bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM search_pending)").Scan(&pending); err != nil || !pending {
		return err
	}
	for _, q := range flushSearchSQL {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: search index: %w", err)
		}
	}
	return nil
}
