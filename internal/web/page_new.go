package web

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"

	"portico/internal/apperr"
	supportform "portico/internal/form"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
)

// pageNewTicketForm is the built-in support form (SPEC P18).
type pageNewTicketForm struct {
	Heading      string
	Subject      string
	Body         string
	Priority     string
	ReplyChannel string
	ShowPriority bool
	// PriorityRequired is set when the portal's support form requires a
	// priority.
	PriorityRequired bool
	Priorities       []pageOption
	Channels         []pageOption
	Properties       []pageNewField
	Errors           map[string]string
	MaxFiles         int
	MaxMB            int64
}

// pageNewField is a property as a field of the new-ticket form.
type pageNewField struct {
	pageField
	Required bool
}

// pageFormProperties are the properties the new-ticket form asks for:
// the fields of the portal's support form when it connects one (SPEC
// A7), else the custom properties the portal shows.
func (s *Server) pageFormProperties(ctx context.Context, v *visitor) ([]property.Definition, *supportform.Form, []pageNewField, error) {
	defs, err := s.Properties.Definitions(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := s.Forms.Connected(ctx, v.portal)
	if err != nil {
		return nil, nil, nil, err
	}
	var fields []pageNewField
	if f != nil {
		for _, fl := range f.Fields {
			d, ok := property.Find(defs, fl.Property)
			if !ok || fl.Property == supportform.Priority {
				continue
			}
			pf := pageNewField{pageField: pageFieldOf(v.loc, d, ""), Required: fl.Required}
			pf.Label = portal.Label(fl.Label, v.loc.Lang(), pf.Label)
			fields = append(fields, pf)
		}
		return defs, f, fields, nil
	}
	for i := range defs {
		if d := &defs[i]; !d.Builtin && d.PortalVisible {
			fields = append(fields, pageNewField{pageField: pageFieldOf(v.loc, d, "")})
		}
	}
	return defs, nil, fields, nil
}

func (s *Server) pageNewTicketView(ctx context.Context, v *visitor) (*pageNewTicketForm, []property.Definition, error) {
	defs, f, fields, err := s.pageFormProperties(ctx, v)
	if err != nil {
		return nil, nil, err
	}
	nv := &pageNewTicketForm{Heading: portal.Label(v.portal.FormTitle, v.loc.Lang(), v.loc.T("new.title")), ReplyChannel: ticket.ChannelEmail,
		ShowPriority: pageVisible(defs, "priority"), Properties: fields, MaxFiles: maxFiles, MaxMB: s.files.MaxSize() >> 20}
	if f != nil {
		fl, ok := f.Field(supportform.Priority)
		nv.ShowPriority, nv.PriorityRequired = ok, ok && fl.Required
	}
	for _, p := range ticket.Priorities {
		nv.Priorities = append(nv.Priorities, pageOption{Value: p, Label: v.loc.T("priority." + p)})
	}
	for _, c := range []string{ticket.ChannelEmail, ticket.ChannelSMS, ticket.ChannelPortal} {
		nv.Channels = append(nv.Channels, pageOption{Value: c, Label: v.loc.T("channel." + c)})
	}
	return nv, defs, nil
}

func (s *Server) pageNewTicket(w http.ResponseWriter, r *http.Request, v *visitor) error {
	nv, _, err := s.pageNewTicketView(r.Context(), v)
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, "new", &pageData{v: v, Title: nv.Heading, Nav: "new", Page: nv})
	return nil
}

// pageFormValue reads one property field of the form as the type the
// property stores; ok is false for an empty field.
func pageFormValue(d *property.Definition, values map[string]string) (val any, ok bool, problem string) {
	name := "p." + d.Name
	if d.Type == property.MultiSelect {
		var picked []any
		for i, o := range d.Options {
			if values[name+"."+strconv.Itoa(i)] != "" {
				picked = append(picked, o)
			}
		}
		return picked, len(picked) > 0, ""
	}
	raw := strings.TrimSpace(values[name])
	if raw == "" {
		return nil, false, ""
	}
	switch d.Type {
	case property.Number:
		f, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", "."), 64)
		if err != nil {
			return nil, false, "must be a number"
		}
		return f, true, ""
	case property.Checkbox:
		return raw == "true" || raw == "on", true, ""
	}
	return raw, true, ""
}

