package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/property"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

func init() {
	deskPageNames = append(deskPageNames, "desk_ticket")
}

// deskTicketView is a ticket's page at the desk (SPEC A2).
type deskTicketView struct {
	ID          int64
	URL         string
	Subject     string
	Stage       string
	StatusClass string
	Status      string
	Requester   deskPerson
	Facts       []pageFact
	Messages    []deskMessage
	Timeline    []deskEvent
	Others      []deskRow
	Edit        deskEditForm
	Reply       deskReplyForm
	MaxMB       int64
	MaxFiles    int
	EventsURL   string
}

// deskPerson is the ticket's requester.
type deskPerson struct {
	Name, Email, Phone string
}

// deskMessage is one entry of the thread; Note marks an internal note.
type deskMessage struct {
	ID          int64
	Author      string
	Kind        string // "agent", "contact" or "system"
	Note        bool
	Resolution  bool
	Body        string
	CreatedAt   time.Time
	Attachments []pageAttachment
}

// deskEvent is one line of the ticket's timeline.
type deskEvent struct {
	Text   string
	Detail string
	Actor  string
	At     time.Time
}

// deskEditForm changes stage, owner, priority and properties.
type deskEditForm struct {
	Stages     []deskStageGroup
	Owners     []deskChoice
	Priorities []deskChoice
	Properties []pageField
	Errors     map[string]string
}

// deskStageGroup is a pipeline's stages, for an optgroup.
type deskStageGroup struct {
	Label  string
	Stages []deskChoice
}

// deskReplyForm keeps what was typed when a reply is refused.
type deskReplyForm struct {
	Body   string
	Note   bool
	Errors map[string]string
}

// deskFlashCookie carries a notice across the redirect after a desk post.
const deskFlashCookie = "portico_desk_flash"

// deskNotices are the notices a desk flash may show.
var deskNotices = map[string]bool{"desk.ticket.reply_sent": true, "desk.ticket.note_added": true, "desk.ticket.saved": true}

func deskSetFlash(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: deskFlashCookie, Value: id, Path: "/desk/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func deskTakeFlash(w http.ResponseWriter, r *http.Request, loc *i18n.Localizer) string {
	c, err := r.Cookie(deskFlashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: deskFlashCookie, Path: "/desk/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if !deskNotices[c.Value] {
		return ""
	}
	return loc.T(c.Value)
}

