// Package store keeps Portico's data in SQLite or PostgreSQL with one set of
// plain SQL queries. A small dialect covers what the two engines do
// differently.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "portico.db"

// Options say which database to open.
type Options struct {
	// DatabaseURL selects PostgreSQL; empty means SQLite in DataDir.
	DatabaseURL string
	DataDir     string
	// Now is the clock every stored time comes from; nil means time.Now.
	Now func() time.Time
	// NoViewCache keeps no customers' accounts, list pages or tickets
	// (viewCache), so that every read runs its queries: for measuring them.
	NoViewCache bool
}

// DB is the store. For SQLite it holds two pools: one connection for writes
// (so writers queue in Go rather than fail with "database is locked") and a
// pool of read-only connections. For PostgreSQL both are the same pool.
type DB struct {
	w, r    *sql.DB
	dialect dialect
	now     func() time.Time
	path    string // the SQLite file; empty on PostgreSQL

	stmts    *statements    // SQLite only
	txStmts  *txStatements  // SQLite only
	batch    *batcher       // SQLite only
	settings *settingsCache // shared by clock copies
	queues   *queues        // shared by clock copies
	rows     *pageRows      // shared by clock copies
	views    *viewCache     // SQLite only

	migrator     *goose.Provider // built once, on first use
	migratorErr  error
	migratorOnce *sync.Once
}

// Open connects to the database; call Migrate before use.
func Open(ctx context.Context, o Options) (*DB, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{now: now, migratorOnce: new(sync.Once), settings: &settingsCache{}, queues: &queues{}, rows: &pageRows{}}
	if o.DatabaseURL != "" {
		p, err := sql.Open("pgx", o.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		p.SetMaxOpenConns(32)
		p.SetMaxIdleConns(32)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r, db.dialect = p, p, postgresDialect{}
	} else {
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
		db.path = filepath.Join(o.DataDir, SQLiteFile)
		db.stmts = &statements{}
		db.txStmts = &txStatements{}
		if !o.NoViewCache {
			db.views = &viewCache{}
		}
		db.batch = newBatcher()
		w, err := sql.Open("sqlite", sqliteDSN(db.path, false))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", sqliteDSN(db.path, true))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		n := max(4, 2*runtime.GOMAXPROCS(0))
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxLifetime(0)
		db.w, db.r, db.dialect = w, r, sqliteDialect{}
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// sqliteDSN is the connection string for the file at path. Every connection
// runs in WAL mode with full fsync (an acknowledged write survives power
// loss), foreign keys on and a busy timeout for other processes (backup).
// Writers begin IMMEDIATE so a transaction never has to upgrade its lock.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)",
		"foreign_keys(1)", "cache_size(-32000)", "temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
}

// Close closes both pools.
func (db *DB) Close() error {
	db.closeBatches()
	db.stmts.close()
	if db.txStmts != nil {
		db.txStmts.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Engine names the engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// WithClock returns a store on the same connections whose times come from
// now: for tests, and for seeding data that happened in the past.
func (db *DB) WithClock(now func() time.Time) *DB {
	c := *db
	c.now = now
	return &c
}

// Now is the store's clock in UTC at the precision both engines keep.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

func (db *DB) provider() (*goose.Provider, error) {
	db.migratorOnce.Do(func() { db.migrator, db.migratorErr = db.newProvider() })
	return db.migrator, db.migratorErr
}

func (db *DB) newProvider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name())
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if db.dialect.name() == "postgres" {
		gd = goose.DialectPostgres
		// Several instances may start at once; one migrates, the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, db.w, sub, opts...)
}

// Migrate applies every pending migration, each in its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if db.batch != nil {
		// A migration that changed tickets left their text indexes to the
		// next write transaction: this one.
		return db.InTx(ctx, func(context.Context) error { return nil })
	}
	return nil
}

// Ready reports whether the database answers and every migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("store: migration status: %w", err)
	}
	if pending {
		return errors.New("store: migrations pending")
	}
	return nil
}

// Backup writes a consistent copy of the SQLite database to path while the
// database stays in use. The file must not exist yet.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.path == "" {
		return errors.New("store: backup copies the SQLite database; use pg_dump for PostgreSQL")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("store: backup: %s already exists", abs)
	}
	// VACUUM INTO reads one snapshot, so writers carry on meanwhile. It runs
	// on a connection of its own: the read pool is query-only.
	c, err := sql.Open("sqlite", sqliteDSN(db.path, false))
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

type txKey struct{}

// InTx runs fn in a write transaction; the store methods fn calls with the
// context it is given take part in it. A nested InTx joins the outer one.
// On SQLite fn runs on the store's writer goroutine, in a savepoint of a
// transaction it may share with others (see batch.go); it must use only
// the context it is given.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	if db.batch != nil {
		return db.batched(ctx, fn)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", db.dialect.translate(err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	state := &txState{}
	if err = fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), txStateKey{}, state)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", db.dialect.translate(err))
	}
	if state.settingsChanged {
		db.settings.changed()
	}
	if state.queuesChanged {
		db.queues.changed()
	}
	return nil
}

type txStateKey struct{}

// inTx reports whether ctx carries a transaction.
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*sql.Tx)
	return ok
}

// txState is what a transaction remembers to do once it commits.
type txState struct {
	settingsChanged bool
	queuesChanged   bool
}

// settingsChanged forgets cached settings now and, in a transaction, again
// once it commits: a read between the two would have cached the old ones.
func (db *DB) settingsChanged(ctx context.Context) {
	db.settings.changed()
	if st, ok := ctx.Value(txStateKey{}).(*txState); ok {
		st.settingsChanged = true
	}
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) reader(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.r
}

func (db *DB) writer(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db.w
}

// exec runs a write. On SQLite a write outside a transaction is made one,
// to commit with others (batch.go) and keep the text indexes current.
func (db *DB) exec(ctx context.Context, q string, args ...any) (res sql.Result, err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); !ok && db.batch != nil {
		err = db.InTx(ctx, func(ctx context.Context) error {
			res, err = db.exec(ctx, q, args...)
			return err
		})
		return res, err
	}
	q = db.dialect.rebind(q)
	if st := db.stmt(ctx, q); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = db.writer(ctx).ExecContext(ctx, q, args...)
	}
	return res, db.dialect.translate(err)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = db.dialect.rebind(q)
	if st := db.stmt(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, db.dialect.translate(err)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	return rows, db.dialect.translate(err)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = db.dialect.rebind(q)
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.reader(ctx).QueryRowContext(ctx, q, args...)
}

// insert runs an INSERT … RETURNING id and returns the id.
// Like exec, on SQLite outside a transaction it is made one.
func (db *DB) insert(ctx context.Context, q string, args ...any) (id int64, err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); !ok && db.batch != nil {
		err = db.InTx(ctx, func(ctx context.Context) error {
			id, err = db.insert(ctx, q, args...)
			return err
		})
		return id, err
	}
	q = db.dialect.rebind(q + " RETURNING id")
	if st := db.stmt(ctx, q); st != nil {
		err = st.QueryRowContext(ctx, args...).Scan(&id)
	} else {
		err = db.writer(ctx).QueryRowContext(ctx, q, args...).Scan(&id)
	}
	return id, db.dialect.translate(err)
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
