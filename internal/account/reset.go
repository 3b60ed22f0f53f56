package account

import (
	"context"
	"net/url"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/password"
	"portico/internal/portal"
)

// ResetInput sets a new password with a code from RequestPasswordReset.
type ResetInput struct {
	Login       string `json:"login"`
	Code        string `json:"code"`
	NewPassword string `json:"new_password"`
}

// RequestPasswordReset sends a code for resetting the password of login, an
// email address or phone number, by email or SMS (SPEC P3). The caller
// learns nothing about whether the login has an account: for one that has
// none, or that may not use the portal, a code is stored all the same and
// simply not sent, so that this request and later reset attempts do the same
// work either way. addr is the client's address, for the rate limits.
func (s *Service) RequestPasswordReset(ctx context.Context, p *portal.Settings, login, addr string, w Writer) error {
	dest, _, ok := NormalizeLogin(login)
	switch {
	case strings.TrimSpace(login) == "":
		return apperr.InvalidField("login", "is required")
	case !ok:
		return apperr.InvalidField("login", "must be an email address or an international phone number")
	}
	now := s.store.Now()
	limits := []limit{destinationLimit(dest), {"reset:from:" + addr, ResetRequestsPerClient, CodeWindow}}
	if err := s.checkLimits(ctx, now, limits...); err != nil {
		return err
	}
	if err := s.hit(ctx, now, limits...); err != nil {
		return err
	}
	a, err := s.store.AccountByLogin(ctx, dest)
	if apperr.Is(err, apperr.NotFound) {
		a, err = nil, nil
	}
	if err != nil {
		return err
	}
	if a != nil {
		if ok, err := s.mayUse(ctx, p, a); err != nil {
			return err
		} else if !ok {
			a = nil
		}
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		c := &Code{Purpose: PurposeReset, PortalID: p.ID, Destination: dest}
		if a != nil {
			c.AccountID = a.ID
		}
		code, err := s.issueCode(ctx, c)
		if err != nil || a == nil {
			return err
		}
		m := Message{Kind: MessageResetCode, Language: language(p, a), Portal: p.Name, Name: greeting(a), Code: code,
			Minutes: int(CodeLifetime / time.Minute), Link: s.link(p, "password/reset?"+url.Values{"login": {dest}}.Encode())}
		return s.store.CreateDelivery(ctx, compose(w, m, dest, "account-code-"+randomKey()))
	})
}

// ResetPassword sets a new password with a code sent by
// RequestPasswordReset. Every kind of wrong (unknown login, wrong, expired,
// used or voided code) is the same invalid_code error. The new password
// ends every session of the account, and the holder is told of the change.
func (s *Service) ResetPassword(ctx context.Context, p *portal.Settings, in ResetInput, addr string, w Writer) error {
	v := apperr.Validation{}
	if strings.TrimSpace(in.Login) == "" {
		v.Add("login", "is required")
	}
	if strings.TrimSpace(in.Code) == "" {
		v.Add("code", "is required")
	}
	if problem := password.Check(in.NewPassword); problem != "" {
		v.Add("new_password", problem)
	}
	if err := v.Err(); err != nil {
		return err
	}
	dest, _, ok := NormalizeLogin(in.Login)
	if !ok {
		dest = strings.TrimSpace(in.Login)
	}
	c, ok, err := s.checkCode(ctx, s.store.Now(), PurposeReset, dest, in.Code, addr)
	if err != nil {
		return err
	}
	if !ok || c.AccountID == 0 {
		return errInvalidCode
	}
	hash, err := password.Hash(in.NewPassword)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseCode(ctx, c.ID); apperr.Is(err, apperr.NotFound) {
			return errInvalidCode // used by a request that came first
		} else if err != nil {
			return err
		}
		a, err := s.store.Account(ctx, c.AccountID)
		if apperr.Is(err, apperr.NotFound) {
			return errInvalidCode
		}
		if err != nil {
			return err
		}
		if a.Locked {
			return errInvalidCode
		}
		if err := s.store.SetPassword(ctx, a.ID, hash); err != nil {
			return err
		}
		if err := s.store.DeleteAccountSessions(ctx, a.ID, nil); err != nil {
			return err
		}
		m := Message{Kind: MessagePasswordChanged, Language: language(p, a), Portal: p.Name, Name: greeting(a),
			Link: s.link(p, "password/forgot")}
		return s.store.CreateDelivery(ctx, compose(w, m, a.Login, "password-changed-"+randomKey()))
	})
}
