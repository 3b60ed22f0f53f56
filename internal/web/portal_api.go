package web

import (
	"context"
	"net/http"
	"portico/internal/agent"
	"slices"
	"strconv"
	"strings"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/ticket"
)

// customerHandler is a customer API handler; v is signed in unless the
// route is public.
type customerHandler func(w http.ResponseWriter, r *http.Request, v *visitor) error

// portalAPI registers a customer API route under /api/v1/portal/{slug}.
// Unless o.public, a request without a live session of that portal is 401.
func (s *Server) portalAPI(o op, h customerHandler) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	o.customer = true
	o.path = "/portal/{slug}" + o.path
	s.ops = append(s.ops, &o)
	s.handle(o.method+" /api/v1"+o.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, no-store")
		err := checkQuery(r)
		var v *visitor
		if err == nil {
			v, err = s.visit(r, r.PathValue("slug"), false)
		}
		if err == nil && v.denied {
			s.setSession(w, r, "")
		}
		switch {
		case err == nil && !o.public && v.denied:
			err = account.ErrAccessDenied
		case err == nil && !o.public && !v.signedIn():
			err = errNotSignedIn
		}
		if err == nil {
			err = h(w, r, v)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}))
}

var errNotSignedIn = apperr.E(apperr.Unauthorized, "not_signed_in", "please sign in")

// portalRoutes registers the customer API (API.md §4).
func (s *Server) portalRoutes() {
	const tag = "customer portal"
	s.portalAPI(op{method: "POST", path: "/session", tag: tag, summary: "Sign in with email or phone and password", public: true, body: signInInput{}, resp: meBody{}}, s.portalSignIn)
	s.portalAPI(op{method: "DELETE", path: "/session", tag: tag, summary: "Sign out", public: true, status: 204}, s.portalSignOut)
	s.portalAPI(op{method: "GET", path: "/me", tag: tag, summary: "The signed-in account and its identities", resp: meBody{}}, s.portalMe)
	s.portalAPI(op{method: "PATCH", path: "/me", tag: tag, summary: "Change display name or language", body: account.ProfileInput{}, resp: meBody{}}, s.portalUpdateMe)
	s.portalAPI(op{method: "PUT", path: "/me/identity", tag: tag, summary: "Act as another identity of the account", body: identityInput{}, resp: meBody{}}, s.portalSwitchIdentity)
	s.portalAPI(op{method: "GET", path: "/dashboard", tag: tag, summary: "Figures for the active identity, each with the list that shows its tickets", resp: dashboardBody{}}, s.portalDashboard)
	s.portalAPI(op{method: "GET", path: "/tickets", tag: tag, summary: "List, filter and search the tickets the active identity may see",
		query: customerQuery, resp: portalTicket{}, list: true}, s.portalTickets)
	s.portalAPI(op{method: "GET", path: "/tickets.csv", tag: tag, summary: "The whole view as CSV", query: customerQuery, file: true}, s.portalExport)
	s.portalAPI(op{method: "POST", path: "/tickets", tag: tag, summary: "Open a ticket or save a draft", body: portalNewTicket{}, multipart: true, resp: portalDetail{}, status: 201}, s.portalCreateTicket)
	s.portalAPI(op{method: "GET", path: "/tickets/{id}", tag: tag, summary: "A ticket with its public conversation", resp: portalDetail{}}, s.portalTicket)
	s.portalAPI(op{method: "POST", path: "/tickets/{id}/submit", tag: tag, summary: "Send a draft", resp: portalDetail{}}, s.portalSubmit)
	s.portalAPI(op{method: "POST", path: "/tickets/{id}/messages", tag: tag, summary: "Reply, with attachments", body: portalReply{}, multipart: true, resp: portalMessage{}, status: 201}, s.portalReply)
	s.portalAPI(op{method: "POST", path: "/tickets/{id}/close", tag: tag, summary: "Close a ticket", resp: portalDetail{}}, s.portalClose)
	s.portalAPI(op{method: "POST", path: "/tickets/{id}/share", tag: tag, summary: "Share a ticket with colleagues of the same company", body: membersInput{}, status: 204}, s.portalShare)
	s.portalAPI(op{method: "PUT", path: "/tickets/{id}/rating", tag: tag, summary: "Rate a closed ticket, or change the rating within 7 days", body: ratingInput{}, resp: portalRating{}}, s.portalRate)
	s.portalAPI(op{method: "GET", path: "/attachments/{id}", tag: tag, summary: "Download an attachment of a visible ticket", file: true}, s.portalAttachment)
	s.portalAccountRoutes(tag)
}

