// Package live tells open pages that a ticket changed (SPEC P25, A2): the
// ticket service publishes each timeline event once it has committed, and
// every page showing that ticket hears of it through its subscription.
//
// In one process a Hub fans out in memory. When several processes share
// one PostgreSQL database, a Hub opened with its URL publishes through
// NOTIFY and each process listens on one connection of its own, so a reply
// written through one instance reaches pages served by all of them.
package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"portico/internal/event"
)

// Resync is the kind of change sent to every subscriber when changes may
// have been missed (the listener lost its connection): pages read the
// ticket again.
const Resync = "resync"

// Change is what a subscriber hears: one event on a ticket's timeline.
type Change struct {
	TicketID int64  `json:"t"`
	EventID  int64  `json:"e,omitempty"`
	Kind     string `json:"k"`
	// MessageID and Internal describe a new message; Internal is true for
	// an agents' note, which must never reach a customer.
	MessageID int64 `json:"m,omitempty"`
	Internal  bool  `json:"i,omitempty"`
}

// FromEvent is the change a ticket's event makes; ok is false for events
// of no ticket. A message event that does not say it is public counts as
// internal.
func FromEvent(e event.Event) (c Change, ok bool) {
	if e.TicketID == nil {
		return Change{}, false
	}
	c = Change{TicketID: *e.TicketID, EventID: e.ID, Kind: e.Kind}
	if e.Kind == event.MessageCreated {
		c.Internal = e.Data["internal"] != false
		switch id := e.Data["message_id"].(type) {
		case int64:
			c.MessageID = id
		case float64:
			c.MessageID = int64(id)
		case json.Number:
			c.MessageID, _ = id.Int64()
		}
	}
	return c, true
}

// subBuffer is how many changes a slow subscriber may fall behind before
// further ones are dropped for it; it then gets a Resync instead.
const subBuffer = 32

// Subscription receives the changes of one ticket until closed.
type Subscription struct {
	C      <-chan Change
	c      chan Change
	hub    *Hub
	ticket int64
	missed bool
}

// Close ends the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.subs[s.ticket]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.ticket)
		}
	}
}

// Hub fans changes out to subscribers.
type Hub struct {
	mu     sync.Mutex
	subs   map[int64]map[*Subscription]struct{}
	done   chan struct{}
	closed bool

	// Set when changes travel through PostgreSQL.
	db      *sql.DB
	channel string
	log     *slog.Logger
	stop    context.CancelFunc
	stopped chan struct{}
}

// New returns a hub that fans out within this process.
func New() *Hub {
	return &Hub{subs: map[int64]map[*Subscription]struct{}{}, done: make(chan struct{})}
}

// Options configure Open.
type Options struct {
	// DatabaseURL is the PostgreSQL database the processes share; empty
	// means this process is alone (SQLite).
	DatabaseURL string
	// Channel is the NOTIFY channel; by default "portico_live", followed
	// by the URL's search_path schema when it names one, so that
	// installations in separate schemas do not hear each other.
	Channel string
	Logger  *slog.Logger
}

// Open returns a hub for o: in memory without a database URL, otherwise
// publishing through PostgreSQL's NOTIFY and listening on one connection,
// which it has opened and started listening on before it returns.
func Open(ctx context.Context, o Options) (*Hub, error) {
	h := New()
	if o.DatabaseURL == "" {
		return h, nil
	}
	h.log = o.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.channel = o.Channel
	if h.channel == "" {
		h.channel = channelFor(o.DatabaseURL)
	}
	db, err := sql.Open("pgx", o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	h.db = db
	conn, err := h.listen(ctx, o.DatabaseURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	h.stop, h.stopped = cancel, make(chan struct{})
	go h.run(lctx, o.DatabaseURL, conn)
	return h, nil
}

// channelFor names the NOTIFY channel of the database at dbURL.
func channelFor(dbURL string) string {
	name := "portico_live"
	u, err := url.Parse(dbURL)
	if err != nil {
		return name
	}
	schema, _, _ := strings.Cut(u.Query().Get("search_path"), ",")
	schema = strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return unicode.ToLower(r)
		}
		return -1
	}, strings.TrimSpace(schema))
	if schema != "" && schema != "public" {
		name += "_" + schema
	}
	return name[:min(len(name), 63)]
}

// listen opens the listening connection.
func (h *Hub) listen(ctx context.Context, dbURL string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("live: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{h.channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("live: listen: %w", err)
	}
	return conn, nil
}

// run hands on what the connection hears until the hub closes; a lost
// connection is opened again, and since changes may have been missed
// meanwhile, every subscriber is told to read its ticket again.
func (h *Hub) run(ctx context.Context, dbURL string, conn *pgx.Conn) {
	defer close(h.stopped)
	wait := time.Second
	for {
		for conn != nil {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				conn.Close(context.Background())
				conn = nil
				if ctx.Err() != nil {
					return
				}
				h.log.Warn("live: listener lost its connection", "err", err)
				break
			}
			var c Change
			if err := json.Unmarshal([]byte(n.Payload), &c); err != nil || c.TicketID == 0 {
				continue
			}
			h.dispatch(c)
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
		c, err := h.listen(ctx, dbURL)
		if err != nil {
			h.log.Warn("live: listener could not reconnect", "err", err)
			continue
		}
		conn = c
		h.resyncAll()
	}
}

// Publish tells every subscriber of c's ticket, in every process.
func (h *Hub) Publish(c Change) {
	if h.db == nil {
		h.dispatch(c)
		return
	}
	b, err := json.Marshal(c)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := h.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", h.channel, string(b)); err != nil {
		h.log.Warn("live: notify", "ticket", c.TicketID, "err", err)
	}
}

// dispatch hands c to this process's subscribers of its ticket. A
// subscriber too slow to take it misses it and is sent a Resync once it
// has room again.
func (h *Hub) dispatch(c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[c.TicketID] {
		h.send(s, c)
	}
}

func (h *Hub) send(s *Subscription, c Change) {
	if s.missed {
		select {
		case s.c <- Change{TicketID: s.ticket, Kind: Resync}:
			s.missed = false
		default:
			return
		}
	}
	select {
	case s.c <- c:
	default:
		s.missed = true
	}
}

func (h *Hub) resyncAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, m := range h.subs {
		for s := range m {
			h.send(s, Change{TicketID: t, Kind: Resync})
		}
	}
}

// Subscribe starts receiving the changes of ticket id; Close the
// subscription when done.
func (h *Hub) Subscribe(id int64) *Subscription {
	c := make(chan Change, subBuffer)
	s := &Subscription{C: c, c: c, hub: h, ticket: id}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[id] == nil {
		h.subs[id] = map[*Subscription]struct{}{}
	}
	h.subs[id][s] = struct{}{}
	return s
}

// Done is closed when the hub closes: streams end then.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Close stops the hub: subscribers see Done, and the listener and its
// connection stop.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.done)
	h.mu.Unlock()
	if h.stop != nil {
		h.stop()
		<-h.stopped
	}
	if h.db != nil {
		return h.db.Close()
	}
	return nil
}
