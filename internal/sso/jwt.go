package sso

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"portico/internal/apperr"
	"portico/internal/portal"
)

// Limits on tokens.
const (
	// MaxTokenSize is the longest token read at all; a real one is a
	// few hundred bytes.
	MaxTokenSize = 8 << 10
	// DefaultMaxAge is how old (by its iat) a token may be when the
	// portal does not say.
	DefaultMaxAge = 5 * time.Minute
	// leeway allows for clocks that differ a little.
	leeway = 30 * time.Second
	// maxKeySet is the largest JWKS document read.
	maxKeySet = 256 << 10
)

// jwtClaims are the claims a sign-in token carries.
type jwtClaims struct {
	jwt.RegisteredClaims
	Email   string `json:"email"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Company string `json:"company"`
}

// JWTIssuer is the issuer a JWT identity of portal p is kept under: the
// configured iss, or the portal itself when the portal checks none.
func JWTIssuer(p *portal.Settings) string {
	if p.SSO.JWT != nil && p.SSO.JWT.Issuer != "" {
		return p.SSO.JWT.Issuer
	}
	return "portal:" + strconv.FormatInt(p.ID, 10)
}

// JWTAudience is the audience a token for portal p must name: the
// configured one, or else the portal's own URL.
func (s *Service) JWTAudience(p *portal.Settings) string {
	if p.SSO.JWT != nil && p.SSO.JWT.Audience != "" {
		return p.SSO.JWT.Audience
	}
	return strings.TrimSuffix(s.portalURL(p, ""), "/")
}

// JWT checks a sign-in token for portal p: its signature with the portal's
// key and algorithm only, exp, nbf, iat (no older than the portal's maximum
// age), a single aud, iss, and a jti not seen before, which it then
// remembers until the token expires, in the database, so that the token
// works once across every instance.
func (s *Service) JWT(ctx context.Context, p *portal.Settings, token string) (Claims, error) {
	j := p.SSO.JWT
	if j == nil {
		return Claims{}, ErrNotConfigured
	}
	if token == "" || len(token) > MaxTokenSize || strings.Count(token, ".") != 2 {
		return Claims{}, refuse("token missing, too long or not three parts", nil)
	}
	// The audience must be one string: a token meant for several
	// services could be replayed here by any of them.
	_, rest, _ := strings.Cut(token, ".")
	body, _, _ := strings.Cut(rest, ".")
	payload, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Claims{}, refuse("payload is not base64url", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, refuse("payload is not a JSON object", err)
	}
	if aud, ok := raw["aud"]; !ok || len(aud) == 0 || aud[0] != '"' {
		return Claims{}, refuse("aud must be a single string", nil)
	}

	now := s.store.Now()
	maxAge := DefaultMaxAge
	if j.MaxAgeSeconds > 0 {
		maxAge = time.Duration(j.MaxAgeSeconds) * time.Second
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{j.Algorithm}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithAudience(s.JWTAudience(p)),
	}
	if j.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(j.Issuer))
	}
	var cl jwtClaims
	_, err = jwt.NewParser(opts...).ParseWithClaims(token, &cl, func(t *jwt.Token) (any, error) {
		return s.jwtKey(ctx, j, t)
	})
	if err != nil {
		return Claims{}, refuse("token refused", err)
	}
	if cl.IssuedAt == nil || now.Sub(cl.IssuedAt.Time) > maxAge+leeway {
		return Claims{}, refuse("token has no iat or is older than "+maxAge.String(), nil)
	}
	if cl.ID == "" || len(cl.ID) > 256 {
		return Claims{}, refuse("token has no usable jti", nil)
	}
	subject := cl.Subject
	if j.Subject() == portal.SubjectEmail {
		subject = strings.ToLower(strings.TrimSpace(cl.Email))
	}
	if subject == "" {
		return Claims{}, refuse("token has no "+j.Subject(), nil)
	}
	// Remembered for as long as the token could pass the checks above.
	until := cl.ExpiresAt.Time
	if limit := cl.IssuedAt.Add(maxAge); limit.Before(until) {
		until = limit
	}
	issuer := JWTIssuer(p)
	if err := s.store.UseToken(ctx, "jwt", tokenID(issuer, cl.ID), until.Add(leeway)); apperr.Is(err, apperr.Conflict) {
		return Claims{}, refuse("jti used already", nil)
	} else if err != nil {
		return Claims{}, err
	}
	return Claims{Provider: ProviderJWT, Issuer: issuer, Subject: subject, Email: cl.Email, Name: cl.Name,
		Phone: cl.Phone, Company: cl.Company}, nil
}

// jwtKey is the key that checks t: only of the type the portal's
// algorithm takes, so that a public key can never serve as an HMAC secret.
func (s *Service) jwtKey(ctx context.Context, j *portal.JWT, t *jwt.Token) (any, error) {
	if t.Method.Alg() != j.Algorithm {
		return nil, fmt.Errorf("algorithm %q is not %q", t.Method.Alg(), j.Algorithm)
	}
	switch j.Algorithm {
	case "HS256":
		if len(j.Secret.Value) < 32 {
			return nil, errors.New("no secret set")
		}
		return []byte(j.Secret.Value), nil
	case "RS256", "EdDSA":
		if j.PublicKey != "" {
			return j.PublicKeyOf()
		}
		if j.JWKSURL != "" {
			kid, _ := t.Header["kid"].(string)
			return s.jwksKey(ctx, j, kid)
		}
		return nil, errors.New("no key set")
	}
	return nil, fmt.Errorf("algorithm %q is not allowed", j.Algorithm)
}

// jwksKey finds the key kid (or the only key, without a kid) of the
// portal's JWKS, of the type its algorithm takes.
func (s *Service) jwksKey(ctx context.Context, j *portal.JWT, kid string) (any, error) {
	v, err := s.cachedValue("jwks "+j.JWKSURL, func() (any, error) { return s.fetchKeySet(ctx, j.JWKSURL) })
	if err != nil {
		return nil, err
	}
	set := v.(*jose.JSONWebKeySet)
	var candidates []jose.JSONWebKey
	if kid != "" {
		candidates = set.Key(kid)
	} else if len(set.Keys) == 1 {
		candidates = set.Keys
	}
	for _, k := range candidates {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != j.Algorithm {
			continue
		}
		switch key := k.Key.(type) {
		case *rsa.PublicKey:
			if j.Algorithm == "RS256" && key.N.BitLen() >= 2048 {
				return key, nil
			}
		case ed25519.PublicKey:
			if j.Algorithm == "EdDSA" {
				return key, nil
			}
		}
	}
	return nil, fmt.Errorf("no %s key %q in the key set", j.Algorithm, kid)
}

// fetchKeySet reads a JWKS document.
func (s *Service) fetchKeySet(ctx context.Context, u string) (*jose.JSONWebKeySet, error) {
	b, err := s.fetch(ctx, u, maxKeySet)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("sso: key set %s: %w", u, err)
	}
	return &set, nil
}

// fetch GETs u, reading at most limit bytes.
func (s *Service) fetch(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := newGet(ctx, u)
	if err != nil {
		return nil, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sso: fetch %s: %w", u, err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("sso: fetch %s: status %d", u, res.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("sso: fetch %s: %w", u, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("sso: fetch %s: larger than %d bytes", u, limit)
	}
	return b, nil
}
