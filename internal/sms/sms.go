// Package sms sends SMS deliveries through an HTTP gateway: each message is
// a POST of JSON {"to": "+48…", "body": "…"} carrying the delivery's
// idempotency key in an Idempotency-Key header, and any 2xx answer means
// the gateway took it. User info in the URL is sent as basic auth.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"portico/internal/delivery"
)

// Options configure a Sender.
type Options struct {
	URL string // PORTICO_SMS_URL
	// Client makes the requests; default a client of its own.
	Client *http.Client
	// Timeout bounds one request, answer included; default 15 s.
	Timeout time.Duration
}

// Sender posts SMS deliveries to the gateway.
type Sender struct {
	url     string
	shown   string // the URL without secrets, for logs and errors
	client  *http.Client
	timeout time.Duration
}

// New checks the options and returns a Sender.
func New(o Options) (*Sender, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("sms: the SMS URL must be an http:// or https:// URL")
	}
	s := &Sender{url: o.URL, client: o.Client, timeout: o.Timeout}
	s.shown = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if s.client == nil {
		s.client = &http.Client{}
	}
	if s.timeout <= 0 {
		s.timeout = 15 * time.Second
	}
	return s, nil
}

// String names the gateway without user info or query, which may hold
// secrets.
func (s *Sender) String() string { return s.shown }

// Send posts d to the gateway. An answer in 4xx other than 408, 425 and
// 429 means the gateway will not take the message: a permanent error.
func (s *Sender) Send(ctx context.Context, d *delivery.Delivery) error {
	body, err := json.Marshal(struct {
		To   string `json:"to"`
		Body string `json:"body"`
	}{d.To, d.Body})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: request to %s: %w", s.shown, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", d.IdempotencyKey)
	res, err := s.client.Do(req)
	if err != nil {
		// The client's error repeats the URL, query and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("sms: post to %s: %w", s.shown, err)
	}
	defer res.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(res.Body, 200))
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("sms: %s answered %s: %s", s.shown, res.Status, snippet(head))
	if c := res.StatusCode; c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooEarly && c != http.StatusTooManyRequests {
		return delivery.Permanent(err)
	}
	return err
}

// snippet is the start of an answer's body as one printable line.
func snippet(b []byte) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
}
