package web

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// pageListLimit is the page size of the ticket list.
const pageListLimit = 25

// pageListView is the ticket list (SPEC P7–P12, P20).
type pageListView struct {
	Views      []pageTab
	Columns    []pageColumn
	Rows       []pageRow
	Total      int
	From, To   int
	PrevURL    string
	NextURL    string
	ExportURL  string
	ClearURL   string
	Action     string
	Form       pageFilterForm
	Errors     map[string]string
	LinkErrors []string
	Chips      []pageChip
	Empty      pageEmpty
	Filtered   bool
	FilterOpen bool
	Invalid    bool
}

type pageTab struct {
	Key, Label, URL string
	Current         bool
}

type pageColumn struct {
	Key, Label string
	SortURL    string
	Sorted     string // "asc", "desc" or ""
	SortLabel  string
}

type pageChip struct {
	Label, RemoveURL string
}

type pageEmpty struct {
	Title, Body string
	ActionLabel string
	ActionURL   string
}

// pageFilterForm is the filter form's state.
type pageFilterForm struct {
	View, Q, Status          string
	PipelineID, StageID      string
	CreatedFrom, CreatedTo   string
	ActivityFrom, ActivityTo string
	Pipelines                []pagePipeline
	Properties               []pageField
	Hidden                   []pageHidden
	PipelinesMulti           bool
	// Sort and Order also choose the order where the column headers
	// are hidden, on narrow screens.
	Sort, Order string
	Sorts       []pageOption
}

type pagePipeline struct {
	ID     int64
	Name   string
	Stages []pipeline.Stage
}

type pageHidden struct {
	Name, Value string
}

// pageOffset reads the row offset from a customer list cursor. The store
// writes it as base64url JSON {"k":"offset","i":N}; an unreadable cursor
// counts as the first page and is reported by the store itself.
func pageOffset(cursor string) int {
	if cursor == "" {
		return 0
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0
	}
	var c struct {
		K string `json:"k"`
		I int    `json:"i"`
	}
	if json.Unmarshal(b, &c) != nil || c.K != "offset" || c.I < 0 {
		return 0
	}
	return c.I
}

// pageCursorAt is the cursor of the page starting at row n, as the store
// writes it; the first page has none.
func pageCursorAt(n int) string {
	if n <= 0 {
		return ""
	}
	b, _ := json.Marshal(struct {
		K string `json:"k"`
		I int    `json:"i"`
	}{"offset", n})
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageQueryURL returns base with q, after setting (or, for "", deleting)
// the given keys.
func pageQueryURL(base string, q url.Values, kv ...string) string {
	c := url.Values{}
	for k, vs := range q {
		c[k] = slices.Clone(vs)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			c.Del(kv[i])
		} else {
			c.Set(kv[i], kv[i+1])
		}
	}
	if len(c) == 0 {
		return base
	}
	return base + "?" + c.Encode()
}

// pageDateValue shows a date filter in a date field: its day.
func pageDateValue(s string) string {
	if len(s) >= 10 {
		if _, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return s[:10]
		}
	}
	return s
}

// pageSortable lists the columns the list sorts by.
func pageSortable(defs []property.Definition, col string) bool {
	d, ok := property.Find(defs, col)
	if !ok || !d.PortalVisible {
		return false
	}
	if !d.Builtin {
		return true
	}
	_, ok = pageColumnLabels[col]
	return ok
}

// pageFilterFields are the portal-visible properties the filter form
// offers beyond status, stage, pipeline and dates.
func pageFilterFields(loc *i18n.Localizer, defs []property.Definition, q url.Values) []pageField {
	var out []pageField
	for i := range defs {
		d := &defs[i]
		if !d.PortalVisible {
			continue
		}
		if d.Builtin && d.Name != "priority" && d.Name != "reply_channel" {
			continue
		}
		out = append(out, pageFieldOf(loc, d, q.Get("p."+d.Name)))
	}
	return out
}

