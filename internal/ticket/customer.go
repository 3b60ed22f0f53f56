package ticket

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/delivery"
	"portico/internal/portal"
	"portico/internal/property"
)

// CustomerStore is what the customer side of the service needs from
// storage beyond Store. Every read of tickets takes the customer's Scope
// and returns nothing outside it: a ticket outside the scope is NotFound.
type CustomerStore interface {
	// CustomerTickets reads one page of the view f describes.
	CustomerTickets(ctx context.Context, f CustomerFilter) (CustomerPage, error)
	// EachCustomerTicket calls fn for every ticket of the view, in order.
	EachCustomerTicket(ctx context.Context, f CustomerFilter, fn func(CustomerTicket) error) error
	// CustomerStats counts the view, and averages the ratings the scope's
	// contact gave on it.
	CustomerStats(ctx context.Context, f CustomerFilter) (CustomerStats, error)
	// CustomerDetail returns a ticket with its public messages and its
	// rating, without Queue. It is read-only.
	CustomerDetail(ctx context.Context, sc Scope, id int64) (*CustomerDetail, error)
	// ScopedTicket returns a ticket in the scope, locked for a change when
	// called in a transaction.
	ScopedTicket(ctx context.Context, sc Scope, id int64) (*Ticket, error)
	// ScopedAttachment returns an attachment of a public message of a
	// ticket in the scope.
	ScopedAttachment(ctx context.Context, sc Scope, id int64) (*Attachment, error)
	// QueueFigures counts the tickets (not drafts) in t's stage, inbox and
	// pipeline, and those of them ahead of t: entered the stage earlier,
	// or at the same time with a lower id.
	QueueFigures(ctx context.Context, t *Ticket) (waiting, ahead int, err error)
	ShareTicket(ctx context.Context, ticketID, sharedBy int64, contactIDs []int64) error
	UpsertRating(ctx context.Context, r *Rating) error
	CreateDelivery(ctx context.Context, d *delivery.Delivery) error
}

// CustomerFilter selects tickets from what a customer may see (SPEC P7,
// P8, P20). Scope always applies; zero fields do not filter. Time ranges
// include From and exclude To.
type CustomerFilter struct {
	Scope        Scope
	View         string // ViewAll by default
	Status       string // StatusOpen or StatusClosed
	StageID      int64
	PipelineID   int64
	CreatedFrom  *time.Time
	CreatedTo    *time.Time
	ActivityFrom *time.Time
	ActivityTo   *time.Time
	ClosedFrom   *time.Time
	ClosedTo     *time.Time
	// Properties are equalities on properties the portal shows, built-in
	// (priority, stage, …) or custom; a multi-select matches when it holds
	// the value.
	Properties map[string]string
	// Q searches the subject and the public messages.
	Q string
	// InQueue keeps tickets in a stage waiting for acceptance.
	InQueue bool
	// WaitingOnCustomer keeps open tickets whose latest public message is
	// an agent's: the next move is the customer's.
	WaitingOnCustomer bool
	// RatedByMe keeps tickets the scope's contact has rated.
	RatedByMe bool
	// Sort is a column the portal shows: SortID, SortCreated,
	// SortLastActivity (the default), "closed_at", "subject", "requester",
	// "company", "owner", "status", "stage", "pipeline", "priority",
	// "reply_channel" or a custom property. Ties are broken by id.
	Sort string
	Asc  bool
	// SortType is the type of a custom sort property; the service sets it.
	SortType string
	Limit    int
	Cursor   string
}

// CustomerPage is one page of a customer's ticket list.
type CustomerPage struct {
	Items      []CustomerTicket `json:"items"`
	NextCursor string           `json:"next_cursor"`
	Total      int              `json:"total"`
}

// CustomerStats are figures over a customer's view.
type CustomerStats struct {
	Count int
	// AverageScore is the mean of the ratings the contact gave on the
	// view's tickets, nil when there are none.
	AverageScore *float64
}

// Owner is the agent who owns a ticket, in the parts a portal may show.
type Owner struct {
	First string `json:"first_name"`
	Last  string `json:"last_name"`
	Alias string `json:"alias"`
}

// NewOwner splits an agent's name into first and last name at the first
// space; a name without one is all first name.
func NewOwner(name, alias string) *Owner {
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return &Owner{First: first, Last: strings.TrimSpace(last), Alias: alias}
}

// Display is the owner's name in a portal's owner display form (SPEC
// P11). A missing alias or last name falls back to the first name.
func (o *Owner) Display(form string) string {
	switch form {
	case portal.OwnerFullName:
		return strings.TrimSpace(o.First + " " + o.Last)
	case portal.OwnerLastName:
		if o.Last != "" {
			return o.Last
		}
	case portal.OwnerAlias:
		if o.Alias != "" {
			return o.Alias
		}
	}
	return o.First
}

