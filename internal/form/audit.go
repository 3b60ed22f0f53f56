package form

import (
	"context"
	"strconv"

	"portico/internal/apperr"
	"portico/internal/event"
)

// audit records a change to form id in the audit log (SPEC A11), in the
// caller's transaction. A change that changed nothing is not recorded.
func (s *Service) audit(ctx context.Context, by event.Actor, action string, id int64, before, after map[string]any) error {
	var b, a any
	if before != nil {
		b = before
	}
	if after != nil {
		a = after
	}
	entry, err := event.NewAudit(by, action, "form", strconv.FormatInt(id, 10), b, a)
	if err != nil {
		return err
	}
	if string(entry.Before) == "{}" && string(entry.After) == "{}" {
		return nil
	}
	return s.store.CreateAudit(ctx, entry)
}

// auditDoc is what the audit log keeps of a form: its inbox and pipeline
// by name, and its fields in order with those required and the labels
// that replace the properties' own.
func (s *Service) auditDoc(ctx context.Context, f *Form) (map[string]any, error) {
	inbox, pipe := "", ""
	if ib, err := s.store.Inbox(ctx, f.InboxID); err == nil {
		inbox = ib.Name
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if p, err := s.store.Pipeline(ctx, f.PipelineID); err == nil {
		pipe = p.Name
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	fields, required, labels := []string{}, []string{}, map[string]map[string]string{}
	for _, fl := range f.Fields {
		fields = append(fields, fl.Property)
		if fl.Required {
			required = append(required, fl.Property)
		}
		if len(fl.Label) > 0 {
			labels[fl.Property] = fl.Label
		}
	}
	return map[string]any{"name": f.Name, "inbox": inbox, "pipeline": pipe, "fields": fields, "required": required, "field_labels": labels}, nil
}
