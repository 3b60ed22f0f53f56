package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestRunSmall drives every scenario briefly against a small data set and
// checks that each one reaches the API and gets the answers it expects. It
// judges no speed: that is the benchmark's report, not a test.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a data set and runs the server")
	}
	dir := t.TempDir()
	args := []string{"-data", dir, "-tickets", "400", "-company-tickets", "100", "-customers", "2",
		"-duration", "300ms", "-warmup", "50ms", "-json", "-database-url", ""}
	var out, log bytes.Buffer
	if err := run(t.Context(), args, &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if !rep.Generated || rep.Tickets != 400 || rep.CompanyTickets != 100 {
		t.Errorf("report = %+v; want a generated set of 400 tickets, 100 in the company", rep)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Scenario)
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (%s)", r.Scenario, r.Requests, r.Errors, r.FirstError)
		}
		if r.Scenario != "hello" && r.Target == "" {
			t.Errorf("%s has no target", r.Scenario)
		}
	}
	if got, want := len(names), len(order); got != want {
		t.Errorf("scenarios run = %v, want %v", names, order)
	}

	// A second run reuses the data set.
	out.Reset()
	if err := run(t.Context(), append(args, "-scenarios", "hello"), &out, &log); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Generated {
		t.Error("the second run generated the data set again")
	}
}

func TestQuantile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var samples []time.Duration
	for i := 1; i <= 100; i++ {
		samples = append(samples, ms(i))
	}
	for _, tc := range []struct {
		q    float64
		want float64
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		if got := quantile(samples, tc.q); got != tc.want {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := quantile(nil, 0.99); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
}

func TestNextCursor(t *testing.T) {
	for body, want := range map[string]string{
		`{"items":[{"id":1,"subject":"next_cursor"}],"next_cursor":"eyJrIjoib2Zmc2V0IiwiaSI6MjV9","total":30}`: "eyJrIjoib2Zmc2V0IiwiaSI6MjV9",
		`{"items":[],"next_cursor":null,"total":0}`:                                                            "",
	} {
		if got := nextCursor([]byte(body)); got != want {
			t.Errorf("nextCursor(%s) = %q, want %q", body, got, want)
		}
	}
}
