package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
)

var _ ticket.CustomerStore = (*DB)(nil)

// scopeCond is ticket.Scope as one SQL condition on tickets aliased t.
// With scopeBranches (the same sources, apart) and scopeRule (the rest of
// the rule) it is the translation of the customer visibility rule; every
// customer read in this file is limited by them.
//
// The rule has two spellings of one meaning here. For one ticket, found by
// id, it is tested row by row. For lists and counts (many) the visible ids
// are gathered from the requester, share and company indexes first, so
// that a customer's view never scans the whole table. A search (q) narrows
// each of those sources by its own index before they are joined: the
// company's tickets by the company's part of the search documents. Most
// lists read scopeBranches instead (customerView); this serves the views
// that need the whole ticket (visibility filters, sorts by a property).
func (db *DB) scopeCond(sc ticket.Scope, many bool, q string) (string, []any) {
	if sc.ContactID <= 0 {
		return "1 = 0", nil
	}
	var b strings.Builder
	args := []any{sc.ContactID, sc.ContactID}
	switch {
	case many && q != "" && db.Engine() == "sqlite":
		// The requester's and the shared tickets are few: each one's
		// document is read. The company's many are looked up in the
		// company's range of an index.
		match, margs := docMatches("rt", q)
		smatch, _ := docMatches("st", q)
		args = slices.Concat([]any{sc.ContactID}, margs, []any{sc.ContactID}, margs)
		b.WriteString("(t.id IN (SELECT rt.id FROM tickets rt WHERE rt.requester_id = ?")
		if sc.CompanyID != 0 {
			b.WriteString(" AND rt.company_id IS NOT ?")
			args = slices.Insert(args, 1, any(sc.CompanyID))
		}
		b.WriteString(" AND " + match +
			" UNION ALL SELECT st.id FROM ticket_shares sh JOIN tickets st ON st.id = sh.ticket_id WHERE sh.contact_id = ? AND " + smatch)
		if sc.CompanyID != 0 {
			set, key, sargs := searchSet(q, false)
			lo, hi := companyKeys(sc.CompanyID)
			b.WriteString(" UNION ALL SELECT m.k & " + searchIDMask + " FROM (" + set + " AND " + key + " BETWEEN ? AND ?) m")
			args = slices.Concat(args, sargs, []any{lo, hi})
		}
		b.WriteString(")")
	case many && q != "":
		// PostgreSQL: the same three sources, each narrowed by the search
		// documents, the requester's and the shared tickets' read one by
		// one, the company's looked up in the company's entries of an index.
		match, margs := pgDocMatch("d", q, false)
		args = slices.Concat([]any{sc.ContactID}, margs, []any{sc.ContactID}, margs)
		b.WriteString("(t.id IN (SELECT rt.id FROM tickets rt JOIN ticket_docs d ON d.ticket_id = rt.id WHERE rt.requester_id = ?")
		if sc.CompanyID != 0 {
			b.WriteString(" AND rt.company_id IS DISTINCT FROM ?")
			args = slices.Insert(args, 1, any(sc.CompanyID))
		}
		b.WriteString(" AND " + match +
			" UNION ALL SELECT sh.ticket_id FROM ticket_shares sh JOIN ticket_docs d ON d.ticket_id = sh.ticket_id WHERE sh.contact_id = ? AND " + match)
		if sc.CompanyID != 0 {
			cmatch, cargs := pgCompanyMatch("d", q)
			b.WriteString(" UNION ALL SELECT d.ticket_id FROM ticket_docs d WHERE d.company_id = ? AND " + cmatch)
			args = slices.Concat(args, []any{sc.CompanyID}, cargs)
		}
		b.WriteString(")")
	case many:
		b.WriteString("(t.id IN (SELECT rt.id FROM tickets rt WHERE rt.requester_id = ? UNION ALL SELECT sh.ticket_id FROM ticket_shares sh WHERE sh.contact_id = ?")
		if sc.CompanyID != 0 {
			b.WriteString(" UNION ALL SELECT ct.id FROM tickets ct WHERE ct.company_id = ?")
			args = append(args, sc.CompanyID)
		}
		b.WriteString(")")
	default:
		b.WriteString("(t.requester_id = ? OR EXISTS (SELECT 1 FROM ticket_shares sh WHERE sh.ticket_id = t.id AND sh.contact_id = ?)")
		if sc.CompanyID != 0 {
			b.WriteString(" OR t.company_id = ?")
			args = append(args, sc.CompanyID)
		}
	}
	b.WriteString(")")
	rule, rargs := db.scopeRule(sc)
	return "(" + b.String() + " AND " + rule + ")", append(args, rargs...)
}

// scopeRule is the rest of the rule once a ticket is among the contact's,
// shared with it, or its company's: drafts are their requester's alone,
// and the portal's visibility filters hold.
func (db *DB) scopeRule(sc ticket.Scope) (string, []any) {
	var b strings.Builder
	b.WriteString("(NOT t.draft OR t.requester_id = ?)")
	args := []any{sc.ContactID}
	for _, f := range sc.Filters {
		cond, a := db.filterCond(f)
		b.WriteString(" AND " + cond)
		args = append(args, a...)
	}
	return b.String(), args
}

// narrowColumns are the ticket columns the requester and company indexes
// hold (migration 00007).
const narrowColumns = "id, requester_id, company_id, draft, stage_id, pipeline_id, last_activity_at, created_at, closed_at"

// scopeBranch is one source of the tickets a contact may see, its
// tickets aliased t: the contact's own, those shared with it, or its
// company's. The sources never hold a ticket twice.
type scopeBranch struct {
	from, where string
	args        []any
}