// customerQuery are the list parameters of API.md §4 and the filters of
// SPEC P8.
var customerQuery = []string{"view", "status", "stage_id", "pipeline_id", "created_from", "created_to", "activity_from", "activity_to",
	"closed_from", "closed_to", "q", "queue", "waiting_on_me", "rated", "sort", "order", "limit", "cursor"}

type signInInput struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type identityInput struct {
	ContactID int64 `json:"contact_id"`
}

type ratingInput struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

type portalReply struct {
	Body string `json:"body"`
}

// portalNewTicket is a ticket as a customer opens it.
type portalNewTicket struct {
	Subject      string         `json:"subject"`
	Body         string         `json:"body"`
	Priority     *string        `json:"priority,omitempty"`
	ReplyChannel *string        `json:"reply_channel,omitempty"`
	Properties   map[string]any `json:"properties,omitempty"`
	Draft        bool           `json:"draft,omitempty"`
}

// meBody is the signed-in customer (API.md §4 GET /me).
type meBody struct {
	Account         meAccount    `json:"account"`
	Identities      []meIdentity `json:"identities"`
	ActiveContactID int64        `json:"active_contact_id"`
}

type meAccount struct {
	ID          int64  `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Language    string `json:"language"`
	// MustChangePassword says every other route waits for a new password.
	MustChangePassword bool `json:"must_change_password"`
}

type meIdentity struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Company   string `json:"company"`
}

func me(v *visitor) meBody {
	b := meBody{Account: meAccount{ID: v.account.ID, Login: v.account.Login, DisplayName: v.account.DisplayName, Language: v.account.Language,
		MustChangePassword: v.account.MustChangePassword},
		Identities: make([]meIdentity, 0, len(v.account.Identities)), ActiveContactID: v.identity.ContactID}
	for _, id := range v.account.Identities {
		b.Identities = append(b.Identities, meIdentity{ContactID: id.ContactID, Name: id.Name, Company: id.Company})
	}
	return b
}

func (s *Server) portalSignIn(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in signInInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.signIn(w, r, v, in.Login, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

func (s *Server) portalSignOut(w http.ResponseWriter, r *http.Request, _ *visitor) error {
	if err := s.signOut(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) portalMe(w http.ResponseWriter, r *http.Request, v *visitor) error {
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

func (s *Server) portalUpdateMe(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in account.ProfileInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.Accounts.UpdateProfile(r.Context(), v.account.ID, in)
	if err != nil {
		return err
	}
	v.account.DisplayName, v.account.Language = a.DisplayName, a.Language
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

func (s *Server) portalSwitchIdentity(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in identityInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.switchIdentity(w, r, v, in.ContactID); err != nil {
		return err
	}
	if !v.signedIn() {
		return errNotSignedIn
	}
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

// figureMessages name the dashboard figures in the message catalog.
var figureMessages = map[string]string{
	ticket.FigureOpen:          "dashboard.open",
	ticket.FigureQueue:         "dashboard.waiting_acceptance",
	ticket.FigureWaitingOnMe:   "dashboard.waiting_on_me",
	ticket.FigureClosedRecent:  "dashboard.closed_recent",
	ticket.FigureDrafts:        "dashboard.drafts",
	ticket.FigureShared:        "dashboard.shared",
	ticket.FigureAverageRating: "dashboard.avg_rating",
}

type dashboardBody struct {
	Figures []dashboardFigure `json:"figures"`
}

type dashboardFigure struct {
	Key     string   `json:"key"`
	Label   string   `json:"label"`
	Count   int      `json:"count"`
	Average *float64 `json:"average,omitempty"`
	Link    string   `json:"link"`
}

// listLink is the portal page listing exactly the tickets of f.
func listLink(slug string, f ticket.CustomerFilter) string {
	return "/" + slug + "/tickets?" + f.Query().Encode()
}

func (s *Server) portalDashboard(w http.ResponseWriter, r *http.Request, v *visitor) error {
	figs, err := s.Tickets.Dashboard(r.Context(), v.scope, s.now())
	if err != nil {
		return err
	}
	out := dashboardBody{Figures: make([]dashboardFigure, 0, len(figs))}
	for _, f := range figs {
		out.Figures = append(out.Figures, dashboardFigure{Key: f.Key, Label: v.loc.T(figureMessages[f.Key]), Count: f.Count,
			Average: f.Average, Link: listLink(v.portal.Slug, f.Filter)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// portalTicket is a ticket in a customer's list (API.md §4).
type portalTicket struct {
	ID             int64          `json:"id"`
	Subject        string         `json:"subject"`
	Status         string         `json:"status"`
	StageName      *string        `json:"stage_name,omitempty"`
	PipelineName   string         `json:"pipeline_name"`
	Requester      personName     `json:"requester"`
	Company        *string        `json:"company"`
	Owner          *ownerName     `json:"owner"`
	Priority       string         `json:"priority"`
	ReplyChannel   string         `json:"reply_channel"`
	Draft          bool           `json:"draft"`
	Properties     map[string]any `json:"properties"`
	CreatedAt      time.Time      `json:"created_at"`
	LastActivityAt time.Time      `json:"last_activity_at"`
	ClosedAt       *time.Time     `json:"closed_at"`
}

type personName struct {
	Name string `json:"name"`
}

type ownerName struct {
	DisplayName string `json:"display_name"`
}

func toPortalTicket(v *visitor, t *ticket.CustomerTicket) portalTicket {
	out := portalTicket{ID: t.ID, Subject: t.Subject, Status: t.Status, PipelineName: t.PipelineName,
		Requester: personName{Name: t.RequesterName}, Priority: string(t.Priority), ReplyChannel: t.ReplyChannel, Draft: t.Draft,
		Properties: t.Properties, CreatedAt: t.CreatedAt.UTC(), LastActivityAt: t.LastActivityAt.UTC()}
	if v.portal.ShowCustomStages {
		out.StageName = &t.StageName
	}
	if t.CompanyID != nil {
		out.Company = &t.CompanyName
	}
	if t.Owner != nil {
		out.Owner = &ownerName{DisplayName: t.Owner.Display(v.portal.OwnerDisplay)}
	}
	if t.ClosedAt != nil {
		c := t.ClosedAt.UTC()
		out.ClosedAt = &c
	}
	if out.Properties == nil {
		out.Properties = map[string]any{}
	}
	return out
}

// customerFilter reads the list query of a request.
func customerFilter(r *http.Request, v *visitor) (ticket.CustomerFilter, error) {
	f, err := ticket.ParseCustomerQuery(r.URL.Query(), v.scope)
	if f.Limit == 0 {
		f.Limit = 25
	}
	return f, err
}

func (s *Server) portalTickets(w http.ResponseWriter, r *http.Request, v *visitor) error {
	f, err := customerFilter(r, v)
	if err != nil {
		return err
	}
	page, err := s.Tickets.CustomerTickets(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]portalTicket, len(page.Items))
	for i := range page.Items {
		items[i] = toPortalTicket(v, &page.Items[i])
	}
	writePortalTickets(w, items, page.NextCursor, page.Total)
	return nil
}

// portalDetail is a ticket's page (API.md §4 GET /tickets/{id}).
type portalDetail struct {
	portalTicket
	Messages []portalMessage `json:"messages"`
	Queue    *ticket.Queue   `json:"queue"`
	Rating   *portalRating   `json:"rating"`
	// What the customer may do now.
	CanReply bool `json:"can_reply"`
	CanClose bool `json:"can_close"`
	CanRate  bool `json:"can_rate"`
}

type portalMessage struct {
	ID          int64              `json:"id"`
	Author      messageAuthor      `json:"author"`
	Body        string             `json:"body"`
	Resolution  bool               `json:"resolution"`
	Attachments []portalAttachment `json:"attachments"`
	CreatedAt   time.Time          `json:"created_at"`
}

type messageAuthor struct {
	// Type is "agent", "contact" or "system"; Me marks the active
	// identity's own messages.
	Type string `json:"type"`
	Name string `json:"name"`
	Me   bool   `json:"me"`
}

type portalAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

type portalRating struct {
	Score         int       `json:"score"`
	Comment       string    `json:"comment"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	EditableUntil time.Time `json:"editable_until"`
}

