package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"portico/internal/event"
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
		p, err := db.AuditLog(ctx, store.AuditFilter{TargetType: "account"})
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
		if _, err := db.AuditLog(ctx, store.AuditFilter{Cursor: "junk"}); err == nil {
			t.Error("a bad cursor is accepted")
		}
	})
}
