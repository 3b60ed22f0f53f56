// Package agent is about the company's own people: agents who answer
// tickets, admins who also change settings, and their API keys.
package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/event"
	"portico/internal/password"
)

// Roles.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// Agent is an employee who answers tickets.
type Agent struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Alias     string    `json:"alias"`
	Role      string    `json:"role"`
	Locked    bool      `json:"locked"`
	CreatedAt time.Time `json:"created_at"`
	// PasswordHash is never shown.
	PasswordHash string `json:"-"`
}

// IsAdmin reports whether a may change settings.
func (a *Agent) IsAdmin() bool { return a.Role == RoleAdmin }

// NewAgent is the input for CreateAgent.
type NewAgent struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Alias    string `json:"alias"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// APIKey is a stored key; the secret itself is shown once, at creation.
type APIKey struct {
	ID         int64      `json:"id"`
	AgentID    int64      `json:"agent_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreateAgent(ctx context.Context, a *Agent) error
	Agent(ctx context.Context, id int64) (*Agent, error)
	AgentByEmail(ctx context.Context, email string) (*Agent, error)
	Agents(ctx context.Context) ([]Agent, error)
	CreateAPIKey(ctx context.Context, k *APIKey, hash []byte) error
	// AgentByAPIKey finds the unlocked agent owning the unrevoked key with
	// this hash and records its use.
	AgentByAPIKey(ctx context.Context, hash []byte) (*Agent, error)
	// CreateAudit adds an entry to the audit log (SPEC A11).
	CreateAudit(ctx context.Context, a *event.Audit) error
}

// Service holds the rules for agents and keys.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// NormalizeEmail trims and lower-cases an address and checks its form.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") && !strings.HasSuffix(s, "@localhost") {
		return "", false
	}
	return s, true
}

// CreateAgent adds an agent or admin; by is written to the audit log
// with them.
func (s *Service) CreateAgent(ctx context.Context, by event.Actor, in NewAgent) (*Agent, error) {
	v := apperr.Validation{}
	email, ok := NormalizeEmail(in.Email)
	if !ok {
		v.Add("email", "must be an email address")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.SplitN(email, "@", 2)[0]
	}
	if utf8.RuneCountInString(name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	role := in.Role
	if role == "" {
		role = RoleAgent
	}
	if role != RoleAdmin && role != RoleAgent {
		v.Add("role", "must be admin or agent")
	}
	if p := password.Check(in.Password); p != "" {
		v.Add("password", p)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := password.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	a := &Agent{Email: email, Name: name, Alias: strings.TrimSpace(in.Alias), Role: role, PasswordHash: hash}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAgent(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, by, "agent.created", "agent", a.ID,
			map[string]any{"email": a.Email, "name": a.Name, "alias": a.Alias, "role": a.Role})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, id int64) (*Agent, error) { return s.store.Agent(ctx, id) }

// Agents lists every agent.
func (s *Service) Agents(ctx context.Context) ([]Agent, error) { return s.store.Agents(ctx) }

// keyPrefix marks Portico keys so that scanners and people can tell them.
const keyPrefix = "pk_"

// CreateAPIKey makes a new key for the agent with this email and returns
// the key itself, which is not stored and cannot be shown again. The audit
// log keeps who made it, for whom, and its prefix.
func (s *Service) CreateAPIKey(ctx context.Context, by event.Actor, email, name string) (string, *APIKey, error) {
	norm, ok := NormalizeEmail(email)
	if !ok {
		return "", nil, apperr.InvalidField("email", "must be an email address")
	}
	a, err := s.store.AgentByEmail(ctx, norm)
	if err != nil {
		return "", nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := keyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	k := &APIKey{AgentID: a.ID, Name: strings.TrimSpace(name), Prefix: secret[:len(keyPrefix)+6]}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateAPIKey(ctx, k, sum[:]); err != nil {
			return err
		}
		return s.audit(ctx, by, "api_key.created", "api_key", k.ID,
			map[string]any{"agent": a.Email, "name": k.Name, "prefix": k.Prefix})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// Authenticate returns the agent a bearer key belongs to. Any failure is
// Unauthorized, whatever was wrong.
func (s *Service) Authenticate(ctx context.Context, key string) (*Agent, error) {
	unauthorized := apperr.E(apperr.Unauthorized, "unauthorized", "a valid API key is required")
	if !strings.HasPrefix(key, keyPrefix) || len(key) > 128 {
		return nil, unauthorized
	}
	sum := sha256.Sum256([]byte(key))
	a, err := s.store.AgentByAPIKey(ctx, sum[:])
	if apperr.Is(err, apperr.NotFound) {
		return nil, unauthorized
	}
	return a, err
}

// audit records the creation of something by by in the audit log (SPEC
// A11), in the caller's transaction.
func (s *Service) audit(ctx context.Context, by event.Actor, action, target string, id int64, after map[string]any) error {
	a, err := event.NewAudit(by, action, target, strconv.FormatInt(id, 10), nil, after)
	if err != nil {
		return err
	}
	return s.store.CreateAudit(ctx, a)
}
