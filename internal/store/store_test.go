package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/pipeline"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func TestFreshDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ps, err := db.Pipelines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].Name != "Support" || len(ps[0].Stages) != 4 {
			t.Fatalf("pipelines = %+v", ps)
		}
		wantStages := []struct {
			name, state string
			waiting     bool
		}{
			{"New", pipeline.Open, true},
			{"In progress", pipeline.Open, false},
			{"Waiting on customer", pipeline.Open, false},
			{"Closed", pipeline.Closed, false},
		}
		for i, w := range wantStages {
			s := ps[0].Stages[i]
			if s.Name != w.name || s.State != w.state || s.WaitingForAcceptance != w.waiting || s.Position != i || s.PipelineID != ps[0].ID {
				t.Errorf("stage %d = %+v, want %+v at position %d", i, s, w, i)
			}
		}
		inboxes, err := db.Inboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(inboxes) != 1 || inboxes[0].Name != "Support" {
			t.Errorf("inboxes = %+v", inboxes)
		}
		defs, err := db.PropertyDefinitions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(defs) != 15 {
			t.Errorf("%d property definitions, want 15", len(defs))
		}
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		closed := ps[0].Stages[3].ID
		if p.CloseStageByPipeline[strconv.FormatInt(ps[0].ID, 10)] != closed || len(p.Columns) != 7 {
			t.Fatalf("portal = %+v", p)
		}
		if p.DefaultInboxID != inboxes[0].ID || !p.Enabled {
			t.Errorf("portal inbox %d enabled %v, want inbox %d enabled", p.DefaultInboxID, p.Enabled, inboxes[0].ID)
		}
		slug, err := db.MainPortalSlug(ctx)
		if err != nil || slug != "support" {
			t.Errorf("MainPortalSlug = %q, %v", slug, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A store with its own clock shares the database with the one it came
// from: what one writes the other reads, each with its own times.
func TestWithClock(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		past := time.Date(2019, 5, 4, 3, 2, 1, 123456789, time.FixedZone("CEST", 2*3600))
		seeded := db.WithClock(func() time.Time { return past })
		c := newContact(t, seeded, "Seeded", "", nil)
		want := past.UTC().Truncate(time.Microsecond)
		if !c.CreatedAt.Equal(want) || c.CreatedAt.Location() != time.UTC {
			t.Errorf("created at %v, want %v in UTC at microsecond precision", c.CreatedAt, want)
		}
		got, err := db.Contact(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(want) {
			t.Errorf("read back created_at %v, want %v", got.CreatedAt, want)
		}
		if !db.Now().Equal(clk.Now()) || !seeded.Now().Equal(want) {
			t.Errorf("clocks: original %v, seeded %v", db.Now(), seeded.Now())
		}
	})
}

// clock is the tests' settable time source.
type clock = storetest.Clock

func newClock() *clock { return storetest.NewClock() }

// rawDB is a second, plain connection to a store's database, for setting
// up states the store has no method for (a revoked key, a second portal)
// and for looking at columns it does not return.
type rawDB struct {
	t      testing.TB
	db     *sql.DB
	engine string
}

func (r *rawDB) rebind(q string) string {
	if r.engine != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *rawDB) exec(q string, args ...any) {
	r.t.Helper()
	if _, err := r.db.Exec(r.rebind(q), args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

func (r *rawDB) queryRow(q string, args ...any) *sql.Row {
	return r.db.QueryRow(r.rebind(q), args...)
}

// eachRaw is storetest.Each with a store on an injected clock and a raw
// connection to the same database.
func eachRaw(t *testing.T, fn func(t *testing.T, db *store.DB, raw *rawDB, clk *clock)) {
	t.Helper()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			clk := newClock()
			db, raw := openRaw(t, engine, clk.Now)
			fn(t, db, raw, clk)
		})
	}
}

func openRaw(t testing.TB, engine string, now func() time.Time) (*store.DB, *rawDB) {
	t.Helper()
	ctx := context.Background()
	o := storetest.Options(t, engine, now)
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, rawOf(t, engine, o)
}

// rawOf is a raw connection to the database of o.
func rawOf(t testing.TB, engine string, o store.Options) *rawDB {
	t.Helper()
	var raw *sql.DB
	var err error
	if engine == "postgres" {
		raw, err = sql.Open("pgx", o.DatabaseURL)
	} else {
		path := filepath.ToSlash(filepath.Join(o.DataDir, store.SQLiteFile))
		raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return &rawDB{t: t, db: raw, engine: engine}
}

// wantKind fails unless err is an apperr of kind k.
func wantKind(t testing.TB, err error, k apperr.Kind) {
	t.Helper()
	if !apperr.Is(err, k) {
		t.Fatalf("error = %v (kind %v), want kind %v", err, apperr.KindOf(err), k)
	}
}

func ptr[T any](v T) *T { return &v }

// supportPipeline is the pipeline every fresh store starts with.
func supportPipeline(t testing.TB, db *store.DB) pipeline.Pipeline {
	t.Helper()
	ps, err := db.Pipelines(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

func newCompany(t testing.TB, db *store.DB, name string, domain *string) *contact.Company {
	t.Helper()
	c := &contact.Company{Name: name, Domain: domain}
	if err := db.CreateCompany(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func newContact(t testing.TB, db *store.DB, first, last string, companyID *int64) *contact.Contact {
	t.Helper()
	c := &contact.Contact{FirstName: first, LastName: last, CompanyID: companyID, Language: "en"}
	if err := db.CreateContact(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// newTicket inserts a ticket in the first stage of the Support pipeline,
// at the store's time, after edit has had its say.
func newTicket(t testing.TB, db *store.DB, subject string, requester *contact.Contact, edit ...func(*ticket.Ticket)) *ticket.Ticket {
	t.Helper()
	ctx := context.Background()
	p := supportPipeline(t, db)
	inboxes, err := db.Inboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := db.Now()
	tk := &ticket.Ticket{
		Subject: subject, RequesterID: requester.ID, CompanyID: requester.CompanyID, InboxID: inboxes[0].ID,
		PipelineID: p.ID, StageID: p.Stages[0].ID, Source: ticket.SourceAPI, ReplyChannel: ticket.ChannelEmail,
		Properties: map[string]any{}, CreatedAt: now, UpdatedAt: now, LastActivityAt: now, StageEnteredAt: now,
	}
	for _, f := range edit {
		f(tk)
	}
	if err := db.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

// ids returns the ids of a page's items.
func ticketIDs(ts []ticket.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, tk := range ts {
		out[i] = tk.ID
	}
	return out
}
