// Package form holds support forms (SPEC A7): a list of ticket properties
// a customer fills in, bound to the inbox and pipeline its tickets go to.
// A portal that connects a form shows it in place of its built-in
// new-ticket form (SPEC P18).
package form

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
)

// Limits of a form.
const (
	MaxFields = 30
	MaxName   = 100
	MaxLabel  = 100
)

// Priority is the one built-in property a form may ask for; every other
// field is a custom property.
const Priority = "priority"

// Form is a support form.
type Form struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	InboxID    int64     `json:"inbox_id"`
	PipelineID int64     `json:"pipeline_id"`
	Fields     []Field   `json:"fields"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Field is one property of a form, in the order the form shows it.
type Field struct {
	Property string `json:"property"`
	Required bool   `json:"required"`
	// Label replaces the property's own label, by language.
	Label map[string]string `json:"label"`
}

// Field returns the form's field for the property name.
func (f *Form) Field(name string) (*Field, bool) {
	for i := range f.Fields {
		if f.Fields[i].Property == name {
			return &f.Fields[i], true
		}
	}
	return nil, false
}

// Input creates a form or, in an update, changes the parts it names.
type Input struct {
	Name       *string  `json:"name"`
	InboxID    *int64   `json:"inbox_id"`
	PipelineID *int64   `json:"pipeline_id"`
	Fields     *[]Field `json:"fields"`
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Forms(ctx context.Context) ([]Form, error)
	Form(ctx context.Context, id int64) (*Form, error)
	CreateForm(ctx context.Context, f *Form) error
	UpdateForm(ctx context.Context, f *Form) error
	// DeleteForm removes a form; portals that showed it go back to the
	// built-in form.
	DeleteForm(ctx context.Context, id int64) error
	PropertyDefinitions(ctx context.Context) ([]property.Definition, error)
	Inbox(ctx context.Context, id int64) (*pipeline.Inbox, error)
	Pipeline(ctx context.Context, id int64) (*pipeline.Pipeline, error)
	Portals(ctx context.Context) ([]portal.Settings, error)
	// CreateAudit adds an entry to the audit log (SPEC A11).
	CreateAudit(ctx context.Context, a *event.Audit) error
}

// Tickets opens tickets: the ticket service.
type Tickets interface {
	Create(ctx context.Context, by event.Actor, in ticket.NewTicket) (*ticket.Ticket, error)
	CreateCustomerTicket(ctx context.Context, sc ticket.Scope, p *portal.Settings, in ticket.NewTicket) (*ticket.Ticket, error)
}

// Service holds the rules for forms.
type Service struct {
	store   Store
	tickets Tickets
}

// NewService returns a Service over store that opens tickets with tickets.
func NewService(s Store, tickets Tickets) *Service { return &Service{store: s, tickets: tickets} }

// Forms lists every form.
func (s *Service) Forms(ctx context.Context) ([]Form, error) { return s.store.Forms(ctx) }

// Form returns one form.
func (s *Service) Form(ctx context.Context, id int64) (*Form, error) { return s.store.Form(ctx, id) }

// Create adds a form; it needs a name, an inbox and a pipeline. by is
// written to the audit log with it.
func (s *Service) Create(ctx context.Context, by event.Actor, in Input) (*Form, error) {
	v := apperr.Validation{}
	if in.Name == nil {
		v.Add("name", "is required")
	}
	if in.InboxID == nil {
		v.Add("inbox_id", "is required")
	}
	if in.PipelineID == nil {
		v.Add("pipeline_id", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	f := &Form{Fields: []Field{}}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.apply(ctx, f, in); err != nil {
			return err
		}
		if err := s.store.CreateForm(ctx, f); err != nil {
			return err
		}
		after, err := s.auditDoc(ctx, f)
		if err != nil {
			return err
		}
		return s.audit(ctx, by, "form.created", f.ID, nil, after)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Update changes the parts of a form that in names; by is written to the
// audit log with the change.
func (s *Service) Update(ctx context.Context, by event.Actor, id int64, in Input) (*Form, error) {
	var out *Form
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		f, err := s.store.Form(ctx, id)
		if err != nil {
			return err
		}
		before, err := s.auditDoc(ctx, f)
		if err != nil {
			return err
		}
		if err := s.apply(ctx, f, in); err != nil {
			return err
		}
		if err := s.store.UpdateForm(ctx, f); err != nil {
			return err
		}
		after, err := s.auditDoc(ctx, f)
		if err != nil {
			return err
		}
		out = f
		return s.audit(ctx, by, "form.updated", id, before, after)
	})
	return out, err
}

// Delete removes a form; the portals that showed it show their built-in
// form again, which the audit log keeps with the form.
func (s *Service) Delete(ctx context.Context, by event.Actor, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		f, err := s.store.Form(ctx, id)
		if err != nil {
			return err
		}
		before, err := s.auditDoc(ctx, f)
		if err != nil {
			return err
		}
		ps, err := s.store.Portals(ctx)
		if err != nil {
			return err
		}
		var shownBy []string
		for _, p := range ps {
			if p.SupportFormID != nil && *p.SupportFormID == id {
				shownBy = append(shownBy, p.Slug)
			}
		}
		if len(shownBy) > 0 {
			before["portals"] = shownBy
		}
		if err := s.store.DeleteForm(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, by, "form.deleted", id, before, nil)
	})
}

// apply checks in and copies it into f.
func (s *Service) apply(ctx context.Context, f *Form, in Input) error {
	v := apperr.Validation{}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		switch {
		case name == "":
			v.Add("name", "is required")
		case utf8.RuneCountInString(name) > MaxName:
			v.Add("name", "must be at most 100 characters")
		}
		f.Name = name
	}
	if in.InboxID != nil {
		if _, err := s.store.Inbox(ctx, *in.InboxID); apperr.Is(err, apperr.NotFound) {
			v.Add("inbox_id", "no such inbox")
		} else if err != nil {
			return err
		}
		f.InboxID = *in.InboxID
	}
	if in.PipelineID != nil {
		if _, err := s.store.Pipeline(ctx, *in.PipelineID); apperr.Is(err, apperr.NotFound) {
			v.Add("pipeline_id", "no such pipeline")
		} else if err != nil {
			return err
		}
		f.PipelineID = *in.PipelineID
	}
	if in.Fields != nil {
		defs, err := s.store.PropertyDefinitions(ctx)
		if err != nil {
			return err
		}
		fields := *in.Fields
		if fields == nil {
			fields = []Field{}
		}
		checkFields(v, fields, defs)
		f.Fields = fields
	}
	return v.Err()
}

// checkFields checks a form's fields against the properties there are.
func checkFields(v apperr.Validation, fields []Field, defs []property.Definition) {
	if len(fields) > MaxFields {
		v.Add("fields", "at most 30 fields")
	}
	seen := map[string]bool{}
	for i := range fields {
		fl := &fields[i]
		key := "fields." + strconv.Itoa(i)
		d, ok := property.Find(defs, fl.Property)
		switch {
		case !ok:
			v.Add(key+".property", "no such property")
		case d.Builtin && d.Name != Priority:
			v.Add(key+".property", "a built-in property other than priority cannot be a form field")
		case seen[fl.Property]:
			v.Add(key+".property", "is in the form twice")
		}
		seen[fl.Property] = true
		if fl.Label == nil {
			fl.Label = map[string]string{}
		}
		for lang, l := range fl.Label {
			l = strings.TrimSpace(l)
			switch {
			case !contact.ValidLanguage(lang):
				v.Add(key+".label."+lang, "not a supported language")
			case utf8.RuneCountInString(l) > MaxLabel:
				v.Add(key+".label."+lang, "must be at most 100 characters")
			case l == "":
				delete(fl.Label, lang)
			default:
				fl.Label[lang] = l
			}
		}
	}
}

// CreateCustomerTicket opens a ticket from portal p for the scope's contact.
// When the portal connects a form, the form decides: its fields are the
// only properties the customer may set, its required fields must be
// filled in, and the ticket goes to its inbox and pipeline. Otherwise the
// portal's built-in form applies (see ticket.Service.CreateCustomerTicket).
func (s *Service) CreateCustomerTicket(ctx context.Context, sc ticket.Scope, p *portal.Settings, in ticket.NewTicket) (*ticket.Ticket, error) {
	f, err := s.Connected(ctx, p)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return s.tickets.CreateCustomerTicket(ctx, sc, p, in)
	}
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	props := map[string]any{}
	for _, name := range sortedKeys(in.Properties) {
		if _, ok := f.Field(name); !ok || name == Priority {
			v.Add("properties."+name, "no such property")
		} else if in.Properties[name] != nil {
			props[name] = in.Properties[name]
		}
	}
	if in.Priority != nil {
		if _, ok := f.Field(Priority); !ok {
			v.Add("priority", "cannot be chosen in this form")
		}
	}
	for _, fl := range f.Fields {
		if !fl.Required {
			continue
		}
		field := "properties." + fl.Property
		if fl.Property == Priority {
			if in.Priority == nil || *in.Priority == "" {
				v.Add("priority", "is required")
			}
			continue
		}
		d, ok := property.Find(defs, fl.Property)
		if ok && !filled(d, props[fl.Property]) {
			v.Add(field, "is required")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	inbox, pipe := f.InboxID, f.PipelineID
	in.RequesterID, in.Source, in.InboxID, in.PipelineID = sc.ContactID, ticket.SourcePortal, &inbox, &pipe
	in.StageID, in.OwnerID, in.Properties = nil, nil, props
	return s.tickets.Create(ctx, event.Actor{Type: event.ActorContact, ID: sc.ContactID}, in)
}

// Connected returns the form portal p shows in place of its built-in one,
// or nil when it shows the built-in one.
func (s *Service) Connected(ctx context.Context, p *portal.Settings) (*Form, error) {
	if p.SupportFormID == nil {
		return nil, nil
	}
	f, err := s.store.Form(ctx, *p.SupportFormID)
	if apperr.Is(err, apperr.NotFound) {
		// Removed since the settings were read: the built-in form again.
		return nil, nil
	}
	return f, err
}

// filled reports whether v counts as an answer to a required field of d:
// text that is not blank, a chosen option, a ticked checkbox.
func filled(d *property.Definition, v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case bool:
		return x || d.Type != property.Checkbox
	case []any:
		return len(x) > 0
	case []string:
		return len(x) > 0
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
