package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"portico/internal/delivery"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

// queue adds a delivery of kind at the store's time.
func queue(t testing.TB, db *store.DB, kind, to string) *delivery.Delivery {
	t.Helper()
	d := &delivery.Delivery{Kind: kind, To: to, Subject: "Subject " + to, Body: "Body ✓", BodyHTML: "<p>Body ✓</p>",
		Payload: map[string]any{"to": to}, IdempotencyKey: fmt.Sprintf("%s-%s-%d", kind, to, time.Now().UnixNano())}
	if err := db.CreateDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// logged reads a delivery back from the log.
func logged(t testing.TB, db *store.DB, id int64) delivery.Delivery {
	t.Helper()
	p, err := db.Deliveries(t.Context(), delivery.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Items {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("delivery %d not in the log", id)
	return delivery.Delivery{}
}

func claimIDs(ds []delivery.Delivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

var sendable = []string{delivery.Email, delivery.SMS}

func TestClaimDeliveries(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		claim := func(limit int, lease time.Duration) []delivery.Delivery {
			t.Helper()
			ds, err := db.ClaimDeliveries(ctx, delivery.ClaimRequest{Kinds: sendable, Limit: limit, Lease: lease})
			if err != nil {
				t.Fatal(err)
			}
			return ds
		}
		agent := newAgent(t, db, "agent@example.com")
		email := queue(t, db, delivery.Email, "ada@example.com")
		clk.Add(time.Second)
		sms := queue(t, db, delivery.SMS, "+48601234567")
		clk.Add(time.Second)
		note := &delivery.Delivery{Kind: delivery.Notification, To: agent.Email, AgentID: &agent.ID, IdempotencyKey: "note-1"}
		if err := db.CreateDelivery(ctx, note); err != nil {
			t.Fatal(err)
		}
		hook := queue(t, db, delivery.Webhook, "https://hooks.example.com/x")
		held := &delivery.Delivery{Kind: delivery.Email, To: "held@example.com", Status: delivery.Held, IdempotencyKey: "held-1"}
		if err := db.CreateDelivery(ctx, held); err != nil {
			t.Fatal(err)
		}

		got := claim(10, 2*time.Minute)
		if !slices.Equal(claimIDs(got), []int64{email.ID, sms.ID}) {
			t.Fatalf("claimed %v, want the email and the SMS (%d, %d), earliest first", claimIDs(got), email.ID, sms.ID)
		}
		until := clk.Now().Add(2 * time.Minute)
		c := got[0]
		if c.Status != delivery.Sending || c.ClaimToken == "" || c.ClaimedUntil == nil || !c.ClaimedUntil.Equal(until) ||
			c.Attempts != 0 || c.To != "ada@example.com" || c.Subject != email.Subject || c.Body != "Body ✓" ||
			c.BodyHTML != "<p>Body ✓</p>" || c.Payload["to"] != "ada@example.com" || c.IdempotencyKey != email.IdempotencyKey {
			t.Errorf("claimed delivery = %+v", c)
		}
		if got[1].ClaimToken != c.ClaimToken {
			t.Errorf("one claim, two tokens: %q and %q", c.ClaimToken, got[1].ClaimToken)
		}
		if d := logged(t, db, email.ID); d.Status != delivery.Sending {
			t.Errorf("log shows the claimed email as %q", d.Status)
		}
		for _, d := range []*delivery.Delivery{note, hook, held} {
			if d2 := logged(t, db, d.ID); d2.Status != d.Status {
				t.Errorf("%s delivery %d is %q after a claim, want %q", d.Kind, d.ID, d2.Status, d.Status)
			}
		}
		if again := claim(10, 2*time.Minute); len(again) != 0 {
			t.Errorf("claimed %v again while the first claim holds", claimIDs(again))
		}
		if none, err := db.ClaimDeliveries(ctx, delivery.ClaimRequest{Kinds: nil, Limit: 5, Lease: time.Minute}); err != nil || len(none) != 0 {
			t.Errorf("a claim for no kinds = %v, %v", claimIDs(none), err)
		}

		// A limit takes the earliest due; the rest wait for the next claim.
		var more []int64
		for i := range 3 {
			clk.Add(time.Second)
			more = append(more, queue(t, db, delivery.Email, fmt.Sprintf("n%d@example.com", i)).ID)
		}
		if got := claimIDs(claim(2, time.Hour)); !slices.Equal(got, more[:2]) {
			t.Errorf("claim of 2 = %v, want %v", got, more[:2])
		}
		if got := claimIDs(claim(2, time.Hour)); !slices.Equal(got, more[2:]) {
			t.Errorf("next claim = %v, want %v", got, more[2:])
		}

		// The first claim lapses (its worker died); another worker takes
		// the deliveries over and only it may record their outcome.
		clk.Add(2 * time.Minute)
		retaken := claim(10, time.Minute)
		if !slices.Equal(claimIDs(retaken), []int64{email.ID, sms.ID}) {
			t.Fatalf("after the lease claimed %v, want the lapsed %d and %d", claimIDs(retaken), email.ID, sms.ID)
		}
		if retaken[0].ClaimToken == c.ClaimToken {
			t.Fatal("a retaken delivery kept its old token")
		}
		err := db.RecordOutcome(ctx, delivery.Outcome{ID: email.ID, Token: c.ClaimToken})
		if !errors.Is(err, delivery.ErrClaimLost) {
			t.Errorf("outcome from the lapsed claim: %v, want ErrClaimLost", err)
		}
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: email.ID, Token: retaken[0].ClaimToken}); err != nil {
			t.Fatal(err)
		}
		sent := logged(t, db, email.ID)
		if sent.Status != delivery.Sent || sent.Attempts != 1 || sent.SentAt == nil || !sent.SentAt.Equal(clk.Now()) {
			t.Errorf("sent delivery = %+v", sent)
		}
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: email.ID, Token: retaken[0].ClaimToken}); !errors.Is(err, delivery.ErrClaimLost) {
			t.Errorf("a second outcome for a sent delivery: %v, want ErrClaimLost", err)
		}

		// A failed attempt waits for its retry, then fails for good.
		smsToken := retaken[1].ClaimToken
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: sms.ID, Token: smsToken, Error: "gateway down", RetryIn: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
		d := logged(t, db, sms.ID)
		if d.Status != delivery.Pending || d.Attempts != 1 || d.LastError != "gateway down" || !d.NextAttemptAt.Equal(clk.Now().Add(30*time.Second)) {
			t.Errorf("retried delivery = %+v", d)
		}
		// The other emails are still claimed for the hour.
		clk.Add(29 * time.Second)
		if got := claim(10, time.Minute); len(got) != 0 {
			t.Errorf("claimed %v a second before the retry is due", claimIDs(got))
		}
		clk.Add(time.Second)
		got = claim(10, time.Minute)
		if !slices.Equal(claimIDs(got), []int64{sms.ID}) || got[0].Attempts != 1 {
			t.Fatalf("at the retry claimed %+v, want the SMS after 1 attempt", got)
		}
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: sms.ID, Token: got[0].ClaimToken, Error: "gateway still down"}); err != nil {
			t.Fatal(err)
		}
		d = logged(t, db, sms.ID)
		if d.Status != delivery.Failed || d.Attempts != 2 || d.LastError != "gateway still down" || d.SentAt != nil {
			t.Errorf("failed delivery = %+v", d)
		}
		clk.Add(24 * time.Hour)
		if got := claim(10, time.Minute); slices.Contains(claimIDs(got), sms.ID) || slices.Contains(claimIDs(got), email.ID) {
			t.Errorf("a sent or failed delivery was claimed again: %v", claimIDs(got))
		}
	})
}

