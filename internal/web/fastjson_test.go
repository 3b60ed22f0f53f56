package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPortalTicketsJSON: the hand-written list body is byte for byte what
// encoding/json writes, for every kind of text a ticket may hold.
func TestPortalTicketsJSON(t *testing.T) {
	texts := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rret\bback\fform",
		"\x00\x01\x1f\x7f", "zażółć gęślą jaźń, åäö, 打印机", "bad \xff utf-8 \xe2\x82", "line\u2028para\u2029end", "emoji 🎫"}
	when := time.Date(2026, 11, 21, 16, 36, 22, 123456000, time.UTC)
	closed := when.Add(time.Hour)
	var items []portalTicket
	for i, s := range texts {
		st, co := s+" stage", s+" company"
		it := portalTicket{ID: int64(i + 1), Subject: s, Status: "open", PipelineName: s, Requester: personName{Name: s},
			Priority: "high", ReplyChannel: "email", Draft: i%2 == 0, Properties: map[string]any{},
			CreatedAt: when, LastActivityAt: when.Add(time.Duration(i) * time.Second)}
		if i%2 == 1 {
			it.StageName, it.Company, it.Owner, it.ClosedAt = &st, &co, &ownerName{DisplayName: s}, &closed
			it.Properties = map[string]any{"region": s, "seats": 3.5, "vip": true, "tags": []any{"a", s}, "none": nil}
		}
		if i == 4 {
			it.Properties = nil
		}
		items = append(items, it)
	}
	for _, c := range []struct {
		items []portalTicket
		next  string
	}{{items, "b2Zmc2V0OjI1"}, {items[:1], ""}, {[]portalTicket{}, ""}} {
		want := httptest.NewRecorder()
		writeList(want, c.items, c.next, 42)
		got := httptest.NewRecorder()
		writePortalTickets(got, c.items, c.next, 42)
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("body differs:\n got %s\nwant %s", got.Body, want.Body)
		}
		if g, w := got.Header().Get("Content-Type"), want.Header().Get("Content-Type"); g != w {
			t.Errorf("Content-Type %q, want %q", g, w)
		}
		if !json.Valid(got.Body.Bytes()) || strings.Contains(got.Body.String(), "<") {
			t.Errorf("not valid, HTML-safe JSON: %s", got.Body)
		}
	}
}
