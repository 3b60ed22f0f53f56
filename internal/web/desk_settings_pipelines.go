package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/property"
	"portico/internal/web/i18n"
)

// settingsPipelinesView lists the pipelines with their stages (SPEC A5).
type settingsPipelinesView struct {
	Nav       []settingsLink
	Pipelines []settingsPipeline
	States    []settingsOption
	// Problem is shown at the form named Where ("new", "pipeline-ID",
	// "stage-ID", "add-ID"), which keeps what was typed in Kept.
	Where   string
	Problem string
	Kept    map[string]string
}

type settingsPipeline struct {
	ID     int64
	Name   string
	Stages []settingsStage
}

type settingsStage struct {
	ID                   int64
	Name, State          string
	Waiting, First, Last bool
	// ClosingFor names the portals whose customers close tickets into
	// this stage.
	ClosingFor []string
}

func (s *Server) settingsPipelinesPage(w http.ResponseWriter, r *http.Request, status int, where, problem string, kept map[string]string) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/pipelines")
	if err != nil {
		return err
	}
	ps, err := s.Pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	portals, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	v := settingsPipelinesView{Nav: nav, Where: where, Problem: problem, Kept: kept,
		States: []settingsOption{{Value: pipeline.Open, Label: loc.T("status.open")}, {Value: pipeline.Closed, Label: loc.T("status.closed")}}}
	for _, p := range ps {
		sp := settingsPipeline{ID: p.ID, Name: p.Name}
		for i, st := range p.Stages {
			ss := settingsStage{ID: st.ID, Name: st.Name, State: st.State, Waiting: st.WaitingForAcceptance, First: i == 0, Last: i == len(p.Stages)-1}
			for _, po := range portals {
				if po.CloseStageByPipeline[strconv.FormatInt(p.ID, 10)] == st.ID {
					ss.ClosingFor = append(ss.ClosingFor, po.Name)
				}
			}
			sp.Stages = append(sp.Stages, ss)
		}
		v.Pipelines = append(v.Pipelines, sp)
	}
	d := &deskData{Title: loc.T("settings.pipelines.title"), Nav: deskNavSettings, Page: v, Canonical: "/desk/settings/pipelines"}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else {
		d.Error = problem
	}
	s.renderDesk(w, r, status, "desk_settings_pipelines", d)
	return nil
}

func (s *Server) settingsPipelines(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.settingsPipelinesPage(w, r, http.StatusOK, "", "", nil)
}

// settingsPipelinesDone redirects after a change, or shows the page again
// with the problem at the form where.
func (s *Server) settingsPipelinesDone(w http.ResponseWriter, r *http.Request, where string, err error) error {
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/pipelines")
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	kept := map[string]string{}
	for k := range r.PostForm {
		kept[k] = r.PostFormValue(k)
	}
	return s.settingsPipelinesPage(w, r, settingsStatus(err), where, settingsFirst(problems), kept)
}

// settingsStatus is the status of a page showing the problem err.
func settingsStatus(err error) int {
	if apperr.Is(err, apperr.Conflict) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// settingsFirst is one message of problems, the whole form's first.
func settingsFirst(problems map[string]string) string {
	if p := problems[""]; p != "" {
		return p
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return problems[keys[0]]
}

func (s *Server) settingsPipelineCreate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	_, err := s.Pipelines.CreatePipeline(r.Context(), actor(a), pipeline.PipelineInput{Name: r.PostFormValue("name")})
	return s.settingsPipelinesDone(w, r, "new", err)
}

func (s *Server) settingsPipelineRename(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	name := r.PostFormValue("name")
	_, err = s.Pipelines.UpdatePipeline(r.Context(), actor(a), id, pipeline.PipelineUpdate{Name: &name})
	return s.settingsPipelinesDone(w, r, "pipeline-"+strconv.FormatInt(id, 10), err)
}

func (s *Server) settingsPipelineDelete(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	return s.settingsPipelinesDone(w, r, "pipeline-"+strconv.FormatInt(id, 10), s.Pipelines.DeletePipeline(r.Context(), actor(a), id))
}

func (s *Server) settingsStageCreate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	in := pipeline.StageInput{Name: r.PostFormValue("name"), State: r.PostFormValue("state"), WaitingForAcceptance: r.PostFormValue("waiting") != ""}
	_, err = s.Pipelines.AddStage(r.Context(), actor(a), id, in)
	return s.settingsPipelinesDone(w, r, "add-"+strconv.FormatInt(id, 10), err)
}

