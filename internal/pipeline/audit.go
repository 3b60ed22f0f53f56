package pipeline

import (
	"context"
	"strconv"

	"portico/internal/event"
)

// What the audit log (SPEC A11) says changed: pipelines, their stages and
// inboxes. Stages are named in the entries, not just numbered, so that an
// entry still reads well once the stage is renamed or gone.
const (
	targetPipeline = "pipeline"
	targetStage    = "stage"
	targetInbox    = "inbox"
)

// audit records a change by by, in the caller's transaction. A change
// that changed nothing is not recorded.
func (s *Service) audit(ctx context.Context, by event.Actor, action, target string, id int64, before, after map[string]any) error {
	a, err := event.NewAudit(by, action, target, strconv.FormatInt(id, 10), nilIfEmpty(before), nilIfEmpty(after))
	if err != nil {
		return err
	}
	if string(a.Before) == "{}" && string(a.After) == "{}" {
		return nil
	}
	return s.store.CreateAudit(ctx, a)
}

func nilIfEmpty(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// pipelineDoc is what the audit log keeps of a pipeline. closing, when
// given, names the stages portals close tickets into, by portal.
func pipelineDoc(p *Pipeline, closing map[int64][]string) map[string]any {
	var closed []string
	var waiting any
	for _, st := range p.Stages {
		if st.State == Closed {
			closed = append(closed, st.Name)
		}
		if st.WaitingForAcceptance {
			waiting = st.Name
		}
	}
	doc := map[string]any{"name": p.Name, "stages": stageNames(p.Stages), "closed_stages": nonNil(closed), "waiting_stage": waiting}
	byPortal := map[string]string{}
	for _, st := range p.Stages {
		for _, slug := range closing[st.ID] {
			byPortal[slug] = st.Name
		}
	}
	if len(byPortal) > 0 {
		doc["close_stage_by_portal"] = byPortal
	}
	return doc
}

// stageDoc is what the audit log keeps of a stage of p; closingFor names
// the portals that close tickets into it.
func stageDoc(p *Pipeline, st Stage, closingFor []string) map[string]any {
	doc := map[string]any{"pipeline": p.Name, "name": st.Name, "state": st.State, "waiting_for_acceptance": st.WaitingForAcceptance}
	if len(closingFor) > 0 {
		doc["closing_stage_for"] = closingFor
	}
	return doc
}

// stageNames lists the stages' names in order.
func stageNames(stages []Stage) []string {
	out := make([]string, len(stages))
	for i, st := range stages {
		out[i] = st.Name
	}
	return out
}

// stageChange describes what a change to stage id did to its pipeline:
// the stage itself, the order of the stages when it moved, the stage
// that lost the waiting mark to it, and the portals that no longer close
// tickets into it.
func stageChange(before, after *Pipeline, id int64, closingBefore, closingAfter map[int64][]string) (map[string]any, map[string]any) {
	b, _ := before.Stage(id)
	a, _ := after.Stage(id)
	bd, ad := stageDoc(before, *b, nil), stageDoc(after, *a, nil)
	if !sameOrder(before.Stages, after.Stages) {
		bd["order"], ad["order"] = stageNames(before.Stages), stageNames(after.Stages)
	}
	if wb := waitingStage(before); wb != nil && wb.ID != id {
		if wa := waitingStage(after); wa == nil || wa.ID != wb.ID {
			bd["waiting_stage"] = wb.Name
			ad["waiting_stage"] = nil
			if wa != nil {
				ad["waiting_stage"] = wa.Name
			}
		}
	}
	if len(closingBefore[id]) > 0 || len(closingAfter[id]) > 0 {
		bd["closing_stage_for"], ad["closing_stage_for"] = nonNil(closingBefore[id]), nonNil(closingAfter[id])
	}
	return bd, ad
}

func sameOrder(a, b []Stage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}

func waitingStage(p *Pipeline) *Stage {
	for i := range p.Stages {
		if p.Stages[i].WaitingForAcceptance {
			return &p.Stages[i]
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
