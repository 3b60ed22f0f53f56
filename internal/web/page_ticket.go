package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/property"
	"portico/internal/ticket"
)

// pageDetailView is a ticket's page (SPEC P13–P17, P19).
type pageDetailView struct {
	ID        int64
	URL       string
	Subject   string
	Badge     pageBadge
	Draft     bool
	Closed    bool
	Queue     string
	Facts     []pageFact
	Messages  []pageMessage
	CanReply  bool
	Reopens   bool
	CanClose  bool
	Rating    *pageRating
	RateForm  bool
	Share     []pageColleague
	CanShare  bool
	ListURL   string
	MaxMB     int64
	MaxFiles  int
	Reply     pageReplyForm
	RateInput pageRateForm
	ShareErr  string
}

// pageFact is one line of the ticket's details.
type pageFact struct {
	Label, Text string
	Badge       *pageBadge
	Time        time.Time
	Muted       bool
}

type pageMessage struct {
	ID          int64
	Author      string
	Kind        string // "me", "agent", "contact" or "system"
	Body        string
	Resolution  bool
	CreatedAt   time.Time
	Attachments []pageAttachment
}

type pageAttachment struct {
	Name, Size, URL string
}

type pageRating struct {
	Score         int
	Stars         string
	Label         string
	Comment       string
	Mine          bool
	Editable      bool
	EditableUntil time.Time
}

type pageColleague struct {
	ID   int64
	Name string
}

// pageReplyForm keeps what was typed when a reply is refused.
type pageReplyForm struct {
	Body   string
	Errors map[string]string
}

// pageRateForm is the rating form's state.
type pageRateForm struct {
	Score   int
	Comment string
	Errors  map[string]string
}

// pageTicketDetail builds ticket id's page as v may see it. A ticket outside
// v's scope is NotFound, exactly like one that does not exist.
func (s *Server) pageTicketDetail(ctx context.Context, v *visitor, id int64) (*pageDetailView, error) {
	d, err := s.Tickets.CustomerTicket(ctx, v.scope, id)
	if err != nil {
		return nil, err
	}
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return nil, err
	}
	base := "/" + v.portal.Slug + "/"
	t := &d.CustomerTicket
	dv := &pageDetailView{ID: t.ID, URL: base + "tickets/" + strconv.FormatInt(t.ID, 10), Subject: t.Subject, Badge: pageStatus(v, t),
		Draft: t.Draft, Closed: t.Status == ticket.StatusClosed, ListURL: base + "tickets", MaxMB: s.files.MaxSize() >> 20, MaxFiles: maxFiles}
	if d.Queue != nil {
		dv.Queue = v.loc.N("ticket.queue", d.Queue.Waiting, map[string]any{"Position": v.loc.Number(int64(d.Queue.Position))})
	}
	b := dv.Badge
	dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.status"), Badge: &b})
	if v.portal.ShowCustomStages && t.StageName != "" && !t.Draft {
		// The badge already shows the stage; say open or closed too.
		state := v.loc.T("status.open")
		if dv.Closed {
			state = v.loc.T("status.closed")
		}
		dv.Facts[0].Text = state
	}
	dv.Facts = append(dv.Facts,
		pageFact{Label: v.loc.T("tickets.col.owner"), Text: pageOwnerName(v, t.Owner), Muted: t.Owner == nil},
		pageFact{Label: v.loc.T("tickets.col.requester"), Text: t.RequesterName})
	if t.CompanyName != "" {
		dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.company"), Text: t.CompanyName})
	}
	if t.Priority != "" && pageVisible(defs, "priority") {
		dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.priority"), Text: v.loc.T("priority." + string(t.Priority))})
	}
	if t.ReplyChannel != "" && pageVisible(defs, "reply_channel") {
		dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.reply_channel"), Text: v.loc.T("channel." + t.ReplyChannel)})
	}
	dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.created"), Time: t.CreatedAt},
		pageFact{Label: v.loc.T("tickets.col.last_activity"), Time: t.LastActivityAt})
	if t.ClosedAt != nil && dv.Closed {
		dv.Facts = append(dv.Facts, pageFact{Label: v.loc.T("tickets.col.closed"), Time: *t.ClosedAt})
	}
	for i := range defs {
		def := &defs[i]
		if def.Builtin || !def.PortalVisible {
			continue
		}
		if val, ok := t.Properties[def.Name]; ok {
			if text := pagePropertyText(v.loc, def, val); text != "" {
				dv.Facts = append(dv.Facts, pageFact{Label: pagePropertyLabel(v.loc, defs, def.Name), Text: text})
			}
		}
	}

	names := &authorNames{s: s, v: v}
	for i := range d.Messages {
		m := &d.Messages[i]
		mv := pageMessage{ID: m.ID, Body: m.Body, Resolution: m.Resolution, CreatedAt: m.CreatedAt, Kind: m.Author.Type}
		au, err := names.author(ctx, m.Author)
		if err != nil {
			return nil, err
		}
		mv.Author, mv.Kind = pageAuthorName(v, m.Author, au)
		for _, a := range m.Attachments {
			mv.Attachments = append(mv.Attachments, pageAttachment{Name: a.Filename, Size: pageFileSize(v, a.Size),
				URL: "/api/v1/portal/" + v.portal.Slug + "/attachments/" + strconv.FormatInt(a.ID, 10)})
		}
		dv.Messages = append(dv.Messages, mv)
	}

	dv.CanReply = !t.Draft && (!dv.Closed || v.portal.AllowReplyToClosed)
	dv.Reopens = dv.CanReply && dv.Closed
	dv.CanClose = !t.Draft && !dv.Closed && v.portal.AllowCustomerClose
	if r := d.Rating; r != nil {
		rv := &pageRating{Score: r.Score, Comment: r.Comment, Stars: strings.Repeat("★", r.Score) + strings.Repeat("☆", 5-r.Score),
			Label: v.loc.N("ticket.rating.stars", r.Score), EditableUntil: r.CreatedAt.Add(ticket.RatingEditWindow),
			Mine: r.ContactID != nil && *r.ContactID == v.identity.ContactID}
		rv.Editable = rv.Mine && dv.Closed && time.Now().Before(rv.EditableUntil)
		dv.Rating = rv
		dv.RateInput = pageRateForm{Score: r.Score, Comment: r.Comment}
	}
	dv.RateForm = dv.Closed && !t.Draft && (dv.Rating == nil || dv.Rating.Editable)

	// Sharing is within the ticket's company, by someone of that company.
	if t.CompanyID != nil && v.identity.CompanyID != nil && *t.CompanyID == *v.identity.CompanyID && !t.Draft {
		dv.CanShare = true
		page, err := s.Contacts.Contacts(ctx, contact.ContactFilter{CompanyID: *t.CompanyID, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			if c.ID == v.identity.ContactID || c.ID == t.RequesterID {
				continue
			}
			dv.Share = append(dv.Share, pageColleague{ID: c.ID, Name: c.Name()})
		}
	}
	return dv, nil
}

