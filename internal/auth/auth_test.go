package auth_test

import (
	"context"
	"testing"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/auth"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

type fixture struct {
	db        *store.DB
	clock     *storetest.Clock
	auth      *auth.Service
	annaA     int64 // Anna at company A
	annaB     int64 // the same person at company B
	otherRepo int64
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := storetest.NewClock()
	db = db.WithClock(c.Now)
	contacts := contact.NewService(db)
	accounts := account.NewService(db, func() string { return "http://portico.test" })
	name := func(s string) *string { return &s }
	f := &fixture{db: db, clock: c, auth: auth.NewService(db)}
	for i, co := range []string{"Acme", "Globex"} {
		comp, err := contacts.CreateCompany(ctx, contact.CompanyInput{Name: name(co)})
		if err != nil {
			t.Fatal(err)
		}
		ct, err := contacts.CreateContact(ctx, contact.ContactInput{FirstName: name("Anna"), Email: name("anna@example.com"), Phone: name("+48 601 000 111"), CompanyID: &comp.ID})
		if err != nil {
			t.Fatal(err)
		}
		pw, no := "anna-password", false
		if _, err := accounts.OpenAccount(ctx, event.System, ct.ID, account.OpenInput{Password: &pw, SendVia: "none", MustChangePassword: &no}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.annaA = ct.ID
		} else {
			f.annaB = ct.ID
		}
	}
	other, err := contacts.CreateContact(ctx, contact.ContactInput{FirstName: name("Bob"), Phone: name("+46 70 123 45 67")})
	if err != nil {
		t.Fatal(err)
	}
	f.otherRepo = other.ID
	pw, no := "bob-password", false
	if _, err := accounts.OpenAccount(ctx, event.System, other.ID, account.OpenInput{Password: &pw, SendVia: "none", MustChangePassword: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.NewService(db).CreateAgent(ctx, event.System, agent.NewAgent{Email: "desk@example.com", Password: "desk-password", Role: "agent"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, err := f.db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		cl := auth.Client{Addr: "192.0.2.1"}

		for _, c := range []struct {
			login, pw string
			contact   int64
		}{
			{"anna@example.com", "anna-password", f.annaA},
			{"ANNA@example.com ", "anna-password", f.annaA},
			{"+46701234567", "bob-password", f.otherRepo},
			{"+46 70-123 45 67", "bob-password", f.otherRepo},
			{"0046 70 123 45 67", "bob-password", f.otherRepo},
		} {
			sess, tok, err := f.auth.SignInCustomer(ctx, p, c.login, c.pw, cl)
			if err != nil {
				t.Fatalf("sign in as %q: %v", c.login, err)
			}
			if sess.ActiveContactID != c.contact || len(tok) < 40 {
				t.Errorf("session %+v token %q", sess, tok)
			}
		}
		// Every wrong credential looks the same.
		for _, c := range []struct{ login, pw string }{
			{"anna@example.com", "wrong-password"},
			{"nobody@example.com", "anna-password"},
			{"", ""},
			{"+46 70 123 45 68", "bob-password"},
			{"+46 70 123 45 67", "anna-password"},
		} {
			_, _, err := f.auth.SignInCustomer(ctx, p, c.login, c.pw, auth.Client{Addr: "192.0.2.9"})
			if e := apperr.As(err); e == nil || e.Code != "invalid_credentials" || e.Kind != apperr.Unauthorized {
				t.Errorf("sign in %q/%q: %v, want invalid_credentials", c.login, c.pw, err)
			}
		}
		if _, _, err := f.auth.SignInAgent(ctx, "desk@example.com", "desk-password", cl); err != nil {
			t.Errorf("agent sign in: %v", err)
		}
		if _, _, err := f.auth.SignInAgent(ctx, "anna@example.com", "anna-password", cl); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a customer signed in at the desk: %v", err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		attacker := auth.Client{Addr: "198.51.100.7"}
		for i := 0; i < auth.FailsPerLogin; i++ {
			if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "guess", attacker); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		_, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", auth.Client{Addr: "203.0.113.5"})
		e := apperr.As(err)
		if e == nil || e.Kind != apperr.RateLimited || e.RetryAfter <= 0 || e.RetryAfter > auth.FailWindow {
			t.Fatalf("after %d failures: %v, want rate limited with a retry time", auth.FailsPerLogin, err)
		}
		// The window passes and the owner gets in again.
		f.clock.Add(auth.FailWindow)
		if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", auth.Client{Addr: "203.0.113.5"}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// One address guessing many logins is stopped too.
		for i := 0; i < auth.FailsPerClient; i++ {
			f.auth.SignInCustomer(ctx, p, "user"+string(rune('a'+i))+"@example.com", "guess", attacker)
		}
		if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", attacker); !apperr.Is(err, apperr.RateLimited) {
			t.Errorf("address over its limit: %v", err)
		}
	})
}

func TestSessionLifetime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		idle := time.Duration(p.IdleTimeoutMinutes) * time.Minute
		cl := auth.Client{Addr: "192.0.2.1"}
		_, tok, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		// Used within the idle timeout, the session lives on.
		for i := 0; i < 3; i++ {
			f.clock.Add(idle - time.Minute)
			if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); err != nil {
				t.Fatalf("use %d within the idle timeout: %v", i, err)
			}
		}
		if _, err := f.auth.Session(ctx, tok, auth.KindAgent, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a customer session served as an agent's: %v", err)
		}
		f.clock.Add(idle)
		if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("idle session still valid: %v", err)
		}

		// The absolute lifetime ends even a busy session.
		_, tok, _ = f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		for elapsed := time.Duration(0); elapsed < auth.CustomerLifetime-idle; elapsed += idle / 2 {
			f.clock.Add(idle / 2)
			if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); err != nil {
				t.Fatalf("busy session ended early after %v: %v", elapsed, err)
			}
		}
		f.clock.Add(idle)
		if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("session outlived its lifetime: %v", err)
		}

		_, tok, _ = f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err := f.auth.SignOut(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("signed-out session still valid: %v", err)
		}
	})
}

func TestSwitchIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		idle := time.Hour
		cl := auth.Client{Addr: "192.0.2.1"}
		_, tok, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.auth.SwitchIdentity(ctx, p, tok, f.otherRepo, cl); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("switch to someone else's contact: %v, want not found", err)
		}
		sess, next, err := f.auth.SwitchIdentity(ctx, p, tok, f.annaB, cl)
		if err != nil {
			t.Fatal(err)
		}
		if sess.ActiveContactID != f.annaB || next == tok {
			t.Errorf("switched session %+v", sess)
		}
		if _, err := f.auth.Session(ctx, tok, auth.KindCustomer, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the old token still works after a switch: %v", err)
		}
		got, err := f.auth.Session(ctx, next, auth.KindCustomer, idle)
		if err != nil || got.ActiveContactID != f.annaB {
			t.Errorf("new token: %+v %v", got, err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		idle := time.Hour
		cl := auth.Client{Addr: "192.0.2.1"}
		_, here, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		_, elsewhere, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		_, bob, err := f.auth.SignInCustomer(ctx, p, "+46701234567", "bob-password", cl)
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name   string
			in     auth.PasswordChange
			fields []string
		}{
			{"wrong current password", auth.PasswordChange{CurrentPassword: "guess", NewPassword: "a new password"}, []string{"current_password"}},
			{"too short", auth.PasswordChange{CurrentPassword: "anna-password", NewPassword: "short"}, []string{"new_password"}},
			{"the same again", auth.PasswordChange{CurrentPassword: "anna-password", NewPassword: "anna-password"}, []string{"new_password"}},
			{"both wrong", auth.PasswordChange{CurrentPassword: "guess", NewPassword: "short"}, []string{"current_password", "new_password"}},
		} {
			err := f.auth.ChangePassword(ctx, here, tc.in, cl)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || len(e.Fields) != len(tc.fields) {
				t.Fatalf("%s: %v, want 422 on %v", tc.name, err, tc.fields)
			}
			for _, field := range tc.fields {
				if e.Fields[field] == "" {
					t.Errorf("%s: no problem with %s in %v", tc.name, field, e.Fields)
				}
			}
		}
		if _, err := f.auth.Session(ctx, elsewhere, auth.KindCustomer, idle); err != nil {
			t.Fatalf("a refused change ended a session: %v", err)
		}

		if err := f.auth.ChangePassword(ctx, here, auth.PasswordChange{CurrentPassword: "anna-password", NewPassword: "a new password"}, cl); err != nil {
			t.Fatal(err)
		}
		if _, err := f.auth.Session(ctx, here, auth.KindCustomer, idle); err != nil {
			t.Errorf("the session that changed the password ended: %v", err)
		}
		if _, err := f.auth.Session(ctx, elsewhere, auth.KindCustomer, idle); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("another session of the account lives on: %v", err)
		}
		if _, err := f.auth.Session(ctx, bob, auth.KindCustomer, idle); err != nil {
			t.Errorf("another account's session ended: %v", err)
		}
		if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("the old password still signs in: %v", err)
		}
		if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "a new password", cl); err != nil {
			t.Errorf("the new password does not sign in: %v", err)
		}
	})
}

func TestChangePasswordCountsAsFailedSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		cl := auth.Client{Addr: "192.0.2.1"}
		_, tok, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		// A stolen session guessing the password is stopped like a
		// stranger guessing at the sign-in form, and for the form too.
		for i := range auth.FailsPerLogin {
			err := f.auth.ChangePassword(ctx, tok, auth.PasswordChange{CurrentPassword: "guess", NewPassword: "a new password"}, cl)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		err = f.auth.ChangePassword(ctx, tok, auth.PasswordChange{CurrentPassword: "anna-password", NewPassword: "a new password"}, cl)
		if e := apperr.As(err); e == nil || e.Kind != apperr.RateLimited || e.RetryAfter <= 0 {
			t.Fatalf("after %d wrong passwords: %v, want rate limited", auth.FailsPerLogin, err)
		}
		if _, _, err := f.auth.SignInCustomer(ctx, p, "anna@example.com", "anna-password", auth.Client{Addr: "203.0.113.5"}); !apperr.Is(err, apperr.RateLimited) {
			t.Errorf("sign-in after wrong current passwords: %v, want rate limited", err)
		}
		f.clock.Add(auth.FailWindow)
		if err := f.auth.ChangePassword(ctx, tok, auth.PasswordChange{CurrentPassword: "anna-password", NewPassword: "a new password"}, cl); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

func TestSignInVerified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		p, _ := f.db.Portal(ctx, "support")
		a, err := f.db.AccountByLogin(ctx, "anna@example.com")
		if err != nil {
			t.Fatal(err)
		}
		sess, tok, err := f.auth.SignInVerified(ctx, p, a, auth.Client{Addr: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if sess.AccountID != a.ID || sess.ActiveContactID != f.annaA || sess.PortalID != p.ID {
			t.Errorf("session %+v", sess)
		}
		if got, err := f.auth.Session(ctx, tok, auth.KindCustomer, time.Hour); err != nil || got.ID != sess.ID {
			t.Errorf("Session = %+v, %v", got, err)
		}
		a.Locked = true
		if _, _, err := f.auth.SignInVerified(ctx, p, a, auth.Client{}); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a locked account signed in: %v", err)
		}
	})
}

func TestAccessGroupsChooseTheIdentities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		contacts := contact.NewService(f.db)
		g, err := contacts.CreateAccessGroup(ctx, "Globex customers")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := contacts.AddAccessGroupMembers(ctx, g.ID, []int64{f.annaB}); err != nil {
			t.Fatal(err)
		}
		p, err := f.db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		groups := *p
		groups.AccessMode, groups.AccessGroupIDs = "access_groups", []int64{g.ID}
		cl := auth.Client{Addr: "192.0.2.7"}

		sess, tok, err := f.auth.SignInCustomer(ctx, &groups, "anna@example.com", "anna-password", cl)
		if err != nil {
			t.Fatal(err)
		}
		if sess.ActiveContactID != f.annaB {
			t.Errorf("acting as %d, want the member identity %d", sess.ActiveContactID, f.annaB)
		}
		if _, _, err := f.auth.SwitchIdentity(ctx, &groups, tok, f.annaA, cl); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("switch to the identity outside the groups: %v, want not found", err)
		}
		_, _, err = f.auth.SignInCustomer(ctx, &groups, "+46 70 123 45 67", "bob-password", cl)
		if e := apperr.As(err); e == nil || e.Kind != apperr.Forbidden || e.Code != "access_denied" {
			t.Errorf("a non-member with the right password: %v, want access_denied", err)
		}
		if _, _, err := f.auth.SignInCustomer(ctx, &groups, "+46 70 123 45 67", "wrong password", cl); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("a non-member with a wrong password: %v, want the usual invalid_credentials", err)
		}
		bob, err := f.db.AccountByLogin(ctx, "+46701234567")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.auth.SignInVerified(ctx, &groups, bob, cl); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("a verified non-member: %v, want access_denied", err)
		}
	})
}
