package store

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"portico/internal/ticket"
)

// viewCache keeps the pages of customers' lists that were read from the
// scope's indexes: the ids of each page, with the updated_at of each
// ticket and the count of the whole view, for the view's filter. A page is
// reused only while the versions of what it was read from (view_versions,
// kept by triggers in every writer's transaction) read the same; the rows
// then come from pageRows, the requester and company names from the entry
// and the others from the cached settings, as for any page.
//
// SQLite only. On PostgreSQL, where instances scale out, a version row per
// company would make every writer of the company wait for the one before.
type viewCache struct {
	mu sync.Mutex
	m  map[string]viewEntry
}

type viewEntry struct {
	versions [3]int64 // settings, contact, company
	ids      []int64
	at       []time.Time
	total    int
	next     string
	names    map[int64][2]string // ticket id → requester and company names
}

// maxViews bounds the cache; past it, a tenth is forgotten at random. An
// entry is a page of ids and times, about a kilobyte.
const maxViews = 20_000

// viewKeys are the view_versions keys a scope's pages depend on: settings,
// the contact's own and shared tickets, the company's tickets.
func viewKeys(sc ticket.Scope) [3]int64 {
	k := [3]int64{0, sc.ContactID*4 + 1, -1}
	if sc.CompanyID != 0 {
		k[2] = sc.CompanyID*4 + 2
	}
	return k
}

// viewVersions reads the current versions of the scope's keys.
func (db *DB) viewVersions(ctx context.Context, sc ticket.Scope) ([3]int64, error) {
	keys := viewKeys(sc)
	var out [3]int64
	rows, err := db.query(ctx, "SELECT key, v FROM view_versions WHERE key IN (?, ?, ?)", keys[0], keys[1], keys[2])
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			return out, err
		}
		for i := range keys {
			if keys[i] == k {
				out[i] = v
			}
		}
	}
	return out, rows.Err()
}

// viewKey is the cache key of a filter: its JSON, which lists every field
// and a map's keys in order.
func viewKey(f ticket.CustomerFilter) (string, bool) {
	b, err := json.Marshal(f)
	return string(b), err == nil
}

func (c *viewCache) get(key string, versions [3]int64) (viewEntry, bool) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	return e, ok && e.versions == versions
}

func (c *viewCache) keep(key string, e viewEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]viewEntry{}
	}
	if len(c.m) >= maxViews {
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= maxViews/10 {
				break
			}
		}
	}
	c.m[key] = e
}
