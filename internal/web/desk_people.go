package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// The desk's contacts and companies (SPEC A3): lists with search and
// paging, a page per contact with its tickets, its timeline and its portal
// account, and a page per company with its contacts and tickets. Every
// change is a plain form post that answers with a redirect, or with the
// page again, input kept, when something needs fixing.

func init() {
	deskPageNames = append(deskPageNames, "desk_people_list", "desk_people_contact", "desk_people_company")
}

// deskPeopleRoutes registers the contacts' and companies' pages.
func (s *Server) deskPeopleRoutes() {
	s.handle("GET /desk/contacts", s.desk(s.deskContacts))
	s.handle("POST /desk/contacts", s.desk(s.deskContactCreate))
	s.handle("GET /desk/contacts/{id}", s.desk(s.deskContact))
	s.handle("POST /desk/contacts/{id}", s.desk(s.deskContactUpdate))
	s.handle("POST /desk/contacts/{id}/account", s.desk(s.deskContactOpenAccount))
	s.handle("POST /desk/contacts/{id}/account/reset", s.desk(s.deskContactResetCode))
	s.handle("POST /desk/contacts/{id}/account/lock", s.desk(s.deskContactLock(true)))
	s.handle("POST /desk/contacts/{id}/account/unlock", s.desk(s.deskContactLock(false)))
	s.handle("POST /desk/contacts/{id}/identities/{contact}/unlink", s.desk(s.deskContactUnlink))
	s.handle("GET /desk/companies", s.desk(s.deskCompanies))
	s.handle("POST /desk/companies", s.desk(s.deskCompanyCreate))
	s.handle("GET /desk/companies/{id}", s.desk(s.deskCompany))
	s.handle("POST /desk/companies/{id}", s.desk(s.deskCompanyUpdate))
}

// deskPeoplePage is how many rows one page of a list shows.
const deskPeoplePage = 25

// deskPeopleTimeline is how many timeline entries a contact's page shows.
const deskPeopleTimeline = 50

// deskField is one labelled input of a form, with its problem.
type deskField struct {
	ID, Name, Label, Type, Value, Error, Hint string
	Required                                  bool
	Max                                       int
	Options                                   []deskChoice // a select when set
}

// deskForm is a form: where it posts, its fields and a problem with the
// whole form.
type deskForm struct {
	Action, Submit, Problem string
	Fields                  []deskField
}

// deskPeopleRow is one contact or company of a list.
type deskPeopleRow struct {
	ID                   int64
	URL, Name, Email     string
	Phone, Company, Site string
	CompanyURL           string
	Account              bool
}

// deskPeopleListView is the contacts' or the companies' list.
type deskPeopleListView struct {
	Companies bool // the companies' list rather than the contacts'
	Action    string
	Q         string
	QError    string
	Rows      []deskPeopleRow
	Count     string
	NextURL   string
	FirstURL  string
	Create    deskForm
	Other     pageNavLink // the other list
}

// deskPeopleTicket is one ticket of a contact or company.
type deskPeopleTicket struct {
	ID                         int64
	URL, Subject, Stage, Class string
	Requester                  string
	Activity                   pageTime
}

// deskIdentity is one contact linked to an account.
type deskIdentity struct {
	ContactID      int64
	Name, Company  string
	URL, UnlinkURL string
	This           bool
}

// deskAccountView is a contact's portal account, or the form to open one.
type deskAccountView struct {
	ID                     int64
	Problem                string // a refused change, for the whole panel
	Login                  string
	Locked, MustChange     bool
	Verified               bool
	Identities             []deskIdentity
	ResetURL, LockURL      string
	Open                   *deskForm // set when the contact has no account
	InitialPassword        string    // shown once, after opening
	SendEmail, SendSMS     bool      // what the open form's choices allow
	SendVia                string
	OpenLogin, OpenLoginPH string
}

// deskContactView is a contact's page.
type deskContactView struct {
	ID          int64
	Name        string
	Company     string
	CompanyURL  string
	Edit        deskForm
	Tickets     []deskPeopleTicket
	TicketCount string
	TicketsURL  string
	Timeline    []deskEvent
	Account     deskAccountView
}

