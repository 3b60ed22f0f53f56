package store_test

import (
	"reflect"
	"testing"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/property"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestPropertyDefinitions(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		region := &property.Definition{Name: "region", Label: map[string]string{"en": "Region", "pl": "Region", "zh-CN": "地区"},
			Type: property.SingleSelect, Options: []string{"EU", "APAC"}, PortalVisible: true}
		notes := &property.Definition{Name: "internal_notes", Label: map[string]string{"sv": "Anteckningar"},
			Type: property.LongText, Options: []string{}, PortalVisible: false}
		for _, d := range []*property.Definition{region, notes} {
			if err := db.CreatePropertyDefinition(ctx, d); err != nil {
				t.Fatal(err)
			}
			if d.ID == 0 || !d.CreatedAt.Equal(clk.Now()) || !d.UpdatedAt.Equal(clk.Now()) {
				t.Errorf("created %+v", d)
			}
		}
		defs, err := db.PropertyDefinitions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(defs) != 17 {
			t.Fatalf("%d definitions, want 15 built-in and 2 custom", len(defs))
		}
		for i, d := range defs[:15] {
			if !d.Builtin || d.Position != i {
				t.Errorf("definition %d = %+v, want built-in at position %d", i, d, i)
			}
		}
		if defs[0].Name != "id" || defs[14].Name != "closed_at" || defs[0].Label["en"] != "ID" {
			t.Errorf("built-ins start %+v and end %+v", defs[0], defs[14])
		}
		if p, ok := property.Find(defs, "priority"); !ok || !reflect.DeepEqual(p.Options, []string{"low", "medium", "high", "urgent"}) {
			t.Errorf("built-in priority = %+v", p)
		}
		for i, created := range []*property.Definition{region, notes} {
			got := defs[15+i]
			want := *created
			want.Position = i // custom properties follow one another
			if !reflect.DeepEqual(got, want) {
				t.Errorf("custom definition %d = %+v, want %+v", i, got, want)
			}
		}

		for _, name := range []string{"region", "subject"} {
			err := db.CreatePropertyDefinition(ctx, &property.Definition{Name: name, Label: map[string]string{}, Type: property.Text, Options: []string{}})
			wantKind(t, err, apperr.Conflict)
		}
	})
}

// The definition CreatePropertyDefinition fills in is what the API answers
// with, so it should say where the property was put.
func TestCreatePropertyDefinitionFillsInPosition(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		for i, name := range []string{"first", "second", "third"} {
			d := &property.Definition{Name: name, Label: map[string]string{}, Type: property.Text, Options: []string{}}
			if err := db.CreatePropertyDefinition(t.Context(), d); err != nil {
				t.Fatal(err)
			}
			if d.Position != i {
				t.Errorf("%s created at position %d, want %d", name, d.Position, i)
			}
		}
	})
}

func TestUpdateProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := property.NewService(db)
		d, err := svc.Create(ctx, event.System, property.Input{Name: "model", Type: property.SingleSelect, Options: []string{"X1"}})
		if err != nil {
			t.Fatal(err)
		}
		hidden := false
		got, err := svc.Update(ctx, event.System, d.ID, property.Update{Label: map[string]string{"en": "Model", "sv": " "}, Options: []string{"X1", "X2"}, PortalVisible: &hidden})
		if err != nil {
			t.Fatal(err)
		}
		defs, _ := db.PropertyDefinitions(ctx)
		stored, _ := property.Find(defs, "model")
		for _, x := range []*property.Definition{got, stored} {
			if x.Label["en"] != "Model" || len(x.Label) != 1 || len(x.Options) != 2 || x.PortalVisible {
				t.Errorf("property = %+v", x)
			}
		}
		if _, err := svc.Update(ctx, event.System, d.ID, property.Update{Options: []string{"X1", "X1"}}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("duplicate options: %v", err)
		}
		status, _ := property.Find(defs, "status")
		if _, err := svc.Update(ctx, event.System, status.ID, property.Update{PortalVisible: &hidden}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("hiding status: %v", err)
		}
		if _, err := svc.Update(ctx, event.System, status.ID, property.Update{Label: map[string]string{"en": "State"}}); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("relabelling a built-in: %v", err)
		}
		owner, _ := property.Find(defs, "owner")
		if _, err := svc.Update(ctx, event.System, owner.ID, property.Update{PortalVisible: &hidden}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("hiding a column of the support portal: %v", err)
		}
		if _, err := svc.Update(ctx, event.System, 999999, property.Update{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("missing property: %v", err)
		}
	})
}
