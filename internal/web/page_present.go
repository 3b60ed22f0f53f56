package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// pageColumnLabels name the built-in list columns in the message catalog.
var pageColumnLabels = map[string]string{
	"id": "tickets.col.id", "subject": "tickets.col.subject", "requester": "tickets.col.requester",
	"company": "tickets.col.company", "created_at": "tickets.col.created", "owner": "tickets.col.owner",
	"last_activity_at": "tickets.col.last_activity", "closed_at": "tickets.col.closed", "status": "tickets.col.status",
	"stage": "tickets.col.stage", "pipeline": "tickets.col.pipeline", "priority": "tickets.col.priority",
	"reply_channel": "tickets.col.reply_channel",
}

// pageBadge is a coloured label that always carries its text.
type pageBadge struct {
	Class, Text string
}

// pageStatus shows a ticket's status as the portal wants it (SPEC P10).
func pageStatus(v *visitor, t *ticket.CustomerTicket) pageBadge {
	if t.Draft {
		return pageBadge{Class: "draft", Text: v.loc.T("tickets.draft")}
	}
	b := pageBadge{Class: "open", Text: v.loc.T("status.open")}
	if t.Status == ticket.StatusClosed {
		b = pageBadge{Class: "closed", Text: v.loc.T("status.closed")}
	}
	if v.portal.ShowCustomStages && t.StageName != "" {
		b.Text = t.StageName
	}
	return b
}

// pageOwnerName is the owner as the portal shows owners (SPEC P11).
func pageOwnerName(v *visitor, o *ticket.Owner) string {
	if o == nil {
		return v.loc.T("ticket.owner.none")
	}
	if n := o.Display(v.portal.OwnerDisplay); n != "" {
		return n
	}
	return v.loc.T("ticket.author.support")
}

// pagePropertyLabel is a property's name in the page's language.
func pagePropertyLabel(loc *i18n.Localizer, defs []property.Definition, name string) string {
	if id, ok := pageColumnLabels[name]; ok {
		return loc.T(id)
	}
	if d, ok := property.Find(defs, name); ok {
		return portal.Label(d.Label, loc.Lang(), name)
	}
	return name
}

// pagePropertyText formats a custom property's value for reading.
func pagePropertyText(loc *i18n.Localizer, d *property.Definition, val any) string {
	switch x := val.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return loc.T("common.yes")
		}
		return loc.T("common.no")
	case float64:
		if x == float64(int64(x)) {
			return loc.Number(int64(x))
		}
		return loc.Decimal(x, 2)
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	case string:
		if d != nil && d.Type == property.Date {
			if t, err := time.Parse(time.DateOnly, x); err == nil {
				return loc.Date(t, time.UTC)
			}
		}
		return x
	}
	return fmt.Sprint(val)
}

// pageCell is one value of a list row.
type pageCell struct {
	Key, Label string
	Kind       string // "id", "subject", "status", "time" or "text"
	Text       string
	Time       time.Time
	Badge      pageBadge
	Empty      bool
}

// pageRow is a ticket in a list.
type pageRow struct {
	ID    int64
	URL   string
	Draft bool
	Cells []pageCell
}

// pageTicketRow lays out t in the portal's columns.
func pageTicketRow(v *visitor, defs []property.Definition, cols []string, t *ticket.CustomerTicket) pageRow {
	// A draft is marked next to its subject unless a status column says so.
	r := pageRow{ID: t.ID, URL: "/" + v.portal.Slug + "/tickets/" + strconv.FormatInt(t.ID, 10), Draft: t.Draft && !slices.Contains(cols, "status")}
	for _, col := range cols {
		c := pageCell{Key: col, Label: pagePropertyLabel(v.loc, defs, col), Kind: "text"}
		switch col {
		case "id":
			c.Kind, c.Text = "id", "#"+strconv.FormatInt(t.ID, 10)
		case "subject":
			c.Kind, c.Text = "subject", t.Subject
		case "requester":
			c.Text = t.RequesterName
		case "company":
			c.Text = t.CompanyName
		case "created_at":
			c.Kind, c.Time = "time", t.CreatedAt
		case "last_activity_at":
			c.Kind, c.Time = "time", t.LastActivityAt
		case "closed_at":
			if t.ClosedAt != nil {
				c.Kind, c.Time = "time", *t.ClosedAt
			}
		case "owner":
			c.Text = pageOwnerName(v, t.Owner)
			c.Empty = t.Owner == nil
		case "status":
			c.Kind, c.Badge = "status", pageStatus(v, t)
		case "stage":
			c.Text = t.StageName
		case "pipeline":
			c.Text = t.PipelineName
		case "priority":
			if t.Priority != "" {
				c.Text = v.loc.T("priority." + string(t.Priority))
			}
		case "reply_channel":
			if t.ReplyChannel != "" {
				c.Text = v.loc.T("channel." + t.ReplyChannel)
			}
		default:
			d, _ := property.Find(defs, col)
			c.Text = pagePropertyText(v.loc, d, t.Properties[col])
		}
		if c.Kind == "text" && c.Text == "" {
			c.Text, c.Empty = "—", true
		}
		r.Cells = append(r.Cells, c)
	}
	return r
}

// pageField is a property as a form field: a filter on the list, or a
// field of the new-ticket form.
type pageField struct {
	Name, Label, Type string
	Options           []pageOption
	Value             string
	Error             string
	Checked           map[string]bool
}

type pageOption struct {
	Value, Label string
}

// pageFieldOf describes d as a form field holding value.
func pageFieldOf(loc *i18n.Localizer, d *property.Definition, value string) pageField {
	f := pageField{Name: "p." + d.Name, Label: portal.Label(d.Label, loc.Lang(), d.Name), Type: d.Type, Value: value}
	if id, ok := pageColumnLabels[d.Name]; ok {
		f.Label = loc.T(id)
	}
	switch d.Type {
	case property.SingleSelect, property.MultiSelect:
		for _, o := range d.Options {
			label := o
			switch d.Name {
			case "priority":
				label = loc.T("priority." + o)
			case "reply_channel":
				label = loc.T("channel." + o)
			}
			f.Options = append(f.Options, pageOption{Value: o, Label: label})
		}
	case property.Checkbox:
		f.Options = []pageOption{{"true", loc.T("common.yes")}, {"false", loc.T("common.no")}}
	}
	return f
}