// settingsStageIDs reads the pipeline and stage of a stage's address.
func settingsStageIDs(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	stage, err := pathID(r, "stage")
	return id, stage, err
}

func (s *Server) settingsStageUpdate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, stage, err := settingsStageIDs(r)
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	name, state, waiting := r.PostFormValue("name"), r.PostFormValue("state"), r.PostFormValue("waiting") != ""
	_, err = s.Pipelines.UpdateStage(r.Context(), actor(a), id, stage, pipeline.StageUpdate{Name: &name, State: &state, WaitingForAcceptance: &waiting})
	return s.settingsPipelinesDone(w, r, "stage-"+strconv.FormatInt(stage, 10), err)
}

func (s *Server) settingsStageMove(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, stage, err := settingsStageIDs(r)
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	delta := 1
	if r.PostFormValue("dir") == "up" {
		delta = -1
	}
	_, err = s.Pipelines.MoveStage(r.Context(), actor(a), id, stage, delta)
	return s.settingsPipelinesDone(w, r, "stage-"+strconv.FormatInt(stage, 10), err)
}

func (s *Server) settingsStageDelete(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, stage, err := settingsStageIDs(r)
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	_, err = s.Pipelines.DeleteStage(r.Context(), actor(a), id, stage)
	return s.settingsPipelinesDone(w, r, "stage-"+strconv.FormatInt(stage, 10), err)
}

// settingsPropertiesView lists ticket properties (SPEC A6) with the form
// for a new one.
type settingsPropertiesView struct {
	Nav        []settingsLink
	Properties []settingsProperty
	Types      []settingsOption
	Langs      []settingsLangText
	New        settingsPropertyForm
}

type settingsProperty struct {
	ID                     int64
	Name, Label, Type, URL string
	Builtin, Visible       bool
}

// settingsPropertyForm is the form of a new or existing property.
type settingsPropertyForm struct {
	ID       int64
	Name     string
	Label    string
	Type     string
	TypeName string
	Builtin  bool
	Select   bool
	Options  string
	Visible  bool
	Labels   []settingsLangText
	Errors   map[string]string
	Uses     []string
}

func settingsTypes(loc *i18n.Localizer, chosen string) []settingsOption {
	out := make([]settingsOption, 0, len(property.Types))
	for _, t := range property.Types {
		out = append(out, settingsOption{Value: t, Label: loc.T("settings.type." + t), Selected: t == chosen})
	}
	return out
}

func settingsLangTexts(m map[string]string) []settingsLangText {
	out := []settingsLangText{}
	for _, l := range settingsLangs() {
		out = append(out, settingsLangText{Code: l.Code, Name: l.Name, Text: m[l.Code]})
	}
	return out
}

func (s *Server) settingsPropertiesPage(w http.ResponseWriter, r *http.Request, status int, nf settingsPropertyForm) error {
	loc := s.deskLoc(r)
	nav, err := s.settingsNav(r, loc, "/desk/settings/properties")
	if err != nil {
		return err
	}
	defs, err := s.Properties.Definitions(r.Context())
	if err != nil {
		return err
	}
	v := settingsPropertiesView{Nav: nav, Types: settingsTypes(loc, nf.Type), New: nf}
	if v.New.Labels == nil {
		v.New.Labels = settingsLangTexts(nil)
		v.New.Visible = true
	}
	for _, d := range defs {
		v.Properties = append(v.Properties, settingsProperty{ID: d.ID, Name: d.Name, Label: pagePropertyLabel(loc, defs, d.Name),
			Type: loc.T("settings.type." + d.Type), Builtin: d.Builtin, Visible: d.PortalVisible, URL: "/desk/settings/properties/" + strconv.FormatInt(d.ID, 10)})
	}
	d := &deskData{Title: loc.T("settings.properties.title"), Nav: deskNavSettings, Page: v, Canonical: "/desk/settings/properties"}
	if status == http.StatusOK {
		d.Notice = settingsSaved(r, loc)
	} else {
		d.Error = loc.N("form.errors", len(nf.Errors))
	}
	s.renderDesk(w, r, status, "desk_settings_properties", d)
	return nil
}

func (s *Server) settingsProperties(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.settingsPropertiesPage(w, r, http.StatusOK, settingsPropertyForm{})
}

