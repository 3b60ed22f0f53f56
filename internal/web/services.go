package web

import (
	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/auth"
	"portico/internal/contact"
	"portico/internal/delivery"
	supportform "portico/internal/form"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/sso"
	"portico/internal/ticket"
)

// Store is everything the services need from storage; the store package's
// DB is one.
type Store interface {
	agent.Store
	contact.Store
	account.Store
	pipeline.Store
	property.Store
	portal.Store
	supportform.Store
	ticket.Store
	delivery.Store
	auth.Store
	sso.Store
	ReportStore
}

// NewServices builds every domain service over one store. baseURL gives
// the public URL for links in messages.
func NewServices(db Store, baseURL func() string) Services {
	tickets := ticket.NewService(db)
	return Services{
		Agents:     agent.NewService(db),
		Contacts:   contact.NewService(db),
		Accounts:   account.NewService(db, baseURL),
		Pipelines:  pipeline.NewService(db),
		Properties: property.NewService(db),
		Portals:    portal.NewService(db),
		Forms:      supportform.NewService(db, tickets),
		Tickets:    tickets,
		Deliveries: delivery.NewService(db),
		Auth:       auth.NewService(db),
		SSO:        sso.NewService(db, baseURL),
		Reports:    db,
	}
}
