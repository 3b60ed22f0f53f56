// Package demo fills a fresh installation with a believable data set: a
// support team, five customer companies in four languages, their portal
// accounts and a couple of months of tickets (SPEC X6).
//
// Everything goes through the domain services, as if people had done it,
// over a copy of the store whose clock is moved back in time for each step;
// so records carry past timestamps and every timeline reads as it would
// have happened. The content is fixed and the little randomness there is
// comes from a fixed seed, so every demo looks the same.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/event"
	"portico/internal/filestore"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/store"
	"portico/internal/ticket"
)

// Password is the password of every demo sign-in, agents and customers
// alike: one thing to remember while exploring.
const Password = "demo-password"

// Deps are what seeding uses.
type Deps struct {
	DB    *store.DB
	Files *filestore.Store
}

// SignIn is one demo login to show to the person trying the demo.
type SignIn struct {
	Login    string
	Password string
	Name     string
	// Company is the customer's company, empty for agents.
	Company string
	// Note says what is special about this sign-in, if anything.
	Note string
}

// Result tells what was created, for printing.
type Result struct {
	AdminEmail, AdminPassword string
	// APIKey is the admin's key; it is not stored and exists only here.
	APIKey string
	// Agents are the desk sign-ins, the admin first.
	Agents []SignIn
	// Customers are the portal sign-ins, in the order they were opened.
	Customers []SignIn
	Companies int
	Tickets   int
	// TicketsByStage counts tickets by the name of the stage they end in.
	TicketsByStage map[string]int
}

// seeder holds the services, all over the clocked store, and the records
// created so far, by the keys the data set uses.
type seeder struct {
	files *filestore.Store
	// now is what the clocked store reports; each step sets it.
	now time.Time
	// end is the real time of seeding: nothing may happen after it.
	end time.Time
	rng *rand.Rand

	agents     *agent.Service
	contacts   *contact.Service
	accounts   *account.Service
	pipelines  *pipeline.Service
	properties *property.Service
	portals    *portal.Service
	tickets    *ticket.Service

	agentIDs   map[string]int64
	contactIDs map[string]int64
	people     map[string]personSeed
	stages     stages
	res        *Result
}

// stages are the default Support pipeline's stages by role.
type stages struct {
	pipelineID                   int64
	queue, working, waiting, end pipeline.Stage
}

// Seed creates the demo data. The database must be fresh: the demo refuses
// to mix its people with real ones.
func Seed(ctx context.Context, d Deps) (*Result, error) {
	if d.DB == nil || d.Files == nil {
		return nil, errors.New("demo: a store and a file store are required")
	}
	s := &seeder{
		files:      d.Files,
		end:        d.DB.Now(),
		rng:        rand.New(rand.NewPCG(2024, 6)),
		agentIDs:   map[string]int64{},
		contactIDs: map[string]int64{},
		people:     map[string]personSeed{},
		res:        &Result{AdminPassword: Password, TicketsByStage: map[string]int{}},
	}
	db := d.DB.WithClock(func() time.Time { return s.now })
	s.agents = agent.NewService(db)
	s.contacts = contact.NewService(db)
	// Accounts are opened without sending anything, so no link is built.
	s.accounts = account.NewService(db, func() string { return "" })
	s.pipelines = pipeline.NewService(db)
	s.properties = property.NewService(db)
	s.portals = portal.NewService(db)
	s.tickets = ticket.NewService(db)

	existing, err := s.agents.Agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if len(existing) > 0 {
		return nil, errors.New("demo: the database already has agents; the demo needs an empty database")
	}
	for _, step := range []struct {
		what string
		fn   func(context.Context) error
	}{
		{"find the support pipeline", s.findStages},
		{"create agents", s.createAgents},
		{"set up the portal", s.setUpPortal},
		{"create customers", s.createCustomers},
		{"open portal accounts", s.openAccounts},
		{"create access groups", s.createAccessGroups},
		{"create tickets", s.createTickets},
	} {
		if err := step.fn(ctx); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", step.what, err)
		}
	}
	return s.res, nil
}

// at sets the clock to the given time before now, the moment seeding runs.
func (s *seeder) at(ago time.Duration) { s.now = s.end.Add(-ago) }

// findStages picks the default pipeline's stages by their role rather than
// their names, which an installation's language may change.
func (s *seeder) findStages(ctx context.Context) error {
	ps, err := s.pipelines.Pipelines(ctx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return errors.New("there is no pipeline")
	}
	p := ps[0]
	var open []pipeline.Stage
	st := stages{pipelineID: p.ID}
	found := 0
	for _, x := range p.Stages {
		switch {
		case x.WaitingForAcceptance:
			st.queue = x
			found++
		case x.State == pipeline.Open:
			open = append(open, x)
		case x.State == pipeline.Closed && st.end.ID == 0:
			st.end = x
			found++
		}
	}
	if found != 2 || len(open) < 2 {
		return fmt.Errorf("pipeline %q lacks the default stages (a queue, two open stages, a closed one)", p.Name)
	}
	st.working, st.waiting = open[0], open[1]
	s.stages = st
	return nil
}

func (s *seeder) createAgents(ctx context.Context) error {
	s.at(120 * day)
	for i, a := range agentSeeds {
		s.at(120*day - time.Duration(i)*47*time.Minute)
		created, err := s.agents.CreateAgent(ctx, event.System, agent.NewAgent{Email: a.email, Name: a.name, Alias: a.alias, Role: a.role, Password: Password})
		if err != nil {
			return err
		}
		s.agentIDs[a.key] = created.ID
		s.res.Agents = append(s.res.Agents, SignIn{Login: created.Email, Password: Password, Name: created.Name, Note: a.note})
		if a.role == agent.RoleAdmin && s.res.AdminEmail == "" {
			s.res.AdminEmail = created.Email
		}
	}
	s.at(119 * day)
	key, _, err := s.agents.CreateAPIKey(ctx, event.System, s.res.AdminEmail, "Demo scripts")
	if err != nil {
		return err
	}
	s.res.APIKey = key
	return nil
}