// deskTicketData builds ticket id's page.
func (s *Server) deskTicketData(ctx context.Context, loc *i18n.Localizer, a *agent.Agent, id int64) (*deskTicketView, []property.Definition, error) {
	t, err := s.Tickets.Ticket(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if t.Draft {
		// A customer's unsent draft is theirs alone until sent.
		return nil, nil, apperr.NotFoundf("ticket")
	}
	names, err := s.deskNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return nil, nil, err
	}
	cn := &contactNames{s: s, ctx: ctx, names: map[int64]string{}}
	base := "/desk/tickets/" + strconv.FormatInt(t.ID, 10)
	v := &deskTicketView{ID: t.ID, URL: base, Subject: t.Subject, Stage: t.StageName, StatusClass: t.Status,
		Status: loc.T("status." + t.Status), MaxMB: s.files.MaxSize() >> 20, MaxFiles: maxFiles, EventsURL: base + "/events"}

	req, err := s.Contacts.Contact(ctx, t.RequesterID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, nil, err
	}
	if req != nil && err == nil {
		v.Requester.Name = cmp.Or(req.Name(), "#"+strconv.FormatInt(req.ID, 10))
		cn.names[req.ID] = v.Requester.Name
		if req.Email != nil {
			v.Requester.Email = *req.Email
		}
		if req.Phone != nil {
			v.Requester.Phone = *req.Phone
		}
	}
	inbox := ""
	for _, ib := range names.inboxes {
		if ib.ID == t.InboxID {
			inbox = ib.Name
		}
	}
	pipe := ""
	for _, p := range names.pipelines {
		if p.ID == t.PipelineID {
			pipe = p.Name
		}
	}
	v.Facts = []pageFact{
		{Label: loc.T("desk.field.inbox"), Text: inbox},
		{Label: loc.T("desk.field.pipeline"), Text: pipe},
		{Label: loc.T("desk.field.source"), Text: loc.T("desk.source." + t.Source)},
		{Label: loc.T("tickets.col.reply_channel"), Text: loc.T("channel." + t.ReplyChannel)},
		{Label: loc.T("desk.col.created"), Time: t.CreatedAt},
		{Label: loc.T("desk.col.activity"), Time: t.LastActivityAt},
	}
	if t.ClosedAt != nil && t.Status == ticket.StatusClosed {
		v.Facts = append(v.Facts, pageFact{Label: loc.T("tickets.col.closed"), Time: *t.ClosedAt})
	}

	msgs, err := s.Tickets.Messages(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range msgs {
		dm, err := s.deskMessageOf(loc, names, cn, m)
		if err != nil {
			return nil, nil, err
		}
		v.Messages = append(v.Messages, dm)
	}

	evs, err := s.Tickets.Events(ctx, ticket.EventFilter{TicketID: t.ID, Limit: 100})
	if err != nil {
		return nil, nil, err
	}
	for _, e := range evs.Items {
		de, err := deskEventOf(loc, names, cn, e)
		if err != nil {
			return nil, nil, err
		}
		v.Timeline = append(v.Timeline, de)
	}

	others, err := s.Tickets.Inbox(ctx, ticket.Filter{RequesterID: t.RequesterID, Limit: 11})
	if err != nil {
		return nil, nil, err
	}
	for _, o := range others.Items {
		if o.ID == t.ID || len(v.Others) == 10 {
			continue
		}
		v.Others = append(v.Others, deskRow{ID: o.ID, URL: "/desk/tickets/" + strconv.FormatInt(o.ID, 10), Subject: o.Subject,
			Stage: o.StageName, StatusClass: o.Status, Created: o.CreatedAt, Activity: o.LastActivityAt})
	}

	v.Edit = deskEditOf(loc, names, defs, t, a)
	return v, defs, nil
}

// deskMessageOf presents one message of the thread.
func (s *Server) deskMessageOf(loc *i18n.Localizer, names *deskNames, cn *contactNames, m ticket.Message) (deskMessage, error) {
	dm := deskMessage{ID: m.ID, Kind: m.Author.Type, Note: m.Internal, Resolution: m.Resolution, Body: m.Body, CreatedAt: m.CreatedAt}
	switch {
	case m.Author.Type == ticket.AuthorAgent && m.Author.ID != nil:
		dm.Author = cmp.Or(names.agentName[*m.Author.ID], loc.T("desk.author.agent"))
	case m.Author.Type == ticket.AuthorContact && m.Author.ID != nil:
		n, err := cn.name(*m.Author.ID)
		if err != nil {
			return dm, err
		}
		dm.Author = n
	default:
		dm.Author = loc.T("desk.author.system")
	}
	for _, at := range m.Attachments {
		dm.Attachments = append(dm.Attachments, pageAttachment{Name: at.Filename, Size: deskSize(loc, at.Size),
			URL: "/desk/attachments/" + strconv.FormatInt(at.ID, 10)})
	}
	return dm, nil
}

// deskSize is a file size for people.
func deskSize(loc *i18n.Localizer, n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%s MB", loc.Number((n+(1<<19))>>20))
	case n >= 1<<10:
		return fmt.Sprintf("%s KB", loc.Number((n+(1<<9))>>10))
	}
	return fmt.Sprintf("%s B", loc.Number(n))
}

// deskEventOf presents one timeline entry.
func deskEventOf(loc *i18n.Localizer, names *deskNames, cn *contactNames, e event.Event) (deskEvent, error) {
	de := deskEvent{Text: loc.T("desk.event." + e.Kind), At: e.CreatedAt}
	if strings.HasPrefix(de.Text, "desk.event.") {
		de.Text = e.Kind // a kind this version does not describe
	}
	switch {
	case e.ActorType == event.ActorAgent && e.ActorID != nil:
		de.Actor = names.agentName[*e.ActorID]
	case e.ActorType == event.ActorContact && e.ActorID != nil:
		n, err := cn.name(*e.ActorID)
		if err != nil {
			return de, err
		}
		de.Actor = n
	default:
		de.Actor = loc.T("desk.author.system")
	}
	agentName := func(x any) string {
		if f, ok := x.(float64); ok {
			return names.agentName[int64(f)]
		}
		return loc.T("desk.unassigned")
	}
	switch e.Kind {
	case event.TicketStageChanged:
		from, _ := e.Data["from"].(string)
		to, _ := e.Data["to"].(string)
		de.Detail = from + " → " + to
	case event.TicketAssigned:
		de.Detail = agentName(e.Data["from"]) + " → " + agentName(e.Data["to"])
	case event.MessageCreated:
		if e.Data["internal"] == true {
			de.Text = loc.T("desk.event.note.created")
		}
	case event.TicketUpdated:
		if fs, ok := e.Data["fields"].([]any); ok {
			var parts []string
			for _, f := range fs {
				if s, ok := f.(string); ok {
					parts = append(parts, loc.T("desk.change."+s))
				}
			}
			de.Detail = strings.Join(parts, ", ")
		}
	}
	return de, nil
}

