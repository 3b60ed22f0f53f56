package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"portico/internal/apperr"
)

// dialect is what differs between the engines.
type dialect interface {
	name() string
	// rebind turns ? placeholders into the engine's own.
	rebind(q string) string
	// translate maps driver errors to the store's sentinel errors.
	translate(err error) error
	// jsonText extracts a top-level key of a JSON column as text; the key
	// is passed as the next argument.
	jsonText(col string) string
	// jsonKeyArg is the argument jsonText expects for key.
	jsonKeyArg(key string) any
	// textSearch is a condition "ticket t matches q" over the subject and
	// the messages (public ones only unless internal is true).
	textSearch(q string, internal bool) (string, []any)
	// skipLocked is appended to a SELECT that claims rows for a worker.
	skipLocked() string
	// lower lower-cases a text expression in every script, not only ASCII.
	lower(expr string) string
}

// Errors the store returns for constraint violations, wrapped with the
// driver's message. Callers turn them into apperr kinds where a user can
// cause them.
var (
	errUnique     = errors.New("unique constraint violated")
	errForeignKey = errors.New("foreign key constraint violated")
	errCheck      = errors.New("check constraint violated")
)

type sqliteDialect struct{}

func init() {
	// SQLite's LOWER() and LIKE fold ASCII only; fold() folds Ł, Å, Ö….
	msqlite.MustRegisterDeterministicScalarFunction("fold", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil
	})
}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) lower(expr string) string { return "fold(" + expr + ")" }
func (sqliteDialect) rebind(q string) string   { return q }
func (sqliteDialect) skipLocked() string       { return "" }
func (sqliteDialect) jsonText(col string) string {
	return "json_extract(" + col + ", ?)"
}
func (sqliteDialect) jsonKeyArg(key string) any { return `$."` + key + `"` }

func (sqliteDialect) translate(err error) error {
	var se *msqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return errors.Join(errUnique, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errors.Join(errForeignKey, err)
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return errors.Join(errCheck, err)
	}
	return err
}

// textSearch uses the trigram FTS tables for queries of three or more
// characters and a LIKE scan (limited by the caller's other conditions)
// for shorter ones, common in Chinese.
func (sqliteDialect) textSearch(q string, internal bool) (string, []any) {
	pub := " AND internal = 0"
	if internal {
		pub = ""
	}
	if len([]rune(q)) < 3 {
		like := "%" + escapeLike(strings.ToLower(q)) + "%"
		return `(fold(t.subject) LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND fold(m.body) LIKE ? ESCAPE '\'` +
			strings.Replace(pub, "internal", "m.internal", 1) + `))`, []any{like, like}
	}
	phrase := `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
	return `(t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) OR t.id IN (SELECT ticket_id FROM messages_fts WHERE messages_fts MATCH ?` + pub + `))`,
		[]any{phrase, phrase}
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) lower(expr string) string { return "LOWER(" + expr + ")" }
func (postgresDialect) skipLocked() string       { return " FOR UPDATE SKIP LOCKED" }
func (postgresDialect) jsonText(col string) string {
	return "(" + col + " ->> ?)"
}
func (postgresDialect) jsonKeyArg(key string) any { return key }

var rebound sync.Map // query text -> rebound text

func (postgresDialect) rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

func (postgresDialect) translate(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505":
		return errors.Join(errUnique, err)
	case "23503":
		return errors.Join(errForeignKey, err)
	case "23514":
		return errors.Join(errCheck, err)
	}
	return err
}

func (postgresDialect) textSearch(q string, internal bool) (string, []any) {
	pub := " AND NOT m.internal"
	if internal {
		pub = ""
	}
	like := "%" + escapeLike(q) + "%"
	return `(t.subject ILIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.body ILIKE ? ESCAPE '\'` + pub + `))`,
		[]any{like, like}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// notFound turns sql.ErrNoRows into an apperr.NotFound naming what.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(what)
	}
	return err
}
