package sms_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/internal/delivery"
	"portico/internal/sms"
)

// gateway is an SMS provider's endpoint that answers with the next status
// of its list (200 once the list is used up) and keeps what it was sent.
type gateway struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	To, Body, Key, User, Pass, ContentType, Token string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msg struct{ To, Body string }
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&msg) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	user, pass, _ := r.BasicAuth()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, received{msg.To, msg.Body, r.Header.Get("Idempotency-Key"), user, pass, r.Header.Get("Content-Type"), r.URL.Query().Get("token")})
	status := http.StatusOK
	if len(g.statuses) > 0 {
		status, g.statuses = g.statuses[0], g.statuses[1:]
	}
	w.WriteHeader(status)
	w.Write([]byte(`{"error": "über   limit"}`))
}

func TestSend(t *testing.T) {
	g := &gateway{statuses: []int{http.StatusAccepted, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusUnprocessableEntity, http.StatusOK}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://acct:t0ps3cret@", 1) + "/send?token=qu3ry-s3cret"
	s, err := sms.New(sms.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.String(), "s3cret") {
		t.Errorf("String() shows a secret: %s", s)
	}
	d := &delivery.Delivery{Kind: delivery.SMS, To: "+48601234567", Body: "Kod: 123456 — zażółć, 验证码", IdempotencyKey: "code-1"}
	tests := []struct {
		name      string
		ok        bool
		permanent bool
	}{
		{"202 is success", true, false},
		{"503 is retried", false, false},
		{"429 is retried", false, false},
		{"422 fails for good", false, true},
		{"200 is success", true, false},
	}
	for _, tt := range tests {
		err := s.Send(t.Context(), d)
		if (err == nil) != tt.ok || delivery.IsPermanent(err) != tt.permanent {
			t.Errorf("%s: Send = %v (permanent %v)", tt.name, err, delivery.IsPermanent(err))
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "über limit")) {
			t.Errorf("%s: error %q shows a secret or not the gateway's answer", tt.name, err)
		}
	}
	if len(g.got) != len(tests) {
		t.Fatalf("gateway got %d requests, want %d", len(g.got), len(tests))
	}
	want := received{"+48601234567", d.Body, "code-1", "acct", "t0ps3cret", "application/json", "qu3ry-s3cret"}
	for i, r := range g.got {
		if r != want {
			t.Errorf("request %d = %+v, want %+v", i, r, want)
		}
	}
}

func TestSendUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := sms.New(sms.Options{URL: "http://user:t0ps3cret@" + addr + "/send?token=qu3ry-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(t.Context(), &delivery.Delivery{To: "+46701234567", Body: "Hej", IdempotencyKey: "k"})
	if err == nil || delivery.IsPermanent(err) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("gateway down: %v, want a retryable error without secrets", err)
	}

	// A gateway that never answers: the timeout ends the attempt.
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer stuck.Close()
	defer close(release)
	s, err = sms.New(sms.Options{URL: stuck.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), &delivery.Delivery{To: "+46701234567", Body: "Hej", IdempotencyKey: "k"}); err == nil || delivery.IsPermanent(err) {
		t.Errorf("silent gateway: %v, want a retryable error", err)
	}
	for _, bad := range []string{"", "ftp://x", "http://", "://x"} {
		if _, err := sms.New(sms.Options{URL: bad}); err == nil {
			t.Errorf("New(%q) accepted it", bad)
		}
	}
}
