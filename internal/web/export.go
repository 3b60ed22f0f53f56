package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"portico/internal/portal"
	"portico/internal/ticket"
)

// csvTime is how times appear in exports: UTC, readable by spreadsheets.
func csvTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// columnText is the text of one cell of a ticket's row.
func columnText(v *visitor, t *ticket.CustomerTicket, col string) string {
	switch col {
	case "id":
		return strconv.FormatInt(t.ID, 10)
	case "subject":
		return t.Subject
	case "requester":
		return t.RequesterName
	case "company":
		return t.CompanyName
	case "created_at":
		return csvTime(&t.CreatedAt)
	case "last_activity_at":
		return csvTime(&t.LastActivityAt)
	case "closed_at":
		return csvTime(t.ClosedAt)
	case "owner":
		if t.Owner == nil {
			return ""
		}
		return t.Owner.Display(v.portal.OwnerDisplay)
	case "status":
		return pageStatus(v, t).Text
	case "stage":
		return t.StageName
	case "pipeline":
		return t.PipelineName
	case "priority":
		if t.Priority == "" {
			return ""
		}
		return v.loc.T("priority." + string(t.Priority))
	case "reply_channel":
		if t.ReplyChannel == "" {
			return ""
		}
		return v.loc.T("channel." + t.ReplyChannel)
	}
	return propertyText(t.Properties[col])
}

// propertyText shows a custom property's value; a multi-select's options
// are joined.
func propertyText(val any) string {
	switch x := val.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = propertyText(e)
		}
		return strings.Join(parts, "; ")
	case []string:
		return strings.Join(x, "; ")
	}
	return fmt.Sprint(val)
}

// neutralise keeps a spreadsheet from reading a cell as a formula: cells
// that start with = + - @, a tab, a carriage return or NUL get a leading
// apostrophe (SPEC P20).
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + s
	}
	return s
}

// exportColumns are the columns of an export: the portal's list columns.
func exportColumns(p *portal.Settings) []string {
	if len(p.Columns) == 0 {
		return slices.Clone(portal.RecommendedColumns)
	}
	return p.Columns
}

// portalExport streams the whole view as CSV: the list's filters, search,
// sort and columns, UTF-8 with a byte order mark so spreadsheets read the
// Chinese, Polish and Swedish text right.
func (s *Server) portalExport(w http.ResponseWriter, r *http.Request, v *visitor) error {
	f, err := customerFilter(r, v)
	if err != nil {
		return err
	}
	defs, err := s.Properties.Definitions(r.Context())
	if err != nil {
		return err
	}
	cols := exportColumns(v.portal)
	row := make([]string, len(cols))
	var cw *csv.Writer
	started := false
	start := func() error {
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", attachmentDisposition(fmt.Sprintf("%s-tickets-%s.csv", v.portal.Slug, s.now().UTC().Format("2006-01-02"))))
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write([]byte("\ufeff")); err != nil {
			return err
		}
		cw = csv.NewWriter(w)
		for i, c := range cols {
			row[i] = neutralise(pagePropertyLabel(v.loc, defs, c))
		}
		return cw.Write(row)
	}
	n := 0
	err = s.Tickets.ExportRows(r.Context(), f, func(t ticket.CustomerTicket) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		for i, c := range cols {
			row[i] = neutralise(columnText(v, &t, c))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			cw.Flush()
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
		return cw.Error()
	})
	if err != nil {
		if started {
			// The status is sent; all that is left is to cut the body short
			// so the client sees an incomplete download, not a whole one.
			s.logger(r).Error("export cut short", "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	if !started {
		if err := start(); err != nil {
			return nil
		}
	}
	cw.Flush()
	return nil
}
