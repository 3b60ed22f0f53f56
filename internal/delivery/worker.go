package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// Sender sends deliveries of one kind: an SMTP relay for email, an HTTP
// gateway for SMS. Send gives up when ctx ends. An error marked Permanent
// fails the delivery at once; any other is retried later.
type Sender interface {
	Send(ctx context.Context, d *Delivery) error
}

// ClaimRequest asks the queue for due deliveries.
type ClaimRequest struct {
	Kinds []string      // only deliveries of these kinds
	Limit int           // at most this many
	Lease time.Duration // how long the claim holds
}

// Outcome is how one attempt at a claimed delivery ended. The queue records
// it only while the claim named by ID and Token still holds.
type Outcome struct {
	ID    int64
	Token string
	// Error is empty when the delivery was sent.
	Error string
	// RetryIn is the wait before the next attempt after an error; zero
	// gives up and marks the delivery failed.
	RetryIn time.Duration
}

// Queue is what the workers need from storage.
type Queue interface {
	// ClaimDeliveries marks due deliveries as being sent, under a token of
	// the claim's own, and returns them.
	ClaimDeliveries(ctx context.Context, r ClaimRequest) ([]Delivery, error)
	// RecordOutcome records an attempt; ErrClaimLost when the claim has
	// passed to another worker.
	RecordOutcome(ctx context.Context, o Outcome) error
	// HoldDeliveries keeps the waiting deliveries of kind in the log only
	// and says how many there were.
	HoldDeliveries(ctx context.Context, kind string) (int, error)
}

// ErrClaimLost is returned when an outcome comes from a worker whose claim
// lapsed and was taken over: the other worker's attempt counts.
var ErrClaimLost = errors.New("delivery: the claim passed to another worker")

// Permanent marks an error no retry can cure, such as a recipient the relay
// refuses, so that the delivery fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// PoolOptions configure the workers. Zero values take the defaults.
type PoolOptions struct {
	// Senders by kind (Email, SMS). Waiting deliveries of the kinds email
	// and SMS without a sender are held: kept in the log only.
	// Notifications are read in the desk and never sent by the pool.
	Senders map[string]Sender
	// Workers is how many deliveries are sent at once; default 4.
	Workers int
	// Poll is how often the queue is looked at when idle; default 1 s.
	Poll time.Duration
	// Lease is how long a claim holds; a worker that dies mid-send leaves
	// its deliveries to be tried again after it. Each attempt is cut off at
	// half of it so that its outcome is recorded in time. Default 2 min.
	Lease time.Duration
	// RetryBase is the wait after the first failed attempt, doubling with
	// every further one up to RetryMax; defaults 30 s and 1 h.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// marked failed; default 10.
	MaxAttempts int
	// Drain is how long sends under way may finish once the pool is told
	// to stop; default 5 s. What is cut off stays claimed until its lease
	// ends and is sent again then.
	Drain time.Duration
	// Jitter returns a number in [0, 1) that spreads retries of deliveries
	// that failed together; default math/rand.
	Jitter func() float64
	Logger *slog.Logger
}

// Pool sends due deliveries with their kind's Sender and records what
// happened. Several pools, in one process or many, may share one database.
type Pool struct {
	q     Queue
	o     PoolOptions
	kinds []string // kinds sent
	held  []string // kinds held for want of a sender
}

