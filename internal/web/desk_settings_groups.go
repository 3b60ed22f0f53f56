package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	supportform "portico/internal/form"
	"portico/internal/portal"
	"portico/internal/property"
)

// settingsGroupsView lists access groups (SPEC A4).
type settingsGroupsView struct {
	Nav     []settingsLink
	Groups  []settingsGroupRow
	Name    string
	Problem string
}

type settingsGroupRow struct {
	ID      int64
	Name    string
	Members int
	URL     string
	Portals []settingsPortalCard
}

func groupPortalCards(ps []portal.Settings, id int64) []settingsPortalCard {
	var out []settingsPortalCard
	for _, p := range portal.GroupPortals(ps, id) {
		out = append(out, settingsPortalCard{Name: p.Name, Slug: p.Slug, Enabled: p.GroupsOnly(), Settings: "/desk/settings/portals/" + p.Slug + "/access"})
	}
	return out
}

func (s *Server) settingsGroupsPage(w http.ResponseWriter, r *http.Request, status int, name, problem string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/access-groups")
	if err != nil {
		return err
	}
	groups, err := s.Contacts.AccessGroups(ctx)
	if err != nil {
		return err
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	v := settingsGroupsView{Nav: nav, Name: name, Problem: problem}
	for _, g := range groups {
		v.Groups = append(v.Groups, settingsGroupRow{ID: g.ID, Name: g.Name, Members: len(g.ContactIDs),
			URL: "/desk/settings/access-groups/" + strconv.FormatInt(g.ID, 10), Portals: groupPortalCards(ps, g.ID)})
	}
	d := &deskData{Title: loc.T("settings.groups.title"), Nav: deskNavSettings, Page: v, Canonical: "/desk/settings/access-groups"}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else {
		d.Error = problem
	}
	s.renderDesk(w, r, status, "desk_settings_groups", d)
	return nil
}

func (s *Server) settingsGroups(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.settingsGroupsPage(w, r, http.StatusOK, "", "")
}

func (s *Server) settingsGroupCreate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	g, err := s.Accounts.CreateGroup(r.Context(), actor(a), s.Contacts, r.PostFormValue("name"))
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/access-groups/"+strconv.FormatInt(g.ID, 10))
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.settingsGroupsPage(w, r, settingsStatus(err), r.PostFormValue("name"), settingsFirst(problems))
}

// settingsGroupView is one access group: its name, members and portals.
type settingsGroupView struct {
	Nav      []settingsLink
	ID       int64
	Name     string
	Action   string
	Members  []settingsMember
	More     int
	Portals  []settingsPortalCard
	Query    string
	Found    []settingsMember
	Searched bool
	Problem  string
}

type settingsMember struct {
	ID                   int64
	Name, Email, Company string
	Member               bool
}

// settingsMaxMembers is how many members a group's page lists.
const settingsMaxMembers = 200

func memberOf(c *contact.Contact) settingsMember {
	m := settingsMember{ID: c.ID, Name: strings.TrimSpace(c.FirstName + " " + c.LastName)}
	if c.Email != nil {
		m.Email = *c.Email
	} else if c.Phone != nil {
		m.Email = *c.Phone
	}
	return m
}

func (s *Server) settingsGroupPage(w http.ResponseWriter, r *http.Request, status int, id int64, name, problem string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	g, err := s.Contacts.AccessGroup(ctx, id)
	if err != nil {
		return err
	}
	nav, err := s.settingsNav(r, loc, "/desk/settings/access-groups")
	if err != nil {
		return err
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	base := "/desk/settings/access-groups/" + strconv.FormatInt(id, 10)
	v := settingsGroupView{Nav: nav, ID: g.ID, Name: g.Name, Action: base, Portals: groupPortalCards(ps, g.ID), Problem: problem}
	if name != "" {
		v.Name = name
	}
	for i, cid := range g.ContactIDs {
		if i == settingsMaxMembers {
			v.More = len(g.ContactIDs) - i
			break
		}
		c, err := s.Contacts.Contact(ctx, cid)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v.Members = append(v.Members, memberOf(c))
	}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && len(q) <= 200 {
		v.Query, v.Searched = q, true
		page, err := s.Contacts.Contacts(ctx, contact.ContactFilter{Q: q, Limit: 20})
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			return err
		}
		for i := range page.Items {
			m := memberOf(&page.Items[i])
			m.Member = slices.Contains(g.ContactIDs, m.ID)
			v.Found = append(v.Found, m)
		}
	}
	d := &deskData{Title: loc.T("settings.group.title", map[string]any{"Name": g.Name}), Nav: deskNavSettings, Page: v, Canonical: base}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else {
		d.Error = problem
	}
	s.renderDesk(w, r, status, "desk_settings_group", d)
	return nil
}

