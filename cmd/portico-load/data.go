package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"portico/internal/contact"
	"portico/internal/password"
	"portico/internal/store"
)

// loadPassword is every generated account's password.
const loadPassword = "portico-load-password"

// markerFile, in the data directory, describes the generated data set so a
// rerun can use it instead of generating again.
const markerFile = "portico-load.json"

// dataSet is what the marker file holds.
type dataSet struct {
	Engine         string    `json:"engine"`
	Database       string    `json:"database,omitempty"` // PostgreSQL URL without its password
	Tickets        int       `json:"tickets"`
	CompanyID      int64     `json:"company_id"`
	CompanyTickets int       `json:"company_tickets"`
	Customers      []string  `json:"customers"`
	Writers        []string  `json:"writers"`
	GeneratedAt    time.Time `json:"generated_at"`
	Seconds        float64   `json:"generation_seconds"`
}

// accounts is how many customer and writer accounts the data set needs:
// one per client of the largest scenario, and at least 32.
func (o *options) accounts() int {
	n := max(o.customers, 32)
	for _, w := range o.workers {
		n = max(n, w)
	}
	return n
}

func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || dbURL == "" {
		return ""
	}
	return u.Redacted()
}

// prepareData opens the store, migrates it, and generates the data set
// unless the data directory's marker says the database already holds one
// that fits. The returned bool tells whether it generated.
func prepareData(ctx context.Context, cfg *options, log io.Writer) (*store.DB, *dataSet, bool, error) {
	want := dataSet{Engine: "sqlite", Database: redact(cfg.databaseURL), Tickets: cfg.tickets}
	if cfg.databaseURL != "" {
		want.Engine = "postgres"
	}
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return nil, nil, false, err
	}
	marker := filepath.Join(cfg.dataDir, markerFile)
	have, err := readMarker(marker)
	if err != nil {
		return nil, nil, false, err
	}
	reuse := have != nil && have.Engine == want.Engine && have.Database == want.Database && have.Tickets == want.Tickets &&
		len(have.Customers) >= cfg.accounts() && len(have.Writers) >= cfg.accounts()
	if !reuse && want.Engine == "sqlite" {
		if err := clearSQLite(cfg.dataDir, have != nil); err != nil {
			return nil, nil, false, err
		}
	}
	db, err := store.Open(ctx, store.Options{DatabaseURL: cfg.databaseURL, DataDir: cfg.dataDir, NoViewCache: cfg.noViewCache})
	if err != nil {
		return nil, nil, false, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, false, err
	}
	if reuse {
		// Earlier runs' new tickets leave the text index in pieces,
		// which a serving instance merges hourly: merge them now.
		if err := compactSearch(ctx, db, log); err != nil {
			db.Close()
			return nil, nil, false, err
		}
		return db, have, false, nil
	}
	os.Remove(marker)
	ds, err := generate(ctx, db, cfg, want, log)
	if err != nil {
		db.Close()
		return nil, nil, false, err
	}
	b, _ := json.MarshalIndent(ds, "", "  ")
	if err := os.WriteFile(marker, append(b, '\n'), 0o644); err != nil {
		db.Close()
		return nil, nil, false, err
	}
	return db, ds, true, nil
}

func readMarker(path string) (*dataSet, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ds dataSet
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &ds, nil
}

// clearSQLite removes a SQLite database this program generated before, and
// refuses to touch one it did not.
func clearSQLite(dir string, ours bool) error {
	path := filepath.Join(dir, store.SQLiteFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if !ours {
		return fmt.Errorf("%s holds a database without a %s marker; choose an empty -data directory", dir, markerFile)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// generate writes the data set into an empty database.
func generate(ctx context.Context, db *store.DB, cfg *options, ds dataSet, log io.Writer) (*dataSet, error) {
	if err := emptyDatabase(ctx, db); err != nil {
		return nil, err
	}
	start := time.Now()
	hash, err := password.Hash(loadPassword)
	if err != nil {
		return nil, err
	}
	accounts := cfg.accounts()
	fmt.Fprintf(log, "generating %d tickets on %s …\n", cfg.tickets, db.Engine())
	last := time.Now()
	res, err := db.GenerateBulk(ctx, store.BulkOptions{
		Tickets: cfg.tickets, Customers: accounts, Writers: accounts, CompanyTickets: cfg.companyTickets,
		PasswordHash: hash, Seed: 1,
		Progress: func(done int) {
			if time.Since(last) > 5*time.Second || done == cfg.tickets {
				last = time.Now()
				el := time.Since(start)
				fmt.Fprintf(log, "  %d tickets in %s (%.0f/s)\n", done, el.Round(time.Second), float64(done)/el.Seconds())
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ds.CompanyID, ds.CompanyTickets = res.CompanyID, res.CompanyTickets
	ds.Customers, ds.Writers = res.Customers, res.Writers
	ds.GeneratedAt = time.Now().UTC().Truncate(time.Second)
	ds.Seconds = time.Since(start).Seconds()
	fmt.Fprintf(log, "generated %d tickets and %d messages in %s\n", res.Tickets, res.Messages, time.Since(start).Round(time.Second))
	return &ds, nil
}

// emptyDatabase refuses to generate into a database that has tickets or
// people already: the generator assumes it owns the ids it hands out.
func emptyDatabase(ctx context.Context, db *store.DB) error {
	page, err := db.Contacts(ctx, contact.ContactFilter{Limit: 1})
	if err != nil {
		return err
	}
	if page.Total > 0 {
		return fmt.Errorf("the %s database already holds %d contacts; use an empty database (or an empty -data directory)", db.Engine(), page.Total)
	}
	return nil
}

// compactSearch merges the text index's pieces, a step at a time, as
// serve does hourly.
func compactSearch(ctx context.Context, db *store.DB, log io.Writer) error {
	start := time.Now()
	steps := 0
	for more := true; more; steps++ {
		var err error
		if more, err = db.CompactSearch(ctx); err != nil {
			return err
		}
	}
	if steps > 1 {
		fmt.Fprintf(log, "merged the text index in %d steps (%s)\n", steps, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
