// Package property describes ticket properties: the built-in ones that are
// ticket columns and the custom ones whose values a ticket carries in its
// properties map (SPEC A6).
package property

import (
	"context"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
)

// Types of property.
const (
	Text         = "text"
	LongText     = "long_text"
	Number       = "number"
	Date         = "date"
	SingleSelect = "single_select"
	MultiSelect  = "multi_select"
	Checkbox     = "checkbox"
)

// Types lists every type.
var Types = []string{Text, LongText, Number, Date, SingleSelect, MultiSelect, Checkbox}

// Definition describes one property.
type Definition struct {
	ID            int64             `json:"id"`
	Name          string            `json:"name"`
	Label         map[string]string `json:"label"`
	Type          string            `json:"type"`
	Options       []string          `json:"options"`
	Builtin       bool              `json:"builtin"`
	PortalVisible bool              `json:"portal_visible"`
	Position      int               `json:"position"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Input creates a custom property.
type Input struct {
	Name          string            `json:"name"`
	Label         map[string]string `json:"label"`
	Type          string            `json:"type"`
	Options       []string          `json:"options"`
	PortalVisible *bool             `json:"portal_visible"`
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	PropertyDefinitions(ctx context.Context) ([]Definition, error)
	CreatePropertyDefinition(ctx context.Context, d *Definition) error
	// UpdatePropertyDefinition writes a property's label, options and
	// portal visibility.
	UpdatePropertyDefinition(ctx context.Context, d *Definition) error
	// PropertyUses names what shows the property to customers: the
	// portals that list it as a column and the forms that ask for it.
	PropertyUses(ctx context.Context, name string) ([]string, error)
	// CreateAudit adds an entry to the audit log (SPEC A11).
	CreateAudit(ctx context.Context, a *event.Audit) error
}

// Service holds the rules for property definitions.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Definitions lists built-in then custom properties.
func (s *Service) Definitions(ctx context.Context) ([]Definition, error) {
	return s.store.PropertyDefinitions(ctx)
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Create adds a custom property; by is written to the audit log with it.
func (s *Service) Create(ctx context.Context, by event.Actor, in Input) (*Definition, error) {
	v := apperr.Validation{}
	if !namePattern.MatchString(in.Name) {
		v.Add("name", "must be lower-case letters, digits and _, starting with a letter")
	}
	if !slices.Contains(Types, in.Type) {
		v.Add("type", "must be one of "+strings.Join(Types, ", "))
	}
	checkOptions(v, in.Type, in.Options)
	checkLabel(v, in.Label)
	if err := v.Err(); err != nil {
		return nil, err
	}
	d := &Definition{Name: in.Name, Label: in.Label, Type: in.Type, Options: in.Options, PortalVisible: true}
	if d.Label == nil {
		d.Label = map[string]string{}
	}
	if d.Options == nil {
		d.Options = []string{}
	}
	if in.PortalVisible != nil {
		d.PortalVisible = *in.PortalVisible
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreatePropertyDefinition(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, by, "property.created", d.ID, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Normalize checks a custom property's value and returns it in the form it
// is stored in: strings for text and dates (YYYY-MM-DD), float64 for
// numbers, []string for multi-selects, bool for checkboxes. A problem is
// returned as a message for the field.
func (d *Definition) Normalize(v any) (any, string) {
	switch d.Type {
	case Text, LongText:
		s, ok := v.(string)
		if !ok {
			return nil, "must be text"
		}
		max := 1000
		if d.Type == LongText {
			max = 65536
		}
		if utf8.RuneCountInString(s) > max {
			return nil, fmt.Sprintf("must be at most %d characters", max)
		}
		return s, ""
	case Number:
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "must be a number"
		}
		return f, ""
	case Date:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		return s, ""
	case SingleSelect:
		s, ok := v.(string)
		if !ok || !slices.Contains(d.Options, s) {
			return nil, "must be one of: " + strings.Join(d.Options, ", ")
		}
		return s, ""
	case MultiSelect:
		list, ok := v.([]any)
		if !ok {
			return nil, "must be a list of options"
		}
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := x.(string)
			if !ok || !slices.Contains(d.Options, s) {
				return nil, "every item must be one of: " + strings.Join(d.Options, ", ")
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, ""
	case Checkbox:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	}
	return nil, "has an unknown type"
}

// Find returns the definition named name.
func Find(defs []Definition, name string) (*Definition, bool) {
	for i := range defs {
		if defs[i].Name == name {
			return &defs[i], true
		}
	}
	return nil, false
}

func checkOptions(v apperr.Validation, typ string, options []string) {
	if typ == SingleSelect || typ == MultiSelect {
		if len(options) == 0 {
			v.Add("options", "a select needs at least one option")
		}
		if len(options) > 200 {
			v.Add("options", "at most 200 options")
		}
		seen := map[string]bool{}
		for _, o := range options {
			if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > 100 || seen[o] {
				v.Add("options", "options must be distinct, non-empty and at most 100 characters")
			}
			seen[o] = true
		}
	} else if len(options) > 0 {
		v.Add("options", "only select properties have options")
	}
}

func checkLabel(v apperr.Validation, label map[string]string) {
	for lang, l := range label {
		if !contact.ValidLanguage(lang) {
			v.Add("label."+lang, "not a supported language")
		} else if utf8.RuneCountInString(l) > 100 {
			v.Add("label."+lang, "must be at most 100 characters")
		}
	}
}

// Update is a change to a property. A custom property's labels and a select's
// options may change; its name and type stay, since tickets hold values
// of that type under that name. A built-in property may only be shown to
// or hidden from customers.
type Update struct {
	Label         map[string]string `json:"label"`
	Options       []string          `json:"options"`
	PortalVisible *bool             `json:"portal_visible"`
}

// alwaysVisible are built-in properties every portal list needs.
var alwaysVisible = []string{"id", "subject", "status"}

// Update applies in to the property with this id and writes the change,
// made by by, to the audit log. Hiding a property that a portal lists as a
// column or a form asks for is a conflict: the portal would show what it
// may not.
func (s *Service) Update(ctx context.Context, by event.Actor, id int64, in Update) (*Definition, error) {
	var out *Definition
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.update(ctx, by, id, in)
		return err
	})
	return out, err
}

func (s *Service) update(ctx context.Context, by event.Actor, id int64, in Update) (*Definition, error) {
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(defs, func(d Definition) bool { return d.ID == id })
	if i < 0 {
		return nil, apperr.NotFoundf("property")
	}
	d := defs[i]
	d.Label, d.Options = maps.Clone(d.Label), slices.Clone(d.Options)
	v := apperr.Validation{}
	if d.Builtin {
		if in.Label != nil {
			v.Add("label", "a built-in property keeps its labels")
		}
		if in.Options != nil {
			v.Add("options", "a built-in property keeps its options")
		}
	} else {
		if in.Label != nil {
			checkLabel(v, in.Label)
			d.Label = map[string]string{}
			for lang, l := range in.Label {
				if l = strings.TrimSpace(l); l != "" {
					d.Label[lang] = l
				}
			}
		}
		if in.Options != nil {
			checkOptions(v, d.Type, in.Options)
			d.Options = in.Options
		}
	}
	if in.PortalVisible != nil && !*in.PortalVisible && d.PortalVisible {
		if d.Builtin && slices.Contains(alwaysVisible, d.Name) {
			v.Add("portal_visible", "every portal shows this property")
		} else if uses, err := s.store.PropertyUses(ctx, d.Name); err != nil {
			return nil, err
		} else if len(uses) > 0 {
			return nil, &apperr.Error{Kind: apperr.Conflict, Code: "property_in_use",
				Message: "shown to customers by " + strings.Join(uses, ", ") + "; remove it there first"}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.PortalVisible != nil {
		d.PortalVisible = *in.PortalVisible
	}
	if d.Label == nil {
		d.Label = map[string]string{}
	}
	if d.Options == nil {
		d.Options = []string{}
	}
	if err := s.store.UpdatePropertyDefinition(ctx, &d); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, by, "property.updated", id, &defs[i], &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// audit records a change to property id in the audit log (SPEC A11), in
// the caller's transaction: its labels, options and portal visibility,
// named so that the entry reads well on its own. A change that changed
// nothing is not recorded.
func (s *Service) audit(ctx context.Context, by event.Actor, action string, id int64, before, after *Definition) error {
	a, err := event.NewAudit(by, action, "property", strconv.FormatInt(id, 10), auditDoc(before), auditDoc(after))
	if err != nil {
		return err
	}
	if string(a.Before) == "{}" && string(a.After) == "{}" {
		return nil
	}
	return s.store.CreateAudit(ctx, a)
}

func auditDoc(d *Definition) any {
	if d == nil {
		return nil
	}
	return map[string]any{"name": d.Name, "type": d.Type, "label": d.Label, "options": d.Options, "portal_visible": d.PortalVisible}
}
