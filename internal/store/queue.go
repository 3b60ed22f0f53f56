package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"portico/internal/ticket"
)

// A ticket's place in the queue (SPEC P16) is its rank among the sent
// tickets of its stage, inbox and pipeline, ordered by when they entered
// the stage. SQLite counts an index range entry by entry, so a queue of
// tens of thousands would cost every ticket page that many steps; instead
// each queue's order is read at most once a second (queueTTL) and ranks
// are found in it by binary search. A ticket not yet in the remembered
// order reads the queue again, so a ticket always finds itself, and every
// write to tickets through this store forgets the remembered orders (again
// once it commits); another instance's changes show within queueTTL.

// queueTTL is how long a queue's order is remembered.
const queueTTL = time.Second

type queueKey struct{ stage, inbox, pipeline int64 }

type queuePlace struct {
	at time.Time
	id int64
}

type queueOrder struct {
	read   time.Time
	places []queuePlace // sorted by (at, id)
}

// queues remembers the order of each queue; shared by clock copies.
type queues struct {
	mu     sync.Mutex
	gen    uint64 // bumped by every change, so a read that raced one is not kept
	orders map[queueKey]*queueOrder
}

// changed forgets every remembered order.
func (q *queues) changed() {
	q.mu.Lock()
	q.gen++
	q.orders = nil
	q.mu.Unlock()
}

// queuesChanged forgets the remembered queues now and, in a transaction,
// again once it commits: a read between the two would remember the old.
func (db *DB) queuesChanged(ctx context.Context) {
	db.queues.changed()
	if st, ok := ctx.Value(txStateKey{}).(*txState); ok {
		st.queuesChanged = true
	}
}

func (p queuePlace) compare(o queuePlace) int {
	if c := p.at.Compare(o.at); c != 0 {
		return c
	}
	switch {
	case p.id < o.id:
		return -1
	case p.id > o.id:
		return 1
	}
	return 0
}

// QueueFigures counts the sent tickets in t's stage, inbox and pipeline,
// and those ahead of t: in the stage since earlier, or since the same
// time with a lower id.
func (db *DB) QueueFigures(ctx context.Context, t *ticket.Ticket) (waiting, ahead int, err error) {
	key := queueKey{t.StageID, t.InboxID, t.PipelineID}
	me := queuePlace{t.StageEnteredAt.UTC(), t.ID}
	if !cacheable(ctx) {
		// Inside a transaction: its own view, counted.
		return db.countQueue(ctx, key, me)
	}
	for fresh := false; ; fresh = true {
		db.queues.mu.Lock()
		o := db.queues.orders[key]
		db.queues.mu.Unlock()
		if o == nil || time.Since(o.read) > queueTTL || fresh {
			if o, err = db.readQueue(ctx, key); err != nil {
				return 0, 0, err
			}
		}
		i, found := slices.BinarySearchFunc(o.places, me, queuePlace.compare)
		if found || fresh {
			return len(o.places), i, nil
		}
	}
}

// readQueue reads and remembers the order of a queue.
func (db *DB) readQueue(ctx context.Context, key queueKey) (*queueOrder, error) {
	db.queues.mu.Lock()
	gen := db.queues.gen
	db.queues.mu.Unlock()
	rows, err := db.query(ctx, `SELECT q.stage_entered_at, q.id FROM tickets q
		WHERE q.stage_id = ? AND q.inbox_id = ? AND q.pipeline_id = ? AND q.draft = FALSE ORDER BY q.stage_entered_at, q.id`,
		key.stage, key.inbox, key.pipeline)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	o := &queueOrder{read: time.Now()}
	for rows.Next() {
		var p queuePlace
		if err := rows.Scan(timeCol{&p.at}, &p.id); err != nil {
			return nil, err
		}
		p.at = p.at.UTC()
		o.places = append(o.places, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The engines order equal instants alike but not every stored form of
	// an instant; sorting here makes the search agree with compare.
	slices.SortFunc(o.places, queuePlace.compare)
	db.queues.mu.Lock()
	if gen == db.queues.gen {
		if db.queues.orders == nil {
			db.queues.orders = map[queueKey]*queueOrder{}
		}
		db.queues.orders[key] = o
	}
	db.queues.mu.Unlock()
	return o, nil
}

func (db *DB) countQueue(ctx context.Context, key queueKey, me queuePlace) (waiting, ahead int, err error) {
	err = db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN q.stage_entered_at < ? OR (q.stage_entered_at = ? AND q.id < ?)
		THEN 1 ELSE 0 END), 0) FROM tickets q WHERE q.stage_id = ? AND q.inbox_id = ? AND q.pipeline_id = ? AND q.draft = FALSE`,
		me.at, me.at, me.id, key.stage, key.inbox, key.pipeline).Scan(&waiting, &ahead)
	return waiting, ahead, err
}
