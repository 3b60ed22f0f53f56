package store_test

import (
	"slices"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/store"
	"portico/internal/store/storetest"
)

func TestCompanies(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme Widgets", ptr("acme.example"))
		if acme.ID == 0 || !acme.CreatedAt.Equal(clk.Now()) || !acme.UpdatedAt.Equal(clk.Now()) {
			t.Fatalf("created %+v", acme)
		}
		plain := newCompany(t, db, "No Domain Ltd", nil)

		got, err := db.Company(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme Widgets" || got.Domain == nil || *got.Domain != "acme.example" || !got.CreatedAt.Equal(acme.CreatedAt) {
			t.Errorf("Company = %+v, want %+v", got, acme)
		}
		got, err = db.Company(ctx, plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Domain != nil {
			t.Errorf("company without domain reads back domain %q", *got.Domain)
		}

		// Two companies without a domain do not collide; two with one do.
		newCompany(t, db, "Also No Domain", nil)
		err = db.CreateCompany(ctx, &contact.Company{Name: "Acme Copy", Domain: ptr("acme.example")})
		wantKind(t, err, apperr.Conflict)

		updated := clk.Add(time.Hour)
		got.Name, got.Domain = "Renamed Ltd", ptr("renamed.example")
		if err := db.UpdateCompany(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := db.Company(ctx, plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Name != "Renamed Ltd" || *again.Domain != "renamed.example" || !again.UpdatedAt.Equal(updated) || !again.CreatedAt.Equal(plain.CreatedAt) {
			t.Errorf("after update = %+v", again)
		}
		again.Domain = ptr("acme.example")
		wantKind(t, db.UpdateCompany(ctx, again), apperr.Conflict)
		wantKind(t, db.UpdateCompany(ctx, &contact.Company{ID: plain.ID + 1000, Name: "Ghost"}), apperr.NotFound)

		if err := db.DeleteCompany(ctx, acme.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Company(ctx, acme.ID)
		wantKind(t, err, apperr.NotFound)
		wantKind(t, db.DeleteCompany(ctx, acme.ID), apperr.NotFound)
	})
}

func TestCompaniesSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		names := map[string]*contact.Company{}
		for _, c := range []struct {
			name   string
			domain *string
		}{
			{"Acme Widgets", ptr("acme.example")},
			{"Globex", ptr("globex.example")},
			{"Initech 100% Ltd", nil},
			{"Initech 1000 Ltd", nil},
			{"Under_Score AB", nil},
			{"UnderXScore AB", nil},
		} {
			names[c.name] = newCompany(t, db, c.name, c.domain)
		}
		tests := []struct {
			q    string
			want []string
		}{
			{"", []string{"Acme Widgets", "Globex", "Initech 100% Ltd", "Initech 1000 Ltd", "Under_Score AB", "UnderXScore AB"}},
			{"acme", []string{"Acme Widgets"}},
			{"WIDGET", []string{"Acme Widgets"}},
			{"globex.exa", []string{"Globex"}},
			{".example", []string{"Acme Widgets", "Globex"}},
			{"  globex  ", []string{"Globex"}},
			{"100%", []string{"Initech 100% Ltd"}},
			{"r_s", []string{"Under_Score AB"}},
			{"nothing like it", nil},
		}
		for _, tt := range tests {
			t.Run(tt.q, func(t *testing.T) {
				page, err := db.Companies(ctx, contact.CompanyFilter{Q: tt.q})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, c := range page.Items {
					got = append(got, c.Name)
				}
				if !slices.Equal(got, tt.want) || page.Total != len(tt.want) || page.NextCursor != "" {
					t.Errorf("Companies(%q) = %q (total %d, next %q), want %q", tt.q, got, page.Total, page.NextCursor, tt.want)
				}
			})
		}
	})
}

