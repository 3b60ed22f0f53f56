package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// On SQLite one connection writes, and every commit waits for the disk
// (synchronous=FULL). Transactions that arrive while one commits are
// therefore run together: one transaction, each in a savepoint of its own,
// and one commit for all of them. A transaction that fails rolls back to
// its savepoint and takes nothing else with it; each caller hears of its
// own outcome only after the shared commit, so nothing is acknowledged
// before it is on disk.

// maxBatch bounds how many transactions share one commit.
const maxBatch = 128

// errClosed answers transactions begun after Close.
var errClosed = errors.New("store: closed")

// batcher runs SQLite write transactions on one goroutine.
type batcher struct {
	jobs  chan *txJob
	quit  chan struct{}
	start sync.Once
	stop  sync.Once
	done  chan struct{} // closed when the goroutine has ended
}

func newBatcher() *batcher {
	return &batcher{jobs: make(chan *txJob, maxBatch), quit: make(chan struct{}), done: make(chan struct{})}
}

// Job states.
const (
	jobWaiting = iota
	jobTaken
	jobAbandoned
)

// txJob is one caller's transaction.
type txJob struct {
	ctx      context.Context
	fn       func(ctx context.Context) error
	state    atomic.Int32
	err      error
	panicked any
	after    txState
	done     chan struct{}
}

// batched runs fn in a transaction shared with those waiting alongside it.
func (db *DB) batched(ctx context.Context, fn func(ctx context.Context) error) error {
	b := db.batch
	b.start.Do(func() { go db.runBatches(b) })
	j := &txJob{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case <-b.quit:
		return errClosed
	default:
	}
	select {
	case b.jobs <- j:
	case <-b.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-j.done:
	case <-b.done:
		// Closed while the job was queued.
		if j.state.CompareAndSwap(jobWaiting, jobAbandoned) {
			return errClosed
		}
		<-j.done
	case <-ctx.Done():
		// A job not yet begun is dropped; one begun is waited for, so
		// the caller never reports a failure that was in fact written.
		if j.state.CompareAndSwap(jobWaiting, jobAbandoned) {
			return ctx.Err()
		}
		<-j.done
	}
	if j.panicked != nil {
		panic(j.panicked)
	}
	if j.err == nil && j.after.settingsChanged {
		db.settings.changed()
	}
	if j.err == nil && j.after.queuesChanged {
		db.queues.changed()
	}
	return j.err
}

// runBatches takes the waiting jobs, as many as there are, and commits
// them together, until Close.
func (db *DB) runBatches(b *batcher) {
	defer close(b.done)
	for {
		var first *txJob
		select {
		case first = <-b.jobs:
		case <-b.quit:
			b.drain()
			return
		}
		batch := []*txJob{first}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		db.commitBatch(batch)
		db.prepareWanted()
	}
}

// drain answers the jobs still queued at Close.
func (b *batcher) drain() {
	for {
		select {
		case j := <-b.jobs:
			if j.state.CompareAndSwap(jobWaiting, jobTaken) {
				j.err = errClosed
			}
			close(j.done)
		default:
			return
		}
	}
}

// commitBatch runs the jobs in one transaction.
func (db *DB) commitBatch(batch []*txJob) {
	jobs := batch[:0:0]
	for _, j := range batch {
		if j.state.CompareAndSwap(jobWaiting, jobTaken) {
			jobs = append(jobs, j)
		} else {
			close(j.done)
		}
	}
	defer func() {
		for _, j := range jobs {
			close(j.done)
		}
	}()
	if len(jobs) == 0 {
		return
	}
	fail := func(err error) {
		for _, j := range jobs {
			if j.err == nil && j.panicked == nil {
				j.err = err
			}
		}
	}
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", db.dialect.translate(err)))
		return
	}
	// One job needs no savepoint: its failure is the transaction's.
	alone := len(jobs) == 1
	ok := 0
	for _, j := range jobs {
		if !alone {
			if _, err := tx.Exec("SAVEPOINT job"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("store: savepoint: %w", db.dialect.translate(err)))
				return
			}
		}
		// A begun job runs to its end: an interrupted write would roll
		// back the whole shared transaction.
		ctx := context.WithValue(context.WithValue(context.WithoutCancel(j.ctx), txKey{}, tx), txStateKey{}, &j.after)
		j.err, j.panicked = run(ctx, j.fn)
		failed := j.err != nil || j.panicked != nil
		switch {
		case alone && failed:
			tx.Rollback()
			return
		case alone:
		case failed:
			if _, err := tx.Exec("ROLLBACK TO job"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("store: roll back a failed transaction: %w", db.dialect.translate(err)))
				return
			}
			fallthrough
		default:
			if _, err := tx.Exec("RELEASE job"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("store: release savepoint: %w", db.dialect.translate(err)))
				return
			}
		}
		if !failed {
			ok++
		}
	}
	if ok == 0 {
		tx.Rollback()
		return
	}
	if err := flushSearch(context.Background(), tx); err != nil {
		tx.Rollback()
		fail(err)
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("store: commit: %w", db.dialect.translate(err)))
	}
}

// run calls fn, turning a panic into a value to re-raise in the caller.
func run(ctx context.Context, fn func(ctx context.Context) error) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(ctx), nil
}

// closeBatches ends the batch goroutine once the queued jobs are answered.
func (db *DB) closeBatches() {
	b := db.batch
	if b == nil {
		return
	}
	b.stop.Do(func() { close(b.quit) })
	b.start.Do(func() { close(b.done) }) // never started: nothing to wait for
	<-b.done
}
