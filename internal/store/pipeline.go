package store

import (
	"context"
	"errors"
	"slices"

	"portico/internal/apperr"
	"portico/internal/pipeline"
)

// Pipelines lists pipelines in order, each with its stages in order.
func (db *DB) Pipelines(ctx context.Context) ([]pipeline.Pipeline, error) {
	return cachedList(ctx, db, "pipelines", func() ([]pipeline.Pipeline, error) { return db.pipelines(ctx, "") },
		func(ps []pipeline.Pipeline) []pipeline.Pipeline {
			out := slices.Clone(ps)
			for i := range out {
				out[i].Stages = slices.Clone(out[i].Stages)
			}
			return out
		})
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
		db.settingsChanged(ctx)
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
		db.settingsChanged(ctx)
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
	return cachedList(ctx, db, "inboxes", func() ([]pipeline.Inbox, error) { return db.inboxes(ctx) }, slices.Clone)
}

func (db *DB) inboxes(ctx context.Context) ([]pipeline.Inbox, error) {
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
	db.settingsChanged(ctx)
	ib.ID, ib.CreatedAt = id, now
	return nil
}

// RenamePipeline changes a pipeline's name.
func (db *DB) RenamePipeline(ctx context.Context, id int64, name string) error {
	res, err := db.exec(ctx, "UPDATE pipelines SET name = ? WHERE id = ?", name, id)
	if err != nil {
		return err
	}
	db.settingsChanged(ctx)
	return mustAffect(res, "pipeline")
}

// DeletePipeline removes a pipeline with its stages, and the portals'
// choices of its closing stage.
func (db *DB) DeletePipeline(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		db.settingsChanged(ctx)
		var n int
		if err := db.queryRow(ctx, "SELECT (SELECT COUNT(*) FROM tickets WHERE pipeline_id = ?) + (SELECT COUNT(*) FROM forms WHERE pipeline_id = ?)",
			id, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return pipelineInUse(nil)
		}
		if _, err := db.exec(ctx, "DELETE FROM portal_close_stages WHERE pipeline_id = ?", id); err != nil {
			return err
		}
		if _, err := db.exec(ctx, "DELETE FROM stages WHERE pipeline_id = ?", id); err != nil {
			return pipelineInUse(err)
		}
		res, err := db.exec(ctx, "DELETE FROM pipelines WHERE id = ?", id)
		if err != nil {
			return pipelineInUse(err)
		}
		return mustAffect(res, "pipeline")
	})
}

func pipelineInUse(err error) error {
	if err != nil && !errors.Is(err, errForeignKey) {
		return err
	}
	return &apperr.Error{Kind: apperr.Conflict, Code: "pipeline_in_use",
		Message: "tickets or forms use this pipeline; move them or delete the forms first", Err: err}
}

// UpdateStages writes each stage's name, state, waiting flag and position.
// A portal whose closing stage for the pipeline is no longer closed falls
// back to the pipeline's first closed stage.
func (db *DB) UpdateStages(ctx context.Context, p *pipeline.Pipeline) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		db.settingsChanged(ctx)
		// The flag moves in two steps: one stage may hold it at a time.
		if _, err := db.exec(ctx, "UPDATE stages SET waiting_for_acceptance = ? WHERE pipeline_id = ?", false, p.ID); err != nil {
			return err
		}
		for _, st := range p.Stages {
			res, err := db.exec(ctx, "UPDATE stages SET name = ?, state = ?, waiting_for_acceptance = ?, position = ? WHERE id = ? AND pipeline_id = ?",
				st.Name, st.State, st.WaitingForAcceptance, st.Position, st.ID, p.ID)
			if err != nil {
				return stageConflict(err)
			}
			if err := mustAffect(res, "stage"); err != nil {
				return err
			}
		}
		_, err := db.exec(ctx, `DELETE FROM portal_close_stages WHERE pipeline_id = ?
			AND stage_id IN (SELECT id FROM stages WHERE pipeline_id = ? AND state <> 'closed')`, p.ID, p.ID)
		return err
	})
}

// DeleteStage removes a stage no ticket is in.
func (db *DB) DeleteStage(ctx context.Context, pipelineID, stageID int64) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		db.settingsChanged(ctx)
		busy, err := db.StageHasTickets(ctx, stageID)
		if err != nil {
			return err
		}
		if busy {
			return stageInUse(nil)
		}
		if _, err := db.exec(ctx, "DELETE FROM portal_close_stages WHERE stage_id = ?", stageID); err != nil {
			return err
		}
		res, err := db.exec(ctx, "DELETE FROM stages WHERE id = ? AND pipeline_id = ?", stageID, pipelineID)
		if err != nil {
			return stageInUse(err)
		}
		return mustAffect(res, "stage")
	})
}

func stageInUse(err error) error {
	if err != nil && !errors.Is(err, errForeignKey) {
		return err
	}
	return &apperr.Error{Kind: apperr.Conflict, Code: "stage_has_tickets",
		Message: "tickets are in this stage; move them before deleting it", Err: err}
}

// ClosingStages names, for each stage of the pipeline that portals close
// their customers' tickets into (SPEC P15), the slugs of those portals.
func (db *DB) ClosingStages(ctx context.Context, pipelineID int64) (map[int64][]string, error) {
	rows, err := db.query(ctx, `SELECT c.stage_id, p.slug FROM portal_close_stages c JOIN portals p ON p.id = c.portal_id
		WHERE c.pipeline_id = ? ORDER BY p.slug`, pipelineID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var stage int64
		var slug string
		if err := rows.Scan(&stage, &slug); err != nil {
			return nil, err
		}
		out[stage] = append(out[stage], slug)
	}
	return out, rows.Err()
}

// StageHasTickets reports whether any ticket, draft or not, is in the stage.
func (db *DB) StageHasTickets(ctx context.Context, stageID int64) (bool, error) {
	var n int
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE stage_id = ? LIMIT 1) x", stageID).Scan(&n)
	return n > 0, err
}
