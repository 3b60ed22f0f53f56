package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"portico/internal/agent"
	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/web/i18n"
)

func init() { deskPageNames = append(deskPageNames, "desk_settings_audit") }

// auditGroups are the choices of the audit log's filter, in the order the
// page shows them: each is a kind of setting and the target types of the
// entries about it.
var auditGroups = []struct {
	Key   string
	Types []string
}{
	{"portal", []string{"portal"}},
	{"pipeline", []string{"pipeline", "stage", "inbox"}},
	{"property", []string{"property"}},
	{"access_group", []string{"access_group"}},
	{"form", []string{"form"}},
	{"account", []string{"account"}},
	{"agent", []string{"agent", "api_key"}},
}

// auditView is the audit log (SPEC A11).
type auditView struct {
	Nav     []settingsLink
	Filters []auditFilter
	Entries []auditRow
	Next    string
}

type auditFilter struct {
	Label   string
	URL     string
	Current bool
}

type auditRow struct {
	When       pageTime
	Actor      string
	Action     string
	Target     string
	TargetName string
	Changes    []auditChange
}

// auditText is the message id in this language, or ok false when the
// catalog has no such message.
func auditText(loc *i18n.Localizer, id string, data ...map[string]any) (string, bool) {
	s := loc.T(id, data...)
	return s, s != id
}

func (s *Server) deskAudit(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	loc := s.deskLoc(r)
	q := r.URL.Query()
	target := q.Get("target")
	var types []string
	for _, g := range auditGroups {
		if g.Key == target {
			types = g.Types
		}
	}
	if types == nil {
		target = ""
	}
	page, err := s.Reports.AuditLog(r.Context(), store.AuditFilter{TargetTypes: types, Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	nav, err := s.settingsNav(r, loc, "/desk/settings/audit")
	if err != nil {
		return err
	}
	v := auditView{Nav: nav}
	v.Filters = append(v.Filters, auditFilter{Label: loc.T("audit.filter.all"), URL: "/desk/settings/audit", Current: target == ""})
	for _, g := range auditGroups {
		v.Filters = append(v.Filters, auditFilter{Label: loc.T("audit.filter." + g.Key), URL: "/desk/settings/audit?target=" + g.Key, Current: g.Key == target})
	}
	d := &deskData{Title: loc.T("audit.title"), Nav: deskNavSettings, Page: &v, loc: loc, now: s.now()}
	names := &auditNames{s: s, ctx: r.Context(), loc: loc}
	for _, e := range page.Items {
		row := auditRow{When: d.When(e.CreatedAt), Target: loc.T("audit.target." + e.TargetType)}
		var ok bool
		if row.Action, ok = auditText(loc, "audit.action."+e.Action); !ok {
			row.Action = e.Action
		}
		if row.TargetName, err = names.target(&e.Audit); err != nil {
			return err
		}
		if row.Changes, err = names.changes(e.Before, e.After); err != nil {
			return err
		}
		switch {
		case e.ActorType == event.ActorAgent && e.ActorName != "":
			row.Actor = e.ActorName
		case e.ActorType == event.ActorAgent && e.ActorID != nil:
			row.Actor = loc.T("audit.actor.agent", map[string]any{"ID": strconv.FormatInt(*e.ActorID, 10)})
		default:
			row.Actor = loc.T("audit.actor.system")
		}
		v.Entries = append(v.Entries, row)
	}
	if page.Next != "" {
		next := url.Values{"cursor": {page.Next}}
		if target != "" {
			next.Set("target", target)
		}
		v.Next = "/desk/settings/audit?" + next.Encode()
	}
	s.renderDesk(w, r, http.StatusOK, "desk_settings_audit", d)
	return nil
}

// docName is the name an entry's documents give the thing changed: the
// one after the change, else the one before (of a thing removed).
func docName(a *event.Audit, key string) string {
	for _, doc := range []json.RawMessage{a.After, a.Before} {
		var m map[string]any
		if json.Unmarshal(doc, &m) == nil {
			if s, ok := m[key].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}