// deskCompanyView is a company's page.
type deskCompanyView struct {
	ID           int64
	Name         string
	Edit         deskForm
	Contacts     []deskPeopleRow
	ContactCount string
	ContactsURL  string
	Tickets      []deskPeopleTicket
	TicketCount  string
}

// deskPeopleNotices are the confirmations a redirect may ask for.
var deskPeopleNotices = map[string]string{
	"saved":    "people.notice.saved",
	"created":  "people.notice.created",
	"opened":   "people.notice.opened",
	"linked":   "people.notice.linked",
	"reset":    "people.notice.reset",
	"unlinked": "people.notice.unlinked",
	"locked":   "people.notice.locked",
	"unlocked": "people.notice.unlocked",
}

func deskPeopleNotice(r *http.Request, loc *i18n.Localizer) string {
	if id := deskPeopleNotices[r.URL.Query().Get("done")]; id != "" {
		return loc.T(id)
	}
	return ""
}

func deskPeopleDone(w http.ResponseWriter, r *http.Request, to, done string) error {
	http.Redirect(w, r, to+"?done="+done, http.StatusSeeOther)
	return nil
}

func contactURL(id int64) string { return "/desk/contacts/" + strconv.FormatInt(id, 10) }
func companyURL(id int64) string { return "/desk/companies/" + strconv.FormatInt(id, 10) }

var deskTooLong = regexp.MustCompile(`at most (\d+)`)

// deskPeopleProblems turns a service's error into messages by form field;
// ok is false for errors that are not the person's to fix.
func deskPeopleProblems(loc *i18n.Localizer, err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil {
		return nil, false
	}
	switch e.Kind {
	case apperr.Invalid:
		out := map[string]string{}
		for field, problem := range e.Fields {
			out[field] = deskPeopleFieldMessage(loc, field, problem)
		}
		return out, true
	case apperr.Conflict:
		if e.Code == "contact_has_account" {
			return map[string]string{"": loc.T("people.error.has_account")}, true
		}
		return map[string]string{"": loc.T("form.invalid")}, true
	case apperr.RateLimited:
		return map[string]string{"": loc.T("error.rate_limited")}, true
	case apperr.TooLarge, apperr.Unsupported, apperr.Malformed:
		return map[string]string{"": loc.T("form.invalid")}, true
	}
	return nil, false
}

// deskPeopleFieldMessage is the page's words for a service's problem with
// a field; the services speak English for programs.
func deskPeopleFieldMessage(loc *i18n.Localizer, field, problem string) string {
	switch {
	case field == "first_name" && problem == "is too long", field == "last_name" && problem == "is too long":
		return loc.N("form.too_long", 100)
	case field == "name" && problem == "is too long":
		return loc.N("form.too_long", 200)
	case strings.HasPrefix(problem, "is required") && field == "login":
		return loc.T("people.error.login_required")
	case strings.HasPrefix(problem, "is required"):
		return loc.T("form.required")
	case field == "email":
		return loc.T("form.invalid_email")
	case field == "phone":
		return loc.T("form.invalid_phone")
	case field == "company_id":
		return loc.T("people.error.company")
	case field == "language":
		return loc.T("form.invalid_choice")
	case field == "domain":
		return loc.T("people.error.domain")
	case field == "login":
		return loc.T("people.error.login")
	case field == "send_via" && strings.Contains(problem, "email address"):
		return loc.T("people.error.no_email")
	case field == "send_via" && strings.Contains(problem, "phone number"):
		return loc.T("people.error.no_phone")
	case field == "send_via":
		return loc.T("form.invalid_choice")
	case field == "password" && deskTooLong.MatchString(problem):
		n, _ := strconv.Atoi(deskTooLong.FindStringSubmatch(problem)[1])
		return loc.N("form.too_long", n)
	case field == "password":
		return loc.T("people.error.password")
	}
	return loc.T("form.invalid")
}

// deskPeopleQuery reads a list's search and cursor.
func deskPeopleQuery(r *http.Request) (q, cursor string) {
	v := r.URL.Query()
	q = strings.TrimSpace(v.Get("q"))
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200])
	}
	return q, v.Get("cursor")
}