// setUpPortal adds the custom ticket properties and names the portal, as an
// admin would on the first day.
func (s *seeder) setUpPortal(ctx context.Context) error {
	s.at(119*day - 2*time.Hour)
	if _, err := s.properties.Create(ctx, event.System, property.Input{
		Name: "product", Type: property.SingleSelect, Options: products,
		Label: map[string]string{"en": "Product", "zh-CN": "产品", "pl": "Produkt", "sv": "Produkt"},
	}); err != nil {
		return err
	}
	if _, err := s.properties.Create(ctx, event.System, property.Input{
		Name: "order_reference", Type: property.Text,
		Label: map[string]string{"en": "Order or invoice number", "zh-CN": "订单号或发票号", "pl": "Numer zamówienia lub faktury", "sv": "Order- eller fakturanummer"},
	}); err != nil {
		return err
	}
	s.at(119*day - 3*time.Hour)
	_, err := s.portals.Update(ctx, "support", []byte(portalSettings))
	return err
}

// products are the options of the "product" property: what the company
// running this help desk sells.
var products = []string{"Online shop", "Point of sale", "Inventory", "Invoicing", "Mobile app", "API"}

// portalSettings is the admin's first edit of the portal: its name, every
// language, company-wide visibility so colleagues see each other's
// tickets, and the stage names customers see.
const portalSettings = `{
	"name": "Portico Demo Support",
	"languages": ["en", "zh-CN", "pl", "sv"],
	"default_language": "en",
	"ticket_permission": "company",
	"owner_display": "alias",
	"show_custom_stages": true,
	"allow_reply_to_closed": true,
	"allow_customer_close": true,
	"columns": ["id", "subject", "requester", "status", "priority", "product", "owner", "last_activity_at"],
	"ticket_label": {"en": "Tickets", "zh-CN": "工单", "pl": "Zgłoszenia", "sv": "Ärenden"},
	"form_menu_text": {"en": "Submit a ticket", "zh-CN": "提交工单", "pl": "Wyślij zgłoszenie", "sv": "Skicka ett ärende"},
	"form_title": {"en": "How can we help?", "zh-CN": "请问有什么可以帮您？", "pl": "W czym możemy pomóc?", "sv": "Hur kan vi hjälpa dig?"},
	"theme": {"accent_color": "#0f766e"}
}`

func (s *seeder) createCustomers(ctx context.Context) error {
	companyIDs := map[string]int64{}
	for i, c := range companySeeds {
		s.at(112*day - time.Duration(i)*day)
		name, domain := c.name, c.domain
		created, err := s.contacts.CreateCompany(ctx, contact.CompanyInput{Name: &name, Domain: &domain})
		if err != nil {
			return err
		}
		companyIDs[c.key] = created.ID
		s.res.Companies++
	}
	for i, p := range personSeeds {
		cid, ok := companyIDs[p.company]
		if !ok {
			return fmt.Errorf("contact %s: no company %q", p.key, p.company)
		}
		// Each contact's account (below) follows eight days later.
		s.at(108*day - time.Duration(i)*2*day)
		in := contact.ContactInput{FirstName: &p.first, LastName: &p.last, CompanyID: &cid, Language: &p.lang}
		if p.email != "" {
			in.Email = &p.email
		}
		if p.phone != "" {
			in.Phone = &p.phone
		}
		c, err := s.contacts.CreateContact(ctx, in)
		if err != nil {
			return fmt.Errorf("contact %s: %w", p.key, err)
		}
		s.contactIDs[p.key] = c.ID
		s.people[p.key] = p
	}
	return nil
}

func (s *seeder) openAccounts(ctx context.Context) error {
	pw, must := Password, false
	admin := event.Actor{Type: event.ActorAgent, ID: s.agentIDs[agentSeeds[0].key]}
	for i, p := range personSeeds {
		if !p.account {
			continue
		}
		s.at(100*day - time.Duration(i)*2*day)
		opened, err := s.accounts.OpenAccount(ctx, admin, s.contactIDs[p.key],
			account.OpenInput{Password: &pw, SendVia: account.SendNone, MustChangePassword: &must})
		if err != nil {
			return fmt.Errorf("account for %s: %w", p.key, err)
		}
		if opened.Linked {
			// The same login again: only the first identity is a sign-in of
			// its own.
			continue
		}
		s.res.Customers = append(s.res.Customers, SignIn{Login: opened.Login, Password: Password, Name: p.displayName(),
			Company: companyName(p.company), Note: p.note})
	}
	return nil
}

func (s *seeder) createAccessGroups(ctx context.Context) error {
	for i, g := range groupSeeds {
		s.at(80*day - time.Duration(i)*26*time.Hour)
		created, err := s.contacts.CreateAccessGroup(ctx, g.name)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(g.members))
		for _, key := range g.members {
			id, ok := s.contactIDs[key]
			if !ok {
				return fmt.Errorf("group %q: no contact %q", g.name, key)
			}
			ids = append(ids, id)
		}
		s.at(80*day - time.Duration(i)*26*time.Hour - 5*time.Minute)
		if _, err := s.contacts.AddAccessGroupMembers(ctx, created.ID, ids); err != nil {
			return err
		}
	}
	return nil
}
