package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/form"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestAuditLogPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := storetest.NewClock()
		db = db.WithClock(clk.Now)
		for i := range 7 {
			kind := "portal"
			if i%2 == 1 {
				kind = "account"
			}
			a, err := event.NewAudit(event.System, kind+".changed", kind, fmt.Sprint(i),
				map[string]any{"n": i, "same": true}, map[string]any{"n": i + 1, "same": true})
			if err != nil {
				t.Fatal(err)
			}
			if i == 3 {
				// two entries at the same moment: the id breaks the tie
				a.CreatedAt = clk.Now()
			} else {
				clk.Add(time.Second)
			}
			if err := db.CreateAudit(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		cur := ""
		for range 10 {
			p, err := db.AuditLog(ctx, store.AuditFilter{Limit: 3, Cursor: cur})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Items {
				got = append(got, e.TargetID)
			}
			if cur = p.Next; cur == "" {
				break
			}
		}
		if fmt.Sprint(got) != "[6 5 4 3 2 1 0]" {
			t.Errorf("newest first = %v", got)
		}
		p, err := db.AuditLog(ctx, store.AuditFilter{TargetTypes: []string{"account"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 3 || p.Items[0].TargetID != "5" {
			t.Fatalf("account entries = %+v", p.Items)
		}
		var b, a map[string]any
		if json.Unmarshal(p.Items[0].Before, &b) != nil || json.Unmarshal(p.Items[0].After, &a) != nil {
			t.Fatalf("before %s after %s", p.Items[0].Before, p.Items[0].After)
		}
		if fmt.Sprint(b) != "map[n:5]" || fmt.Sprint(a) != "map[n:6]" {
			t.Errorf("kept %v → %v, want only what changed", b, a)
		}
		if p.Items[0].ActorType != event.ActorSystem || p.Items[0].ActorID != nil {
			t.Errorf("actor = %s %v", p.Items[0].ActorType, p.Items[0].ActorID)
		}
		both, err := db.AuditLog(ctx, store.AuditFilter{TargetTypes: []string{"account", "portal"}})
		if err != nil || len(both.Items) != 7 {
			t.Errorf("entries about accounts and portals: %d, %v", len(both.Items), err)
		}
		none, err := db.AuditLog(ctx, store.AuditFilter{TargetTypes: []string{"form"}})
		if err != nil || len(none.Items) != 0 {
			t.Errorf("entries about forms: %d, %v", len(none.Items), err)
		}
		if _, err := db.AuditLog(ctx, store.AuditFilter{Cursor: "junk"}); err == nil {
			t.Error("a bad cursor is accepted")
		}
	})
}

// auditless is the store with an audit log that cannot be written.
type auditless struct{ *store.DB }

var errAuditDown = errors.New("the audit log is down")

func (auditless) CreateAudit(context.Context, *event.Audit) error { return errAuditDown }

// settingsSnapshot is everything the audited services change.
func settingsSnapshot(t *testing.T, db *store.DB, raw *rawDB) string {
	t.Helper()
	ctx := t.Context()
	var keys, entries int
	if err := raw.queryRow("SELECT (SELECT COUNT(*) FROM api_keys), (SELECT COUNT(*) FROM audit_log)").Scan(&keys, &entries); err != nil {
		t.Fatal(err)
	}
	parts := []any{keys, entries}
	for _, read := range []func() (any, error){
		func() (any, error) { return db.Pipelines(ctx) },
		func() (any, error) { return db.Inboxes(ctx) },
		func() (any, error) { return db.PropertyDefinitions(ctx) },
		func() (any, error) { return db.Forms(ctx) },
		func() (any, error) { return db.AccessGroups(ctx) },
		func() (any, error) { return db.Agents(ctx) },
		func() (any, error) { return db.Portals(ctx) },
	} {
		v, err := read()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, v)
	}
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A change and its audit entry commit together: when the entry cannot be
// written, the change is not made either.
func TestAuditIsPartOfTheChange(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, _ *clock) {
		ctx := t.Context()
		by := event.Actor{Type: event.ActorAgent, ID: 1}
		p := newPipeline(t, db, "Repairs", "New", "Fixing", "Done")
		// A pipeline no form uses, with a second closed stage portals close
		// tickets into.
		q := &pipeline.Pipeline{Name: "Spare", Stages: []pipeline.Stage{{Name: "New", State: pipeline.Open},
			{Name: "Done", State: pipeline.Closed, Position: 1}, {Name: "Archived", State: pipeline.Closed, Position: 2}}}
		if err := db.CreatePipeline(ctx, q); err != nil {
			t.Fatal(err)
		}
		if _, err := portal.NewService(db).Update(ctx, "support", []byte(`{"close_stage_by_pipeline":{"`+strconv.FormatInt(q.ID, 10)+`":`+strconv.FormatInt(q.Stages[2].ID, 10)+`}}`)); err != nil {
			t.Fatal(err)
		}
		prop, err := property.NewService(db).Create(ctx, by, property.Input{Name: "serial", Type: property.Text})
		if err != nil {
			t.Fatal(err)
		}
		f, err := form.NewService(db, nil).Create(ctx, by, form.Input{Name: ptr("Returns"), InboxID: ptr(int64(1)), PipelineID: &p.ID})
		if err != nil {
			t.Fatal(err)
		}
		contacts := contact.NewService(db)
		g, err := contacts.CreateAccessGroup(ctx, "Partners")
		if err != nil {
			t.Fatal(err)
		}
		ada, err := contacts.CreateContact(ctx, contact.ContactInput{FirstName: ptr("Ada")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := contacts.AddAccessGroupMembers(ctx, g.ID, []int64{ada.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.NewService(db).CreateAgent(ctx, by, agent.NewAgent{Email: "ops@portico.test", Password: "correct horse"}); err != nil {
			t.Fatal(err)
		}

		down := auditless{db}
		pipelines := pipeline.NewService(down)
		props := property.NewService(down)
		forms := form.NewService(down, nil)
		accounts := account.NewService(down, func() string { return "" })
		agents := agent.NewService(down)
		for _, tc := range []struct {
			name string
			fn   func() error
		}{
			{"create a pipeline", func() error {
				_, err := pipelines.CreatePipeline(ctx, by, pipeline.PipelineInput{Name: "Lost"})
				return err
			}},
			{"rename a pipeline", func() error {
				_, err := pipelines.UpdatePipeline(ctx, by, p.ID, pipeline.PipelineUpdate{Name: ptr("Lost")})
				return err
			}},
			{"delete a pipeline", func() error { return pipelines.DeletePipeline(ctx, by, q.ID) }},
			{"add a stage", func() error {
				_, err := pipelines.AddStage(ctx, by, p.ID, pipeline.StageInput{Name: "Lost"})
				return err
			}},
			{"open the closing stage", func() error {
				_, err := pipelines.UpdateStage(ctx, by, q.ID, q.Stages[2].ID, pipeline.StageUpdate{Name: ptr("Lost"), State: ptr(pipeline.Open)})
				return err
			}},
			{"move a stage", func() error { _, err := pipelines.MoveStage(ctx, by, p.ID, p.Stages[1].ID, -1); return err }},
			{"delete a stage", func() error { _, err := pipelines.DeleteStage(ctx, by, p.ID, p.Stages[1].ID); return err }},
			{"create an inbox", func() error { _, err := pipelines.CreateInbox(ctx, by, pipeline.InboxInput{Name: "Lost"}); return err }},
			{"create a property", func() error {
				_, err := props.Create(ctx, by, property.Input{Name: "lost", Type: property.Text})
				return err
			}},
			{"change a property", func() error {
				_, err := props.Update(ctx, by, prop.ID, property.Update{Label: map[string]string{"en": "Lost"}, PortalVisible: ptr(false)})
				return err
			}},
			{"create a form", func() error {
				_, err := forms.Create(ctx, by, form.Input{Name: ptr("Lost"), InboxID: ptr(int64(1)), PipelineID: &p.ID})
				return err
			}},
			{"change a form", func() error { _, err := forms.Update(ctx, by, f.ID, form.Input{Name: ptr("Lost")}); return err }},
			{"delete a form", func() error { return forms.Delete(ctx, by, f.ID) }},
			{"create an access group", func() error { _, err := accounts.CreateGroup(ctx, by, contacts, "Lost"); return err }},
			{"rename an access group", func() error {
				_, err := accounts.RenameGroup(ctx, by, portal.NewService(db), g.ID, "Lost")
				return err
			}},
			{"remove a member", func() error { return accounts.RemoveGroupMember(ctx, by, contacts, g.ID, ada.ID) }},
			{"create an agent", func() error {
				_, err := agents.CreateAgent(ctx, by, agent.NewAgent{Email: "lost@portico.test", Password: "correct horse"})
				return err
			}},
			{"create an API key", func() error { _, _, err := agents.CreateAPIKey(ctx, by, "ops@portico.test", "lost"); return err }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := settingsSnapshot(t, db, raw)
				if err := tc.fn(); !errors.Is(err, errAuditDown) {
					t.Fatalf("err = %v, want the audit log's", err)
				}
				if after := settingsSnapshot(t, db, raw); after != before {
					t.Errorf("the change was made without its audit entry:\n%s\n%s", before, after)
				}
			})
		}
	})
}
