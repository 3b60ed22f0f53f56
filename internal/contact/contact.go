// Package contact is about the customers: companies, the people at them
// (contacts) and access groups, the named lists of contacts a portal may
// admit.
package contact

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/agent"
	"portico/internal/apperr"
)

// Company is a customer company.
type Company struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Domain    *string   `json:"domain"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CompanyInput creates a company or, with nil fields left alone, edits one.
type CompanyInput struct {
	Name   *string `json:"name"`
	Domain *string `json:"domain"`
}

// Contact is a customer person.
type Contact struct {
	ID        int64     `json:"id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     *string   `json:"email"`
	Phone     *string   `json:"phone"`
	CompanyID *int64    `json:"company_id"`
	Language  string    `json:"language"`
	AccountID *int64    `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Name is the contact's full name.
func (c *Contact) Name() string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// ContactInput creates a contact or, with nil fields left alone, edits one.
// A company_id of 0 in an edit removes the primary company.
type ContactInput struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	CompanyID *int64  `json:"company_id"`
	Language  *string `json:"language"`
}

// ContactFilter selects contacts.
type ContactFilter struct {
	Q         string
	CompanyID int64
	Limit     int
	Cursor    string
}

// ContactPage is one page of contacts.
type ContactPage struct {
	Items      []Contact
	NextCursor string
	Total      int
}

// CompanyFilter selects companies.
type CompanyFilter struct {
	Q      string
	Limit  int
	Cursor string
}

// CompanyPage is one page of companies.
type CompanyPage struct {
	Items      []Company
	NextCursor string
	Total      int
}

// AccessGroup is a named list of contacts used for portal access.
type AccessGroup struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	ContactIDs []int64   `json:"contact_ids"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Store is what the service needs from storage.
type Store interface {
	CreateCompany(ctx context.Context, c *Company) error
	Company(ctx context.Context, id int64) (*Company, error)
	Companies(ctx context.Context, f CompanyFilter) (CompanyPage, error)
	UpdateCompany(ctx context.Context, c *Company) error
	DeleteCompany(ctx context.Context, id int64) error
	CreateContact(ctx context.Context, c *Contact) error
	Contact(ctx context.Context, id int64) (*Contact, error)
	Contacts(ctx context.Context, f ContactFilter) (ContactPage, error)
	UpdateContact(ctx context.Context, c *Contact) error
	CreateAccessGroup(ctx context.Context, g *AccessGroup) error
	AccessGroup(ctx context.Context, id int64) (*AccessGroup, error)
	AccessGroups(ctx context.Context) ([]AccessGroup, error)
	// AddAccessGroupMembers adds contacts (ignoring those already in) and
	// returns the ids that were new.
	AddAccessGroupMembers(ctx context.Context, groupID int64, contactIDs []int64) ([]int64, error)
	RemoveAccessGroupMember(ctx context.Context, groupID, contactID int64) error
	// MissingContacts returns those of ids that name no contact.
	MissingContacts(ctx context.Context, ids []int64) ([]int64, error)
	// ContactsByID returns the contacts of ids that exist, in no order.
	ContactsByID(ctx context.Context, ids []int64) ([]Contact, error)
}

// Service holds the rules for companies, contacts and access groups.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

func checkLen(v apperr.Validation, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "is too long")
	}
}

func (s *Service) applyCompany(c *Company, in CompanyInput, v apperr.Validation) {
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if c.Name == "" {
		v.Add("name", "is required")
	}
	checkLen(v, "name", c.Name, 200)
	if in.Domain != nil {
		d := strings.ToLower(strings.TrimSpace(*in.Domain))
		switch {
		case d == "":
			c.Domain = nil
		case strings.ContainsAny(d, " /@:") || !strings.Contains(d, "."):
			v.Add("domain", "must be a domain name like example.com")
		default:
			c.Domain = &d
		}
	}
}