// deskEditOf is the form that changes t, filled in with its values.
func deskEditOf(loc *i18n.Localizer, names *deskNames, defs []property.Definition, t *ticket.Ticket, a *agent.Agent) deskEditForm {
	f := deskEditForm{}
	idv := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, p := range names.pipelines {
		g := deskStageGroup{Label: p.Name}
		for _, st := range p.Stages {
			g.Stages = append(g.Stages, deskChoice{Value: idv(st.ID), Label: st.Name, Selected: st.ID == t.StageID})
		}
		f.Stages = append(f.Stages, g)
	}
	for _, ag := range names.agents {
		if ag.Locked && (t.OwnerID == nil || *t.OwnerID != ag.ID) {
			continue
		}
		label := names.agentName[ag.ID]
		if ag.ID == a.ID {
			label = loc.T("desk.owner.me", map[string]any{"Name": label})
		}
		f.Owners = append(f.Owners, deskChoice{Value: idv(ag.ID), Label: label, Selected: t.OwnerID != nil && *t.OwnerID == ag.ID})
	}
	for _, p := range ticket.Priorities {
		f.Priorities = append(f.Priorities, deskChoice{Value: p, Label: loc.T("priority." + p), Selected: string(t.Priority) == p})
	}
	for i := range defs {
		d := &defs[i]
		if d.Builtin {
			continue
		}
		pf := pageFieldOf(loc, d, deskPropertyValue(t.Properties[d.Name]))
		if d.Type == property.MultiSelect {
			pf.Checked = map[string]bool{}
			if vals, ok := t.Properties[d.Name].([]any); ok {
				for _, x := range vals {
					if s, ok := x.(string); ok {
						pf.Checked[s] = true
					}
				}
			}
		}
		f.Properties = append(f.Properties, pf)
	}
	return f
}

// deskPropertyValue is a stored property value as a form field holds it.
func deskPropertyValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func (s *Server) deskTicket(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("ticket")
	}
	loc := s.deskLoc(r)
	v, _, err := s.deskTicketData(r.Context(), loc, a, id)
	if err != nil {
		return err
	}
	d := &deskData{Title: "#" + strconv.FormatInt(v.ID, 10) + " " + v.Subject, Nav: deskNavInbox, Page: v,
		Notice: deskTakeFlash(w, r, loc)}
	s.renderDesk(w, r, http.StatusOK, "desk_ticket", d)
	return nil
}

// deskTicketPost changes the ticket's stage, owner, priority and
// properties.
func (s *Server) deskTicketPost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("ticket")
	}
	ctx := r.Context()
	loc := s.deskLoc(r)
	v, defs, err := s.deskTicketData(ctx, loc, a, id)
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	in := ticket.Update{}
	problems := map[string]string{}
	if st := r.PostFormValue("stage_id"); st != "" {
		n, err := strconv.ParseInt(st, 10, 64)
		if err != nil {
			problems["stage_id"] = "not a stage"
		} else {
			in.StageID = &n
			ps, err := s.Pipelines.Pipelines(ctx)
			if err != nil {
				return err
			}
			for i := range ps {
				if _, ok := ps[i].Stage(n); ok {
					pid := ps[i].ID
					in.PipelineID = &pid
				}
			}
		}
	}
	if _, ok := r.PostForm["owner_id"]; ok {
		in.OwnerID.Set = true
		if o := r.PostFormValue("owner_id"); o != "" {
			n, err := strconv.ParseInt(o, 10, 64)
			if err != nil {
				problems["owner_id"] = "no such agent"
			}
			in.OwnerID.Value = &n
		}
	}
	if _, ok := r.PostForm["priority"]; ok {
		in.Priority.Set = true
		if p := r.PostFormValue("priority"); p != "" {
			in.Priority.Value = &p
		}
	}
	values := map[string]string{}
	for k := range r.PostForm {
		values[k] = r.PostFormValue(k)
	}
	for i := range defs {
		d := &defs[i]
		if d.Builtin {
			continue
		}
		val, ok, problem := pageFormValue(d, values)
		if problem != "" {
			problems["properties."+d.Name] = problem
			continue
		}
		if in.Properties == nil {
			in.Properties = map[string]any{}
		}
		if ok {
			in.Properties[d.Name] = val
		} else {
			in.Properties[d.Name] = nil
		}
	}
	if len(problems) > 0 {
		err = apperr.Validation(problems).Err()
	} else {
		_, err = s.Tickets.Update(ctx, actor(a), id, in)
	}
	if err == nil {
		deskSetFlash(w, "desk.ticket.saved")
		http.Redirect(w, r, v.URL, http.StatusSeeOther)
		return nil
	}
	fields, ok := pageFieldErrors(loc, err)
	if !ok {
		return err
	}
	v.Edit.Errors = fields
	for i := range v.Edit.Properties {
		pf := &v.Edit.Properties[i]
		pf.Error = fields[pf.Name]
		pf.Value = values[pf.Name]
	}
	d := &deskData{Title: "#" + strconv.FormatInt(v.ID, 10) + " " + v.Subject, Nav: deskNavInbox, Page: v, Canonical: v.URL,
		Error: loc.N("form.errors", len(fields))}
	s.renderDesk(w, r, http.StatusUnprocessableEntity, "desk_ticket", d)
	return nil
}

