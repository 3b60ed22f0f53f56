package web

import (
	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/auth"
	"portico/internal/contact"
	"portico/internal/delivery"
	supportform "portico/internal/form"
	"portico/internal/notify"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/sso"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
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
	notify.Store
	ReportStore
}

// NewServices builds every domain service over one store. baseURL gives
// the public URL for links in messages.
func NewServices(db Store, baseURL func() string) Services {
	tickets := ticket.NewService(db).WithBaseURL(baseURL)
	// The messages are embedded: should they not load, New refuses to
	// start for the same reason.
	if cat, err := i18n.Load(); err == nil {
		tickets = tickets.WithNotices(noticeWriter{cat})
	}
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
		Notify:     notify.NewService(db),
		Reports:    db,
	}
}
