package account

import (
	"context"

	"portico/internal/apperr"
	"portico/internal/portal"
)

// ErrAccessDenied answers an account that proved who it is but may not use
// the portal: none of its identities is in the portal's access groups
// (SPEC I2).
var ErrAccessDenied = &apperr.Error{Kind: apperr.Forbidden, Code: "access_denied",
	Message: "this account does not have access to this portal"}

// Members is what the access rule asks of storage.
type Members interface {
	// AccessGroupMembers returns those of contactIDs that are members of
	// at least one of the groups.
	AccessGroupMembers(ctx context.Context, groupIDs, contactIDs []int64) ([]int64, error)
}

// UsableIdentities returns the identities of a that may act in portal p: all
// of them, unless the portal admits only the members of its access groups,
// then those that are members. It asks storage once at most.
func UsableIdentities(ctx context.Context, m Members, p *portal.Settings, a *Account) ([]Identity, error) {
	if !p.GroupsOnly() || len(a.Identities) == 0 {
		return a.Identities, nil
	}
	ids := make([]int64, len(a.Identities))
	for i, id := range a.Identities {
		ids[i] = id.ContactID
	}
	members, err := m.AccessGroupMembers(ctx, p.AccessGroupIDs, ids)
	if err != nil {
		return nil, err
	}
	in := make(map[int64]bool, len(members))
	for _, id := range members {
		in[id] = true
	}
	out := make([]Identity, 0, len(members))
	for _, id := range a.Identities {
		if in[id.ContactID] {
			out = append(out, id)
		}
	}
	return out, nil
}

// UsableIdentities returns the identities of a that may act in portal p.
func (s *Service) UsableIdentities(ctx context.Context, p *portal.Settings, a *Account) ([]Identity, error) {
	return UsableIdentities(ctx, s.store, p, a)
}

// contactMayUse reports whether contact id may act in portal p.
func (s *Service) contactMayUse(ctx context.Context, p *portal.Settings, id int64) (bool, error) {
	ids, err := UsableIdentities(ctx, s.store, p, &Account{Identities: []Identity{{ContactID: id}}})
	return len(ids) > 0, err
}

// mayUse reports whether a may sign in to portal p at all: it is not
// locked and one of its identities may act there.
func (s *Service) mayUse(ctx context.Context, p *portal.Settings, a *Account) (bool, error) {
	if a.Locked {
		return false, nil
	}
	ids, err := s.UsableIdentities(ctx, p, a)
	return len(ids) > 0, err
}