// CustomerTicket is a ticket as a customer's list shows it: names instead
// of ids, and only the properties the portal shows.
type CustomerTicket struct {
	ID             int64          `json:"id"`
	Subject        string         `json:"subject"`
	Status         string         `json:"status"`
	StageID        int64          `json:"stage_id"`
	StageName      string         `json:"stage_name"`
	PipelineID     int64          `json:"pipeline_id"`
	PipelineName   string         `json:"pipeline_name"`
	InboxID        int64          `json:"-"`
	RequesterID    int64          `json:"requester_id"`
	RequesterName  string         `json:"requester_name"`
	CompanyID      *int64         `json:"company_id"`
	CompanyName    string         `json:"company_name"`
	Owner          *Owner         `json:"owner"`
	Priority       Priority       `json:"priority"`
	ReplyChannel   string         `json:"reply_channel"`
	Draft          bool           `json:"draft"`
	Properties     map[string]any `json:"properties"`
	CreatedAt      time.Time      `json:"created_at"`
	LastActivityAt time.Time      `json:"last_activity_at"`
	ClosedAt       *time.Time     `json:"closed_at"`
}

// Queue is where a ticket waiting for acceptance stands (SPEC P16).
type Queue struct {
	Waiting  int `json:"waiting"`
	Position int `json:"position"`
}

// CustomerDetail is a ticket's page in the portal: the ticket, its public
// conversation, its place in the queue and its rating.
type CustomerDetail struct {
	CustomerTicket
	Messages []Message `json:"messages"`
	Queue    *Queue    `json:"queue"`
	Rating   *Rating   `json:"rating"`
}

// customerSorts are the built-in columns a customer list sorts by.
var customerSorts = []string{SortID, SortCreated, SortLastActivity, "closed_at", "subject", "requester", "company", "owner",
	"status", "stage", "pipeline", "priority", "reply_channel"}

// dateFields are built-in properties filtered by ranges, not equality.
var dateFields = []string{SortCreated, SortLastActivity, "closed_at"}

// MaxQuery is the longest search a customer may type.
const MaxQuery = 200

// checkCustomerFilter validates f against the portal's properties and
// fills in defaults.
func checkCustomerFilter(f *CustomerFilter, defs []property.Definition) error {
	v := apperr.Validation{}
	switch f.View {
	case "":
		f.View = ViewAll
	case ViewMine, ViewShared, ViewAll, ViewDrafts:
	case ViewOrganization:
		if f.Scope.CompanyID == 0 {
			v.Add("view", "organization tickets are not available to you")
		}
	default:
		v.Add("view", "must be mine, shared, organization, all or drafts")
	}
	if f.Status != "" && f.Status != StatusOpen && f.Status != StatusClosed {
		v.Add("status", "must be open or closed")
	}
	f.Q = strings.TrimSpace(f.Q)
	if utf8.RuneCountInString(f.Q) > MaxQuery {
		v.Add("q", "is too long")
	}
	for _, name := range sortedKeys(f.Properties) {
		d, ok := property.Find(defs, name)
		switch {
		case !ok || !d.PortalVisible:
			v.Add("properties."+name, "no such property")
		case slices.Contains(dateFields, name):
			v.Add("properties."+name, "filter dates by range")
		case utf8.RuneCountInString(f.Properties[name]) > 1000:
			v.Add("properties."+name, "is too long")
		}
	}
	f.SortType = ""
	if f.Sort == "" {
		f.Sort = SortLastActivity
	}
	if d, ok := property.Find(defs, f.Sort); !ok || !d.PortalVisible || (d.Builtin && !slices.Contains(customerSorts, f.Sort)) {
		v.Add("sort", "not a column you can sort by")
	} else if !d.Builtin {
		f.SortType = d.Type
	}
	return v.Err()
}

// visibleProperties drops the properties the portal does not show.
func visibleProperties(props map[string]any, defs []property.Definition) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if d, ok := property.Find(defs, k); ok && d.PortalVisible && !d.Builtin {
			out[k] = v
		}
	}
	return out
}

// CustomerTickets lists the tickets of a customer's view (SPEC P7, P8).
func (s *Service) CustomerTickets(ctx context.Context, f CustomerFilter) (CustomerPage, error) {
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return CustomerPage{}, err
	}
	if err := checkCustomerFilter(&f, defs); err != nil {
		return CustomerPage{}, err
	}
	page, err := s.store.CustomerTickets(ctx, f)
	if err != nil {
		return CustomerPage{}, err
	}
	for i := range page.Items {
		page.Items[i].Properties = visibleProperties(page.Items[i].Properties, defs)
	}
	return page, nil
}

