package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/store"
)

func TestAccounts(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		verified := clk.Now().Add(-24 * time.Hour)
		a := &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail, DisplayName: "Ada", Language: "pl",
			MustChangePassword: true, VerifiedAt: &verified, PasswordHash: "$argon2id$stand-in"}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || !a.CreatedAt.Equal(clk.Now()) {
			t.Fatalf("created %+v", a)
		}
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Login != a.Login || got.LoginKind != account.LoginEmail || got.DisplayName != "Ada" || got.Language != "pl" ||
			!got.MustChangePassword || got.Locked || got.VerifiedAt == nil || !got.VerifiedAt.Equal(verified) ||
			got.PasswordHash != a.PasswordHash || got.Identities == nil || len(got.Identities) != 0 {
			t.Errorf("Account = %+v, want %+v with no identities", got, a)
		}
		phone := &account.Account{Login: "+48601234567", LoginKind: account.LoginPhone}
		if err := db.CreateAccount(ctx, phone); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Account(ctx, phone.ID); err != nil || got.VerifiedAt != nil {
			t.Errorf("unverified account = %+v, %v", got, err)
		}
		wantKind(t, db.CreateAccount(ctx, &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail}), apperr.Conflict)
		_, err = db.Account(ctx, phone.ID+1000)
		wantKind(t, err, apperr.NotFound)
	})
}

func TestAccountIdentities(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		atAcme := newContact(t, db, "Ada", "Lovelace", &acme.ID)
		atGlobex := newContact(t, db, "Ada", "", &globex.ID)
		private := newContact(t, db, "Ada", "L.", nil)
		stranger := newContact(t, db, "Bob", "", nil)

		a := &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		other := &account.Account{Login: "other@example.com", LoginKind: account.LoginEmail}
		if err := db.CreateAccount(ctx, other); err != nil {
			t.Fatal(err)
		}
		for _, c := range []int64{atAcme.ID, atGlobex.ID, private.ID} {
			clk.Add(time.Second) // identities are listed in the order they were linked
			if err := db.LinkIdentity(ctx, a.ID, c); err != nil {
				t.Fatal(err)
			}
		}
		want := []account.Identity{
			{ContactID: atAcme.ID, Name: "Ada Lovelace", CompanyID: &acme.ID, Company: "Acme"},
			{ContactID: atGlobex.ID, Name: "Ada", CompanyID: &globex.ID, Company: "Globex"},
			{ContactID: private.ID, Name: "Ada L.", Company: ""},
		}

		lookups := []struct {
			name string
			get  func() (*account.Account, error)
		}{
			{"Account", func() (*account.Account, error) { return db.Account(ctx, a.ID) }},
			{"AccountByLogin", func() (*account.Account, error) { return db.AccountByLogin(ctx, "ada@example.com") }},
			{"AccountOfContact", func() (*account.Account, error) { return db.AccountOfContact(ctx, atGlobex.ID) }},
		}
		for _, l := range lookups {
			t.Run(l.name, func(t *testing.T) {
				got, err := l.get()
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != a.ID || !reflect.DeepEqual(got.Identities, want) {
					t.Errorf("account %d identities = %+v, want account %d with %+v", got.ID, got.Identities, a.ID, want)
				}
			})
		}
		if c, err := db.Contact(ctx, atAcme.ID); err != nil || c.AccountID == nil || *c.AccountID != a.ID {
			t.Errorf("linked contact = %+v, %v; want account %d", c, err, a.ID)
		}

		_, err := db.AccountByLogin(ctx, "nobody@example.com")
		wantKind(t, err, apperr.NotFound)
		_, err = db.AccountOfContact(ctx, stranger.ID)
		wantKind(t, err, apperr.NotFound)

		// A contact belongs to one account at most.
		wantKind(t, db.LinkIdentity(ctx, other.ID, atAcme.ID), apperr.Conflict)
		wantKind(t, db.LinkIdentity(ctx, a.ID, atAcme.ID), apperr.Conflict)
		wantKind(t, db.LinkIdentity(ctx, a.ID, stranger.ID+1000), apperr.NotFound)
		wantKind(t, db.LinkIdentity(ctx, other.ID+1000, stranger.ID), apperr.NotFound)

		if err := db.UnlinkIdentity(ctx, a.ID, atGlobex.ID); err != nil {
			t.Fatal(err)
		}
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []account.Identity{want[0], want[2]}; !reflect.DeepEqual(got.Identities, want) {
			t.Errorf("after unlinking: %+v, want %+v", got.Identities, want)
		}
		_, err = db.AccountOfContact(ctx, atGlobex.ID)
		wantKind(t, err, apperr.NotFound)
		wantKind(t, db.UnlinkIdentity(ctx, a.ID, atGlobex.ID), apperr.NotFound)
		wantKind(t, db.UnlinkIdentity(ctx, other.ID, atAcme.ID), apperr.NotFound)
		if c, err := db.Contact(ctx, atGlobex.ID); err != nil || c.AccountID != nil {
			t.Errorf("unlinked contact = %+v, %v; want no account", c, err)
		}

		// The unlinked contact is free to join another account.
		if err := db.LinkIdentity(ctx, other.ID, atGlobex.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.AccountOfContact(ctx, atGlobex.ID); err != nil || got.ID != other.ID {
			t.Errorf("AccountOfContact after relinking = %+v, %v", got, err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		a := &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail, MustChangePassword: true, PasswordHash: "old"}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		if err := db.SetPassword(ctx, a.ID, "new"); err != nil {
			t.Fatal(err)
		}
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != "new" || got.MustChangePassword {
			t.Errorf("after SetPassword: hash %q, must change %v", got.PasswordHash, got.MustChangePassword)
		}
		var changed time.Time
		if err := raw.queryRow("SELECT password_changed_at FROM accounts WHERE id = ?", a.ID).Scan(&changed); err != nil {
			t.Fatal(err)
		}
		if !changed.Equal(clk.Now()) {
			t.Errorf("password_changed_at = %v, want %v", changed, clk.Now())
		}
		wantKind(t, db.SetPassword(ctx, a.ID+1000, "x"), apperr.NotFound)
	})
}