// pageVisible reports whether the portal shows the property name.
func pageVisible(defs []property.Definition, name string) bool {
	d, ok := property.Find(defs, name)
	return ok && d.PortalVisible
}

// pageAuthorName is how the page names a message's author: the active
// identity is "You", agents appear as the portal shows owners, contacts by
// name; kind styles the message.
func pageAuthorName(v *visitor, a ticket.Author, au messageAuthor) (name, kind string) {
	switch {
	case a.ID == nil:
		return v.loc.T("ticket.author.support"), "system"
	case au.Me:
		return v.loc.T("ticket.author.you"), "me"
	case au.Name == "":
		return v.loc.T("ticket.author.support"), a.Type
	}
	return au.Name, a.Type
}

// pageFileSize is a file's size in KB or MB.
func pageFileSize(v *visitor, n int64) string {
	if n < 1<<20 {
		return v.loc.T("file.size.kb", map[string]any{"Size": v.loc.Number(max(1, (n+1023)>>10))})
	}
	return v.loc.T("file.size.mb", map[string]any{"Size": v.loc.Decimal(float64(n)/(1<<20), 1)})
}

func (s *Server) pageTicket(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	dv, err := s.pageTicketDetail(r.Context(), v, id)
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, "ticket", &pageData{v: v, Title: dv.Subject, Nav: "tickets", Notice: pageTakeFlash(w, r, v), Page: dv})
	return nil
}

// pageShowTicket shows the ticket page again after a refused post, with the
// problem and what was typed.
func (s *Server) pageShowTicket(w http.ResponseWriter, r *http.Request, v *visitor, id int64, status int, problem string, edit func(*pageDetailView)) error {
	dv, err := s.pageTicketDetail(r.Context(), v, id)
	if err != nil {
		return err
	}
	if edit != nil {
		edit(dv)
	}
	s.renderPage(w, r, status, "ticket", &pageData{v: v, Title: dv.Subject, Nav: "tickets", Error: problem, Page: dv, Canonical: dv.URL})
	return nil
}

// pageActionProblem is how a refused ticket action reads, and its status; ok
// is false for errors that are not the customer's to fix here.
func pageActionProblem(v *visitor, err error, maxMB int64) (string, int, bool) {
	e := apperr.As(err)
	if e == nil {
		return "", 0, false
	}
	switch e.Kind {
	case apperr.Conflict:
		switch e.Code {
		case "ticket_closed":
			return v.loc.T("ticket.reply.disabled"), http.StatusConflict, true
		case "ticket_draft":
			return v.loc.T("ticket.draft.notice"), http.StatusConflict, true
		case "rating_locked":
			return v.loc.T("ticket.rating.locked"), http.StatusConflict, true
		case "already_rated":
			return v.loc.T("ticket.rating.already"), http.StatusConflict, true
		}
		return v.loc.T("ticket.error.conflict"), http.StatusConflict, true
	case apperr.Forbidden:
		if e.Code == "close_not_allowed" {
			return v.loc.T("ticket.close.not_allowed"), http.StatusForbidden, true
		}
	case apperr.TooLarge:
		return v.loc.T("file.request_too_large", map[string]any{"MB": maxMB}), http.StatusRequestEntityTooLarge, true
	case apperr.Malformed:
		return v.loc.T("form.invalid"), http.StatusBadRequest, true
	}
	return "", 0, false
}

