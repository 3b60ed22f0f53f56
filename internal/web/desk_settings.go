package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	supportform "portico/internal/form"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/web/i18n"
)

// The settings area of the desk (SPEC A4–A8): admins shape portals,
// pipelines, properties, access groups and support forms from plain HTML
// forms. Every change goes through the same service call as the JSON API,
// so the rules, the audit log (SPEC A11) and the settings cache behave
// alike.

func init() {
	deskPageNames = append(deskPageNames, "desk_settings_index", "desk_settings_portal", "desk_settings_pipelines",
		"desk_settings_properties", "desk_settings_property", "desk_settings_groups", "desk_settings_group",
		"desk_settings_forms", "desk_settings_form")
}

// settingsRoutes registers the settings API routes that routes.go does not
// and the settings pages.
func (s *Server) settingsRoutes() {
	s.api(op{method: "PATCH", path: "/pipelines/{id}", tag: "pipelines", summary: "Rename a pipeline", admin: true, body: pipeline.PipelineUpdate{}, resp: pipeline.Pipeline{}}, s.updatePipeline)
	s.api(op{method: "DELETE", path: "/pipelines/{id}", tag: "pipelines", summary: "Delete a pipeline that no ticket or form uses (not the last one)", admin: true, status: 204}, s.deletePipeline)
	s.api(op{method: "PATCH", path: "/pipelines/{id}/stages/{stage_id}", tag: "pipelines", summary: "Rename a stage, change its state or waiting-for-acceptance mark, or move it", admin: true, body: pipeline.StageUpdate{}, resp: pipeline.Pipeline{}}, s.updateStage)
	s.api(op{method: "DELETE", path: "/pipelines/{id}/stages/{stage_id}", tag: "pipelines", summary: "Delete a stage no ticket is in", admin: true, status: 204}, s.deleteStage)
	s.api(op{method: "PATCH", path: "/properties/{id}", tag: "properties", summary: "Change a property's labels, options or portal visibility", admin: true, body: property.Update{}, resp: property.Definition{}}, s.updateProperty)
	s.api(op{method: "PATCH", path: "/access-groups/{id}", tag: "access groups", summary: "Rename an access group", admin: true, body: nameInput{}, resp: contact.AccessGroup{}}, s.renameAccessGroup)
	s.api(op{method: "GET", path: "/forms", tag: "forms", summary: "List support forms", query: []string{"limit", "cursor"}, resp: supportform.Form{}, list: true}, s.listForms)
	s.api(op{method: "POST", path: "/forms", tag: "forms", summary: "Create a support form bound to an inbox and a pipeline", admin: true, body: supportform.Input{}, resp: supportform.Form{}, status: 201}, s.createForm)
	s.api(op{method: "GET", path: "/forms/{id}", tag: "forms", summary: "Get a support form", resp: supportform.Form{}}, s.getForm)
	s.api(op{method: "PATCH", path: "/forms/{id}", tag: "forms", summary: "Change a support form's name, inbox, pipeline or fields", admin: true, body: supportform.Input{}, resp: supportform.Form{}}, s.updateForm)
	s.api(op{method: "DELETE", path: "/forms/{id}", tag: "forms", summary: "Delete a support form; portals that showed it show the built-in form again", admin: true, status: 204}, s.deleteForm)

	s.handle("GET /static/theme/{key...}", http.HandlerFunc(s.themeFile))

	s.handle("GET /desk/settings/{$}", s.deskAdmin(s.settingsIndex))
	s.handle("GET /desk/settings/portals/{slug}", s.deskAdmin(s.settingsPortalRedirect))
	s.handle("GET /desk/settings/portals/{slug}/{section}", s.deskAdmin(s.settingsPortal))
	s.handle("POST /desk/settings/portals/{slug}/{section}", s.deskAdmin(s.settingsPortalPost))

	s.handle("GET /desk/settings/pipelines", s.deskAdmin(s.settingsPipelines))
	s.handle("POST /desk/settings/pipelines", s.deskAdmin(s.settingsPipelineCreate))
	s.handle("POST /desk/settings/pipelines/{id}", s.deskAdmin(s.settingsPipelineRename))
	s.handle("POST /desk/settings/pipelines/{id}/delete", s.deskAdmin(s.settingsPipelineDelete))
	s.handle("POST /desk/settings/pipelines/{id}/stages", s.deskAdmin(s.settingsStageCreate))
	s.handle("POST /desk/settings/pipelines/{id}/stages/{stage}", s.deskAdmin(s.settingsStageUpdate))
	s.handle("POST /desk/settings/pipelines/{id}/stages/{stage}/move", s.deskAdmin(s.settingsStageMove))
	s.handle("POST /desk/settings/pipelines/{id}/stages/{stage}/delete", s.deskAdmin(s.settingsStageDelete))

	s.handle("GET /desk/settings/properties", s.deskAdmin(s.settingsProperties))
	s.handle("POST /desk/settings/properties", s.deskAdmin(s.settingsPropertyCreate))
	s.handle("GET /desk/settings/properties/{id}", s.deskAdmin(s.settingsProperty))
	s.handle("POST /desk/settings/properties/{id}", s.deskAdmin(s.settingsPropertyPost))

	s.handle("GET /desk/settings/access-groups", s.deskAdmin(s.settingsGroups))
	s.handle("POST /desk/settings/access-groups", s.deskAdmin(s.settingsGroupCreate))
	s.handle("GET /desk/settings/access-groups/{id}", s.deskAdmin(s.settingsGroup))
	s.handle("POST /desk/settings/access-groups/{id}", s.deskAdmin(s.settingsGroupRename))
	s.handle("POST /desk/settings/access-groups/{id}/members", s.deskAdmin(s.settingsGroupAdd))
	s.handle("POST /desk/settings/access-groups/{id}/members/{contact}/delete", s.deskAdmin(s.settingsGroupRemove))

	s.handle("GET /desk/settings/forms", s.deskAdmin(s.settingsForms))
	s.handle("POST /desk/settings/forms", s.deskAdmin(s.settingsFormCreate))
	s.handle("GET /desk/settings/forms/{id}", s.deskAdmin(s.settingsForm))
	s.handle("POST /desk/settings/forms/{id}", s.deskAdmin(s.settingsFormPost))
	s.handle("POST /desk/settings/forms/{id}/delete", s.deskAdmin(s.settingsFormDelete))
}

