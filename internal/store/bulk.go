package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/ticket"
)

// BulkOptions describe a generated data set for load tests: companies,
// contacts, agents, portal accounts and tickets with their conversations,
// written straight into the tables in large transactions.
type BulkOptions struct {
	// Tickets is how many tickets to write.
	Tickets int
	// Companies, Contacts and Agents default to Tickets/200, Tickets/20
	// and 20.
	Companies, Contacts, Agents int
	// Customers is how many contacts of the featured company get a portal
	// account (customer-NNN@nordlys.example).
	Customers int
	// CompanyTickets is how many tickets the featured company has, spread
	// over its customers and over time; at most a quarter of Tickets.
	CompanyTickets int
	// Writers is how many accounts of a company without tickets to open
	// (writer-NNN@writers.example), for tests that create tickets.
	Writers int
	// PasswordHash is the stored hash of every account's and agent's
	// password: hashing is slow, so the caller hashes once.
	PasswordHash string
	// End is the newest ticket's creation time (default: the store's
	// clock); tickets are spread over the two years before it.
	End time.Time
	// Seed makes the data reproducible.
	Seed uint64
	// Progress, when set, hears how many tickets are written so far.
	Progress func(done int)
}

// BulkResult tells what GenerateBulk wrote.
type BulkResult struct {
	Tickets, Messages int
	// CompanyID is the featured company; CompanyTickets its ticket count.
	CompanyID      int64
	CompanyTickets int
	// Customers are the featured company's logins, Writers the others.
	Customers, Writers []string
}

// BulkSearchTerms are words the generated subjects and bodies use, in each
// language; "网络" is shorter than a trigram.
var BulkSearchTerms = []string{"printer", "invoice", "drukarka", "faktura", "skrivaren", "lösenordet", "打印机", "网络", "VPN"}

// bulkChunk is how many tickets one transaction writes.
const bulkChunk = 10_000

// GenerateBulk writes a data set as o describes, with multi-row INSERTs in
// transactions of bulkChunk tickets. The rows are those the normal write
// paths leave behind for a ticket its requester opened and, past the New
// stage, an agent answered and moved on: the ticket in its final state, its
// first public message, the agent's public reply, their ticket.created and
// message.created events, now and then a share with a colleague; accounts
// come with their identities and account.opened events. Triggers index the
// text as for any other row on SQLite; on PostgreSQL each transaction
// writes its tickets' search documents at its end (bulkDocsTriggers).
// Ids follow the highest in use; run it on an idle database.
func (db *DB) GenerateBulk(ctx context.Context, o BulkOptions) (*BulkResult, error) {
	g, err := db.newBulkGen(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("store: bulk: %w", err)
	}
	if err := db.InTx(ctx, g.people); err != nil {
		return nil, fmt.Errorf("store: bulk people: %w", err)
	}
	for done := 0; done < g.o.Tickets; done += bulkChunk {
		end := min(done+bulkChunk, g.o.Tickets)
		if err := db.InTx(ctx, func(ctx context.Context) error { return g.tickets(ctx, done, end) }); err != nil {
			return nil, fmt.Errorf("store: bulk tickets: %w", err)
		}
		if o.Progress != nil {
			o.Progress(end)
		}
	}
	if db.Engine() == "sqlite" {
		// Rows written in bulk leave the text index in many small pieces;
		// one merged index answers searches several times faster.
		if _, err := db.w.ExecContext(ctx, "INSERT INTO ticket_search (ticket_search) VALUES ('optimize')"); err != nil {
			return nil, fmt.Errorf("store: bulk search index: %w", err)
		}
	}
	if db.Engine() == "postgres" {
		for _, t := range []string{"agents", "companies", "contacts", "accounts", "tickets", "messages", "events"} {
			if _, err := db.w.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
				return nil, fmt.Errorf("store: bulk sequence %s: %w", t, err)
			}
		}
		// The planner's statistics and the visibility map, as autovacuum
		// would leave them some time after a load this size: without
		// statistics the planner takes the big tables for small ones, and
		// without the map it reads the table behind every index entry.
		if _, err := db.w.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return nil, fmt.Errorf("store: bulk statistics: %w", err)
		}
	}
	return &g.res, nil
}