func toPortalRating(r *ticket.Rating) *portalRating {
	if r == nil {
		return nil
	}
	return &portalRating{Score: r.Score, Comment: r.Comment, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		EditableUntil: r.CreatedAt.Add(ticket.RatingEditWindow).UTC()}
}

// authorNames finds the names of message authors as a portal shows them,
// looking each one up once.
type authorNames struct {
	s     *Server
	v     *visitor
	names map[string]string
}

func (a *authorNames) author(ctx context.Context, au ticket.Author) (messageAuthor, error) {
	out := messageAuthor{Type: au.Type}
	if au.ID == nil {
		return out, nil
	}
	out.Me = au.Type == ticket.AuthorContact && *au.ID == a.v.identity.ContactID
	key := au.Type + ":" + strconv.FormatInt(*au.ID, 10)
	if name, ok := a.names[key]; ok {
		out.Name = name
		return out, nil
	}
	switch {
	case au.Type == ticket.AuthorAgent:
		// The desk's list of agents is at hand; one agent is not looked
		// up on its own.
		ags, err := a.s.Agents.Agents(ctx)
		if err != nil {
			return out, err
		}
		if i := slices.IndexFunc(ags, func(ag agent.Agent) bool { return ag.ID == *au.ID }); i >= 0 {
			out.Name = ticket.NewOwner(ags[i].Name, ags[i].Alias).Display(a.v.portal.OwnerDisplay)
		}
	case out.Me:
		out.Name = strings.TrimSpace(a.v.identity.Name)
	case au.Type == ticket.AuthorContact:
		c, err := a.s.Contacts.Contact(ctx, *au.ID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return out, err
		}
		if c != nil {
			out.Name = c.Name()
		}
	}
	if a.names == nil {
		a.names = map[string]string{}
	}
	a.names[key] = out.Name
	return out, nil
}

