package web

import (
	"net/http"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/ticket"
)

// routes registers every route. API routes carry what the OpenAPI document
// says of them.
func (s *Server) routes() {
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.handle("GET /metrics", s.metricsHandler())
	s.handle("GET /api/v1/openapi.json", http.HandlerFunc(s.openAPI))
	s.handle("/api/v1/", http.HandlerFunc(s.apiNotFound))

	s.api(op{method: "GET", path: "/agents", tag: "agents", summary: "List agents", query: []string{"limit", "cursor"}, resp: agent.Agent{}, list: true}, s.listAgents)
	s.api(op{method: "POST", path: "/agents", tag: "agents", summary: "Create an agent or admin", admin: true, body: agent.NewAgent{}, resp: agent.Agent{}, status: 201}, s.createAgent)

	s.api(op{method: "POST", path: "/companies", tag: "companies", summary: "Create a company", body: contact.CompanyInput{}, resp: contact.Company{}, status: 201}, s.createCompany)
	s.api(op{method: "GET", path: "/companies", tag: "companies", summary: "List or search companies", query: []string{"q", "limit", "cursor"}, resp: contact.Company{}, list: true}, s.listCompanies)
	s.api(op{method: "GET", path: "/companies/{id}", tag: "companies", summary: "Get a company", resp: contact.Company{}}, s.getCompany)
	s.api(op{method: "PATCH", path: "/companies/{id}", tag: "companies", summary: "Edit a company", body: contact.CompanyInput{}, resp: contact.Company{}}, s.updateCompany)
	s.api(op{method: "DELETE", path: "/companies/{id}", tag: "companies", summary: "Delete a company (its contacts and tickets stay)", admin: true, status: 204}, s.deleteCompany)

	s.api(op{method: "POST", path: "/contacts", tag: "contacts", summary: "Create a contact", body: contact.ContactInput{}, resp: contact.Contact{}, status: 201}, s.createContact)
	s.api(op{method: "GET", path: "/contacts", tag: "contacts", summary: "List or search contacts", query: []string{"q", "company_id", "limit", "cursor"}, resp: contact.Contact{}, list: true}, s.listContacts)
	s.api(op{method: "GET", path: "/contacts/{id}", tag: "contacts", summary: "Get a contact", resp: contact.Contact{}}, s.getContact)
	s.api(op{method: "PATCH", path: "/contacts/{id}", tag: "contacts", summary: "Edit a contact", body: contact.ContactInput{}, resp: contact.Contact{}}, s.updateContact)
	s.api(op{method: "GET", path: "/contacts/{id}/events", tag: "contacts", summary: "A contact's timeline", query: []string{"limit", "cursor"}, resp: event.Event{}, list: true}, s.contactEvents)
	s.api(op{method: "POST", path: "/contacts/{id}/account", tag: "accounts", summary: "Open a portal account for a contact, or link it to the account with that login", body: account.OpenInput{}, resp: account.Opened{}, status: 201, also: []int{200}}, s.openAccount)
	s.api(op{method: "GET", path: "/accounts/{id}", tag: "accounts", summary: "Get a portal account with its identities", resp: account.Account{}}, s.getAccount)
	s.api(op{method: "DELETE", path: "/accounts/{account_id}/identities/{contact_id}", tag: "accounts", summary: "Unlink an identity from an account", status: 204}, s.unlinkIdentity)
	s.api(op{method: "PATCH", path: "/accounts/{account_id}", tag: "accounts", summary: "Lock or unlock an account: a locked one is signed out everywhere and cannot sign in",
		body: accountPatch{}, status: 204}, s.patchAccount)

	s.api(op{method: "GET", path: "/access-groups", tag: "access groups", summary: "List access groups", query: []string{"limit", "cursor"}, resp: contact.AccessGroup{}, list: true}, s.listAccessGroups)
	s.api(op{method: "POST", path: "/access-groups", tag: "access groups", summary: "Create an access group", admin: true, body: nameInput{}, resp: contact.AccessGroup{}, status: 201}, s.createAccessGroup)
	s.api(op{method: "GET", path: "/access-groups/{id}", tag: "access groups", summary: "Get an access group", resp: contact.AccessGroup{}}, s.getAccessGroup)
	s.api(op{method: "POST", path: "/access-groups/{id}/members", tag: "access groups", summary: "Add contacts to an access group; those without an account are invited to choose a password when a portal that is on admits the group", admin: true, body: membersInput{}, resp: contact.AccessGroup{}}, s.addGroupMembers)
	s.api(op{method: "POST", path: "/access-groups/{id}/invitations", tag: "access groups", summary: "Send a new set-your-password invitation to the members without an account (those of contact_ids, or all), replacing any earlier one; 409 when no portal that is on admits the group", admin: true, body: inviteInput{}, resp: invitedBody{}}, s.inviteGroup)
	s.api(op{method: "DELETE", path: "/access-groups/{id}/members/{contact_id}", tag: "access groups", summary: "Remove a contact from an access group", admin: true, status: 204}, s.removeGroupMember)

	s.api(op{method: "GET", path: "/pipelines", tag: "pipelines", summary: "List pipelines with their stages", query: []string{"limit", "cursor"}, resp: pipeline.Pipeline{}, list: true}, s.listPipelines)
	s.api(op{method: "POST", path: "/pipelines", tag: "pipelines", summary: "Create a pipeline", admin: true, body: pipeline.PipelineInput{}, resp: pipeline.Pipeline{}, status: 201}, s.createPipeline)
	s.api(op{method: "GET", path: "/pipelines/{id}", tag: "pipelines", summary: "Get a pipeline", resp: pipeline.Pipeline{}}, s.getPipeline)
	s.api(op{method: "POST", path: "/pipelines/{id}/stages", tag: "pipelines", summary: "Add a stage to a pipeline", admin: true, body: pipeline.StageInput{}, resp: pipeline.Pipeline{}, status: 201}, s.addStage)
	s.api(op{method: "GET", path: "/inboxes", tag: "inboxes", summary: "List inboxes", query: []string{"limit", "cursor"}, resp: pipeline.Inbox{}, list: true}, s.listInboxes)
	s.api(op{method: "POST", path: "/inboxes", tag: "inboxes", summary: "Create an inbox", admin: true, body: pipeline.InboxInput{}, resp: pipeline.Inbox{}, status: 201}, s.createInbox)
	s.api(op{method: "GET", path: "/properties", tag: "properties", summary: "List ticket properties", query: []string{"limit", "cursor"}, resp: property.Definition{}, list: true}, s.listProperties)
	s.api(op{method: "POST", path: "/properties", tag: "properties", summary: "Create a custom ticket property", admin: true, body: property.Input{}, resp: property.Definition{}, status: 201}, s.createProperty)

	s.api(op{method: "GET", path: "/portals", tag: "portals", summary: "List portals", query: []string{"limit", "cursor"}, resp: portal.Settings{}, list: true}, s.listPortals)
	s.api(op{method: "GET", path: "/portals/{slug}", tag: "portals", summary: "Get a portal's settings", resp: portal.Settings{}}, s.getPortal)
	s.api(op{method: "PATCH", path: "/portals/{slug}", tag: "portals", summary: "Change any subset of a portal's settings", admin: true, body: portal.Settings{}, resp: portal.Settings{}}, s.updatePortal)

	s.api(op{method: "POST", path: "/tickets", tag: "tickets", summary: "Create a ticket", body: ticket.NewTicket{}, resp: ticket.Ticket{}, status: 201}, s.createTicket)
	s.api(op{method: "GET", path: "/tickets", tag: "tickets", summary: "List and search tickets",
		query: []string{"inbox_id", "pipeline_id", "stage_id", "owner_id", "requester_id", "company_id", "status", "q", "sort", "order", "limit", "cursor"},
		resp:  ticket.Ticket{}, list: true}, s.listTickets)
	s.api(op{method: "GET", path: "/tickets/{id}", tag: "tickets", summary: "Get a ticket", resp: ticket.Ticket{}}, s.getTicket)
	s.api(op{method: "PATCH", path: "/tickets/{id}", tag: "tickets", summary: "Change a ticket's stage, owner, priority or properties", body: ticket.Update{}, resp: ticket.Ticket{}}, s.updateTicket)
	s.api(op{method: "GET", path: "/tickets/{id}/messages", tag: "tickets", summary: "A ticket's messages, internal notes included", resp: ticket.Message{}, list: true}, s.listMessages)
	s.api(op{method: "POST", path: "/tickets/{id}/messages", tag: "tickets", summary: "Reply publicly or add an internal note, with attachments", body: ticket.NewMessage{}, multipart: true, resp: ticket.Message{}, status: 201}, s.createMessage)
	s.api(op{method: "GET", path: "/tickets/{id}/rating", tag: "tickets", summary: "A ticket's rating", resp: ticket.Rating{}}, s.getRating)
	s.api(op{method: "GET", path: "/tickets/{id}/events", tag: "tickets", summary: "A ticket's timeline", query: []string{"limit", "cursor"}, resp: event.Event{}, list: true}, s.ticketEvents)
	s.api(op{method: "GET", path: "/attachments/{id}", tag: "tickets", summary: "Download an attachment", file: true}, s.downloadAttachment)

	s.portalRoutes()
	s.pageRoutes()
	s.deskRoutes()
	s.settingsRoutes()
	s.handle("GET /desk/reports/ratings", s.desk(s.deskRatingsReport))
	s.handle("GET /desk/settings/audit", s.deskAdmin(s.deskAudit))
	s.deskNotifyRoutes()

	s.api(op{method: "GET", path: "/deliveries", tag: "deliveries", summary: "The delivery log of emails, SMS, webhooks and notifications", admin: true, query: []string{"to", "kind", "limit", "cursor"}, resp: delivery.Delivery{}, list: true}, s.listDeliveries)
}

// nameInput is a body with just a name.
type nameInput struct {
	Name string `json:"name"`
}

// membersInput lists contacts.
type membersInput struct {
	ContactIDs []int64 `json:"contact_ids"`
}
