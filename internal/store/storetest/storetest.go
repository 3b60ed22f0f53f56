// Package storetest opens fresh, migrated stores for tests: SQLite in a
// temporary directory always, and PostgreSQL too when
// PORTICO_TEST_POSTGRES_URL is set, each test in a schema of its own.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"portico/internal/store"
)

// PostgresURL is the server tests use, or "" when PostgreSQL tests are off.
func PostgresURL() string { return os.Getenv("PORTICO_TEST_POSTGRES_URL") }

// Engines lists the engines to test on: "sqlite", and "postgres" when set.
func Engines() []string {
	if PostgresURL() != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest on every engine, with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range Engines() {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine, nil))
		})
	}
}

// Options returns store options for a fresh database of engine; for
// PostgreSQL it creates a schema dropped when the test ends.
func Options(t testing.TB, engine string, now func() time.Time) store.Options {
	t.Helper()
	o := store.Options{DataDir: t.TempDir(), Now: now}
	if engine == "postgres" {
		o.DatabaseURL = Schema(t)
	}
	return o
}

// Open returns a fresh migrated store on engine, closed when t ends.
func Open(t testing.TB, engine string, now func() time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, Options(t, engine, now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

var extOnce sync.Once

// Schema creates a throwaway schema on the test server and returns a URL
// whose search_path points at it (then public, where the extensions the
// migrations use live: created there first, so that no test's schema holds
// them and takes them along when it is dropped).
func Schema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("PORTICO_TEST_POSTGRES_URL not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	var extErr error
	extOnce.Do(func() {
		for _, ext := range []string{"pg_trgm", "btree_gin"} {
			q := "CREATE EXTENSION IF NOT EXISTS " + ext + " WITH SCHEMA public"
			if _, extErr = admin.ExecContext(ctx, q); extErr != nil {
				// Another test process may have created it at the same
				// moment; then it is there now.
				_, extErr = admin.ExecContext(ctx, q)
			}
			if extErr != nil {
				return
			}
		}
	})
	if extErr != nil {
		t.Fatal(extErr)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer c.Close()
		c.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
