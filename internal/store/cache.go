package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portico/internal/portal"
	"portico/internal/property"
)

// maxStatements bounds the prepared statement cache: queries built from
// filters vary, and each distinct text would otherwise stay prepared.
const maxStatements = 1000

// statements keeps read statements prepared on SQLite, where parsing and
// planning a short query costs about as much as running it. (PostgreSQL's
// driver keeps its own cache on each connection.)
type statements struct {
	m sync.Map // query text → *sql.Stmt
	n atomic.Int32
}

// prepared returns a prepared statement for the query q outside a
// transaction, or nil when the plain query should run instead.
func (db *DB) prepared(ctx context.Context, q string) *sql.Stmt {
	if db.stmts == nil {
		return nil
	}
	if inTx(ctx) {
		return nil
	}
	if v, ok := db.stmts.m.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if db.stmts.n.Load() >= maxStatements {
		return nil
	}
	st, err := db.r.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil // the plain query reports the error
	}
	if prev, loaded := db.stmts.m.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	db.stmts.n.Add(1)
	return st
}

// txStatements keeps the statements of SQLite write transactions prepared
// on the one writing connection. Preparing a write compiles the triggers
// it fires, which costs more than running it, and every write waits for
// the one connection. A text first seen in a transaction runs unprepared
// and is prepared once that batch has committed, when the connection is
// free (prepareWanted).
type txStatements struct {
	statements
	mu     sync.Mutex
	wanted map[string]bool
}

// txPrepared returns the statement of q for tx, or nil when q should run
// as it is.
func (db *DB) txPrepared(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	if db.txStmts == nil {
		return nil
	}
	if v, ok := db.txStmts.m.Load(q); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	// Only single statements: a prepared text runs its first statement
	// alone.
	if db.txStmts.n.Load() < maxStatements && !strings.Contains(q, ";") {
		db.txStmts.mu.Lock()
		if db.txStmts.wanted == nil {
			db.txStmts.wanted = map[string]bool{}
		}
		db.txStmts.wanted[q] = true
		db.txStmts.mu.Unlock()
	}
	return nil
}

// prepareWanted prepares the statements transactions asked for on the
// writing connection; the batch goroutine calls it between batches.
func (db *DB) prepareWanted() {
	if db.txStmts == nil {
		return
	}
	db.txStmts.mu.Lock()
	wanted := db.txStmts.wanted
	db.txStmts.wanted = nil
	db.txStmts.mu.Unlock()
	for q := range wanted {
		if db.txStmts.n.Load() >= maxStatements {
			return
		}
		if _, ok := db.txStmts.m.Load(q); ok {
			continue
		}
		st, err := db.w.Prepare(q)
		if err != nil {
			continue // run as it is, which reports the error
		}
		db.txStmts.m.Store(q, st)
		db.txStmts.n.Add(1)
	}
}

// stmt returns the prepared statement of the query q in ctx, in or out of
// a transaction, or nil when q should run as it is.
func (db *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return db.txPrepared(ctx, tx, q)
	}
	return db.prepared(ctx, q)
}

func (s *statements) close() {
	if s == nil {
		return
	}
	s.m.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}

// settingsTTL is how long settings read from the database are reused. This
// process sees its own changes at once; another instance sharing the
// database sees them within this time.
const settingsTTL = time.Second

// settingsCache keeps what nearly every request reads and admins rarely
// change: portal settings and property definitions. Callers must treat
// what it returns as read-only.
type settingsCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by every change, so a read that raced one is not kept
	portals map[string]cachedPortal
	defs    []property.Definition
	defsAt  time.Time
	// lists are whole small tables the desk reads on every page: agents,
	// pipelines with their stages, inboxes, portals.
	lists map[string]listEntry
}

type listEntry struct {
	v  any
	at time.Time
}

type cachedPortal struct {
	p  portal.Settings
	at time.Time
}

// changed forgets everything; call it after writing settings.
func (c *settingsCache) changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.portals = nil
	c.defs = nil
	c.lists = nil
}

// cachedList returns the table key as read within settingsTTL, or reads
// it; each caller gets its own copy of the list (copy makes one).
func cachedList[T any](ctx context.Context, db *DB, key string, read func() ([]T, error), copy func([]T) []T) ([]T, error) {
	if !cacheable(ctx) {
		return read()
	}
	c := db.settings
	c.mu.Lock()
	e, ok := c.lists[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && time.Since(e.at) < settingsTTL {
		return copy(e.v.([]T)), nil
	}
	v, err := read()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if gen == c.gen {
		if c.lists == nil {
			c.lists = map[string]listEntry{}
		}
		c.lists[key] = listEntry{v: copy(v), at: time.Now()}
	}
	c.mu.Unlock()
	return v, nil
}

func (c *settingsCache) portal(slug string) (*portal.Settings, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.portals[slug]; ok && time.Since(e.at) < settingsTTL {
		p := e.p
		return &p, c.gen, true
	}
	return nil, c.gen, false
}

func (c *settingsCache) keepPortal(slug string, p *portal.Settings, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.portals == nil {
		c.portals = map[string]cachedPortal{}
	}
	c.portals[slug] = cachedPortal{p: *p, at: time.Now()}
}

func (c *settingsCache) definitions() ([]property.Definition, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.defs != nil && time.Since(c.defsAt) < settingsTTL {
		return c.defs, c.gen, true
	}
	return nil, c.gen, false
}

func (c *settingsCache) keepDefinitions(d []property.Definition, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.defs, c.defsAt = d, time.Now()
}

// cacheable reports whether a read may use the settings cache: not inside
// a transaction, which must see its own writes and lock what it reads.
func cacheable(ctx context.Context) bool {
	return !inTx(ctx)
}
