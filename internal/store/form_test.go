package store_test

import (
	"context"
	"strconv"
	"testing"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/form"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPipeline(t, db, "Returns", "New", "Done")
		f := &form.Form{Name: "Return a device", InboxID: 1, PipelineID: p.ID,
			Fields: []form.Field{{Property: "priority", Required: true, Label: map[string]string{"pl": "Pilność"}}}}
		if err := db.CreateForm(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := db.Form(ctx, f.ID)
		if err != nil || got.Name != f.Name || got.PipelineID != p.ID || len(got.Fields) != 1 || got.Fields[0].Label["pl"] != "Pilność" || !got.Fields[0].Required {
			t.Fatalf("Form = %+v, %v", got, err)
		}
		got.Name, got.Fields = "Returns", []form.Field{}
		if err := db.UpdateForm(ctx, got); err != nil {
			t.Fatal(err)
		}
		if all, err := db.Forms(ctx); err != nil || len(all) != 1 || all[0].Name != "Returns" || len(all[0].Fields) != 0 {
			t.Fatalf("Forms = %+v, %v", all, err)
		}
		if _, err := db.Form(ctx, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("missing form: %v", err)
		}
		if err := db.UpdateForm(ctx, &form.Form{ID: 999999, Name: "x", InboxID: 1, PipelineID: p.ID}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("update of a missing form: %v", err)
		}

		t.Run("a pipeline a form uses stays", func(t *testing.T) {
			if err := db.DeletePipeline(ctx, p.ID); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("DeletePipeline = %v, want a conflict", err)
			}
		})

		t.Run("deleting a connected form brings back the built-in one at once", func(t *testing.T) {
			svc := portal.NewService(db)
			if _, err := svc.Update(ctx, "support", []byte(`{"support_form_id":`+strconv.FormatInt(f.ID, 10)+`}`)); err != nil {
				t.Fatal(err)
			}
			if s, _ := db.Portal(ctx, "support"); s.SupportFormID == nil || *s.SupportFormID != f.ID {
				t.Fatalf("support_form_id = %v", s.SupportFormID)
			}
			if err := db.DeleteForm(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
			if s, _ := db.Portal(ctx, "support"); s.SupportFormID != nil {
				t.Errorf("the cached portal still names form %d", *s.SupportFormID)
			}
			if err := db.DeleteForm(ctx, f.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("second delete = %v", err)
			}
		})
	})
}

func TestStageChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := pipeline.NewService(db)
		p := newPipeline(t, db, "Repairs", "New", "Fixing", "Done")
		up := 0
		got, err := svc.UpdateStage(ctx, event.System, p.ID, p.Stages[1].ID, pipeline.StageUpdate{Position: &up, WaitingForAcceptance: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if names := stageNames(got); len(names) != 3 || names[0] != "Fixing" || !got.Stages[0].WaitingForAcceptance {
			t.Fatalf("stages = %v", names)
		}
		reread, _ := db.Pipeline(ctx, p.ID)
		if names := stageNames(reread); names[0] != "Fixing" || names[1] != "New" || reread.Stages[1].WaitingForAcceptance {
			t.Errorf("stored stages = %v %+v", names, reread.Stages)
		}
		// The waiting mark moves: one stage holds it.
		if _, err := svc.UpdateStage(ctx, event.System, p.ID, p.Stages[0].ID, pipeline.StageUpdate{WaitingForAcceptance: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		reread, _ = db.Pipeline(ctx, p.ID)
		if !reread.Stages[1].WaitingForAcceptance || reread.Stages[0].WaitingForAcceptance {
			t.Errorf("waiting marks = %+v", reread.Stages)
		}
		// The last closed stage stays closed and stays.
		if _, err := svc.UpdateStage(ctx, event.System, p.ID, p.Stages[2].ID, pipeline.StageUpdate{State: ptr(pipeline.Open)}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("opening the last closed stage = %v", err)
		}
		if _, err := svc.DeleteStage(ctx, event.System, p.ID, p.Stages[2].ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("deleting the last closed stage = %v", err)
		}
		got, err = svc.DeleteStage(ctx, event.System, p.ID, p.Stages[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if names := stageNames(got); len(names) != 2 || names[0] != "New" || names[1] != "Done" {
			t.Errorf("after delete: %v", names)
		}
		if _, err := svc.UpdateStage(ctx, event.System, p.ID, 999999, pipeline.StageUpdate{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("missing stage = %v", err)
		}
		if err := svc.DeletePipeline(ctx, event.System, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pipeline(ctx, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("deleted pipeline: %v", err)
		}
	})
}
