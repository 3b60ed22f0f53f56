package store

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/ticket"
)

// viewCache keeps what customers read most: their accounts
// (AccountSessionByToken), the tickets they open (CustomerDetail), and the
// pages of their lists read from the scope's indexes (the ids of each
// page with each ticket's updated_at, the count of the whole view, the
// requester and company names). Each is reused only while the versions of
// what it was read from (view_versions, kept by triggers in every writer's
// transaction, whichever process writes) read the same; a page's rows then
// come from pageRows and its other names from the cached settings, as for
// any page.
//
// SQLite only. On PostgreSQL, where instances scale out, a version row per
// company would make every writer of the company wait for the one before.
type viewCache struct {
	pages    bounded[string, viewEntry]
	details  bounded[string, detailEntry]
	accounts bounded[int64, accountEntry] // by account id
}

// accountEntry is a signed-in customer's account with its identities, and
// the version (key account id * 4 + 3) it was read at.
type accountEntry struct {
	version int64
	a       account.Account
}

// maxAccounts bounds the kept accounts.
const maxAccounts = 20_000

type viewEntry struct {
	versions [3]int64 // settings, contact, company
	ids      []int64
	at       []time.Time
	total    int
	next     string
	names    map[int64][2]string // ticket id → requester and company names
}

// maxViews bounds the kept pages; past it, a tenth is forgotten at
// random. A page of ids, times and names takes about 3 KB.
const maxViews = 10_000

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

// viewState is what a read of the view f needs to use viewCache: the
// view's key and the scope's current versions, with cached false when it
// may not (PostgreSQL, a transaction).
func (db *DB) viewState(ctx context.Context, f ticket.CustomerFilter) (key string, versions [3]int64, cached bool, err error) {
	if db.views == nil || !cacheable(ctx) {
		return "", versions, false, nil
	}
	if key, cached = viewKey(f); !cached {
		return "", versions, false, nil
	}
	versions, err = db.viewVersions(ctx, f.Scope)
	return key, versions, err == nil, err
}

// viewKey is the cache key of a filter: its JSON, which lists every field
// and a map's keys in order.
func viewKey(f ticket.CustomerFilter) (string, bool) {
	b, err := json.Marshal(f)
	return string(b), err == nil
}

// bounded is a map of at most max entries, safe for concurrent use; past
// max, a tenth is forgotten at random.
type bounded[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (b *bounded[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	v, ok := b.m[k]
	b.mu.Unlock()
	return v, ok
}

func (b *bounded[K, V]) put(k K, v V, max int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[K]V{}
	}
	if len(b.m) >= max {
		n := 0
		for k := range b.m {
			delete(b.m, k)
			if n++; n >= max/10 {
				break
			}
		}
	}
	b.m[k] = v
}

// detailEntry is a ticket as a customer sees it, with the versions it was
// read at.
type detailEntry struct {
	versions [3]int64
	d        ticket.CustomerDetail
}

// maxDetails bounds the kept tickets, and maxDetailText the text of one
// (subject and messages): a long conversation is read each time, so that
// kept tickets take at most some 64 MB.
const (
	maxDetails    = 4096
	maxDetailText = 16 << 10
)

// detailText is the length of a ticket's subject and messages.
func detailText(d *ticket.CustomerDetail) int {
	n := len(d.Subject)
	for _, m := range d.Messages {
		n += len(m.Body) + 100*len(m.Attachments)
	}
	return n
}

// CustomerDetail returns a ticket in the scope with its public messages
// and its rating, without its place in the queue. It is read-only: its
// slices and maps may be shared with other readers. On SQLite it is kept,
// and reused while the scope's view versions read the same.
func (db *DB) CustomerDetail(ctx context.Context, sc ticket.Scope, id int64) (*ticket.CustomerDetail, error) {
	// A ticket's key is that of a view of the scope with the id for cursor.
	key, versions, cached, err := db.viewState(ctx, ticket.CustomerFilter{Scope: sc, Cursor: strconv.FormatInt(id, 10)})
	if err != nil {
		return nil, err
	}
	if cached {
		if e, ok := db.views.details.get(key); ok && e.versions == versions {
			d := e.d
			return &d, nil
		}
	}
	t, err := db.CustomerTicket(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	d := ticket.CustomerDetail{CustomerTicket: *t}
	if d.Messages, err = db.Messages(ctx, id, false); err != nil {
		return nil, err
	}
	d.Rating, err = db.Rating(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		d.Rating, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cached && detailText(&d) <= maxDetailText {
		db.views.details.put(key, detailEntry{versions: versions, d: d}, maxDetails)
	}
	return &d, nil
}
