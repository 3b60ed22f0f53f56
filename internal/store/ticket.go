package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/ticket"
)

const ticketColumns = `t.id, t.subject, t.requester_id, t.company_id, t.inbox_id, t.pipeline_id, t.stage_id, s.name, s.state,
	t.owner_id, t.priority, t.source, t.reply_channel, t.draft, t.properties, t.created_at, t.updated_at,
	t.last_activity_at, t.stage_entered_at, t.closed_at`

const ticketFrom = "tickets t JOIN stages s ON s.id = t.stage_id"

func scanTicket(row interface{ Scan(...any) error }, t *ticket.Ticket) error {
	var priority *string
	err := row.Scan(&t.ID, &t.Subject, &t.RequesterID, nullInt64{&t.CompanyID}, &t.InboxID, &t.PipelineID, &t.StageID,
		&t.StageName, &t.Status, nullInt64{&t.OwnerID}, nullString{&priority}, &t.Source, &t.ReplyChannel, &t.Draft,
		jsonCol{&t.Properties}, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, timeCol{&t.LastActivityAt},
		timeCol{&t.StageEnteredAt}, nullTime{&t.ClosedAt})
	if priority != nil {
		t.Priority = ticket.Priority(*priority)
	}
	if t.Properties == nil {
		t.Properties = map[string]any{}
	}
	return err
}

func priorityArg(p ticket.Priority) any {
	if p == "" {
		return nil
	}
	return string(p)
}

// ticketRefs turns foreign-key failures on tickets into field problems.
func ticketRefs(err error) error {
	if errors.Is(err, errForeignKey) {
		return apperr.InvalidField("stage_id", "the ticket refers to something that does not exist")
	}
	return err
}

