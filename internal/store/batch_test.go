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
	"portico/internal/ticket"
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

// The same writes run again and again, as their statements come to be
// prepared between batches, and behave the same each time: a write and a
// read of it in one transaction, a constraint that fails, a rollback.
func TestRepeatedTransactionsBehaveAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		me := newContact(t, db, "Ada", "Lovelace", nil)
		tk := newTicket(t, db, "Printer jammed", me)
		for i := range 4 {
			var seen string
			err := db.InTx(ctx, func(ctx context.Context) error {
				c := &contact.Contact{FirstName: fmt.Sprintf("Grace %d", i), Language: "en"}
				if err := db.CreateContact(ctx, c); err != nil {
					return err
				}
				got, err := db.Contact(ctx, c.ID)
				if err != nil {
					return err
				}
				seen = got.FirstName
				return errors.New("roll back")
			})
			if err == nil || seen != fmt.Sprintf("Grace %d", i) {
				t.Fatalf("run %d: read %q in the transaction, error %v", i, seen, err)
			}
			m := &ticket.Message{TicketID: tk.ID, Author: ticket.Author{Type: ticket.AuthorContact, ID: &me.ID}, Body: "hello",
				Channel: ticket.ChannelEmail, EmailMessageID: "<same@example.com>", CreatedAt: db.Now()}
			err = db.CreateMessage(ctx, m)
			if i == 0 && err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			if i > 0 && !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("run %d: the same email again: %v, want a conflict", i, err)
			}
		}
		cs, err := db.Contacts(ctx, contact.ContactFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.Items) != 1 {
			t.Errorf("%d contacts after four rolled-back transactions, want 1", len(cs.Items))
		}
	})
}