func TestHoldDeliveries(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		claimOne := func(kind string, lease time.Duration) delivery.Delivery {
			t.Helper()
			ds, err := db.ClaimDeliveries(ctx, delivery.ClaimRequest{Kinds: []string{kind}, Limit: 1, Lease: lease})
			if err != nil || len(ds) != 1 {
				t.Fatalf("claim: %v, %v", ds, err)
			}
			return ds[0]
		}
		agent := newAgent(t, db, "agent@example.com")
		lapsed := queue(t, db, delivery.Email, "lapsed@example.com")
		clk.Add(time.Second)
		live := queue(t, db, delivery.Email, "live@example.com")
		clk.Add(time.Second)
		later := queue(t, db, delivery.Email, "later@example.com")
		claimOne(delivery.Email, time.Minute)
		liveClaim := claimOne(delivery.Email, time.Hour)
		laterClaim := claimOne(delivery.Email, time.Hour)
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: later.ID, Token: laterClaim.ClaimToken, Error: "down", RetryIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
		waiting := queue(t, db, delivery.Email, "waiting@example.com")
		sms := queue(t, db, delivery.SMS, "+46701234567")
		hook := queue(t, db, delivery.Webhook, "https://hooks.example.com/y")
		note := &delivery.Delivery{Kind: delivery.Notification, To: agent.Email, AgentID: &agent.ID, IdempotencyKey: "note-2"}
		if err := db.CreateDelivery(ctx, note); err != nil {
			t.Fatal(err)
		}
		clk.Add(2 * time.Minute)

		n, err := db.HoldDeliveries(ctx, delivery.Email)
		if err != nil || n != 3 {
			t.Errorf("HoldDeliveries(email) = %d, %v; want 3", n, err)
		}
		want := map[int64]string{
			lapsed.ID: delivery.Held, later.ID: delivery.Held, waiting.ID: delivery.Held,
			live.ID: delivery.Sending, sms.ID: delivery.Pending, hook.ID: delivery.Pending, note.ID: delivery.Pending,
		}
		for id, status := range want {
			if d := logged(t, db, id); d.Status != status {
				t.Errorf("%s delivery to %s is %q, want %q", d.Kind, d.To, d.Status, status)
			}
		}
		// The worker that holds the live claim still records its outcome.
		if err := db.RecordOutcome(ctx, delivery.Outcome{ID: live.ID, Token: liveClaim.ClaimToken}); err != nil {
			t.Errorf("outcome of the live claim: %v", err)
		}
		if n, err := db.HoldDeliveries(ctx, delivery.SMS); err != nil || n != 1 {
			t.Errorf("HoldDeliveries(sms) = %d, %v; want 1", n, err)
		}
		if n, err := db.HoldDeliveries(ctx, delivery.Email); err != nil || n != 0 {
			t.Errorf("HoldDeliveries(email) again = %d, %v; want 0", n, err)
		}
		if got, err := db.ClaimDeliveries(ctx, delivery.ClaimRequest{Kinds: sendable, Limit: 10, Lease: time.Minute}); err != nil || len(got) != 0 {
			t.Errorf("claimed held deliveries: %v, %v", claimIDs(got), err)
		}
	})
}

