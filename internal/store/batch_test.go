package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

// Transactions that commit together still succeed or fail alone: a failed
// or panicking one leaves no trace, the others are all there.
func TestConcurrentTransactionsStandAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const n = 60
		errNo := errors.New("changed my mind")
		ids := make([]int64, n)
		errs := make([]error, n)
		panics := make([]any, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				defer func() { panics[i] = recover() }()
				errs[i] = db.InTx(ctx, func(ctx context.Context) error {
					c := &contact.Contact{FirstName: fmt.Sprintf("C%d", i), Language: "en"}
					if err := db.CreateContact(ctx, c); err != nil {
						return err
					}
					ids[i] = c.ID
					switch i % 3 {
					case 1:
						return errNo
					case 2:
						if i%6 == 2 {
							panic("boom")
						}
						// A second write in the same transaction.
						c.LastName = "Second"
						return db.UpdateContact(ctx, c)
					}
					return nil
				})
			})
		}
		wg.Wait()
		// A rolled-back row's id may be taken again by a later one.
		gone := func(i int) bool {
			c, err := db.Contact(ctx, ids[i])
			return apperr.Is(err, apperr.NotFound) || err == nil && c.FirstName != fmt.Sprintf("C%d", i)
		}
		for i := range n {
			switch {
			case i%3 == 1:
				if !errors.Is(errs[i], errNo) || !gone(i) {
					t.Errorf("failed transaction %d: returned %v; its contact is there", i, errs[i])
				}
			case i%6 == 2:
				if panics[i] != "boom" || !gone(i) {
					t.Errorf("panicking transaction %d: recovered %v; its contact is there", i, panics[i])
				}
			default:
				c, err := db.Contact(ctx, ids[i])
				if errs[i] != nil || err != nil {
					t.Fatalf("transaction %d: %v; its contact: %v", i, errs[i], err)
				}
				want := ""
				if i%3 == 2 {
					want = "Second"
				}
				if c.FirstName != fmt.Sprintf("C%d", i) || c.LastName != want {
					t.Errorf("transaction %d wrote %q %q", i, c.FirstName, c.LastName)
				}
			}
		}
	})
}

// A transaction whose caller has gone before it began is not run; after
// Close no transaction runs.
func TestTransactionsAfterCancelAndClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ran := false
		err := db.InTx(ctx, func(ctx context.Context) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Errorf("cancelled: %v, ran %v", err, ran)
		}
	})
	db := storetest.Open(t, "sqlite", nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := db.InTx(t.Context(), func(ctx context.Context) error { ran = true; return nil }); err == nil || ran {
		t.Errorf("after Close: %v, ran %v", err, ran)
	}
}
