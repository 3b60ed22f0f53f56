package store

import (
	"context"
	"database/sql"
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
