package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/live"
)

// Live updates (SPEC P25, A2) reach open ticket pages as server-sent
// events: the ticket service publishes each event once committed (see
// New), the hub hands it to every stream of that ticket, and the page's
// script reads the ticket again. Each event names what changed, never its
// content: the page gets the content through the same reads as without
// script, and so through the same visibility rules.

// Streams keep a connection open; these bound what each costs.
const (
	// streamLife is how long one stream lasts; the browser reconnects.
	streamLife = 10 * time.Minute
	// streamPing keeps proxies from closing an idle stream.
	streamPing = 25 * time.Second
)

// streamEvent is one server-sent event: its data is a JSON object.
type streamEvent struct {
	ID   int64
	Name string
	Data any
}

// EndStreams ends every open event stream, so that a graceful shutdown
// need not wait for them; the browsers reconnect to another instance.
func (s *Server) EndStreams() {
	s.endStreams.Do(func() { close(s.streamsDone) })
}

// serveStream answers with a text/event-stream of ticket id's changes, as
// pick turns them into events (none for a change the client must not
// hear of). It returns when the client goes, the stream has lasted
// streamLife, or the server ends its streams; an error from pick ends the
// stream too.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, id int64, pick func(live.Change) ([]streamEvent, error)) error {
	sub := s.live.Subscribe(id)
	defer sub.Close()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 3000\n: connected\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	life := time.NewTimer(streamLife)
	defer life.Stop()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		var out []streamEvent
		select {
		case <-r.Context().Done():
			return nil
		case <-s.streamsDone:
			return nil
		case <-s.live.Done():
			return nil
		case <-life.C:
			return nil
		case <-ping.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		case c := <-sub.C:
			evs, err := pick(c)
			if err != nil {
				s.logger(r).Warn("event stream ends", "ticket", id, "err", err)
				return nil
			}
			out = evs
		}
		for _, e := range out {
			if err := writeStreamEvent(w, e); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func writeStreamEvent(w io.Writer, e streamEvent) error {
	b, err := json.Marshal(e.Data)
	if err != nil {
		return err
	}
	if e.ID != 0 {
		if _, err := fmt.Fprintf(w, "id: %d\n", e.ID); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Name, b)
	return err
}

// deskChange is what a desk stream says of a change.
type deskChange struct {
	Kind      string `json:"kind"`
	MessageID int64  `json:"message_id,omitempty"`
	Internal  bool   `json:"internal,omitempty"`
}

// deskTicketEvents streams a ticket's changes to its desk page: every
// change, internal notes included.
func (s *Server) deskTicketEvents(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return apperr.NotFoundf("ticket")
	}
	if _, err := s.Tickets.Ticket(r.Context(), id); err != nil {
		return err
	}
	return s.serveStream(w, r, id, func(c live.Change) ([]streamEvent, error) {
		return []streamEvent{{ID: c.EventID, Name: "change", Data: deskChange{Kind: c.Kind, MessageID: c.MessageID, Internal: c.Internal}}}, nil
	})
}

// portalChange is what a customer's stream says of a change.
type portalChange struct {
	Kind      string `json:"kind"`
	MessageID int64  `json:"message_id,omitempty"`
}

// portalKinds are the changes a customer's open ticket page hears of: a
// public message, and the stage, status and owner it shows. Internal notes
// and changes of fields a portal may not show are never sent.
var portalKinds = map[string]bool{
	event.MessageCreated: true, event.TicketStageChanged: true, event.TicketClosed: true, event.TicketReopened: true,
	event.TicketAssigned: true, event.TicketSubmitted: true, live.Resync: true,
}

// pageTicketEvents streams the changes of a ticket the visitor may see to
// its portal page. Visibility is checked when the stream opens and again
// before each event: a ticket that is no longer visible ends the stream,
// exactly as if it did not exist.
func (s *Server) pageTicketEvents(w http.ResponseWriter, r *http.Request, v *visitor) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.NotFoundf("ticket")
	}
	if _, err := s.Tickets.CustomerTicketUnqueued(r.Context(), v.scope, id); err != nil {
		return err
	}
	return s.serveStream(w, r, id, func(c live.Change) ([]streamEvent, error) {
		if !portalKinds[c.Kind] || c.Kind == event.MessageCreated && c.Internal {
			return nil, nil
		}
		if _, err := s.Tickets.CustomerTicketUnqueued(r.Context(), v.scope, id); err != nil {
			return nil, err
		}
		return []streamEvent{{ID: c.EventID, Name: "change", Data: portalChange{Kind: c.Kind, MessageID: c.MessageID}}}, nil
	})
}
