package store

import (
	"context"
	"errors"

	"portico/internal/apperr"
	"portico/internal/pipeline"
)

// Pipelines lists pipelines in order, each with its stages in order.
func (db *DB) Pipelines(ctx context.Context) ([]pipeline.Pipeline, error) {
	return db.pipelines(ctx, "")
}

// Pipeline returns one pipeline with its stages.
func (db *DB) Pipeline(ctx context.Context, id int64) (*pipeline.Pipeline, error) {
	ps, err := db.pipelines(ctx, "WHERE p.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, apperr.NotFoundf("pipeline")
	}
	return &ps[0], nil
}

func (db *DB) pipelines(ctx context.Context, where string, args ...any) ([]pipeline.Pipeline, error) {
	rows, err := db.query(ctx, `SELECT p.id, p.name, p.position, p.created_at, s.id, s.name, s.state, s.waiting_for_acceptance, s.position
		FROM pipelines p JOIN stages s ON s.pipeline_id = p.id `+where+`
		ORDER BY p.position, p.id, s.position, s.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []pipeline.Pipeline{}
	for rows.Next() {
		var p pipeline.Pipeline
		var s pipeline.Stage
		if err := rows.Scan(&p.ID, &p.Name, &p.Position, timeCol{&p.CreatedAt}, &s.ID, &s.Name, &s.State, &s.WaitingForAcceptance, &s.Position); err != nil {
			return nil, err
		}
		s.PipelineID = p.ID
		if n := len(out); n == 0 || out[n-1].ID != p.ID {
			out = append(out, p)
		}
		last := &out[len(out)-1]
		last.Stages = append(last.Stages, s)
	}
	return out, rows.Err()
}

// CreatePipeline inserts a pipeline after the others, with its stages.
func (db *DB) CreatePipeline(ctx context.Context, p *pipeline.Pipeline) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		now := db.Now()
		id, err := db.insert(ctx, `INSERT INTO pipelines (name, position, created_at)
			VALUES (?, (SELECT COALESCE(MAX(position) + 1, 0) FROM pipelines), ?)`, p.Name, now)
		if err != nil {
			return err
		}
		p.ID, p.CreatedAt = id, now
		for i := range p.Stages {
			s := &p.Stages[i]
			s.PipelineID = id
			if s.ID, err = db.insert(ctx, `INSERT INTO stages (pipeline_id, name, state, waiting_for_acceptance, position, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, id, s.Name, s.State, s.WaitingForAcceptance, s.Position, now); err != nil {
				return stageConflict(err)
			}
		}
		return db.queryRow(ctx, "SELECT position FROM pipelines WHERE id = ?", id).Scan(&p.Position)
	})
}

// InsertStage puts a stage at its position, moving later ones down.
func (db *DB) InsertStage(ctx context.Context, s *pipeline.Stage) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, "UPDATE stages SET position = position + 1 WHERE pipeline_id = ? AND position >= ?", s.PipelineID, s.Position); err != nil {
			return err
		}
		id, err := db.insert(ctx, `INSERT INTO stages (pipeline_id, name, state, waiting_for_acceptance, position, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, s.PipelineID, s.Name, s.State, s.WaitingForAcceptance, s.Position, db.Now())
		s.ID = id
		return stageConflict(err)
	})
}

// stageConflict reports a second waiting stage in a pipeline.
func stageConflict(err error) error {
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "waiting_stage_exists",
			Message: "the pipeline already has a stage waiting for acceptance", Err: err}
	}
	return err
}

const inboxColumns = "id, name, email, created_at"

func scanInbox(row interface{ Scan(...any) error }, ib *pipeline.Inbox) error {
	return row.Scan(&ib.ID, &ib.Name, nullString{&ib.Email}, timeCol{&ib.CreatedAt})
}

// Inboxes lists inboxes, oldest first.
func (db *DB) Inboxes(ctx context.Context) ([]pipeline.Inbox, error) {
	rows, err := db.query(ctx, "SELECT "+inboxColumns+" FROM inboxes ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []pipeline.Inbox{}
	for rows.Next() {
		var ib pipeline.Inbox
		if err := scanInbox(rows, &ib); err != nil {
			return nil, err
		}
		out = append(out, ib)
	}
	return out, rows.Err()
}

// Inbox returns one inbox.
func (db *DB) Inbox(ctx context.Context, id int64) (*pipeline.Inbox, error) {
	var ib pipeline.Inbox
	err := scanInbox(db.queryRow(ctx, "SELECT "+inboxColumns+" FROM inboxes WHERE id = ?", id), &ib)
	return &ib, notFound(err, "inbox")
}

// CreateInbox inserts an inbox.
func (db *DB) CreateInbox(ctx context.Context, ib *pipeline.Inbox) error {
	now := db.Now()
	id, err := db.insert(ctx, "INSERT INTO inboxes (name, email, created_at) VALUES (?, ?, ?)", ib.Name, nullable(ib.Email), now)
	if err != nil {
		return err
	}
	ib.ID, ib.CreatedAt = id, now
	return nil
}