// scopeBranches are the sources of the scope's tickets (the first half of
// the visibility rule), each read from its own index; with q, only those
// whose text holds q: the few requested and shared ones each by its
// document, the company's by the company's part of the text index.
func (db *DB) scopeBranches(sc ticket.Scope, q string) []scopeBranch {
	out := []scopeBranch{{"tickets t", "t.requester_id = ?", []any{sc.ContactID}}}
	if q != "" && sc.CompanyID != 0 {
		out[0].where += " AND t.company_id IS DISTINCT FROM ?"
		out[0].args = append(out[0].args, sc.CompanyID)
	}
	shared := scopeBranch{"ticket_shares sh JOIN tickets t ON t.id = sh.ticket_id", "sh.contact_id = ? AND t.requester_id <> ?",
		[]any{sc.ContactID, sc.ContactID}}
	if sc.CompanyID != 0 {
		shared.where += " AND t.company_id IS DISTINCT FROM ?"
		shared.args = append(shared.args, sc.CompanyID)
	}
	out = append(out, shared)
	if q != "" {
		match, margs := docMatches("t", q)
		if db.Engine() == "postgres" {
			match, margs = pgDocMatch("d", q, false)
			match = "EXISTS (SELECT 1 FROM ticket_docs d WHERE d.ticket_id = t.id AND " + match + ")"
		}
		for i := range out {
			out[i].where += " AND " + match
			out[i].args = append(out[i].args, margs...)
		}
	}
	if sc.CompanyID != 0 {
		company := scopeBranch{"tickets t", "t.company_id = ? AND t.requester_id <> ?", []any{sc.CompanyID, sc.ContactID}}
		switch {
		case q == "":
		case db.Engine() == "postgres":
			// The contact's own tickets of the company are found here too,
			// by the company's entries of the search index.
			cmatch, cargs := pgCompanyMatch("d", q)
			company.from = "ticket_docs d JOIN tickets t ON t.id = d.ticket_id"
			company.where = "d.company_id = ? AND " + cmatch + " AND t.company_id = ?"
			company.args = slices.Concat([]any{sc.CompanyID}, cargs, []any{sc.CompanyID})
		default:
			// As above, by the company's range of the text index, each match
			// then read from the (company, id) index.
			set, key, sargs := searchSet(q, false)
			lo, hi := companyKeys(sc.CompanyID)
			company.from = "(SELECT m.k & " + searchIDMask + " AS mid FROM (" + set + " AND " + key + " BETWEEN ? AND ?) m) x CROSS JOIN tickets t INDEXED BY tickets_company_ids"
			company.where = "t.company_id = ? AND t.id = x.mid"
			company.args = slices.Concat(sargs, []any{lo, hi, sc.CompanyID})
		}
		out = append(out, company)
	}
	return out
}

// narrowSearch reports whether a search by q can go through scopeBranches:
// both engines keep search documents by company.
func (db *DB) narrowSearch(string) bool { return true }

// scopeSources is the third spelling of the rule's first half, for views
// that need no column but the narrow ones: the columns cols (and id) of the
// tickets the contact requested, was shared, or whose company it sees,
// each ticket once, as a FROM aliased t. They come from the indexes alone.
func (db *DB) scopeSources(sc ticket.Scope, q string, cols []string) (string, []any) {
	list := "t.id"
	for _, c := range cols {
		if c != "id" {
			list += ", t." + c
		}
	}
	var parts []string
	var args []any
	for _, br := range db.scopeBranches(sc, q) {
		parts = append(parts, "SELECT "+list+" FROM "+br.from+" WHERE "+br.where)
		args = append(args, br.args...)
	}
	return "(" + strings.Join(parts, " UNION ALL ") + ") t", args
}

// sourcePage is the query of the ids of one page of a narrow view (cond,
// with args, over tickets t and, if stages, their stage s): one SELECT per
// source of the scope, each in its index's order where the sort allows,
// merged and cut to the page, so that the first pages of a long view read
// little more than the page. Its rows are pid, version_at (the ticket's
// updated_at) and the sort keys.
//
// With window, the view is counted in the same pass: the rows are pid,
// version_at and total. A search reads every match to count them anyway,
// and finds each match once instead of twice.
func (db *DB) sourcePage(f ticket.CustomerFilter, cond string, args []any, stages bool, limit, offset int, window bool) (string, []any) {
	expr, kargs := db.customerSortKey(f)
	dir := " DESC"
	if f.Asc {
		dir = " ASC"
	}
	sel, order, named := "t.id AS pid, t.updated_at AS version_at", "1"+dir, "pid"+dir
	switch {
	case expr == "":
	case notNullKeys[expr]:
		sel, order, named = sel+", "+expr+" AS k", "3"+dir+", 1"+dir, "k"+dir+", pid"+dir
	default:
		sel, order, named = sel+", ("+expr+") IS NULL AS kn, "+expr+" AS k", "3, 4"+dir+", 1"+dir, "kn, k"+dir+", pid"+dir
		kargs = append(slices.Clone(kargs), kargs...)
	}
	from := ""
	if stages {
		from = " JOIN stages s ON s.id = t.stage_id"
	}
	var parts []string
	var out []any
	for _, br := range db.scopeBranches(f.Scope, f.Q) {
		parts = append(parts, "SELECT "+sel+" FROM "+br.from+from+" WHERE "+br.where+" AND "+cond)
		out = slices.Concat(out, kargs, br.args, args)
	}
	if window {
		return "SELECT pid, version_at, COUNT(*) OVER () AS total FROM (" + strings.Join(parts, " UNION ALL ") + ") v ORDER BY " +
			named + limitOffset(limit, offset), out
	}
	return strings.Join(parts, " UNION ALL ") + " ORDER BY " + order + limitOffset(limit, offset), out
}

var (
	ticketRef = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.])t\.([a-z_]+)`)
	stageRef  = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.])s\.`)
)

// narrowView is what a view's condition and order need of a ticket: the
// columns of t (with stage_id when it joins stages s), and whether the
// narrow indexes hold them all.
type narrowView struct {
	narrow, stages bool
	cols           []string
}

var narrowViews sync.Map // condition and order → narrowView