func TestAccountLookupsForRegistration(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		older := newContact(t, db, "Ada", "", nil)
		newer := newContact(t, db, "Ada", "Globex", nil)
		other := newContact(t, db, "Bob", "", nil)
		for _, c := range []*contact.Contact{older, newer} {
			c.Email = ptr("ada@example.com")
			if err := db.UpdateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		a := &account.Account{Login: "ada@example.com", LoginKind: account.LoginEmail}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := db.LinkIdentity(ctx, a.ID, newer.ID); err != nil {
			t.Fatal(err)
		}
		got, err := db.ContactsByEmail(ctx, "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != older.ID || got[1].ID != newer.ID || got[0].AccountID != nil ||
			got[1].AccountID == nil || *got[1].AccountID != a.ID {
			t.Errorf("ContactsByEmail = %+v", got)
		}
		if got, err := db.ContactsByEmail(ctx, "nobody@example.com"); err != nil || len(got) != 0 {
			t.Errorf("ContactsByEmail(nobody) = %+v, %v", got, err)
		}

		g := &contact.AccessGroup{Name: "VIP"}
		if err := db.CreateAccessGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		empty := &contact.AccessGroup{Name: "Empty"}
		if err := db.CreateAccessGroup(ctx, empty); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddAccessGroupMembers(ctx, g.ID, []int64{newer.ID, other.ID}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			groups, contacts []int64
			want             []int64
		}{
			{[]int64{g.ID}, []int64{newer.ID, older.ID}, []int64{newer.ID}},
			{[]int64{empty.ID, g.ID}, []int64{other.ID, newer.ID, older.ID}, []int64{newer.ID, other.ID}},
			{[]int64{empty.ID}, []int64{newer.ID}, []int64{}},
			{nil, []int64{newer.ID}, []int64{}},
			{[]int64{g.ID}, nil, []int64{}},
		} {
			if got, err := db.AccessGroupMembers(ctx, tc.groups, tc.contacts); err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("AccessGroupMembers(%v, %v) = %v, %v; want %v", tc.groups, tc.contacts, got, err, tc.want)
			}
		}
	})
}