// bulkGen holds what generation needs between transactions.
type bulkGen struct {
	db        *DB
	o         BulkOptions
	rng       *rand.Rand
	res       BulkResult
	start     time.Time
	span      time.Duration
	inbox     int64
	pipe      int64
	stages    [4]pipeline.Stage // new, in progress, waiting, closed
	next      map[string]int64  // next id per table
	agents    []int64
	agentName map[int64]string
	contacts  []bulkContact // index = contact id - first contact id
	firstCt   int64
	byCompany map[int64][]int64
	featured  []int64 // the featured company's contacts
	others    []int64 // contacts tickets are spread over
}

type bulkContact struct {
	id      int64
	company *int64
	lang    *bulkLang
	first   string
}

func (db *DB) newBulkGen(ctx context.Context, o BulkOptions) (*bulkGen, error) {
	if o.Tickets < 0 || o.PasswordHash == "" {
		return nil, errors.New("need a ticket count and a password hash")
	}
	if o.Companies <= 0 {
		o.Companies = max(2, o.Tickets/200)
	}
	if o.Contacts <= 0 {
		o.Contacts = max(10, o.Tickets/20)
	}
	if o.Agents <= 0 {
		o.Agents = 20
	}
	o.Customers = max(1, o.Customers)
	o.CompanyTickets = min(o.CompanyTickets, o.Tickets/4)
	if o.End.IsZero() {
		o.End = db.Now()
	}
	o.End = o.End.UTC().Truncate(time.Second)
	g := &bulkGen{db: db, o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		span: 730 * 24 * time.Hour, next: map[string]int64{}, byCompany: map[int64][]int64{},
		agentName: map[int64]string{}}
	g.start = o.End.Add(-g.span)
	ps, err := db.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	ibs, err := db.Inboxes(ctx)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 || len(ps[0].Stages) < 4 || len(ibs) == 0 {
		return nil, errors.New("needs the default pipeline with four stages and an inbox")
	}
	g.pipe, g.inbox = ps[0].ID, ibs[0].ID
	copy(g.stages[:], ps[0].Stages)
	if !g.stages[0].WaitingForAcceptance || g.stages[3].State != pipeline.Closed {
		return nil, errors.New("the first pipeline is not New, In progress, Waiting on customer, Closed")
	}
	for _, t := range []string{"agents", "companies", "contacts", "accounts", "tickets", "messages", "events"} {
		var n int64
		if err := db.w.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		g.next[t] = n + 1
	}
	return g, nil
}

func (g *bulkGen) id(table string) int64 {
	id := g.next[table]
	g.next[table]++
	return id
}

// bulkInsert batches rows of one table into multi-row INSERTs inside the
// current transaction.
type bulkInsert struct {
	db    *DB
	tx    *sql.Tx
	head  string
	ncol  int
	per   int
	full  *sql.Stmt
	args  []any
	count *int
	// after are the inserters of rows these rows refer to: flushed first.
	after []*bulkInsert
}

func (g *bulkGen) inserter(ctx context.Context, table, cols string, count *int) *bulkInsert {
	tx := ctx.Value(txKey{}).(*sql.Tx)
	n := strings.Count(cols, ",") + 1
	return &bulkInsert{db: g.db, tx: tx, head: "INSERT INTO " + table + " (" + cols + ") VALUES ", ncol: n,
		per: 30_000 / n, count: count}
}

func (b *bulkInsert) query(rows int) string {
	row := "(" + placeholders(b.ncol) + ")"
	return b.db.dialect.rebind(b.head + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", "))
}

func (b *bulkInsert) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if b.count != nil {
		*b.count++
	}
	if len(b.args) == b.ncol*b.per {
		return b.flush(ctx)
	}
	return nil
}

