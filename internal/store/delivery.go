package store

import (
	"context"
	"errors"
	"strings"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/delivery"
)

// CreateDelivery queues a delivery, pending unless d says otherwise. The
// workers send pending deliveries of the kinds they have a transport for
// and hold the others: kept in the log only.
func (db *DB) CreateDelivery(ctx context.Context, d *delivery.Delivery) error {
	if d.Payload == nil {
		d.Payload = map[string]any{}
	}
	payload, err := jsonArg(d.Payload)
	if err != nil {
		return err
	}
	now := db.Now()
	if d.Status == "" {
		d.Status = delivery.Pending
	}
	d.CreatedAt, d.NextAttemptAt = now, now
	d.ID, err = db.insert(ctx, `INSERT INTO deliveries (kind, recipient, subject, body, body_html, payload, ticket_id, agent_id, webhook_id,
		idempotency_key, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
		d.Kind, d.To, d.Subject, d.Body, d.BodyHTML, payload, nullable(d.TicketID), nullable(d.AgentID), nullable(d.WebhookID),
		d.IdempotencyKey, d.Status, now, now)
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "duplicate_delivery", Message: "this delivery was already queued", Err: err}
	}
	return err
}

// Deliveries lists the delivery log, newest first.
func (db *DB) Deliveries(ctx context.Context, f delivery.Filter) (delivery.Page, error) {
	var where []string
	var args []any
	if f.To != "" {
		where = append(where, "recipient = ?")
		args = append(args, recipientKey(f.To))
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	out := delivery.Page{Items: []delivery.Delivery{}}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM deliveries"+cond, args...).Scan(&out.Total); err != nil {
		return out, err
	}
	c, err := parseCursor(f.Cursor)
	if err != nil {
		return out, err
	}
	if c != nil {
		where = append(where, "id < ?")
		args = append(args, c.ID)
	}
	cond = ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, `SELECT id, kind, recipient, subject, body, ticket_id, agent_id, idempotency_key, status, attempts,
		next_attempt_at, last_error, created_at, sent_at FROM deliveries`+cond+" ORDER BY id DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		if len(out.Items) == limit {
			out.NextCursor = cursor{ID: out.Items[limit-1].ID}.String()
			break
		}
		var d delivery.Delivery
		if err := rows.Scan(&d.ID, &d.Kind, &d.To, &d.Subject, &d.Body, nullInt64{&d.TicketID}, nullInt64{&d.AgentID}, &d.IdempotencyKey,
			&d.Status, &d.Attempts, timeCol{&d.NextAttemptAt}, &d.LastError, timeCol{&d.CreatedAt}, nullTime{&d.SentAt}); err != nil {
			return out, err
		}
		out.Items = append(out.Items, d)
	}
	return out, rows.Err()
}

// recipientKey is how a recipient typed into a filter is stored: email
// addresses lower-case, phone numbers in E.164; URLs exactly as given.
func recipientKey(to string) string {
	to = strings.TrimSpace(to)
	switch {
	case strings.Contains(to, "://"):
		return to
	case strings.Contains(to, "@"):
		return strings.ToLower(to)
	}
	if p, ok := contact.NormalizePhone(to); ok {
		return p
	}
	return to
}
