package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"portico/internal/store"
	"portico/internal/store/storetest"
)

// buildBinary compiles the command once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "portico")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
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