func TestContacts(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		ada := &contact.Contact{FirstName: "Ada", LastName: "Lovelace", Email: ptr("ada@acme.example"), Phone: ptr("+48601234567"),
			CompanyID: &acme.ID, Language: "pl"}
		if err := db.CreateContact(ctx, ada); err != nil {
			t.Fatal(err)
		}
		got, err := db.Contact(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Ada" || got.LastName != "Lovelace" || *got.Email != "ada@acme.example" || *got.Phone != "+48601234567" ||
			*got.CompanyID != acme.ID || got.Language != "pl" || got.AccountID != nil || !got.CreatedAt.Equal(clk.Now()) {
			t.Errorf("Contact = %+v", got)
		}
		bare := newContact(t, db, "Bare", "", nil)
		got, err = db.Contact(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != nil || got.Phone != nil || got.CompanyID != nil || got.LastName != "" {
			t.Errorf("contact without optional fields = %+v", got)
		}

		err = db.CreateContact(ctx, &contact.Contact{FirstName: "Ghost", CompanyID: ptr(globex.ID + 1000)})
		wantKind(t, err, apperr.Invalid)

		updated := clk.Add(time.Minute)
		got.LastName, got.Email, got.CompanyID, got.Language = "Contact", ptr("bare@globex.example"), &globex.ID, "sv"
		if err := db.UpdateContact(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := db.Contact(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.LastName != "Contact" || *again.Email != "bare@globex.example" || *again.CompanyID != globex.ID ||
			again.Language != "sv" || !again.UpdatedAt.Equal(updated) || !again.CreatedAt.Equal(bare.CreatedAt) {
			t.Errorf("after update = %+v", again)
		}
		again.CompanyID = nil
		if err := db.UpdateContact(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again, err = db.Contact(ctx, bare.ID); err != nil || again.CompanyID != nil {
			t.Errorf("after removing the company: %+v, %v", again, err)
		}
		again.CompanyID = ptr(globex.ID + 1000)
		wantKind(t, db.UpdateContact(ctx, again), apperr.Invalid)
		wantKind(t, db.UpdateContact(ctx, &contact.Contact{ID: bare.ID + 1000, FirstName: "Ghost"}), apperr.NotFound)
		_, err = db.Contact(ctx, bare.ID+1000)
		wantKind(t, err, apperr.NotFound)

		missing, err := db.MissingContacts(ctx, []int64{ada.ID, bare.ID + 1000, bare.ID, bare.ID + 2000})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{bare.ID + 1000, bare.ID + 2000}; !slices.Equal(missing, want) {
			t.Errorf("MissingContacts = %v, want %v", missing, want)
		}
	})
}

func TestContactsFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		for _, c := range []*contact.Contact{
			{FirstName: "Ada", LastName: "Lovelace", Email: ptr("ada@acme.example"), CompanyID: &acme.ID},
			{FirstName: "Alan", LastName: "Turing", Phone: ptr("+46701234567"), CompanyID: &acme.ID},
			{FirstName: "Grace", LastName: "Hopper", Email: ptr("grace@globex.example"), CompanyID: &globex.ID},
			{FirstName: "Linus", Email: ptr("linus@example.org")},
		} {
			if err := db.CreateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			f    contact.ContactFilter
			want []string
		}{
			{"all", contact.ContactFilter{}, []string{"Ada", "Alan", "Grace", "Linus"}},
			{"company", contact.ContactFilter{CompanyID: acme.ID}, []string{"Ada", "Alan"}},
			{"other company", contact.ContactFilter{CompanyID: globex.ID}, []string{"Grace"}},
			{"full name", contact.ContactFilter{Q: "ada love"}, []string{"Ada"}},
			{"last name, any case", contact.ContactFilter{Q: "HOPPER"}, []string{"Grace"}},
			{"email", contact.ContactFilter{Q: "@globex.example"}, []string{"Grace"}},
			{"phone", contact.ContactFilter{Q: "+4670"}, []string{"Alan"}},
			{"company and q", contact.ContactFilter{CompanyID: acme.ID, Q: "turing"}, []string{"Alan"}},
			{"company and q of another company", contact.ContactFilter{CompanyID: acme.ID, Q: "grace"}, nil},
			{"no match", contact.ContactFilter{Q: "nobody"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := db.Contacts(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, c := range page.Items {
					got = append(got, c.FirstName)
				}
				if !slices.Equal(got, tt.want) || page.Total != len(tt.want) {
					t.Errorf("Contacts(%+v) = %q (total %d), want %q", tt.f, got, page.Total, tt.want)
				}
			})
		}
	})
}

// Customers in Poland and Sweden look people and companies up by name as
// they write them, whatever the case.
func TestSearchNonASCIICase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		newContact(t, db, "Łukasz", "Żółw", nil)
		newContact(t, db, "Åsa", "Öberg", nil)
		newCompany(t, db, "Åhléns AB", nil)
		newCompany(t, db, "Żabka Polska", nil)
		contacts := []struct{ q, want string }{
			{"Łukasz", "Łukasz"},
			{"łukasz", "Łukasz"},
			{"żółw", "Łukasz"},
			{"Åsa", "Åsa"},
			{"åsa öberg", "Åsa"},
			{"ÖBERG", "Åsa"},
		}
		for _, tt := range contacts {
			t.Run("contact "+tt.q, func(t *testing.T) {
				page, err := db.Contacts(ctx, contact.ContactFilter{Q: tt.q})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != 1 || page.Items[0].FirstName != tt.want {
					t.Errorf("Contacts(%q) = %+v, want %s", tt.q, page.Items, tt.want)
				}
			})
		}
		companies := []struct{ q, want string }{
			{"Åhléns", "Åhléns AB"},
			{"åhléns", "Åhléns AB"},
			{"ŻABKA", "Żabka Polska"},
		}
		for _, tt := range companies {
			t.Run("company "+tt.q, func(t *testing.T) {
				page, err := db.Companies(ctx, contact.CompanyFilter{Q: tt.q})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != 1 || page.Items[0].Name != tt.want {
					t.Errorf("Companies(%q) = %+v, want %s", tt.q, page.Items, tt.want)
				}
			})
		}
	})
}

func TestDeleteCompanyKeepsContactsAndTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", ptr("acme.example"))
		other := newCompany(t, db, "Other", nil)
		ada := newContact(t, db, "Ada", "", &acme.ID)
		bob := newContact(t, db, "Bob", "", &other.ID)
		adaTicket := newTicket(t, db, "Printer on fire", ada)
		bobTicket := newTicket(t, db, "Other company's ticket", bob)

		if err := db.DeleteCompany(ctx, acme.ID); err != nil {
			t.Fatal(err)
		}
		c, err := db.Contact(ctx, ada.ID)
		if err != nil {
			t.Fatalf("contact of a deleted company: %v", err)
		}
		if c.CompanyID != nil {
			t.Errorf("contact keeps company %d", *c.CompanyID)
		}
		tk, err := db.Ticket(ctx, adaTicket.ID)
		if err != nil {
			t.Fatalf("ticket of a deleted company: %v", err)
		}
		if tk.CompanyID != nil || tk.Subject != "Printer on fire" || tk.RequesterID != ada.ID {
			t.Errorf("ticket after company deletion = %+v", tk)
		}
		if tk, err := db.Ticket(ctx, bobTicket.ID); err != nil || tk.CompanyID == nil || *tk.CompanyID != other.ID {
			t.Errorf("another company's ticket changed: %+v, %v", tk, err)
		}
		page, err := db.Contacts(ctx, contact.ContactFilter{CompanyID: acme.ID})
		if err != nil || page.Total != 0 {
			t.Errorf("contacts still listed under the deleted company: %+v, %v", page, err)
		}
	})
}

func TestAccessGroups(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		ada := newContact(t, db, "Ada", "", nil)
		bob := newContact(t, db, "Bob", "", nil)
		cy := newContact(t, db, "Cy", "", nil)

		vip := &contact.AccessGroup{Name: "VIP"}
		if err := db.CreateAccessGroup(ctx, vip); err != nil {
			t.Fatal(err)
		}
		beta := &contact.AccessGroup{Name: "Beta testers"}
		if err := db.CreateAccessGroup(ctx, beta); err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.CreateAccessGroup(ctx, &contact.AccessGroup{Name: "VIP"}), apperr.Conflict)

		g, err := db.AccessGroup(ctx, vip.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.Name != "VIP" || g.ContactIDs == nil || len(g.ContactIDs) != 0 {
			t.Errorf("new group = %+v, want no members (an empty list)", g)
		}

		steps := []struct {
			name  string
			add   []int64
			added []int64
			want  []int64
		}{
			{"first members", []int64{bob.ID, ada.ID}, []int64{bob.ID, ada.ID}, []int64{ada.ID, bob.ID}},
			{"again: nothing new", []int64{ada.ID, bob.ID}, nil, []int64{ada.ID, bob.ID}},
			{"one new among old", []int64{ada.ID, cy.ID}, []int64{cy.ID}, []int64{ada.ID, bob.ID, cy.ID}},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				clk.Add(time.Minute)
				added, err := db.AddAccessGroupMembers(ctx, vip.ID, s.add)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(added, s.added) {
					t.Errorf("added = %v, want %v", added, s.added)
				}
				g, err := db.AccessGroup(ctx, vip.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(g.ContactIDs, s.want) || !g.UpdatedAt.Equal(clk.Now()) {
					t.Errorf("group = %+v, want members %v updated at %v", g, s.want, clk.Now())
				}
			})
		}

		_, err = db.AddAccessGroupMembers(ctx, vip.ID, []int64{cy.ID + 1000})
		wantKind(t, err, apperr.Invalid)
		if g, _ := db.AccessGroup(ctx, vip.ID); len(g.ContactIDs) != 3 {
			t.Errorf("a failed add changed the members: %v", g.ContactIDs)
		}

		if err := db.RemoveAccessGroupMember(ctx, vip.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, db.RemoveAccessGroupMember(ctx, vip.ID, bob.ID), apperr.NotFound)
		wantKind(t, db.RemoveAccessGroupMember(ctx, beta.ID, ada.ID), apperr.NotFound)

		all, err := db.AccessGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Name != "Beta testers" || len(all[0].ContactIDs) != 0 ||
			all[1].Name != "VIP" || !slices.Equal(all[1].ContactIDs, []int64{ada.ID, cy.ID}) {
			t.Errorf("AccessGroups = %+v", all)
		}
		_, err = db.AccessGroup(ctx, beta.ID+1000)
		wantKind(t, err, apperr.NotFound)
	})
}