func deskPeopleListURL(base, q, cursor string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if e := v.Encode(); e != "" {
		return base + "?" + e
	}
	return base
}

// deskBadCursor reports whether err is a list's complaint about its cursor.
func deskBadCursor(err error) bool {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return false
	}
	_, bad := e.Fields["cursor"]
	return bad
}

// contactForm is the form that creates or edits a contact; in holds what
// was typed, problems what is wrong with it.
func (s *Server) contactForm(ctx context.Context, loc *i18n.Localizer, action, submit string, in url.Values, problems map[string]string) (deskForm, error) {
	f := deskForm{Action: action, Submit: submit, Problem: problems[""]}
	text := func(name, typ, label string, required bool, max int) {
		f.Fields = append(f.Fields, deskField{ID: "c-" + name, Name: name, Label: label, Type: typ, Value: in.Get(name),
			Error: problems[name], Required: required, Max: max})
	}
	text("first_name", "text", loc.T("people.field.first_name"), true, 100)
	text("last_name", "text", loc.T("people.field.last_name"), false, 100)
	text("email", "email", loc.T("people.field.email"), false, 254)
	text("phone", "tel", loc.T("people.field.phone"), false, 30)
	f.Fields[len(f.Fields)-1].Hint = loc.T("people.field.phone_hint")
	companies := deskField{ID: "c-company_id", Name: "company_id", Label: loc.T("people.field.company"), Type: "select",
		Value: in.Get("company_id"), Error: problems["company_id"], Options: []deskChoice{{Value: "", Label: loc.T("people.none")}}}
	page, err := s.Contacts.Companies(ctx, contact.CompanyFilter{Limit: 500})
	if err != nil {
		return f, err
	}
	found := false
	for _, c := range page.Items {
		v := strconv.FormatInt(c.ID, 10)
		found = found || v == companies.Value
		companies.Options = append(companies.Options, deskChoice{Value: v, Label: c.Name, Selected: v == companies.Value})
	}
	if !found && companies.Value != "" {
		// The contact's company beyond the first page: keep it choosable.
		label := "#" + companies.Value
		if id, err := strconv.ParseInt(companies.Value, 10, 64); err == nil {
			if c, err := s.Contacts.Company(ctx, id); err == nil {
				label = c.Name
			}
		}
		companies.Options = append(companies.Options, deskChoice{Value: companies.Value, Label: label, Selected: true})
	}
	f.Fields = append(f.Fields, companies)
	langs := deskField{ID: "c-language", Name: "language", Label: loc.T("people.field.language"), Type: "select",
		Value: in.Get("language"), Error: problems["language"], Options: []deskChoice{{Value: "", Label: loc.T("people.language.default")}}}
	for _, l := range contact.Languages {
		langs.Options = append(langs.Options, deskChoice{Value: l, Label: i18n.Name(l), Selected: l == langs.Value})
	}
	f.Fields = append(f.Fields, langs)
	return f, nil
}

// companyForm is the form that creates or edits a company.
func companyForm(loc *i18n.Localizer, action, submit string, in url.Values, problems map[string]string) deskForm {
	return deskForm{Action: action, Submit: submit, Problem: problems[""], Fields: []deskField{
		{ID: "co-name", Name: "name", Label: loc.T("people.field.company_name"), Type: "text", Value: in.Get("name"),
			Error: problems["name"], Required: true, Max: 200},
		{ID: "co-domain", Name: "domain", Label: loc.T("people.field.domain"), Type: "text", Value: in.Get("domain"),
			Error: problems["domain"], Max: 253, Hint: loc.T("people.field.domain_hint")},
	}}
}

// contactInput reads the contact form. Every field is sent, so that an
// emptied one is cleared.
func contactInput(r *http.Request) (contact.ContactInput, map[string]string) {
	str := func(name string) *string { v := r.PostFormValue(name); return &v }
	in := contact.ContactInput{FirstName: str("first_name"), LastName: str("last_name"), Email: str("email"),
		Phone: str("phone"), Language: str("language")}
	var zero int64
	in.CompanyID = &zero
	if v := strings.TrimSpace(r.PostFormValue("company_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return in, map[string]string{"company_id": "no such company"}
		}
		in.CompanyID = &n
	}
	return in, nil
}

