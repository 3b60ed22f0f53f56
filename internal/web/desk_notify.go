package web

import (
	"net/http"
	"net/url"
	"strconv"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/notify"
	"portico/internal/web/i18n"
)

func init() {
	deskPageNames = append(deskPageNames, "desk_notifications", "desk_notify_settings")
}

// deskNavNotifications marks the notification pages, which the bell in
// the header leads to.
const deskNavNotifications = "notifications"

// deskNotifyPage is how many notifications one page shows.
const deskNotifyPage = 30

// deskNotifyRoutes registers an agent's notifications (SPEC A9): the list,
// opening one (which marks it read), marking them all read, and the
// choice of inboxes to watch and of email. Each agent sees and changes
// their own only.
func (s *Server) deskNotifyRoutes() {
	s.handle("GET /desk/notifications", s.desk(s.deskNotifications))
	s.handle("POST /desk/notifications/read", s.desk(s.deskNotificationsRead))
	s.handle("GET /desk/notifications/settings", s.desk(s.deskNotifySettings))
	s.handle("POST /desk/notifications/settings", s.desk(s.deskNotifySettingsPost))
	s.handle("GET /desk/notifications/{id}", s.desk(s.deskNotificationOpen))
}

// deskUnread is the header's count of a's unread notifications, as the
// bell shows it ("" for none) and as its label reads. A failure to count
// is logged and shows no count rather than no page.
func (s *Server) deskUnread(r *http.Request, a *agent.Agent, loc *i18n.Localizer) (count, label string) {
	label = loc.T("notify.title")
	if a == nil || s.Notify == nil {
		return "", label
	}
	n, err := s.Notify.Unread(r.Context(), a.ID)
	if err != nil {
		s.logger(r).Error("count unread notifications", "err", err)
		return "", label
	}
	switch {
	case n == 0:
		return "", label
	case n >= notify.UnreadCap:
		return loc.Number(notify.UnreadCap-1) + "+", loc.N("notify.unread.many", notify.UnreadCap-1)
	}
	return loc.Number(int64(n)), loc.N("notify.unread", n)
}

// deskNotifyView is the list of an agent's notifications.
type deskNotifyView struct {
	Filters  []auditFilter
	Unread   bool // only unread ones are shown
	Rows     []deskNotifyRow
	UpTo     int64  // the newest shown, up to which "mark all read" goes
	Next     string // the next page
	First    string // the first page, from a later one
	Settings string
}

type deskNotifyRow struct {
	URL    string
	Title  string
	Ticket string
	Text   string
	Read   bool
	When   pageTime
}

// deskNotifyDone are the confirmations a redirect may ask for.
var deskNotifyDone = map[string]string{"read": "notify.done.read", "saved": "notify.done.saved"}

func (s *Server) deskNotifications(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	loc := s.deskLoc(r)
	q := r.URL.Query()
	f := notify.Filter{Unread: q.Get("show") == "unread", Cursor: q.Get("cursor"), Limit: deskNotifyPage}
	page, err := s.Notify.Notifications(r.Context(), a.ID, f)
	if apperr.Is(err, apperr.Invalid) && f.Cursor != "" {
		// A cursor from an old or mangled link: start from the top.
		f.Cursor = ""
		page, err = s.Notify.Notifications(r.Context(), a.ID, f)
	}
	if err != nil {
		return err
	}
	base := "/desk/notifications"
	if f.Unread {
		base += "?show=unread"
	}
	withCursor := func(c string) string {
		u := url.Values{"cursor": {c}}
		if f.Unread {
			u.Set("show", "unread")
		}
		return "/desk/notifications?" + u.Encode()
	}
	d := &deskData{Title: loc.T("notify.title"), Nav: deskNavNotifications, loc: loc, now: s.now()}
	v := &deskNotifyView{Unread: f.Unread, Settings: "/desk/notifications/settings",
		Filters: []auditFilter{
			{Label: loc.T("notify.filter.all"), URL: "/desk/notifications", Current: !f.Unread},
			{Label: loc.T("notify.filter.unread"), URL: "/desk/notifications?show=unread", Current: f.Unread},
		}}
	if id := deskNotifyDone[q.Get("done")]; id != "" {
		d.Notice = loc.T(id)
	}
	for _, n := range page.Items {
		row := deskNotifyRow{URL: "/desk/notifications/" + strconv.FormatInt(n.ID, 10), Read: n.Read, When: d.When(n.CreatedAt),
			Text: n.Text}
		actor := n.Actor
		if actor == "" {
			actor = loc.T("notify.actor.customer")
		}
		row.Title = loc.T("notify.kind."+n.Kind, map[string]any{"Actor": actor, "Score": strconv.Itoa(n.Score)})
		if n.TicketID != nil {
			row.Ticket = "#" + strconv.FormatInt(*n.TicketID, 10) + " " + n.Subject
		} else {
			row.Ticket = n.Subject
		}
		v.Rows = append(v.Rows, row)
	}
	if f.Cursor == "" && len(page.Items) > 0 {
		v.UpTo = page.Items[0].ID
	}
	if page.NextCursor != "" {
		v.Next = withCursor(page.NextCursor)
	}
	if f.Cursor != "" {
		v.First = base
	}
	d.Page = v
	s.renderDesk(w, r, http.StatusOK, "desk_notifications", d)
	return nil
}

