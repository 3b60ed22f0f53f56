package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/web/i18n"
)

// settingsSections are the parts of a portal's settings, each one form,
// with the settings keys each one changes.
var settingsSections = []struct {
	name string
	keys []string
}{
	{"general", []string{"name", "slug", "domain", "enabled", "languages", "default_language", "default_inbox_id", "idle_timeout_minutes"}},
	{"access", []string{"access_mode", "access_group_ids", "ticket_permission", "consent_text", "consent_checkbox_label"}},
	{"tickets", []string{"ticket_label", "owner_display", "show_custom_stages", "allow_reply_to_closed", "allow_customer_close", "close_stage_by_pipeline", "visibility_filters"}},
	{"columns", []string{"columns"}},
	{"form", []string{"support_form_id", "form_menu_text", "form_title"}},
	{"theme", []string{"theme"}},
	{"navigation", []string{"nav_menu"}},
	{"pages", []string{"system_pages"}},
}

func settingsSectionKeys(name string) ([]string, bool) {
	for _, sec := range settingsSections {
		if sec.name == name {
			return sec.keys, true
		}
	}
	return nil, false
}

// filterFields are the ticket fields a visibility filter may use besides
// the properties.
var settingsFilterFields = []string{"pipeline_id", "stage_id", "inbox_id", "source"}

// Most rows of visibility filters and menu links a form offers.
const (
	settingsMaxFilters = 20
	settingsMaxNav     = 10
)

// settingsPortalView is one section of a portal's settings.
type settingsPortalView struct {
	Nav       []settingsLink
	Tabs      []settingsLink
	Section   string
	Action    string
	ViewURL   string
	Name      string // the stored name, for the heading
	P         *portal.Settings
	Domain    string
	Errors    map[string]string
	Raw       map[string]string
	Langs     []settingsLang
	Multipart bool

	Inboxes     []settingsOption
	Languages   []settingsCheck
	DefaultLang []settingsOption

	AccessModes []settingsOption
	Groups      []settingsCheck
	Permissions []settingsOption

	TicketLabel   []settingsLangText
	OwnerDisplays []settingsOption
	Closing       []settingsClosing
	Filters       []settingsFilterRow
	FilterFields  []settingsOption
	Ops           []settingsOption
	IDHints       []string

	Columns    []settingsColumn
	AddColumns []settingsOption
	MaxColumns int

	Forms     []settingsOption
	MenuText  []settingsLangText
	FormTitle []settingsLangText

	NavRows []portal.NavItem

	Pages     []settingsSystemPage
	PagesHint string
}

type settingsCheck struct {
	Value, Label string
	Checked      bool
	Note         string
}

type settingsLangText struct {
	Code, Name, Text string
}

type settingsClosing struct {
	PipelineID int64
	Name       string
	Options    []settingsOption
}

type settingsFilterRow struct {
	Property, Op, Values string
}

type settingsColumn struct {
	Name, Label string
	First, Last bool
}

type settingsSystemPage struct {
	Key, Title string
	Texts      []settingsLangText
	Open       bool // a text is set: the page's inputs start unfolded
}

func (s *Server) settingsPortalRedirect(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	if _, err := s.Portals.Portal(r.Context(), r.PathValue("slug")); err != nil {
		return err
	}
	http.Redirect(w, r, "/desk/settings/portals/"+r.PathValue("slug")+"/general", http.StatusSeeOther)
	return nil
}

