package store_test

import (
	"bytes"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/store"
)

func TestVerificationCodes(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		a := &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		newCode := func(dest string, accountID int64, payload string) *account.Code {
			t.Helper()
			c := &account.Code{Purpose: account.PurposeReset, PortalID: p.ID, AccountID: accountID, Destination: dest,
				Hash: []byte{1, 2, 3, byte(clk.Now().Second())}, Payload: []byte(payload), ExpiresAt: clk.Now().Add(account.CodeLifetime)}
			if err := db.CreateCode(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}

		first := newCode("ada@example.com", a.ID, `{"k":"v"}`)
		got, err := db.LatestCode(ctx, account.PurposeReset, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != first.ID || got.PortalID != p.ID || got.AccountID != a.ID || !bytes.Equal(got.Hash, first.Hash) ||
			got.Attempts != 0 || got.UsedAt != nil || !got.ExpiresAt.Equal(first.ExpiresAt) || !got.CreatedAt.Equal(clk.Now()) {
			t.Errorf("LatestCode = %+v, want %+v", got, first)
		}
		if string(got.Payload) != `{"k":"v"}` && string(got.Payload) != `{"k": "v"}` {
			t.Errorf("payload = %s", got.Payload)
		}
		_, err = db.LatestCode(ctx, account.PurposeRegistration, "ada@example.com")
		wantKind(t, err, apperr.NotFound)

		// A code for nobody keeps no account.
		decoy := newCode("nobody@example.com", 0, "")
		if got, err := db.LatestCode(ctx, account.PurposeReset, "nobody@example.com"); err != nil || got.ID != decoy.ID || got.AccountID != 0 {
			t.Errorf("decoy code = %+v, %v", got, err)
		}

		// Wrong tries are counted; an id of 0 is a miss on nothing.
		for range 2 {
			if err := db.MissCode(ctx, first.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.MissCode(ctx, 0); err != nil {
			t.Errorf("MissCode(0) = %v", err)
		}
		if got, _ := db.LatestCode(ctx, account.PurposeReset, "ada@example.com"); got.Attempts != 2 {
			t.Errorf("attempts = %d, want 2", got.Attempts)
		}

		// Voiding leaves no code to find, and a voided code cannot be used.
		if err := db.VoidCodes(ctx, account.PurposeReset, "ada@example.com"); err != nil {
			t.Fatal(err)
		}
		_, err = db.LatestCode(ctx, account.PurposeReset, "ada@example.com")
		wantKind(t, err, apperr.NotFound)
		wantKind(t, db.UseCode(ctx, first.ID), apperr.NotFound)

		// A code serves once; by its id it is found used or not.
		second := newCode("ada@example.com", a.ID, "")
		if got, err := db.Code(ctx, second.ID); err != nil || got.ID != second.ID || got.UsedAt != nil || got.AccountID != a.ID ||
			got.Destination != "ada@example.com" || !bytes.Equal(got.Hash, second.Hash) {
			t.Errorf("Code = %+v, %v", got, err)
		}
		if err := db.UseCode(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.UseCode(ctx, second.ID), apperr.NotFound)
		if got, err := db.Code(ctx, second.ID); err != nil || got.UsedAt == nil || !got.UsedAt.Equal(clk.Now()) {
			t.Errorf("used Code = %+v, %v", got, err)
		}
		_, err = db.Code(ctx, second.ID+1000)
		wantKind(t, err, apperr.NotFound)

		// A code out of tries cannot be used either.
		third := newCode("ada@example.com", a.ID, "")
		for range account.CodeTries {
			if err := db.MissCode(ctx, third.ID); err != nil {
				t.Fatal(err)
			}
		}
		wantKind(t, db.UseCode(ctx, third.ID), apperr.NotFound)

		// Codes that ended long ago go when the next one is made.
		count := func() (n int) {
			t.Helper()
			if err := raw.queryRow("SELECT COUNT(*) FROM verification_codes WHERE destination = ?", "ada@example.com").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 3 {
			t.Fatalf("%d codes, want 3", n)
		}
		clk.Add(25 * time.Hour)
		newCode("ada@example.com", a.ID, "")
		if n := count(); n != 1 {
			t.Errorf("%d codes after a day, want only the new one", n)
		}
	})
}

func TestConsents(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		ada := newContact(t, db, "Ada", "", nil)
		at := clk.Now().Add(-time.Minute)
		c := &account.Consent{PortalID: p.ID, ContactID: ada.ID, Text: "We keep your data.\nFor years.", Label: "I agree",
			AcceptedAt: at, ClientAddr: "192.0.2.7"}
		if err := db.CreateConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.Consents(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != c.ID || got[0].Text != c.Text || got[0].Label != "I agree" || !got[0].AcceptedAt.Equal(at) ||
			got[0].ClientAddr != "192.0.2.7" || got[0].PortalID != p.ID {
			t.Errorf("Consents = %+v, want %+v", got, c)
		}
		if got, err := db.Consents(ctx, ada.ID+1); err != nil || len(got) != 0 {
			t.Errorf("consents of another contact = %+v, %v", got, err)
		}
	})
}
