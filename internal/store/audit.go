package store

import (
	"context"
	"strings"
	"time"

	"portico/internal/event"
)

// This file holds what admins and agents read to oversee the desk: the
// audit log (SPEC A11) and the ratings report (SPEC A10).

// CreateAudit adds an entry to the audit log; called in the transaction of
// the change it describes.
func (db *DB) CreateAudit(ctx context.Context, a *event.Audit) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.Now()
	}
	id, err := db.insert(ctx, `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, before, after, client_addr, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ActorType, nullable(a.ActorID), a.Action, a.TargetType, a.TargetID, auditDoc(a.Before), auditDoc(a.After), a.ClientAddr, a.CreatedAt)
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

func auditDoc(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// AuditFilter chooses entries of the audit log.
type AuditFilter struct {
	// TargetTypes keeps entries about these kinds of thing ("portal",
	// "pipeline", "stage", …); none keeps all.
	TargetTypes []string
	Limit       int
	Cursor      string
}

// AuditEntry is an entry of the audit log with the actor's name.
type AuditEntry struct {
	event.Audit
	ActorName string
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Items []AuditEntry
	Next  string
}

// AuditLog lists the audit log newest first, a page at a time: the cursor
// is the last entry's time and id.
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) (*AuditPage, error) {
	c, err := parseCursor(f.Cursor)
	if err != nil {
		return nil, err
	}
	var conds []string
	var args []any
	if len(f.TargetTypes) > 0 {
		conds = append(conds, "l.target_type IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.TargetTypes)), ", ")+")")
		for _, t := range f.TargetTypes {
			args = append(args, t)
		}
	}
	if c != nil {
		at, err := c.time()
		if err != nil {
			return nil, err
		}
		conds = append(conds, "(l.created_at < ? OR (l.created_at = ? AND l.id < ?))")
		args = append(args, at, at, c.ID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := pageLimit(f.Limit)
	rows, err := db.query(ctx, `SELECT l.id, l.actor_type, l.actor_id, l.action, l.target_type, l.target_id, l.before, l.after,
		l.client_addr, l.created_at, COALESCE(a.name, '')
		FROM audit_log l LEFT JOIN agents a ON l.actor_type = 'agent' AND a.id = l.actor_id`+where+
		" ORDER BY l.created_at DESC, l.id DESC"+limitOffset(limit+1, 0), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &AuditPage{Items: []AuditEntry{}}
	for rows.Next() {
		if len(out.Items) == limit {
			last := out.Items[len(out.Items)-1]
			out.Next = cursor{Key: last.CreatedAt.UTC().Format(time.RFC3339Nano), ID: last.ID}.String()
			break
		}
		var e AuditEntry
		var before, after *string
		if err := rows.Scan(&e.ID, &e.ActorType, nullInt64{&e.ActorID}, &e.Action, &e.TargetType, &e.TargetID,
			nullString{&before}, nullString{&after}, &e.ClientAddr, timeCol{&e.CreatedAt}, &e.ActorName); err != nil {
			return nil, err
		}
		if before != nil {
			e.Before = []byte(*before)
		}
		if after != nil {
			e.After = []byte(*after)
		}
		out.Items = append(out.Items, e)
	}
	return out, rows.Err()
}

// RatingsReport is what customers' ratings say of the agents over a
// period (SPEC A10).
type RatingsReport struct {
	Since   time.Time
	Count   int
	Average float64 // 0 when Count is 0
	Agents  []AgentRatings
	// Days are the period's days that have ratings, oldest first.
	Days []DayRatings
}

// AgentRatings is one agent's ratings; AgentID 0 gathers ratings of
// tickets without an owner.
type AgentRatings struct {
	AgentID int64
	Name    string
	Count   int
	Average float64
}

// DayRatings are the ratings given on one day (UTC).
type DayRatings struct {
	Day   time.Time
	Count int
	Sum   int
}

// Ratings reports the ratings given since since, per agent (most ratings
// first) and per day.
func (db *DB) Ratings(ctx context.Context, since time.Time) (*RatingsReport, error) {
	since = since.UTC()
	out := &RatingsReport{Since: since, Agents: []AgentRatings{}, Days: []DayRatings{}}
	rows, err := db.query(ctx, `SELECT COALESCE(r.agent_id, 0), COALESCE(MAX(a.name), ''), MAX(COALESCE(a.email, '')), COUNT(*), SUM(r.score)
		FROM ratings r LEFT JOIN agents a ON a.id = r.agent_id
		WHERE r.created_at >= ? GROUP BY COALESCE(r.agent_id, 0) ORDER BY COUNT(*) DESC, COALESCE(r.agent_id, 0)`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sum := 0
	for rows.Next() {
		var a AgentRatings
		var email string
		var s int
		if err := rows.Scan(&a.AgentID, &a.Name, &email, &a.Count, &s); err != nil {
			return nil, err
		}
		if a.Name == "" {
			a.Name = email
		}
		a.Average = float64(s) / float64(a.Count)
		out.Count += a.Count
		sum += s
		out.Agents = append(out.Agents, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if out.Count > 0 {
		out.Average = float64(sum) / float64(out.Count)
	}
	day := "substr(created_at, 1, 10)"
	if db.dialect.name() == "postgres" {
		day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	rows, err = db.query(ctx, "SELECT "+day+", COUNT(*), SUM(score) FROM ratings WHERE created_at >= ? GROUP BY 1 ORDER BY 1", since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d DayRatings
		var s string
		if err := rows.Scan(&s, &d.Count, &d.Sum); err != nil {
			return nil, err
		}
		if d.Day, err = time.Parse(time.DateOnly, s); err != nil {
			return nil, err
		}
		out.Days = append(out.Days, d)
	}
	return out, rows.Err()
}