func (s *Server) pageTickets(w http.ResponseWriter, r *http.Request, v *visitor) error {
	ctx := r.Context()
	q := r.URL.Query()
	base := "/" + v.portal.Slug + "/tickets"
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return err
	}
	lv := pageListView{Action: base, ClearURL: pageQueryURL(base, url.Values{"view": {q.Get("view")}}), Errors: map[string]string{}}
	lv.ExportURL = pageQueryURL("/api/v1/portal/"+v.portal.Slug+"/tickets.csv", q, "cursor", "", "limit", "")

	f, err := ticket.ParseCustomerQuery(q, v.scope)
	if err == nil {
		err = checkQuery(r)
	}
	if f.Limit == 0 {
		f.Limit = pageListLimit
	}
	var page ticket.CustomerPage
	if err == nil {
		page, err = s.Tickets.CustomerTickets(ctx, f)
	}
	status := http.StatusOK
	if err != nil {
		fields, ok := pageFieldErrors(v.loc, err)
		if !ok {
			return err
		}
		lv.Invalid, lv.FilterOpen, status = true, true, http.StatusUnprocessableEntity
		lv.Errors = fields
		shown := map[string]bool{}
		for _, f := range pageFilterFields(v.loc, defs, q) {
			shown[f.Name] = true
		}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if !pageFormFields[k] && !shown[k] {
				lv.LinkErrors = append(lv.LinkErrors, fields[k])
			}
		}
	}
	view := cmp.Or(f.View, ticket.ViewAll)
	if _, bad := lv.Errors["view"]; bad {
		view = ticket.ViewAll
	}
	s.pageListTabs(v, &lv, base, view)
	if err := s.pageListForm(ctx, v, &lv, defs, q, view); err != nil {
		return err
	}
	if msg := lv.Errors["pipeline_id"]; msg != "" && !lv.Form.PipelinesMulti {
		lv.LinkErrors = append(lv.LinkErrors, msg)
	}
	cols := v.portal.Columns
	if len(cols) == 0 {
		cols = portal.RecommendedColumns
	}
	sortCol := cmp.Or(f.Sort, ticket.SortLastActivity)
	lv.Form.Sort, lv.Form.Order = sortCol, "desc"
	if f.Asc {
		lv.Form.Order = "asc"
	}
	for _, col := range cols {
		c := pageColumn{Key: col, Label: pagePropertyLabel(v.loc, defs, col)}
		if pageSortable(defs, col) {
			order := "asc"
			lv.Form.Sorts = append(lv.Form.Sorts, pageOption{Value: col, Label: c.Label})
			if col == sortCol {
				c.Sorted = "desc"
				if f.Asc {
					c.Sorted, order = "asc", "desc"
				}
			} else if col == "id" || col == "created_at" || col == "last_activity_at" || col == "closed_at" {
				order = "desc"
			}
			c.SortURL = pageQueryURL(base, q, "sort", col, "order", order, "cursor", "")
			c.SortLabel = v.loc.T("tickets.sort." + order)
		}
		lv.Columns = append(lv.Columns, c)
	}
	if !slices.ContainsFunc(lv.Form.Sorts, func(o pageOption) bool { return o.Value == sortCol }) && pageSortable(defs, sortCol) {
		lv.Form.Sorts = append(lv.Form.Sorts, pageOption{Value: sortCol, Label: pagePropertyLabel(v.loc, defs, sortCol)})
	}
	for i := range page.Items {
		lv.Rows = append(lv.Rows, pageTicketRow(v, defs, cols, &page.Items[i]))
	}
	lv.Total = page.Total
	off := pageOffset(f.Cursor)
	if len(page.Items) > 0 {
		lv.From, lv.To = off+1, off+len(page.Items)
	}
	if page.NextCursor != "" {
		lv.NextURL = pageQueryURL(base, q, "cursor", page.NextCursor)
	}
	if off > 0 {
		lv.PrevURL = pageQueryURL(base, q, "cursor", pageCursorAt(max(0, off-f.Limit)))
	}
	lv.Empty = s.pageEmptyState(v, &lv, view, f)
	d := &pageData{v: v, Title: v.loc.T("tickets.title"), Nav: "tickets", Page: lv}
	if lv.Invalid {
		d.Error = v.loc.N("form.errors", len(lv.Errors))
	}
	s.renderPage(w, r, status, "tickets", d)
	return nil
}

// pageFormFields are the list query parameters the filter form shows.
var pageFormFields = map[string]bool{"q": true, "status": true, "stage_id": true, "pipeline_id": true, "created_from": true,
	"created_to": true, "activity_from": true, "activity_to": true}

// pageListTabs are the views (SPEC P7); Organization only when the portal's
// permission and the identity's company allow it (SPEC I5).
func (s *Server) pageListTabs(v *visitor, lv *pageListView, base, current string) {
	views := []string{ticket.ViewAll, ticket.ViewMine, ticket.ViewShared}
	if v.scope.CompanyID != 0 {
		views = append(views, ticket.ViewOrganization)
	}
	views = append(views, ticket.ViewDrafts)
	for _, k := range views {
		lv.Views = append(lv.Views, pageTab{Key: k, Label: v.loc.T("tickets.view." + k), URL: base + "?view=" + k, Current: k == current})
	}
}

