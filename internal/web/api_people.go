package web

import (
	"net/http"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/ticket"
)

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	list, err := s.Agents.Agents(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, list)
}

func (s *Server) createAgent(w http.ResponseWriter, r *http.Request, by *agent.Agent) error {
	var in agent.NewAgent
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.Agents.CreateAgent(r.Context(), actor(by), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	var in contact.CompanyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.CreateCompany(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.Contacts.Companies(r.Context(), contact.CompanyFilter{Q: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor, page.Total)
	return nil
}

func (s *Server) getCompany(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Contacts.Company(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateCompany(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in contact.CompanyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.UpdateCompany(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteCompany(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Contacts.DeleteCompany(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	var in contact.ContactInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.CreateContact(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	company, err := queryID(r, "company_id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.Contacts.Contacts(r.Context(), contact.ContactFilter{Q: q.Get("q"), CompanyID: company, Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor, page.Total)
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Contacts.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in contact.ContactInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.UpdateContact(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) contactEvents(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.events(w, r, func(id int64) ticket.EventFilter { return ticket.EventFilter{ContactID: id} })
}

func (s *Server) openAccount(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in account.OpenInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.Accounts.OpenAccount(r.Context(), actor(a), id, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if out.Linked {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	acc, err := s.Accounts.Account(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acc)
	return nil
}

// accountPatch is what agents change on an account.
type accountPatch struct {
	Locked *bool `json:"locked"`
}

// patchAccount locks or unlocks the account of the path.
func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "account_id")
	if err != nil {
		return err
	}
	var in accountPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Locked == nil {
		return apperr.InvalidField("locked", "is required")
	}
	if err := s.Accounts.SetLocked(r.Context(), actor(a), id, *in.Locked); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) unlinkIdentity(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	accountID, err := pathID(r, "account_id")
	if err != nil {
		return err
	}
	contactID, err := pathID(r, "contact_id")
	if err != nil {
		return err
	}
	if err := s.Accounts.UnlinkIdentity(r.Context(), actor(a), accountID, contactID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAccessGroups(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	groups, err := s.Contacts.AccessGroups(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, groups)
}

func (s *Server) createAccessGroup(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in nameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := s.Accounts.CreateGroup(r.Context(), actor(a), s.Contacts, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) getAccessGroup(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.Contacts.AccessGroup(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

// addGroupMembers adds contacts to a group; the members without an account
// are invited in the same transaction when a portal admits the group
// (SPEC I2).
func (s *Server) addGroupMembers(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in membersInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := s.Accounts.AddGroupMembers(r.Context(), actor(a), s.Contacts, id, in.ContactIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) removeGroupMember(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	contactID, err := pathID(r, "contact_id")
	if err != nil {
		return err
	}
	if err := s.Accounts.RemoveGroupMember(r.Context(), actor(a), s.Contacts, id, contactID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// invitedBody lists the contacts a request invited.
type invitedBody struct {
	Invited []int64 `json:"invited"`
}

// inviteInput chooses the members to invite; none chooses every member.
type inviteInput struct {
	ContactIDs []int64 `json:"contact_ids,omitempty"`
}

// inviteGroup sends new invitations to the members of a group who have no
// account yet (SPEC A4).
func (s *Server) inviteGroup(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in inviteInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	invited, err := s.Accounts.InviteGroup(r.Context(), actor(a), id, in.ContactIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invitedBody{Invited: invited})
	return nil
}