func contactValues(c *contact.Contact) url.Values {
	v := url.Values{"first_name": {c.FirstName}, "last_name": {c.LastName}, "language": {c.Language}}
	if c.Email != nil {
		v.Set("email", *c.Email)
	}
	if c.Phone != nil {
		v.Set("phone", *c.Phone)
	}
	if c.CompanyID != nil {
		v.Set("company_id", strconv.FormatInt(*c.CompanyID, 10))
	}
	return v
}

// deskCompanyNames remembers company names for a list.
type deskCompanyNames struct {
	s     *Server
	ctx   context.Context
	names map[int64]string
}

func (c *deskCompanyNames) name(id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	if n, ok := c.names[*id]; ok {
		return n, nil
	}
	co, err := c.s.Contacts.Company(c.ctx, *id)
	if apperr.Is(err, apperr.NotFound) {
		c.names[*id] = ""
		return "", nil
	}
	if err != nil {
		return "", err
	}
	c.names[*id] = co.Name
	return co.Name, nil
}

func contactRow(c *contact.Contact, companies *deskCompanyNames) (deskPeopleRow, error) {
	row := deskPeopleRow{ID: c.ID, URL: contactURL(c.ID), Name: c.Name(), Account: c.AccountID != nil}
	if c.Email != nil {
		row.Email = *c.Email
	}
	if c.Phone != nil {
		row.Phone = *c.Phone
	}
	if c.CompanyID != nil {
		row.CompanyURL = companyURL(*c.CompanyID)
	}
	var err error
	row.Company, err = companies.name(c.CompanyID)
	return row, err
}

// deskContactsPage shows the contacts' list; create holds a refused new
// contact's input and problems.
func (s *Server) deskContactsPage(w http.ResponseWriter, r *http.Request, status int, in url.Values, problems map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	q, cursor := deskPeopleQuery(r)
	v := &deskPeopleListView{Action: "/desk/contacts", Q: q,
		Other: pageNavLink{Label: loc.T("people.companies.title"), URL: "/desk/companies"}}
	page, err := s.Contacts.Contacts(ctx, contact.ContactFilter{Q: q, Limit: deskPeoplePage, Cursor: cursor})
	if deskBadCursor(err) {
		http.Redirect(w, r, deskPeopleListURL(v.Action, q, ""), http.StatusSeeOther)
		return nil
	}
	if apperr.Is(err, apperr.Invalid) {
		v.QError, page, err = loc.T("form.invalid"), contact.ContactPage{}, nil
	}
	if err != nil {
		return err
	}
	companies := &deskCompanyNames{s: s, ctx: ctx, names: map[int64]string{}}
	for i := range page.Items {
		row, err := contactRow(&page.Items[i], companies)
		if err != nil {
			return err
		}
		v.Rows = append(v.Rows, row)
	}
	v.Count = loc.N("people.contacts.count", page.Total)
	if v.Create, err = s.contactForm(ctx, loc, "/desk/contacts", loc.T("people.contacts.create"), in, problems); err != nil {
		return err
	}
	s.renderPeopleList(w, r, status, loc, v, loc.T("people.contacts.title"), cursor, page.NextCursor)
	return nil
}

// renderPeopleList shows a list of contacts or companies, v, whose page
// started at cursor and goes on at next, with the confirmation of what was
// just done or, for a form sent back, the request to fix it.
func (s *Server) renderPeopleList(w http.ResponseWriter, r *http.Request, status int, loc *i18n.Localizer, v *deskPeopleListView, title, cursor, next string) {
	if next != "" {
		v.NextURL = deskPeopleListURL(v.Action, v.Q, next)
	}
	if cursor != "" {
		v.FirstURL = deskPeopleListURL(v.Action, v.Q, "")
	}
	d := &deskData{Title: title, Nav: deskNavContacts, Page: v, Canonical: v.Action}
	if status == http.StatusOK {
		d.Notice = deskPeopleNotice(r, loc)
	} else {
		d.Error = loc.T("people.error.fix")
	}
	s.renderDesk(w, r, status, "desk_people_list", d)
}

