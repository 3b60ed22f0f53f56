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

// compactPages is how much of the text indexes one CompactSearch step
// rewrites, in pages: a step holds the write lock for a fraction of a
// second.
const compactPages = 1000

// CompactSearch merges some of the text indexes' segments on SQLite (one
// step, up to compactPages pages for each index) and reports whether
// more remains. Writes leave an index in many small segments, each of which a
// search must read; serve runs steps now and then, so that a busy index
// stays about as fast as a freshly built one. PostgreSQL's indexes need
// nothing of the kind.
func (db *DB) CompactSearch(ctx context.Context) (more bool, err error) {
	if db.Engine() != "sqlite" {
		return false, nil
	}
	err = db.InTx(ctx, func(ctx context.Context) error {
		tx := ctx.Value(txKey{}).(*sql.Tx)
		for _, index := range []string{"ticket_search", "ticket_grams"} {
			// Two segments of a size are merged into one of the next: a
			// search then reads a segment or so per size, and the large
			// segments are rewritten only when another as large forms.
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+index+" ("+index+", rank) VALUES ('usermerge', 2)"); err != nil {
				return fmt.Errorf("store: compact %s: %w", index, err)
			}
			var before, after int64
			if err := tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+index+" ("+index+", rank) VALUES ('merge', ?)", compactPages); err != nil {
				return fmt.Errorf("store: compact %s: %w", index, err)
			}
			if err := tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
				return err
			}
			// Fewer than two changes: the index had nothing left to merge.
			more = more || after-before >= 2
		}
		return nil
	})
	return more, err
}