// NewPool returns a pool over q; start it with Run.
func NewPool(q Queue, o PoolOptions) *Pool {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 30 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Drain <= 0 {
		o.Drain = 5 * time.Second
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pool{q: q, o: o}
	for kind, s := range o.Senders {
		if s != nil && kind != Notification {
			p.kinds = append(p.kinds, kind)
		}
	}
	slices.Sort(p.kinds)
	for _, kind := range []string{Email, SMS} {
		if !slices.Contains(p.kinds, kind) {
			p.held = append(p.held, kind)
		}
	}
	return p
}

// Run sends deliveries until ctx ends, then lets the sends under way finish
// for up to the Drain time and returns.
func (p *Pool) Run(ctx context.Context) error {
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	stopDrain := context.AfterFunc(ctx, func() { time.AfterFunc(p.o.Drain, cancelSends) })
	defer stopDrain()

	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{}, p.o.Workers)
	tick := time.NewTicker(p.o.Poll)
	defer tick.Stop()

	p.hold(ctx)
	busy := 0
	more := true // the last claim may have left due deliveries behind
	for {
		if free := p.o.Workers - busy; more && free > 0 && len(p.kinds) > 0 {
			batch, err := p.q.ClaimDeliveries(ctx, ClaimRequest{Kinds: p.kinds, Limit: free, Lease: p.o.Lease})
			if err != nil && ctx.Err() == nil {
				p.o.Logger.Error("claim deliveries", "err", err)
			}
			more = err == nil && len(batch) == free
			for _, d := range batch {
				busy++
				wg.Go(func() {
					p.attempt(sendCtx, &d)
					done <- struct{}{}
				})
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			busy--
		case <-tick.C:
			more = true
			p.hold(ctx)
		}
	}
}

// hold keeps waiting deliveries of kinds without a sender in the log.
func (p *Pool) hold(ctx context.Context) {
	for _, kind := range p.held {
		n, err := p.q.HoldDeliveries(ctx, kind)
		switch {
		case err != nil && ctx.Err() == nil:
			p.o.Logger.Error("hold deliveries", "kind", kind, "err", err)
		case n > 0:
			p.o.Logger.Info("deliveries held: no transport configured", "kind", kind, "count", n)
		}
	}
}

// maxError is the most of an error message kept in the log, in bytes.
const maxError = 1000

// attempt sends one claimed delivery and records the outcome.
func (p *Pool) attempt(ctx context.Context, d *Delivery) {
	actx, cancel := context.WithTimeout(ctx, p.o.Lease/2)
	err := p.send(actx, d)
	cancel()
	log := p.o.Logger.With("delivery", d.ID, "kind", d.Kind, "attempt", d.Attempts+1)
	if err != nil && ctx.Err() != nil {
		// Stopped mid-send: the claim stands until its lease ends, and
		// whoever claims the delivery then sends it again.
		log.Info("delivery interrupted; it will be tried again", "err", err)
		return
	}
	o := Outcome{ID: d.ID, Token: d.ClaimToken}
	n := d.Attempts + 1
	if err != nil {
		o.Error = truncate(err.Error(), maxError)
	}
	switch {
	case err == nil:
		log.Info("delivery sent")
	case IsPermanent(err) || n >= p.o.MaxAttempts:
		log.Warn("delivery failed", "err", o.Error)
	default:
		o.RetryIn = p.backoff(n)
		log.Warn("delivery attempt failed", "err", o.Error, "retry_in", o.RetryIn.String())
	}
	// The outcome is recorded even when the pool is stopping: the message
	// went out, or did not, either way.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := p.q.RecordOutcome(rctx, o); err != nil {
		log.Error("record delivery outcome", "err", err)
	}
}

// send calls the kind's sender, turning a panic into an error so that one
// bad delivery cannot stop the pool.
func (p *Pool) send(ctx context.Context, d *Delivery) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("delivery: sender panicked: %v", r)
		}
	}()
	s := p.o.Senders[d.Kind]
	if s == nil {
		return Permanent(fmt.Errorf("delivery: no sender for kind %q", d.Kind))
	}
	return s.Send(ctx, d)
}

// backoff is the wait after the nth failed attempt: RetryBase doubled for
// every attempt before, at most RetryMax, less up to a quarter at random.
func (p *Pool) backoff(n int) time.Duration {
	return Backoff(n, p.o.RetryBase, p.o.RetryMax, p.o.Jitter())
}

// Backoff is the wait after the nth failed attempt: base doubled n-1 times,
// at most limit, shortened by a quarter of itself times jitter (in [0, 1)).
func Backoff(n int, base, limit time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d - time.Duration(jitter*float64(d)/4)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