// deskNotificationOpen marks a notification read and goes to its ticket,
// or back to the list when the ticket is gone.
func (s *Server) deskNotificationOpen(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("notification")
	}
	n, err := s.Notify.Open(r.Context(), a.ID, id)
	if err != nil {
		return err
	}
	to := "/desk/notifications"
	if n.TicketID != nil {
		to = "/desk/tickets/" + strconv.FormatInt(*n.TicketID, 10)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// deskNotificationsRead marks the agent's notifications read, up to the
// newest the list showed.
func (s *Server) deskNotificationsRead(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	upTo, err := strconv.ParseInt(r.PostFormValue("up_to"), 10, 64)
	if err != nil || upTo <= 0 {
		return apperr.InvalidField("up_to", "must be a notification id")
	}
	if _, err := s.Notify.ReadAll(r.Context(), a.ID, upTo); err != nil {
		return err
	}
	http.Redirect(w, r, "/desk/notifications?done=read", http.StatusSeeOther)
	return nil
}

// deskNotifySettingsView is the form of what an agent hears of.
type deskNotifySettingsView struct {
	Email   bool
	Inboxes []deskNotifyInbox
}

type deskNotifyInbox struct {
	ID      int64
	Name    string
	Checked bool
}

func (s *Server) deskNotifySettings(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	set, err := s.Notify.Settings(r.Context(), a.ID)
	if err != nil {
		return err
	}
	d := &deskData{Nav: deskNavNotifications}
	if r.URL.Query().Get("done") == "saved" {
		d.Notice = s.deskLoc(r).T("notify.done.saved")
	}
	return s.renderNotifySettings(w, r, http.StatusOK, d, *set)
}

func (s *Server) deskNotifySettingsPost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	in := notify.Settings{Email: r.PostFormValue("email") == "on"}
	for _, v := range r.PostForm["inbox"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return apperr.InvalidField("inbox", "must be an inbox id")
		}
		in.InboxIDs = append(in.InboxIDs, id)
	}
	_, err := s.Notify.SetSettings(r.Context(), a.ID, in)
	if apperr.Is(err, apperr.Invalid) {
		// An inbox removed while the form was open: show the form again
		// as it now is, with what the agent chose.
		d := &deskData{Nav: deskNavNotifications, Error: s.deskLoc(r).T("notify.settings.inbox_gone"),
			Canonical: "/desk/notifications/settings"}
		return s.renderNotifySettings(w, r, http.StatusUnprocessableEntity, d, in)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/desk/notifications/settings?done=saved", http.StatusSeeOther)
	return nil
}

// renderNotifySettings shows the settings form with set chosen.
func (s *Server) renderNotifySettings(w http.ResponseWriter, r *http.Request, status int, d *deskData, set notify.Settings) error {
	inboxes, err := s.Pipelines.Inboxes(r.Context())
	if err != nil {
		return err
	}
	v := &deskNotifySettingsView{Email: set.Email}
	for _, ib := range inboxes {
		checked := false
		for _, id := range set.InboxIDs {
			checked = checked || id == ib.ID
		}
		v.Inboxes = append(v.Inboxes, deskNotifyInbox{ID: ib.ID, Name: ib.Name, Checked: checked})
	}
	d.Title, d.Page = s.deskLoc(r).T("notify.settings.title"), v
	s.renderDesk(w, r, status, "desk_notify_settings", d)
	return nil
}