func (s *Server) toPortalMessage(ctx context.Context, v *visitor, names *authorNames, m *ticket.Message) (portalMessage, error) {
	au, err := names.author(ctx, m.Author)
	if err != nil {
		return portalMessage{}, err
	}
	out := portalMessage{ID: m.ID, Author: au, Body: m.Body, Resolution: m.Resolution, CreatedAt: m.CreatedAt.UTC(),
		Attachments: make([]portalAttachment, 0, len(m.Attachments))}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, portalAttachment{ID: a.ID, Filename: a.Filename, Size: a.Size, ContentType: a.ContentType,
			URL: "/api/v1/portal/" + v.portal.Slug + "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	return out, nil
}

// detail reads ticket id as the visitor sees it.
// detail is a ticket as the customer API shows it; queue says whether to
// count its place in the queue.
func (s *Server) detail(ctx context.Context, v *visitor, id int64, queue bool) (*portalDetail, error) {
	get := s.Tickets.CustomerTicket
	if !queue {
		get = s.Tickets.CustomerTicketUnqueued
	}
	d, err := get(ctx, v.scope, id)
	if err != nil {
		return nil, err
	}
	out := &portalDetail{portalTicket: toPortalTicket(v, &d.CustomerTicket), Queue: d.Queue, Rating: toPortalRating(d.Rating),
		Messages: make([]portalMessage, 0, len(d.Messages))}
	names := &authorNames{s: s, v: v}
	for i := range d.Messages {
		m, err := s.toPortalMessage(ctx, v, names, &d.Messages[i])
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, m)
	}
	open := d.Status == ticket.StatusOpen
	out.CanReply = !d.Draft && (open || v.portal.AllowReplyToClosed)
	out.CanClose = !d.Draft && open && v.portal.AllowCustomerClose
	out.CanRate = !d.Draft && !open && (d.Rating == nil || s.now().Before(d.Rating.CreatedAt.Add(ticket.RatingEditWindow)))
	return out, nil
}