func (s *Server) pageNewTicketPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	ctx := r.Context()
	nv, defs, err := s.pageNewTicketView(ctx, v)
	if err != nil {
		return err
	}
	allowed := map[string]bool{"subject": true, "body": true, "priority": true, "reply_channel": true, "draft": true}
	for i := range nv.Properties {
		d, _ := property.Find(defs, strings.TrimPrefix(nv.Properties[i].Name, "p."))
		allowed["p."+d.Name] = true
		for j := range d.Options {
			allowed["p."+d.Name+"."+strconv.Itoa(j)] = true
		}
	}
	values := map[string]string{}
	var files []ticket.Attachment
	if isMultipart(r) {
		f, ferr := s.readMultipart(w, r, allowed)
		if err = ferr; err == nil {
			values, files = f.values, attachments(f.files)
		}
	} else if err = pageReadForm(w, r); err == nil {
		for k := range r.PostForm {
			if allowed[k] {
				values[k] = r.PostFormValue(k)
			}
		}
	}
	in := ticket.NewTicket{Subject: values["subject"], Body: values["body"], Attachments: files}
	nv.Subject, nv.Body, nv.Priority = in.Subject, in.Body, values["priority"]
	if c := values["reply_channel"]; c != "" {
		in.ReplyChannel, nv.ReplyChannel = &c, c
	}
	if p := values["priority"]; p != "" && nv.ShowPriority {
		in.Priority = &p
	}
	in.Draft = values["draft"] == "1" || values["draft"] == "true"
	problems := map[string]string{}
	for i := range nv.Properties {
		pf := &nv.Properties[i]
		d, _ := property.Find(defs, strings.TrimPrefix(pf.Name, "p."))
		val, ok, problem := pageFormValue(d, values)
		pf.Value = values[pf.Name]
		if d.Type == property.MultiSelect {
			pf.Checked = map[string]bool{}
			for _, o := range val.([]any) {
				pf.Checked[o.(string)] = true
			}
		}
		if problem != "" {
			problems["properties."+d.Name] = problem
		} else if ok {
			if in.Properties == nil {
				in.Properties = map[string]any{}
			}
			in.Properties[d.Name] = val
		}
	}
	if err == nil && len(problems) > 0 {
		err = apperr.Validation(problems).Err()
	}
	var t *ticket.Ticket
	if err == nil {
		t, err = s.Forms.CreateCustomerTicket(ctx, v.scope, v.portal, in)
	}
	if err == nil {
		notice := "new.submitted"
		if in.Draft {
			notice = "new.draft.saved"
		}
		pageSetFlash(w, v.portal.Slug, notice, strconv.FormatInt(t.ID, 10))
		http.Redirect(w, r, "/"+v.portal.Slug+"/tickets/"+strconv.FormatInt(t.ID, 10), http.StatusSeeOther)
		return nil
	}
	s.discard(files)
	d := &pageData{v: v, Title: nv.Heading, Nav: "new", Page: nv, Canonical: "/" + v.portal.Slug + "/tickets/new"}
	status := http.StatusUnprocessableEntity
	if fields, ok := pageFieldErrors(v.loc, err); ok {
		nv.Errors = fields
		for i := range nv.Properties {
			nv.Properties[i].Error = fields[nv.Properties[i].Name]
		}
		d.Error = v.loc.N("form.errors", len(fields))
		// Files are not kept: the browser cannot be handed them back.
		if len(files) > 0 {
			nv.Errors["files"] = cmp.Or(nv.Errors["files"], v.loc.T("new.attachments.again"))
		}
	} else if problem, st, ok := pageActionProblem(v, err, nv.MaxMB); ok {
		d.Error, status = problem, st
	} else {
		return err
	}
	s.renderPage(w, r, status, "new", d)
	return nil
}