func (s *Server) settingsPortal(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	section := r.PathValue("section")
	if _, ok := settingsSectionKeys(section); !ok {
		return apperr.NotFoundf("page")
	}
	p, err := s.Portals.Portal(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	loc := s.deskLoc(r)
	v, err := s.settingsPortalView(r, loc, p, p, section)
	if err != nil {
		return err
	}
	s.renderDesk(w, r, http.StatusOK, "desk_settings_portal", &deskData{Title: loc.T("settings.portal.title", map[string]any{"Name": p.Name}),
		Nav: deskNavSettings, Notice: settingsSaved(r, loc), Page: v})
	return nil
}

func (s *Server) settingsPortalPost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	ctx := r.Context()
	section := r.PathValue("section")
	keys, ok := settingsSectionKeys(section)
	if !ok {
		return apperr.NotFoundf("page")
	}
	cur, err := s.Portals.Portal(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if section == "theme" {
		err = settingsReadMultipart(w, r)
	} else {
		err = pageReadForm(w, r)
	}
	if err != nil {
		return err
	}
	loc := s.deskLoc(r)
	next := *cur
	errs, raw, err := s.settingsReadPortal(r, loc, section, &next)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		var patch []byte
		if patch, err = settingsPatch(&next, keys); err != nil {
			return err
		}
		var saved *portal.Settings
		saved, err = s.Accounts.UpdatePortal(ctx, actor(a), s.Portals, cur.Slug, patch)
		if err == nil {
			return settingsRedirect(w, r, "/desk/settings/portals/"+saved.Slug+"/"+section)
		}
		var ok bool
		if errs, ok = settingsProblems(loc, err); !ok {
			return err
		}
	}
	v, err := s.settingsPortalView(r, loc, cur, &next, section)
	if err != nil {
		return err
	}
	v.Errors, v.Raw = errs, raw
	d := &deskData{Title: loc.T("settings.portal.title", map[string]any{"Name": cur.Name}), Nav: deskNavSettings, Page: v,
		Canonical: "/desk/settings/portals/" + cur.Slug + "/" + section}
	d.Error = errs[""]
	if d.Error == "" {
		d.Error = loc.N("form.errors", len(errs))
	}
	s.renderDesk(w, r, http.StatusUnprocessableEntity, "desk_settings_portal", d)
	return nil
}

// settingsPatch is the settings of p under keys as a PATCH body.
func settingsPatch(p *portal.Settings, keys []string) ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	patch := map[string]json.RawMessage{}
	for _, k := range keys {
		patch[k] = all[k]
	}
	return json.Marshal(patch)
}

// settingsReadMultipart reads a form that may carry files (the theme's
// logo and favicon), refusing NUL characters as pageReadForm does.
func settingsReadMultipart(w http.ResponseWriter, r *http.Request) error {
	if !isMultipart(r) {
		return pageReadForm(w, r)
	}
	r.Body = http.MaxBytesReader(w, r.Body, settingsMaxLogo+settingsMaxFavicon+maxJSONBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return apperr.E(apperr.TooLarge, "too_large", "the form is too large")
		}
		return apperr.E(apperr.Malformed, "malformed_form", "the form could not be read")
	}
	for name, vals := range r.PostForm {
		for _, v := range vals {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(name, 0) {
				return apperr.InvalidField(strings.ReplaceAll(name, "\x00", ""), "contains invalid characters")
			}
		}
	}
	return nil
}

// settingsText reads a text area: browsers send CRLF line ends.
func settingsText(r *http.Request, name string) string {
	return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n")
}

