package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portico/internal/auth"
	"portico/internal/delivery"
	"portico/internal/mail"
	"portico/internal/mail/mailtest"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary compiles the command once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "portico-test-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "portico")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// portico runs one command of the binary to completion.
func portico(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("portico %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// TestBinary runs the real program: migrate, create an admin and a key,
// serve on a free port, use the API with the printed key, back up the
// database while serving, and stop on SIGTERM with exit status 0.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"PORTICO_DATA_DIR=" + dir, "PORTICO_ADDR=127.0.0.1:0", "PORTICO_DATABASE_URL="}
			if engine == "postgres" {
				env = append(env, "PORTICO_DATABASE_URL="+storetest.Schema(t))
			}
			if out := portico(t, bin, env, "migrate"); out != "migrations applied" {
				t.Fatalf("migrate printed %q", out)
			}
			portico(t, bin, env, "admin", "create", "--email", "Boss@Example.com", "--password", "correct horse", "--name", "Boss")
			key := portico(t, bin, env, "apikey", "create", "--email", "boss@example.com")
			if !strings.HasPrefix(key, "pk_") || strings.Contains(key, "\n") {
				t.Fatalf("apikey create printed %q, want one key line", key)
			}

			srv := exec.Command(bin, "serve")
			srv.Env = append(os.Environ(), env...)
			var logs bytes.Buffer
			srv.Stderr = &logs
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			base := "http://" + waitForAddr(t, filepath.Join(dir, "addr"), &logs)
			if !strings.Contains(logs.String(), `"msg":"listening"`) {
				t.Errorf("no listening line in the log:\n%s", logs.String())
			}

			call := func(method, path, body string, want int) map[string]any {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var out map[string]any
				json.NewDecoder(res.Body).Decode(&out)
				if res.StatusCode != want {
					t.Fatalf("%s %s: status %d, want %d: %v", method, path, res.StatusCode, want, out)
				}
				return out
			}
			company := call("POST", "/api/v1/companies", `{"name":"Acme"}`, 201)
			contact := call("POST", "/api/v1/contacts", `{"first_name":"Ann","email":"ann@acme.test","company_id":`+num(company["id"])+`}`, 201)
			tk := call("POST", "/api/v1/tickets", `{"subject":"Cannot sign in","body":"Since Monday.","requester_id":`+num(contact["id"])+`}`, 201)
			got := call("GET", "/api/v1/tickets/"+num(tk["id"]), "", 200)
			if got["subject"] != "Cannot sign in" || got["status"] != "open" || got["company_id"] != company["id"] {
				t.Errorf("ticket = %v", got)
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				res, err := http.Get(base + path)
				if err != nil || res.StatusCode != 200 {
					t.Errorf("GET %s: %v %v", path, res, err)
				}
			}

			if engine == "sqlite" {
				backup := filepath.Join(t.TempDir(), "copy.db")
				if out := portico(t, bin, env, "backup", "--to", backup); !strings.Contains(out, backup) {
					t.Errorf("backup printed %q", out)
				}
				// The copy is a complete database holding the ticket.
				copyDir := t.TempDir()
				data, err := os.ReadFile(backup)
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(copyDir, store.SQLiteFile), data, 0o600)
				db, err := store.Open(context.Background(), store.Options{DataDir: copyDir})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.Ready(context.Background()); err != nil {
					t.Errorf("backup not ready: %v", err)
				}
				if bt, err := db.Ticket(context.Background(), int64(tk["id"].(float64))); err != nil || bt.Subject != "Cannot sign in" {
					t.Errorf("backup lacks the ticket: %v %v", bt, err)
				}
			}

			if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve exited with %v after SIGTERM\n%s", err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop after SIGTERM")
			}
		})
	}
}