// deskMessagePost adds a public reply or an internal note, with files: a
// multipart form (body, kind=reply|note, files…) or, without files, an
// ordinary form.
func (s *Server) deskMessagePost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("ticket")
	}
	ctx := r.Context()
	loc := s.deskLoc(r)
	if _, err := s.Tickets.Ticket(ctx, id); err != nil {
		return err
	}
	in := ticket.NewMessage{}
	var kind string
	if isMultipart(r) {
		f, ferr := s.readMultipart(w, r, map[string]bool{"body": true, "kind": true, "resolution": true})
		err = ferr
		if err == nil {
			in.Body, kind, in.Attachments = f.values["body"], f.values["kind"], attachments(f.files)
			in.Resolution = f.values["resolution"] != ""
		}
	} else if err = pageReadForm(w, r); err == nil {
		in.Body, kind = r.PostFormValue("body"), r.PostFormValue("kind")
		in.Resolution = r.PostFormValue("resolution") != ""
	}
	in.Internal = kind == "note"
	if in.Internal {
		in.Resolution = false
	}
	var m *ticket.Message
	if err == nil {
		m, err = s.Tickets.AddAgentMessage(ctx, a.ID, ticket.MessageDesk, id, in)
	}
	if err == nil {
		notice := "desk.ticket.reply_sent"
		if m.Internal {
			notice = "desk.ticket.note_added"
		}
		deskSetFlash(w, notice)
		http.Redirect(w, r, "/desk/tickets/"+strconv.FormatInt(id, 10)+"#message-"+strconv.FormatInt(m.ID, 10), http.StatusSeeOther)
		return nil
	}
	s.discard(in.Attachments)
	v, _, verr := s.deskTicketData(ctx, loc, a, id)
	if verr != nil {
		return verr
	}
	v.Reply = deskReplyForm{Body: in.Body, Note: in.Internal}
	d := &deskData{Title: "#" + strconv.FormatInt(v.ID, 10) + " " + v.Subject, Nav: deskNavInbox, Page: v, Canonical: v.URL}
	status := http.StatusUnprocessableEntity
	if fields, ok := pageFieldErrors(loc, err); ok {
		v.Reply.Errors = fields
		d.Error = loc.N("form.errors", len(fields))
		if len(in.Attachments) > 0 {
			v.Reply.Errors["files"] = cmp.Or(v.Reply.Errors["files"], loc.T("new.attachments.again"))
		}
	} else if e := apperr.As(err); e != nil && e.Kind == apperr.TooLarge {
		status = http.StatusRequestEntityTooLarge
		d.Error = loc.T("desk.reply.too_large", map[string]any{"MB": v.MaxMB})
	} else if e != nil && (e.Kind == apperr.Malformed || e.Kind == apperr.Unsupported) {
		status = statusOf[e.Kind]
		d.Error = loc.T("form.invalid")
	} else {
		return err
	}
	s.renderDesk(w, r, status, "desk_ticket", d)
	return nil
}

// deskAttachment downloads an attachment of any ticket.
func (s *Server) deskAttachment(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("attachment")
	}
	at, err := s.Tickets.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	return s.serveFile(w, r, at)
}
