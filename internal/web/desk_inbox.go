package web

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

func init() {
	deskPageNames = append(deskPageNames, "desk_inbox", "desk_portals")
}

// deskInboxPage is how many tickets one page of the inbox shows.
const deskInboxPage = 25

// Inbox views: whose tickets.
const (
	deskViewAll        = "all"
	deskViewMine       = "mine"
	deskViewUnassigned = "unassigned"
)

// Inbox orders, as the sort parameter names them.
var deskSorts = []string{"newest", "oldest", "active", "quiet"}

// deskInboxQuery is an inbox view as its URL holds it: every filter, the
// search, the order and the page.
type deskInboxQuery struct {
	View                                  string
	InboxID, PipelineID, StageID, OwnerID int64
	Status                                string // "open" (default), "closed" or "any"
	Q                                     string
	Sort                                  string
	Cursor                                string
}

// deskParseInbox reads an inbox view from the query string; what is not
// understood falls back to the default rather than failing, so that an
// old bookmark still opens.
func deskParseInbox(q url.Values) deskInboxQuery {
	id := func(name string) int64 {
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	v := deskInboxQuery{View: q.Get("view"), InboxID: id("inbox"), PipelineID: id("pipeline"), StageID: id("stage"),
		OwnerID: id("owner"), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	switch v.View {
	case deskViewMine, deskViewUnassigned:
	default:
		v.View = deskViewAll
	}
	if v.View != deskViewAll {
		v.OwnerID = 0
	}
	switch v.Status {
	case ticket.StatusClosed, "any":
	default:
		v.Status = ticket.StatusOpen
	}
	if !slices.Contains(deskSorts, v.Sort) {
		v.Sort = deskSorts[0]
	}
	if utf8.RuneCountInString(v.Q) > 200 {
		v.Q = string([]rune(v.Q)[:200])
	}
	return v
}

// values is the view's query string; kv replace parameters ("" drops
// one). Defaults stay out, so that a link reads plainly.
func (v deskInboxQuery) values(kv ...string) url.Values {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	idv := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	if v.View != deskViewAll {
		set("view", v.View)
	}
	set("inbox", idv(v.InboxID))
	set("pipeline", idv(v.PipelineID))
	set("stage", idv(v.StageID))
	set("owner", idv(v.OwnerID))
	if v.Status != ticket.StatusOpen {
		set("status", v.Status)
	}
	set("q", v.Q)
	if v.Sort != deskSorts[0] {
		set("sort", v.Sort)
	}
	set("cursor", v.Cursor)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// url is the address of the view with kv changed.
func (v deskInboxQuery) url(kv ...string) string {
	if q := v.values(kv...).Encode(); q != "" {
		return "/desk/?" + q
	}
	return "/desk/"
}

// filter is the view as the ticket service takes it, for agent a.
func (v deskInboxQuery) filter(a *agent.Agent) ticket.Filter {
	f := ticket.Filter{InboxID: v.InboxID, PipelineID: v.PipelineID, StageID: v.StageID, OwnerID: v.OwnerID, Q: v.Q,
		Cursor: v.Cursor, Limit: deskInboxPage, Sort: ticket.SortID}
	switch v.View {
	case deskViewMine:
		f.OwnerID = a.ID
	case deskViewUnassigned:
		f.Unassigned, f.OwnerID = true, 0
	}
	if v.Status != "any" {
		f.Status = v.Status
	}
	switch v.Sort {
	case "oldest":
		f.Asc = true
	case "active":
		f.Sort = ticket.SortLastActivity
	case "quiet":
		f.Sort, f.Asc = ticket.SortLastActivity, true
	}
	return f
}

// deskInboxView is the inbox page.
type deskInboxView struct {
	Query     deskInboxQuery
	Heading   string
	Views     []pageNavLink
	Inboxes   []deskChoice
	Pipelines []deskChoice
	Stages    []deskChoice
	Owners    []deskChoice
	Statuses  []deskChoice
	Sorts     []deskChoice
	Rows      []deskRow
	RowsHTML  template.HTML // Rows as inboxRows writes them
	Count     string
	NextURL   string
	FirstURL  string
	Filtered  bool
	ClearURL  string
	Portals   []deskPortal
	QError    string
	L         deskListLabels
}

// deskChoice is one option of a select.
type deskChoice struct {
	Value, Label string
	Selected     bool
}

// deskRow is one ticket of the inbox.
type deskRow struct {
	ID                  int64
	URL                 string
	Subject             string
	Requester           string
	Owner               string
	Stage               string
	StatusClass         string
	Priority, PriorityL string
	Created, Activity   time.Time
	// When the row was created and last active, as the time partial
	// shows them; set for the inbox's list.
	CreatedAt, ActiveAt pageTime
}

// inboxRows is the markup of the inbox list's rows. The inbox is the
// desk's busiest page, and the template engine spent more on its rows
// (some twenty escaped values each) than the database spent finding them,
// so they are written here; every text goes through HTMLEscapeString, the
// links and classes are made of ids and fixed words.
func inboxRows(rows []deskRow, l deskListLabels) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 900)
	esc := template.HTMLEscapeString
	cell := func(class, label string) {
		b.WriteString("\n            <td")
		if class != "" {
			b.WriteString(` class="` + class + `"`)
		}
		if label != "" {
			b.WriteString(` data-label="` + esc(label) + `"`)
		}
		b.WriteString(">")
	}
	when := func(t pageTime) {
		if t.ISO != "" {
			b.WriteString(`<time datetime="` + esc(t.ISO) + `" title="` + esc(t.Exact) + `">` + esc(t.Rel) + `</time>`)
		}
	}
	for _, r := range rows {
		id := strconv.FormatInt(r.ID, 10)
		b.WriteString("\n          <tr>")
		cell("col-id", l.ID)
		b.WriteString(`<a href="/desk/tickets/` + id + `">#` + id + `</a></td>`)
		cell("col-subject", "")
		b.WriteString(`<a class="subject-link" href="/desk/tickets/` + id + `">` + esc(r.Subject) + `</a></td>`)
		cell("", l.Requester)
		b.WriteString(esc(r.Requester) + `</td>`)
		cell("", l.Stage)
		b.WriteString(`<span class="badge badge-` + esc(r.StatusClass) + `">` + esc(r.Stage) + `</span></td>`)
		cell("", l.Owner)
		if r.Owner != "" {
			b.WriteString(esc(r.Owner))
		} else {
			b.WriteString(`<span class="unassigned">` + esc(l.Unassigned) + `</span>`)
		}
		b.WriteString(`</td>`)
		cell("", l.Priority)
		if r.Priority != "" {
			b.WriteString(`<span class="priority priority-` + esc(r.Priority) + `">` + esc(r.PriorityL) + `</span>`)
		} else {
			b.WriteString(`<span class="muted">–</span>`)
		}
		b.WriteString(`</td>`)
		cell("col-time", l.Created)
		when(r.CreatedAt)
		b.WriteString(`</td>`)
		cell("col-time", l.Activity)
		when(r.ActiveAt)
		b.WriteString("</td>\n          </tr>")
	}
	return template.HTML(b.String())
}

// deskListLabels are the inbox list's column names, translated once per
// page rather than once per row.
type deskListLabels struct {
	ID, Subject, Requester, Stage, Owner, Priority, Created, Activity, Unassigned string
}

// deskPortal is a portal to open or, while it is off, to preview.
type deskPortal struct {
	Name, URL string
	Enabled   bool
}

// deskNames are what the desk shows for ids: agents, stages, inboxes.
type deskNames struct {
	agents    []agent.Agent
	agentName map[int64]string
	pipelines []pipeline.Pipeline
	stage     map[int64]*pipeline.Stage
	inboxes   []pipeline.Inbox
}

func (s *Server) deskNames(ctx context.Context) (*deskNames, error) {
	n := &deskNames{agentName: map[int64]string{}, stage: map[int64]*pipeline.Stage{}}
	var err error
	if n.agents, err = s.Agents.Agents(ctx); err != nil {
		return nil, err
	}
	for _, a := range n.agents {
		n.agentName[a.ID] = cmp.Or(a.Name, a.Email)
	}
	if n.pipelines, err = s.Pipelines.Pipelines(ctx); err != nil {
		return nil, err
	}
	for i := range n.pipelines {
		for j := range n.pipelines[i].Stages {
			st := &n.pipelines[i].Stages[j]
			n.stage[st.ID] = st
		}
	}
	if n.inboxes, err = s.Pipelines.Inboxes(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// contactNames looks up the names of contacts, each once.
type contactNames struct {
	s     *Server
	ctx   context.Context
	names map[int64]string
}

// prefetch reads the names of ids not read yet in one go.
func (c *contactNames) prefetch(ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := c.names[id]; !ok && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	names, err := c.s.Contacts.Names(c.ctx, missing)
	if err != nil {
		return err
	}
	for _, id := range missing {
		if n, ok := names[id]; ok {
			c.names[id] = n
		} else {
			c.names[id] = "#" + strconv.FormatInt(id, 10)
		}
	}
	return nil
}

func (c *contactNames) name(id int64) (string, error) {
	if n, ok := c.names[id]; ok {
		return n, nil
	}
	ct, err := c.s.Contacts.Contact(c.ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		c.names[id] = "#" + strconv.FormatInt(id, 10)
		return c.names[id], nil
	}
	if err != nil {
		return "", err
	}
	n := ct.Name()
	if n == "" && ct.Email != nil {
		n = *ct.Email
	}
	c.names[id] = n
	return n, nil
}

func (s *Server) deskInbox(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	q := deskParseInbox(r.URL.Query())
	names, err := s.deskNames(ctx)
	if err != nil {
		return err
	}
	v := &deskInboxView{Query: q}
	s.deskInboxChoices(loc, names, v, a)
	page, err := s.Tickets.Inbox(ctx, q.filter(a))
	if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid {
		// A cursor from another list, or a search too long: show the
		// view's first page and say so.
		if _, bad := e.Fields["cursor"]; bad {
			q.Cursor = ""
			http.Redirect(w, r, q.url(), http.StatusSeeOther)
			return nil
		}
		v.QError = loc.T("form.invalid")
		page, err = ticket.Page{Items: []ticket.Ticket{}}, nil
	}
	if err != nil {
		return err
	}
	cn := &contactNames{s: s, ctx: ctx, names: map[int64]string{}}
	requesters := make([]int64, len(page.Items))
	for i := range page.Items {
		requesters[i] = page.Items[i].RequesterID
	}
	if err := cn.prefetch(requesters); err != nil {
		return err
	}
	v.L = deskListLabels{ID: loc.T("desk.col.id"), Subject: loc.T("desk.col.subject"), Requester: loc.T("desk.col.requester"),
		Stage: loc.T("desk.field.stage"), Owner: loc.T("desk.field.owner"), Priority: loc.T("desk.field.priority"),
		Created: loc.T("desk.col.created"), Activity: loc.T("desk.col.activity"), Unassigned: loc.T("desk.unassigned")}
	times := deskTimes{loc: loc, now: s.now(), rel: map[string]string{}}
	priorities := map[ticket.Priority]string{}
	for _, p := range ticket.Priorities {
		priorities[ticket.Priority(p)] = loc.T("priority." + p)
	}
	for i := range page.Items {
		t := &page.Items[i]
		row := deskRow{ID: t.ID, URL: "/desk/tickets/" + strconv.FormatInt(t.ID, 10), Subject: t.Subject, Stage: t.StageName,
			StatusClass: t.Status, Created: t.CreatedAt, Activity: t.LastActivityAt}
		if row.Requester, err = cn.name(t.RequesterID); err != nil {
			return err
		}
		if t.OwnerID != nil {
			row.Owner = names.agentName[*t.OwnerID]
		}
		if t.Priority != "" {
			row.Priority, row.PriorityL = string(t.Priority), priorities[t.Priority]
		}
		row.CreatedAt, row.ActiveAt = times.at(t.CreatedAt), times.at(t.LastActivityAt)
		v.Rows = append(v.Rows, row)
	}
	v.RowsHTML = inboxRows(v.Rows, v.L)
	if q.Cursor == "" {
		v.Count = loc.N("desk.inbox.count", page.Total)
	}
	if page.Capped {
		v.Count = loc.T("desk.inbox.count_more", map[string]any{"Count": loc.Number(int64(page.Total))})
	}
	if page.NextCursor != "" {
		v.NextURL = q.url("cursor", page.NextCursor)
	}
	if q.Cursor != "" {
		v.FirstURL = q.url("cursor", "")
	}
	v.Filtered = q.InboxID != 0 || q.PipelineID != 0 || q.StageID != 0 || q.OwnerID != 0 || q.Q != "" || q.Status != ticket.StatusOpen
	v.ClearURL = deskInboxQuery{View: q.View, Status: ticket.StatusOpen, Sort: q.Sort}.url()
	switch q.View {
	case deskViewMine:
		v.Heading = loc.T("desk.view.mine")
	case deskViewUnassigned:
		v.Heading = loc.T("desk.view.unassigned")
	default:
		v.Heading = loc.T("desk.view.all")
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		v.Portals = append(v.Portals, deskPortal{Name: p.Name, URL: "/" + p.Slug + "/", Enabled: p.Enabled})
	}
	s.renderDesk(w, r, http.StatusOK, "desk_inbox", &deskData{Title: v.Heading, Nav: deskNavInbox, Page: v})
	return nil
}

// deskTimes presents the times of a list, each relative phrase made once:
// a page of fifty rows shows few distinct ones ("3 days ago").
type deskTimes struct {
	loc   *i18n.Localizer
	now   time.Time
	rel   map[string]string
	exact map[int64]string // by minute: the exact time shows minutes
}

func (d *deskTimes) at(t time.Time) pageTime {
	if t.IsZero() {
		return pageTime{}
	}
	t = t.UTC()
	// Within a day the phrase changes by the minute; beyond, by the day.
	key := t.Format("2006-01-02")
	if age := d.now.Sub(t); age < 24*time.Hour {
		key = strconv.FormatInt(int64(age/time.Minute), 10)
	}
	rel, ok := d.rel[key]
	if !ok {
		rel = d.loc.Relative(t, d.now.UTC())
		d.rel[key] = rel
	}
	minute := t.Unix() / 60
	exact, ok := d.exact[minute]
	if !ok {
		exact = d.loc.DateTime(t, time.UTC) + " UTC"
		if d.exact == nil {
			d.exact = map[int64]string{}
		}
		d.exact[minute] = exact
	}
	return pageTime{ISO: t.Format(time.RFC3339), Rel: rel, Exact: exact}
}

// deskInboxChoices fills in the inbox's views and filter choices.
func (s *Server) deskInboxChoices(loc *i18n.Localizer, names *deskNames, v *deskInboxView, a *agent.Agent) {
	q := v.Query
	for _, view := range []string{deskViewAll, deskViewMine, deskViewUnassigned} {
		// Switching views keeps the filters but starts at the first page.
		v.Views = append(v.Views, pageNavLink{Key: view, Label: loc.T("desk.view." + view),
			URL: q.url("view", view, "cursor", "", "owner", ""), Current: view == q.View})
	}
	idv := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, ib := range names.inboxes {
		v.Inboxes = append(v.Inboxes, deskChoice{Value: idv(ib.ID), Label: ib.Name, Selected: ib.ID == q.InboxID})
	}
	for _, p := range names.pipelines {
		v.Pipelines = append(v.Pipelines, deskChoice{Value: idv(p.ID), Label: p.Name, Selected: p.ID == q.PipelineID})
		for _, st := range p.Stages {
			if q.PipelineID != 0 && q.PipelineID != p.ID {
				continue
			}
			label := st.Name
			if len(names.pipelines) > 1 {
				label = p.Name + " · " + st.Name
			}
			v.Stages = append(v.Stages, deskChoice{Value: idv(st.ID), Label: label, Selected: st.ID == q.StageID})
		}
	}
	for _, ag := range names.agents {
		label := names.agentName[ag.ID]
		if ag.ID == a.ID {
			label = loc.T("desk.owner.me", map[string]any{"Name": label})
		}
		v.Owners = append(v.Owners, deskChoice{Value: idv(ag.ID), Label: label, Selected: ag.ID == q.OwnerID})
	}
	for _, st := range []string{ticket.StatusOpen, ticket.StatusClosed, "any"} {
		v.Statuses = append(v.Statuses, deskChoice{Value: st, Label: loc.T("desk.status." + st), Selected: st == q.Status})
	}
	for _, so := range deskSorts {
		v.Sorts = append(v.Sorts, deskChoice{Value: so, Label: loc.T("desk.sort." + so), Selected: so == q.Sort})
	}
}

// deskPortalsView lists the portals.
type deskPortalsView struct {
	Portals []deskPortal
}

// deskPortals lists the portals to open or, while off, to preview (P24).
func (s *Server) deskPortals(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	ps, err := s.Portals.Portals(r.Context())
	if err != nil {
		return err
	}
	v := deskPortalsView{}
	for _, p := range ps {
		v.Portals = append(v.Portals, deskPortal{Name: p.Name, URL: "/" + p.Slug + "/", Enabled: p.Enabled})
	}
	s.renderDesk(w, r, http.StatusOK, "desk_portals", &deskData{Title: s.deskLoc(r).T("desk.portals"), Nav: deskNavInbox, Page: v})
	return nil
}