func (s *Server) deskContacts(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.deskContactsPage(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Server) deskContactCreate(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	in, problems := contactInput(r)
	if problems == nil {
		c, err := s.Contacts.CreateContact(r.Context(), in)
		if err == nil {
			return deskPeopleDone(w, r, contactURL(c.ID), "created")
		}
		var ok bool
		if problems, ok = deskPeopleProblems(s.deskLoc(r), err); !ok {
			return err
		}
	} else {
		problems = map[string]string{"company_id": s.deskLoc(r).T("people.error.company")}
	}
	return s.deskContactsPage(w, r, http.StatusUnprocessableEntity, r.PostForm, problems)
}

// deskPeopleTickets lists the newest tickets of f.
func (s *Server) deskPeopleTickets(ctx context.Context, loc *i18n.Localizer, f ticket.Filter) ([]deskPeopleTicket, int, error) {
	f.Limit, f.Sort = deskPeoplePage, ticket.SortLastActivity
	page, err := s.Tickets.Tickets(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	cn := &contactNames{s: s, ctx: ctx, names: map[int64]string{}}
	times := deskTimes{loc: loc, now: s.now(), rel: map[string]string{}}
	var out []deskPeopleTicket
	for i := range page.Items {
		t := &page.Items[i]
		row := deskPeopleTicket{ID: t.ID, URL: "/desk/tickets/" + strconv.FormatInt(t.ID, 10), Subject: t.Subject,
			Stage: t.StageName, Class: t.Status, Activity: times.at(t.LastActivityAt)}
		if row.Requester, err = cn.name(t.RequesterID); err != nil {
			return nil, 0, err
		}
		out = append(out, row)
	}
	return out, page.Total, nil
}

// deskContactPage shows contact id. edit and editProblems keep a refused
// edit; open and openProblems a refused account; pw is a generated initial
// password to show once.
func (s *Server) deskContactPage(w http.ResponseWriter, r *http.Request, status int, id int64, edit url.Values, editProblems map[string]string,
	open url.Values, openProblems map[string]string, notice string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	c, err := s.Contacts.Contact(ctx, id)
	if err != nil {
		return err
	}
	base := contactURL(id)
	v := &deskContactView{ID: c.ID, Name: cmp.Or(c.Name(), "#"+strconv.FormatInt(c.ID, 10))}
	if c.CompanyID != nil {
		companies := &deskCompanyNames{s: s, ctx: ctx, names: map[int64]string{}}
		if v.Company, err = companies.name(c.CompanyID); err != nil {
			return err
		}
		v.CompanyURL = companyURL(*c.CompanyID)
	}
	if edit == nil {
		edit = contactValues(c)
	}
	if v.Edit, err = s.contactForm(ctx, loc, base, loc.T("people.save"), edit, editProblems); err != nil {
		return err
	}
	var total int
	if v.Tickets, total, err = s.deskPeopleTickets(ctx, loc, ticket.Filter{RequesterID: id}); err != nil {
		return err
	}
	v.TicketCount = loc.N("people.tickets.count", total)
	events, err := s.Tickets.Events(ctx, ticket.EventFilter{ContactID: id, Limit: deskPeopleTimeline})
	if err != nil {
		return err
	}
	names, err := s.deskNames(ctx)
	if err != nil {
		return err
	}
	cn := &contactNames{s: s, ctx: ctx, names: map[int64]string{}}
	// The newest first, as a person reads a history.
	for i := len(events.Items) - 1; i >= 0; i-- {
		de, err := deskEventOf(loc, names, cn, events.Items[i])
		if err != nil {
			return err
		}
		if t := loc.T("people.event." + events.Items[i].Kind); !strings.HasPrefix(t, "people.event.") {
			de.Text = t
		}
		v.Timeline = append(v.Timeline, de)
	}
	if err := s.deskAccountOf(ctx, loc, c, &v.Account, open, openProblems); err != nil {
		return err
	}
	d := &deskData{Title: v.Name, Nav: deskNavContacts, Page: v, Canonical: base}
	switch {
	case notice != "":
		d.Notice = notice
	case status == http.StatusOK:
		d.Notice = deskPeopleNotice(r, loc)
	default:
		d.Error = loc.T("people.error.fix")
	}
	s.renderDesk(w, r, status, "desk_people_contact", d)
	return nil
}

// deskAccountOf fills in contact c's portal account, or the form to open
// one.
func (s *Server) deskAccountOf(ctx context.Context, loc *i18n.Localizer, c *contact.Contact, v *deskAccountView, open url.Values, problems map[string]string) error {
	base := contactURL(c.ID)
	v.Problem = problems[""]
	if c.AccountID == nil {
		if open == nil {
			open = url.Values{}
		}
		v.Open = &deskForm{Action: base + "/account", Submit: loc.T("people.account.open"), Fields: []deskField{
			{ID: "a-login", Name: "login", Label: loc.T("people.account.login"), Type: "text", Value: open.Get("login"),
				Error: problems["login"], Max: 254, Hint: loc.T("people.account.login_hint")},
			{ID: "a-password", Name: "password", Label: loc.T("people.account.password"), Type: "password",
				Error: problems["password"], Max: 200, Hint: loc.T("people.account.password_hint")},
		}}
		v.SendEmail, v.SendSMS = c.Email != nil, c.Phone != nil
		v.SendVia = open.Get("send_via")
		if v.SendVia == "" {
			v.SendVia = account.SendNone
			if v.SendEmail {
				v.SendVia = account.SendEmail
			} else if v.SendSMS {
				v.SendVia = account.SendSMS
			}
		}
		if problems["send_via"] != "" {
			v.Open.Fields = append(v.Open.Fields, deskField{ID: "a-send_via", Name: "send_via", Error: problems["send_via"]})
		}
		return nil
	}
	a, err := s.Accounts.Account(ctx, *c.AccountID)
	if err != nil {
		return err
	}
	v.ID, v.Login, v.Locked, v.MustChange, v.Verified = a.ID, a.Login, a.Locked, a.MustChangePassword, a.VerifiedAt != nil
	v.ResetURL, v.LockURL = base+"/account/reset", base+"/account/lock"
	if a.Locked {
		v.LockURL = base + "/account/unlock"
	}
	for _, idn := range a.Identities {
		v.Identities = append(v.Identities, deskIdentity{ContactID: idn.ContactID, Name: idn.Name, Company: idn.Company,
			URL: contactURL(idn.ContactID), This: idn.ContactID == c.ID,
			UnlinkURL: base + "/identities/" + strconv.FormatInt(idn.ContactID, 10) + "/unlink"})
	}
	return nil
}

func (s *Server) deskContact(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.deskContactPage(w, r, http.StatusOK, id, nil, nil, nil, nil, "")
}

func (s *Server) deskContactUpdate(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	if _, err := s.Contacts.Contact(r.Context(), id); err != nil {
		return err
	}
	in, problems := contactInput(r)
	if problems == nil {
		_, err := s.Contacts.UpdateContact(r.Context(), id, in)
		if err == nil {
			return deskPeopleDone(w, r, contactURL(id), "saved")
		}
		var ok bool
		if problems, ok = deskPeopleProblems(s.deskLoc(r), err); !ok {
			return err
		}
	} else {
		problems = map[string]string{"company_id": s.deskLoc(r).T("people.error.company")}
	}
	return s.deskContactPage(w, r, http.StatusUnprocessableEntity, id, r.PostForm, problems, nil, nil, "")
}

// deskContactOpenAccount opens a portal account for the contact (SPEC I3),
// or links it to the account with that login, as the API does.
func (s *Server) deskContactOpenAccount(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	in := account.OpenInput{SendVia: r.PostFormValue("send_via")}
	if l := strings.TrimSpace(r.PostFormValue("login")); l != "" {
		in.Login = &l
	}
	if p := r.PostFormValue("password"); p != "" {
		in.Password = &p
	}
	out, err := s.Accounts.OpenAccount(r.Context(), actor(a), id, in)
	if err == nil {
		if out.InitialPassword != "" {
			// Shown once, on this answer, never in an address.
			loc := s.deskLoc(r)
			return s.deskContactPage(w, r, http.StatusOK, id, nil, nil, nil, nil,
				loc.T("people.notice.opened_password", map[string]any{"Login": out.Login, "Password": out.InitialPassword}))
		}
		if out.Linked {
			return deskPeopleDone(w, r, contactURL(id), "linked")
		}
		return deskPeopleDone(w, r, contactURL(id), "opened")
	}
	problems, ok := deskPeopleProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	status := http.StatusUnprocessableEntity
	if apperr.Is(err, apperr.Conflict) {
		status = http.StatusConflict
	}
	return s.deskContactPage(w, r, status, id, nil, nil, r.PostForm, problems, "")
}

// deskPostedAccount reads a form posted about the contact of the path's
// portal account, and returns the contact's and the account's ids; a
// contact without an account is not found.
func (s *Server) deskPostedAccount(w http.ResponseWriter, r *http.Request) (contactID, accountID int64, err error) {
	if contactID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	if err := pageReadForm(w, r); err != nil {
		return 0, 0, err
	}
	c, err := s.Contacts.Contact(r.Context(), contactID)
	if err != nil {
		return 0, 0, err
	}
	if c.AccountID == nil {
		return 0, 0, apperr.NotFoundf("account")
	}
	return contactID, *c.AccountID, nil
}

// deskContactResetCode sends the account holder a code to choose a new
// password, from the main portal, as the portal's "forgot password" does.
func (s *Server) deskContactResetCode(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, accountID, err := s.deskPostedAccount(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	acc, err := s.Accounts.Account(ctx, accountID)
	if err != nil {
		return err
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return apperr.NotFoundf("portal")
	}
	err = s.Accounts.RequestPasswordReset(ctx, &ps[0], acc.Login, "desk:"+strconv.FormatInt(a.ID, 10), s.accountWriter())
	if err == nil {
		return deskPeopleDone(w, r, contactURL(id), "reset")
	}
	problems, ok := deskPeopleProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.deskContactPage(w, r, statusOf[apperr.As(err).Kind], id, nil, nil, nil, map[string]string{"": settingsFirst(problems)}, "")
}

// deskContactLock locks or unlocks the contact's portal account (SPEC A3).
func (s *Server) deskContactLock(locked bool) func(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	return func(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
		id, accountID, err := s.deskPostedAccount(w, r)
		if err != nil {
			return err
		}
		if err := s.Accounts.SetLocked(r.Context(), actor(a), accountID, locked); err != nil {
			return err
		}
		done := "unlocked"
		if locked {
			done = "locked"
		}
		return deskPeopleDone(w, r, contactURL(id), done)
	}
}

// deskContactUnlink removes an identity from the contact's account (SPEC
// P5).
func (s *Server) deskContactUnlink(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	other, err := pathID(r, "contact")
	if err != nil {
		return err
	}
	id, accountID, err := s.deskPostedAccount(w, r)
	if err != nil {
		return err
	}
	if err := s.Accounts.UnlinkIdentity(r.Context(), actor(a), accountID, other); err != nil {
		return err
	}
	return deskPeopleDone(w, r, contactURL(id), "unlinked")
}

// deskCompaniesPage shows the companies' list.
func (s *Server) deskCompaniesPage(w http.ResponseWriter, r *http.Request, status int, in url.Values, problems map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	q, cursor := deskPeopleQuery(r)
	v := &deskPeopleListView{Companies: true, Action: "/desk/companies", Q: q,
		Other: pageNavLink{Label: loc.T("people.contacts.title"), URL: "/desk/contacts"}}
	page, err := s.Contacts.Companies(ctx, contact.CompanyFilter{Q: q, Limit: deskPeoplePage, Cursor: cursor})
	if deskBadCursor(err) {
		http.Redirect(w, r, deskPeopleListURL(v.Action, q, ""), http.StatusSeeOther)
		return nil
	}
	if apperr.Is(err, apperr.Invalid) {
		v.QError, page, err = loc.T("form.invalid"), contact.CompanyPage{}, nil
	}
	if err != nil {
		return err
	}
	for _, c := range page.Items {
		row := deskPeopleRow{ID: c.ID, URL: companyURL(c.ID), Name: c.Name}
		if c.Domain != nil {
			row.Site = *c.Domain
		}
		v.Rows = append(v.Rows, row)
	}
	v.Count = loc.N("people.companies.count", page.Total)
	v.Create = companyForm(loc, "/desk/companies", loc.T("people.companies.create"), in, problems)
	s.renderPeopleList(w, r, status, loc, v, loc.T("people.companies.title"), cursor, page.NextCursor)
	return nil
}

func (s *Server) deskCompanies(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.deskCompaniesPage(w, r, http.StatusOK, url.Values{}, nil)
}

func companyInput(r *http.Request) contact.CompanyInput {
	name, domain := r.PostFormValue("name"), r.PostFormValue("domain")
	return contact.CompanyInput{Name: &name, Domain: &domain}
}

func (s *Server) deskCompanyCreate(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	c, err := s.Contacts.CreateCompany(r.Context(), companyInput(r))
	if err == nil {
		return deskPeopleDone(w, r, companyURL(c.ID), "created")
	}
	problems, ok := deskPeopleProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.deskCompaniesPage(w, r, http.StatusUnprocessableEntity, r.PostForm, problems)
}

// deskCompanyPage shows company id with its contacts and tickets.
func (s *Server) deskCompanyPage(w http.ResponseWriter, r *http.Request, status int, id int64, edit url.Values, problems map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	c, err := s.Contacts.Company(ctx, id)
	if err != nil {
		return err
	}
	base := companyURL(id)
	v := &deskCompanyView{ID: c.ID, Name: c.Name}
	if edit == nil {
		edit = url.Values{"name": {c.Name}}
		if c.Domain != nil {
			edit.Set("domain", *c.Domain)
		}
	}
	v.Edit = companyForm(loc, base, loc.T("people.save"), edit, problems)
	contacts, err := s.Contacts.Contacts(ctx, contact.ContactFilter{CompanyID: id, Limit: deskPeoplePage})
	if err != nil {
		return err
	}
	companies := &deskCompanyNames{s: s, ctx: ctx, names: map[int64]string{id: c.Name}}
	for i := range contacts.Items {
		row, err := contactRow(&contacts.Items[i], companies)
		if err != nil {
			return err
		}
		v.Contacts = append(v.Contacts, row)
	}
	v.ContactCount = loc.N("people.contacts.count", contacts.Total)
	if contacts.NextCursor != "" {
		v.ContactsURL = "/desk/contacts?" + url.Values{"q": {c.Name}}.Encode()
	}
	var total int
	if v.Tickets, total, err = s.deskPeopleTickets(ctx, loc, ticket.Filter{CompanyID: id}); err != nil {
		return err
	}
	v.TicketCount = loc.N("people.tickets.count", total)
	d := &deskData{Title: c.Name, Nav: deskNavContacts, Page: v, Canonical: base}
	if status == http.StatusOK {
		d.Notice = deskPeopleNotice(r, loc)
	} else {
		d.Error = loc.T("people.error.fix")
	}
	s.renderDesk(w, r, status, "desk_people_company", d)
	return nil
}

func (s *Server) deskCompany(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.deskCompanyPage(w, r, http.StatusOK, id, nil, nil)
}

func (s *Server) deskCompanyUpdate(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	if _, err := s.Contacts.Company(r.Context(), id); err != nil {
		return err
	}
	_, err = s.Contacts.UpdateCompany(r.Context(), id, companyInput(r))
	if err == nil {
		return deskPeopleDone(w, r, companyURL(id), "saved")
	}
	problems, ok := deskPeopleProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.deskCompanyPage(w, r, http.StatusUnprocessableEntity, id, r.PostForm, problems)
}
