package web

import (
	"net/http"
	"strconv"
	"time"

	"portico/internal/ticket"
)

// pageFigureLabels name the dashboard figures in the message catalog; each
// also has a ".desc".
var pageFigureLabels = map[string]string{
	ticket.FigureOpen:          "dashboard.open",
	ticket.FigureQueue:         "dashboard.waiting_acceptance",
	ticket.FigureWaitingOnMe:   "dashboard.waiting_on_me",
	ticket.FigureClosedRecent:  "dashboard.closed_recent",
	ticket.FigureDrafts:        "dashboard.drafts",
	ticket.FigureShared:        "dashboard.shared",
	ticket.FigureAverageRating: "dashboard.avg_rating",
}

// pageFigure is a dashboard figure.
type pageFigure struct {
	Key, Label, Desc string
	Value            string
	Link             string
	None             bool
}

// pageDashboardView is the home page (SPEC P6).
type pageDashboardView struct {
	Greeting string
	Figures  []pageFigure
	Recent   []pageRecent
	AllURL   string
	NewURL   string
}

type pageRecent struct {
	ID      int64
	URL     string
	Subject string
	Badge   pageBadge
	When    time.Time
}

func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request, v *visitor) error {
	ctx := r.Context()
	figs, err := s.Tickets.Dashboard(ctx, v.scope, time.Now())
	if err != nil {
		return err
	}
	base := "/" + v.portal.Slug + "/"
	name := v.account.DisplayName
	if name == "" {
		name = v.identity.Name
	}
	dv := pageDashboardView{Greeting: v.loc.T("dashboard.greeting", map[string]any{"Name": name}), AllURL: base + "tickets", NewURL: base + "tickets/new"}
	for _, f := range figs {
		id := pageFigureLabels[f.Key]
		fv := pageFigure{Key: f.Key, Label: v.loc.T(id), Desc: v.loc.T(id + ".desc"), Value: v.loc.Number(int64(f.Count)),
			Link: base + "tickets?" + f.Filter.Query().Encode(), None: f.Count == 0}
		if f.Key == ticket.FigureAverageRating {
			if f.Average == nil {
				fv.Value = v.loc.T("dashboard.avg_rating.none")
			} else {
				fv.Value = v.loc.T("dashboard.avg_rating.value", map[string]any{"Rating": v.loc.Decimal(*f.Average, 1)})
			}
		}
		dv.Figures = append(dv.Figures, fv)
	}
	recent, err := s.Tickets.CustomerTickets(ctx, ticket.CustomerFilter{Scope: v.scope, View: ticket.ViewAll, Sort: ticket.SortLastActivity, Limit: 5})
	if err != nil {
		return err
	}
	for i := range recent.Items {
		t := &recent.Items[i]
		dv.Recent = append(dv.Recent, pageRecent{ID: t.ID, URL: base + "tickets/" + strconv.FormatInt(t.ID, 10), Subject: t.Subject,
			Badge: pageStatus(v, t), When: t.LastActivityAt})
	}
	s.renderPage(w, r, http.StatusOK, "dashboard", &pageData{v: v, Title: v.loc.T("dashboard.title"), Nav: "home", Notice: pageTakeFlash(w, r, v), Page: dv})
	return nil
}
