package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"portico/internal/agent"
	"portico/internal/event"
	"portico/internal/store"
)

func init() { deskPageNames = append(deskPageNames, "desk_settings_audit") }

// auditTargets are the kinds of thing the audit log can be filtered by.
var auditTargets = []string{"portal", "access_group", "account"}

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
	When    pageTime
	Actor   string
	Action  string
	Target  string
	Changes []auditChange
}

type auditChange struct {
	Key, Before, After string
}

// auditChanges lists the keys of before and after side by side.
func auditChanges(before, after json.RawMessage) []auditChange {
	var b, a map[string]json.RawMessage
	okB := before == nil || json.Unmarshal(before, &b) == nil
	okA := after == nil || json.Unmarshal(after, &a) == nil
	if !okB || !okA || (b == nil && a == nil) {
		if before == nil && after == nil {
			return nil
		}
		return []auditChange{{Before: string(before), After: string(after)}}
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []auditChange
	for k := range keys {
		out = append(out, auditChange{Key: k, Before: auditValue(b[k]), After: auditValue(a[k])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// auditValue shows a JSON value: a string as itself, anything else as
// compact JSON, and nothing for a missing value.
func auditValue(v json.RawMessage) string {
	if v == nil {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) == nil {
		return buf.String()
	}
	return string(v)
}

func (s *Server) deskAudit(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	loc := s.deskLoc(r)
	q := r.URL.Query()
	target := q.Get("target")
	if !slices.Contains(auditTargets, target) {
		target = ""
	}
	page, err := s.Reports.AuditLog(r.Context(), store.AuditFilter{TargetType: target, Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	nav, err := s.settingsNav(r, loc, "/desk/settings/audit")
	if err != nil {
		return err
	}
	v := auditView{Nav: nav}
	v.Filters = append(v.Filters, auditFilter{Label: loc.T("audit.filter.all"), URL: "/desk/settings/audit", Current: target == ""})
	for _, t := range auditTargets {
		v.Filters = append(v.Filters, auditFilter{Label: loc.T("audit.target." + t), URL: "/desk/settings/audit?target=" + t, Current: t == target})
	}
	d := &deskData{Title: loc.T("audit.title"), Nav: deskNavSettings, Page: &v, loc: loc, now: s.now()}
	for _, e := range page.Items {
		row := auditRow{When: d.When(e.CreatedAt), Action: loc.T("audit.action." + e.Action),
			Target: loc.T("audit.target."+e.TargetType) + " " + e.TargetID, Changes: auditChanges(e.Before, e.After)}
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
		next := "/desk/settings/audit?cursor=" + page.Next
		if target != "" {
			next += "&target=" + target
		}
		v.Next = next
	}
	s.renderDesk(w, r, http.StatusOK, "desk_settings_audit", d)
	return nil
}
