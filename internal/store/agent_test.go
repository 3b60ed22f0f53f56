package store_test

import (
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/store"
)

func TestAgents(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		in := []*agent.Agent{
			{Email: "zoe@example.com", Name: "Zoë Zander", Alias: "Z", Role: agent.RoleAgent, PasswordHash: "hash-z"},
			{Email: "adam@example.com", Name: "Adam Admin", Role: agent.RoleAdmin, PasswordHash: "hash-a"},
			{Email: "mia@example.com", Name: "Mia Moss", Role: agent.RoleAgent},
		}
		for _, a := range in {
			if err := db.CreateAgent(ctx, a); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 || !a.CreatedAt.Equal(clk.Now()) {
				t.Fatalf("created %+v: want an id and created_at %v", a, clk.Now())
			}
		}

		got, err := db.Agent(ctx, in[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got != *in[0] {
			t.Errorf("Agent = %+v, want %+v", got, in[0])
		}
		got, err = db.AgentByEmail(ctx, "adam@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != in[1].ID || !got.IsAdmin() || got.PasswordHash != "hash-a" {
			t.Errorf("AgentByEmail = %+v, want %+v", got, in[1])
		}

		all, err := db.Agents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range all {
			names = append(names, a.Name)
		}
		if want := []string{"Adam Admin", "Mia Moss", "Zoë Zander"}; !slices.Equal(names, want) {
			t.Errorf("Agents by name = %q, want %q", names, want)
		}

		err = db.CreateAgent(ctx, &agent.Agent{Email: "zoe@example.com", Name: "Other Zoe", Role: agent.RoleAgent})
		wantKind(t, err, apperr.Conflict)

		_, err = db.Agent(ctx, in[2].ID+1000)
		wantKind(t, err, apperr.NotFound)
		_, err = db.AgentByEmail(ctx, "nobody@example.com")
		wantKind(t, err, apperr.NotFound)
	})
}

func TestAgentByAPIKey(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		newKey := func(email, secret string) (*agent.Agent, *agent.APIKey, []byte) {
			t.Helper()
			a := &agent.Agent{Email: email, Name: email, Role: agent.RoleAgent}
			if err := db.CreateAgent(ctx, a); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(secret))
			k := &agent.APIKey{AgentID: a.ID, Name: "ci", Prefix: secret[:6]}
			if err := db.CreateAPIKey(ctx, k, sum[:]); err != nil {
				t.Fatal(err)
			}
			if k.ID == 0 || !k.CreatedAt.Equal(clk.Now()) {
				t.Fatalf("key = %+v", k)
			}
			return a, k, sum[:]
		}
		good, _, goodHash := newKey("good@example.com", "pk_good_secret")
		_, revokedKey, revokedHash := newKey("revoked@example.com", "pk_revoked_secret")
		raw.exec("UPDATE api_keys SET revoked_at = ? WHERE id = ?", clk.Now(), revokedKey.ID)
		locked, _, lockedHash := newKey("locked@example.com", "pk_locked_secret")
		raw.exec("UPDATE agents SET locked = TRUE WHERE id = ?", locked.ID)
		unknown := sha256.Sum256([]byte("pk_never_issued"))

		tests := []struct {
			name string
			hash []byte
			want int64 // 0: not found
		}{
			{"valid key", goodHash, good.ID},
			{"unknown key", unknown[:], 0},
			{"revoked key", revokedHash, 0},
			{"locked agent", lockedHash, 0},
			{"empty hash", []byte{}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a, err := db.AgentByAPIKey(ctx, tt.hash)
				if tt.want == 0 {
					wantKind(t, err, apperr.NotFound)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if a.ID != tt.want || a.Email != good.Email {
					t.Errorf("agent = %+v, want id %d", a, tt.want)
				}
			})
		}
	})
}

func TestAPIKeyLastUsedAtMostOnceAMinute(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, clk *clock) {
		ctx := t.Context()
		a := &agent.Agent{Email: "key@example.com", Name: "Key", Role: agent.RoleAgent}
		if err := db.CreateAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte("pk_used"))
		k := &agent.APIKey{AgentID: a.ID, Prefix: "pk_use"}
		if err := db.CreateAPIKey(ctx, k, sum[:]); err != nil {
			t.Fatal(err)
		}
		lastUsed := func() *time.Time {
			t.Helper()
			var v anyTime
			if err := raw.queryRow("SELECT last_used_at FROM api_keys WHERE id = ?", k.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v.time()
		}
		if lastUsed() != nil {
			t.Fatal("a new key has a last use")
		}

		steps := []struct {
			advance time.Duration
			want    time.Duration // since the first use
		}{
			{0, 0},
			{30 * time.Second, 0},                // too soon: not written
			{31 * time.Second, 61 * time.Second}, // over a minute since the last write
			{59 * time.Second, 61 * time.Second},
			{2 * time.Second, 122 * time.Second},
		}
		first := clk.Now()
		for i, s := range steps {
			clk.Add(s.advance)
			if _, err := db.AgentByAPIKey(ctx, sum[:]); err != nil {
				t.Fatal(err)
			}
			got := lastUsed()
			if got == nil || !got.Equal(first.Add(s.want)) {
				t.Errorf("step %d: last_used_at = %v, want %v", i, got, first.Add(s.want))
			}
		}
	})
}

// anyTime scans a nullable time column as either engine returns it.
type anyTime struct{ v any }

func (s *anyTime) Scan(src any) error { s.v = src; return nil }

func (s anyTime) time() *time.Time {
	switch v := s.v.(type) {
	case time.Time:
		u := v.UTC()
		return &u
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if p, err := time.Parse(layout, v); err == nil {
				u := p.UTC()
				return &u
			}
		}
	}
	return nil
}
