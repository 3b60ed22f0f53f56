package store

import (
	"context"
	"strings"

	"portico/internal/apperr"
	"portico/internal/ticket"
)

// InboxCountCap is how far InboxTickets counts a view: beyond it the page says
// "more than InboxCountCap", because an exact count of a large view reads
// every row of it, and that is what keyset pages exist to avoid.
const InboxCountCap = 100

// inboxFrom names tickets first and joins stages for the stage's name and
// state. CROSS JOIN keeps SQLite from starting at the few stages and
// sorting the tickets it finds through them; PostgreSQL plans it as any
// inner join.
const inboxFrom = "tickets t CROSS JOIN stages s"

// InboxTickets lists tickets for the desk's inbox (SPEC A2): the filters of
// Tickets, newest or oldest first (by id, which follows creation) or by
// last activity, one keyset page at a time. The cursor holds the last
// row's sort key and id, so the 50,000th ticket of a view is read as fast
// as the first, given an index that leads with the view's equality filters
// and ends with the sort key (migration 00008). The first page (no
// cursor) counts the view up to InboxCountCap, and Capped says there are
// more; later pages leave Total at 0.
func (db *DB) InboxTickets(ctx context.Context, f ticket.Filter) (ticket.Page, error) {
	out := ticket.Page{Items: []ticket.Ticket{}}
	col := "t.id"
	switch f.Sort {
	case "", ticket.SortID:
	case ticket.SortLastActivity:
		col = "t.last_activity_at"
	default:
		return out, apperr.InvalidField("sort", "must be id or last_activity_at")
	}
	where := []string{"s.id = t.stage_id", "NOT t.draft"}
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.InboxID != 0 {
		add("t.inbox_id = ?", f.InboxID)
	}
	if f.PipelineID != 0 {
		add("t.pipeline_id = ?", f.PipelineID)
	}
	if f.StageID != 0 {
		add("t.stage_id = ?", f.StageID)
	}
	switch {
	case f.Unassigned:
		add("t.owner_id IS NULL")
	case f.OwnerID != 0:
		add("t.owner_id = ?", f.OwnerID)
	}
	if f.RequesterID != 0 {
		add("t.requester_id = ?", f.RequesterID)
	}
	if f.CompanyID != 0 {
		add("t.company_id = ?", f.CompanyID)
	}
	if f.Status != "" {
		add("s.state = ?", f.Status)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		cond, a := db.dialect.textSearch(q, true)
		add(cond, a...)
	}
	if f.Cursor == "" {
		cond := strings.Join(where, " AND ")
		if err := db.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+inboxFrom+" WHERE "+cond+limitOffset(InboxCountCap+1, 0)+") c",
			args...).Scan(&out.Total); err != nil {
			return out, err
		}
		if out.Total > InboxCountCap {
			out.Total, out.Capped = InboxCountCap, true
		}
	}

	var err error
	out.Items, out.NextCursor, err = db.keysetTickets(ctx, inboxFrom, where, args, col, f.Asc, f.Cursor, f.Limit)
	return out, err
}