// ExportRows streams every ticket of a customer's view, in the list's
// order, ignoring Limit and Cursor (SPEC P20).
func (s *Service) ExportRows(ctx context.Context, f CustomerFilter, fn func(CustomerTicket) error) error {
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return err
	}
	if err := checkCustomerFilter(&f, defs); err != nil {
		return err
	}
	f.Limit, f.Cursor = 0, ""
	return s.store.EachCustomerTicket(ctx, f, func(t CustomerTicket) error {
		t.Properties = visibleProperties(t.Properties, defs)
		return fn(t)
	})
}

// CustomerTicket returns a ticket's page as the customer sees it: public
// messages only, with their attachments, and the queue figures while the
// ticket waits for acceptance. A ticket outside the scope is NotFound.
func (s *Service) CustomerTicket(ctx context.Context, sc Scope, id int64) (*CustomerDetail, error) {
	return s.customerTicket(ctx, sc, id, true)
}

// CustomerTicketUnqueued is CustomerTicket without the queue figures, for
// answers where they are not wanted: counting a long queue costs more than
// the rest of the ticket together.
func (s *Service) CustomerTicketUnqueued(ctx context.Context, sc Scope, id int64) (*CustomerDetail, error) {
	return s.customerTicket(ctx, sc, id, false)
}

