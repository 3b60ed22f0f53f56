package account

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/portal"
)

// EventInvited is the timeline entry of an invitation sent to a contact.
const EventInvited = "account.invited"

// GroupAdder adds contacts to an access group, as the contact service does.
type GroupAdder interface {
	AddAccessGroupMembers(ctx context.Context, groupID int64, contactIDs []int64) (*contact.AccessGroup, error)
}

// PortalUpdater changes a portal's settings, as the portal service does.
type PortalUpdater interface {
	Update(ctx context.Context, slug string, patch []byte) (*portal.Settings, error)
}

var errNoWriter = errors.New("account: no message writer to word the message")

// AddGroupMembers adds contacts to access group groupID through groups and,
// in the same transaction, invites each of them who has no account yet to
// choose a password (SPEC I2), when a portal that is on admits the group.
// A contact who holds a valid invitation already is not sent another.
func (s *Service) AddGroupMembers(ctx context.Context, by event.Actor, groups GroupAdder, groupID int64, contactIDs []int64) (*contact.AccessGroup, error) {
	var g *contact.AccessGroup
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.AccessGroup(ctx, groupID)
		if err != nil {
			return err
		}
		if g, err = groups.AddAccessGroupMembers(ctx, groupID, contactIDs); err != nil {
			return err
		}
		if err := s.audit(ctx, by, "access_group.members_added", "access_group", groupID,
			map[string]any{"contact_ids": before.ContactIDs}, map[string]any{"contact_ids": g.ContactIDs}); err != nil {
			return err
		}
		p, err := s.invitingPortal(ctx, groupID)
		if err != nil || p == nil {
			return err
		}
		_, err = s.invite(ctx, by, p, contactIDs, false)
		return err
	})
	return g, err
}

// UpdatePortal changes portal slug's settings through portals and, in the
// same transaction, invites the members without an account of every access
// group the portal now invites and did not before (SPEC I2): when a group is
// chosen, when the access mode becomes access_groups, or when the portal is
// switched on.
func (s *Service) UpdatePortal(ctx context.Context, by event.Actor, portals PortalUpdater, slug string, patch []byte) (*portal.Settings, error) {
	var after *portal.Settings
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Portal(ctx, slug)
		if err != nil {
			return err
		}
		if after, err = portals.Update(ctx, slug, patch); err != nil {
			return err
		}
		if err := s.audit(ctx, by, "portal.updated", "portal", after.Slug, before, after); err != nil {
			return err
		}
		var ids []int64
		for _, id := range after.InvitedGroups() {
			if before.Invites(id) {
				continue
			}
			g, err := s.store.AccessGroup(ctx, id)
			if err != nil {
				return err
			}
			ids = append(ids, g.ContactIDs...)
		}
		_, err = s.invite(ctx, by, after, ids, false)
		return err
	})
	return after, err
}

// InviteGroup sends the members of access group groupID who have no account
// a new invitation, which replaces any they had (SPEC A4): those of
// contactIDs, or every member when it is empty. It returns the contacts
// invited. A contact who is not a member is invalid; a group that no
// portal that is on invites is a conflict, as an invitation would lead
// nowhere.
func (s *Service) InviteGroup(ctx context.Context, by event.Actor, groupID int64, contactIDs []int64) ([]int64, error) {
	var out []int64
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		g, err := s.store.AccessGroup(ctx, groupID)
		if err != nil {
			return err
		}
		p, err := s.invitingPortal(ctx, groupID)
		if err != nil {
			return err
		}
		if p == nil {
			return &apperr.Error{Kind: apperr.Conflict, Code: "group_not_in_portal",
				Message: "no portal that is on admits this group with the access_groups mode; choose the group for a portal first"}
		}
		ids := g.ContactIDs
		if len(contactIDs) > 0 {
			for _, id := range contactIDs {
				if !slices.Contains(g.ContactIDs, id) {
					return apperr.InvalidField("contact_ids", "not a member of the group: "+strconv.FormatInt(id, 10))
				}
			}
			ids = contactIDs
		}
		out, err = s.invite(ctx, by, p, ids, true)
		return err
	})
	return out, err
}

// invitingPortal is the first portal that invites the members of group, or
// nil when none does.
func (s *Service) invitingPortal(ctx context.Context, group int64) (*portal.Settings, error) {
	ps, err := s.store.Portals(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Invites(group) {
			return &ps[i], nil
		}
	}
	return nil, nil
}

// invite sends an invitation to portal p to each of the contacts that has
// no account and has an email address or phone number, in the contact's
// language. Unless again, a contact holding a valid invitation is left out.
// It runs inside the caller's transaction and returns the contacts invited.
func (s *Service) invite(ctx context.Context, by event.Actor, p *portal.Settings, contactIDs []int64, again bool) ([]int64, error) {
	out := []int64{}
	seen := map[int64]bool{}
	now := s.store.Now()
	for _, id := range contactIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.store.Contact(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		login, _, ok := contactLogin(c)
		if c.AccountID != nil || !ok {
			continue
		}
		dest := "contact:" + strconv.FormatInt(id, 10)
		if !again {
			live, err := s.store.LatestCode(ctx, PurposeInvitation, dest)
			if err == nil && live.live(now) {
				continue
			}
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
		}
		if s.writer == nil {
			return nil, errNoWriter
		}
		payload, err := json.Marshal(linkPayload{ContactID: id, Login: login})
		if err != nil {
			return nil, err
		}
		token, err := s.issueLink(ctx, &Code{Purpose: PurposeInvitation, PortalID: p.ID, Destination: dest, Payload: payload})
		if err != nil {
			return nil, err
		}
		m := Message{Kind: MessageInvitation, Language: contactLanguage(p, c), Portal: p.Name, Name: c.Name(), Login: login,
			Link: s.link(p, "password/set?token="+token), SignIn: s.link(p, "login"), Days: int(LinkLifetime.Hours() / 24)}
		if err := s.store.CreateDelivery(ctx, compose(s.writer, m, login, "invitation-"+randomKey())); err != nil {
			return nil, err
		}
		if err := s.store.CreateEvent(ctx, &event.Event{Kind: EventInvited, ContactID: &c.ID, ActorType: by.Type, ActorID: by.IDPtr(),
			Data: map[string]any{"portal_id": p.ID, "to": login}}); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
