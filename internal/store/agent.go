package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"portico/internal/agent"
	"portico/internal/apperr"
)

const agentColumns = "id, email, name, alias, role, locked, password_hash, created_at"

func scanAgent(row interface{ Scan(...any) error }, a *agent.Agent) error {
	return row.Scan(&a.ID, &a.Email, &a.Name, &a.Alias, &a.Role, &a.Locked, &a.PasswordHash, timeCol{&a.CreatedAt})
}

// CreateAgent inserts an agent; an email already in use is a conflict.
func (db *DB) CreateAgent(ctx context.Context, a *agent.Agent) error {
	now := db.Now()
	id, err := db.insert(ctx, `INSERT INTO agents (email, name, alias, role, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.Email, a.Name, a.Alias, a.Role, a.PasswordHash, now, now)
	if errors.Is(err, errUnique) {
		return apperr.E(apperr.Conflict, "email_taken", "an agent with this email already exists")
	}
	if err != nil {
		return err
	}
	db.settingsChanged(ctx)
	a.ID, a.CreatedAt = id, now
	return nil
}

// Agent returns one agent.
func (db *DB) Agent(ctx context.Context, id int64) (*agent.Agent, error) {
	var a agent.Agent
	err := scanAgent(db.queryRow(ctx, "SELECT "+agentColumns+" FROM agents WHERE id = ?", id), &a)
	return &a, notFound(err, "agent")
}

// AgentByEmail returns the agent with this (normalised) email.
func (db *DB) AgentByEmail(ctx context.Context, email string) (*agent.Agent, error) {
	var a agent.Agent
	err := scanAgent(db.queryRow(ctx, "SELECT "+agentColumns+" FROM agents WHERE email = ?", email), &a)
	return &a, notFound(err, "agent")
}

// Agents lists every agent by name.
func (db *DB) Agents(ctx context.Context) ([]agent.Agent, error) {
	return cachedList(ctx, db, "agents", func() ([]agent.Agent, error) { return db.agents(ctx) }, slices.Clone)
}

func (db *DB) agents(ctx context.Context) ([]agent.Agent, error) {
	rows, err := db.query(ctx, "SELECT "+agentColumns+" FROM agents ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []agent.Agent{}
	for rows.Next() {
		var a agent.Agent
		if err := scanAgent(rows, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateAPIKey stores a key's hash.
func (db *DB) CreateAPIKey(ctx context.Context, k *agent.APIKey, hash []byte) error {
	now := db.Now()
	id, err := db.insert(ctx, `INSERT INTO api_keys (agent_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.AgentID, k.Name, k.Prefix, hash, now)
	if err != nil {
		return err
	}
	k.ID, k.CreatedAt = id, now
	return nil
}

// AgentByAPIKey finds the agent of an unrevoked key. The key's last use is
// recorded at most once a minute, so that reads do not turn into writes.
func (db *DB) AgentByAPIKey(ctx context.Context, hash []byte) (*agent.Agent, error) {
	var a agent.Agent
	var keyID int64
	var lastUsed *time.Time
	err := db.queryRow(ctx, `SELECT k.id, k.last_used_at, a.id, a.email, a.name, a.alias, a.role, a.locked, a.password_hash, a.created_at
		FROM api_keys k JOIN agents a ON a.id = k.agent_id
		WHERE k.key_hash = ? AND k.revoked_at IS NULL AND NOT a.locked`, hash).
		Scan(&keyID, nullTime{&lastUsed}, &a.ID, &a.Email, &a.Name, &a.Alias, &a.Role, &a.Locked, &a.PasswordHash, timeCol{&a.CreatedAt})
	if err != nil {
		return nil, notFound(err, "API key")
	}
	now := db.Now()
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		if _, err := db.exec(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now, keyID); err != nil {
			return nil, err
		}
	}
	return &a, nil
}