func num(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// waitForAddr waits for the server to write its address.
func waitForAddr(t *testing.T, path string, logs *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no address written to %s\n%s", path, logs.String())
	return ""
}

// TestSettings checks that flags win over the environment and that bad
// settings are refused before anything starts.
func TestSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var out, errOut bytes.Buffer
	ctx := context.Background()

	dir := t.TempDir()
	err := run(ctx, []string{"migrate", "--data-dir", dir}, env(map[string]string{"PORTICO_DATA_DIR": filepath.Join(dir, "not-this")}), &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "portico.db")); err != nil {
		t.Errorf("the --data-dir flag did not win over PORTICO_DATA_DIR: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "not-this")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PORTICO_DATA_DIR was used although the flag was given")
	}

	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"unknown command":   {[]string{"frobnicate"}, nil},
		"no command":        {nil, nil},
		"bad upload limit":  {[]string{"migrate"}, map[string]string{"PORTICO_MAX_UPLOAD_MB": "lots", "PORTICO_DATA_DIR": dir}},
		"zero upload limit": {[]string{"migrate", "--max-upload-mb", "0", "--data-dir", dir}, nil},
		"bad database url":  {[]string{"migrate", "--database-url", "mysql://x", "--data-dir", dir}, nil},
		"bad base url":      {[]string{"migrate", "--base-url", "ftp://x", "--data-dir", dir}, nil},
		"bad smtp url":      {[]string{"migrate", "--smtp-url", "smtp://mail.example.com?starttls=maybe", "--data-dir", dir}, nil},
		"bad mail from":     {[]string{"migrate", "--smtp-url", "smtp://mail.example.com", "--mail-from", "nobody", "--data-dir", dir}, nil},
		"bad sms url":       {[]string{"migrate", "--sms-url", "ftp://sms.example.com", "--data-dir", dir}, nil},
		"bad retry":         {[]string{"migrate", "--delivery-retry-seconds", "0", "--data-dir", dir}, nil},
		"short lease":       {[]string{"migrate", "--delivery-lease-seconds", "1", "--data-dir", dir}, nil},
		"backup without to": {[]string{"backup", "--data-dir", dir}, nil},
		"short password":    {[]string{"admin", "create", "--email", "a@b.test", "--password", "short", "--data-dir", dir}, nil},
		"unknown agent key": {[]string{"apikey", "create", "--email", "nobody@b.test", "--data-dir", dir}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if err := run(ctx, tc.args, env(tc.env), &out, &errOut); err == nil {
				t.Errorf("run(%q) succeeded, want an error", tc.args)
			}
		})
	}

	// A demo never wipes a directory holding real data.
	if err := run(ctx, []string{"demo", "--data-dir", dir}, env(nil), &out, &errOut); err == nil || !strings.Contains(err.Error(), "not a demo") {
		t.Errorf("demo on a real data dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "portico.db")); err != nil {
		t.Errorf("demo removed the real database: %v", err)
	}

	out.Reset()
	if err := run(ctx, []string{"version"}, env(nil), &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "portico ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveBinary starts "portico serve" and waits until it listens.
func serveBinary(t *testing.T, bin, dir string, env []string) (*exec.Cmd, string, *lockedBuffer) {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(), env...)
	logs := &lockedBuffer{}
	srv.Stderr = logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if srv.ProcessState == nil {
			srv.Process.Kill()
			srv.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return srv, "http://" + strings.TrimSpace(string(b)), logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve wrote no address\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stopBinary ends a serve process with SIGTERM and wants exit status 0.
func stopBinary(t *testing.T, srv *exec.Cmd, logs *lockedBuffer) {
	t.Helper()
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
}

// freeAddr is a loopback address where nothing listens yet.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// apiClient calls the agent API of a running server with a key.
type apiClient struct {
	t         *testing.T
	base, key string
}

func (c *apiClient) call(method, path, body string, want int, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

type loggedDelivery struct {
	ID        int64  `json:"id"`
	To        string `json:"to"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

func (c *apiClient) emails() []loggedDelivery {
	c.t.Helper()
	var page struct{ Items []loggedDelivery }
	c.call("GET", "/api/v1/deliveries?kind=email&limit=100", "", 200, &page)
	return page.Items
}

// waitEmails polls the delivery log until cond holds for its emails.
func (c *apiClient) waitEmails(what string, cond func([]loggedDelivery) bool) []loggedDelivery {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ds := c.emails()
		if cond(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("waiting for %s: timed out with %+v", what, ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDeliveriesSurviveRestart queues 20 emails while the relay is down,
// kills the process, starts it again with the relay up over STARTTLS with
// sign-in: each email arrives exactly once, and the relay's password shows
// in no log.
func TestDeliveriesSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			const total, password = 20, "Relay-pa55word"
			dir := t.TempDir()
			relay := freeAddr(t)
			env := []string{"PORTICO_DATA_DIR=" + dir, "PORTICO_ADDR=127.0.0.1:0", "PORTICO_DATABASE_URL=",
				"PORTICO_SMTP_URL=smtp://portico:" + password + "@" + relay + "?starttls=required",
				"PORTICO_MAIL_FROM=Acme Support <support@acme.test>", "PORTICO_SMS_URL=",
				"PORTICO_DELIVERY_RETRY_SECONDS=1", "PORTICO_DELIVERY_LEASE_SECONDS=4"}
			if engine == "postgres" {
				env = append(env, "PORTICO_DATABASE_URL="+storetest.Schema(t))
			}
			portico(t, bin, env, "migrate")
			portico(t, bin, env, "admin", "create", "--email", "boss@example.com", "--password", "correct horse")
			key := portico(t, bin, env, "apikey", "create", "--email", "boss@example.com")

			first, base, firstLogs := serveBinary(t, bin, dir, env)
			api := &apiClient{t: t, base: base, key: key}
			for i := range total {
				var c struct{ ID int64 }
				api.call("POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name":"Kund %d","email":"customer%02d@example.com"}`, i, i), 201, &c)
				api.call("POST", fmt.Sprintf("/api/v1/contacts/%d/account", c.ID), `{"send_via":"email"}`, 201, nil)
			}
			tried := api.waitEmails("an attempt at every email", func(ds []loggedDelivery) bool {
				for _, d := range ds {
					if d.Attempts < 1 {
						return false
					}
				}
				return len(ds) == total
			})
			for _, d := range tried {
				if d.Status == "sent" || !strings.Contains(d.LastError, relay) || strings.Contains(d.LastError, password) {
					t.Errorf("while the relay was down: %+v", d)
				}
			}
			// Some may be mid-attempt: killed, they stay claimed until
			// their lease ends.
			first.Process.Kill()
			first.Wait()

			srv := mailtest.Start(t, mailtest.Options{Addr: relay, TLS: mailtest.StartTLS, Users: map[string]string{"portico": password}})
			certFile := filepath.Join(t.TempDir(), "relay.pem")
			if err := os.WriteFile(certFile, srv.CertPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			second, base, secondLogs := serveBinary(t, bin, dir, append(env, "SSL_CERT_FILE="+certFile))
			api.base = base
			srv.Wait(t, total, 60*time.Second)
			api.waitEmails("every email sent", func(ds []loggedDelivery) bool {
				for _, d := range ds {
					if d.Status != "sent" {
						return false
					}
				}
				return len(ds) == total
			})
			msgs := srv.Messages()
			if len(msgs) != total {
				t.Errorf("%d messages arrived, want %d", len(msgs), total)
			}
			seen := map[string]int{}
			for _, m := range msgs {
				p, err := m.Parse()
				if err != nil {
					t.Fatal(err)
				}
				to := m.To[0]
				seen[to]++
				from, _ := p.Header.AddressList("From")
				if !m.TLS || m.User != "portico" || len(from) != 1 || from[0].Address != "support@acme.test" ||
					p.Subject != "Your customer portal account" || !strings.Contains(p.Text, "Login: "+to) ||
					!strings.HasPrefix(p.Header.Get(mail.DeliveryHeader), "account-opened-") {
					t.Errorf("message to %s: TLS %v, user %q, From %v, subject %q, key %q, text %q",
						to, m.TLS, m.User, from, p.Subject, p.Header.Get(mail.DeliveryHeader), p.Text)
				}
			}
			for i := range total {
				if to := fmt.Sprintf("customer%02d@example.com", i); seen[to] != 1 {
					t.Errorf("%s got %d emails, want 1", to, seen[to])
				}
			}
			stopBinary(t, second, secondLogs)
			for name, logs := range map[string]string{"first": firstLogs.String(), "second": secondLogs.String()} {
				if strings.Contains(logs, password) {
					t.Errorf("the %s process logged the relay's password:\n%s", name, logs)
				}
				if !strings.Contains(logs, `"msg":"deliveries","email":"smtp://portico@`+relay+`?starttls=required"`) {
					t.Errorf("the %s process did not log its relay:\n%s", name, logs)
				}
			}
		})
	}
}

