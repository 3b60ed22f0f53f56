package store

import (
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"portico/internal/apperr"
)

// jsonCol scans a JSON column into dst.
type jsonCol struct{ dst any }

func (j jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("store: JSON column holds %T", src)
	}
	return json.Unmarshal(b, j.dst)
}

// jsonArg is the stored form of v.
func jsonArg(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// timeCol scans a time column, also from the text an expression returns.
type timeCol struct{ dst *time.Time }

func (t timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*t.dst = v.UTC()
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("store: time column holds %T", src)
	}
	return nil
}

func (t timeCol) parse(s string) error {
	if v, ok := parseStoredTime(s); ok {
		*t.dst = v
		return nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t.dst = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot read time %q", s)
}

// parseStoredTime reads the form SQLite connections write times in,
// "2006-01-02 15:04:05.999999999-07:00" (or with a T, or Z for the
// offset), without the general parser: lists read three times a row.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day, hour, minute, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, m := num(i+1, 2), num(i+4, 2)
		if h < 0 || m < 0 || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	v := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if v.Day() != day {
		return time.Time{}, false // 31 April and the like
	}
	return v.Add(-time.Duration(offset) * time.Second), true
}

// nullTime scans a nullable time column into a *time.Time.
type nullTime struct{ dst **time.Time }

func (n nullTime) Scan(src any) error {
	if src == nil {
		*n.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*n.dst = &t
	return nil
}

// nullInt64 scans a nullable integer into a *int64.
type nullInt64 struct{ dst **int64 }

func (n nullInt64) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	if v.Valid {
		x := v.Int64
		*n.dst = &x
	} else {
		*n.dst = nil
	}
	return nil
}

// nullString scans a nullable text into a *string.
type nullString struct{ dst **string }

func (n nullString) Scan(src any) error {
	var v sql.NullString
	if err := v.Scan(src); err != nil {
		return err
	}
	if v.Valid {
		x := v.String
		*n.dst = &x
	} else {
		*n.dst = nil
	}
	return nil
}

// nullable turns a nil pointer into SQL NULL for arguments.
func nullable[T any](p *T) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}

// cursor is the position after the last row of a page: the sort key and
// the id that breaks ties. Clients see it as an opaque string.
type cursor struct {
	Key any   `json:"k,omitempty"`
	ID  int64 `json:"i"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.InvalidField("cursor", "is not a cursor from this list")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID <= 0 {
		return nil, bad
	}
	return &c, nil
}

// cursorTime reads a time sort key back from a cursor.
func (c *cursor) time() (time.Time, error) {
	s, ok := c.Key.(string)
	if !ok {
		return time.Time{}, apperr.InvalidField("cursor", "is not a cursor from this list")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.InvalidField("cursor", "is not a cursor from this list")
	}
	return t.UTC(), nil
}

// pageLimit is the number of rows a list returns.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 25
	case n > 100:
		return 100
	}
	return n
}