// Workers in several processes claim from one queue at once: each
// delivery goes to exactly one of them.
func TestClaimDeliveriesConcurrently(t *testing.T) {
	const total, workers = 200, 8
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			clk := newClock()
			o := storetest.Options(t, engine, clk.Now)
			var dbs []*store.DB
			for range 2 {
				db, err := store.Open(ctx, o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			if err := dbs[0].Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			want := map[int64]bool{}
			for i := range total {
				want[queue(t, dbs[0], []string{delivery.Email, delivery.SMS}[i%2], fmt.Sprintf("u%d@example.com", i)).ID] = true
			}

			claimed := make([][]delivery.Delivery, workers)
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				db := dbs[w%2]
				wg.Go(func() {
					for {
						ds, err := db.ClaimDeliveries(ctx, delivery.ClaimRequest{Kinds: sendable, Limit: 7, Lease: time.Minute})
						if err != nil {
							errs[w] = err
							return
						}
						if len(ds) == 0 {
							return
						}
						claimed[w] = append(claimed[w], ds...)
						for _, d := range ds {
							if err := db.RecordOutcome(ctx, delivery.Outcome{ID: d.ID, Token: d.ClaimToken}); err != nil {
								errs[w] = err
								return
							}
						}
					}
				})
			}
			wg.Wait()
			seen := map[int64]int{}
			for w := range workers {
				if errs[w] != nil {
					t.Errorf("worker %d: %v", w, errs[w])
				}
				for _, d := range claimed[w] {
					seen[d.ID]++
				}
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("delivery %d claimed %d times, want once", id, seen[id])
				}
			}
			if len(seen) != total {
				t.Errorf("%d deliveries claimed, want %d", len(seen), total)
			}
			p, err := dbs[1].Deliveries(ctx, delivery.Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range p.Items {
				if d.Status != delivery.Sent || d.Attempts != 1 {
					t.Errorf("delivery %d: %s after %d attempts, want sent after 1", d.ID, d.Status, d.Attempts)
				}
			}
		})
	}
}