func (b *bulkInsert) flush(ctx context.Context) error {
	rows := len(b.args) / b.ncol
	if rows == 0 {
		return nil
	}
	for _, a := range b.after {
		if err := a.flush(ctx); err != nil {
			return err
		}
	}
	var err error
	if rows == b.per {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(ctx, b.query(rows)); err != nil {
				return err
			}
		}
		_, err = b.full.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(ctx, b.query(rows), b.args...)
	}
	clear(b.args)
	b.args = b.args[:0]
	return b.db.dialect.translate(err)
}

func (b *bulkInsert) close(ctx context.Context) error {
	err := b.flush(ctx)
	if b.full != nil {
		b.full.Close()
	}
	return err
}

func bulkFlushAll(ctx context.Context, bs ...*bulkInsert) error {
	for _, b := range bs {
		if err := b.close(ctx); err != nil {
			return err
		}
	}
	return nil
}

// people writes agents, companies, contacts and accounts.
func (g *bulkGen) people(ctx context.Context) error {
	t0 := g.start.Add(-30 * 24 * time.Hour)
	ag := g.inserter(ctx, "agents", "id, email, name, alias, role, password_hash, created_at, updated_at", nil)
	for i := range g.o.Agents {
		id, l := g.id("agents"), g.lang()
		role := "agent"
		if i == 0 {
			role = "admin"
		}
		first := bulkPick(g.rng, l.first)
		if err := ag.add(ctx, id, fmt.Sprintf("agent-%03d@portico.example", i+1), first+" "+bulkPick(g.rng, l.last), first, role,
			g.o.PasswordHash, t0, t0); err != nil {
			return err
		}
		g.agents = append(g.agents, id)
		g.agentName[id] = first
	}
	co := g.inserter(ctx, "companies", "id, name, domain, created_at, updated_at", nil)
	company := func(name string, domain any) (int64, error) {
		id := g.id("companies")
		return id, co.add(ctx, id, name, domain, t0, t0)
	}
	featured, err := company("Nordlys Logistics", "nordlys.example")
	if err != nil {
		return err
	}
	writers, err := company("Portico Load Writers", "writers.example")
	if err != nil {
		return err
	}
	companyLang := map[int64]*bulkLang{}
	var companies []int64
	for i := range g.o.Companies {
		l := g.lang()
		var domain any
		if i%3 != 0 {
			domain = fmt.Sprintf("company-%d.example", i+1)
		}
		id, err := company(fmt.Sprintf(bulkPick(g.rng, l.companies), l.words[i%len(l.words)]+" "+strconv.Itoa(i+1)), domain)
		if err != nil {
			return err
		}
		companies = append(companies, id)
		companyLang[id] = l
	}
	ct := g.inserter(ctx, "contacts", "id, first_name, last_name, email, company_id, language, created_at, updated_at", nil)
	acc := g.inserter(ctx, "accounts", `id, login, login_kind, password_hash, must_change_password, display_name, language,
		verified_at, created_at, updated_at`, nil)
	idn := g.inserter(ctx, "account_identities", "account_id, contact_id, created_at", nil)
	ev := g.inserter(ctx, "events", "id, kind, ticket_id, contact_id, actor_type, actor_id, data, created_at", nil)
	ct.after, acc.after = []*bulkInsert{co}, []*bulkInsert{ct}
	idn.after, ev.after = []*bulkInsert{acc, ct}, []*bulkInsert{ct}
	contact := func(email string, company *int64, l *bulkLang, login bool) (int64, error) {
		id := g.id("contacts")
		if g.firstCt == 0 {
			g.firstCt = id
		}
		first, last := bulkPick(g.rng, l.first), bulkPick(g.rng, l.last)
		if err := ct.add(ctx, id, first, last, email, nullable(company), l.code, t0, t0); err != nil {
			return 0, err
		}
		g.contacts = append(g.contacts, bulkContact{id: id, company: company, lang: l, first: first})
		if company != nil {
			g.byCompany[*company] = append(g.byCompany[*company], id)
		}
		if !login {
			return id, nil
		}
		aid := g.id("accounts")
		if err := acc.add(ctx, aid, email, "email", g.o.PasswordHash, false, strings.TrimSpace(first+" "+last), l.code,
			t0, t0, t0); err != nil {
			return 0, err
		}
		if err := idn.add(ctx, aid, id, t0); err != nil {
			return 0, err
		}
		data, _ := json.Marshal(map[string]any{"account_id": aid, "send_via": "none"})
		return id, ev.add(ctx, g.id("events"), event.AccountOpened, nil, id, event.ActorSystem, nil, string(data), t0)
	}
	for i := range g.o.Customers {
		login := fmt.Sprintf("customer-%03d@nordlys.example", i+1)
		id, err := contact(login, &featured, &bulkLangs[i%len(bulkLangs)], true)
		if err != nil {
			return err
		}
		g.featured = append(g.featured, id)
		g.res.Customers = append(g.res.Customers, login)
	}
	for i := range g.o.Writers {
		login := fmt.Sprintf("writer-%03d@writers.example", i+1)
		if _, err := contact(login, &writers, &bulkLangs[0], true); err != nil {
			return err
		}
		g.res.Writers = append(g.res.Writers, login)
	}
	for i := range g.o.Contacts {
		var company *int64
		l := g.lang()
		if len(companies) > 0 && g.rng.IntN(100) < 85 {
			c := companies[g.rng.IntN(len(companies))]
			company, l = &c, companyLang[c]
			if g.rng.IntN(10) == 0 {
				l = g.lang()
			}
		}
		id, err := contact(fmt.Sprintf("contact-%07d@example.net", i+1), company, l, false)
		if err != nil {
			return err
		}
		g.others = append(g.others, id)
	}
	g.res.CompanyID = featured
	return bulkFlushAll(ctx, ag, co, ct, acc, idn, ev)
}