// settingsLink is an entry of the settings area's side navigation.
type settingsLink struct {
	Label, URL string
	Current    bool
	Sub        bool // a portal, shown under "Portals"
}

// settingsNav is the side navigation; current is the URL of the page.
func (s *Server) settingsNav(r *http.Request, loc *i18n.Localizer, current string) ([]settingsLink, error) {
	ps, err := s.Portals.Portals(r.Context())
	if err != nil {
		return nil, err
	}
	out := []settingsLink{{Label: loc.T("settings.nav.overview"), URL: "/desk/settings/"}}
	for _, p := range ps {
		out = append(out, settingsLink{Label: p.Name, URL: "/desk/settings/portals/" + p.Slug + "/general", Sub: true})
	}
	out = append(out,
		settingsLink{Label: loc.T("settings.nav.pipelines"), URL: "/desk/settings/pipelines"},
		settingsLink{Label: loc.T("settings.nav.properties"), URL: "/desk/settings/properties"},
		settingsLink{Label: loc.T("settings.nav.groups"), URL: "/desk/settings/access-groups"},
		settingsLink{Label: loc.T("settings.nav.forms"), URL: "/desk/settings/forms"},
		settingsLink{Label: loc.T("audit.nav"), URL: "/desk/settings/audit"})
	for i := range out {
		out[i].Current = out[i].URL == current || out[i].Sub && strings.HasPrefix(current, strings.TrimSuffix(out[i].URL, "general"))
	}
	return out, nil
}

