package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portico/internal/agent"
	"portico/internal/store"
)

// auditTail reads the audit log from where the test last looked.
type auditTail struct {
	e    *testEnv
	last int64
}

// auditTail starts reading the audit log after its newest entry.
func (e *testEnv) auditTail(t *testing.T) *auditTail {
	t.Helper()
	l := &auditTail{e: e}
	l.next(t)
	return l
}

// next returns the entries written since the last look, oldest first.
func (l *auditTail) next(t *testing.T) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	cursor := ""
	for {
		page, err := l.e.db.AuditLog(context.Background(), store.AuditFilter{Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		done := false
		for _, e := range page.Items {
			if e.ID <= l.last {
				done = true
				break
			}
			out = append(out, e)
		}
		if done || page.Next == "" {
			break
		}
		cursor = page.Next
	}
	slices.Reverse(out)
	if len(out) > 0 {
		l.last = out[len(out)-1].ID
	}
	return out
}

// one requires exactly one new entry and returns it.
func (l *auditTail) one(t *testing.T) store.AuditEntry {
	t.Helper()
	got := l.next(t)
	if len(got) != 1 {
		t.Fatalf("%d new audit entries, want 1: %s", len(got), auditSummary(got))
	}
	return got[0]
}

// none requires that nothing was written since the last look.
func (l *auditTail) none(t *testing.T, what string) {
	t.Helper()
	if got := l.next(t); len(got) > 0 {
		t.Errorf("%s wrote to the audit log: %s", what, auditSummary(got))
	}
}

func auditSummary(es []store.AuditEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  %s %s/%s %s → %s", e.Action, e.TargetType, e.TargetID, e.Before, e.After)
	}
	return b.String()
}

// auditDoc is what a document says, as JSON reads it; nil for none.
func auditDoc(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	if raw == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("audit document %s: %v", raw, err)
	}
	return m
}

