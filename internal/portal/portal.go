// Package portal holds a customer portal's settings (SPEC A8) and the rules
// that check them.
package portal

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"time"
)

// Ticket permissions (SPEC I5).
const (
	PermissionOwn     = "own"
	PermissionCompany = "company"
)

// Access modes (SPEC I1, I2, I4).
const (
	AccessSelfRegistration = "self_registration"
	AccessGroups           = "access_groups"
	AccessSSOAll           = "sso_all"
	AccessSSOGroups        = "sso_groups"
)

// Owner display forms (SPEC P11).
const (
	OwnerFirstName = "first_name"
	OwnerFullName  = "full_name"
	OwnerLastName  = "last_name"
	OwnerAlias     = "alias"
)

// RecommendedColumns are the list columns of a new portal (SPEC P9).
var RecommendedColumns = []string{"id", "subject", "requester", "created_at", "owner", "last_activity_at", "status"}

// Settings is everything an admin sets for one portal.
type Settings struct {
	ID                   int64               `json:"id"`
	Slug                 string              `json:"slug"`
	Name                 string              `json:"name"`
	Domain               *string             `json:"domain"`
	Enabled              bool                `json:"enabled"`
	Languages            []string            `json:"languages"`
	DefaultLanguage      string              `json:"default_language"`
	DefaultInboxID       int64               `json:"default_inbox_id"`
	TicketPermission     string              `json:"ticket_permission"`
	AccessMode           string              `json:"access_mode"`
	AccessGroupIDs       []int64             `json:"access_group_ids"`
	ConsentText          string              `json:"consent_text"`
	ConsentCheckboxLabel string              `json:"consent_checkbox_label"`
	TicketLabel          map[string]string   `json:"ticket_label"`
	Columns              []string            `json:"columns"`
	VisibilityFilters    []Filter            `json:"visibility_filters"`
	OwnerDisplay         string              `json:"owner_display"`
	ShowCustomStages     bool                `json:"show_custom_stages"`
	AllowReplyToClosed   bool                `json:"allow_reply_to_closed"`
	AllowCustomerClose   bool                `json:"allow_customer_close"`
	CloseStageByPipeline map[string]int64    `json:"close_stage_by_pipeline"`
	SupportFormID        *int64              `json:"support_form_id"`
	FormMenuText         map[string]string   `json:"form_menu_text"`
	FormTitle            map[string]string   `json:"form_title"`
	IdleTimeoutMinutes   int                 `json:"idle_timeout_minutes"`
	Theme                Theme               `json:"theme"`
	NavMenu              []NavItem           `json:"nav_menu"`
	SystemPages          map[string]PageText `json:"system_pages"`
	SSO                  SSO                 `json:"sso"`
	CreatedAt            time.Time           `json:"created_at"`
	UpdatedAt            time.Time           `json:"updated_at"`
}

// Filter admits to the portal only tickets whose property matches (SPEC I6).
type Filter struct {
	Property string `json:"property"`
	Op       string `json:"op"`
	Values   []any  `json:"values"`
}

// Filter operators.
const (
	OpIn    = "in"
	OpNotIn = "not_in"
)

// Theme is the portal's look (SPEC P21).
type Theme struct {
	AccentColor      string `json:"accent_color,omitempty"`
	BackgroundColor  string `json:"background_color,omitempty"`
	TextColor        string `json:"text_color,omitempty"`
	LogoURL          string `json:"logo_url,omitempty"`
	FaviconURL       string `json:"favicon_url,omitempty"`
	CustomCSS        string `json:"custom_css,omitempty"`
	KnowledgeBaseURL string `json:"knowledge_base_url,omitempty"`
}

// PageText is an admin's text for one system page (SPEC P23), by language.
// It is plain text with a little markup (see SystemPages); pages escape it.
type PageText map[string]string

// UnmarshalJSON takes an object of texts by language, or one string, which
// is the text in every language (it is kept as the English text, which
// other languages fall back to).
func (t *PageText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = PageText{"en": s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return &json.UnmarshalTypeError{Value: "system page", Type: reflect.TypeOf(m)}
	}
	*t = m
	return nil
}

// NavItem is a link in the portal's navigation menu.
type NavItem struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// SSO configures single sign-on (SPEC I4).
type SSO struct {
	JWT  *JWT  `json:"jwt,omitempty"`
	SAML *SAML `json:"saml,omitempty"`
	OIDC *OIDC `json:"oidc,omitempty"`
	// HidePasswordForm shows the sign-in page with the SSO buttons only.
	HidePasswordForm bool `json:"hide_password_form,omitempty"`
}