// settingsIndexView is the settings area's overview.
type settingsIndexView struct {
	Nav       []settingsLink
	Portals   []settingsPortalCard
	Pipelines int
	Props     int
	Groups    int
	Forms     int
}

type settingsPortalCard struct {
	Name, Slug, Settings, View string
	Enabled                    bool
}

func (s *Server) settingsIndex(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/")
	if err != nil {
		return err
	}
	v := settingsIndexView{Nav: nav}
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		v.Portals = append(v.Portals, settingsPortalCard{Name: p.Name, Slug: p.Slug, Enabled: p.Enabled,
			Settings: "/desk/settings/portals/" + p.Slug + "/general", View: "/" + p.Slug + "/"})
	}
	pls, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return err
	}
	groups, err := s.Contacts.AccessGroups(ctx)
	if err != nil {
		return err
	}
	forms, err := s.Forms.Forms(ctx)
	if err != nil {
		return err
	}
	v.Pipelines, v.Props, v.Groups, v.Forms = len(pls), len(defs), len(groups), len(forms)
	s.renderDesk(w, r, http.StatusOK, "desk_settings_index", &deskData{Title: loc.T("settings.title"), Nav: deskNavSettings, Page: v})
	return nil
}

// settingsSaved is the confirmation a page shows after a change, which
// it learns from ?saved=1 in the address the change redirected to.
func settingsSaved(r *http.Request, loc *i18n.Localizer) string {
	if r.URL.Query().Get("saved") == "1" {
		return loc.T("settings.saved")
	}
	return ""
}

// settingsRedirect answers a successful change with the page to show next.
func settingsRedirect(w http.ResponseWriter, r *http.Request, to string) error {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	http.Redirect(w, r, to+sep+"saved=1", http.StatusSeeOther)
	return nil
}

// settingsProblems turns err into messages by field for a page: ok is
// false when err is not something the person can fix in the form. A
// conflict is reported under the field "" (the whole form).
func settingsProblems(loc *i18n.Localizer, err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil {
		return nil, false
	}
	switch e.Kind {
	case apperr.Invalid:
		out := map[string]string{}
		for field, problem := range e.Fields {
			out[field] = settingsFieldMessage(loc, field, problem)
		}
		return out, true
	case apperr.Conflict:
		id := "settings.error.conflict"
		if known := settingsConflicts[e.Code]; known != "" {
			id = known
		}
		return map[string]string{"": loc.T(id)}, true
	case apperr.TooLarge, apperr.Unsupported, apperr.Malformed:
		return map[string]string{"": loc.T("form.invalid")}, true
	}
	return nil, false
}

// settingsConflicts name the message for each conflict the services report.
var settingsConflicts = map[string]string{
	"last_pipeline":        "settings.error.last_pipeline",
	"pipeline_in_use":      "settings.error.pipeline_in_use",
	"stage_has_tickets":    "settings.error.stage_has_tickets",
	"stages_required":      "settings.error.stages_required",
	"waiting_stage_exists": "settings.error.waiting_exists",
	"name_taken":           "settings.error.name_taken",
	"property_in_use":      "settings.error.property_in_use",
	"form_target_gone":     "form.invalid",
}

var settingsAtMost = regexp.MustCompile(`at most (\d+)`)

