package web

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/property"
	"portico/internal/web/i18n"
)

// How the audit log reads: entries keep ids and machine names, as the API
// does, and the page shows them as names in the reader's language.

// auditChange is one field an entry changed: its value before and after,
// or, for a long list, only the items that left it and joined it. An
// entry about a thing created has only values after (New), one about a
// thing removed only values before (Gone).
type auditChange struct {
	Key, Before, After string
	New, Gone          bool
	List               bool
	Removed, Added     string
}

// auditListDiff is how many items two lists hold together before the page
// shows only the difference between them.
const auditListDiff = 6

// auditMaxValue is how many characters of a value the page shows.
const auditMaxValue = 200

// auditMaxLookups bounds the contacts and accounts one page looks up.
const auditMaxLookups = 200

// auditNames names, for one page of the audit log, the things entries
// refer to by id. Each kind is read once, and only when an entry needs it.
type auditNames struct {
	s   *Server
	ctx context.Context
	loc *i18n.Localizer

	pipelines map[int64]string
	stages    map[int64][2]string // stage name, pipeline name
	inboxes   map[int64]string
	defs      []property.Definition
	groups    map[int64]string
	forms     map[int64]string
	agents    map[int64]string
	portals   map[string]string
	people    map[string]string // "contact:ID" or "account:ID"
	lookups   int
}

func (n *auditNames) loadPipelines() error {
	if n.pipelines != nil {
		return nil
	}
	ps, err := n.s.Pipelines.Pipelines(n.ctx)
	if err != nil {
		return err
	}
	n.pipelines, n.stages = map[int64]string{}, map[int64][2]string{}
	for _, p := range ps {
		n.pipelines[p.ID] = p.Name
		for _, st := range p.Stages {
			n.stages[st.ID] = [2]string{st.Name, p.Name}
		}
	}
	return nil
}

func (n *auditNames) inbox(id int64) (string, error) {
	if n.inboxes == nil {
		list, err := n.s.Pipelines.Inboxes(n.ctx)
		if err != nil {
			return "", err
		}
		n.inboxes = map[int64]string{}
		for _, ib := range list {
			n.inboxes[ib.ID] = ib.Name
		}
	}
	return n.inboxes[id], nil
}

func (n *auditNames) properties() ([]property.Definition, error) {
	if n.defs == nil {
		defs, err := n.s.Properties.Definitions(n.ctx)
		if err != nil {
			return nil, err
		}
		n.defs = defs
	}
	return n.defs, nil
}

func (n *auditNames) propertyLabel(name string) (string, error) {
	defs, err := n.properties()
	if err != nil {
		return "", err
	}
	return pagePropertyLabel(n.loc, defs, name), nil
}

func (n *auditNames) group(id int64) (string, error) {
	if n.groups == nil {
		list, err := n.s.Contacts.AccessGroups(n.ctx)
		if err != nil {
			return "", err
		}
		n.groups = map[int64]string{}
		for _, g := range list {
			n.groups[g.ID] = g.Name
		}
	}
	return n.groups[id], nil
}

func (n *auditNames) form(id int64) (string, error) {
	if n.forms == nil {
		list, err := n.s.Forms.Forms(n.ctx)
		if err != nil {
			return "", err
		}
		n.forms = map[int64]string{}
		for _, f := range list {
			n.forms[f.ID] = f.Name
		}
	}
	return n.forms[id], nil
}

func (n *auditNames) agent(id int64) (string, error) {
	if n.agents == nil {
		list, err := n.s.Agents.Agents(n.ctx)
		if err != nil {
			return "", err
		}
		n.agents = map[int64]string{}
		for _, a := range list {
			n.agents[a.ID] = a.Name
			if a.Name == "" {
				n.agents[a.ID] = a.Email
			}
		}
	}
	return n.agents[id], nil
}

func (n *auditNames) portal(slug string) (string, error) {
	if n.portals == nil {
		list, err := n.s.Portals.Portals(n.ctx)
		if err != nil {
			return "", err
		}
		n.portals = map[string]string{}
		for _, p := range list {
			n.portals[p.Slug] = p.Name
		}
	}
	return n.portals[slug], nil
}

// person names a contact or an account; one removed since has no name.
func (n *auditNames) person(kind string, id int64) (string, error) {
	key := kind + ":" + strconv.FormatInt(id, 10)
	if name, ok := n.people[key]; ok {
		return name, nil
	}
	if n.lookups >= auditMaxLookups {
		return "", nil
	}
	n.lookups++
	if n.people == nil {
		n.people = map[string]string{}
	}
	var name string
	var err error
	switch kind {
	case "contact":
		c, e := n.s.Contacts.Contact(n.ctx, id)
		if err = e; e == nil {
			name = c.Name()
		}
	case "account":
		a, e := n.s.Accounts.Account(n.ctx, id)
		if err = e; e == nil {
			name = a.Login
		}
	}
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", err
	}
	n.people[key] = name
	return name, nil
}

