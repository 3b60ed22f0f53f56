package store

import (
	"testing"
	"time"
)

func TestRewriteSelectTimes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT id, created_at FROM t WHERE created_at > ?", "SELECT id, +created_at FROM t WHERE created_at > ?"},
		{"  select t.id, t.closed_at, s.name FROM tickets t ORDER BY t.closed_at", "  select t.id, +t.closed_at, s.name FROM tickets t ORDER BY t.closed_at"},
		{"SELECT MAX(m.created_at) AS last_at, 'created_at', \"sent_at\" FROM m", "SELECT MAX(+m.created_at) AS last_at, 'created_at', \"sent_at\" FROM m"},
		{"SELECT (SELECT x.expires_at FROM x WHERE x.id = t.id), claimed_until FROM t", "SELECT (SELECT +x.expires_at FROM x WHERE x.id = t.id), +claimed_until FROM t"},
		{"SELECT COALESCE(t.closed_at, t.created_at) -- the first's\n, id FROM t", "SELECT COALESCE(+t.closed_at, +t.created_at) -- the first's\n, id FROM t"},
		{"SELECT created_at", "SELECT +created_at"},
		{"UPDATE t SET updated_at = ?", "UPDATE t SET updated_at = ?"},
		{"INSERT INTO t (created_at) SELECT created_at FROM u", "INSERT INTO t (created_at) SELECT created_at FROM u"},
		{"SELECT selected_at_x, format_at(1), 1.5 FROM t", "SELECT selected_at_x, format_at(1), 1.5 FROM t"},
		{"SELECT t.id AS pid, t.last_activity_at AS k, t.updated_at AS version_at FROM t UNION ALL SELECT 1, 2, 3 ORDER BY 2",
			"SELECT t.id AS pid, t.last_activity_at AS k, +t.updated_at AS version_at FROM t UNION ALL SELECT 1, 2, 3 ORDER BY 2"},
	} {
		if got := rewriteSelectTimes(c.in); got != c.want {
			t.Errorf("rewriteSelectTimes(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestParseStoredTime(t *testing.T) {
	for _, s := range []string{
		"2024-11-21 17:50:42.63079+00:00", "2024-11-21 17:50:42+00:00", "2024-02-29T23:59:59.123456789-07:30",
		"2024-11-21 17:50:42.1Z", "1999-12-31 00:00:00+14:00",
	} {
		got, ok := parseStoredTime(s)
		want, err := time.Parse("2006-01-02 15:04:05.999999999Z07:00", s)
		if err != nil {
			want, err = time.Parse(time.RFC3339Nano, s)
		}
		if !ok || err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseStoredTime(%q) = %v, %v; want %v (%v)", s, got, ok, want, err)
		}
	}
	for _, s := range []string{
		"2024-11-21", "2024-02-30 10:00:00+00:00", "2024-11-21 17:50:42.+00:00", "2024-11-21 17:50:42+0000",
		"2024-11-21 25:00:00+00:00", "2024-11-21 17:50:42 +0000 UTC", "x024-11-21 17:50:42+00:00",
	} {
		if v, ok := parseStoredTime(s); ok {
			t.Errorf("parseStoredTime(%q) = %v, want refused", s, v)
		}
	}
}