// narrowOf reads the columns of t that text (a view's condition and
// order) uses; the few shapes views take are read once each.
func narrowOf(text string) narrowView {
	if v, ok := narrowViews.Load(text); ok {
		return v.(narrowView)
	}
	v := narrowView{narrow: true}
	for _, m := range ticketRef.FindAllStringSubmatch(text, -1) {
		v.narrow = v.narrow && slices.Contains(strings.Split(narrowColumns, ", "), m[1])
		if !slices.Contains(v.cols, m[1]) {
			v.cols = append(v.cols, m[1])
		}
	}
	v.stages = stageRef.MatchString(text)
	if v.stages && !slices.Contains(v.cols, "stage_id") {
		v.cols = append(v.cols, "stage_id")
	}
	if narrowViewsN.Add(1) <= maxNarrowViews {
		narrowViews.Store(text, v)
	}
	return v
}

var narrowViewsN atomic.Int64

// maxNarrowViews bounds narrowViews: conditions hold placeholders, not
// values, so views take few shapes; past the bound they are read each time.
const maxNarrowViews = 4096

// customerView is the FROM and WHERE of a customer's view whose ORDER BY
// is order: from the narrow sources, with the columns it uses, when it
// needs nothing else (narrow), joining stages only when it needs them.
func (db *DB) customerView(f ticket.CustomerFilter, order string) (from string, fromArgs []any, cond string, args []any, narrow bool, err error) {
	if f.Scope.ContactID > 0 && db.narrowSearch(f.Q) {
		rule, rargs := db.scopeRule(f.Scope)
		where, wargs, err := db.customerWhere(f, rule, rargs)
		if err != nil {
			return "", nil, "", nil, false, err
		}
		cond := strings.Join(where, " AND ")
		if v := narrowOf(cond + " " + order); v.narrow {
			from, sargs := db.scopeSources(f.Scope, f.Q, v.cols)
			if v.stages {
				from += " JOIN stages s ON s.id = t.stage_id"
			}
			return from, sargs, cond, wargs, true, nil
		}
	}
	scope, sargs := db.scopeCond(f.Scope, true, f.Q)
	where, args, err := db.customerWhere(f, scope, sargs)
	if err != nil {
		return "", nil, "", nil, false, err
	}
	return viewFrom, nil, strings.Join(where, " AND "), args, false, nil
}

// Kinds of ticket field a filter can compare.
const (
	fieldInt    = iota // an id column, compared with integer values
	fieldText          // a text column, compared with text values
	fieldLookup        // an id column whose row is found by id or by a text column
	fieldNone          // a field filters cannot compare (dates)
)

// filterField is a built-in ticket field as filters see it.
type filterField struct {
	kind     int
	col      string // the column of t
	nullable bool
	table    string // fieldLookup: the table t.col points at
	match    string // fieldLookup: its text column matched against text values
	byID     bool   // fieldLookup: integer values match its id
}

// filterFields are the built-in fields filters compare with columns; any
// other name is a custom property, read from t.properties.
var filterFields = map[string]filterField{
	"id":               {kind: fieldInt, col: "t.id"},
	"pipeline_id":      {kind: fieldInt, col: "t.pipeline_id"},
	"stage_id":         {kind: fieldInt, col: "t.stage_id"},
	"inbox_id":         {kind: fieldInt, col: "t.inbox_id"},
	"requester":        {kind: fieldInt, col: "t.requester_id"},
	"requester_id":     {kind: fieldInt, col: "t.requester_id"},
	"company":          {kind: fieldInt, col: "t.company_id", nullable: true},
	"company_id":       {kind: fieldInt, col: "t.company_id", nullable: true},
	"owner":            {kind: fieldInt, col: "t.owner_id", nullable: true},
	"owner_id":         {kind: fieldInt, col: "t.owner_id", nullable: true},
	"subject":          {kind: fieldText, col: "t.subject"},
	"priority":         {kind: fieldText, col: "t.priority", nullable: true},
	"source":           {kind: fieldText, col: "t.source"},
	"reply_channel":    {kind: fieldText, col: "t.reply_channel"},
	"status":           {kind: fieldLookup, col: "t.stage_id", table: "stages", match: "state"},
	"stage":            {kind: fieldLookup, col: "t.stage_id", table: "stages", match: "name", byID: true},
	"pipeline":         {kind: fieldLookup, col: "t.pipeline_id", table: "pipelines", match: "name", byID: true},
	"inbox":            {kind: fieldLookup, col: "t.inbox_id", table: "inboxes", match: "name", byID: true},
	"created_at":       {kind: fieldNone},
	"last_activity_at": {kind: fieldNone},
	"closed_at":        {kind: fieldNone},
}

// filterValues are a filter's values in every form they may be compared
// in. A value matches a stored value of another JSON type when both read
// the same as text: "3" matches 3, "true" matches true, and back. Numbers
// compare as numbers, so 3 matches 3.0 on both engines.
type filterValues struct {
	strs  []string
	nums  []float64
	ints  []int64
	bools []bool
}

func valuesOf(vals []any) filterValues {
	var v filterValues
	addNum := func(f float64) {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return
		}
		v.nums = append(v.nums, f)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			v.ints = append(v.ints, int64(f))
		}
	}
	for _, x := range vals {
		switch x := x.(type) {
		case string:
			v.strs = append(v.strs, x)
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				addNum(f)
			}
			if x == "true" || x == "false" {
				v.bools = append(v.bools, x == "true")
			}
		case float64:
			addNum(x)
			v.strs = append(v.strs, strconv.FormatFloat(x, 'f', -1, 64))
		case int:
			addNum(float64(x))
			v.strs = append(v.strs, strconv.Itoa(x))
		case int64:
			addNum(float64(x))
			v.strs = append(v.strs, strconv.FormatInt(x, 10))
		case bool:
			v.bools = append(v.bools, x)
			v.strs = append(v.strs, strconv.FormatBool(x))
		}
	}
	return v
}

// inList is "expr IN (?, …)" over vals, or a condition that is never
// true when vals is empty.
func inList[T any](expr string, vals []T) (string, []any) {
	if len(vals) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(vals))
	for i, x := range vals {
		args[i] = x
	}
	return expr + " IN (" + placeholders(len(vals)) + ")", args
}

