package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"portico/internal/agent"
	"portico/internal/event"
	"portico/internal/filestore"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/web"
)

// maxUpload is the attachment limit of test servers: small, so that a
// request over it is cheap.
const maxUpload = 1 << 20

// testEnv is a server over a fresh store, with an admin and their API key.
type testEnv struct {
	db       *store.DB
	srv      *web.Server
	blobDir  string
	adminKey string
	adminID  int64
	agentKey string // a non-admin agent's key, made on first use
}

// eachEnv runs fn on every engine with a fresh server.
func eachEnv(t *testing.T, fn func(t *testing.T, e *testEnv)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, newTestEnv(t, db))
	})
}

// newTestEnv wires the real services and router over db.
func newTestEnv(t *testing.T, db *store.DB) *testEnv {
	t.Helper()
	return newTestEnvAt(t, db, "http://portico.test")
}

// newTestEnvAt is newTestEnv for a server whose public address is base.
func newTestEnvAt(t *testing.T, db *store.DB, base string) *testEnv {
	t.Helper()
	ctx := context.Background()
	blobDir := t.TempDir()
	files, err := filestore.Open(ctx, "file://"+blobDir, maxUpload)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	srv, err := web.New(web.Options{
		Services: web.NewServices(db, func() string { return base }),
		BaseURL:  base,
		Files:    files,
		Logger:   slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		Ready:    db.Ready,
		Version:  "test",
		Now:      db.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{db: db, srv: srv, blobDir: blobDir}
	e.adminID, e.adminKey = e.newAgent(t, "admin@portico.test", agent.RoleAdmin)
	return e
}

// newAgent creates an agent and returns its id and a fresh API key.
func (e *testEnv) newAgent(t *testing.T, email, role string) (int64, string) {
	t.Helper()
	ctx := context.Background()
	agents := agent.NewService(e.db)
	a, err := agents.CreateAgent(ctx, event.System, agent.NewAgent{Email: email, Password: "correct horse", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := agents.CreateAPIKey(ctx, event.System, email, "test")
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, key
}

// nonAdminKey is the key of an agent who is not an admin.
func (e *testEnv) nonAdminKey(t *testing.T) string {
	if e.agentKey == "" {
		_, e.agentKey = e.newAgent(t, "agent@portico.test", agent.RoleAgent)
	}
	return e.agentKey
}

// testLog shows the server's error logs with the test's output.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is what the server answered.
type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

// serve sends a request through the real router. A key of "" sends no
// Authorization header; a key starting with "cookie:" is a customer's
// session cookie, sent as the Cookie header.
func (e *testEnv) serve(req *http.Request, key string) *response {
	if c, ok := strings.CutPrefix(key, "cookie:"); ok {
		req.Header.Set("Cookie", c)
	} else if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return &response{Code: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()}
}

// raw sends body as it is with the given content type ("" for none).
func (e *testEnv) raw(method, path, key, contentType string, body []byte) *response {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return e.serve(req, key)
}

// call sends body as JSON with the admin's key: a string or []byte is sent
// as it is, anything else is marshalled; nil sends no body.
func (e *testEnv) call(method, path string, body any) *response {
	return e.callAs(e.adminKey, method, path, body)
}

// callAs is call with another key.
func (e *testEnv) callAs(key, method, path string, body any) *response {
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			panic(err) // a test's own body: a mistake in the test
		}
	}
	ct := ""
	if b != nil {
		ct = "application/json"
	}
	return e.raw(method, path, key, ct, b)
}

// ok calls and requires status want, returning the decoded JSON object.
func (e *testEnv) ok(t *testing.T, method, path string, body any, want int) map[string]any {
	t.Helper()
	r := e.call(method, path, body)
	if r.Code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	if want == http.StatusNoContent {
		if len(r.Body) != 0 {
			t.Errorf("%s %s: 204 with a body: %q", method, path, r.Body)
		}
		return nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type = %q, want JSON", method, path, ct)
	}
	return r.object(t)
}

// object decodes the body as a JSON object.
func (r *response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		t.Fatalf("body is not a JSON object (%v): %q", err, r.Body)
	}
	return m
}

// decode decodes the body into v.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// wantError checks an error answer: the status, JSON content, and the
// error shape of API.md §2. It returns the error object.
func (r *response) wantError(t *testing.T, status int) map[string]any {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status = %d, want %d: %s", r.Code, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var body struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Error == nil {
		t.Fatalf("error body %q is not {\"error\": {…}} (%v)", r.Body, err)
	}
	code, _ := body.Error["code"].(string)
	msg, _ := body.Error["message"].(string)
	if !snakeCase.MatchString(code) {
		t.Errorf("error.code = %q, want snake_case", body.Error["code"])
	}
	if strings.TrimSpace(msg) == "" {
		t.Errorf("error.message is empty in %s", r.Body)
	}
	fields, hasFields := body.Error["fields"].(map[string]any)
	if status == http.StatusUnprocessableEntity && len(fields) == 0 {
		t.Errorf("422 without fields: %s", r.Body)
	}
	if status != http.StatusUnprocessableEntity && hasFields {
		t.Errorf("fields outside a 422: %s", r.Body)
	}
	return body.Error
}

// wantFields checks a 422 whose fields name at least each of want.
func (r *response) wantFields(t *testing.T, want ...string) {
	t.Helper()
	e := r.wantError(t, http.StatusUnprocessableEntity)
	fields, _ := e["fields"].(map[string]any)
	for _, f := range want {
		if msg, _ := fields[f].(string); msg == "" {
			t.Errorf("fields[%q] missing or empty in %v", f, fields)
		}
	}
}

// id reads a numeric JSON field (decoded with UseNumber) as an int64.
func id(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	n, ok := m[key].(json.Number)
	if !ok {
		t.Fatalf("%s = %v (%T), want a number", key, m[key], m[key])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("%s = %v: %v", key, n, err)
	}
	return v
}

// hasKeys fails unless m has every key.
func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, m)
		}
	}
}

// list decodes a list envelope and checks its shape.
func (r *response) list(t *testing.T) (items []map[string]any, next *string, total int) {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("list status = %d: %s", r.Code, r.Body)
	}
	m := r.object(t)
	hasKeys(t, "list", m, "items", "next_cursor", "total")
	var body struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"next_cursor"`
		Total      *int              `json:"total"`
	}
	r.decode(t, &body)
	if body.Items == nil || body.Total == nil {
		t.Fatalf("list envelope has null items or total: %s", r.Body)
	}
	for _, raw := range body.Items {
		var item map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&item); err != nil {
			t.Fatalf("item %s: %v", raw, err)
		}
		items = append(items, item)
	}
	return items, body.NextCursor, *body.Total
}

// contact creates a contact and returns its id.
func (e *testEnv) contact(t *testing.T, fields map[string]any) int64 {
	t.Helper()
	if fields["first_name"] == nil {
		fields["first_name"] = "Ada"
	}
	return id(t, e.ok(t, "POST", "/api/v1/contacts", fields, http.StatusCreated), "id")
}

// ticket creates a ticket with the defaults for requester and returns it.
func (e *testEnv) ticket(t *testing.T, requester int64, subject string, extra map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"subject": subject, "requester_id": requester}
	for k, v := range extra {
		body[k] = v
	}
	return e.ok(t, "POST", "/api/v1/tickets", body, http.StatusCreated)
}

// blobs lists the files in the attachment store.
func (e *testEnv) blobs(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(e.blobDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
