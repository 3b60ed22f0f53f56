// Package pipeline is about where tickets live and move: inboxes receive
// them, pipelines order their stages, and each stage is open or closed.
package pipeline

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/event"
)

// Stage states.
const (
	Open   = "open"
	Closed = "closed"
)

// Pipeline is a ticket workflow.
type Pipeline struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Position  int       `json:"position"`
	Stages    []Stage   `json:"stages"`
	CreatedAt time.Time `json:"created_at"`
}

// Stage is a step of a pipeline.
type Stage struct {
	ID                   int64  `json:"id"`
	PipelineID           int64  `json:"pipeline_id"`
	Name                 string `json:"name"`
	State                string `json:"state"`
	WaitingForAcceptance bool   `json:"waiting_for_acceptance"`
	Position             int    `json:"position"`
}

// Stage returns the pipeline's stage with this id.
func (p *Pipeline) Stage(id int64) (*Stage, bool) {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i], true
		}
	}
	return nil, false
}

// FirstStage is where new tickets start.
func (p *Pipeline) FirstStage() *Stage {
	if len(p.Stages) == 0 {
		return nil
	}
	return &p.Stages[0]
}

// Inbox receives tickets.
type Inbox struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     *string   `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// StageInput adds a stage.
type StageInput struct {
	Name                 string `json:"name"`
	State                string `json:"state"`
	WaitingForAcceptance bool   `json:"waiting_for_acceptance"`
	// Position puts the stage before the one now at it; nil appends.
	Position *int `json:"position"`
}

// PipelineInput creates a pipeline with its stages (at least one open and
// one closed). Without stages it gets "New" (waiting) and "Closed".
type PipelineInput struct {
	Name   string       `json:"name"`
	Stages []StageInput `json:"stages"`
}

// InboxInput creates an inbox.
type InboxInput struct {
	Name  string  `json:"name"`
	Email *string `json:"email"`
}

// Store is what the service needs from storage.
type Store interface {
	Pipelines(ctx context.Context) ([]Pipeline, error)
	Pipeline(ctx context.Context, id int64) (*Pipeline, error)
	CreatePipeline(ctx context.Context, p *Pipeline) error
	// InsertStage puts st at st.Position, moving later stages down.
	InsertStage(ctx context.Context, st *Stage) error
	Inboxes(ctx context.Context) ([]Inbox, error)
	Inbox(ctx context.Context, id int64) (*Inbox, error)
	CreateInbox(ctx context.Context, in *Inbox) error
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	RenamePipeline(ctx context.Context, id int64, name string) error
	// DeletePipeline removes a pipeline and its stages; one that tickets
	// or forms use is a conflict.
	DeletePipeline(ctx context.Context, id int64) error
	// UpdateStages writes the name, state, flag and position of each of
	// the pipeline's stages.
	UpdateStages(ctx context.Context, p *Pipeline) error
	// DeleteStage removes a stage; one that tickets are in is a conflict.
	DeleteStage(ctx context.Context, pipelineID, stageID int64) error
	// StageHasTickets reports whether any ticket is in the stage.
	StageHasTickets(ctx context.Context, stageID int64) (bool, error)
	// ClosingStages names, for each stage of the pipeline that a portal
	// closes its tickets into, the slugs of those portals.
	ClosingStages(ctx context.Context, pipelineID int64) (map[int64][]string, error)
	// CreateAudit adds an entry to the audit log (SPEC A11).
	CreateAudit(ctx context.Context, a *event.Audit) error
}

// Service holds the rules for pipelines, stages and inboxes.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Pipelines lists pipelines with their stages in order.
func (s *Service) Pipelines(ctx context.Context) ([]Pipeline, error) { return s.store.Pipelines(ctx) }

// Pipeline returns one pipeline with its stages.
func (s *Service) Pipeline(ctx context.Context, id int64) (*Pipeline, error) {
	return s.store.Pipeline(ctx, id)
}

func checkName(v apperr.Validation, field, name string) {
	if name == "" {
		v.Add(field, "is required")
	} else if utf8.RuneCountInString(name) > 100 {
		v.Add(field, "must be at most 100 characters")
	}
}

func checkStage(v apperr.Validation, prefix string, in *StageInput) {
	in.Name = strings.TrimSpace(in.Name)
	checkName(v, prefix+"name", in.Name)
	if in.State == "" {
		in.State = Open
	}
	if in.State != Open && in.State != Closed {
		v.Add(prefix+"state", "must be open or closed")
	}
	if in.WaitingForAcceptance && in.State == Closed {
		v.Add(prefix+"waiting_for_acceptance", "only an open stage can be waiting for acceptance")
	}
}

// CreatePipeline adds a pipeline and its stages; by is written to the
// audit log with it.
func (s *Service) CreatePipeline(ctx context.Context, by event.Actor, in PipelineInput) (*Pipeline, error) {
	v := apperr.Validation{}
	name := strings.TrimSpace(in.Name)
	checkName(v, "name", name)
	if len(in.Stages) == 0 {
		in.Stages = []StageInput{{Name: "New", State: Open, WaitingForAcceptance: true}, {Name: "Closed", State: Closed}}
	}
	if len(in.Stages) > 50 {
		v.Add("stages", "at most 50 stages")
	}
	open, closed, waiting := 0, 0, 0
	for i := range in.Stages {
		st := &in.Stages[i]
		checkStage(v, "stages."+strconv.Itoa(i)+".", st)
		switch {
		case st.State == Open:
			open++
		case st.State == Closed:
			closed++
		}
		if st.WaitingForAcceptance {
			waiting++
		}
	}
	if open == 0 || closed == 0 {
		v.Add("stages", "need at least one open and one closed stage")
	}
	if waiting > 1 {
		v.Add("stages", "only one stage may be waiting for acceptance")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &Pipeline{Name: name}
	for i, st := range in.Stages {
		p.Stages = append(p.Stages, Stage{Name: st.Name, State: st.State, WaitingForAcceptance: st.WaitingForAcceptance, Position: i})
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreatePipeline(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, by, "pipeline.created", targetPipeline, p.ID, nil, pipelineDoc(p, nil))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// AddStage adds a stage to a pipeline.
func (s *Service) AddStage(ctx context.Context, by event.Actor, pipelineID int64, in StageInput) (*Pipeline, error) {
	var out *Pipeline
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.store.Pipeline(ctx, pipelineID)
		if err != nil {
			return err
		}
		v := apperr.Validation{}
		checkStage(v, "", &in)
		pos := len(p.Stages)
		if in.Position != nil {
			if *in.Position < 0 || *in.Position > len(p.Stages) {
				v.Add("position", "must be between 0 and "+strconv.Itoa(len(p.Stages)))
			} else {
				pos = *in.Position
			}
		}
		if in.WaitingForAcceptance {
			for _, st := range p.Stages {
				if st.WaitingForAcceptance {
					v.Add("waiting_for_acceptance", "the pipeline already has a stage waiting for acceptance: "+st.Name)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		st := &Stage{PipelineID: p.ID, Name: in.Name, State: in.State, WaitingForAcceptance: in.WaitingForAcceptance, Position: pos}
		if err := s.store.InsertStage(ctx, st); err != nil {
			return err
		}
		if out, err = s.store.Pipeline(ctx, pipelineID); err != nil {
			return err
		}
		after := stageDoc(out, *st, nil)
		after["order"] = stageNames(out.Stages)
		return s.audit(ctx, by, "stage.created", targetStage, st.ID, nil, after)
	})
	return out, err
}

// Inboxes lists inboxes.
func (s *Service) Inboxes(ctx context.Context) ([]Inbox, error) { return s.store.Inboxes(ctx) }

// CreateInbox adds an inbox.
func (s *Service) CreateInbox(ctx context.Context, by event.Actor, in InboxInput) (*Inbox, error) {
	v := apperr.Validation{}
	name := strings.TrimSpace(in.Name)
	checkName(v, "name", name)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ib := &Inbox{Name: name, Email: in.Email}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateInbox(ctx, ib); err != nil {
			return err
		}
		return s.audit(ctx, by, "inbox.created", targetInbox, ib.ID, nil, map[string]any{"name": ib.Name, "email": ib.Email})
	})
	if err != nil {
		return nil, err
	}
	return ib, nil
}

// PipelineUpdate renames a pipeline.
type PipelineUpdate struct {
	Name *string `json:"name"`
}

// UpdatePipeline changes a pipeline's name.
func (s *Service) UpdatePipeline(ctx context.Context, by event.Actor, id int64, in PipelineUpdate) (*Pipeline, error) {
	if in.Name == nil {
		return s.store.Pipeline(ctx, id)
	}
	v := apperr.Validation{}
	name := strings.TrimSpace(*in.Name)
	checkName(v, "name", name)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Pipeline
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Pipeline(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.RenamePipeline(ctx, id, name); err != nil {
			return err
		}
		if out, err = s.store.Pipeline(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, by, "pipeline.renamed", targetPipeline, id, pipelineDoc(before, nil), pipelineDoc(out, nil))
	})
	return out, err
}

// DeletePipeline removes a pipeline that no ticket or form uses; the last
// pipeline stays, since every ticket needs one. The portals that closed
// tickets into one of its stages lose that choice, which the audit log
// keeps.
func (s *Service) DeletePipeline(ctx context.Context, by event.Actor, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.store.Pipeline(ctx, id)
		if err != nil {
			return err
		}
		all, err := s.store.Pipelines(ctx)
		if err != nil {
			return err
		}
		if len(all) <= 1 {
			return apperr.E(apperr.Conflict, "last_pipeline", "the last pipeline cannot be deleted")
		}
		closing, err := s.store.ClosingStages(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeletePipeline(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, by, "pipeline.deleted", targetPipeline, id, pipelineDoc(p, closing), nil)
	})
}

// StageUpdate changes any of a stage's name, state, waiting flag and
// position (0 is first).
type StageUpdate struct {
	Name                 *string `json:"name"`
	State                *string `json:"state"`
	WaitingForAcceptance *bool   `json:"waiting_for_acceptance"`
	Position             *int    `json:"position"`
}

// UpdateStage changes a stage. The pipeline keeps at least one open and
// one closed stage and at most one waiting for acceptance; marking a stage
// as waiting takes the mark from the stage that had it. The state of a
// stage with tickets in it stays, since their status and closing time
// follow it.
func (s *Service) UpdateStage(ctx context.Context, by event.Actor, pipelineID, stageID int64, in StageUpdate) (*Pipeline, error) {
	var out *Pipeline
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.store.Pipeline(ctx, pipelineID)
		if err != nil {
			return err
		}
		before := *p
		before.Stages = slices.Clone(p.Stages)
		i := slices.IndexFunc(p.Stages, func(st Stage) bool { return st.ID == stageID })
		if i < 0 {
			return apperr.NotFoundf("stage")
		}
		st := p.Stages[i]
		v := apperr.Validation{}
		if in.Name != nil {
			st.Name = strings.TrimSpace(*in.Name)
			checkName(v, "name", st.Name)
		}
		if in.State != nil {
			if *in.State != Open && *in.State != Closed {
				v.Add("state", "must be open or closed")
			} else if *in.State != st.State {
				busy, err := s.store.StageHasTickets(ctx, st.ID)
				if err != nil {
					return err
				}
				if busy {
					return apperr.E(apperr.Conflict, "stage_has_tickets", "tickets are in this stage; move them before changing its state")
				}
				st.State = *in.State
				if st.State == Closed && in.WaitingForAcceptance == nil {
					st.WaitingForAcceptance = false
				}
			}
		}
		if in.WaitingForAcceptance != nil {
			st.WaitingForAcceptance = *in.WaitingForAcceptance
		}
		if st.WaitingForAcceptance && st.State == Closed {
			v.Add("waiting_for_acceptance", "only an open stage can be waiting for acceptance")
		}
		if in.Position != nil && (*in.Position < 0 || *in.Position >= len(p.Stages)) {
			v.Add("position", "must be between 0 and "+strconv.Itoa(len(p.Stages)-1))
		}
		if err := v.Err(); err != nil {
			return err
		}
		if st.WaitingForAcceptance {
			for j := range p.Stages {
				p.Stages[j].WaitingForAcceptance = false
			}
		}
		p.Stages[i] = st
		if in.Position != nil && *in.Position != i {
			moved := p.Stages[i]
			p.Stages = slices.Insert(slices.Delete(p.Stages, i, i+1), *in.Position, moved)
		}
		if err := checkStates(p.Stages); err != nil {
			return err
		}
		for j := range p.Stages {
			p.Stages[j].Position = j
		}
		closingBefore, err := s.store.ClosingStages(ctx, pipelineID)
		if err != nil {
			return err
		}
		if err := s.store.UpdateStages(ctx, p); err != nil {
			return err
		}
		closingAfter, err := s.store.ClosingStages(ctx, pipelineID)
		if err != nil {
			return err
		}
		out = p
		b, a := stageChange(&before, p, stageID, closingBefore, closingAfter)
		return s.audit(ctx, by, "stage.updated", targetStage, stageID, b, a)
	})
	return out, err
}

// MoveStage moves a stage by delta places (-1 is up, towards the first).
func (s *Service) MoveStage(ctx context.Context, by event.Actor, pipelineID, stageID int64, delta int) (*Pipeline, error) {
	p, err := s.store.Pipeline(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(p.Stages, func(st Stage) bool { return st.ID == stageID })
	if i < 0 {
		return nil, apperr.NotFoundf("stage")
	}
	pos := min(max(i+delta, 0), len(p.Stages)-1)
	return s.UpdateStage(ctx, by, pipelineID, stageID, StageUpdate{Position: &pos})
}

// DeleteStage removes a stage that no ticket is in, keeping an open and a
// closed stage in the pipeline.
func (s *Service) DeleteStage(ctx context.Context, by event.Actor, pipelineID, stageID int64) (*Pipeline, error) {
	var out *Pipeline
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.store.Pipeline(ctx, pipelineID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(p.Stages, func(st Stage) bool { return st.ID == stageID })
		if i < 0 {
			return apperr.NotFoundf("stage")
		}
		rest := slices.Delete(slices.Clone(p.Stages), i, i+1)
		if err := checkStates(rest); err != nil {
			return err
		}
		closing, err := s.store.ClosingStages(ctx, pipelineID)
		if err != nil {
			return err
		}
		gone := stageDoc(p, p.Stages[i], closing[stageID])
		gone["order"] = stageNames(p.Stages)
		if err := s.store.DeleteStage(ctx, pipelineID, stageID); err != nil {
			return err
		}
		for j := range rest {
			rest[j].Position = j
		}
		p.Stages = rest
		if err := s.store.UpdateStages(ctx, p); err != nil {
			return err
		}
		out = p
		return s.audit(ctx, by, "stage.deleted", targetStage, stageID, gone, map[string]any{"order": stageNames(rest)})
	})
	return out, err
}

// checkStates requires an open and a closed stage.
func checkStates(stages []Stage) error {
	open := slices.ContainsFunc(stages, func(st Stage) bool { return st.State == Open })
	closed := slices.ContainsFunc(stages, func(st Stage) bool { return st.State == Closed })
	if !open || !closed {
		return apperr.E(apperr.Conflict, "stages_required", "a pipeline needs at least one open and one closed stage")
	}
	return nil
}
