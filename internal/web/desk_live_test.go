package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	ID, Name string
	Data     map[string]any
}

// stream opens an event stream with cookie and delivers its events until
// the test ends.
func stream(t *testing.T, base, path, cookie string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(line[6:]), &ev.Data)
			}
		}
	}()
	return out
}

// next waits for the next event of a stream.
func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return sseEvent{}
}

func msgID(ev sseEvent) int64 {
	f, _ := ev.Data["message_id"].(float64)
	return int64(f)
}

func TestLiveUpdates(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		ts := httptest.NewServer(e.srv)
		defer ts.Close()
		defer e.srv.EndStreams()
		agent := e.deskAgent(t, "agent@portico.test", "agent")
		deskCookie := "portico_desk=" + agent.cookies["portico_desk"]
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		custCookie := "portico_session=" + cust.cookies["portico_session"]

		t.Run("the desk hears a customer's new message", func(t *testing.T) {
			events := stream(t, ts.URL, fmt.Sprintf("/desk/tickets/%d/events", w.open), deskCookie)
			cust.post(fmt.Sprintf("/support/tickets/%d/reply", w.open), url.Values{"body": {"Still smoking!"}}).want(t, http.StatusSeeOther)
			ev := next(t, events)
			msgs := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), nil, http.StatusOK)["items"].([]any)
			last := msgs[len(msgs)-1].(map[string]any)
			if ev.Name != "change" || ev.Data["kind"] != "message.created" || fmt.Sprint(msgID(ev)) != fmt.Sprint(last["id"]) || last["body"] != "Still smoking!" {
				t.Errorf("event %+v, last message %v", ev, last)
			}
			// An agent's note reaches other agents too.
			agent.post(fmt.Sprintf("/desk/tickets/%d/messages", w.open), url.Values{"body": {"looking"}, "kind": {"note"}}).want(t, http.StatusSeeOther)
			if ev := next(t, events); ev.Data["internal"] != true {
				t.Errorf("note event = %+v", ev)
			}
		})

		t.Run("a customer's page hears public replies and status, never notes", func(t *testing.T) {
			events := stream(t, ts.URL, fmt.Sprintf("/support/tickets/%d/events", w.open), custCookie)
			note := e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), map[string]any{"body": "NOTE-LIVE", "internal": true}, http.StatusCreated)
			reply := e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", w.open), map[string]any{"body": "On our way"}, http.StatusCreated)
			ev := next(t, events)
			if msgID(ev) != id(t, reply, "id") || ev.Data["kind"] != "message.created" {
				t.Errorf("first event = %+v; want the public reply %d, not the note %d", ev, id(t, reply, "id"), id(t, note, "id"))
			}
			if _, leaked := ev.Data["internal"]; leaked {
				t.Errorf("the customer's stream says whether a message is internal: %+v", ev)
			}
			e.ok(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", w.open), map[string]any{"priority": "low"}, http.StatusOK)
			e.ok(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", w.open), map[string]any{"stage_id": w.closedStage}, http.StatusOK)
			kinds := []string{}
			for len(kinds) < 2 {
				ev := next(t, events)
				kinds = append(kinds, ev.Data["kind"].(string))
			}
			if strings.Join(kinds, ",") != "ticket.stage_changed,ticket.closed" {
				t.Errorf("status events = %v (a priority change is not the customer's business here)", kinds)
			}
		})

		t.Run("streams are refused where the page is", func(t *testing.T) {
			for path, cookie := range map[string]string{
				fmt.Sprintf("/support/tickets/%d/events", w.bobOpen): custCookie, // Bob's ticket
				fmt.Sprintf("/desk/tickets/%d/events", w.open):       custCookie,
				fmt.Sprintf("/support/tickets/%d/events", w.open):    deskCookie,
			} {
				req, _ := http.NewRequest("GET", ts.URL+path, nil)
				req.Header.Set("Cookie", cookie)
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					t.Errorf("GET %s with %s = 200", path, cookie[:14])
				}
			}
		})

		t.Run("ending the streams ends them", func(t *testing.T) {
			events := stream(t, ts.URL, fmt.Sprintf("/desk/tickets/%d/events", w.open), deskCookie)
			e.srv.EndStreams()
			select {
			case _, ok := <-events:
				if ok {
					t.Error("an event instead of the end")
				}
			case <-time.After(5 * time.Second):
				t.Error("the stream is still open")
			}
		})
	})
}

// TestLiveRefreshShowsWhatAReloadShows holds the portal's ticket page to
// its live script's contract: on a change, the script swaps in the parts
// the page names in data-live-parts, read again, and leaves the rest
// alone, so all that a change alters must lie inside those parts.
func TestLiveRefreshShowsWhatAReloadShows(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		tk := id(t, e.ticket(t, w.ann.contact, "Waiting in the queue", nil), "id")
		path := fmt.Sprintf("/support/tickets/%d", tk)
		stages := e.stages(t)
		if p := cust.get(path).want(t, http.StatusOK); !strings.Contains(p.Body, `class="notice notice-info queue"`) {
			t.Fatalf("a new ticket's page shows no queue position:\n%s", excerpt(p.Body))
		}
		for _, change := range []struct {
			name string
			body map[string]any
		}{
			{"an agent's reply", nil},
			{"the ticket leaves the queue", map[string]any{"stage_id": stages[1]}},
			{"an owner", map[string]any{"owner_id": e.adminID}},
		} {
			t.Run(change.name, func(t *testing.T) {
				before := cust.get(path).want(t, http.StatusOK).Body
				if change.body == nil {
					e.ok(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", tk), map[string]any{"body": "On it."}, http.StatusCreated)
				} else {
					e.ok(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk), change.body, http.StatusOK)
				}
				after := cust.get(path).want(t, http.StatusOK).Body
				if before == after {
					t.Fatal("the change did not change the page")
				}
				if got := liveRefresh(t, before, after); got != after {
					i := 0
					for i < len(got) && i < len(after) && got[i] == after[i] {
						i++
					}
					t.Errorf("the page refreshed live differs from the page reloaded:\nlive:   %q\nreload: %q",
						got[max(0, i-120):min(len(got), i+120)], after[max(0, i-120):min(len(after), i+120)])
				}
			})
		}
	})
}

// liveRefresh is what the ticket pages' script makes of the open page when
// fresh is the same page read again.
func liveRefresh(t *testing.T, open, fresh string) string {
	t.Helper()
	m := regexp.MustCompile(`data-live-parts="([^"]+)"`).FindStringSubmatch(open)
	if m == nil {
		t.Fatal("the page names no live parts")
	}
	for _, id := range strings.Fields(m[1]) {
		was, now := element(open, id), element(fresh, id)
		if was == "" || now == "" {
			t.Fatalf("the live part #%s is missing before (%t) or after (%t) the change", id, was != "", now != "")
		}
		open = strings.Replace(open, was, now, 1)
	}
	return open
}

// element is the markup of the element with the given id, found by
// counting its kind of tag.
func element(page, id string) string {
	at := strings.Index(page, ` id="`+id+`"`)
	if at < 0 {
		return ""
	}
	start := strings.LastIndex(page[:at], "<")
	name := page[start+1 : at]
	if i := strings.IndexAny(name, " \t\n"); i >= 0 {
		name = name[:i]
	}
	depth := 0
	for _, m := range regexp.MustCompile(`<(/?)`+regexp.QuoteMeta(name)+`[\s>]`).FindAllStringSubmatchIndex(page[start:], -1) {
		if m[3] > m[2] {
			depth--
		} else {
			depth++
		}
		if depth == 0 {
			return page[start : start+m[1]]
		}
	}
	return ""
}
