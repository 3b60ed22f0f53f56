package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"portico/internal/pipeline"
	"portico/internal/store"
	"portico/internal/ticket"
)

// scenario is one kind of request under load and what it must achieve.
type scenario struct {
	name string
	// who signs in: "customers" (the featured company's), "writers",
	// "agents" (at the desk), or
	// nobody for the hello yardstick.
	who string
	// permission is the portal's ticket permission during the run.
	permission string
	// ids says each client must first learn the tickets it may open.
	ids bool
	// workers is the scenario's number of clients when -workers does not
	// say; 0 means -customers.
	workers int
	// prepare readies the signed-in clients before the run.
	prepare func(ctx context.Context, b *bench, cs []*client) error
	step    func(c *client) error
	target  target
}

// target is what the issue asks of a scenario; zero fields do not apply.
// Errors always fail a scenario.
type target struct {
	ratio float64 // of hello's requests per second
	rps   float64
	p99   float64 // milliseconds
}

func (t target) String() string {
	var parts []string
	if t.ratio > 0 {
		parts = append(parts, fmt.Sprintf("≥%.0f%% of hello", t.ratio*100))
	}
	if t.rps > 0 {
		parts = append(parts, fmt.Sprintf("≥%.0f req/s", t.rps))
	}
	if t.p99 > 0 {
		parts = append(parts, fmt.Sprintf("p99≤%.0fms", t.p99))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(append(parts, "no errors"), ", ")
}

// judge fills in r's verdict; hello is the hello run's rate (0 if none).
func (t target) judge(r *result, hello float64) {
	if t == (target{}) {
		return
	}
	r.Target = t.String()
	if r.Requests == 0 {
		r.Note = "no request started in the measured time; the first ones were still running"
	}
	pass := r.Errors == 0 && r.Requests > 0
	if t.ratio > 0 {
		if hello == 0 {
			r.Note = "run hello too to judge the ratio"
			return
		}
		pass = pass && r.Ratio >= t.ratio
	}
	if t.rps > 0 {
		pass = pass && r.RPS >= t.rps
	}
	if t.p99 > 0 {
		pass = pass && r.P99 <= t.p99
	}
	r.Pass = &pass
}

// order is the order scenarios run in: hello first, as the yardstick, and
// ticket creation last, so the reads see the generated data set only.
var order = []string{"hello", "list", "detail", "search", "inbox-first", "inbox-deep", "inbox-filtered", "create"}

func scenarios() map[string]*scenario {
	return map[string]*scenario{
		"hello": {name: "hello", step: func(c *client) error {
			return c.do(http.MethodGet, c.base+"/", nil, http.StatusOK)
		}},
		"list":   {name: "list", who: "customers", permission: "own", step: listStep, target: target{ratio: 0.15, p99: 20}},
		"detail": {name: "detail", who: "customers", permission: "own", ids: true, step: detailStep, target: target{ratio: 0.15, p99: 20}},
		"search": {name: "search", who: "customers", permission: "company", step: searchStep, target: target{p99: 50}},
		"create": {name: "create", who: "writers", permission: "own", step: createStep, target: target{rps: 1000}},
		// The desk's inbox, read by signed-in agents: the first page of
		// "unassigned, newest first", a page 50,000 tickets deep of the
		// same view, and an inbox + stage + owner view paged through.
		"inbox-first":    {name: "inbox-first", who: "agents", workers: 8, prepare: prepareInboxFirst, step: inboxStep, target: target{p99: 20}},
		"inbox-deep":     {name: "inbox-deep", who: "agents", workers: 8, prepare: prepareInboxDeep, step: inboxStep, target: target{p99: 20}},
		"inbox-filtered": {name: "inbox-filtered", who: "agents", workers: 8, prepare: prepareInboxFiltered, step: inboxPagingStep, target: target{p99: 20}},
	}
}

// listStep reads the ticket list the way people do: mostly the first page
// by last activity, often the next page, sometimes another order or a
// status filter.
func listStep(c *client) error {
	c.n++
	q := "?limit=25"
	k := c.rng.IntN(10)
	switch {
	case k < 4:
	case k < 6:
		if c.cursor != "" {
			q += "&cursor=" + url.QueryEscape(c.cursor)
		}
	case k < 7:
		q += "&sort=created_at&order=asc"
	case k < 8:
		q += "&status=closed"
	case k < 9:
		q += "&view=mine&sort=id"
	default:
		q += "&status=open"
	}
	if err := c.do(http.MethodGet, c.base+"/tickets"+q, nil, http.StatusOK); err != nil {
		return err
	}
	if k < 6 {
		c.cursor = nextCursor(c.buf.Bytes())
	}
	return nil
}

// nextCursor finds next_cursor in a list response without decoding it all,
// so the generator spends its time on requests.
func nextCursor(b []byte) string {
	key := []byte(`"next_cursor":"`)
	i := bytes.LastIndex(b, key)
	if i < 0 {
		return ""
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// detailStep opens one of the customer's tickets.
func detailStep(c *client) error {
	id := c.ids[c.rng.IntN(len(c.ids))]
	return c.do(http.MethodGet, c.base+"/tickets/"+strconv.FormatInt(id, 10), nil, http.StatusOK)
}

// searchStep searches the company's tickets for a word the data set uses.
func searchStep(c *client) error {
	q := store.BulkSearchTerms[c.rng.IntN(len(store.BulkSearchTerms))]
	return c.do(http.MethodGet, c.base+"/tickets?limit=25&q="+url.QueryEscape(q), nil, http.StatusOK)
}

var createTexts = []struct{ subject, body string }{
	{"Printer on the second floor is jammed", "Hello,\n\nthe printer shows error E-%d and nothing prints. Could you have a look?\n\nThanks"},
	{"Drukarka nie działa", "Dzień dobry,\n\ndrukarka pokazuje błąd E-%d. Proszę o pomoc.\n\nPozdrawiam"},
	{"Skrivaren fungerar inte", "Hej,\n\nskrivaren visar felkod E-%d. Kan ni hjälpa oss?\n\nMed vänliga hälsningar"},
	{"打印机无法使用", "您好，\n\n打印机显示错误代码E-%d，请帮忙检查。\n\n谢谢！"},
}

// createStep opens a ticket through the portal API.
func createStep(c *client) error {
	c.n++
	t := createTexts[c.n%len(createTexts)]
	b, _ := json.Marshal(map[string]string{"subject": t.subject, "body": fmt.Sprintf(t.body, c.rng.IntN(900000)+1000)})
	return c.do(http.MethodPost, c.base+"/tickets", b, http.StatusCreated)
}

// inboxUnassigned is the desk's view of unassigned open tickets, newest
// first.
const inboxUnassigned = "/desk/?view=unassigned"

// inboxDepth is how deep into the view inbox-deep reads.
const inboxDepth = 50_000

func prepareInboxFirst(_ context.Context, _ *bench, cs []*client) error {
	for _, c := range cs {
		c.path = inboxUnassigned
	}
	return nil
}

// prepareInboxDeep finds the page that starts inboxDepth tickets into the
// view (or, in a smaller data set, its last page) by walking the same
// keyset pages the desk reads.
func prepareInboxDeep(ctx context.Context, b *bench, cs []*client) error {
	f := ticket.Filter{Unassigned: true, Status: ticket.StatusOpen, Sort: ticket.SortID, Limit: 100}
	depth, cursor := 0, ""
	for depth < inboxDepth {
		page, err := b.db.InboxTickets(ctx, f)
		if err != nil {
			return err
		}
		if page.NextCursor == "" {
			// The view ends before inboxDepth: read its last page.
			break
		}
		depth += len(page.Items)
		cursor, f.Cursor = page.NextCursor, page.NextCursor
	}
	b.note = fmt.Sprintf("page starts %d tickets deep", depth)
	for _, c := range cs {
		c.path = inboxUnassigned
		if cursor != "" {
			c.path += "&cursor=" + url.QueryEscape(cursor)
		}
	}
	return nil
}

// prepareInboxFiltered gives each agent the view of its own tickets in one
// inbox and the pipeline's closed stage, the largest such view.
func prepareInboxFiltered(ctx context.Context, b *bench, cs []*client) error {
	agents, err := b.db.Agents(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, a := range agents {
		ids[a.Email] = a.ID
	}
	ps, err := b.db.Pipelines(ctx)
	if err != nil {
		return err
	}
	ibs, err := b.db.Inboxes(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 || len(ibs) == 0 {
		return fmt.Errorf("no pipeline or inbox")
	}
	var stage int64
	for _, st := range ps[0].Stages {
		if st.State == pipeline.Closed {
			stage = st.ID
		}
	}
	for _, c := range cs {
		c.first = fmt.Sprintf("/desk/?inbox=%d&stage=%d&owner=%d&status=any", ibs[0].ID, stage, ids[c.login])
		c.path = c.first
	}
	return nil
}

// inboxStep reads the client's page of the inbox.
func inboxStep(c *client) error {
	return c.do(http.MethodGet, c.base+c.path, nil, http.StatusOK)
}

var inboxNext = regexp.MustCompile(`<a class="btn btn-small" href="([^"]+)" rel="next">`)

// inboxPagingStep reads a view the way agents do: mostly the next page
// of the one before, now and then the first page again.
func inboxPagingStep(c *client) error {
	c.n++
	if c.n%10 == 0 {
		c.path = c.first
	}
	if err := c.do(http.MethodGet, c.base+c.path, nil, http.StatusOK); err != nil {
		return err
	}
	if m := inboxNext.FindSubmatch(c.buf.Bytes()); m != nil {
		c.path = html.UnescapeString(string(m[1]))
	} else {
		c.path = c.first
	}
	return nil
}