// wantAudit checks an entry: what was done to what, by the agent actor (0
// for the system), and exactly what it says was there before and after.
func wantAudit(t *testing.T, got store.AuditEntry, action, target string, targetID any, actor int64, before, after map[string]any) {
	t.Helper()
	if got.Action != action || got.TargetType != target || got.TargetID != fmt.Sprint(targetID) {
		t.Errorf("entry %s %s/%s, want %s %s/%v", got.Action, got.TargetType, got.TargetID, action, target, targetID)
	}
	switch {
	case actor == 0 && (got.ActorType != "system" || got.ActorID != nil):
		t.Errorf("%s: actor %s %v, want the system", action, got.ActorType, got.ActorID)
	case actor != 0 && (got.ActorType != "agent" || got.ActorID == nil || *got.ActorID != actor):
		t.Errorf("%s: actor %s %v, want agent %d", action, got.ActorType, got.ActorID, actor)
	}
	norm := func(m map[string]any) map[string]any {
		if m == nil {
			return nil
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if b := auditDoc(t, got.Before); !reflect.DeepEqual(b, norm(before)) {
		t.Errorf("%s: before = %s, want %v", action, got.Before, before)
	}
	if a := auditDoc(t, got.After); !reflect.DeepEqual(a, norm(after)) {
		t.Errorf("%s: after = %s, want %v", action, got.After, after)
	}
}

// secondAdmin is another admin with an API key, so that a test can tell
// changes made through the API from those made at the desk.
func (e *testEnv) secondAdmin(t *testing.T) (int64, string) {
	t.Helper()
	return e.newAgent(t, "ops@portico.test", agent.RoleAdmin)
}

func TestAuditLog(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		log := e.auditTail(t)
		// Refused to anonymous visitors, customers and agents who are not
		// admins.
		if p := e.browser().get("/desk/settings/audit"); p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
			t.Errorf("anonymous = %d %q", p.Code, p.Header.Get("Location"))
		}
		plain := e.deskAgent(t, "plain@portico.test", agent.RoleAgent)
		plain.get("/desk/settings/audit").want(t, http.StatusForbidden).lacks(t, en(t).T("audit.title"))
		c := e.contact(t, map[string]any{"first_name": "Ann", "email": "ann@audit.test"})
		ann := e.pageAccount(t, c, "")
		cust := e.browser()
		cust.signIn(t, ann.login)
		if p := cust.get("/desk/settings/audit"); p.Code != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
			t.Errorf("customer = %d %q", p.Code, p.Header.Get("Location"))
		}

		before := e.portalSettings(t)["name"].(string)
		e.pagePortal(t, map[string]any{"name": "Help Centre"})

		page, err := e.db.AuditLog(ctx, store.AuditFilter{TargetTypes: []string{"portal", "account"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 {
			t.Fatalf("%d audit entries, want 2: %s", len(page.Items), auditSummary(page.Items))
		}
		pe, acc := page.Items[0], page.Items[1]
		if acc.Action != "account.opened" || acc.TargetType != "account" || acc.Before != nil || acc.ActorID == nil || *acc.ActorID != e.adminID {
			t.Errorf("account entry = %+v", acc)
		}
		wantAudit(t, pe, "portal.updated", "portal", "support", e.adminID, map[string]any{"name": before}, map[string]any{"name": "Help Centre"})

		admin := e.settingsAdmin(t)
		loc := en(t)
		p := admin.get("/desk/settings/audit").want(t, http.StatusOK).strict(t, "/desk/settings/audit")
		p.has(t, loc.T("audit.action.portal.updated"), loc.T("audit.action.account.opened"),
			"<dt>"+loc.T("audit.field.name")+":</dt><dd><del>"+before+"</del> → <ins>Help Centre</ins></dd>")
		// The account is named by its login, the contact by their name.
		p.has(t, "ann@audit.test", "<ins>Ann</ins>")
		if i, j := strings.Index(p.Body, loc.T("audit.action.portal.updated")), strings.Index(p.Body, loc.T("audit.action.account.opened")); i > j {
			t.Error("the log is not newest first")
		}
		p = admin.get("/desk/settings/audit?target=portal").want(t, http.StatusOK)
		p.has(t, "Help Centre")
		if strings.Contains(p.Body, loc.T("audit.action.account.opened")) {
			t.Error("the portal filter shows account changes")
		}

		// A change made at the desk is logged too, once per change.
		log.next(t)
		admin.saved(t, "/desk/settings/portals/support/general", url.Values{"name": {"Help Desk"}, "slug": {"support"},
			"enabled": {"on"}, "languages": {"en", "zh-CN", "pl", "sv"}, "default_language": {"en"}, "default_inbox_id": {"1"}, "idle_timeout_minutes": {"30"}})
		wantAudit(t, log.one(t), "portal.updated", "portal", "support", e.adminID, map[string]any{"name": "Help Centre"}, map[string]any{"name": "Help Desk"})
	})
}

func TestAuditLogPagesAndFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		for i := range 55 {
			e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": fmt.Sprintf("Queue %02d", i)}, http.StatusCreated)
		}
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "serial", "type": "text"}, http.StatusCreated)

		p := admin.get("/desk/settings/audit?target=pipeline").want(t, http.StatusOK).strict(t, "pipeline filter")
		p.has(t, `aria-current="page">`+loc.T("audit.filter.pipeline")+"<", "Queue 54", loc.T("audit.action.inbox.created"))
		p.lacks(t, "Queue 04", loc.T("audit.action.property.created"), loc.T("audit.action.agent.created"))
		m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.Body)
		if m == nil || !strings.Contains(m[1], "target=pipeline") {
			t.Fatalf("the next page %q is missing or forgets the filter", m)
		}
		p = admin.get(html.UnescapeString(m[1])).want(t, http.StatusOK)
		p.has(t, "Queue 04", "Queue 00")
		p.lacks(t, "Queue 54", loc.T("audit.action.property.created"))

		p = admin.get("/desk/settings/audit?target=property").want(t, http.StatusOK)
		p.has(t, loc.T("audit.action.property.created"), "serial")
		p.lacks(t, "Queue 54")
		p = admin.get("/desk/settings/audit?target=agent").want(t, http.StatusOK)
		p.has(t, loc.T("audit.action.agent.created"), loc.T("audit.action.api_key.created"), "admin@portico.test", loc.T("audit.actor.system"))
		// An unknown filter shows everything.
		admin.get("/desk/settings/audit?target=nonsense").want(t, http.StatusOK).has(t, "Queue 54", `aria-current="page">`+loc.T("audit.filter.all")+"<")

		// Every action the log holds has a label in every language.
		for _, lang := range []string{"pl", "sv", "zh-CN"} {
			b := e.settingsAdmin(t)
			b.header.Set("Accept-Language", lang)
			for _, f := range []string{"", "?target=property", "?target=agent"} {
				q := b.get("/desk/settings/audit"+f).want(t, http.StatusOK)
				if i := strings.Index(q.Body, "audit."); i >= 0 {
					t.Errorf("%s %s shows a message id: %s", lang, f, q.Body[i:min(len(q.Body), i+60)])
				}
			}
		}
	})
}