// pageListForm fills in the filter form from the query.
func (s *Server) pageListForm(ctx context.Context, v *visitor, lv *pageListView, defs []property.Definition, q url.Values, view string) error {
	ff := pageFilterForm{View: view, Q: q.Get("q"), Status: q.Get("status"), PipelineID: q.Get("pipeline_id"), StageID: q.Get("stage_id"),
		CreatedFrom: pageDateValue(q.Get("created_from")), CreatedTo: pageDateValue(q.Get("created_to")),
		ActivityFrom: pageDateValue(q.Get("activity_from")), ActivityTo: pageDateValue(q.Get("activity_to"))}
	pls, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	for _, p := range pls {
		ff.Pipelines = append(ff.Pipelines, pagePipeline{ID: p.ID, Name: p.Name, Stages: p.Stages})
	}
	ff.PipelinesMulti = len(pls) > 1
	ff.Properties = pageFilterFields(v.loc, defs, q)
	for i := range ff.Properties {
		ff.Properties[i].Error = lv.Errors[ff.Properties[i].Name]
	}
	base := "/" + v.portal.Slug + "/tickets"
	// Filters the dashboard's links set and the form does not show: kept
	// in the form and listed as chips that remove them.
	for _, k := range []string{"queue", "waiting_on_me", "rated", "closed_from", "closed_to", "limit"} {
		val := q.Get(k)
		if val == "" {
			continue
		}
		ff.Hidden = append(ff.Hidden, pageHidden{Name: k, Value: val})
		label := ""
		switch k {
		case "queue":
			label = v.loc.T("dashboard.waiting_acceptance")
		case "waiting_on_me":
			label = v.loc.T("dashboard.waiting_on_me")
		case "rated":
			label = v.loc.T("tickets.filter.rated")
		case "closed_from":
			label = v.loc.T("tickets.filter.closed_since", map[string]any{"Date": pageDateLabel(v.loc, val)})
		case "closed_to":
			label = v.loc.T("tickets.filter.closed_until", map[string]any{"Date": pageDateLabel(v.loc, val)})
		}
		if label != "" {
			lv.Chips = append(lv.Chips, pageChip{Label: label, RemoveURL: pageQueryURL(base, q, k, "", "cursor", "")})
		}
	}
	active := 0
	for _, val := range []string{ff.Status, ff.PipelineID, ff.StageID, ff.CreatedFrom, ff.CreatedTo, ff.ActivityFrom, ff.ActivityTo} {
		if val != "" {
			active++
		}
	}
	for _, p := range ff.Properties {
		if p.Value != "" {
			active++
		}
	}
	lv.Filtered = active > 0 || len(lv.Chips) > 0 || ff.Q != ""
	lv.FilterOpen = lv.FilterOpen || active > 0
	lv.Form = ff
	return nil
}

// pageDateLabel shows a date or time filter value as a date.
func pageDateLabel(loc *i18n.Localizer, s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return loc.Date(t, time.UTC)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return loc.Date(t, time.UTC)
	}
	return s
}

// pageEmptyState says what to do next when a view has nothing to show.
func (s *Server) pageEmptyState(v *visitor, lv *pageListView, view string, f ticket.CustomerFilter) pageEmpty {
	newURL := "/" + v.portal.Slug + "/tickets/new"
	submit := portal.Label(v.portal.FormMenuText, v.loc.Lang(), v.loc.T("nav.submit"))
	switch {
	case f.Q != "":
		return pageEmpty{Title: v.loc.T("tickets.empty.search.title", map[string]any{"Query": f.Q}), Body: v.loc.T("tickets.empty.search.body"),
			ActionLabel: v.loc.T("tickets.filter.clear"), ActionURL: lv.ClearURL}
	case lv.Filtered:
		return pageEmpty{Title: v.loc.T("tickets.empty.filtered.title"), Body: v.loc.T("tickets.empty.filtered.body"),
			ActionLabel: v.loc.T("tickets.filter.clear"), ActionURL: lv.ClearURL}
	}
	e := pageEmpty{Title: v.loc.T("tickets.empty." + view + ".title"), Body: v.loc.T("tickets.empty."+view+".body", map[string]any{"Company": v.identity.Company})}
	if view != ticket.ViewShared && view != ticket.ViewOrganization {
		e.ActionLabel, e.ActionURL = submit, newURL
	}
	return e
}
