package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"portico/internal/agent"
	"portico/internal/store"
)

func init() { deskPageNames = append(deskPageNames, "desk_reports_ratings") }

// ReportStore is what the reports and the audit log read (SPEC A10, A11).
type ReportStore interface {
	Ratings(ctx context.Context, since time.Time) (*store.RatingsReport, error)
	AuditLog(ctx context.Context, f store.AuditFilter) (*store.AuditPage, error)
}

// reportPeriods are the periods, in days, the ratings report offers.
var reportPeriods = []int{7, 30, 90, 365}

// reportDefaultDays is the period shown without a choice in the URL.
const reportDefaultDays = 30

// ratingsView is the ratings report (SPEC A10).
type ratingsView struct {
	Days    int
	Periods []reportPeriod
	Count   int
	Average string
	Agents  []ratingsAgentRow
	Chart   *ratingsChart
}

type reportPeriod struct {
	Days    int
	URL     string
	Current bool
}

type ratingsAgentRow struct {
	Name    string
	Count   int
	Average string
	Bar     int // the average as a share of 5, in percent
}

// ratingsChart is the weekly average as an SVG line chart; coordinates are
// in the SVG's own units.
type ratingsChart struct {
	Width, Height int
	Points        string // the polyline's points
	Dots          []chartDot
	Grid          []chartLine
	Labels        []chartLabel
}

type chartDot struct {
	X, Y  int
	Title string
}

type chartLine struct {
	X1, Y1, X2, Y2 int
	Label          string
	LX, LY         int
}

type chartLabel struct {
	X, Y int
	Text string
}

const (
	chartWidth, chartHeight  = 640, 220
	chartLeft, chartRight    = 36, 32 // room for the score labels and for half a date label
	chartTop, chartBottom    = 12, 28
	chartMinScore, chartMaxY = 1.0, 5.0
)

func (s *Server) deskRatingsReport(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	loc := s.deskLoc(r)
	days := reportDefaultDays
	if q := r.URL.Query().Get("days"); q != "" {
		n, err := strconv.Atoi(q)
		if err == nil && slices.Contains(reportPeriods, n) {
			days = n
		}
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, 1-days)
	rep, err := s.Reports.Ratings(r.Context(), since)
	if err != nil {
		return err
	}
	v := ratingsView{Days: days, Count: rep.Count}
	for _, d := range reportPeriods {
		v.Periods = append(v.Periods, reportPeriod{Days: d, URL: "/desk/reports/ratings?days=" + strconv.Itoa(d), Current: d == days})
	}
	if rep.Count > 0 {
		v.Average = loc.Decimal(rep.Average, 2)
	}
	for _, a := range rep.Agents {
		name := a.Name
		if a.AgentID == 0 {
			name = loc.T("reports.ratings.no_agent")
		}
		v.Agents = append(v.Agents, ratingsAgentRow{Name: name, Count: a.Count, Average: loc.Decimal(a.Average, 2), Bar: int(a.Average / 5 * 100)})
	}
	if rep.Count > 0 {
		v.Chart = buildRatingsChart(rep, since, days, func(t time.Time) string { return loc.DayMonth(t, time.UTC) },
			func(t time.Time) string { return loc.Date(t, time.UTC) },
			func(x float64) string { return loc.Decimal(x, 2) }, func(n int) string { return loc.N("reports.ratings.count", n) })
	}
	s.renderDesk(w, r, http.StatusOK, "desk_reports_ratings", &deskData{Title: loc.T("reports.ratings.title"), Nav: deskNavReports, Page: v})
	return nil
}

// ratingsWeek is one week of the period: its first day and ratings.
type ratingsWeek struct {
	Start      time.Time
	Count, Sum int
}

// ratingsWeeks groups the report's days into weeks from since on.
func ratingsWeeks(rep *store.RatingsReport, since time.Time, days int) []ratingsWeek {
	weeks := make([]ratingsWeek, (days+6)/7)
	for i := range weeks {
		weeks[i].Start = since.AddDate(0, 0, 7*i)
	}
	for _, d := range rep.Days {
		i := int(d.Day.Sub(since).Hours() / 24 / 7)
		if i < 0 || i >= len(weeks) {
			continue
		}
		weeks[i].Count += d.Count
		weeks[i].Sum += d.Sum
	}
	return weeks
}

// buildRatingsChart draws the weeks of rep: the axis names each week by
// its first day without the year (the period makes it plain, and a full
// date at the chart's right edge did not fit), a dot's title by its date.
func buildRatingsChart(rep *store.RatingsReport, since time.Time, days int, day, date func(time.Time) string, dec func(float64) string, count func(int) string) *ratingsChart {
	weeks := ratingsWeeks(rep, since, days)
	c := &ratingsChart{Width: chartWidth, Height: chartHeight}
	plotW := chartWidth - chartLeft - chartRight
	plotH := chartHeight - chartTop - chartBottom
	y := func(avg float64) int {
		return chartTop + int((chartMaxY-avg)/(chartMaxY-chartMinScore)*float64(plotH)+0.5)
	}
	x := func(i int) int {
		if len(weeks) == 1 {
			return chartLeft + plotW/2
		}
		return chartLeft + i*plotW/(len(weeks)-1)
	}
	for score := 1; score <= 5; score++ {
		yy := y(float64(score))
		c.Grid = append(c.Grid, chartLine{X1: chartLeft, Y1: yy, X2: chartWidth - chartRight, Y2: yy, Label: strconv.Itoa(score), LX: chartLeft - 8, LY: yy + 4})
	}
	step := max(1, len(weeks)/6)
	for i, wk := range weeks {
		if i%step == 0 {
			c.Labels = append(c.Labels, chartLabel{X: x(i), Y: chartHeight - 8, Text: day(wk.Start)})
		}
		if wk.Count == 0 {
			continue
		}
		avg := float64(wk.Sum) / float64(wk.Count)
		px, py := x(i), y(avg)
		if c.Points != "" {
			c.Points += " "
		}
		c.Points += fmt.Sprintf("%d,%d", px, py)
		c.Dots = append(c.Dots, chartDot{X: px, Y: py, Title: date(wk.Start) + ": " + dec(avg) + " (" + count(wk.Count) + ")"})
	}
	return c
}