func (s *Server) settingsGroup(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.settingsGroupPage(w, r, http.StatusOK, id, "", "")
}

func (s *Server) settingsGroupDone(w http.ResponseWriter, r *http.Request, id int64, name string, err error) error {
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/access-groups/"+strconv.FormatInt(id, 10))
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.settingsGroupPage(w, r, settingsStatus(err), id, name, settingsFirst(problems))
}

func (s *Server) settingsGroupRename(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	if _, err := s.Contacts.AccessGroup(r.Context(), id); err != nil {
		return err
	}
	name := r.PostFormValue("name")
	_, err = s.Accounts.RenameGroup(r.Context(), actor(a), s.Portals, id, name)
	return s.settingsGroupDone(w, r, id, name, err)
}

// settingsGroupAdd adds a contact; like the API, it invites those without
// an account when a portal that is on admits the group (SPEC I2).
func (s *Server) settingsGroupAdd(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	cid, ok := settingsFormID(r, "contact_id")
	if !ok {
		return s.settingsGroupDone(w, r, id, "", apperr.InvalidField("contact_ids", "must list at least one contact"))
	}
	_, err = s.Accounts.AddGroupMembers(r.Context(), actor(a), s.Contacts, id, []int64{cid})
	return s.settingsGroupDone(w, r, id, "", err)
}

func (s *Server) settingsGroupRemove(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "contact")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	return s.settingsGroupDone(w, r, id, "", s.Accounts.RemoveGroupMember(r.Context(), actor(a), s.Contacts, id, cid))
}

// settingsFormsView lists support forms (SPEC A7).
type settingsFormsView struct {
	Nav       []settingsLink
	Forms     []settingsFormRow
	Inboxes   []settingsOption
	Pipelines []settingsOption
	Name      string
	Errors    map[string]string
}

type settingsFormRow struct {
	ID       int64
	Name     string
	URL      string
	Fields   int
	Inbox    string
	Pipeline string
	Portals  []settingsPortalCard
}

func (s *Server) settingsFormsPage(w http.ResponseWriter, r *http.Request, status int, name string, inbox, pipe int64, errs map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/forms")
	if err != nil {
		return err
	}
	forms, err := s.Forms.Forms(ctx)
	if err != nil {
		return err
	}
	inboxes, err := s.Pipelines.Inboxes(ctx)
	if err != nil {
		return err
	}
	pls, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	v := settingsFormsView{Nav: nav, Inboxes: settingsInboxOptions(inboxes, inbox), Pipelines: settingsPipelineOptions(pls, pipe), Name: name, Errors: errs}
	for _, f := range forms {
		row := settingsFormRow{ID: f.ID, Name: f.Name, URL: "/desk/settings/forms/" + strconv.FormatInt(f.ID, 10), Fields: len(f.Fields),
			Portals: settingsPortalsUsingForm(ps, f.ID)}
		for _, ib := range inboxes {
			if ib.ID == f.InboxID {
				row.Inbox = ib.Name
			}
		}
		for _, p := range pls {
			if p.ID == f.PipelineID {
				row.Pipeline = p.Name
			}
		}
		v.Forms = append(v.Forms, row)
	}
	d := &deskData{Title: loc.T("settings.forms.title"), Nav: deskNavSettings, Page: v, Canonical: "/desk/settings/forms"}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else {
		d.Error = settingsFirst(errs)
	}
	s.renderDesk(w, r, status, "desk_settings_forms", d)
	return nil
}

func (s *Server) settingsForms(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.settingsFormsPage(w, r, http.StatusOK, "", 0, 0, nil)
}

func (s *Server) settingsFormCreate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	name := r.PostFormValue("name")
	in := supportform.Input{Name: &name}
	inbox, okInbox := settingsFormID(r, "inbox_id")
	pipe, okPipe := settingsFormID(r, "pipeline_id")
	if okInbox {
		in.InboxID = &inbox
	}
	if okPipe {
		in.PipelineID = &pipe
	}
	f, err := s.Forms.Create(r.Context(), actor(a), in)
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/forms/"+strconv.FormatInt(f.ID, 10))
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	return s.settingsFormsPage(w, r, settingsStatus(err), name, inbox, pipe, problems)
}

// settingsFormView is one support form: its target and its fields.
type settingsFormView struct {
	Nav       []settingsLink
	ID        int64
	Action    string
	Name      string
	Inboxes   []settingsOption
	Pipelines []settingsOption
	Fields    []settingsFormField
	Add       []settingsOption
	Portals   []settingsPortalCard
	Errors    map[string]string
}

type settingsFormField struct {
	Index       int
	Property    string
	Label       string
	Type        string
	Required    bool
	Labels      []settingsLangText
	First, Last bool
}