// lang picks a language: English 40%, the others 20% each.
func (g *bulkGen) lang() *bulkLang {
	n := g.rng.IntN(5)
	if n == 4 {
		n = 0
	}
	return &bulkLangs[n]
}

func bulkPick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// requester picks the contact of ticket i: the featured company's tickets
// are spread evenly over the range, the rest lean towards a tenth of the
// contacts that write most.
func (g *bulkGen) requester(i int) (bulkContact, bool) {
	n, c := g.o.Tickets, g.o.CompanyTickets
	if c > 0 && (i+1)*c/n > i*c/n {
		k := i * c / n
		return g.contacts[g.featured[k%len(g.featured)]-g.firstCt], true
	}
	pool := g.others
	if len(pool) == 0 {
		pool = g.featured
	}
	if g.rng.IntN(10) < 3 {
		pool = pool[:max(1, len(pool)/10)]
	}
	return g.contacts[bulkPick(g.rng, pool)-g.firstCt], false
}

// bulkDocsTriggers turns off, or back on, the PostgreSQL triggers that keep
// a search document as tickets and messages are inserted (migration
// 00011). Generation turns them off in each of its transactions and writes
// the documents of the transaction's tickets at its end (bulkDocsSQL), once
// each and company by company as the migration wrote the existing ones,
// instead of once per ticket and again per message. ALTER TABLE is part of
// the transaction: the triggers are on again when it ends, however it ends.
func (g *bulkGen) bulkDocsTriggers(ctx context.Context, on bool) error {
	verb := "DISABLE"
	if on {
		verb = "ENABLE"
	}
	for _, q := range []string{"ALTER TABLE tickets %s TRIGGER ticket_docs_ticket_insert", "ALTER TABLE messages %s TRIGGER ticket_docs_message_insert"} {
		if _, err := g.db.exec(ctx, fmt.Sprintf(q, verb)); err != nil {
			return fmt.Errorf("search document triggers: %w", err)
		}
	}
	return nil
}

