package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"

	"portico/internal/delivery"
)

// ClaimDeliveries claims up to r.Limit due deliveries of r.Kinds for one
// worker, earliest due first: pending ones whose next attempt has come and
// ones left sending by a worker whose claim lapsed (it stopped mid-send).
// They become sending until now + r.Lease under a new token, which
// RecordOutcome asks for. On PostgreSQL rows that another transaction is
// claiming are skipped, so processes sharing the database never claim the
// same delivery; on SQLite the single writer does the same.
func (db *DB) ClaimDeliveries(ctx context.Context, r delivery.ClaimRequest) ([]delivery.Delivery, error) {
	if len(r.Kinds) == 0 || r.Limit <= 0 {
		return nil, nil
	}
	now := db.Now()
	token := rand.Text()
	var args []any
	for _, k := range r.Kinds {
		args = append(args, k)
	}
	args = append(args, now, now, r.Limit, now.Add(r.Lease), token, now)
	// The condition is checked again in the UPDATE: a row another claim
	// took between the CTE's snapshot and its lock is left alone.
	q := db.dialect.rebind(`WITH due AS (
			SELECT id FROM deliveries
			WHERE kind IN (` + placeholders(len(r.Kinds)) + `)
			AND ((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?))
			ORDER BY next_attempt_at, id LIMIT ?` + db.dialect.skipLocked() + `)
		UPDATE deliveries SET status = 'sending', claimed_until = ?, claim_token = ?
		WHERE id IN (SELECT id FROM due)
		AND (status = 'pending' OR (status = 'sending' AND claimed_until <= ?))
		RETURNING id, kind, recipient, subject, body, body_html, payload, ticket_id, agent_id, webhook_id,
			idempotency_key, status, attempts, next_attempt_at, last_error, created_at, sent_at, claimed_until, claim_token`)
	rows, err := db.writer(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", db.dialect.translate(err))
	}
	defer rows.Close()
	var out []delivery.Delivery
	for rows.Next() {
		var d delivery.Delivery
		if err := rows.Scan(&d.ID, &d.Kind, &d.To, &d.Subject, &d.Body, &d.BodyHTML, jsonCol{&d.Payload},
			nullInt64{&d.TicketID}, nullInt64{&d.AgentID}, nullInt64{&d.WebhookID}, &d.IdempotencyKey, &d.Status,
			&d.Attempts, timeCol{&d.NextAttemptAt}, &d.LastError, timeCol{&d.CreatedAt}, nullTime{&d.SentAt},
			nullTime{&d.ClaimedUntil}, &d.ClaimToken); err != nil {
			return nil, fmt.Errorf("store: claim deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", db.dialect.translate(err))
	}
	// RETURNING keeps no order.
	slices.SortFunc(out, func(a, b delivery.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RecordOutcome records one attempt at a claimed delivery: sent, pending
// again until now + o.RetryIn, or failed when there is to be no retry.
// Every attempt counts; a sent delivery keeps the error of the attempt
// before, if any, as its history. It returns delivery.ErrClaimLost unless the claim
// with o.Token still holds the delivery.
func (db *DB) RecordOutcome(ctx context.Context, o delivery.Outcome) error {
	now := db.Now()
	var set string
	var args []any
	switch {
	case o.Error == "":
		set, args = "status = 'sent', sent_at = ?", []any{now}
	case o.RetryIn > 0:
		set, args = "status = 'pending', last_error = ?, next_attempt_at = ?", []any{o.Error, now.Add(o.RetryIn)}
	default:
		set, args = "status = 'failed', last_error = ?", []any{o.Error}
	}
	res, err := db.exec(ctx, "UPDATE deliveries SET "+set+`, attempts = attempts + 1, claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND status = 'sending' AND claim_token = ?`, append(args, o.ID, o.Token)...)
	if err != nil {
		return fmt.Errorf("store: record delivery %d: %w", o.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: record delivery %d: %w", o.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: record delivery %d: %w", o.ID, delivery.ErrClaimLost)
	}
	return nil
}

// HoldDeliveries keeps the deliveries of kind that wait to be sent in the
// log only, for want of a transport: pending ones and ones whose sending
// claim lapsed. It returns how many it held.
func (db *DB) HoldDeliveries(ctx context.Context, kind string) (int, error) {
	res, err := db.exec(ctx, `UPDATE deliveries SET status = 'held', claimed_until = NULL, claim_token = NULL
		WHERE kind = ? AND (status = 'pending' OR (status = 'sending' AND claimed_until <= ?))`, kind, db.Now())
	if err != nil {
		return 0, fmt.Errorf("store: hold deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: hold deliveries: %w", err)
	}
	return int(n), nil
}
