package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/delivery"
	"portico/internal/store"
)

func TestDeliveries(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		tk := newTicket(t, db, "Outbox", ada)
		agent := newAgent(t, db, "agent@example.com")

		type row struct{ kind, to string }
		rows := []row{
			{delivery.Email, "ada@example.com"},
			{delivery.SMS, "+48601234567"},
			{delivery.Email, "bob@example.com"},
			{delivery.Notification, "agent@example.com"},
			{delivery.Email, "ada@example.com"},
			{delivery.SMS, "+48601234567"},
			{delivery.Email, "ada@example.com"},
		}
		var made []*delivery.Delivery
		for i, r := range rows {
			clk.Add(time.Second)
			d := &delivery.Delivery{Kind: r.kind, To: r.to, Subject: fmt.Sprintf("Update %d", i), Body: "Body ✓",
				BodyHTML: "<p>Body</p>", Payload: map[string]any{"n": i}, TicketID: &tk.ID, IdempotencyKey: fmt.Sprintf("key-%d", i)}
			if r.kind == delivery.Notification {
				d.AgentID, d.Status = &agent.ID, delivery.Held
			}
			if err := db.CreateDelivery(ctx, d); err != nil {
				t.Fatal(err)
			}
			if d.ID == 0 || !d.CreatedAt.Equal(clk.Now()) || !d.NextAttemptAt.Equal(clk.Now()) {
				t.Fatalf("created %+v", d)
			}
			made = append(made, d)
		}
		if made[0].Status != delivery.Pending || made[3].Status != delivery.Held {
			t.Errorf("statuses %q and %q, want pending by default and held when asked", made[0].Status, made[3].Status)
		}

		// newest first
		idx := func(is ...int) []int64 {
			var out []int64
			for _, i := range is {
				out = append(out, made[i].ID)
			}
			return out
		}
		tests := []struct {
			name string
			f    delivery.Filter
			want []int64
		}{
			{"all", delivery.Filter{}, idx(6, 5, 4, 3, 2, 1, 0)},
			{"to", delivery.Filter{To: "ada@example.com"}, idx(6, 4, 0)},
			{"to, as typed", delivery.Filter{To: "  ADA@example.com "}, idx(6, 4, 0)},
			{"kind", delivery.Filter{Kind: delivery.SMS}, idx(5, 1)},
			{"to and kind", delivery.Filter{To: "+48601234567", Kind: delivery.SMS}, idx(5, 1)},
			{"to and another kind", delivery.Filter{To: "+48601234567", Kind: delivery.Email}, nil},
			{"nobody", delivery.Filter{To: "nobody@example.com"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, limit := range []int{0, 1, 2, 3} {
					var got []int64
					f := tt.f
					f.Limit = limit
					for page := 0; ; page++ {
						p, err := db.Deliveries(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						if p.Total != len(tt.want) {
							t.Errorf("limit %d page %d: total %d, want %d", limit, page, p.Total, len(tt.want))
						}
						for _, d := range p.Items {
							got = append(got, d.ID)
						}
						if p.NextCursor == "" {
							break
						}
						if page > len(tt.want) {
							t.Fatalf("limit %d: more pages than rows", limit)
						}
						f.Cursor = p.NextCursor
					}
					if !slices.Equal(got, tt.want) {
						t.Errorf("limit %d: ids %v, want %v", limit, got, tt.want)
					}
				}
			})
		}

		p, err := db.Deliveries(ctx, delivery.Filter{Kind: delivery.Notification})
		if err != nil {
			t.Fatal(err)
		}
		d := p.Items[0]
		if d.Kind != delivery.Notification || d.To != "agent@example.com" || d.Subject != "Update 3" || d.Body != "Body ✓" ||
			d.TicketID == nil || *d.TicketID != tk.ID || d.AgentID == nil || *d.AgentID != agent.ID || d.IdempotencyKey != "key-3" ||
			d.Status != delivery.Held || d.Attempts != 0 || d.SentAt != nil || d.LastError != "" || !d.CreatedAt.Equal(made[3].CreatedAt) {
			t.Errorf("delivery read back = %+v, want %+v", d, made[3])
		}

		dup := &delivery.Delivery{Kind: delivery.Email, To: "ada@example.com", IdempotencyKey: "key-0"}
		if err := db.CreateDelivery(ctx, dup); err == nil {
			t.Error("a second delivery with the same idempotency key was accepted")
		}
		if p, _ := db.Deliveries(ctx, delivery.Filter{}); p.Total != len(rows) {
			t.Errorf("%d deliveries after the duplicate, want %d", p.Total, len(rows))
		}
		_, err = db.Deliveries(ctx, delivery.Filter{Cursor: "not-a-cursor"})
		wantKind(t, err, apperr.Invalid)
	})
}

// Webhook deliveries go to URLs, whose paths are case-sensitive; the log
// must find them by the URL as configured.
func TestDeliveriesToWebhookURL(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		url := "https://hooks.example.com/T0k3n/Portico"
		d := &delivery.Delivery{Kind: delivery.Webhook, To: url, Body: "{}", IdempotencyKey: "hook-1"}
		if err := db.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		p, err := db.Deliveries(ctx, delivery.Filter{To: url})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].ID != d.ID {
			t.Errorf("Deliveries(to=%s) = %+v, want delivery %d", url, p.Items, d.ID)
		}
	})
}
