package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"portico/internal/agent"
	"portico/internal/store"
)

func TestAuditLog(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		// Refused to anonymous visitors and to agents who are not admins.
		if p := e.browser().get("/desk/settings/audit"); p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
			t.Errorf("anonymous = %d %q", p.Code, p.Header.Get("Location"))
		}
		plain := e.deskAgent(t, "plain@portico.test", agent.RoleAgent)
		plain.get("/desk/settings/audit").want(t, http.StatusForbidden)

		before := e.portalSettings(t)["name"].(string)
		e.pagePortal(t, map[string]any{"name": "Help Centre"})
		c := e.contact(t, map[string]any{"first_name": "Ann", "email": "ann@audit.test"})
		e.pageAccount(t, c, "")

		page, err := e.db.AuditLog(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 {
			t.Fatalf("%d audit entries, want 2: %+v", len(page.Items), page.Items)
		}
		acc, pe := page.Items[0], page.Items[1]
		if acc.Action != "account.opened" || acc.TargetType != "account" || acc.Before != nil || acc.ActorID == nil || *acc.ActorID != e.adminID {
			t.Errorf("account entry = %+v", acc)
		}
		if pe.Action != "portal.updated" || pe.TargetID != "support" || pe.ActorType != "agent" || pe.ActorID == nil || *pe.ActorID != e.adminID {
			t.Errorf("portal entry = %+v", pe)
		}
		var b, a map[string]any
		if err := json.Unmarshal(pe.Before, &b); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(pe.After, &a); err != nil {
			t.Fatal(err)
		}
		if b["name"] != before || a["name"] != "Help Centre" || len(a) != 1 || len(b) != 1 {
			t.Errorf("portal change from %v to %v", b, a)
		}

		admin := e.settingsAdmin(t)
		p := admin.get("/desk/settings/audit").want(t, http.StatusOK).strict(t, "/desk/settings/audit")
		p.has(t, en(t).T("audit.action.portal.updated"))
		p.has(t, en(t).T("audit.action.account.opened"))
		p.has(t, "Help Centre")
		if i, j := strings.Index(p.Body, en(t).T("audit.action.account.opened")), strings.Index(p.Body, en(t).T("audit.action.portal.updated")); i > j {
			t.Error("the log is not newest first")
		}
		p = admin.get("/desk/settings/audit?target=portal").want(t, http.StatusOK)
		p.has(t, "Help Centre")
		if strings.Contains(p.Body, en(t).T("audit.action.account.opened")) {
			t.Error("the portal filter shows account changes")
		}

		// A change made at the desk is logged too, once per change.
		admin.saved(t, "/desk/settings/portals/support/general", map[string][]string{"name": {"Help Desk"}, "slug": {"support"},
			"enabled": {"on"}, "languages": {"en"}, "default_language": {"en"}, "default_inbox_id": {"1"}, "idle_timeout_minutes": {"30"}})
		page, err = e.db.AuditLog(ctx, store.AuditFilter{TargetType: "portal"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || !strings.Contains(string(page.Items[0].After), "Help Desk") {
			t.Errorf("after a desk change the portal log is %+v", page.Items)
		}
	})
}