// filterCond is one portal filter as a condition on t.
//
// "in" admits a ticket whose field has one of the values; for a
// multi-select property, one of its options is enough. "not_in" admits
// every other ticket, including those where the field is empty or the
// property missing: "not in {internal}" still shows tickets that carry
// no such mark. A filter on a field that cannot be compared (a date) or
// with an unknown operator admits nothing, since showing too little is
// safe and showing too much is not.
func (db *DB) filterCond(f portal.Filter) (string, []any) {
	if f.Op != portal.OpIn && f.Op != portal.OpNotIn {
		return "1 = 0", nil
	}
	v := valuesOf(f.Values)
	var match string
	var args []any
	nullable := ""
	field, builtin := filterFields[f.Property]
	switch {
	case !builtin:
		match, args = db.propertyMatch(f.Property, v)
	case field.kind == fieldNone:
		return "1 = 0", nil
	case field.kind == fieldInt:
		match, args = inList(field.col, v.ints)
	case field.kind == fieldText:
		match, args = inList(field.col, v.strs)
	case field.kind == fieldLookup:
		var ors []string
		if field.byID && len(v.ints) > 0 {
			c, a := inList("id", v.ints)
			ors, args = append(ors, c), append(args, a...)
		}
		if len(v.strs) > 0 {
			c, a := inList(field.match, v.strs)
			ors, args = append(ors, c), append(args, a...)
		}
		if len(ors) == 0 {
			match = "1 = 0"
		} else {
			match = field.col + " IN (SELECT id FROM " + field.table + " WHERE " + strings.Join(ors, " OR ") + ")"
		}
	}
	if builtin && field.nullable {
		nullable = field.col + " IS NULL OR "
	}
	if f.Op == portal.OpIn {
		return "(" + match + ")", args
	}
	return "(" + nullable + "NOT (" + match + "))", args
}

