package store

import (
	"context"

	"portico/internal/event"
	"portico/internal/ticket"
)

// CreateEvent appends to the timeline.
func (db *DB) CreateEvent(ctx context.Context, e *event.Event) error {
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	data, err := jsonArg(e.Data)
	if err != nil {
		return err
	}
	e.CreatedAt = db.Now()
	e.ID, err = db.insert(ctx, `INSERT INTO events (kind, ticket_id, contact_id, actor_type, actor_id, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Kind, nullable(e.TicketID), nullable(e.ContactID), e.ActorType, nullable(e.ActorID), data, e.CreatedAt)
	return err
}

// Events lists a ticket's or contact's timeline, oldest first.
func (db *DB) Events(ctx context.Context, f ticket.EventFilter) (ticket.EventPage, error) {
	var where []string
	var args []any
	if f.TicketID != 0 {
		where = append(where, "ticket_id = ?")
		args = append(args, f.TicketID)
	}
	if f.ContactID != 0 {
		where = append(where, "contact_id = ?")
		args = append(args, f.ContactID)
	}
	out := ticket.EventPage{Items: []event.Event{}}
	err := db.page(ctx, pageQuery{
		columns: "id, kind, ticket_id, contact_id, actor_type, actor_id, data, created_at",
		from:    "events", where: where, args: args, limit: f.Limit, cursor: f.Cursor,
	}, &out.Total, &out.NextCursor, func(row interface{ Scan(...any) error }) (int64, error) {
		var e event.Event
		if err := row.Scan(&e.ID, &e.Kind, nullInt64{&e.TicketID}, nullInt64{&e.ContactID}, &e.ActorType, nullInt64{&e.ActorID},
			jsonCol{&e.Data}, timeCol{&e.CreatedAt}); err != nil {
			return 0, err
		}
		out.Items = append(out.Items, e)
		return e.ID, nil
	})
	return out, err
}
