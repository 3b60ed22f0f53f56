package sso

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"portico/internal/apperr"
	"portico/internal/portal"
)

// codeMemory is how long an authorization code is remembered as used:
// providers let codes live for a few minutes at most.
const codeMemory = RequestLifetime

// oidcProvider is the discovered provider of portal p. Discovery refuses
// a document whose issuer is not exactly the configured one.
func (s *Service) oidcProvider(ctx context.Context, o *portal.OIDC) (*oidc.Provider, error) {
	v, err := s.cachedValue("oidc "+o.Issuer, func() (any, error) {
		return oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client), o.Issuer)
	})
	if err != nil {
		return nil, err
	}
	return v.(*oidc.Provider), nil
}

func (s *Service) oauthConfig(p *portal.Settings, prov *oidc.Provider) *oauth2.Config {
	o := p.SSO.OIDC
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret.Value, Endpoint: prov.Endpoint(),
		RedirectURL: s.portalURL(p, "sso/oidc/callback"), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// OIDCLogin starts an authorization code flow with PKCE at portal p's
// provider. It returns the address to send the browser to and the state,
// which the caller also keeps in the browser (a cookie), so that the
// answer must come back to the browser that asked. The state's hash, the
// nonce, the PKCE verifier and next are stored until the answer.
func (s *Service) OIDCLogin(ctx context.Context, p *portal.Settings, next string) (authURL, state string, err error) {
	o := p.SSO.OIDC
	if o == nil {
		return "", "", ErrNotConfigured
	}
	prov, err := s.oidcProvider(ctx, o)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := randomToken(32), randomToken(32), oauth2.GenerateVerifier()
	if err := s.startRequest(ctx, &Request{PortalID: p.ID, Provider: ProviderOIDC, Nonce: nonce, Verifier: verifier, Next: next}, state); err != nil {
		return "", "", err
	}
	return s.oauthConfig(p, prov).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// Callback is what the provider sent back to the callback address.
type Callback struct {
	State string
	// BrowserState is the state the browser kept since OIDCLogin.
	BrowserState string
	Code         string
	Error        string
}

// OIDCCallback finishes a flow: the state must be the browser's and
// name a stored, unexpired request of this portal, which it uses up; the
// code is used once; the ID token must come from the configured issuer
// exactly, for this client, in time, with the request's nonce. It returns
// who the token names and where the sign-in was to lead.
func (s *Service) OIDCCallback(ctx context.Context, p *portal.Settings, cb Callback) (Claims, string, error) {
	o := p.SSO.OIDC
	if o == nil {
		return Claims{}, "", ErrNotConfigured
	}
	if cb.Error != "" {
		return Claims{}, "", refuse("provider answered "+truncate(cb.Error, 100), nil)
	}
	if cb.State == "" || len(cb.State) > 200 || subtle.ConstantTimeCompare([]byte(cb.State), []byte(cb.BrowserState)) != 1 {
		return Claims{}, "", refuse("state missing or not this browser's", nil)
	}
	req, err := s.store.TakeSSORequest(ctx, p.ID, ProviderOIDC, hashKey(cb.State))
	if apperr.Is(err, apperr.NotFound) {
		return Claims{}, "", refuse("state unknown, expired or used", nil)
	} else if err != nil {
		return Claims{}, "", err
	}
	if cb.Code == "" || len(cb.Code) > 2048 {
		return Claims{}, "", refuse("no usable code", nil)
	}
	if err := s.store.UseToken(ctx, "oidc-code", tokenID(o.Issuer, cb.Code), s.store.Now().Add(codeMemory)); apperr.Is(err, apperr.Conflict) {
		return Claims{}, "", refuse("code used before", nil)
	} else if err != nil {
		return Claims{}, "", err
	}
	prov, err := s.oidcProvider(ctx, o)
	if err != nil {
		return Claims{}, "", err
	}
	hc := oidc.ClientContext(ctx, s.client)
	tok, err := s.oauthConfig(p, prov).Exchange(hc, cb.Code, oauth2.VerifierOption(req.Verifier))
	if err != nil {
		return Claims{}, "", refuse("code exchange failed", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" || len(raw) > MaxTokenSize {
		return Claims{}, "", refuse("no usable ID token", nil)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: o.ClientID, Now: s.store.Now}).Verify(hc, raw)
	if err != nil {
		return Claims{}, "", refuse("ID token refused", err)
	}
	if idt.Issuer != o.Issuer {
		return Claims{}, "", refuse("issuer is not the configured one", nil)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(req.Nonce)) != 1 {
		return Claims{}, "", refuse("nonce is not the request's", nil)
	}
	var cl struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
		GivenName     string `json:"given_name"`
		FamilyName    string `json:"family_name"`
		Phone         string `json:"phone_number"`
		Company       string `json:"company"`
	}
	if err := idt.Claims(&cl); err != nil {
		return Claims{}, "", refuse("claims unreadable", err)
	}
	c := Claims{Provider: ProviderOIDC, Issuer: o.Issuer, Subject: idt.Subject, Name: cl.Name, Phone: cl.Phone, Company: cl.Company}
	if c.Name == "" {
		c.Name = cl.GivenName + " " + cl.FamilyName
	}
	// An address the provider says it has not verified opens nothing.
	if cl.EmailVerified == nil || *cl.EmailVerified {
		c.Email = cl.Email
	}
	return c, req.Next, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%.*s…", n, s)
	}
	return s
}