// JWT configures sign-in with a signed token.
type JWT struct {
	Algorithm     string `json:"algorithm"`
	Secret        Secret `json:"secret"`
	PublicKey     string `json:"public_key,omitempty"`
	JWKSURL       string `json:"jwks_url,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	Audience      string `json:"audience,omitempty"`
	MaxAgeSeconds int    `json:"max_age_seconds,omitempty"`
	// SubjectClaim is the claim that identifies the person: "sub" (the
	// default) or "email".
	SubjectClaim string `json:"subject_claim,omitempty"`
	// LoginURL is the company's page that signs a customer in and sends
	// the token back; the sign-in page links to it.
	LoginURL string `json:"login_url,omitempty"`
}

// SAML configures a SAML 2.0 identity provider.
type SAML struct {
	IdPMetadataXML string `json:"idp_metadata_xml,omitempty"`
	IdPMetadataURL string `json:"idp_metadata_url,omitempty"`
	NameIDClaim    string `json:"name_id_claim,omitempty"`
}

// OIDC configures an OpenID Connect provider.
type OIDC struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret Secret `json:"client_secret"`
}

// Secret is a write-only value: it is stored and used, but shown only as
// {"set": true}. Reading {"set": …} back in keeps the stored value.
type Secret struct {
	Value string
	// keep marks a {"set": …} object read from a client: no change.
	keep bool
}

// MarshalJSON shows whether the secret is set, never its value.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]bool{"set": s.Value != ""})
}

// UnmarshalJSON takes a new value as a string, null to clear it, or the
// {"set": …} object GET returns to leave it as it is.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Secret{}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err == nil {
		*s = Secret{Value: v}
		return nil
	}
	var obj struct {
		Set *bool `json:"set"`
	}
	if err := json.Unmarshal(b, &obj); err != nil || obj.Set == nil {
		return &json.UnmarshalTypeError{Value: "secret", Type: nil}
	}
	*s = Secret{keep: true}
	return nil
}

// Kept reports whether the client sent {"set": …}, asking to keep the
// stored value.
func (s Secret) Kept() bool { return s.keep }

// storedSSO mirrors SSO with secrets in clear, as the server must use them.
// The database is the trust boundary for these values.
type storedSSO struct {
	JWT *struct {
		JWT
		Secret string `json:"secret"`
	} `json:"jwt,omitempty"`
	SAML *SAML `json:"saml,omitempty"`
	OIDC *struct {
		OIDC
		ClientSecret string `json:"client_secret"`
	} `json:"oidc,omitempty"`
	HidePasswordForm bool `json:"hide_password_form,omitempty"`
}

// EncodeSSO is the stored form of s, secrets included.
func EncodeSSO(s SSO) ([]byte, error) {
	var out storedSSO
	if s.JWT != nil {
		out.JWT = &struct {
			JWT
			Secret string `json:"secret"`
		}{*s.JWT, s.JWT.Secret.Value}
	}
	out.SAML, out.HidePasswordForm = s.SAML, s.HidePasswordForm
	if s.OIDC != nil {
		out.OIDC = &struct {
			OIDC
			ClientSecret string `json:"client_secret"`
		}{*s.OIDC, s.OIDC.ClientSecret.Value}
	}
	return json.Marshal(out)
}

// DecodeSSO reads what EncodeSSO wrote.
func DecodeSSO(b []byte) (SSO, error) {
	var in storedSSO
	if err := json.Unmarshal(b, &in); err != nil {
		return SSO{}, err
	}
	out := SSO{SAML: in.SAML, HidePasswordForm: in.HidePasswordForm}
	if in.JWT != nil {
		j := in.JWT.JWT
		j.Secret = Secret{Value: in.JWT.Secret}
		out.JWT = &j
	}
	if in.OIDC != nil {
		o := in.OIDC.OIDC
		o.ClientSecret = Secret{Value: in.OIDC.ClientSecret}
		out.OIDC = &o
	}
	return out, nil
}

// GroupsOnly reports whether only contacts in the portal's access groups may
// use it (SPEC I2, I4).
func (p *Settings) GroupsOnly() bool {
	return p.AccessMode == AccessGroups || p.AccessMode == AccessSSOGroups
}

// InvitedGroups are the access groups whose members the portal invites to
// set a password (SPEC I2): its groups while it is on and in the
// access_groups mode, and none otherwise.
func (p *Settings) InvitedGroups() []int64 {
	if !p.Enabled || p.AccessMode != AccessGroups {
		return nil
	}
	return p.AccessGroupIDs
}

// Invites reports whether the portal invites the members of group.
func (p *Settings) Invites(group int64) bool {
	return slices.Contains(p.InvitedGroups(), group)
}

// Label returns the text of a per-language map in lang, falling back to
// English and then to def.
func Label(m map[string]string, lang, def string) string {
	if s := m[lang]; s != "" {
		return s
	}
	if s := m["en"]; s != "" {
		return s
	}
	return def
}

// Store is what the service needs from storage.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Portals(ctx context.Context) ([]Settings, error)
	Portal(ctx context.Context, slug string) (*Settings, error)
	UpdatePortal(ctx context.Context, p *Settings) error
	// References reports which of the given ids exist, for validation.
	References(ctx context.Context) (*References, error)
	// RenameAccessGroup changes the name of a group portals admit.
	RenameAccessGroup(ctx context.Context, id int64, name string) error
}

// References are the things settings point at, for validation.
type References struct {
	Inboxes      map[int64]bool
	AccessGroups map[int64]bool
	Forms        map[int64]bool
	// StagesByPipeline maps a pipeline to its stages' states.
	StagesByPipeline map[int64]map[int64]string
	// Properties maps property names to whether the portal may show them.
	Properties map[string]bool
}
