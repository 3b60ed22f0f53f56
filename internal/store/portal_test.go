package store_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/store"
)

func TestPortalRoundTrip(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		p, err := db.Portal(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		g1 := &contact.AccessGroup{Name: "Partners"}
		g2 := &contact.AccessGroup{Name: "Resellers"}
		for _, g := range []*contact.AccessGroup{g1, g2} {
			if err := db.CreateAccessGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		billing := &pipeline.Inbox{Name: "Billing"}
		if err := db.CreateInbox(ctx, billing); err != nil {
			t.Fatal(err)
		}
		support := supportPipeline(t, db)
		sales := newPipeline(t, db, "Sales", "Lead", "Done")

		updated := clk.Add(time.Hour)
		want := *p
		want.Slug, want.Name, want.Domain, want.Enabled = "help", "Help Centre", ptr("help.example.com"), false
		want.Languages, want.DefaultLanguage, want.DefaultInboxID = []string{"pl", "sv", "zh-CN"}, "pl", billing.ID
		want.TicketPermission, want.AccessMode = portal.PermissionCompany, portal.AccessGroups
		want.AccessGroupIDs = []int64{g1.ID, g2.ID}
		want.ConsentText, want.ConsentCheckboxLabel = "Zgadzam się na przetwarzanie danych — ąęłńóśźż", "Akceptuję"
		want.TicketLabel = map[string]string{"en": "Cases", "pl": "Zgłoszenia", "sv": "Ärenden", "zh-CN": "工单"}
		want.Columns = []string{"id", "subject", "region"}
		want.VisibilityFilters = []portal.Filter{
			{Property: "priority", Op: portal.OpIn, Values: []any{"high", "urgent"}},
			{Property: "score", Op: portal.OpNotIn, Values: []any{float64(1), float64(2.5), true}},
		}
		want.OwnerDisplay, want.ShowCustomStages, want.AllowReplyToClosed, want.AllowCustomerClose = portal.OwnerAlias, true, true, true
		want.CloseStageByPipeline = map[string]int64{
			strconv.FormatInt(support.ID, 10): support.Stages[2].ID,
			strconv.FormatInt(sales.ID, 10):   sales.Stages[1].ID,
		}
		want.FormMenuText = map[string]string{"sv": "Skicka ett ärende"}
		want.FormTitle = map[string]string{"en": "Tell us"}
		want.IdleTimeoutMinutes = 90
		want.Theme = portal.Theme{AccentColor: "#0a7", BackgroundColor: "#fff", TextColor: "#111", LogoURL: "https://cdn.example/logo.svg",
			FaviconURL: "https://cdn.example/fav.ico", CustomCSS: ".x{color:red}", KnowledgeBaseURL: "https://kb.example"}
		want.NavMenu = []portal.NavItem{{Label: "Status", URL: "https://status.example"}, {Label: "Docs", URL: "/docs"}}
		want.SystemPages = map[string]portal.PageText{"login": {"pl": "Zaloguj się do {{portal}}."}}
		want.SSO = portal.SSO{
			JWT: &portal.JWT{Algorithm: "HS256", Secret: portal.Secret{Value: "jwt-shared-secret"}, Issuer: "https://idp.example",
				Audience: "portico", MaxAgeSeconds: 300},
			SAML: &portal.SAML{IdPMetadataURL: "https://idp.example/metadata", NameIDClaim: "email"},
			OIDC: &portal.OIDC{Issuer: "https://accounts.example", ClientID: "portico", ClientSecret: portal.Secret{Value: "oidc-client-secret"}},
		}
		in := want
		if err := db.UpdatePortal(ctx, &in); err != nil {
			t.Fatal(err)
		}
		if !in.UpdatedAt.Equal(updated) {
			t.Errorf("UpdatedAt = %v, want %v", in.UpdatedAt, updated)
		}
		want.UpdatedAt = updated

		got, err := db.Portal(ctx, "help")
		if err != nil {
			t.Fatal(err)
		}
		comparePortal(t, got, &want)
		all, err := db.Portals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Fatalf("%d portals", len(all))
		}
		comparePortal(t, &all[0], &want)
		if got.SSO.JWT.Secret.Value != "jwt-shared-secret" || got.SSO.OIDC.ClientSecret.Value != "oidc-client-secret" {
			t.Errorf("secrets did not survive: %+v %+v", got.SSO.JWT, got.SSO.OIDC)
		}
		_, err = db.Portal(ctx, "support")
		wantKind(t, err, apperr.NotFound)

		// Clearing the link-table settings and SSO clears them.
		got.AccessGroupIDs, got.CloseStageByPipeline, got.SSO, got.Domain = []int64{}, map[string]int64{}, portal.SSO{}, nil
		if err := db.UpdatePortal(ctx, got); err != nil {
			t.Fatal(err)
		}
		cleared, err := db.Portal(ctx, "help")
		if err != nil {
			t.Fatal(err)
		}
		if len(cleared.AccessGroupIDs) != 0 || len(cleared.CloseStageByPipeline) != 0 || cleared.SSO.JWT != nil ||
			cleared.SSO.SAML != nil || cleared.SSO.OIDC != nil || cleared.Domain != nil {
			t.Errorf("after clearing: groups %v, close stages %v, sso %+v, domain %v",
				cleared.AccessGroupIDs, cleared.CloseStageByPipeline, cleared.SSO, cleared.Domain)
		}
	})
}