// bulkDocsSQL writes the search documents of the tickets with ids in
// [?, ?), as the triggers would have.
const bulkDocsSQL = `INSERT INTO ticket_docs (ticket_id, company_id, doc, notes)
	SELECT t.id, t.company_id, lower(t.subject || COALESCE(E'\n' || m.doc, '')), lower(COALESCE(m.notes, ''))
	FROM tickets t
	LEFT JOIN (SELECT ticket_id, string_agg(body, E'\n' ORDER BY id) FILTER (WHERE NOT internal) AS doc,
			string_agg(body, E'\n' ORDER BY id) FILTER (WHERE internal) AS notes
		FROM messages WHERE ticket_id >= ? AND ticket_id < ? GROUP BY ticket_id) m ON m.ticket_id = t.id
	WHERE t.id >= ? AND t.id < ?
	ORDER BY t.company_id, t.id`

// tickets writes tickets [from, to).
func (g *bulkGen) tickets(ctx context.Context, from, to int) error {
	pg := g.db.Engine() == "postgres"
	if pg {
		if err := g.bulkDocsTriggers(ctx, false); err != nil {
			return err
		}
	}
	first := g.next["tickets"]
	tk := g.inserter(ctx, "tickets", `id, subject, requester_id, company_id, inbox_id, pipeline_id, stage_id, owner_id, priority,
		source, reply_channel, draft, properties, created_at, updated_at, last_activity_at, stage_entered_at, closed_at`, &g.res.Tickets)
	ms := g.inserter(ctx, "messages", `id, ticket_id, author_type, author_agent_id, author_contact_id, body, internal, resolution,
		channel, created_at`, &g.res.Messages)
	ev := g.inserter(ctx, "events", "id, kind, ticket_id, contact_id, actor_type, actor_id, data, created_at", nil)
	sh := g.inserter(ctx, "ticket_shares", "ticket_id, contact_id, shared_by, created_at", nil)
	ms.after, ev.after, sh.after = []*bulkInsert{tk}, []*bulkInsert{tk}, []*bulkInsert{tk}
	step := g.span / time.Duration(max(1, g.o.Tickets))
	for i := from; i < to; i++ {
		if err := g.ticket(ctx, i, step, tk, ms, ev, sh); err != nil {
			return err
		}
	}
	if err := bulkFlushAll(ctx, tk, ms, ev, sh); err != nil || !pg {
		return err
	}
	end := g.next["tickets"]
	if _, err := g.db.exec(ctx, bulkDocsSQL, first, end, first, end); err != nil {
		return fmt.Errorf("search documents: %w", err)
	}
	return g.bulkDocsTriggers(ctx, true)
}

func (g *bulkGen) ticket(ctx context.Context, i int, step time.Duration, tk, ms, ev, sh *bulkInsert) error {
	r := g.rng
	c, featured := g.requester(i)
	if featured {
		g.res.CompanyTickets++
	}
	l := c.lang
	created := g.start.Add(time.Duration(i)*step + time.Duration(r.Int64N(int64(max(step, 1))))).Truncate(time.Microsecond)
	st := g.stage(g.o.End.Sub(created))
	thing := bulkPick(r, l.things)
	subject := bulkCapitalize(fmt.Sprintf(bulkPick(r, l.subjects), thing))
	body := g.body(l, thing, c.first)
	source := bulkPick(r, []string{ticket.SourcePortal, ticket.SourcePortal, ticket.SourceEmail, ticket.SourceEmail, ticket.SourceAPI})
	channel := map[string]string{ticket.SourcePortal: ticket.MessagePortal, ticket.SourceEmail: ticket.MessageEmail}[source]
	if channel == "" {
		channel = ticket.MessageAPI
	}
	replyChannel := ticket.ChannelEmail
	if source == ticket.SourcePortal && r.IntN(4) == 0 {
		replyChannel = ticket.ChannelPortal
	}
	var priority any
	if p := r.IntN(20); p < 8 {
		priority = ticket.Priorities[min(p/2, 3)]
	}
	id := g.id("tickets")
	updated, activity, entered := created, created, created
	var owner *int64
	var closed *time.Time
	var reply time.Time
	if st != 0 {
		a := bulkPick(r, g.agents)
		owner = &a
		reply = bulkMinTime(created.Add(time.Duration(10+r.IntN(2*24*60))*time.Minute), g.o.End)
		activity, entered, updated = reply, reply, reply
		if st == 3 {
			at := bulkMinTime(reply.Add(time.Duration(r.IntN(3*24*60))*time.Minute), g.o.End)
			closed, entered, updated = &at, at, at
		}
	}
	if err := tk.add(ctx, id, subject, c.id, nullable(c.company), g.inbox, g.pipe, g.stages[st].ID, nullable(owner), priority,
		source, replyChannel, false, "{}", created, updated, activity, entered, nullable(closed)); err != nil {
		return err
	}
	created1, _ := json.Marshal(map[string]any{"subject": subject, "source": source, "draft": false})
	if err := ev.add(ctx, g.id("events"), event.TicketCreated, id, c.id, event.ActorContact, c.id, string(created1), created); err != nil {
		return err
	}
	if err := g.message(ctx, ms, ev, id, c.id, event.ActorContact, c.id, body, channel, created); err != nil {
		return err
	}
	if owner != nil {
		text := bulkCapitalize(fmt.Sprintf(bulkPick(r, l.replies), thing)) + "\n\n" + bulkPick(r, l.closings) + "\n" +
			g.agentName[*owner]
		if err := g.message(ctx, ms, ev, id, c.id, event.ActorAgent, *owner, text, ticket.MessageDesk, reply); err != nil {
			return err
		}
	}
	if c.company != nil && r.IntN(100) == 0 {
		if mates := g.byCompany[*c.company]; len(mates) > 1 {
			if to := bulkPick(r, mates); to != c.id {
				return sh.add(ctx, id, to, c.id, created)
			}
		}
	}
	return nil
}

