package live_test

import (
	"context"
	"testing"
	"time"

	"portico/internal/event"
	"portico/internal/live"
	"portico/internal/store/storetest"
)

func receive(t *testing.T, s *live.Subscription) live.Change {
	t.Helper()
	select {
	case c := <-s.C:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change arrived")
	}
	return live.Change{}
}

func none(t *testing.T, s *live.Subscription) {
	t.Helper()
	select {
	case c := <-s.C:
		t.Fatalf("unexpected change %+v", c)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestHubFansOutPerTicket(t *testing.T) {
	h := live.New()
	defer h.Close()
	a1, a2, b := h.Subscribe(1), h.Subscribe(1), h.Subscribe(2)
	h.Publish(live.Change{TicketID: 1, EventID: 10, Kind: event.MessageCreated, MessageID: 5})
	for _, s := range []*live.Subscription{a1, a2} {
		if c := receive(t, s); c.EventID != 10 || c.MessageID != 5 {
			t.Errorf("got %+v", c)
		}
	}
	none(t, b)
	a2.Close()
	h.Publish(live.Change{TicketID: 1, EventID: 11})
	receive(t, a1)
	none(t, a2)

	// A subscriber that does not keep up misses changes and is told to
	// read its ticket again.
	for i := range 100 {
		h.Publish(live.Change{TicketID: 2, EventID: int64(i + 1)})
	}
	for range 32 {
		receive(t, b)
	}
	h.Publish(live.Change{TicketID: 2, EventID: 500})
	if c := receive(t, b); c.Kind != live.Resync {
		t.Errorf("after an overflow got %+v, want a resync", c)
	}
	if c := receive(t, b); c.EventID != 500 {
		t.Errorf("got %+v, want the newest change", c)
	}

	h.Close()
	select {
	case <-h.Done():
	default:
		t.Error("Done is open after Close")
	}
}

func TestFromEvent(t *testing.T) {
	id := int64(7)
	for _, tc := range []struct {
		data     map[string]any
		internal bool
	}{
		{map[string]any{"message_id": int64(3), "internal": false}, false},
		{map[string]any{"message_id": float64(3), "internal": true}, true},
		// A message that does not say it is public is treated as a note.
		{map[string]any{"message_id": int64(3)}, true},
	} {
		c, ok := live.FromEvent(event.Event{ID: 9, Kind: event.MessageCreated, TicketID: &id, Data: tc.data})
		if !ok || c.TicketID != 7 || c.EventID != 9 || c.MessageID != 3 || c.Internal != tc.internal {
			t.Errorf("FromEvent(%v) = %+v, %v", tc.data, c, ok)
		}
	}
	if _, ok := live.FromEvent(event.Event{Kind: event.AccountOpened}); ok {
		t.Error("an event of no ticket made a change")
	}
}

// TestPostgresFansOutAcrossProcesses runs two hubs on one database, as two
// instances would: a change published on one reaches subscribers of both.
func TestPostgresFansOutAcrossProcesses(t *testing.T) {
	url := storetest.Schema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	one, err := live.Open(ctx, live.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := live.Open(ctx, live.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	s1, s2, other := one.Subscribe(42), two.Subscribe(42), two.Subscribe(43)
	one.Publish(live.Change{TicketID: 42, EventID: 1, Kind: event.MessageCreated, MessageID: 8, Internal: true})
	for _, s := range []*live.Subscription{s1, s2} {
		if c := receive(t, s); c.EventID != 1 || c.MessageID != 8 || !c.Internal {
			t.Errorf("got %+v", c)
		}
	}
	none(t, other)

	// Another installation (another schema) hears nothing of it.
	elsewhere, err := live.Open(ctx, live.Options{DatabaseURL: storetest.Schema(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer elsewhere.Close()
	s3 := elsewhere.Subscribe(42)
	two.Publish(live.Change{TicketID: 42, EventID: 2})
	receive(t, s1)
	none(t, s3)
}
