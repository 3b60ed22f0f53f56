package store_test

import (
	"context"
	"testing"

	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestFreshDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ps, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].Name != "Support" || len(ps[0].Stages) != 4 {
			t.Fatalf("pipelines = %+v", ps)
		}
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		if p.CloseStageByPipeline["1"] == 0 || len(p.Columns) != 7 {
			t.Fatalf("portal = %+v", p)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
