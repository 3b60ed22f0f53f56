package account

import (
	"context"

	"portico/internal/contact"
	"portico/internal/event"
)

// The changes to access groups (SPEC A4) besides adding members (see
// AddGroupMembers): each is written to the audit log (SPEC A11) in the
// transaction that makes it.

// GroupCreator creates access groups, as the contact service does.
type GroupCreator interface {
	CreateAccessGroup(ctx context.Context, name string) (*contact.AccessGroup, error)
}

// GroupRenamer renames access groups, as the portal service does.
type GroupRenamer interface {
	RenameAccessGroup(ctx context.Context, id int64, name string) error
}

// GroupMemberRemover takes contacts out of access groups, as the contact
// service does.
type GroupMemberRemover interface {
	RemoveAccessGroupMember(ctx context.Context, groupID, contactID int64) error
}

// CreateGroup creates an access group named name through groups.
func (s *Service) CreateGroup(ctx context.Context, by event.Actor, groups GroupCreator, name string) (*contact.AccessGroup, error) {
	var g *contact.AccessGroup
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if g, err = groups.CreateAccessGroup(ctx, name); err != nil {
			return err
		}
		return s.audit(ctx, by, "access_group.created", "access_group", g.ID, nil, map[string]any{"name": g.Name})
	})
	return g, err
}

// RenameGroup gives access group id a new name through groups and returns
// the group.
func (s *Service) RenameGroup(ctx context.Context, by event.Actor, groups GroupRenamer, id int64, name string) (*contact.AccessGroup, error) {
	var g *contact.AccessGroup
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.AccessGroup(ctx, id)
		if err != nil {
			return err
		}
		if err := groups.RenameAccessGroup(ctx, id, name); err != nil {
			return err
		}
		if g, err = s.store.AccessGroup(ctx, id); err != nil {
			return err
		}
		if g.Name == before.Name {
			return nil
		}
		return s.audit(ctx, by, "access_group.renamed", "access_group", id, map[string]any{"name": before.Name}, map[string]any{"name": g.Name})
	})
	return g, err
}

// RemoveGroupMember takes contact contactID out of access group groupID
// through groups. The audit entry lists the members before and after, as
// the one of AddGroupMembers does.
func (s *Service) RemoveGroupMember(ctx context.Context, by event.Actor, groups GroupMemberRemover, groupID, contactID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.AccessGroup(ctx, groupID)
		if err != nil {
			return err
		}
		if err := groups.RemoveAccessGroupMember(ctx, groupID, contactID); err != nil {
			return err
		}
		after, err := s.store.AccessGroup(ctx, groupID)
		if err != nil {
			return err
		}
		return s.audit(ctx, by, "access_group.members_removed", "access_group", groupID,
			map[string]any{"contact_ids": before.ContactIDs}, map[string]any{"contact_ids": after.ContactIDs})
	})
}