// propertyMatch is "the custom property name has one of the values": a
// single value, or any option of a multi-select. A missing property never
// matches. Values compare by JSON type as filterValues describes, the same
// way on both engines.
func (db *DB) propertyMatch(name string, v filterValues) (string, []any) {
	if db.Engine() == "postgres" {
		var vals []any
		for _, s := range v.strs {
			b, _ := json.Marshal(s)
			vals = append(vals, string(b))
		}
		for _, f := range v.nums {
			b, _ := json.Marshal(f)
			vals = append(vals, string(b))
		}
		for _, x := range v.bools {
			vals = append(vals, strconv.FormatBool(x))
		}
		if len(vals) == 0 {
			return "1 = 0", nil
		}
		// jsonb equality is typed: '"3"' is not '3', and 3 = 3.0.
		args := []any{name, name, name}
		args = append(args, vals...)
		return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(t.properties -> ?) WHEN 'array'
			THEN t.properties -> ? ELSE jsonb_build_array(t.properties -> ?) END) e(v)
			WHERE e.v IN (` + strings.TrimSuffix(strings.Repeat("?::jsonb, ", len(vals)), ", ") + `))`, args
	}
	var ors []string
	args := []any{db.dialect.jsonKeyArg(name)}
	if len(v.strs) > 0 {
		c, a := inList("e.value", v.strs)
		ors, args = append(ors, "(e.type = 'text' AND "+c+")"), append(args, a...)
	}
	if len(v.nums) > 0 {
		c, a := inList("e.value", v.nums)
		ors, args = append(ors, "(e.type IN ('integer', 'real') AND "+c+")"), append(args, a...)
	}
	for _, b := range v.bools {
		ors = append(ors, "e.type = '"+strconv.FormatBool(b)+"'")
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	// json_each walks an array's elements, or yields a lone value once.
	return "EXISTS (SELECT 1 FROM json_each(t.properties, ?) e WHERE " + strings.Join(ors, " OR ") + ")", args
}

// lockTicket is appended to a SELECT of tickets t that a transaction is
// about to change, so that two customers' writes do not overwrite each
// other on PostgreSQL; SQLite serializes writers anyway.
func (db *DB) lockTicket(ctx context.Context) string {
	if inTx(ctx) && db.Engine() == "postgres" {
		return " FOR UPDATE OF t"
	}
	return ""
}

// ScopedTicket returns a ticket in the customer's scope; one outside it is
// NotFound, exactly like one that does not exist. Inside a transaction the
// ticket is locked for the change that follows.
func (db *DB) ScopedTicket(ctx context.Context, sc ticket.Scope, id int64) (*ticket.Ticket, error) {
	cond, args := db.scopeCond(sc, false, "")
	var t ticket.Ticket
	err := scanTicket(db.queryRow(ctx, "SELECT "+ticketColumns+" FROM "+ticketFrom+" WHERE t.id = ? AND "+cond+db.lockTicket(ctx),
		append([]any{id}, args...)...), &t)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	return &t, nil
}

// ShareTicket shares a ticket with contacts; sharing twice changes nothing.
func (db *DB) ShareTicket(ctx context.Context, ticketID, sharedBy int64, contactIDs []int64) error {
	now := db.Now()
	for _, c := range contactIDs {
		if _, err := db.exec(ctx, `INSERT INTO ticket_shares (ticket_id, contact_id, shared_by, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (ticket_id, contact_id) DO NOTHING`, ticketID, c, sharedBy, now); err != nil {
			return err
		}
	}
	return nil
}

// customerColumns are what a customer's list shows of a ticket.
const customerColumns = `t.id, t.subject, s.state, t.stage_id, s.name, t.pipeline_id, p.name, t.inbox_id, t.requester_id,
	rq.first_name, rq.last_name, t.company_id, co.name, t.owner_id, ag.name, ag.alias, t.priority, t.reply_channel, t.draft,
	t.properties, t.created_at, t.last_activity_at, t.closed_at`

// viewFrom is what a view's conditions and its cheap sorts need: tickets
// and their stages.
const viewFrom = `tickets t JOIN stages s ON s.id = t.stage_id`

const customerFrom = `tickets t JOIN stages s ON s.id = t.stage_id JOIN pipelines p ON p.id = t.pipeline_id
	JOIN contacts rq ON rq.id = t.requester_id LEFT JOIN companies co ON co.id = t.company_id
	LEFT JOIN agents ag ON ag.id = t.owner_id`

// scanCustomerTicket reads customerColumns, and the columns of extra after
// them.
func scanCustomerTicket(row interface{ Scan(...any) error }, ct *ticket.CustomerTicket, extra ...any) error {
	var first, last string
	var company, ownerName, ownerAlias, priority *string
	var ownerID *int64
	err := row.Scan(append([]any{&ct.ID, &ct.Subject, &ct.Status, &ct.StageID, &ct.StageName, &ct.PipelineID, &ct.PipelineName, &ct.InboxID,
		&ct.RequesterID, &first, &last, nullInt64{&ct.CompanyID}, nullString{&company}, nullInt64{&ownerID},
		nullString{&ownerName}, nullString{&ownerAlias}, nullString{&priority}, &ct.ReplyChannel, &ct.Draft,
		jsonCol{&ct.Properties}, timeCol{&ct.CreatedAt}, timeCol{&ct.LastActivityAt}, nullTime{&ct.ClosedAt}}, extra...)...)
	if err != nil {
		return err
	}
	ct.RequesterName = strings.TrimSpace(first + " " + last)
	if company != nil {
		ct.CompanyName = *company
	}
	if ownerID != nil && ownerName != nil {
		alias := ""
		if ownerAlias != nil {
			alias = *ownerAlias
		}
		ct.Owner = ticket.NewOwner(*ownerName, alias)
	}
	if priority != nil {
		ct.Priority = ticket.Priority(*priority)
	}
	if ct.Properties == nil {
		ct.Properties = map[string]any{}
	}
	return nil
}

// pageTicketColumns are a ticket's own columns as the list shows them;
// nameTickets adds the names they point at.
const pageTicketColumns = `t.id, t.subject, t.stage_id, t.pipeline_id, t.inbox_id, t.requester_id, t.company_id, t.owner_id,
	t.priority, t.reply_channel, t.draft, t.properties, t.created_at, t.last_activity_at, t.closed_at`

func scanPageTicket(row interface{ Scan(...any) error }, ct *ticket.CustomerTicket, owner **int64, extra ...any) error {
	var priority *string
	err := row.Scan(append([]any{&ct.ID, &ct.Subject, &ct.StageID, &ct.PipelineID, &ct.InboxID, &ct.RequesterID,
		nullInt64{&ct.CompanyID}, nullInt64{owner}, nullString{&priority}, &ct.ReplyChannel, &ct.Draft,
		jsonCol{&ct.Properties}, timeCol{&ct.CreatedAt}, timeCol{&ct.LastActivityAt}, nullTime{&ct.ClosedAt}}, extra...)...)
	if priority != nil {
		ct.Priority = ticket.Priority(*priority)
	}
	if ct.Properties == nil {
		ct.Properties = map[string]any{}
	}
	return err
}

// nameTickets fills in the stage, pipeline, requester, company and owner
// names of a page of tickets (owners[i] is items[i]'s owner). Stages,
// pipelines and agents come from the cached lists. Requesters and
// companies come from known (ticket id → requester and company names)
// when it names every ticket, else they are read once each: a page's
// tickets mostly share them.
func (db *DB) nameTickets(ctx context.Context, items []ticket.CustomerTicket, owners []*int64, known map[int64][2]string) error {
	if len(items) == 0 {
		return nil
	}
	ps, err := db.Pipelines(ctx)
	if err != nil {
		return err
	}
	ags, err := db.Agents(ctx)
	if err != nil {
		return err
	}
	for i := range items {
		if _, ok := known[items[i].ID]; !ok {
			if known, err = db.personNames(ctx, items); err != nil {
				return err
			}
			break
		}
	}
	stages := map[int64]*pipeline.Stage{}
	pipelines := map[int64]string{}
	for i := range ps {
		pipelines[ps[i].ID] = ps[i].Name
		for j := range ps[i].Stages {
			stages[ps[i].Stages[j].ID] = &ps[i].Stages[j]
		}
	}
	for i := range items {
		ct := &items[i]
		if st := stages[ct.StageID]; st != nil {
			ct.Status, ct.StageName = st.State, st.Name
		}
		ct.PipelineName = pipelines[ct.PipelineID]
		names := known[ct.ID]
		ct.RequesterName = names[0]
		if ct.CompanyID != nil {
			ct.CompanyName = names[1]
		}
		if o := owners[i]; o != nil {
			if k := slices.IndexFunc(ags, func(a agent.Agent) bool { return a.ID == *o }); k >= 0 {
				ct.Owner = ticket.NewOwner(ags[k].Name, ags[k].Alias)
			}
		}
	}
	return nil
}

// personNames reads the requester and company names of the tickets of a
// page, each person and company once: ticket id → requester and company
// names.
func (db *DB) personNames(ctx context.Context, items []ticket.CustomerTicket) (map[int64][2]string, error) {
	var contacts, companies []any
	seen := map[[2]int64]bool{}
	add := func(kind int64, id *int64, to *[]any) {
		if id != nil && !seen[[2]int64{kind, *id}] {
			seen[[2]int64{kind, *id}] = true
			*to = append(*to, *id)
		}
	}
	for i := range items {
		add(0, &items[i].RequesterID, &contacts)
		add(1, items[i].CompanyID, &companies)
	}
	q := "SELECT 0, id, first_name, last_name FROM contacts WHERE id IN (" + placeholders(len(contacts)) + ")"
	if len(companies) > 0 {
		q += " UNION ALL SELECT 1, id, name, '' FROM companies WHERE id IN (" + placeholders(len(companies)) + ")"
	}
	rows, err := db.query(ctx, q, append(contacts, companies...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[[2]int64]string{}
	for rows.Next() {
		var kind, id int64
		var a, b string
		if err := rows.Scan(&kind, &id, &a, &b); err != nil {
			return nil, err
		}
		if kind == 0 {
			a = strings.TrimSpace(a + " " + b)
		}
		names[[2]int64{kind, id}] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[int64][2]string, len(items))
	for _, ct := range items {
		n := [2]string{names[[2]int64{0, ct.RequesterID}], ""}
		if ct.CompanyID != nil {
			n[1] = names[[2]int64{1, *ct.CompanyID}]
		}
		out[ct.ID] = n
	}
	return out, nil
}

// customerWhere is the condition of a customer's view: the scope (as
// scopeCond or, over scopeSources, scopeRule spells it), the view and the
// filters, in that order.
func (db *DB) customerWhere(f ticket.CustomerFilter, scope string, scopeArgs []any) ([]string, []any, error) {
	args := slices.Clone(scopeArgs)
	where := []string{scope}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	me := f.Scope.ContactID
	switch f.View {
	case ticket.ViewMine:
		add("t.requester_id = ? AND NOT t.draft", me)
	case ticket.ViewShared:
		add("EXISTS (SELECT 1 FROM ticket_shares vs WHERE vs.ticket_id = t.id AND vs.contact_id = ?) AND NOT t.draft", me)
	case ticket.ViewOrganization:
		if f.Scope.CompanyID == 0 {
			add("1 = 0")
		} else {
			add("t.company_id = ? AND NOT t.draft", f.Scope.CompanyID)
		}
	case ticket.ViewAll, "":
		add("NOT t.draft")
	case ticket.ViewDrafts:
		add("t.draft AND t.requester_id = ?", me)
	default:
		return nil, nil, apperr.InvalidField("view", "must be mine, shared, organization, all or drafts")
	}
	if f.Status != "" {
		add("s.state = ?", f.Status)
	}
	if f.StageID != 0 {
		add("t.stage_id = ?", f.StageID)
	}
	if f.PipelineID != 0 {
		add("t.pipeline_id = ?", f.PipelineID)
	}
	for _, r := range []struct {
		col      string
		from, to *time.Time
	}{{"t.created_at", f.CreatedFrom, f.CreatedTo}, {"t.last_activity_at", f.ActivityFrom, f.ActivityTo},
		{"t.closed_at", f.ClosedFrom, f.ClosedTo}} {
		if r.from != nil {
			add(r.col+" >= ?", r.from.UTC())
		}
		if r.to != nil {
			add(r.col+" < ?", r.to.UTC())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Properties)) {
		cond, a := db.filterCond(portal.Filter{Property: name, Op: portal.OpIn, Values: []any{f.Properties[name]}})
		add(cond, a...)
	}
	if f.InQueue {
		add("s.waiting_for_acceptance")
	}
	if f.WaitingOnCustomer {
		add(`s.state = 'open' AND (SELECT m.author_type FROM messages m WHERE m.ticket_id = t.id AND NOT m.internal
			AND m.author_type <> 'system' ORDER BY m.id DESC LIMIT 1) = 'agent'`)
	}
	if f.RatedByMe {
		add("EXISTS (SELECT 1 FROM ratings vr WHERE vr.ticket_id = t.id AND vr.contact_id = ?)", me)
	}
	return where, args, nil
}

// sortText is a text sort key that orders the same on both engines:
// lower-cased, then by code point.
func (db *DB) sortText(expr string) string {
	if db.Engine() == "postgres" {
		return "LOWER(" + expr + `) COLLATE "C"`
	}
	return "fold(" + expr + ")"
}

// customerOrder is the ORDER BY of a customer's list. Empty values sort
// last in either direction, and ties fall to the id.
func (db *DB) customerOrder(f ticket.CustomerFilter) (string, []any) {
	expr, args := db.customerSortKey(f)
	dir := " DESC"
	if f.Asc {
		dir = " ASC"
	}
	if expr == "" {
		return "t.id" + dir, nil
	}
	if notNullKeys[expr] {
		return expr + dir + ", t.id" + dir, args
	}
	return "(" + expr + ") IS NULL, " + expr + dir + ", t.id" + dir, append(slices.Clone(args), args...)
}

// notNullKeys are sort keys that are never empty: they need no "empty
// last" term, which would keep an index from giving their order.
var notNullKeys = map[string]bool{"t.last_activity_at": true, "t.created_at": true, "s.state": true, "t.reply_channel": true}

// customerSortKey is the expression a customer's list is sorted by before
// the id ("" for the id alone), with its arguments.
func (db *DB) customerSortKey(f ticket.CustomerFilter) (string, []any) {
	var expr string
	var args []any
	switch f.Sort {
	case ticket.SortID:
	case ticket.SortLastActivity, "":
		expr = "t.last_activity_at"
	case ticket.SortCreated:
		expr = "t.created_at"
	case "closed_at":
		expr = "t.closed_at"
	case "subject":
		expr = db.sortText("t.subject")
	case "requester":
		expr = db.sortText("rq.first_name || ' ' || rq.last_name")
	case "company":
		expr = db.sortText("co.name")
	case "owner":
		expr = db.sortText("ag.name")
	case "stage":
		expr = db.sortText("s.name")
	case "pipeline":
		expr = db.sortText("p.name")
	case "status":
		expr = "s.state"
	case "reply_channel":
		expr = "t.reply_channel"
	case "priority":
		var b strings.Builder
		b.WriteString("CASE t.priority")
		for i, p := range ticket.Priorities {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", p, i)
		}
		expr = b.String() + " END"
	default:
		expr, args = db.propertySort(f.Sort, f.SortType)
	}
	return expr, args
}

// propertySort is the sort key of a custom property: numbers and
// checkboxes by value, everything else as text.
func (db *DB) propertySort(name, typ string) (string, []any) {
	pg := db.Engine() == "postgres"
	switch {
	case pg && typ == property.Number:
		return "CASE WHEN jsonb_typeof(t.properties -> ?) = 'number' THEN (t.properties ->> ?)::numeric END", []any{name, name}
	case pg && typ == property.Checkbox:
		return "CASE WHEN jsonb_typeof(t.properties -> ?) = 'boolean' THEN (t.properties ->> ?)::boolean END", []any{name, name}
	case typ == property.Number || typ == property.Checkbox:
		return db.dialect.jsonText("t.properties"), []any{db.dialect.jsonKeyArg(name)}
	}
	return db.sortText(db.dialect.jsonText("t.properties")), []any{db.dialect.jsonKeyArg(name)}
}

// offsetCursor is a position in a customer's list: the rows before it. A
// customer's list is short enough for an offset, and any column sorts it.
func offsetCursor(n int) string { return cursor{Key: "offset", ID: int64(n)}.String() }

func parseOffset(s string) (int, error) {
	c, err := parseCursor(s)
	if err != nil || c == nil {
		return 0, err
	}
	if k, _ := c.Key.(string); k != "offset" || c.ID > 1_000_000 {
		return 0, apperr.InvalidField("cursor", "is not a cursor from this list")
	}
	return int(c.ID), nil
}

// limitOffset is " LIMIT n OFFSET k" with the numbers written in: SQLite
// compiles a statement again each time a bound LIMIT changes value, which
// costs more than the query; a page's few sizes and depths make few texts.
func limitOffset(limit, offset int) string {
	return " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset)
}

// customerSelect is the query of a customer's view and its arguments.
func (db *DB) customerSelect(f ticket.CustomerFilter) (string, []any, error) {
	scope, sargs := db.scopeCond(f.Scope, true, f.Q)
	where, args, err := db.customerWhere(f, scope, sargs)
	if err != nil {
		return "", nil, err
	}
	order, oargs := db.customerOrder(f)
	return "SELECT " + customerColumns + " FROM " + customerFrom + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order,
		append(args, oargs...), nil
}

// CustomerTickets reads one page of a customer's view, with the number of
// tickets in the whole view. The page is read-only: its tickets'
// properties maps may be shared with other readers.
func (db *DB) CustomerTickets(ctx context.Context, f ticket.CustomerFilter) (ticket.CustomerPage, error) {
	out := ticket.CustomerPage{Items: []ticket.CustomerTicket{}}
	offset, err := parseOffset(f.Cursor)
	if err != nil {
		return out, err
	}
	limit := pageLimit(f.Limit)
	order, oargs := db.customerOrder(f)
	var q, from, cond string
	var args, qargs []any
	joined := false // q reads customerColumns, names joined
	switch f.Sort {
	case "requester", "company", "owner", "pipeline":
		// Sorted by a joined name: the page needs every join, and counts
		// the view in the same pass.
		scope, sargs := db.scopeCond(f.Scope, true, f.Q)
		where, wargs, err := db.customerWhere(f, scope, sargs)
		if err != nil {
			return out, err
		}
		from, cond, args, joined = viewFrom, strings.Join(where, " AND "), wargs, true
		q = "SELECT " + customerColumns + ", COUNT(*) OVER () FROM " + customerFrom + " WHERE " + cond + " ORDER BY " + order + limitOffset(limit+1, offset)
		qargs = slices.Concat(args, oargs)
	default:
		var fargs []any
		var narrow bool
		if from, fargs, cond, args, narrow, err = db.customerView(f, order); err != nil {
			return out, err
		}
		wargs := args
		args = append(fargs, args...)
		// The page's ids first, then their rows; the names they point at
		// are read once each (nameTickets) rather than joined to every row.
		outer := "tickets t"
		if stageRef.MatchString(order) {
			outer += " JOIN stages s ON s.id = t.stage_id"
		}
		if narrow {
			// Read from indexes, the view costs less to count again than
			// to carry through a window, and its page is merged from the
			// sources' own orders. A page read before is reused while
			// what it was read from is unchanged (viewCache).
			key, versions, cached, err := db.viewState(ctx, f)
			if err != nil {
				return out, err
			}
			if cached {
				if e, ok := db.views.pages.get(key); ok && e.versions == versions {
					out.Total, out.NextCursor = e.total, e.next
					return db.fillPage(ctx, out, e.ids, e.at, e.names)
				}
			}
			stages := stageRef.MatchString(cond + " " + order)
			window := f.Q != ""
			if !window {
				count, cargs := db.sourceCount(f.Scope, f.Q, cond, wargs, stageRef.MatchString(cond))
				if err := db.queryRow(ctx, count, cargs...).Scan(&out.Total); err != nil {
					return out, err
				}
			}
			q, iargs := db.sourcePage(f, cond, wargs, stages, limit+1, offset, window)
			ids, at, err := db.pageIDs(ctx, &out, q, iargs, limit, offset, window)
			if err == nil && window && len(ids) == 0 && offset > 0 {
				// Past the end: the page is empty, the view may not be.
				count, cargs := db.sourceCount(f.Scope, f.Q, cond, wargs, stageRef.MatchString(cond))
				err = db.queryRow(ctx, count, cargs...).Scan(&out.Total)
			}
			if err != nil {
				return out, err
			}
			if out, err = db.fillPage(ctx, out, ids, at, nil); err != nil || !cached {
				return out, err
			}
			names := make(map[int64][2]string, len(out.Items))
			for _, it := range out.Items {
				names[it.ID] = [2]string{it.RequesterName, it.CompanyName}
			}
			db.views.pages.put(key, viewEntry{versions: versions, ids: ids, at: at, total: out.Total, next: out.NextCursor, names: names}, maxViews)
			return out, nil
		} else {
			q = "SELECT " + pageTicketColumns + ", pg.total FROM (SELECT t.id AS pid, COUNT(*) OVER () AS total FROM " + from +
				" WHERE " + cond + " ORDER BY " + order + limitOffset(limit+1, offset) + ") pg CROSS JOIN " + outer +
				" WHERE t.id = pg.pid ORDER BY " + order
			qargs = slices.Concat(args, oargs, oargs)
		}
	}
	rows, err := db.query(ctx, q, qargs...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var owners []*int64
	for rows.Next() {
		if len(out.Items) == limit {
			out.NextCursor = offsetCursor(offset + limit)
			break
		}
		var ct ticket.CustomerTicket
		var owner *int64
		if joined {
			err = scanCustomerTicket(rows, &ct, &out.Total)
		} else {
			err = scanPageTicket(rows, &ct, &owner, &out.Total)
		}
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, ct)
		owners = append(owners, owner)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows.Close()
	if !joined {
		if err := db.nameTickets(ctx, out.Items, owners, nil); err != nil {
			return out, err
		}
	}
	if len(out.Items) == 0 && offset > 0 {
		// Past the end: the page is empty, the view may not be.
		err = db.queryRow(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+cond, args...).Scan(&out.Total)
	}
	return out, err
}

// sourceCount is the query counting a narrow view (cond, with args, over
// tickets t and, if stages, their stage s): a count per source of the
// scope, summed, each read from its own index.
func (db *DB) sourceCount(sc ticket.Scope, q, cond string, args []any, stages bool) (string, []any) {
	join := ""
	if stages {
		join = " JOIN stages s ON s.id = t.stage_id"
	}
	var parts []string
	var out []any
	for _, br := range db.scopeBranches(sc, q) {
		parts = append(parts, "SELECT COUNT(*) AS n FROM "+br.from+join+" WHERE "+br.where+" AND "+cond)
		out = slices.Concat(out, br.args, args)
	}
	return "SELECT CAST(SUM(n) AS BIGINT) FROM (" + strings.Join(parts, " UNION ALL ") + ") c", out
}

// pageIDs runs the page query ids of a narrow view and returns the page's
// ids and versions (updated_at); it sets out's next cursor and, with
// window, its total.
func (db *DB) pageIDs(ctx context.Context, out *ticket.CustomerPage, ids string, args []any, limit, offset int, window bool) ([]int64, []time.Time, error) {
	rows, err := db.query(ctx, ids, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var page []int64
	var versions []time.Time
	dest := make([]any, len(cols))
	for i := 2; i < len(dest); i++ {
		dest[i] = new(any)
	}
	for rows.Next() {
		var id int64
		var v time.Time
		dest[0], dest[1] = &id, timeCol{&v}
		if window {
			dest[2] = &out.Total
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		page, versions = append(page, id), append(versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(page) > limit {
		page, versions = page[:limit], versions[:limit]
		out.NextCursor = offsetCursor(offset + limit)
	}
	return page, versions, nil
}

// fillPage finishes a page of a narrow view from its ids and versions:
// the rows come from pageTickets, the names from nameTickets (with known).
func (db *DB) fillPage(ctx context.Context, out ticket.CustomerPage, ids []int64, versions []time.Time, known map[int64][2]string) (ticket.CustomerPage, error) {
	items, owners, err := db.pageTickets(ctx, ids, versions)
	if err != nil {
		return out, err
	}
	if err := db.nameTickets(ctx, items, owners, known); err != nil {
		return out, err
	}
	out.Items = append(out.Items, items...)
	return out, nil
}

// EachCustomerTicket streams a customer's whole view to fn, row by row.
func (db *DB) EachCustomerTicket(ctx context.Context, f ticket.CustomerFilter, fn func(ticket.CustomerTicket) error) error {
	q, args, err := db.customerSelect(f)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ct ticket.CustomerTicket
		if err := scanCustomerTicket(rows, &ct); err != nil {
			return err
		}
		if err := fn(ct); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CustomerStats counts a customer's view and averages the ratings the
// scope's contact gave on it.
func (db *DB) CustomerStats(ctx context.Context, f ticket.CustomerFilter) (ticket.CustomerStats, error) {
	var out ticket.CustomerStats
	from, fargs, cond, args, _, err := db.customerView(f, "")
	if err != nil {
		return out, err
	}
	var avg sql.NullFloat64
	err = db.queryRow(ctx, `SELECT COUNT(*), CAST(AVG(r.score) AS DOUBLE PRECISION) FROM `+from+`
		LEFT JOIN ratings r ON r.ticket_id = t.id AND r.contact_id = ? WHERE `+cond,
		slices.Concat(fargs, []any{f.Scope.ContactID}, args)...).Scan(&out.Count, &avg)
	if avg.Valid {
		out.AverageScore = &avg.Float64
	}
	return out, err
}

// CustomerTicket returns one ticket of the customer's scope as the list
// shows it; one outside the scope is NotFound.
func (db *DB) CustomerTicket(ctx context.Context, sc ticket.Scope, id int64) (*ticket.CustomerTicket, error) {
	cond, args := db.scopeCond(sc, false, "")
	var ct ticket.CustomerTicket
	err := scanCustomerTicket(db.queryRow(ctx, "SELECT "+customerColumns+" FROM "+customerFrom+" WHERE t.id = ? AND "+cond,
		append([]any{id}, args...)...), &ct)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	return &ct, nil
}

// ScopedAttachment returns an attachment of a public message on a ticket
// in the scope; any other is NotFound.
func (db *DB) ScopedAttachment(ctx context.Context, sc ticket.Scope, id int64) (*ticket.Attachment, error) {
	cond, args := db.scopeCond(sc, false, "")
	var a ticket.Attachment
	err := scanAttachment(db.queryRow(ctx, `SELECT a.id, a.ticket_id, a.message_id, a.blob_key, a.filename, a.content_type, a.size,
		a.sha256, a.created_at FROM attachments a JOIN messages m ON m.id = a.message_id AND m.ticket_id = a.ticket_id
		JOIN tickets t ON t.id = a.ticket_id WHERE a.id = ? AND NOT m.internal AND `+cond, append([]any{id}, args...)...), &a)
	if err != nil {
		return nil, notFound(err, "attachment")
	}
	return &a, nil
}
