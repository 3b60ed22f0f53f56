package store_test

import (
	"slices"
	"testing"

	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func stageNames(p *pipeline.Pipeline) []string {
	var out []string
	for i, s := range p.Stages {
		if s.Position != i {
			return append(out, "position out of order")
		}
		out = append(out, s.Name)
	}
	return out
}

func newPipeline(t testing.TB, db *store.DB, name string, stages ...string) *pipeline.Pipeline {
	t.Helper()
	p := &pipeline.Pipeline{Name: name}
	for i, s := range stages {
		state := pipeline.Open
		if s == "Done" {
			state = pipeline.Closed
		}
		p.Stages = append(p.Stages, pipeline.Stage{Name: s, State: state, Position: i})
	}
	if err := db.CreatePipeline(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreatePipeline(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		sales := &pipeline.Pipeline{Name: "Sales", Stages: []pipeline.Stage{
			{Name: "Lead", State: pipeline.Open, WaitingForAcceptance: true, Position: 0},
			{Name: "Won", State: pipeline.Closed, Position: 1},
		}}
		if err := db.CreatePipeline(ctx, sales); err != nil {
			t.Fatal(err)
		}
		if sales.ID == 0 || sales.Position != 1 || !sales.CreatedAt.Equal(clk.Now()) {
			t.Errorf("created %+v, want position 1 after Support", sales)
		}
		for _, s := range sales.Stages {
			if s.ID == 0 || s.PipelineID != sales.ID {
				t.Errorf("stage %+v not filled in", s)
			}
		}
		got, err := db.Pipeline(ctx, sales.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Sales" || !slices.Equal(stageNames(got), []string{"Lead", "Won"}) ||
			!got.Stages[0].WaitingForAcceptance || got.Stages[1].State != pipeline.Closed || got.Stages[1].ID != sales.Stages[1].ID {
			t.Errorf("Pipeline = %+v", got)
		}
		third := newPipeline(t, db, "Returns", "Received", "Done")
		if third.Position != 2 {
			t.Errorf("third pipeline at position %d, want 2", third.Position)
		}
		all, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range all {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, []string{"Support", "Sales", "Returns"}) {
			t.Errorf("Pipelines = %q", names)
		}
		_, err = db.Pipeline(ctx, third.ID+1000)
		wantKind(t, err, apperr.NotFound)
	})
}

func TestInsertStage(t *testing.T) {
	tests := []struct {
		position int
		want     []string
	}{
		{0, []string{"Triage", "A", "B", "Done"}},
		{1, []string{"A", "Triage", "B", "Done"}},
		{2, []string{"A", "B", "Triage", "Done"}},
		{3, []string{"A", "B", "Done", "Triage"}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		for _, tt := range tests {
			t.Run(tt.want[tt.position], func(t *testing.T) {
				p := newPipeline(t, db, "Flow", "A", "B", "Done")
				s := &pipeline.Stage{PipelineID: p.ID, Name: "Triage", State: pipeline.Open, Position: tt.position}
				if err := db.InsertStage(ctx, s); err != nil {
					t.Fatal(err)
				}
				got, err := db.Pipeline(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(stageNames(got), tt.want) {
					t.Errorf("stages after inserting at %d = %q, want %q", tt.position, stageNames(got), tt.want)
				}
				if st, ok := got.Stage(s.ID); !ok || st.Name != "Triage" {
					t.Errorf("inserted stage id %d not found", s.ID)
				}
				// Other pipelines are left alone.
				support := supportPipeline(t, db)
				if !slices.Equal(stageNames(&support), []string{"New", "In progress", "Waiting on customer", "Closed"}) {
					t.Errorf("Support stages = %q", stageNames(&support))
				}
			})
		}
	})
}

func TestOneWaitingStagePerPipeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		support := supportPipeline(t, db)
		err := db.InsertStage(ctx, &pipeline.Stage{PipelineID: support.ID, Name: "Second inbox", State: pipeline.Open,
			WaitingForAcceptance: true, Position: 0})
		if err == nil {
			t.Fatal("a second waiting stage was accepted")
		}
		// The failed insert moved nothing.
		after := supportPipeline(t, db)
		if !slices.Equal(stageNames(&after), stageNames(&support)) {
			t.Errorf("stages after a failed insert = %q, want %q", stageNames(&after), stageNames(&support))
		}

		twice := &pipeline.Pipeline{Name: "Twice", Stages: []pipeline.Stage{
			{Name: "One", State: pipeline.Open, WaitingForAcceptance: true, Position: 0},
			{Name: "Two", State: pipeline.Open, WaitingForAcceptance: true, Position: 1},
			{Name: "Done", State: pipeline.Closed, Position: 2},
		}}
		if err := db.CreatePipeline(ctx, twice); err == nil {
			t.Fatal("a pipeline with two waiting stages was accepted")
		}
		all, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Errorf("a failed CreatePipeline left %d pipelines", len(all))
		}

		// A closed stage cannot wait for acceptance.
		err = db.InsertStage(ctx, &pipeline.Stage{PipelineID: newPipeline(t, db, "Plain", "Open", "Done").ID,
			Name: "Closed waiting", State: pipeline.Closed, WaitingForAcceptance: true, Position: 0})
		if err == nil {
			t.Error("a closed stage waiting for acceptance was accepted")
		}
		// Another pipeline may have its own waiting stage.
		other := newPipeline(t, db, "Other", "Open", "Done")
		if err := db.InsertStage(ctx, &pipeline.Stage{PipelineID: other.ID, Name: "Inbox", State: pipeline.Open,
			WaitingForAcceptance: true, Position: 0}); err != nil {
			t.Errorf("waiting stage in a second pipeline: %v", err)
		}
	})
}

func TestTicketStageBelongsToItsPipeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		support := supportPipeline(t, db)
		other := newPipeline(t, db, "Other", "Open", "Done")
		ada := newContact(t, db, "Ada", "", nil)

		tests := []struct {
			name              string
			pipelineID, stage int64
			ok                bool
		}{
			{"stage of its pipeline", support.ID, support.Stages[1].ID, true},
			{"other pipeline with its stage", other.ID, other.Stages[1].ID, true},
			{"stage of another pipeline", support.ID, other.Stages[0].ID, false},
			{"other pipeline with a Support stage", other.ID, support.Stages[0].ID, false},
			{"no such stage", support.ID, other.Stages[1].ID + 1000, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				set := func(tk *ticket.Ticket) { tk.PipelineID, tk.StageID = tt.pipelineID, tt.stage }
				t.Run("insert", func(t *testing.T) {
					tk := newTicketValue(t, db, ada.ID)
					set(tk)
					err := db.CreateTicket(ctx, tk)
					if tt.ok {
						if err != nil {
							t.Fatal(err)
						}
						return
					}
					wantKind(t, err, apperr.Invalid)
				})
				t.Run("update", func(t *testing.T) {
					tk := newTicket(t, db, "Move me", ada)
					set(tk)
					err := db.UpdateTicket(ctx, tk)
					if tt.ok {
						if err != nil {
							t.Fatal(err)
						}
						got, err := db.Ticket(ctx, tk.ID)
						if err != nil || got.StageID != tt.stage || got.PipelineID != tt.pipelineID {
							t.Errorf("after the move: %+v, %v", got, err)
						}
						return
					}
					wantKind(t, err, apperr.Invalid)
					got, err := db.Ticket(ctx, tk.ID)
					if err != nil || got.StageID != support.Stages[0].ID || got.PipelineID != support.ID {
						t.Errorf("a refused move changed the ticket: %+v, %v", got, err)
					}
				})
			})
		}
	})
}

// newTicketValue is an unsaved ticket in Support's first stage.
func newTicketValue(t testing.TB, db *store.DB, requesterID int64) *ticket.Ticket {
	t.Helper()
	p := supportPipeline(t, db)
	inboxes, err := db.Inboxes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	return &ticket.Ticket{Subject: "Unsaved", RequesterID: requesterID, InboxID: inboxes[0].ID, PipelineID: p.ID,
		StageID: p.Stages[0].ID, Source: ticket.SourceAPI, ReplyChannel: ticket.ChannelEmail, Properties: map[string]any{},
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now, StageEnteredAt: now}
}

func TestInboxes(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		billing := &pipeline.Inbox{Name: "Billing", Email: ptr("billing@example.com")}
		if err := db.CreateInbox(ctx, billing); err != nil {
			t.Fatal(err)
		}
		if billing.ID == 0 || !billing.CreatedAt.Equal(clk.Now()) {
			t.Errorf("created %+v", billing)
		}
		got, err := db.Inbox(ctx, billing.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Billing" || got.Email == nil || *got.Email != "billing@example.com" {
			t.Errorf("Inbox = %+v", got)
		}
		all, err := db.Inboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Name != "Support" || all[0].Email != nil || all[1].ID != billing.ID {
			t.Errorf("Inboxes = %+v", all)
		}
		_, err = db.Inbox(ctx, billing.ID+1000)
		wantKind(t, err, apperr.NotFound)
	})
}
