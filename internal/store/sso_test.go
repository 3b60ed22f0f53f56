package store_test

import (
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/sso"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestSingleSignOnRecords(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}

		t.Run("a token is used once, until it is swept", func(t *testing.T) {
			exp := clk.Now().Add(time.Minute)
			if err := db.UseToken(ctx, "jwt", "t1", exp); err != nil {
				t.Fatal(err)
			}
			if err := db.UseToken(ctx, "jwt", "t1", exp); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("second use = %v, want a conflict", err)
			}
			if err := db.UseToken(ctx, "saml", "t1", exp); err != nil {
				t.Errorf("same id of another kind: %v", err)
			}
			if err := db.DeleteExpired(ctx, exp.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := db.UseToken(ctx, "jwt", "t1", exp.Add(time.Hour)); err != nil {
				t.Errorf("after the sweep: %v", err)
			}
		})

		t.Run("a request is taken once, by its portal and provider, while live", func(t *testing.T) {
			r := &sso.Request{KeyHash: []byte("state-1"), PortalID: p.ID, Provider: sso.ProviderOIDC, Nonce: "n", Verifier: "v",
				Next: "/support/tickets", CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(sso.RequestLifetime)}
			if err := db.CreateSSORequest(ctx, r); err != nil {
				t.Fatal(err)
			}
			if _, err := db.TakeSSORequest(ctx, p.ID, sso.ProviderSAML, r.KeyHash); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("taken by another provider: %v", err)
			}
			got, err := db.TakeSSORequest(ctx, p.ID, sso.ProviderOIDC, r.KeyHash)
			if err != nil || got.Nonce != "n" || got.Verifier != "v" || got.Next != "/support/tickets" {
				t.Fatalf("take = %+v, %v", got, err)
			}
			if _, err := db.TakeSSORequest(ctx, p.ID, sso.ProviderOIDC, r.KeyHash); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("second take: %v", err)
			}
			late := &sso.Request{KeyHash: []byte("state-2"), PortalID: p.ID, Provider: sso.ProviderOIDC,
				CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(sso.RequestLifetime)}
			if err := db.CreateSSORequest(ctx, late); err != nil {
				t.Fatal(err)
			}
			clk.Add(sso.RequestLifetime + time.Second)
			if _, err := db.TakeSSORequest(ctx, p.ID, sso.ProviderOIDC, late.KeyHash); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("expired request taken: %v", err)
			}
		})

		t.Run("an external identity belongs to one account", func(t *testing.T) {
			a := &account.Account{Login: "sso@example.com", LoginKind: account.LoginEmail}
			if err := db.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			x := &sso.ExternalIdentity{Provider: sso.ProviderSAML, Issuer: "https://idp.test", Subject: "u1", AccountID: a.ID,
				PortalID: p.ID, CreatedAt: clk.Now(), LastUsedAt: clk.Now()}
			if err := db.CreateExternalIdentity(ctx, x); err != nil {
				t.Fatal(err)
			}
			dup := *x
			if err := db.CreateExternalIdentity(ctx, &dup); !apperr.Is(err, apperr.Conflict) {
				t.Errorf("duplicate = %v, want a conflict", err)
			}
			got, err := db.ExternalIdentity(ctx, sso.ProviderSAML, "https://idp.test", "u1")
			if err != nil || got.AccountID != a.ID || got.PortalID != p.ID {
				t.Fatalf("identity = %+v, %v", got, err)
			}
			for _, other := range [][3]string{{sso.ProviderOIDC, "https://idp.test", "u1"}, {sso.ProviderSAML, "https://other.test", "u1"}} {
				if _, err := db.ExternalIdentity(ctx, other[0], other[1], other[2]); !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%v found: %v", other, err)
				}
			}
			if list, err := db.ExternalIdentities(ctx, a.ID); err != nil || len(list) != 1 {
				t.Errorf("identities of the account = %v, %v", list, err)
			}
		})
	})
}

// TestDeleteExpiredKeepsLiveLimits: the sweep leaves a rate-limit window
// that still counts, and removes one of yesterday.
func TestDeleteExpiredKeepsLiveLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Hour)
		old := now.Add(-25 * time.Hour)
		for _, w := range []time.Time{now, old} {
			if _, err := db.Hit(ctx, "login:ada", w); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.DeleteExpired(ctx, now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Hits(ctx, "login:ada", now); err != nil || n != 1 {
			t.Errorf("the current window: %d, %v; want 1", n, err)
		}
		if n, err := db.Hits(ctx, "login:ada", old); err != nil || n != 0 {
			t.Errorf("yesterday's window: %d, %v; want 0", n, err)
		}
	})
}