// CreateTicket inserts a ticket and fills in its id.
func (db *DB) CreateTicket(ctx context.Context, t *ticket.Ticket) error {
	props, err := jsonArg(t.Properties)
	if err != nil {
		return err
	}
	db.queuesChanged(ctx)
	id, err := db.insert(ctx, `INSERT INTO tickets (subject, requester_id, company_id, inbox_id, pipeline_id, stage_id, owner_id,
		priority, source, reply_channel, draft, properties, created_at, updated_at, last_activity_at, stage_entered_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Subject, t.RequesterID, nullable(t.CompanyID), t.InboxID, t.PipelineID, t.StageID, nullable(t.OwnerID),
		priorityArg(t.Priority), t.Source, t.ReplyChannel, t.Draft, props, t.CreatedAt, t.UpdatedAt, t.LastActivityAt,
		t.StageEnteredAt, nullable(t.ClosedAt))
	if err != nil {
		return ticketRefs(err)
	}
	t.ID = id
	return nil
}

// Ticket returns one ticket.
func (db *DB) Ticket(ctx context.Context, id int64) (*ticket.Ticket, error) {
	var t ticket.Ticket
	err := scanTicket(db.queryRow(ctx, "SELECT "+ticketColumns+" FROM "+ticketFrom+" WHERE t.id = ?", id), &t)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	return &t, nil
}

// UpdateTicket writes every mutable field of t. Callers set t.UpdatedAt
// to the time of the change: customer lists keep rows until it moves
// (pageRows).
func (db *DB) UpdateTicket(ctx context.Context, t *ticket.Ticket) error {
	props, err := jsonArg(t.Properties)
	if err != nil {
		return err
	}
	db.queuesChanged(ctx)
	res, err := db.exec(ctx, `UPDATE tickets SET subject = ?, company_id = ?, inbox_id = ?, pipeline_id = ?, stage_id = ?, owner_id = ?,
		priority = ?, reply_channel = ?, draft = ?, properties = ?, updated_at = ?, last_activity_at = ?, stage_entered_at = ?, closed_at = ?
		WHERE id = ?`,
		t.Subject, nullable(t.CompanyID), t.InboxID, t.PipelineID, t.StageID, nullable(t.OwnerID), priorityArg(t.Priority),
		t.ReplyChannel, t.Draft, props, t.UpdatedAt, t.LastActivityAt, t.StageEnteredAt, nullable(t.ClosedAt), t.ID)
	if err != nil {
		return ticketRefs(err)
	}
	return mustAffect(res, "ticket")
}

// ticketSortColumns maps sort names to columns.
var ticketSortColumns = map[string]string{
	ticket.SortID:           "t.id",
	ticket.SortCreated:      "t.created_at",
	ticket.SortLastActivity: "t.last_activity_at",
}

// Tickets lists tickets for agents with keyset pagination: the cursor holds
// the last row's sort key and id, so a page deep in the list costs what
// the first one does.
func (db *DB) Tickets(ctx context.Context, f ticket.Filter) (ticket.Page, error) {
	where := []string{"NOT t.draft"}
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
	if f.OwnerID != 0 {
		add("t.owner_id = ?", f.OwnerID)
	}
	if f.Unassigned {
		add("t.owner_id IS NULL")
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
	if f.Q != "" {
		cond, a := db.dialect.textSearch(f.Q, true)
		add(cond, a...)
	}
	out := ticket.Page{Items: []ticket.Ticket{}}
	cond := " WHERE " + strings.Join(where, " AND ")
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM "+ticketFrom+cond, args...).Scan(&out.Total); err != nil {
		return out, err
	}

	col, ok := ticketSortColumns[f.Sort]
	if f.Sort == "" {
		col, ok = "t.id", true
	}
	if !ok {
		return out, apperr.InvalidField("sort", "must be id, created_at or last_activity_at")
	}
	var err error
	out.Items, out.NextCursor, err = db.keysetTickets(ctx, ticketFrom, where, args, col, f.Asc, f.Cursor, f.Limit)
	return out, err
}

// keysetTickets reads one keyset page of the tickets (ticketColumns) of
// from that the conditions where hold, sorted by col (t.id, t.created_at
// or t.last_activity_at) then id, after the cursor cur: the page and the
// cursor of the next one.
func (db *DB) keysetTickets(ctx context.Context, from string, where []string, args []any, col string, asc bool, cur string, limit int) ([]ticket.Ticket, string, error) {
	after, aargs, order, err := keyset(col, asc, cur)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		where, args = append(slices.Clone(where), after), append(slices.Clone(args), aargs...)
	}
	limit = pageLimit(limit)
	rows, err := db.query(ctx, "SELECT "+ticketColumns+" FROM "+from+" WHERE "+strings.Join(where, " AND ")+order+limitOffset(limit+1, 0),
		args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items := []ticket.Ticket{}
	for rows.Next() {
		if len(items) == limit {
			last := items[limit-1]
			next := cursor{ID: last.ID}
			switch col {
			case "t.created_at":
				next.Key = last.CreatedAt.Format(time.RFC3339Nano)
			case "t.last_activity_at":
				next.Key = last.LastActivityAt.Format(time.RFC3339Nano)
			}
			return items, next.String(), nil
		}
		var t ticket.Ticket
		if err := scanTicket(rows, &t); err != nil {
			return nil, "", err
		}
		items = append(items, t)
	}
	return items, "", rows.Err()
}

// CreateMessage inserts a message and its attachments.
func (db *DB) CreateMessage(ctx context.Context, m *ticket.Message) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		var agentID, contactID *int64
		switch m.Author.Type {
		case ticket.AuthorAgent:
			agentID = m.Author.ID
		case ticket.AuthorContact:
			contactID = m.Author.ID
		}
		var emailID *string
		if m.EmailMessageID != "" {
			emailID = &m.EmailMessageID
		}
		id, err := db.insert(ctx, `INSERT INTO messages (ticket_id, author_type, author_agent_id, author_contact_id, body, internal,
			resolution, channel, email_message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.TicketID, m.Author.Type, nullable(agentID), nullable(contactID), m.Body, m.Internal, m.Resolution, m.Channel,
			nullable(emailID), m.CreatedAt)
		if errors.Is(err, errUnique) {
			return &apperr.Error{Kind: apperr.Conflict, Code: "duplicate_message", Message: "this email was already received"}
		}
		if err != nil {
			return err
		}
		m.ID = id
		for i := range m.Attachments {
			a := &m.Attachments[i]
			a.MessageID = &m.ID
			if a.ID, err = db.insert(ctx, `INSERT INTO attachments (ticket_id, message_id, blob_key, filename, content_type, size, sha256, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.TicketID, m.ID, a.Key, a.Filename, a.ContentType, a.Size, a.SHA256, a.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	})
}

// Messages returns a ticket's messages, oldest first, with attachments;
// internal notes only when internal is true.
func (db *DB) Messages(ctx context.Context, ticketID int64, internal bool) ([]ticket.Message, error) {
	// One query for the messages and their attachments: a ticket's page
	// reads them on every view.
	q := `SELECT m.id, m.author_type, COALESCE(m.author_agent_id, m.author_contact_id), m.body, m.internal, m.resolution, m.channel,
		m.created_at, a.id, a.blob_key, a.filename, a.content_type, a.size, a.sha256, a.created_at
		FROM messages m LEFT JOIN attachments a ON a.message_id = m.id AND a.ticket_id = m.ticket_id WHERE m.ticket_id = ?`
	if !internal {
		q += " AND NOT m.internal"
	}
	rows, err := db.query(ctx, q+" ORDER BY m.id, a.id", ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ticket.Message{}
	for rows.Next() {
		m := ticket.Message{TicketID: ticketID, Attachments: []ticket.Attachment{}}
		var aID, size *int64
		var key, filename, contentType, sum *string
		var at *time.Time
		if err := rows.Scan(&m.ID, &m.Author.Type, nullInt64{&m.Author.ID}, &m.Body, &m.Internal, &m.Resolution, &m.Channel,
			timeCol{&m.CreatedAt}, nullInt64{&aID}, nullString{&key}, nullString{&filename}, nullString{&contentType},
			nullInt64{&size}, nullString{&sum}, nullTime{&at}); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != m.ID {
			out = append(out, m)
		}
		if aID != nil {
			last := &out[len(out)-1]
			mid := last.ID
			last.Attachments = append(last.Attachments, ticket.Attachment{ID: *aID, TicketID: ticketID, MessageID: &mid,
				Key: deref0(key), Filename: deref0(filename), ContentType: deref0(contentType), Size: deref(size), SHA256: deref0(sum),
				CreatedAt: *at})
		}
	}
	return out, rows.Err()
}

// deref0 is *s, or "" for nil.
func deref0(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

const attachmentColumns = "id, ticket_id, message_id, blob_key, filename, content_type, size, sha256, created_at"

func scanAttachment(row interface{ Scan(...any) error }, a *ticket.Attachment) error {
	return row.Scan(&a.ID, &a.TicketID, nullInt64{&a.MessageID}, &a.Key, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, timeCol{&a.CreatedAt})
}

// Attachment returns one attachment's metadata.
func (db *DB) Attachment(ctx context.Context, id int64) (*ticket.Attachment, error) {
	var a ticket.Attachment
	err := scanAttachment(db.queryRow(ctx, "SELECT "+attachmentColumns+" FROM attachments WHERE id = ?", id), &a)
	return &a, notFound(err, "attachment")
}

// Rating returns a ticket's rating.
func (db *DB) Rating(ctx context.Context, ticketID int64) (*ticket.Rating, error) {
	var r ticket.Rating
	err := db.queryRow(ctx, `SELECT id, ticket_id, contact_id, agent_id, score, comment, created_at, updated_at
		FROM ratings WHERE ticket_id = ?`, ticketID).
		Scan(&r.ID, &r.TicketID, nullInt64{&r.ContactID}, nullInt64{&r.AgentID}, &r.Score, &r.Comment, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt})
	return &r, notFound(err, "rating")
}

// UpsertRating stores a ticket's rating, replacing an earlier one.
func (db *DB) UpsertRating(ctx context.Context, r *ticket.Rating) error {
	id, err := db.insert(ctx, `INSERT INTO ratings (ticket_id, contact_id, agent_id, score, comment, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET contact_id = excluded.contact_id, agent_id = excluded.agent_id,
			score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at`,
		r.TicketID, nullable(r.ContactID), nullable(r.AgentID), r.Score, r.Comment, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}
