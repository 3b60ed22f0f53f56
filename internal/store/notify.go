package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"portico/internal/delivery"
	"portico/internal/notify"
	"portico/internal/ticket"
)

// FollowingAgents returns the unlocked agents who follow a ticket of inbox
// owned by ownerID: the owner and the inbox's watchers, each once, by id.
func (db *DB) FollowingAgents(ctx context.Context, inboxID int64, ownerID *int64) ([]ticket.AgentRecipient, error) {
	rows, err := db.query(ctx, `SELECT id, email, name, language, notify_email FROM agents
		WHERE NOT locked AND (id = ? OR id IN (SELECT agent_id FROM agent_inbox_watches WHERE inbox_id = ?))
		ORDER BY id`, nullable(ownerID), inboxID)
	if err != nil {
		return nil, fmt.Errorf("store: following agents: %w", err)
	}
	defer rows.Close()
	var out []ticket.AgentRecipient
	for rows.Next() {
		var a ticket.AgentRecipient
		if err := rows.Scan(&a.ID, &a.Email, &a.Name, &a.Language, &a.ByEmail); err != nil {
			return nil, fmt.Errorf("store: following agents: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AccountLanguage returns the language of the portal account the contact
// signs in with; ok is false when it has none.
func (db *DB) AccountLanguage(ctx context.Context, contactID int64) (string, bool, error) {
	var lang string
	err := db.queryRow(ctx, `SELECT a.language FROM accounts a JOIN account_identities i ON i.account_id = a.id
		WHERE i.contact_id = ?`, contactID).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: account language: %w", err)
	}
	return lang, true, nil
}

// An agent's notifications are deliveries of kind 'notification', pending
// until read. The queries below spell the kind and status out rather than
// pass them as values, so that the engines may use the partial index
// deliveries_unread.
const notificationColumns = "id, ticket_id, payload, status, created_at"

func scanNotification(row interface{ Scan(...any) error }, n *notify.Notification) error {
	var status string
	if err := row.Scan(&n.ID, nullInt64{&n.TicketID}, jsonCol{&n.Content}, &status, timeCol{&n.CreatedAt}); err != nil {
		return err
	}
	n.Read = status == delivery.Read
	return nil
}

// Notifications lists an agent's notifications, newest first.
func (db *DB) Notifications(ctx context.Context, agentID int64, f notify.Filter) (notify.Page, error) {
	out := notify.Page{Items: []notify.Notification{}}
	q := "SELECT " + notificationColumns + " FROM deliveries WHERE agent_id = ? AND kind = 'notification'"
	args := []any{agentID}
	if f.Unread {
		q += " AND status = 'pending'"
	}
	c, err := parseCursor(f.Cursor)
	if err != nil {
		return out, err
	}
	if c != nil {
		q += " AND id < ?"
		args = append(args, c.ID)
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, q+" ORDER BY id DESC LIMIT "+strconv.Itoa(limit+1), args...)
	if err != nil {
		return out, fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if len(out.Items) == limit {
			out.NextCursor = cursor{ID: out.Items[limit-1].ID}.String()
			break
		}
		var n notify.Notification
		if err := scanNotification(rows, &n); err != nil {
			return out, fmt.Errorf("store: notifications: %w", err)
		}
		out.Items = append(out.Items, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts an agent's unread notifications, up to
// notify.UnreadCap.
func (db *DB) UnreadNotifications(ctx context.Context, agentID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM deliveries
		WHERE agent_id = ? AND kind = 'notification' AND status = 'pending' LIMIT `+strconv.Itoa(notify.UnreadCap)+`) AS unread`,
		agentID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unread notifications: %w", err)
	}
	return n, nil
}

// ReadNotification marks one of an agent's notifications read and returns
// it; another agent's is NotFound.
func (db *DB) ReadNotification(ctx context.Context, agentID, id int64) (*notify.Notification, error) {
	var n notify.Notification
	err := db.InTx(ctx, func(ctx context.Context) error {
		err := scanNotification(db.queryRow(ctx, "SELECT "+notificationColumns+
			" FROM deliveries WHERE id = ? AND agent_id = ? AND kind = 'notification'", id, agentID), &n)
		if err != nil {
			return notFound(err, "notification")
		}
		if n.Read {
			return nil
		}
		n.Read = true
		_, err = db.exec(ctx, "UPDATE deliveries SET status = 'read' WHERE id = ? AND status = 'pending'", id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// ReadNotifications marks an agent's unread notifications up to id upTo
// read and says how many there were.
func (db *DB) ReadNotifications(ctx context.Context, agentID, upTo int64) (int, error) {
	res, err := db.exec(ctx, `UPDATE deliveries SET status = 'read'
		WHERE agent_id = ? AND kind = 'notification' AND status = 'pending' AND id <= ?`, agentID, upTo)
	if err != nil {
		return 0, fmt.Errorf("store: read notifications: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// NotificationSettings returns what an agent chose to hear of.
func (db *DB) NotificationSettings(ctx context.Context, agentID int64) (*notify.Settings, error) {
	s := notify.Settings{InboxIDs: []int64{}}
	if err := db.queryRow(ctx, "SELECT notify_email FROM agents WHERE id = ?", agentID).Scan(&s.Email); err != nil {
		return nil, notFound(err, "agent")
	}
	rows, err := db.query(ctx, "SELECT inbox_id FROM agent_inbox_watches WHERE agent_id = ? ORDER BY inbox_id", agentID)
	if err != nil {
		return nil, fmt.Errorf("store: watched inboxes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: watched inboxes: %w", err)
		}
		s.InboxIDs = append(s.InboxIDs, id)
	}
	return &s, rows.Err()
}

// SetNotificationSettings replaces what an agent chose to hear of.
func (db *DB) SetNotificationSettings(ctx context.Context, agentID int64, s notify.Settings) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, "UPDATE agents SET notify_email = ?, updated_at = ? WHERE id = ?", s.Email, db.Now(), agentID)
		if err != nil {
			return fmt.Errorf("store: notification settings: %w", err)
		}
		if err := mustAffect(res, "agent"); err != nil {
			return err
		}
		if _, err := db.exec(ctx, "DELETE FROM agent_inbox_watches WHERE agent_id = ?", agentID); err != nil {
			return fmt.Errorf("store: watched inboxes: %w", err)
		}
		for _, id := range s.InboxIDs {
			if _, err := db.exec(ctx, "INSERT INTO agent_inbox_watches (agent_id, inbox_id) VALUES (?, ?)", agentID, id); err != nil {
				return fmt.Errorf("store: watch inbox %d: %w", id, err)
			}
		}
		return nil
	})
}
