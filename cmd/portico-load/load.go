package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// client is one simulated customer: its own keep-alive connection and,
// once signed in, its session cookie.
type client struct {
	http   *http.Client
	base   string // the portal API, e.g. http://127.0.0.1:1234/api/v1/portal/support
	login  string
	cookie string
	rng    *rand.Rand
	buf    bytes.Buffer

	ids    []int64 // tickets this customer may open
	cursor string  // the next page of the list it is reading
	n      int     // requests sent, to vary them

	path  string // an agent's page to read next
	first string // the first page of an agent's view
}

func newClient(base, login string, seed uint64) *client {
	tr := &http.Transport{MaxIdleConns: 1, MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &client{http: &http.Client{Transport: tr, Timeout: 30 * time.Second}, base: base, login: login,
		rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// errStatus is a response with an unexpected status.
type errStatus struct {
	status int
	body   string
}

func (e *errStatus) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.body) }

// do sends one request and reads the whole response into c.buf; a status
// other than want is an error.
func (c *client) do(method, url string, body []byte, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	c.buf.Reset()
	if _, err := c.buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &errStatus{resp.StatusCode, strings.TrimSpace(truncate(c.buf.String(), 200))}
	}
	if method == http.MethodPost && strings.HasSuffix(url, "/session") {
		for _, ck := range resp.Cookies() {
			if strings.HasSuffix(ck.Name, "portico_session") {
				c.cookie = ck.Name + "=" + ck.Value
			}
		}
		if c.cookie == "" {
			return errors.New("sign-in set no session cookie")
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// signIn signs the customer in with the generated password.
func (c *client) signIn() error {
	b, _ := json.Marshal(map[string]string{"login": c.login, "password": loadPassword})
	if err := c.do(http.MethodPost, c.base+"/session", b, http.StatusOK); err != nil {
		return fmt.Errorf("sign in as %s: %w", c.login, err)
	}
	return nil
}

// deskSignIn signs an agent in at the desk's sign-in form.
func (c *client) deskSignIn() error {
	form := url.Values{"email": {c.login}, "password": {loadPassword}}
	req, err := http.NewRequest(http.MethodPost, c.base+"/desk/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("desk sign-in as %s: status %d", c.login, resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "portico_desk") {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	if c.cookie == "" {
		return fmt.Errorf("desk sign-in as %s set no cookie", c.login)
	}
	return nil
}

// listPage is the part of a list response the generator reads.
type listPage struct {
	Items []struct {
		ID int64 `json:"id"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
	Total      int     `json:"total"`
}

// collectIDs walks the customer's list to learn which tickets it may open.
func (c *client) collectIDs(max int) error {
	url := c.base + "/tickets?limit=100"
	for len(c.ids) < max {
		if err := c.do(http.MethodGet, url, nil, http.StatusOK); err != nil {
			return fmt.Errorf("list tickets of %s: %w", c.login, err)
		}
		var p listPage
		if err := json.Unmarshal(c.buf.Bytes(), &p); err != nil {
			return fmt.Errorf("list tickets of %s: %w", c.login, err)
		}
		for _, it := range p.Items {
			c.ids = append(c.ids, it.ID)
		}
		if p.NextCursor == nil || *p.NextCursor == "" {
			break
		}
		url = c.base + "/tickets?limit=100&cursor=" + *p.NextCursor
	}
	if len(c.ids) == 0 {
		return fmt.Errorf("%s sees no tickets", c.login)
	}
	return nil
}

// result is one scenario's measurement.
type result struct {
	Scenario   string    `json:"scenario"`
	Workers    int       `json:"workers"`
	Seconds    float64   `json:"seconds"`
	Requests   int       `json:"requests"`
	Errors     int       `json:"errors"`
	FirstError string    `json:"first_error,omitempty"`
	RPS        float64   `json:"rps"`
	P50        float64   `json:"p50_ms"`
	P90        float64   `json:"p90_ms"`
	P99        float64   `json:"p99_ms"`
	Max        float64   `json:"max_ms"`
	Ratio      float64   `json:"ratio_to_hello,omitempty"`
	Target     string    `json:"target,omitempty"`
	Pass       *bool     `json:"pass,omitempty"`
	Note       string    `json:"note,omitempty"`
	Started    time.Time `json:"started"`
}

// drive drives clients in a closed loop: each sends its next request as soon
// as the previous one is answered. Requests started during warmup are not
// counted; every request started in the measured window is, errors
// included, with its latency.
func drive(ctx context.Context, name string, clients []*client, warmup, d time.Duration, step func(c *client) error) result {
	start := time.Now()
	measure := start.Add(warmup)
	end := measure.Add(d)
	type tally struct {
		lat      []time.Duration
		errs     int
		firstErr error
	}
	tallies := make([]tally, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 1<<16)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := step(c)
				if t0.Before(measure) {
					continue
				}
				t.lat = append(t.lat, time.Since(t0))
				if err != nil {
					t.errs++
					if t.firstErr == nil {
						t.firstErr = err
					}
				}
			}
		})
	}
	wg.Wait()
	r := result{Scenario: name, Workers: len(clients), Seconds: d.Seconds(), Started: measure.UTC()}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errs
		if t.firstErr != nil && r.FirstError == "" {
			r.FirstError = t.firstErr.Error()
		}
	}
	slices.Sort(all)
	r.Requests = len(all)
	r.RPS = float64(len(all)) / d.Seconds()
	r.P50, r.P90, r.P99 = quantile(all, 0.50), quantile(all, 0.90), quantile(all, 0.99)
	if len(all) > 0 {
		r.Max = ms(all[len(all)-1])
	}
	return r
}

// quantile is the q-th quantile of sorted latencies in milliseconds, the
// smallest sample at or above that rank.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return ms(sorted[min(max(i, 0), len(sorted)-1)])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