// target names the thing an entry is about, as it is called now or, when
// it is gone, as the entry called it; "#ID" when neither says.
func (n *auditNames) target(a *event.Audit) (string, error) {
	id, _ := strconv.ParseInt(a.TargetID, 10, 64)
	var name string
	var err error
	switch a.TargetType {
	case "pipeline":
		if err = n.loadPipelines(); err == nil {
			name = n.pipelines[id]
		}
	case "stage":
		if err = n.loadPipelines(); err != nil {
			return "", err
		}
		st, ok := n.stages[id]
		if !ok {
			st = [2]string{docName(a, "name"), docName(a, "pipeline")}
		}
		switch {
		case st[0] != "" && st[1] != "":
			name = n.loc.T("audit.stage_of", map[string]any{"Stage": st[0], "Pipeline": st[1]})
		default:
			name = st[0]
		}
	case "inbox":
		name, err = n.inbox(id)
	case "property":
		defs, e := n.properties()
		if err = e; e == nil {
			if i := slices.IndexFunc(defs, func(d property.Definition) bool { return d.ID == id }); i >= 0 {
				name = pagePropertyLabel(n.loc, defs, defs[i].Name)
			}
		}
	case "access_group":
		name, err = n.group(id)
	case "form":
		name, err = n.form(id)
	case "agent":
		name, err = n.agent(id)
	case "portal":
		name, err = n.portal(a.TargetID)
	case "account":
		name, err = n.person("account", id)
	case "api_key":
		name = docName(a, "prefix")
	}
	if err != nil {
		return "", err
	}
	if name == "" {
		name = docName(a, "name")
	}
	if name == "" {
		name = "#" + a.TargetID
	}
	return name, nil
}

// changes lists what an entry changed, field by field: nested objects are
// read as fields of their own ("theme › accent colour"), and fields whose
// value stayed are left out.
func (n *auditNames) changes(before, after json.RawMessage) ([]auditChange, error) {
	b, okB := auditFlatten(before)
	a, okA := auditFlatten(after)
	if !okB || !okA {
		return []auditChange{{Before: auditCut(string(before)), After: auditCut(string(after))}}, nil
	}
	union := maps.Clone(b)
	maps.Copy(union, a)
	var out []auditChange
	keys := slices.Sorted(maps.Keys(union))
	// A thing's name comes first: it says what the rest is about.
	slices.SortStableFunc(keys, func(x, y string) int { return auditRank(x) - auditRank(y) })
	for _, k := range keys {
		if bytes.Equal(b[k], a[k]) {
			continue
		}
		c := auditChange{New: before == nil, Gone: after == nil}
		var err error
		if c.Key, err = n.key(k); err != nil {
			return nil, err
		}
		if removed, added, ok := auditListChange(b[k], a[k]); ok {
			c.List = true
			if c.Removed, err = n.items(k, removed); err != nil {
				return nil, err
			}
			if c.Added, err = n.items(k, added); err != nil {
				return nil, err
			}
		} else {
			if c.Before, err = n.value(k, b[k]); err != nil {
				return nil, err
			}
			if c.After, err = n.value(k, a[k]); err != nil {
				return nil, err
			}
			if (c.New && c.After == "") || (c.Gone && c.Before == "") {
				continue
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func auditRank(k string) int {
	if k == "name" {
		return 0
	}
	return 1
}

// auditFlatten reads a document as dotted keys and compact values; ok is
// false when it is not a JSON object. A missing document has no keys.
func auditFlatten(doc json.RawMessage) (map[string]json.RawMessage, bool) {
	out := map[string]json.RawMessage{}
	if doc == nil {
		return out, true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil || m == nil {
		return nil, false
	}
	var walk func(prefix string, m map[string]json.RawMessage)
	walk = func(prefix string, m map[string]json.RawMessage) {
		for k, v := range m {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil && inner != nil {
				walk(prefix+k+".", inner)
				continue
			}
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				v = buf.Bytes()
			}
			if string(v) != "null" {
				out[prefix+k] = v
			}
		}
	}
	walk("", m)
	return out, true
}

// auditListChange reports, for two lists of plain values that together
// hold more than a few items and do not hold the same ones, the items that
// left and those that joined.
func auditListChange(before, after json.RawMessage) (removed, added []any, ok bool) {
	if before == nil || after == nil {
		return nil, nil, false
	}
	bv, errB := auditDecode(before)
	av, errA := auditDecode(after)
	b, okB := bv.([]any)
	a, okA := av.([]any)
	if errB != nil || errA != nil || !okB || !okA {
		return nil, nil, false
	}
	if len(b)+len(a) <= auditListDiff {
		return nil, nil, false
	}
	key := func(v any) string { s, _ := json.Marshal(v); return string(s) }
	inB, inA := map[string]bool{}, map[string]bool{}
	for _, v := range b {
		if auditComposite(v) {
			return nil, nil, false
		}
		inB[key(v)] = true
	}
	for _, v := range a {
		if auditComposite(v) {
			return nil, nil, false
		}
		inA[key(v)] = true
		if !inB[key(v)] {
			added = append(added, v)
		}
	}
	for _, v := range b {
		if !inA[key(v)] {
			removed = append(removed, v)
		}
	}
	return removed, added, len(removed)+len(added) > 0
}

func auditComposite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// key names a field in the reader's language: "label.pl" reads
// "Label › Polski".
func (n *auditNames) key(k string) (string, error) {
	parts := strings.Split(k, ".")
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p
		if i == 0 {
			if s, ok := auditText(n.loc, "audit.field."+p); ok {
				out[i] = s
			}
			continue
		}
		if slices.Contains(i18n.Languages, p) {
			out[i] = i18n.Name(p)
			continue
		}
		var name string
		var err error
		switch {
		case parts[0] == "close_stage_by_pipeline" && i == 1:
			if id, e := strconv.ParseInt(p, 10, 64); e == nil {
				if err = n.loadPipelines(); err == nil {
					name = n.pipelines[id]
				}
			}
		case parts[0] == "close_stage_by_portal" && i == 1:
			name, err = n.portal(p)
		case parts[0] == "field_labels" && i == 1:
			name, err = n.propertyLabel(p)
		}
		if err != nil {
			return "", err
		}
		if name == "" {
			name, _ = auditText(n.loc, "audit.field."+p)
		}
		if name != "" && name != "audit.field."+p {
			out[i] = name
		}
	}
	return strings.Join(out, " › "), nil
}

// value shows a field's value: a list as its items, ids as what they name,
// a yes/no as a word; "" for no value.
func (n *auditNames) value(k string, raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", nil
	}
	v, err := auditDecode(raw)
	if err != nil {
		return auditCut(string(raw)), nil
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if auditComposite(item) {
				return auditCut(string(raw)), nil
			}
		}
		return n.items(k, list)
	}
	if _, ok := v.(map[string]any); ok {
		return auditCut(string(raw)), nil
	}
	s, err := n.item(k, v)
	return auditCut(s), err
}

// items shows list items one after another.
func (n *auditNames) items(k string, list []any) (string, error) {
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, err := n.item(k, v)
		if err != nil {
			return "", err
		}
		out = append(out, s)
	}
	return auditCut(strings.Join(out, ", ")), nil
}

