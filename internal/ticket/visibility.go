package ticket

import (
	"portico/internal/portal"
)

// Scope is the set of tickets one customer identity may see in one portal.
// It is the only place that decides customer visibility: every customer
// read (lists, detail, messages, attachments, counts, search, export, queue
// figures) is limited by a Scope, which the store turns into one condition.
//
// A ticket is in the scope when
//   - its requester is the contact, or it is shared with the contact, or
//     the portal lets customers see their company's tickets and the ticket
//     belongs to the contact's primary company;
//   - and it matches every visibility filter of the portal;
//   - and it is not a draft, unless the contact wrote it.
//
// Internal notes are never part of what a scope shows.
type Scope struct {
	ContactID int64
	// CompanyID is the primary company whose tickets are visible, or 0 when
	// the portal's permission is "own" or the contact has no company.
	CompanyID int64
	// Filters are the portal's visibility filters; a ticket must match
	// all of them. "in" matches a ticket whose property has one of the
	// values (for a multi-select, one of its options); "not_in" matches
	// every other ticket, including those without the property. Values
	// compare alike when they read the same as text ("3" and 3, "true"
	// and true), and numbers compare as numbers. A filter on a date or
	// with an unknown operator matches nothing.
	Filters []portal.Filter
}

// VisibleTo returns the scope of the contact with the given primary company
// in portal p.
func VisibleTo(p *portal.Settings, contactID int64, companyID *int64) Scope {
	s := Scope{ContactID: contactID, Filters: p.VisibilityFilters}
	if p.TicketPermission == portal.PermissionCompany && companyID != nil {
		s.CompanyID = *companyID
	}
	return s
}

// Views of the customer ticket list (SPEC P7).
const (
	ViewMine         = "mine"         // I am the requester
	ViewShared       = "shared"       // shared with me
	ViewOrganization = "organization" // my primary company's, when allowed
	ViewAll          = "all"          // everything I may see
	ViewDrafts       = "drafts"       // my unsent tickets
)