// message writes a public message and its event; actor is its author.
func (g *bulkGen) message(ctx context.Context, ms, ev *bulkInsert, ticketID, contactID int64, actor string, actorID int64,
	body, channel string, at time.Time) error {
	id := g.id("messages")
	var agentID, authorContact any
	if actor == event.ActorAgent {
		agentID = actorID
	} else {
		authorContact = actorID
	}
	if err := ms.add(ctx, id, ticketID, actor, agentID, authorContact, body, false, false, channel, at); err != nil {
		return err
	}
	data := `{"attachments":0,"internal":false,"message_id":` + strconv.FormatInt(id, 10) + `}`
	return ev.add(ctx, g.id("events"), event.MessageCreated, ticketID, contactID, actor, actorID, data, at)
}

// stage picks the stage index of a ticket of the given age: recent
// tickets are mostly open, old ones almost all closed.
func (g *bulkGen) stage(age time.Duration) int {
	day := 24 * time.Hour
	var weights [4]int // per mille: new, in progress, waiting, closed
	switch {
	case age < 2*day:
		weights = [4]int{500, 300, 150, 50}
	case age < 14*day:
		weights = [4]int{100, 300, 200, 400}
	case age < 60*day:
		weights = [4]int{10, 50, 40, 900}
	default:
		weights = [4]int{1, 4, 5, 990}
	}
	n := g.rng.IntN(1000)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return 3
}

func (g *bulkGen) body(l *bulkLang, thing, name string) string {
	r := g.rng
	var b strings.Builder
	b.WriteString(bulkPick(r, l.openings))
	b.WriteString("\n\n")
	for k := 2 + r.IntN(3); k > 0; k-- {
		b.WriteString(fmt.Sprintf(bulkPick(r, l.details), thing))
		b.WriteString(l.space)
	}
	b.WriteString(fmt.Sprintf(bulkPick(r, l.extras), 1000+r.IntN(900000)))
	b.WriteString("\n\n")
	b.WriteString(bulkPick(r, l.closings))
	b.WriteString("\n")
	b.WriteString(name)
	return b.String()
}

func bulkCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func bulkMinTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// bulkLang is the vocabulary of one language.
type bulkLang struct {
	code, space                                      string
	things, subjects, openings, details, extras      []string
	closings, replies, first, last, companies, words []string
}