// auditValueIDs name, for fields whose values are words from a fixed set,
// the messages that say those words: the value is appended to the id.
var auditValueIDs = map[string]string{
	"state":             "status.",
	"type":              "settings.type.",
	"role":              "desk.role.",
	"access_mode":       "settings.access_mode.",
	"ticket_permission": "settings.permission.",
	"owner_display":     "settings.owner.",
}

// item shows one plain value of field k.
func (n *auditNames) item(k string, v any) (string, error) {
	field := k[:strings.IndexByte(k+".", '.')]
	switch x := v.(type) {
	case nil:
		return "", nil
	case bool:
		if x {
			return n.loc.T("audit.yes"), nil
		}
		return n.loc.T("audit.no"), nil
	case string:
		if id := auditValueIDs[field]; id != "" {
			if s, ok := auditText(n.loc, id+x); ok {
				return s, nil
			}
		}
		switch field {
		case "languages", "default_language":
			return i18n.Name(x), nil
		case "fields", "required", "columns":
			return n.propertyLabel(x)
		case "portals", "closing_stage_for":
			if name, err := n.portal(x); err != nil || name != "" {
				return name, err
			}
		}
		return x, nil
	case json.Number:
		id, err := x.Int64()
		if err != nil {
			return x.String(), nil
		}
		var name string
		switch field {
		case "default_inbox_id":
			name, err = n.inbox(id)
		case "support_form_id":
			name, err = n.form(id)
		case "access_group_ids":
			name, err = n.group(id)
		case "close_stage_by_pipeline":
			if err = n.loadPipelines(); err == nil {
				name = n.stages[id][0]
			}
		case "contact_id", "contact_ids":
			name, err = n.person("contact", id)
		}
		if err != nil {
			return "", err
		}
		if name != "" {
			return name, nil
		}
		return x.String(), nil
	}
	b, _ := json.Marshal(v)
	return string(b), nil
}

// auditDecode reads a JSON value, keeping numbers as written so that ids
// stay whole numbers.
func auditDecode(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// auditCut shortens a long value for the page; the entry keeps all of it.
func auditCut(s string) string {
	if utf8.RuneCountInString(s) <= auditMaxValue {
		return s
	}
	r := []rune(s)
	return string(r[:auditMaxValue]) + "…"
}