// settingsReadPortal copies the posted section into next. Problems that
// keep the form from being read (a number that is not one, an upload
// refused) come back by settings key, with what was typed in raw.
func (s *Server) settingsReadPortal(r *http.Request, loc *i18n.Localizer, section string, next *portal.Settings) (errs, raw map[string]string, err error) {
	errs, raw = map[string]string{}, map[string]string{}
	f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	on := func(name string) bool { return r.PostFormValue(name) != "" }
	switch section {
	case "general":
		next.Name, next.Slug = f("name"), f("slug")
		if d := f("domain"); d == "" {
			next.Domain = nil
		} else {
			next.Domain = &d
		}
		next.Enabled = on("enabled")
		next.Languages = slices.Clone(r.PostForm["languages"])
		if next.Languages == nil {
			next.Languages = []string{}
		}
		next.DefaultLanguage = f("default_language")
		if id, ok := settingsFormID(r, "default_inbox_id"); ok {
			next.DefaultInboxID = id
		} else {
			errs["default_inbox_id"] = loc.T("form.required")
		}
		if n, err := strconv.Atoi(f("idle_timeout_minutes")); err == nil {
			next.IdleTimeoutMinutes = n
		} else {
			errs["idle_timeout_minutes"], raw["idle_timeout_minutes"] = loc.T("settings.error.timeout"), f("idle_timeout_minutes")
		}
	case "access":
		next.AccessMode, next.TicketPermission = f("access_mode"), f("ticket_permission")
		next.AccessGroupIDs = []int64{}
		for _, v := range r.PostForm["access_group_ids"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				next.AccessGroupIDs = append(next.AccessGroupIDs, id)
			}
		}
		next.ConsentText, next.ConsentCheckboxLabel = strings.TrimSpace(settingsText(r, "consent_text")), f("consent_checkbox_label")
	case "tickets":
		next.TicketLabel = settingsLangValues(r, "ticket_label.")
		next.OwnerDisplay = f("owner_display")
		next.ShowCustomStages, next.AllowReplyToClosed, next.AllowCustomerClose = on("show_custom_stages"), on("allow_reply_to_closed"), on("allow_customer_close")
		ps, err := s.Pipelines.Pipelines(r.Context())
		if err != nil {
			return nil, nil, err
		}
		next.CloseStageByPipeline = map[string]int64{}
		for _, p := range ps {
			key := strconv.FormatInt(p.ID, 10)
			if id, ok := settingsFormID(r, "close_stage."+key); ok {
				next.CloseStageByPipeline[key] = id
			}
		}
		next.VisibilityFilters = []portal.Filter{}
		for i := range settingsMaxFilters + 1 {
			prefix := "filter." + strconv.Itoa(i) + "."
			prop := f(prefix + "property")
			if prop == "" {
				continue
			}
			next.VisibilityFilters = append(next.VisibilityFilters, portal.Filter{Property: prop, Op: f(prefix + "op"), Values: settingsFilterValues(f(prefix + "values"))})
		}
	case "columns":
		next.Columns = settingsColumnsOp(slices.Clone(r.PostForm["columns"]), f("op"), f("add_column"))
	case "form":
		next.SupportFormID = nil
		if id, ok := settingsFormID(r, "support_form_id"); ok {
			next.SupportFormID = &id
		}
		next.FormMenuText, next.FormTitle = settingsLangValues(r, "form_menu_text."), settingsLangValues(r, "form_title.")
	case "theme":
		t := next.Theme
		t.AccentColor, t.BackgroundColor, t.TextColor = strings.ToLower(f("accent_color")), strings.ToLower(f("background_color")), strings.ToLower(f("text_color"))
		t.CustomCSS, t.KnowledgeBaseURL = settingsText(r, "custom_css"), f("knowledge_base_url")
		t.LogoURL, t.FaviconURL = f("logo_url"), f("favicon_url")
		if on("remove_logo") {
			t.LogoURL = ""
		}
		if on("remove_favicon") {
			t.FaviconURL = ""
		}
		for _, up := range []struct {
			field, key string
			max        int64
			dst        *string
		}{{"logo_file", "theme.logo_url", settingsMaxLogo, &t.LogoURL}, {"favicon_file", "theme.favicon_url", settingsMaxFavicon, &t.FaviconURL}} {
			u, problem, err := s.settingsUpload(r, loc, up.field, up.max)
			if err != nil {
				return nil, nil, err
			}
			if problem != "" {
				errs[up.key] = problem
			} else if u != "" {
				*up.dst = u
			}
		}
		next.Theme = t
	case "navigation":
		next.NavMenu = []portal.NavItem{}
		for i := range settingsMaxNav + 3 {
			prefix := "nav." + strconv.Itoa(i) + "."
			label, u := f(prefix+"label"), f(prefix+"url")
			if label != "" || u != "" {
				next.NavMenu = append(next.NavMenu, portal.NavItem{Label: label, URL: u})
			}
		}
	case "pages":
		next.SystemPages = map[string]portal.PageText{}
		for _, page := range portal.SystemPages {
			texts := portal.PageText{}
			for _, lang := range i18n.Languages {
				if text := settingsText(r, "system_pages."+page+"."+lang); strings.TrimSpace(text) != "" {
					texts[lang] = text
				}
			}
			if len(texts) > 0 {
				next.SystemPages[page] = texts
			}
		}
	}
	return errs, raw, nil
}

// settingsFilterValues reads the values of a visibility filter, written
// one after another with commas: numbers (pipeline and stage ids) as
// numbers, true and false as yes and no, anything else as text.
func settingsFilterValues(s string) []any {
	out := []any{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == "true" || part == "false":
			out = append(out, part == "true")
		default:
			if n, err := strconv.ParseFloat(part, 64); err == nil && !strings.ContainsAny(part, "eEnN") {
				out = append(out, n)
			} else {
				out = append(out, part)
			}
		}
	}
	return out
}