// settingsFieldMessage is the page's message for a service's problem with
// field. The services speak English for programs; pages never show that.
func settingsFieldMessage(loc *i18n.Localizer, field, problem string) string {
	last := field[strings.LastIndex(field, ".")+1:]
	switch {
	case problem == "is required" || strings.HasPrefix(problem, "must be 1 to"):
		return loc.T("form.required")
	case field == "domain" && strings.Contains(problem, "another"):
		return loc.T("settings.error.domain_taken")
	case strings.Contains(problem, "another portal"):
		return loc.T("settings.error.slug_taken")
	case field == "slug":
		return loc.T("settings.error.slug")
	case field == "domain":
		return loc.T("settings.error.domain")
	case field == "languages":
		return loc.T("settings.error.languages")
	case field == "default_language":
		return loc.T("settings.error.default_language")
	case field == "access_group_ids" && strings.Contains(problem, "choose"):
		return loc.T("settings.error.groups_needed")
	case field == "columns" && strings.Contains(problem, "choose"):
		return loc.N("settings.error.columns_count", portalMaxColumns)
	case field == "idle_timeout_minutes":
		return loc.T("settings.error.timeout")
	case strings.Contains(problem, "colour"):
		return loc.T("settings.error.color")
	case strings.Contains(problem, "URL"):
		return loc.T("settings.error.url")
	case strings.Contains(problem, "closed stage"):
		return loc.T("settings.error.close_stage")
	case last == "name" && strings.Contains(problem, "lower-case"):
		return loc.T("settings.error.property_name")
	case strings.Contains(problem, "twice") || strings.Contains(problem, "distinct"):
		return loc.T("settings.error.duplicate")
	case strings.Contains(problem, "waiting for acceptance"):
		return loc.T("settings.error.waiting_closed")
	case settingsAtMost.MatchString(problem) && strings.Contains(problem, "characters"):
		n, _ := strconv.Atoi(settingsAtMost.FindStringSubmatch(problem)[1])
		return loc.N("form.too_long", n)
	case settingsAtMost.MatchString(problem):
		n, _ := strconv.Atoi(settingsAtMost.FindStringSubmatch(problem)[1])
		return loc.N("settings.error.too_many", n)
	case strings.Contains(problem, "a number") || strings.Contains(problem, "whole number"):
		return loc.T("form.invalid_number")
	case strings.Contains(problem, "options"):
		return loc.T("settings.error.options")
	}
	return pageFieldMessage(loc, field, problem)
}

// portalMaxColumns is how many list columns a portal may show (SPEC P9).
const portalMaxColumns = 10

// settingsLang is a language for a row of per-language inputs.
type settingsLang struct {
	Code, Name string
}

// settingsLangs are the languages of per-language inputs: every language
// Portico speaks, since a portal may offer any of them later.
func settingsLangs() []settingsLang {
	out := make([]settingsLang, len(i18n.Languages))
	for i, code := range i18n.Languages {
		out[i] = settingsLang{Code: code, Name: i18n.Name(code)}
	}
	return out
}

// settingsLangValues reads per-language inputs named prefix+lang, keeping
// those not blank.
func settingsLangValues(r *http.Request, prefix string) map[string]string {
	out := map[string]string{}
	for _, lang := range i18n.Languages {
		if v := strings.TrimSpace(r.PostFormValue(prefix + lang)); v != "" {
			out[lang] = v
		}
	}
	return out
}

// settingsFormID reads a positive whole number from a form field.
func settingsFormID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	return n, err == nil && n > 0
}

// settingsOption is a choice of a select or radio group.
type settingsOption struct {
	Value, Label string
	Selected     bool
}

func settingsInboxOptions(inboxes []pipeline.Inbox, chosen int64) []settingsOption {
	out := make([]settingsOption, 0, len(inboxes))
	for _, ib := range inboxes {
		out = append(out, settingsOption{Value: strconv.FormatInt(ib.ID, 10), Label: ib.Name, Selected: ib.ID == chosen})
	}
	return out
}

func settingsPipelineOptions(ps []pipeline.Pipeline, chosen int64) []settingsOption {
	out := make([]settingsOption, 0, len(ps))
	for _, p := range ps {
		out = append(out, settingsOption{Value: strconv.FormatInt(p.ID, 10), Label: p.Name, Selected: p.ID == chosen})
	}
	return out
}

// settingsPortalsUsingForm lists the portals that show form id.
func settingsPortalsUsingForm(ps []portal.Settings, id int64) []settingsPortalCard {
	var out []settingsPortalCard
	for _, p := range ps {
		if p.SupportFormID != nil && *p.SupportFormID == id {
			out = append(out, settingsPortalCard{Name: p.Name, Slug: p.Slug, Settings: "/desk/settings/portals/" + p.Slug + "/form", View: "/" + p.Slug + "/"})
		}
	}
	return out
}