func comparePortal(t *testing.T, got, want *portal.Settings) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("portal =\n%s\nwant\n%s\nSSO %+v want %+v", g, w, got.SSO, want.SSO)
	}
}

func TestPortalUniqueSlugAndDomain(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *rawDB, _ *clock) {
		ctx := t.Context()
		raw.exec(`INSERT INTO portals (slug, name, domain, default_inbox_id, created_at, updated_at)
			SELECT 'partners', 'Partners', 'partners.example.com', MIN(id), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM inboxes`)
		all, err := db.Portals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Slug != "support" || all[1].Slug != "partners" {
			t.Fatalf("Portals = %+v", all)
		}
		if slug, err := db.MainPortalSlug(ctx); err != nil || slug != "support" {
			t.Errorf("MainPortalSlug = %q, %v", slug, err)
		}

		tests := []struct {
			name  string
			edit  func(p *portal.Settings)
			field string
		}{
			{"slug taken", func(p *portal.Settings) { p.Slug = "partners" }, "slug"},
			{"domain taken", func(p *portal.Settings) { p.Domain = ptr("partners.example.com") }, "domain"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := db.Portal(ctx, "support")
				if err != nil {
					t.Fatal(err)
				}
				p.Name = "Changed"
				tt.edit(p)
				err = db.UpdatePortal(ctx, p)
				wantKind(t, err, apperr.Invalid)
				if f := apperr.As(err).Fields; f[tt.field] == "" {
					t.Errorf("problem fields = %v, want %s", f, tt.field)
				}
				after, err := db.Portal(ctx, "support")
				if err != nil || after.Name != "Support" {
					t.Errorf("a refused update changed the portal: %+v, %v", after, err)
				}
			})
		}

		gone := all[1]
		gone.ID += 1000
		gone.Slug = "ghost"
		wantKind(t, db.UpdatePortal(ctx, &gone), apperr.NotFound)
	})
}

func TestReferences(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, _ *clock) {
		ctx := t.Context()
		g := &contact.AccessGroup{Name: "Partners"}
		if err := db.CreateAccessGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		sales := newPipeline(t, db, "Sales", "Lead", "Done")
		r, err := db.References(ctx)
		if err != nil {
			t.Fatal(err)
		}
		support := supportPipeline(t, db)
		if !r.AccessGroups[g.ID] || len(r.Inboxes) != 1 || len(r.Forms) != 0 {
			t.Errorf("references: groups %v inboxes %v forms %v", r.AccessGroups, r.Inboxes, r.Forms)
		}
		if r.StagesByPipeline[sales.ID][sales.Stages[1].ID] != pipeline.Closed || len(r.StagesByPipeline[support.ID]) != 4 {
			t.Errorf("stages by pipeline = %v", r.StagesByPipeline)
		}
		if visible, ok := r.Properties["inbox"]; !ok || visible {
			t.Errorf("inbox property: known %v, portal-visible %v; want known and hidden", ok, visible)
		}
	})
}