func (s *Service) customerTicket(ctx context.Context, sc Scope, id int64, queue bool) (*CustomerDetail, error) {
	d, err := s.store.CustomerDetail(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	defs, err := s.store.PropertyDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	out := *d
	out.Properties = visibleProperties(out.Properties, defs)
	if queue {
		if out.Queue, err = s.queue(ctx, &out.CustomerTicket); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// queue places a ticket waiting for acceptance: first come, first served
// within its inbox and pipeline, by the time it entered the stage.
func (s *Service) queue(ctx context.Context, t *CustomerTicket) (*Queue, error) {
	if t.Draft || t.Status != StatusOpen {
		return nil, nil
	}
	p, err := s.store.Pipeline(ctx, t.PipelineID)
	if err != nil {
		return nil, err
	}
	st, ok := p.Stage(t.StageID)
	if !ok || !st.WaitingForAcceptance {
		return nil, nil
	}
	full, err := s.store.Ticket(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	waiting, ahead, err := s.store.QueueFigures(ctx, full)
	if err != nil {
		return nil, err
	}
	return &Queue{Waiting: waiting, Position: ahead + 1}, nil
}

// CustomerAttachment returns an attachment the customer may download: one
// of a public message of a ticket in the scope. Anything else is NotFound.
func (s *Service) CustomerAttachment(ctx context.Context, sc Scope, id int64) (*Attachment, error) {
	return s.store.ScopedAttachment(ctx, sc, id)
}

// Keys of the dashboard figures (SPEC P6).
const (
	FigureOpen          = "open"
	FigureQueue         = "waiting_for_acceptance"
	FigureWaitingOnMe   = "waiting_on_me"
	FigureClosedRecent  = "closed_last_30_days"
	FigureDrafts        = "drafts"
	FigureShared        = "shared_with_me"
	FigureAverageRating = "average_rating"
)

// RecentDays is how far back "closed recently" looks.
const RecentDays = 30

// Figure is one number on the customer's home page and the list filter
// that shows exactly the tickets it counts.
type Figure struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
	// Average is the mean score, for FigureAverageRating only; nil when
	// nothing was rated.
	Average *float64       `json:"average,omitempty"`
	Filter  CustomerFilter `json:"-"`
}

// Dashboard counts what the customer's home page shows, each through the
// same scope and filter as the list it links to:
//   - open: every open ticket the customer sees;
//   - waiting for acceptance: those still in the queue stage;
//   - waiting on me: open tickets the customer requested whose latest
//     public message is an agent's. This follows the conversation, not
//     stage names, which admins rename and translate;
//   - closed in the last 30 days, by closing time;
//   - drafts, and tickets shared with the customer;
//   - the average of the ratings the customer gave, over the tickets they
//     rated.
func (s *Service) Dashboard(ctx context.Context, sc Scope, now time.Time) ([]Figure, error) {
	// Whole seconds, so that the figure's link (which keeps seconds)
	// lists exactly what was counted.
	since := now.UTC().Truncate(time.Second).AddDate(0, 0, -RecentDays)
	figures := []Figure{
		{Key: FigureOpen, Filter: CustomerFilter{View: ViewAll, Status: StatusOpen}},
		{Key: FigureQueue, Filter: CustomerFilter{View: ViewAll, Status: StatusOpen, InQueue: true}},
		{Key: FigureWaitingOnMe, Filter: CustomerFilter{View: ViewMine, Status: StatusOpen, WaitingOnCustomer: true}},
		{Key: FigureClosedRecent, Filter: CustomerFilter{View: ViewAll, Status: StatusClosed, ClosedFrom: &since}},
		{Key: FigureDrafts, Filter: CustomerFilter{View: ViewDrafts}},
		{Key: FigureShared, Filter: CustomerFilter{View: ViewShared}},
		{Key: FigureAverageRating, Filter: CustomerFilter{View: ViewAll, RatedByMe: true}},
	}
	for i := range figures {
		f := &figures[i]
		f.Filter.Scope = sc
		f.Filter.Sort = SortLastActivity
		st, err := s.store.CustomerStats(ctx, f.Filter)
		if err != nil {
			return nil, err
		}
		f.Count = st.Count
		if f.Key == FigureAverageRating {
			f.Average = st.AverageScore
		}
	}
	return figures, nil
}

// Query is f as list URL parameters, the form that bookmarks and shared
// links keep (SPEC P8); ParseCustomerQuery reads it back. The scope is not
// part of it: it always comes from the session.
func (f CustomerFilter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("view", f.View)
	set("status", f.Status)
	if f.StageID != 0 {
		set("stage_id", strconv.FormatInt(f.StageID, 10))
	}
	if f.PipelineID != 0 {
		set("pipeline_id", strconv.FormatInt(f.PipelineID, 10))
	}
	for _, r := range f.ranges() {
		if *r.t != nil {
			set(r.key, (*r.t).UTC().Format(time.RFC3339))
		}
	}
	for _, k := range sortedKeys(f.Properties) {
		set("p."+k, f.Properties[k])
	}
	set("q", f.Q)
	for k, on := range map[string]bool{"queue": f.InQueue, "waiting_on_me": f.WaitingOnCustomer, "rated": f.RatedByMe} {
		if on {
			q.Set(k, "1")
		}
	}
	set("sort", f.Sort)
	if f.Sort != "" {
		q.Set("order", "desc")
		if f.Asc {
			q.Set("order", "asc")
		}
	}
	if f.Limit != 0 {
		set("limit", strconv.Itoa(f.Limit))
	}
	set("cursor", f.Cursor)
	return q
}

type timeRange struct {
	key  string
	t    **time.Time
	upTo bool // a bare date means the end of that day
}

func (f *CustomerFilter) ranges() []timeRange {
	return []timeRange{
		{"created_from", &f.CreatedFrom, false}, {"created_to", &f.CreatedTo, true},
		{"activity_from", &f.ActivityFrom, false}, {"activity_to", &f.ActivityTo, true},
		{"closed_from", &f.ClosedFrom, false}, {"closed_to", &f.ClosedTo, true},
	}
}

// ParseCustomerQuery reads list URL parameters into a filter for scope.
// Dates are RFC 3339 times or days (YYYY-MM-DD, in UTC); a day as the end
// of a range includes that whole day. Properties are "p.NAME=value".
func ParseCustomerQuery(q url.Values, sc Scope) (CustomerFilter, error) {
	f := CustomerFilter{Scope: sc, View: q.Get("view"), Status: q.Get("status"), Q: q.Get("q"), Sort: q.Get("sort"),
		Cursor: q.Get("cursor")}
	v := apperr.Validation{}
	id := func(key string, dst *int64) {
		if s := q.Get(key); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				v.Add(key, "must be an id")
			}
			*dst = n
		}
	}
	id("stage_id", &f.StageID)
	id("pipeline_id", &f.PipelineID)
	for _, r := range f.ranges() {
		s := q.Get(r.key)
		if s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			t = t.UTC()
			*r.t = &t
		} else if d, err := time.Parse(time.DateOnly, s); err == nil {
			if r.upTo {
				d = d.AddDate(0, 0, 1)
			}
			*r.t = &d
		} else {
			v.Add(r.key, "must be a date (YYYY-MM-DD) or an RFC 3339 time")
		}
	}
	for k, vals := range q {
		if name, ok := strings.CutPrefix(k, "p."); ok && len(vals) > 0 && vals[0] != "" {
			if f.Properties == nil {
				f.Properties = map[string]string{}
			}
			f.Properties[name] = vals[0]
		}
	}
	flag := func(key string) bool { s := q.Get(key); return s == "1" || s == "true" }
	f.InQueue, f.WaitingOnCustomer, f.RatedByMe = flag("queue"), flag("waiting_on_me"), flag("rated")
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Asc = true
	default:
		v.Add("order", "must be asc or desc")
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			v.Add("limit", "must be between 1 and 100")
		}
		f.Limit = n
	}
	return f, v.Err()
}