func (s *Server) pageReplyPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.NewMessage
	if isMultipart(r) {
		f, ferr := s.readMultipart(w, r, map[string]bool{"body": true})
		if err = ferr; err == nil {
			in.Body, in.Attachments = f.values["body"], attachments(f.files)
		}
	} else if err = pageReadForm(w, r); err == nil {
		in.Body = r.PostFormValue("body")
	}
	var before *ticket.CustomerDetail
	if err == nil {
		// Whether the reply reopens the ticket decides the notice.
		before, err = s.Tickets.CustomerTicket(r.Context(), v.scope, id)
	}
	if err == nil {
		_, err = s.Tickets.CustomerReply(r.Context(), v.scope, v.portal, id, in)
	}
	if err == nil {
		notice := "ticket.reply.sent"
		if before.Status == ticket.StatusClosed {
			notice = "ticket.reopened"
		}
		pageSetFlash(w, v.portal.Slug, notice, "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	s.discard(in.Attachments)
	if fields, ok := pageFieldErrors(v.loc, err); ok {
		return s.pageShowTicket(w, r, v, id, http.StatusUnprocessableEntity, v.loc.N("form.errors", len(fields)), func(dv *pageDetailView) {
			dv.Reply = pageReplyForm{Body: in.Body, Errors: fields}
		})
	}
	if problem, status, ok := pageActionProblem(v, err, s.files.MaxSize()>>20); ok {
		return s.pageShowTicket(w, r, v, id, status, problem, func(dv *pageDetailView) { dv.Reply.Body = in.Body })
	}
	return err
}

func (s *Server) pageClosePost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err = pageReadForm(w, r); err == nil {
		_, err = s.Tickets.CustomerClose(r.Context(), v.scope, v.portal, id)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "ticket.closed", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	if problem, status, ok := pageActionProblem(v, err, 0); ok {
		return s.pageShowTicket(w, r, v, id, status, problem, nil)
	}
	return err
}

func (s *Server) pageRatingPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pageRateForm
	if err = pageReadForm(w, r); err == nil {
		in.Comment = r.PostFormValue("comment")
		in.Score, _ = strconv.Atoi(r.PostFormValue("score"))
		_, err = s.Tickets.Rate(r.Context(), v.scope, id, in.Score, in.Comment)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "ticket.rating.thanks", "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(id, 10)+"#rating", http.StatusSeeOther)
		return nil
	}
	if fields, ok := pageFieldErrors(v.loc, err); ok {
		in.Errors = fields
		return s.pageShowTicket(w, r, v, id, http.StatusUnprocessableEntity, v.loc.N("form.errors", len(fields)), func(dv *pageDetailView) {
			dv.RateInput = in
		})
	}
	if problem, status, ok := pageActionProblem(v, err, 0); ok {
		return s.pageShowTicket(w, r, v, id, status, problem, nil)
	}
	return err
}

func (s *Server) pageSharePost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ids []int64
	if err = pageReadForm(w, r); err == nil {
		for _, raw := range r.PostForm["contact_ids"] {
			n, perr := strconv.ParseInt(raw, 10, 64)
			if perr != nil || n <= 0 {
				err = apperr.InvalidField("contact_ids", "a ticket can be shared only with contacts of its company")
				break
			}
			ids = append(ids, n)
		}
	}
	if err == nil {
		err = s.Tickets.Share(r.Context(), v.scope, id, ids)
	}
	if err == nil {
		var names []string
		for _, cid := range ids {
			if c, err := s.Contacts.Contact(r.Context(), cid); err == nil {
				names = append(names, c.Name())
			}
		}
		pageSetFlash(w, v.portal.Slug, "ticket.share.done", strings.Join(names, ", "))
		http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	if fields, ok := pageFieldErrors(v.loc, err); ok {
		return s.pageShowTicket(w, r, v, id, http.StatusUnprocessableEntity, fields["contact_ids"], func(dv *pageDetailView) {
			dv.ShareErr = fields["contact_ids"]
		})
	}
	return err
}

func (s *Server) pageDraftPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err = pageReadForm(w, r); err == nil {
		_, err = s.Tickets.SubmitDraft(r.Context(), v.scope, id)
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, "new.submitted", strconv.FormatInt(id, 10))
	} else if e := apperr.As(err); e == nil || e.Code != "not_a_draft" {
		return err
	}
	http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
