package portal

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"portico/internal/apperr"
)

// RenameAccessGroup gives an access group (SPEC A4) a new name; names are
// unique, as portal settings show groups by name.
func (s *Service) RenameAccessGroup(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return apperr.InvalidField("name", "is required")
	case utf8.RuneCountInString(name) > 200:
		return apperr.InvalidField("name", "must be at most 200 characters")
	}
	return s.store.RenameAccessGroup(ctx, id, name)
}

// GroupPortals returns the portals that chose the access group; those
// whose access mode is not one of groups (GroupsOnly) keep the choice
// without using it.
func GroupPortals(portals []Settings, group int64) []Settings {
	var out []Settings
	for _, p := range portals {
		if slices.Contains(p.AccessGroupIDs, group) {
			out = append(out, p)
		}
	}
	return out
}