// settingsFilterText is a filter's values as the form shows them.
func settingsFilterText(values []any) string {
	parts := make([]string, 0, len(values))
	for _, v := range values {
		switch x := v.(type) {
		case float64:
			parts = append(parts, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			parts = append(parts, fmt.Sprint(x))
		}
	}
	return strings.Join(parts, ", ")
}

// settingsColumnsOp applies one of the column list's buttons: "up:N",
// "down:N" and "remove:N" act on the Nth column, "add" appends the chosen
// one and "reset" brings back the recommended columns.
func settingsColumnsOp(cols []string, op, add string) []string {
	if cols == nil {
		cols = []string{}
	}
	verb, arg, _ := strings.Cut(op, ":")
	i, err := strconv.Atoi(arg)
	valid := err == nil && i >= 0 && i < len(cols)
	switch {
	case verb == "up" && valid && i > 0:
		cols[i-1], cols[i] = cols[i], cols[i-1]
	case verb == "down" && valid && i < len(cols)-1:
		cols[i+1], cols[i] = cols[i], cols[i+1]
	case verb == "remove" && valid:
		cols = slices.Delete(cols, i, i+1)
	case verb == "add" && add != "":
		cols = append(cols, add)
	case verb == "reset":
		cols = slices.Clone(portal.RecommendedColumns)
	}
	return cols
}

// settingsPortalView builds a section's page: stored is the portal as
// saved (its address and name), shown the values to fill in.
func (s *Server) settingsPortalView(r *http.Request, loc *i18n.Localizer, stored, shown *portal.Settings, section string) (*settingsPortalView, error) {
	ctx := r.Context()
	base := "/desk/settings/portals/" + stored.Slug + "/"
	nav, err := s.settingsNav(r, loc, base+section)
	if err != nil {
		return nil, err
	}
	v := &settingsPortalView{Nav: nav, Section: section, Action: base + section, ViewURL: "/" + stored.Slug + "/", Name: stored.Name,
		P: shown, Errors: map[string]string{}, Raw: map[string]string{}, Langs: settingsLangs(), MaxColumns: portalMaxColumns}
	for _, sec := range settingsSections {
		v.Tabs = append(v.Tabs, settingsLink{Label: loc.T("settings.section." + sec.name), URL: base + sec.name, Current: sec.name == section})
	}
	langText := func(m map[string]string) []settingsLangText {
		out := []settingsLangText{}
		for _, l := range v.Langs {
			out = append(out, settingsLangText{Code: l.Code, Name: l.Name, Text: m[l.Code]})
		}
		return out
	}
	opts := func(values []string, prefix string, chosen string) []settingsOption {
		out := []settingsOption{}
		for _, val := range values {
			out = append(out, settingsOption{Value: val, Label: loc.T(prefix + val), Selected: val == chosen})
		}
		return out
	}
	switch section {
	case "general":
		inboxes, err := s.Pipelines.Inboxes(ctx)
		if err != nil {
			return nil, err
		}
		v.Inboxes = settingsInboxOptions(inboxes, shown.DefaultInboxID)
		if shown.Domain != nil {
			v.Domain = *shown.Domain
		}
		for _, l := range v.Langs {
			v.Languages = append(v.Languages, settingsCheck{Value: l.Code, Label: l.Name, Checked: slices.Contains(shown.Languages, l.Code)})
			v.DefaultLang = append(v.DefaultLang, settingsOption{Value: l.Code, Label: l.Name, Selected: l.Code == shown.DefaultLanguage})
		}
	case "access":
		v.AccessModes = opts([]string{portal.AccessSelfRegistration, portal.AccessGroups, portal.AccessSSOAll, portal.AccessSSOGroups}, "settings.access_mode.", shown.AccessMode)
		v.Permissions = opts([]string{portal.PermissionOwn, portal.PermissionCompany}, "settings.permission.", shown.TicketPermission)
		groups, err := s.Contacts.AccessGroups(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			v.Groups = append(v.Groups, settingsCheck{Value: strconv.FormatInt(g.ID, 10), Label: g.Name,
				Checked: slices.Contains(shown.AccessGroupIDs, g.ID), Note: loc.N("settings.group.members", len(g.ContactIDs))})
		}
	case "tickets":
		v.TicketLabel = langText(shown.TicketLabel)
		v.OwnerDisplays = opts([]string{portal.OwnerFirstName, portal.OwnerFullName, portal.OwnerLastName, portal.OwnerAlias}, "settings.owner.", shown.OwnerDisplay)
		if err := s.settingsTicketsView(r, loc, v, shown); err != nil {
			return nil, err
		}
	case "columns":
		defs, err := s.Properties.Definitions(ctx)
		if err != nil {
			return nil, err
		}
		for i, c := range shown.Columns {
			v.Columns = append(v.Columns, settingsColumn{Name: c, Label: pagePropertyLabel(loc, defs, c), First: i == 0, Last: i == len(shown.Columns)-1})
		}
		for _, d := range defs {
			if d.PortalVisible && !slices.Contains(shown.Columns, d.Name) {
				v.AddColumns = append(v.AddColumns, settingsOption{Value: d.Name, Label: pagePropertyLabel(loc, defs, d.Name)})
			}
		}
	case "form":
		forms, err := s.Forms.Forms(ctx)
		if err != nil {
			return nil, err
		}
		for _, fm := range forms {
			v.Forms = append(v.Forms, settingsOption{Value: strconv.FormatInt(fm.ID, 10), Label: fm.Name,
				Selected: shown.SupportFormID != nil && *shown.SupportFormID == fm.ID})
		}
		v.MenuText, v.FormTitle = langText(shown.FormMenuText), langText(shown.FormTitle)
	case "theme":
		v.Multipart = true
	case "navigation":
		v.NavRows = slices.Clone(shown.NavMenu)
		for len(v.NavRows) < settingsMaxNav && len(v.NavRows) < len(shown.NavMenu)+3 {
			v.NavRows = append(v.NavRows, portal.NavItem{})
		}
	case "pages":
		v.PagesHint = loc.T("settings.pages.hint", map[string]any{"PortalTag": "{{portal}}", "TicketsTag": "{{tickets}}"})
		for _, page := range portal.SystemPages {
			v.Pages = append(v.Pages, settingsSystemPage{Key: page, Title: loc.T("settings.page." + page), Texts: langText(shown.SystemPages[page]),
				Open: len(shown.SystemPages[page]) > 0})
		}
	}
	return v, nil
}

// settingsTicketsView fills in the closing stages and visibility filters.
func (s *Server) settingsTicketsView(r *http.Request, loc *i18n.Localizer, v *settingsPortalView, shown *portal.Settings) error {
	ctx := r.Context()
	ps, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		c := settingsClosing{PipelineID: p.ID, Name: p.Name}
		chosen := shown.CloseStageByPipeline[strconv.FormatInt(p.ID, 10)]
		c.Options = append(c.Options, settingsOption{Value: "", Label: loc.T("settings.close_stage.first"), Selected: chosen == 0})
		for _, st := range p.Stages {
			if st.State == pipeline.Closed {
				c.Options = append(c.Options, settingsOption{Value: strconv.FormatInt(st.ID, 10), Label: st.Name, Selected: st.ID == chosen})
			}
		}
		v.Closing = append(v.Closing, c)
		hint := fmt.Sprintf("%s: pipeline_id %d;", p.Name, p.ID)
		for _, st := range p.Stages {
			hint += fmt.Sprintf(" %s = %d", st.Name, st.ID)
		}
		v.IDHints = append(v.IDHints, hint)
	}
	inboxes, err := s.Pipelines.Inboxes(ctx)
	if err != nil {
		return err
	}
	for _, ib := range inboxes {
		v.IDHints = append(v.IDHints, fmt.Sprintf("%s: inbox_id %d", ib.Name, ib.ID))
	}
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return err
	}
	for _, name := range settingsFilterFields {
		v.FilterFields = append(v.FilterFields, settingsOption{Value: name, Label: loc.T("settings.filter." + name)})
	}
	for _, d := range defs {
		if !slices.Contains(settingsFilterFields, d.Name) && d.Type != property.Date {
			v.FilterFields = append(v.FilterFields, settingsOption{Value: d.Name, Label: pagePropertyLabel(loc, defs, d.Name)})
		}
	}
	v.Ops = []settingsOption{{Value: portal.OpIn, Label: loc.T("settings.filter.op.in")}, {Value: portal.OpNotIn, Label: loc.T("settings.filter.op.not_in")}}
	for _, f := range shown.VisibilityFilters {
		v.Filters = append(v.Filters, settingsFilterRow{Property: f.Property, Op: f.Op, Values: settingsFilterText(f.Values)})
	}
	if len(v.Filters) < settingsMaxFilters {
		v.Filters = append(v.Filters, settingsFilterRow{Op: portal.OpIn})
	}
	return nil
}
