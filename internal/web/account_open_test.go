package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portico/internal/agent"
	"portico/internal/delivery"
	"portico/internal/filestore"
	"portico/internal/store/storetest"
	"portico/internal/web"
	"portico/internal/web/i18n"
)

// eachCaptureEnv runs fn on every engine with a server whose base URL is
// https://help.example and whose queued deliveries, HTML bodies included,
// capture keeps.
func eachCaptureEnv(t *testing.T, fn func(t *testing.T, e *testEnv, capture *captureStore)) {
	t.Helper()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, engine, nil)
			capture := &captureStore{DB: db}
			files, err := filestore.Open(ctx, "file://"+t.TempDir(), maxUpload)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { files.Close() })
			srv, err := web.New(web.Options{Services: web.NewServices(capture, func() string { return "https://help.example" }),
				Files: files, Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
				Ready: db.Ready, Version: "test", Now: db.Now})
			if err != nil {
				t.Fatal(err)
			}
			e := &testEnv{db: db, srv: srv}
			e.adminID, e.adminKey = e.newAgent(t, "admin@portico.test", agent.RoleAdmin)
			fn(t, e, capture)
		})
	}
}

// helpLink is a set-password link of the https://help.example servers.
var helpLink = regexp.MustCompile(`https://help\.example/support/password/set\?token=([0-9]+\.[A-Za-z0-9_-]+)`)

