package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/internal/delivery"
	"portico/internal/mail"
	"portico/internal/mail/mailtest"
	"portico/internal/sms"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

// each runs fn on every engine with a store on a test clock.
func each(t *testing.T, fn func(t *testing.T, db *store.DB, clk *storetest.Clock)) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			clk := storetest.NewClock()
			fn(t, storetest.Open(t, engine, clk.Now), clk)
		})
	}
}

// start runs a pool until the test ends and returns a function that
// stops it and waits for it.
func start(t *testing.T, q delivery.Queue, o delivery.PoolOptions) (stop func()) {
	t.Helper()
	if o.Poll == 0 {
		o.Poll = 5 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- delivery.NewPool(q, o).Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the pool did not stop")
		}
	}
	t.Cleanup(stop)
	return stop
}

func newMail(t *testing.T, url string, clk *storetest.Clock) *mail.Sender {
	t.Helper()
	s, err := mail.New(mail.Options{URL: url, From: "Acme Support <support@acme.test>", Now: clk.Now, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// freeAddr is a loopback address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func queue(t testing.TB, db *store.DB, kind, to, subject, key string) *delivery.Delivery {
	t.Helper()
	d := &delivery.Delivery{Kind: kind, To: to, Subject: subject, Body: "Treść: zażółć gęślą jaźń\n您好", BodyHTML: "<p>Hej <b>då</b></p>", IdempotencyKey: key}
	if err := db.CreateDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// all reads the whole delivery log, by id.
func all(t testing.TB, db *store.DB) map[int64]delivery.Delivery {
	t.Helper()
	out := map[int64]delivery.Delivery{}
	f := delivery.Filter{Limit: 100}
	for {
		p, err := db.Deliveries(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Items {
			out[d.ID] = d
		}
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

// waitFor polls the log until cond holds for it.
func waitFor(t testing.TB, db *store.DB, what string, cond func(log map[int64]delivery.Delivery) bool) map[int64]delivery.Delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		log := all(t, db)
		if cond(log) {
			return log
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, d := range log {
				fmt.Fprintf(&b, "\n  %d %s to %s: %s after %d attempts, next %v, error %q", d.ID, d.Kind, d.To, d.Status, d.Attempts, d.NextAttemptAt, d.LastError)
			}
			t.Fatalf("waiting for %s: timed out; the log:%s", what, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gateway is an SMS provider's HTTP endpoint.
type gateway struct {
	mu  sync.Mutex
	got []map[string]string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg map[string]string
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg["key"] = r.Header.Get("Idempotency-Key")
	g.mu.Lock()
	g.got = append(g.got, msg)
	g.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

func TestPoolSends(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		srv := mailtest.Start(t, mailtest.Options{Refuse: []string{"gone@example.com"}})
		g := &gateway{}
		gw := httptest.NewServer(g)
		defer gw.Close()
		text, err := sms.New(sms.Options{URL: gw.URL + "/sms"})
		if err != nil {
			t.Fatal(err)
		}
		email := queue(t, db, delivery.Email, "ada@example.com", "工单已更新 — Zgłoszenie", "ticket-reply-1")
		gone := queue(t, db, delivery.Email, "gone@example.com", "Nobody home", "ticket-reply-2")
		text1 := queue(t, db, delivery.SMS, "+48601234567", "", "code-1")
		note := queue(t, db, delivery.Notification, "agent@acme.test", "Rated", "rating-1")
		hook := queue(t, db, delivery.Webhook, "https://hooks.example.com/x", "", "hook-1")

		start(t, db, delivery.PoolOptions{Senders: map[string]delivery.Sender{
			delivery.Email: newMail(t, "smtp://"+srv.Addr, clk), delivery.SMS: text}})
		log := waitFor(t, db, "the email and SMS sent", func(log map[int64]delivery.Delivery) bool {
			return log[email.ID].Status == delivery.Sent && log[text1.ID].Status == delivery.Sent && log[gone.ID].Status == delivery.Failed
		})
		for _, d := range []*delivery.Delivery{email, text1} {
			if got := log[d.ID]; got.Attempts != 1 || got.SentAt == nil || !got.SentAt.Equal(clk.Now()) {
				t.Errorf("%s: %+v, want sent now after one attempt", d.Kind, got)
			}
		}
		if got := log[gone.ID]; got.Attempts != 1 || !strings.Contains(got.LastError, "550") {
			t.Errorf("refused recipient: %+v, want failed after one attempt with the 550", got)
		}
		// Notifications are read in the desk; webhooks have no sender yet.
		for _, d := range []*delivery.Delivery{note, hook} {
			if got := log[d.ID]; got.Status != delivery.Pending || got.Attempts != 0 {
				t.Errorf("%s: %s after %d attempts, want pending and untouched", d.Kind, got.Status, got.Attempts)
			}
		}

		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages arrived, want 1", len(msgs))
		}
		p, err := msgs[0].Parse()
		if err != nil {
			t.Fatal(err)
		}
		if p.Subject != email.Subject || p.Header.Get(mail.DeliveryHeader) != "ticket-reply-1" ||
			!strings.Contains(p.Text, "zażółć gęślą jaźń\n您好") || p.HTML != "<p>Hej <b>då</b></p>\n" {
			t.Errorf("message: subject %q, key %q, text %q, HTML %q", p.Subject, p.Header.Get(mail.DeliveryHeader), p.Text, p.HTML)
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.got) != 1 || g.got[0]["to"] != "+48601234567" || g.got[0]["body"] != text1.Body || g.got[0]["key"] != "code-1" {
			t.Errorf("gateway got %v", g.got)
		}
	})
}

func TestPoolHoldsWithoutTransport(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		email := queue(t, db, delivery.Email, "ada@example.com", "Hi", "e1")
		text := queue(t, db, delivery.SMS, "+46701234567", "", "s1")
		note := queue(t, db, delivery.Notification, "agent@acme.test", "Rated", "n1")
		hook := queue(t, db, delivery.Webhook, "https://hooks.example.com/x", "", "w1")
		stop := start(t, db, delivery.PoolOptions{})
		waitFor(t, db, "email and SMS held", func(log map[int64]delivery.Delivery) bool {
			return log[email.ID].Status == delivery.Held && log[text.ID].Status == delivery.Held
		})
		stop()
		log := all(t, db)
		for _, d := range []*delivery.Delivery{email, text} {
			if log[d.ID].Attempts != 0 {
				t.Errorf("held %s was attempted %d times", d.Kind, log[d.ID].Attempts)
			}
		}
		for _, d := range []*delivery.Delivery{note, hook} {
			if log[d.ID].Status != delivery.Pending {
				t.Errorf("%s is %s, want pending", d.Kind, log[d.ID].Status)
			}
		}

		// With a relay for email only, SMS are still held.
		srv := mailtest.Start(t, mailtest.Options{})
		email2 := queue(t, db, delivery.Email, "bob@example.com", "Hi", "e2")
		text2 := queue(t, db, delivery.SMS, "+46701234568", "", "s2")
		start(t, db, delivery.PoolOptions{Senders: map[string]delivery.Sender{delivery.Email: newMail(t, "smtp://"+srv.Addr, clk)}})
		log = waitFor(t, db, "the email sent, the SMS held", func(log map[int64]delivery.Delivery) bool {
			return log[email2.ID].Status == delivery.Sent && log[text2.ID].Status == delivery.Held
		})
		if log[email.ID].Status != delivery.Held {
			t.Errorf("an email held earlier is %s, want it kept held", log[email.ID].Status)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages arrived, want 1", n)
		}
	})
}

// While the relay is down an email is tried again with growing waits, and
// fails after the last attempt; one whose relay comes back is sent.
func TestPoolRetries(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		addr := freeAddr(t)
		start(t, db, delivery.PoolOptions{
			Senders: map[string]delivery.Sender{delivery.Email: newMail(t, "smtp://"+addr, clk)},
			Jitter:  func() float64 { return 0 },
		})

		doomed := queue(t, db, delivery.Email, "ada@example.com", "Doomed", "doomed")
		wantWaits := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
			16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
		for n := 1; n <= 10; n++ {
			log := waitFor(t, db, fmt.Sprintf("attempt %d", n), func(log map[int64]delivery.Delivery) bool {
				d := log[doomed.ID]
				return d.Attempts == n && d.Status != delivery.Sending
			})
			d := log[doomed.ID]
			if !strings.Contains(d.LastError, addr) {
				t.Errorf("attempt %d: last error %q does not name the relay", n, d.LastError)
			}
			if n == 10 {
				if d.Status != delivery.Failed {
					t.Errorf("after the last attempt: %s, want failed", d.Status)
				}
				break
			}
			if d.Status != delivery.Pending || !d.NextAttemptAt.Equal(clk.Now().Add(wantWaits[n-1])) {
				t.Fatalf("after attempt %d: %s, next at %v; want pending, next in %v (at %v)",
					n, d.Status, d.NextAttemptAt, wantWaits[n-1], clk.Now().Add(wantWaits[n-1]))
			}
			clk.Add(wantWaits[n-1])
		}

		lucky := queue(t, db, delivery.Email, "bob@example.com", "Lucky", "lucky")
		waitFor(t, db, "a first failure", func(log map[int64]delivery.Delivery) bool {
			return log[lucky.ID].Attempts == 1 && log[lucky.ID].Status == delivery.Pending
		})
		srv := mailtest.Start(t, mailtest.Options{Addr: addr})
		clk.Add(30 * time.Second)
		log := waitFor(t, db, "the email sent once the relay is back", func(log map[int64]delivery.Delivery) bool {
			return log[lucky.ID].Status == delivery.Sent
		})
		if d := log[lucky.ID]; d.Attempts != 2 || d.LastError == "" {
			t.Errorf("sent after %d attempts with last error %q, want 2 and the first attempt's error", d.Attempts, d.LastError)
		}
		if d := log[doomed.ID]; d.Status != delivery.Failed || d.Attempts != 10 {
			t.Errorf("the failed email was tried again: %s after %d attempts", d.Status, d.Attempts)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "bob@example.com" {
			t.Errorf("messages %v, want the one to bob@example.com", msgs)
		}
	})
}

func TestBackoff(t *testing.T) {
	base, limit := 30*time.Second, time.Hour
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0, 30 * time.Second},
		{2, 0, time.Minute},
		{5, 0, 8 * time.Minute},
		{8, 0, time.Hour},
		{9, 0, time.Hour},
		{1000, 0, time.Hour},
		{1, 0.5, 30*time.Second - 30*time.Second/8},
		{9, 0.999, time.Hour - time.Duration(0.999*float64(time.Hour)/4)},
	}
	for _, tt := range tests {
		if got := delivery.Backoff(tt.n, base, limit, tt.jitter); got != tt.want {
			t.Errorf("Backoff(%d, jitter %v) = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}

// A pool stopped in the middle of a send leaves the delivery claimed; once
// the claim lapses another worker sends it, and nothing is lost or sent
// twice.
func TestPoolStoppedMidSend(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		// A relay that takes the connection and never says a word.
		hole, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer hole.Close()
		accepted := make(chan net.Conn, 10)
		go func() {
			for {
				c, err := hole.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
		lease := 2 * time.Minute
		stop := start(t, db, delivery.PoolOptions{
			Senders: map[string]delivery.Sender{delivery.Email: newMail(t, "smtp://"+hole.Addr().String(), clk)},
			Lease:   lease, Drain: 10 * time.Millisecond,
		})
		d := queue(t, db, delivery.Email, "ada@example.com", "Interrupted", "interrupted")
		select {
		case c := <-accepted:
			defer c.Close()
		case <-time.After(20 * time.Second):
			t.Fatal("the pool never connected to the relay")
		}
		stop()
		got := all(t, db)[d.ID]
		if got.Status != delivery.Sending || got.Attempts != 0 {
			t.Fatalf("after the stop: %s after %d attempts, want still sending, not counted", got.Status, got.Attempts)
		}

		srv := mailtest.Start(t, mailtest.Options{})
		start(t, db, delivery.PoolOptions{
			Senders: map[string]delivery.Sender{delivery.Email: newMail(t, "smtp://"+srv.Addr, clk)},
			Lease:   lease,
		})
		clk.Add(lease)
		log := waitFor(t, db, "the email sent after the lease", func(log map[int64]delivery.Delivery) bool {
			return log[d.ID].Status == delivery.Sent
		})
		if log[d.ID].Attempts != 1 {
			t.Errorf("sent after %d attempts, want 1", log[d.ID].Attempts)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages arrived, want 1", n)
		}
	})
}

// Two pools on two connections to one database, as two processes would
// be, drain one queue: every email arrives exactly once.
func TestPoolsShareQueue(t *testing.T) {
	const total = 200
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			clk := storetest.NewClock()
			o := storetest.Options(t, engine, clk.Now)
			var dbs []*store.DB
			for range 2 {
				db, err := store.Open(ctx, o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			if err := dbs[0].Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i := range total {
				queue(t, dbs[i%2], delivery.Email, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Message %d", i), fmt.Sprintf("share-%d", i))
			}
			srv := mailtest.Start(t, mailtest.Options{})
			for _, db := range dbs {
				start(t, db, delivery.PoolOptions{Senders: map[string]delivery.Sender{delivery.Email: newMail(t, "smtp://"+srv.Addr, clk)}})
			}
			waitFor(t, dbs[0], "every email sent", func(log map[int64]delivery.Delivery) bool {
				for _, d := range log {
					if d.Status != delivery.Sent {
						return false
					}
				}
				return len(log) == total
			})
			keys := map[string]int{}
			for _, m := range srv.Messages() {
				p, err := m.Parse()
				if err != nil {
					t.Fatal(err)
				}
				keys[p.Header.Get(mail.DeliveryHeader)]++
			}
			for i := range total {
				if n := keys[fmt.Sprintf("share-%d", i)]; n != 1 {
					t.Errorf("email %d arrived %d times, want once", i, n)
				}
			}
			if len(keys) != total {
				t.Errorf("%d distinct emails arrived, want %d", len(keys), total)
			}
			for _, d := range all(t, dbs[1]) {
				if d.Attempts != 1 {
					t.Errorf("delivery %d took %d attempts, want 1", d.ID, d.Attempts)
				}
			}
		})
	}
}