// settingsOptions reads a select's options, one a line.
func settingsOptions(text string) []string {
	out := []string{}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (s *Server) settingsPropertyCreate(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	loc := s.deskLoc(r)
	visible := r.PostFormValue("portal_visible") != ""
	in := property.Input{Name: strings.TrimSpace(r.PostFormValue("name")), Type: r.PostFormValue("type"),
		Label: settingsLangValues(r, "label."), PortalVisible: &visible}
	if in.Type == property.SingleSelect || in.Type == property.MultiSelect {
		in.Options = settingsOptions(r.PostFormValue("options"))
	}
	d, err := s.Properties.Create(r.Context(), actor(a), in)
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/properties/"+strconv.FormatInt(d.ID, 10))
	}
	problems, ok := settingsProblems(loc, err)
	if !ok {
		return err
	}
	if msg := problems[""]; msg != "" {
		problems["name"] = msg
		delete(problems, "")
	}
	nf := settingsPropertyForm{Name: in.Name, Type: in.Type, Options: r.PostFormValue("options"), Visible: visible,
		Labels: settingsLangTexts(in.Label), Errors: problems}
	return s.settingsPropertiesPage(w, r, http.StatusUnprocessableEntity, nf)
}

func (s *Server) settingsPropertyPage(w http.ResponseWriter, r *http.Request, status int, id int64, nf *settingsPropertyForm) error {
	ctx := r.Context()
	loc := s.deskLoc(r)
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(defs, func(d property.Definition) bool { return d.ID == id })
	if i < 0 {
		return apperr.NotFoundf("property")
	}
	d := defs[i]
	nav, err := s.settingsNav(r, loc, "/desk/settings/properties")
	if err != nil {
		return err
	}
	if nf == nil {
		nf = &settingsPropertyForm{Options: strings.Join(d.Options, "\n"), Visible: d.PortalVisible, Labels: settingsLangTexts(d.Label)}
	}
	nf.ID, nf.Name, nf.Type, nf.Builtin = d.ID, d.Name, d.Type, d.Builtin
	nf.TypeName, nf.Label = loc.T("settings.type."+d.Type), pagePropertyLabel(loc, defs, d.Name)
	nf.Select = d.Type == property.SingleSelect || d.Type == property.MultiSelect
	ps, err := s.Portals.Portals(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if slices.Contains(p.Columns, d.Name) {
			nf.Uses = append(nf.Uses, loc.T("settings.property.used_by_portal", map[string]any{"Name": p.Name}))
		}
	}
	forms, err := s.Forms.Forms(ctx)
	if err != nil {
		return err
	}
	for _, f := range forms {
		if _, ok := f.Field(d.Name); ok {
			nf.Uses = append(nf.Uses, loc.T("settings.property.used_by_form", map[string]any{"Name": f.Name}))
		}
	}
	v := struct {
		Nav  []settingsLink
		Form *settingsPropertyForm
	}{nav, nf}
	data := &deskData{Title: loc.T("settings.property.title", map[string]any{"Name": nf.Label}), Nav: deskNavSettings, Page: v,
		Canonical: "/desk/settings/properties/" + strconv.FormatInt(id, 10)}
	if status == http.StatusOK {
		data.Notice = settingsSaved(r, loc)
	} else if msg := nf.Errors[""]; msg != "" {
		data.Error = msg
	} else {
		data.Error = loc.N("form.errors", len(nf.Errors))
	}
	s.renderDesk(w, r, status, "desk_settings_property", data)
	return nil
}

func (s *Server) settingsProperty(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.settingsPropertyPage(w, r, http.StatusOK, id, nil)
}

func (s *Server) settingsPropertyPost(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := pageReadForm(w, r); err != nil {
		return err
	}
	defs, err := s.Properties.Definitions(r.Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(defs, func(d property.Definition) bool { return d.ID == id })
	if i < 0 {
		return apperr.NotFoundf("property")
	}
	visible := r.PostFormValue("portal_visible") != ""
	in := property.Update{PortalVisible: &visible}
	labels := settingsLangValues(r, "label.")
	if !defs[i].Builtin {
		in.Label = labels
		if defs[i].Type == property.SingleSelect || defs[i].Type == property.MultiSelect {
			in.Options = settingsOptions(r.PostFormValue("options"))
		}
	}
	_, err = s.Properties.Update(r.Context(), actor(a), id, in)
	if err == nil {
		return settingsRedirect(w, r, "/desk/settings/properties/"+strconv.FormatInt(id, 10))
	}
	problems, ok := settingsProblems(s.deskLoc(r), err)
	if !ok {
		return err
	}
	nf := &settingsPropertyForm{Options: r.PostFormValue("options"), Visible: visible, Labels: settingsLangTexts(labels), Errors: problems}
	return s.settingsPropertyPage(w, r, settingsStatus(err), id, nf)
}
