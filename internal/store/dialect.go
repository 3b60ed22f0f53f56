package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

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
	// search_grams feeds the index of short Chinese, Japanese and Korean
	// words (migration 00004).
	msqlite.MustRegisterDeterministicScalarFunction("search_grams", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return searchGrams(v), nil
		case []byte:
			return searchGrams(string(v)), nil
		}
		return "", nil
	})
}

// ideographic reports whether r belongs to a script written without
// spaces between words, where one- and two-character words are common.
func ideographic(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// searchGrams lists, once each and separated by spaces, every character of
// s's ideographic runs and every pair of neighbours within them: the words
// a query of one or two such characters looks up.
func searchGrams(s string) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g)
		}
	}
	var prev rune
	for _, r := range s {
		if !ideographic(r) {
			prev = 0
			continue
		}
		add(string(r))
		if prev != 0 {
			add(string([]rune{prev, r}))
		}
		prev = r
	}
	return b.String()
}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) lower(expr string) string { return "fold(" + expr + ")" }
func (sqliteDialect) rebind(q string) string   { return plainTimes(q) }
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

// searchKey is the key of a ticket's search document (see migration
// 00004): its company's documents are one range of keys.
func searchKey(t string) string { return "((COALESCE(" + t + ".company_id, 0) << 36) | " + t + ".id)" }

// companyKeys is the range of keys of a company's search documents.
func companyKeys(companyID int64) (lo, hi int64) { return companyID << 36, (companyID+1)<<36 - 1 }

// searchIDMask turns a search document's key back into the ticket id.
const searchIDMask = "68719476735"

// indexed reports whether an index answers a search for q: trigrams for
// three characters or more, ideographic grams for fewer.
func indexed(q string) bool {
	if len([]rune(q)) >= 3 {
		return true
	}
	for _, r := range q {
		if !ideographic(r) {
			return false
		}
	}
	return true
}

// searchSet is a query of the keys (as k) of the documents matching q, by
// the cheapest index that answers it, as "SELECT … WHERE …" to which a
// condition on the key (named by the second result) may be appended.
// Customers search doc only; agents (notes) the internal notes too.
func searchSet(q string, notes bool) (string, string, []any) {
	switch {
	case len([]rune(q)) >= 3:
		phrase := `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
		if !notes {
			phrase = "doc : " + phrase
		}
		return "SELECT ts.rowid AS k FROM ticket_search ts WHERE ts.ticket_search MATCH ?", "ts.rowid", []any{phrase}
	case indexed(q):
		phrase := `"` + q + `"`
		if !notes {
			phrase = "doc : " + phrase
		}
		return "SELECT tg.rowid AS k FROM ticket_grams tg WHERE tg.ticket_grams MATCH ?", "tg.rowid", []any{phrase}
	case notes:
		f := strings.ToLower(q)
		return "SELECT td.key AS k FROM ticket_docs td WHERE (instr(td.doc, ?) > 0 OR instr(td.notes, ?) > 0)", "td.key", []any{f, f}
	}
	return "SELECT td.key AS k FROM ticket_docs td WHERE instr(td.doc, ?) > 0", "td.key", []any{strings.ToLower(q)}
}

// docMatches is the condition "the document of ticket t contains q",
// tested on that one document: for the few tickets a customer requested
// or was shared, cheaper than asking an index.
func docMatches(t, q string) (string, []any) {
	return "EXISTS (SELECT 1 FROM ticket_docs td WHERE td.key = " + searchKey(t) + " AND instr(td.doc, ?) > 0)", []any{strings.ToLower(q)}
}

// textSearch finds the matching documents through an index, or for a
// short query outside the ideographic scripts checks each row's document
// (limited by the caller's other conditions).
func (sqliteDialect) textSearch(q string, internal bool) (string, []any) {
	if !indexed(q) {
		f := strings.ToLower(q)
		if !internal {
			return docMatches("t", q)
		}
		return "EXISTS (SELECT 1 FROM ticket_docs td WHERE td.key = " + searchKey("t") + " AND (instr(td.doc, ?) > 0 OR instr(td.notes, ?) > 0))", []any{f, f}
	}
	set, _, args := searchSet(q, internal)
	return "t.id IN (SELECT m.k & " + searchIDMask + " FROM (" + set + ") m)", args
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

// textSearch tests the ticket's search document (migration 00011), which
// the planner reaches from the ticket or through the trigram indexes,
// whichever the other conditions make cheaper.
func (postgresDialect) textSearch(q string, internal bool) (string, []any) {
	match, args := pgDocMatch("d", q, internal)
	return "EXISTS (SELECT 1 FROM ticket_docs d WHERE d.ticket_id = t.id AND " + match + ")", args
}

// pgTrigrams reports whether the trigram indexes answer a search for q:
// pg_trgm takes trigrams from the words (letters and digits) of the
// pattern, and a query shorter than three characters has none.
func pgTrigrams(q string) bool {
	return utf8.RuneCountInString(q) >= 3 && strings.IndexFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// pgDocMatch is the condition "the search document d (ticket_docs) holds
// q", in the public text or, when notes, in either. The documents are
// lower-cased, so this is ILIKE '%q%' on the subject and on each message,
// with q taken literally. A query the trigram indexes answer is a LIKE they
// serve; any other (shorter, or without a letter or digit) is a plain
// strpos, which no index serves, so that it reads only the documents the
// other conditions leave rather than all of an index.
func pgDocMatch(d, q string, notes bool) (string, []any) {
	cond, arg := "%s LIKE LOWER(?) ESCAPE '\\'", any("%"+escapeLike(q)+"%")
	if !pgTrigrams(q) {
		cond, arg = "strpos(%s, LOWER(?)) > 0", q
	}
	if !notes {
		return fmt.Sprintf(cond, d+".doc"), []any{arg}
	}
	return "(" + fmt.Sprintf(cond, d+".doc") + " OR " + fmt.Sprintf(cond, d+".notes") + ")", []any{arg, arg}
}

// pgCompanyMatch is pgDocMatch on the public text for documents d that the
// caller limits to one company (d.company_id = ?), so that an index leading
// with the company answers it: the trigram one, or for one or two Chinese,
// Japanese or Korean characters the one of their characters and pairs
// (ticket_grams), the document itself confirming what it finds. Other short
// queries read the company's documents.
func pgCompanyMatch(d, q string) (string, []any) {
	if utf8.RuneCountInString(q) >= 3 || !indexed(q) {
		return pgDocMatch(d, q, false)
	}
	return "ticket_grams(" + d + ".doc) @> ticket_grams(LOWER(?)) AND strpos(" + d + ".doc, LOWER(?)) > 0", []any{q, q}
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