func (s *Server) writeDetail(w http.ResponseWriter, r *http.Request, v *visitor, id int64, status int) error {
	// A ticket just created is last in its queue; the client asks for the
	// ticket to learn how long the queue is.
	d, err := s.detail(r.Context(), v, id, status != http.StatusCreated)
	if err != nil {
		return err
	}
	writeJSON(w, status, d)
	return nil
}

func (s *Server) portalTicket(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeDetail(w, r, v, id, http.StatusOK)
}

func (s *Server) portalCreateTicket(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var in portalNewTicket
	var files []ticket.Attachment
	if isMultipart(r) {
		form, err := s.readMultipart(w, r, map[string]bool{"subject": true, "body": true, "priority": true, "reply_channel": true, "draft": true})
		if err != nil {
			return err
		}
		files = attachments(form.files)
		in.Subject, in.Body = form.values["subject"], form.values["body"]
		if p, ok := form.values["priority"]; ok && p != "" {
			in.Priority = &p
		}
		if c, ok := form.values["reply_channel"]; ok && c != "" {
			in.ReplyChannel = &c
		}
		if in.Draft, err = formBool(form.values, "draft"); err != nil {
			s.discard(files)
			return err
		}
	} else if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.Forms.CreateCustomerTicket(r.Context(), v.scope, v.portal, ticket.NewTicket{Subject: in.Subject, Body: in.Body,
		Priority: in.Priority, ReplyChannel: in.ReplyChannel, Properties: in.Properties, Draft: in.Draft, Attachments: files})
	if err != nil {
		s.discard(files)
		return err
	}
	w.Header().Set("Location", "/api/v1/portal/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(t.ID, 10))
	return s.writeDetail(w, r, v, t.ID, http.StatusCreated)
}

func (s *Server) portalSubmit(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Tickets.SubmitDraft(r.Context(), v.scope, id); err != nil {
		return err
	}
	return s.writeDetail(w, r, v, id, http.StatusOK)
}

func (s *Server) portalReply(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.NewMessage
	if isMultipart(r) {
		form, err := s.readMultipart(w, r, map[string]bool{"body": true})
		if err != nil {
			return err
		}
		in.Body, in.Attachments = form.values["body"], attachments(form.files)
	} else {
		var body portalReply
		if err := decodeJSON(w, r, &body); err != nil {
			return err
		}
		in.Body = body.Body
	}
	m, err := s.Tickets.CustomerReply(r.Context(), v.scope, v.portal, id, in)
	if err != nil {
		s.discard(in.Attachments)
		return err
	}
	out, err := s.toPortalMessage(r.Context(), v, &authorNames{s: s, v: v}, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) portalClose(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Tickets.CustomerClose(r.Context(), v.scope, v.portal, id); err != nil {
		return err
	}
	return s.writeDetail(w, r, v, id, http.StatusOK)
}

func (s *Server) portalShare(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in membersInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Tickets.Share(r.Context(), v.scope, id, in.ContactIDs); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) portalRate(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ratingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rt, err := s.Tickets.Rate(r.Context(), v.scope, id, in.Score, in.Comment)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPortalRating(rt))
	return nil
}

func (s *Server) portalAttachment(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.CustomerAttachment(r.Context(), v.scope, id)
	if err != nil {
		return err
	}
	return s.serveFile(w, r, a)
}