func (s *Server) settingsFormPage(w http.ResponseWriter, r *http.Request, status int, f *supportform.Form, errs map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/forms")
	if err != nil {
		return err
	}
	inboxes, err := s.Pipelines.Inboxes(ctx)
	if err != nil {
		return err
	}
	pls, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return err
	}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	base := "/desk/settings/forms/" + strconv.FormatInt(f.ID, 10)
	v := settingsFormView{Nav: nav, ID: f.ID, Action: base, Name: f.Name, Inboxes: settingsInboxOptions(inboxes, f.InboxID),
		Pipelines: settingsPipelineOptions(pls, f.PipelineID), Portals: settingsPortalsUsingForm(ps, f.ID), Errors: errs}
	for i, fl := range f.Fields {
		ff := settingsFormField{Index: i, Property: fl.Property, Label: pagePropertyLabel(loc, defs, fl.Property), Required: fl.Required,
			Labels: settingsLangTexts(fl.Label), First: i == 0, Last: i == len(f.Fields)-1}
		if d, ok := property.Find(defs, fl.Property); ok {
			ff.Type = loc.T("settings.type." + d.Type)
		}
		v.Fields = append(v.Fields, ff)
	}
	for _, d := range defs {
		if (!d.Builtin || d.Name == supportform.Priority) && !slices.ContainsFunc(f.Fields, func(fl supportform.Field) bool { return fl.Property == d.Name }) {
			v.Add = append(v.Add, settingsOption{Value: d.Name, Label: pagePropertyLabel(loc, defs, d.Name)})
		}
	}
	d := &deskData{Title: loc.T("settings.form.title", map[string]any{"Name": f.Name}), Nav: deskNavSettings, Page: v, Canonical: base}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else if msg := errs[""]; msg != "" {
		d.Error = msg
	} else {
		d.Error = loc.N("form.errors", len(errs))
	}
	s.renderDesk(w, r, status, "desk_settings_form", d)
	return nil
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Forms.Form(r.Context(), id)
	if err != nil {
		return err
	}
	return s.settingsFormPage(w, r, http.StatusOK, f, nil)
}

// settingsFormFields reads the fields of the form editor, in order, and
// applies the button pressed: "up:N", "down:N", "remove:N" or "add".
func settingsFormFields(r *http.Request) []supportform.Field {
	fields := []supportform.Field{}
	for i := range supportform.MaxFields + 1 {
		prefix := "field." + strconv.Itoa(i) + "."
		name := strings.TrimSpace(r.PostFormValue(prefix + "property"))
		if name == "" {
			continue
		}
		fields = append(fields, supportform.Field{Property: name, Required: r.PostFormValue(prefix+"required") != "",
			Label: settingsLangValues(r, prefix+"label.")})
	}
	verb, arg, _ := strings.Cut(r.PostFormValue("op"), ":")
	i, err := strconv.Atoi(arg)
	valid := err == nil && i >= 0 && i < len(fields)
	switch {
	case verb == "up" && valid && i > 0:
		fields[i-1], fields[i] = fields[i], fields[i-1]
	case verb == "down" && valid && i < len(fields)-1:
		fields[i+1], fields[i] = fields[i], fields[i+1]
	case verb == "remove" && valid:
		fields = slices.Delete(fields, i, i+1)
	case verb == "add":
		if name := strings.TrimSpace(r.PostFormValue("add_field")); name != "" {
			fields = append(fields, supportform.Field{Property: name, Label: map[string]string{}})
		}
	}
	return fields
}

func (s *Server) settingsFormPost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Forms.Form(r.Context(), id)
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	name := r.PostFormValue("name")
	fields := settingsFormFields(r)
	in := supportform.Input{Name: &name, Fields: &fields}
	if inbox, ok := settingsFormID(r, "inbox_id"); ok {
		in.InboxID = &inbox
	}
	if pipe, ok := settingsFormID(r, "pipeline_id"); ok {
		in.PipelineID = &pipe
	}
	saved, err := s.Forms.Update(r.Context(), actor(a), id, in)
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/forms/"+strconv.FormatInt(saved.ID, 10))
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	shown := *f
	shown.Name, shown.Fields = name, fields
	if in.InboxID != nil {
		shown.InboxID = *in.InboxID
	}
	if in.PipelineID != nil {
		shown.PipelineID = *in.PipelineID
	}
	return s.settingsFormPage(w, r, settingsStatus(err), &shown, problems)
}

func (s *Server) settingsFormDelete(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	if err := s.Forms.Delete(r.Context(), actor(a), id); err != nil {
		return err
	}
	return settingsRedirect(w, r, "/desk/settings/forms")
}