var bulkLangs = []bulkLang{
	{
		code: "en", space: " ",
		things: []string{"printer", "VPN", "laptop", "invoice", "password", "email account", "website", "mobile app", "monitor",
			"Wi-Fi", "backup", "calendar", "license", "shipment", "report", "payment"},
		subjects: []string{"%s not working", "Problem with the %s", "Cannot access the %s since this morning", "The %s is very slow",
			"Question about my %s", "Error message from the %s", "Need help setting up the %s", "%s stopped syncing",
			"Urgent: %s down for the whole team", "Request for a new %s", "How do I reset the %s?", "%s keeps crashing"},
		openings: []string{"Hello,", "Hi support team,", "Good morning,", "Dear Sir or Madam,", "Hi there,"},
		details: []string{"Since yesterday the %s shows an error and nothing happens.",
			"I have tried restarting the %s twice but the problem is still there.",
			"Three people in our office are affected by the %s issue.", "The %s worked fine until the update last week.",
			"Could you please check what is wrong with the %s?", "We need the %s working before the end of the month.",
			"Our manager asked me to report the %s problem to you.", "Is there a known outage affecting the %s?"},
		extras:   []string{"Order number %d.", "The screen shows error code E-%d.", "Our customer number is %d."},
		closings: []string{"Thanks in advance,", "Best regards,", "Kind regards,", "Thank you,"},
		replies: []string{"thank you for reaching out. We have looked into the %s and applied a fix; please try again.",
			"could you send us a screenshot of the error you see on the %s?",
			"we have replaced the %s configuration on our side. It should work again within the hour.",
			"the %s issue was caused by a maintenance window. Everything is back to normal now."},
		first:     []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "Susan", "Thomas"},
		last:      []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore", "White"},
		companies: []string{"%s Ltd", "%s Inc", "%s Group", "%s Partners"},
		words:     []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Wonka", "Cyberdyne", "Tyrell"},
	},
	{
		code: "pl", space: " ",
		things: []string{"drukarka", "VPN", "laptop", "faktura", "hasło", "konto pocztowe", "strona internetowa", "aplikacja mobilna",
			"monitor", "Wi-Fi", "kopia zapasowa", "kalendarz", "licencja", "przesyłka", "raport", "płatność"},
		subjects: []string{"%s nie działa", "Problem: %s", "Pilne: %s – brak dostępu od rana", "Pytanie, temat: %s", "Błąd – %s",
			"Prośba o pomoc: %s", "%s działa bardzo wolno", "%s – brak synchronizacji", "Zgłoszenie: %s", "Awaria: %s"},
		openings: []string{"Dzień dobry,", "Witam,", "Szanowni Państwo,", "Cześć,"},
		details: []string{"Od wczoraj %s pokazuje błąd i nic się nie dzieje.", "Próbowałem dwa razy ponownie uruchomić – %s nadal nie działa.",
			"Problem (%s) dotyczy trzech osób w naszym biurze.", "Do zeszłego tygodnia %s działała bez zarzutu.",
			"Proszę sprawdzić, co jest nie tak. Chodzi o: %s.", "Potrzebujemy, żeby %s działała przed końcem miesiąca.",
			"Zażółć gęślą jaźń – tak wygląda tekst po aktualizacji, temat: %s."},
		extras:    []string{"Numer zamówienia %d.", "Na ekranie widać kod błędu E-%d.", "Nasz numer klienta to %d."},
		closings:  []string{"Pozdrawiam,", "Z poważaniem,", "Dziękuję z góry,"},
		replies:   []string{"dziękujemy za zgłoszenie. Sprawdziliśmy temat (%s) i wdrożyliśmy poprawkę.", "prosimy o zrzut ekranu błędu – %s.", "problem (%s) wynikał z prac serwisowych. Wszystko działa już poprawnie."},
		first:     []string{"Anna", "Piotr", "Katarzyna", "Krzysztof", "Małgorzata", "Tomasz", "Agnieszka", "Paweł", "Ewa", "Michał", "Zofia", "Łukasz"},
		last:      []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Woźniak", "Dąbrowski"},
		companies: []string{"%s Sp. z o.o.", "%s S.A.", "Grupa %s"},
		words:     []string{"Polmar", "Wisła", "Tatry", "Bursztyn", "Mazowsze", "Żuraw", "Sokół", "Orzeł", "Bałtyk", "Kraków"},
	},
	{
		code: "sv", space: " ",
		things: []string{"skrivaren", "VPN", "datorn", "fakturan", "lösenordet", "e-postkontot", "webbplatsen", "mobilappen", "skärmen",
			"wifi", "säkerhetskopian", "kalendern", "licensen", "leveransen", "rapporten", "betalningen"},
		subjects: []string{"%s fungerar inte", "Problem med %s", "Kommer inte åt %s sedan i morse", "%s är väldigt långsam",
			"Fråga om %s", "Felmeddelande: %s", "Behöver hjälp med %s", "Brådskande: %s ligger nere för hela teamet",
			"Hur återställer jag %s?", "%s kraschar hela tiden"},
		openings: []string{"Hej,", "Hej supporten,", "God morgon,", "Hallå,"},
		details: []string{"Sedan i går visar %s ett fel och ingenting händer.", "Jag har startat om två gånger men %s strular fortfarande.",
			"Tre personer på vårt kontor har problem med %s.", "Innan höstens uppdatering fungerade %s utmärkt.",
			"Kan ni kontrollera vad som är fel med %s?", "Vi behöver att %s fungerar före månadsskiftet, åtgärda snälla."},
		extras:    []string{"Ordernummer %d.", "Skärmen visar felkod E-%d.", "Vårt kundnummer är %d."},
		closings:  []string{"Med vänliga hälsningar,", "Tack på förhand,", "Hälsningar,"},
		replies:   []string{"tack för att du hörde av dig. Vi har undersökt %s och åtgärdat felet.", "kan du skicka en skärmbild av felet för %s?", "felet med %s berodde på ett underhållsarbete. Allt fungerar nu."},
		first:     []string{"Erik", "Anna", "Lars", "Maria", "Karl", "Eva", "Anders", "Karin", "Johan", "Sara", "Åsa", "Björn"},
		last:      []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Jönsson", "Lindström"},
		companies: []string{"%s AB", "%s Handel AB", "%s Konsult"},
		words:     []string{"Norrsken", "Fjällräv", "Älvdal", "Skogsby", "Havsörn", "Granlund", "Björkvik", "Sjöfart", "Solberga", "Vinterö"},
	},
	{
		code: "zh-CN", space: "",
		things: []string{"打印机", "VPN", "笔记本电脑", "发票", "密码", "邮箱账户", "网站", "手机应用", "显示器", "无线网络", "备份", "日历",
			"许可证", "快递", "报表", "付款"},
		subjects: []string{"%s无法使用", "%s出现问题", "今天早上开始无法访问%s", "%s非常慢", "关于%s的问题", "%s报错", "需要帮助设置%s",
			"%s停止同步", "紧急：整个团队的%s都不能用", "如何重置%s？", "%s一直崩溃"},
		openings: []string{"您好，", "你好，", "早上好，", "尊敬的客服："},
		details: []string{"从昨天开始%s一直显示错误。", "我已经重启了两次，但%s的问题仍然存在。", "我们办公室有三个人受到%s问题的影响。",
			"上周更新之前%s一切正常。", "请帮忙检查一下%s出了什么问题。", "我们需要在月底之前让%s恢复正常。", "公司网络无法连接，%s也不工作。"},
		extras:    []string{"订单号%d。", "屏幕显示错误代码E-%d。", "我们的客户编号是%d。"},
		closings:  []string{"谢谢！", "此致敬礼，", "麻烦了，"},
		replies:   []string{"感谢您的反馈。我们已经检查了%s并修复了问题。", "请发送一张%s错误的截图。", "%s的问题是由系统维护引起的，现在已经恢复正常。"},
		first:     []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"},
		last:      []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"},
		companies: []string{"%s科技有限公司", "%s贸易有限公司", "%s集团"},
		words:     []string{"华信", "东方", "长城", "天马", "金桥", "新星", "恒通", "远航", "宏达", "联创"},
	},
}
