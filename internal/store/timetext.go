package store

import (
	"strings"
	"sync"
	"sync/atomic"
)

// The SQLite driver turns the text of a column declared TIMESTAMP into a
// time.Time by trying its layouts one after another, the first of which
// never matches what the store writes: a list of 25 tickets spent more on
// that than on its query. timeCol reads the stored form directly, so the
// SQLite dialect hands it the text: in the outer SELECT list of a query,
// a time column (the schema names every one …_at or …_until) is written
// +col, which keeps its value and drops its declared type. A time column
// renamed to another kind of name (a sort key: "t.created_at AS k") is
// left alone, so that ORDER BY k can still follow an index.

var (
	plainTimesMemo sync.Map // query text → rewritten text
	plainTimesN    atomic.Int64
)

// maxPlainTimes bounds the memo: texts with numbers written in (LIMIT,
// OFFSET) are many; past the bound they are rewritten each time.
const maxPlainTimes = 4096

// plainTimes is q with the time columns of its outer SELECT list prefixed
// by a unary plus. Statements other than a SELECT are returned as they are.
func plainTimes(q string) string {
	if v, ok := plainTimesMemo.Load(q); ok {
		return v.(string)
	}
	out := rewriteSelectTimes(q)
	if plainTimesN.Load() < maxPlainTimes {
		if _, loaded := plainTimesMemo.LoadOrStore(q, out); !loaded {
			plainTimesN.Add(1)
		}
	}
	return out
}

func rewriteSelectTimes(q string) string {
	i := 0
	for i < len(q) && isSpace(q[i]) {
		i++
	}
	if !wordAt(q, i, "SELECT") {
		return q
	}
	var b strings.Builder
	b.WriteString(q[:i+6])
	depth := 0
	prev := "" // the last word or symbol at this point, upper-cased
	for j := i + 6; j < len(q); {
		c := q[j]
		switch {
		case c == '\'' || c == '"':
			k := j + 1
			for k < len(q) && q[k] != c {
				k++
			}
			k = min(k+1, len(q))
			b.WriteString(q[j:k])
			prev, j = "lit", k
		case c == '-' && j+1 < len(q) && q[j+1] == '-':
			k := strings.IndexByte(q[j:], '\n')
			if k < 0 {
				k = len(q) - j
			}
			b.WriteString(q[j : j+k])
			j += k
		case c == '(' || c == ')':
			if c == '(' {
				depth++
			} else {
				depth--
			}
			b.WriteByte(c)
			prev, j = string(c), j+1
		case isWordByte(c):
			k := j
			for k < len(q) && (isWordByte(q[k]) || q[k] == '.') {
				k++
			}
			word := q[j:k]
			upper := strings.ToUpper(word)
			if depth == 0 && upper == "FROM" {
				b.WriteString(q[j:])
				return b.String()
			}
			next := k
			for next < len(q) && isSpace(q[next]) {
				next++
			}
			call := next < len(q) && q[next] == '('
			named := word // the result column's name
			if wordAt(q, next, "AS") {
				a := next + 2
				for a < len(q) && isSpace(q[a]) {
					a++
				}
				e := a
				for e < len(q) && isWordByte(q[e]) {
					e++
				}
				named = q[a:e]
			}
			if isTimeColumn(word) && isTimeColumn(named) && prev != "AS" && !call {
				b.WriteByte('+')
			}
			b.WriteString(word)
			prev, j = upper, k
		default:
			b.WriteByte(c)
			if !isSpace(c) {
				prev = string(c)
			}
			j++
		}
	}
	return b.String()
}

// isTimeColumn reports whether word, a column possibly qualified by its
// table, names a time column.
func isTimeColumn(word string) bool {
	name := word[strings.LastIndexByte(word, '.')+1:]
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	return strings.HasSuffix(name, "_at") || strings.HasSuffix(name, "_until")
}

func wordAt(q string, i int, w string) bool {
	return len(q) >= i+len(w) && strings.EqualFold(q[i:i+len(w)], w) && (len(q) == i+len(w) || !isWordByte(q[i+len(w)]))
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