func TestOpenedAccountMessages(t *testing.T) {
	eachCaptureEnv(t, func(t *testing.T, e *testEnv, capture *captureStore) {
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		const name = `Acme <b>"Help"</b> & Co`
		e.setPortal(t, map[string]any{"name": name, "languages": i18n.Languages})
		portalName := map[string]any{"Portal": name}
		open := func(contact int64, body map[string]any) delivery.Delivery {
			t.Helper()
			n := len(capture.sent)
			e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", contact), body, http.StatusCreated)
			if len(capture.sent) != n+1 {
				t.Fatalf("%d messages queued, want 1", len(capture.sent)-n)
			}
			return capture.last(t)
		}

		t.Run("login and password by email, in the contact's language", func(t *testing.T) {
			for _, lang := range i18n.Languages {
				email := "user-" + strings.ToLower(lang) + "@acme.test"
				c := e.contact(t, map[string]any{"first_name": "Ada <i>", "email": email, "language": lang})
				d := open(c, map[string]any{"password": "initial password 1", "send_via": "email"})
				l := cat.For(lang)
				if d.Kind != delivery.Email || d.To != email || d.Subject != l.T("mail.account_opened.subject") {
					t.Errorf("%s: delivery %s to %s, subject %q", lang, d.Kind, d.To, d.Subject)
				}
				for _, want := range []string{l.T("mail.account_opened.intro", portalName), email, "initial password 1",
					"https://help.example/support/login", l.T("mail.greeting", map[string]any{"Name": "Ada <i>"})} {
					if !strings.Contains(d.Body, want) {
						t.Errorf("%s: text lacks %q:\n%s", lang, want, d.Body)
					}
				}
				for _, want := range []string{`<html lang="` + lang + `">`, "Acme &lt;b&gt;&#34;Help&#34;&lt;/b&gt; &amp; Co",
					`href="https://help.example/support/login"`, "initial password 1"} {
					if !strings.Contains(d.BodyHTML, want) {
						t.Errorf("%s: HTML lacks %s", lang, want)
					}
				}
				if strings.Contains(d.BodyHTML, "<b>") || strings.Contains(d.BodyHTML, "<i>") {
					t.Errorf("%s: HTML holds unescaped markup", lang)
				}
			}
		})

		t.Run("by SMS, a short text", func(t *testing.T) {
			c := e.contact(t, map[string]any{"first_name": "Sven", "phone": "+46 70 111 22 33", "language": "sv"})
			d := open(c, map[string]any{"password": "initial password 2", "send_via": "sms"})
			want := cat.For("sv").T("sms.account_opened", map[string]any{"Portal": name, "Link": "https://help.example/support/login",
				"Login": "+46701112233", "Password": "initial password 2"})
			if d.Kind != delivery.SMS || d.Body != want || d.BodyHTML != "" || d.Subject != "" {
				t.Errorf("SMS = %+v, want %q", d, want)
			}
		})

		t.Run("without a password, a link to choose one", func(t *testing.T) {
			c := e.contact(t, map[string]any{"first_name": "Nils", "email": "nils@acme.test", "language": "sv"})
			d := open(c, map[string]any{"send_via": "email", "must_change_password": true})
			sv := cat.For("sv")
			if d.Subject != sv.T("mail.account_opened.subject") || !strings.Contains(d.Body, sv.N("mail.link.valid", 7)) ||
				!strings.Contains(d.Body, sv.T("mail.set_password.intro", portalName)) || !strings.Contains(d.Body, "nils@acme.test") ||
				!strings.Contains(d.Body, "https://help.example/support/login") || strings.Contains(d.Body, sv.T("mail.account_opened.password", map[string]any{"Password": ""})) {
				t.Errorf("set-password message = %s\n%s", d.Subject, d.Body)
			}
			m := helpLink.FindStringSubmatch(d.Body)
			if m == nil || !strings.Contains(d.BodyHTML, `href="`+m[0]+`"`) {
				t.Fatalf("no link in %q", d.Body)
			}
			wantCode(t, e.callAs("", "POST", portalAPI+"/session", map[string]any{"login": "nils@acme.test", "password": ""}),
				http.StatusUnauthorized, "invalid_credentials")
			b := e.browser()
			b.header.Set("Accept-Language", "sv")
			b.get("/support/password/set?token="+m[1]).want(t, http.StatusOK).has(t, "nils@acme.test",
				sv.T("setpassword.intro.opened", portalName))
			r := e.callAs("", "POST", portalAPI+"/password/set", map[string]any{"token": m[1], "new_password": "nils's own password"})
			if r.Code != http.StatusOK {
				t.Fatalf("set password = %d: %s", r.Code, r.Body)
			}
			if acct := r.object(t)["account"].(map[string]any); acct["must_change_password"] != false {
				t.Errorf("account = %v; the password was chosen, not given", acct)
			}
			b.get("/support/password/set?token="+m[1]).want(t, http.StatusGone)
			e.customerSignIn(t, "nils@acme.test", "nils's own password")

			p := e.contact(t, map[string]any{"first_name": "Pia", "phone": "+46 70 999 88 77"})
			d = open(p, map[string]any{"send_via": "sms"})
			if d.Kind != delivery.SMS || !helpLink.MatchString(d.Body) || !strings.Contains(d.Body, name) {
				t.Errorf("set-password SMS = %+v", d)
			}
		})

		t.Run("the same login again links another identity and sends nothing", func(t *testing.T) {
			acme, globex := e.company(t, "Acme"), e.company(t, "Globex")
			ann := e.contact(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test", "company_id": acme})
			open(ann, map[string]any{"password": testPassword, "send_via": "email", "must_change_password": false})
			annG := e.contact(t, map[string]any{"first_name": "Ann", "last_name": "G", "email": "Ann@Acme.test", "company_id": globex})
			n := len(capture.sent)
			linked := e.ok(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", annG), map[string]any{"send_via": "email"}, http.StatusOK)
			if linked["linked"] != true || linked["login"] != "ann@acme.test" {
				t.Errorf("second opening = %v", linked)
			}
			if len(capture.sent) != n {
				t.Errorf("linking an identity sent %d messages", len(capture.sent)-n)
			}
			me := e.callAs(e.customerSignIn(t, "ann@acme.test", testPassword), "GET", portalAPI+"/me", nil).object(t)
			if ids := me["identities"].([]any); len(ids) != 2 {
				t.Errorf("identities = %v", ids)
			}
		})
	})
}