// CreateCompany adds a company.
func (s *Service) CreateCompany(ctx context.Context, in CompanyInput) (*Company, error) {
	c := &Company{}
	v := apperr.Validation{}
	s.applyCompany(c, in, v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.store.CreateCompany(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCompany edits a company.
func (s *Service) UpdateCompany(ctx context.Context, id int64, in CompanyInput) (*Company, error) {
	c, err := s.store.Company(ctx, id)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	s.applyCompany(c, in, v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateCompany(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Company returns one company.
func (s *Service) Company(ctx context.Context, id int64) (*Company, error) {
	return s.store.Company(ctx, id)
}

// Companies lists companies, optionally by name.
func (s *Service) Companies(ctx context.Context, f CompanyFilter) (CompanyPage, error) {
	return s.store.Companies(ctx, f)
}

// DeleteCompany removes a company; its contacts and tickets stay, without it.
func (s *Service) DeleteCompany(ctx context.Context, id int64) error {
	return s.store.DeleteCompany(ctx, id)
}

// NormalizePhone reduces a phone number to "+" and digits (E.164), or
// reports that it is not one.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	out := b.String()
	if strings.HasPrefix(out, "00") {
		out = "+" + out[2:]
	}
	if !strings.HasPrefix(out, "+") || len(out) < 8 || len(out) > 16 {
		return "", false
	}
	return out, true
}

// Languages a person may choose.
var Languages = []string{"en", "zh-CN", "pl", "sv"}

// ValidLanguage reports whether l is one of Languages.
func ValidLanguage(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

func (s *Service) applyContact(ctx context.Context, c *Contact, in ContactInput, v apperr.Validation) error {
	if in.FirstName != nil {
		c.FirstName = strings.TrimSpace(*in.FirstName)
	}
	if c.FirstName == "" {
		v.Add("first_name", "is required")
	}
	checkLen(v, "first_name", c.FirstName, 100)
	if in.LastName != nil {
		c.LastName = strings.TrimSpace(*in.LastName)
	}
	checkLen(v, "last_name", c.LastName, 100)
	if in.Email != nil {
		if strings.TrimSpace(*in.Email) == "" {
			c.Email = nil
		} else if e, ok := agent.NormalizeEmail(*in.Email); ok {
			c.Email = &e
		} else {
			v.Add("email", "must be an email address")
		}
	}
	if in.Phone != nil {
		if strings.TrimSpace(*in.Phone) == "" {
			c.Phone = nil
		} else if p, ok := NormalizePhone(*in.Phone); ok {
			c.Phone = &p
		} else {
			v.Add("phone", "must be an international phone number like +48 601 234 567")
		}
	}
	if in.Language != nil {
		if *in.Language != "" && !ValidLanguage(*in.Language) {
			v.Add("language", "must be one of en, zh-CN, pl, sv")
		}
		c.Language = *in.Language
	}
	if in.CompanyID != nil {
		if *in.CompanyID == 0 {
			c.CompanyID = nil
		} else if _, err := s.store.Company(ctx, *in.CompanyID); apperr.Is(err, apperr.NotFound) {
			v.Add("company_id", "no such company")
		} else if err != nil {
			return err
		} else {
			id := *in.CompanyID
			c.CompanyID = &id
		}
	}
	return nil
}

// CreateContact adds a contact.
func (s *Service) CreateContact(ctx context.Context, in ContactInput) (*Contact, error) {
	c := &Contact{}
	v := apperr.Validation{}
	if err := s.applyContact(ctx, c, in, v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.store.CreateContact(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateContact edits a contact.
func (s *Service) UpdateContact(ctx context.Context, id int64, in ContactInput) (*Contact, error) {
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	if err := s.applyContact(ctx, c, in, v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateContact(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Contact returns one contact.
func (s *Service) Contact(ctx context.Context, id int64) (*Contact, error) {
	return s.store.Contact(ctx, id)
}

// Contacts lists contacts by name, email, phone or company.
func (s *Service) Contacts(ctx context.Context, f ContactFilter) (ContactPage, error) {
	return s.store.Contacts(ctx, f)
}

// CreateAccessGroup adds an empty access group.
func (s *Service) CreateAccessGroup(ctx context.Context, name string) (*AccessGroup, error) {
	name = strings.TrimSpace(name)
	v := apperr.Validation{}
	if name == "" {
		v.Add("name", "is required")
	}
	checkLen(v, "name", name, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	g := &AccessGroup{Name: name, ContactIDs: []int64{}}
	if err := s.store.CreateAccessGroup(ctx, g); err != nil {
		return nil, err
	}
	return g, nil
}

// AccessGroup returns one group with its members.
func (s *Service) AccessGroup(ctx context.Context, id int64) (*AccessGroup, error) {
	return s.store.AccessGroup(ctx, id)
}

// AccessGroups lists every group with its members.
func (s *Service) AccessGroups(ctx context.Context) ([]AccessGroup, error) {
	return s.store.AccessGroups(ctx)
}

// AddAccessGroupMembers adds contacts to a group and returns the group.
// Every id must name a contact; none is added otherwise.
func (s *Service) AddAccessGroupMembers(ctx context.Context, groupID int64, contactIDs []int64) (*AccessGroup, error) {
	if len(contactIDs) == 0 {
		return nil, apperr.InvalidField("contact_ids", "must list at least one contact")
	}
	if len(contactIDs) > 1000 {
		return nil, apperr.InvalidField("contact_ids", "at most 1000 contacts at a time")
	}
	if _, err := s.store.AccessGroup(ctx, groupID); err != nil {
		return nil, err
	}
	missing, err := s.store.MissingContacts(ctx, contactIDs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, apperr.InvalidField("contact_ids", "no such contact: "+joinIDs(missing))
	}
	if _, err := s.store.AddAccessGroupMembers(ctx, groupID, contactIDs); err != nil {
		return nil, err
	}
	return s.store.AccessGroup(ctx, groupID)
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// RemoveAccessGroupMember takes a contact out of a group.
func (s *Service) RemoveAccessGroupMember(ctx context.Context, groupID, contactID int64) error {
	return s.store.RemoveAccessGroupMember(ctx, groupID, contactID)
}

// Names returns the names of the contacts of ids, each its full name or,
// without one, its email; ids that name no contact are left out.
func (s *Service) Names(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cs, err := s.store.ContactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		n := cs[i].Name()
		if n == "" && cs[i].Email != nil {
			n = *cs[i].Email
		}
		out[cs[i].ID] = n
	}
	return out, nil
}