// TestProcessesShareQueue runs two servers on one PostgreSQL database
// with 200 emails queued: each arrives exactly once.
func TestProcessesShareQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if storetest.PostgresURL() == "" {
		t.Skip("PORTICO_TEST_POSTGRES_URL not set")
	}
	const total = 200
	bin := buildBinary(t)
	dbURL := storetest.Schema(t)
	srv := mailtest.Start(t, mailtest.Options{})
	env := []string{"PORTICO_ADDR=127.0.0.1:0", "PORTICO_DATABASE_URL=" + dbURL, "PORTICO_SMTP_URL=smtp://" + srv.Addr, "PORTICO_SMS_URL="}
	portico(t, bin, append(env, "PORTICO_DATA_DIR="+t.TempDir()), "migrate")

	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range total {
		d := &delivery.Delivery{Kind: delivery.Email, To: fmt.Sprintf("user%03d@example.com", i), Subject: "Shared queue",
			Body: "Hej", IdempotencyKey: fmt.Sprintf("shared-%03d", i)}
		if err := db.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	type proc struct {
		cmd  *exec.Cmd
		logs *lockedBuffer
	}
	var procs []proc
	for range 2 {
		dir := t.TempDir()
		cmd, _, logs := serveBinary(t, bin, dir, append(env, "PORTICO_DATA_DIR="+dir))
		procs = append(procs, proc{cmd, logs})
	}
	srv.Wait(t, total, 60*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for {
		p, err := db.Deliveries(ctx, delivery.Filter{Kind: delivery.Email, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		f := delivery.Filter{Kind: delivery.Email, Limit: 100}
		for {
			p, err = db.Deliveries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range p.Items {
				if d.Status == delivery.Sent {
					sent++
				}
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if sent == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d emails sent", sent, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	keys := map[string]int{}
	for _, m := range srv.Messages() {
		p, err := m.Parse()
		if err != nil {
			t.Fatal(err)
		}
		keys[p.Header.Get(mail.DeliveryHeader)]++
	}
	for i := range total {
		if n := keys[fmt.Sprintf("shared-%03d", i)]; n != 1 {
			t.Errorf("email %d arrived %d times, want once", i, n)
		}
	}
	logged := 0
	for i, p := range procs {
		stopBinary(t, p.cmd, p.logs)
		n := strings.Count(p.logs.String(), `"msg":"delivery sent"`)
		t.Logf("process %d sent %d emails", i, n)
		logged += n
	}
	if logged != total {
		t.Errorf("the processes logged %d sends, want %d", logged, total)
	}
}

// TestServeRemovesExpiredSessions: serve deletes expired sessions when it
// starts (and every tidyEvery after), and leaves live ones.
func TestServeRemovesExpiredSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	env := []string{"PORTICO_DATA_DIR=" + dir, "PORTICO_ADDR=127.0.0.1:0", "PORTICO_DATABASE_URL=", "PORTICO_SMTP_URL=", "PORTICO_SMS_URL="}
	portico(t, bin, env, "migrate")
	portico(t, bin, env, "admin", "create", "--email", "boss@example.com", "--password", "correct horse")
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boss, err := db.AgentByEmail(ctx, "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, s := range []struct {
		hash    string
		expires time.Time
	}{{"expired-session-hash", now.Add(-time.Hour)}, {"live-session-hash", now.Add(time.Hour)}} {
		sess := &auth.Session{Kind: auth.KindAgent, AgentID: boss.ID, CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: s.expires}
		if err := db.CreateSession(ctx, sess, []byte(s.hash), auth.Client{}); err != nil {
			t.Fatal(err)
		}
	}
	srv, _, logs := serveBinary(t, bin, dir, env)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := db.SessionByToken(ctx, []byte("expired-session-hash"))
		if errors.Is(err, nil) && time.Now().After(deadline) {
			t.Fatalf("the expired session is still there\n%s", logs.String())
		}
		if err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := db.SessionByToken(ctx, []byte("live-session-hash")); err != nil {
		t.Errorf("the live session: %v", err)
	}
	stopBinary(t, srv, logs)
}
