package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"portico/internal/apperr"
	"portico/internal/contact"
)

// Service holds the rules for portal settings.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(s Store) *Service { return &Service{store: s} }

// Portals lists every portal.
func (s *Service) Portals(ctx context.Context) ([]Settings, error) { return s.store.Portals(ctx) }

// Portal returns one portal's settings.
func (s *Service) Portal(ctx context.Context, slug string) (*Settings, error) {
	return s.store.Portal(ctx, slug)
}

// settingKeys are the keys a PATCH may carry.
var settingKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range jsonKeys(Settings{}) {
		m[k] = true
	}
	delete(m, "id")
	delete(m, "created_at")
	delete(m, "updated_at")
	return m
}()

// Update applies a JSON object holding any subset of the settings. Unknown
// keys and bad values are reported together as field problems; nothing is
// changed unless everything is valid.
func (s *Service) Update(ctx context.Context, slug string, patch []byte) (*Settings, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(patch, &raw); err != nil || raw == nil {
		return nil, apperr.E(apperr.Malformed, "malformed_json", "the body must be a JSON object")
	}
	var out *Settings
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Portal(ctx, slug)
		if err != nil {
			return err
		}
		next := *cur
		v := apperr.Validation{}
		for _, k := range sortedKeys(raw) {
			switch {
			case !settingKeys[k]:
				v.Add(k, "unknown setting")
			case bytes.Contains(raw[k], []byte(`\u0000`)):
				v.Add(k, "must not contain NUL characters")
			default:
				if err := decodeSetting(&next, k, raw[k]); err != nil {
					v.Add(k, err.Error())
				}
			}
		}
		keepSecrets(&next.SSO, &cur.SSO)
		refs, err := s.store.References(ctx)
		if err != nil {
			return err
		}
		// Settings that could not be read keep their current value, so the
		// check below reports only the other settings' problems.
		if e := apperr.As(Validate(&next, refs)); e != nil {
			for field, problem := range e.Fields {
				v.Add(field, problem)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.store.UpdatePortal(ctx, &next); err != nil {
			return err
		}
		out = &next
		return nil
	})
	return out, err
}

// decodeSetting decodes one top-level key into the same field of p,
// refusing unknown nested keys.
func decodeSetting(p *Settings, key string, raw json.RawMessage) error {
	// Decode {key: value} into a fresh Settings, then copy the one field:
	// this reuses the struct's own JSON names and types.
	var fresh Settings
	doc := append(append([]byte(`{"`+key+`":`), raw...), '}')
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fresh); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Type != nil:
			return fmt.Errorf("must be %s", typeName(te.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errors.New(strings.TrimPrefix(err.Error(), "json: "))
		}
		return errors.New("has the wrong type")
	}
	copyField(p, &fresh, key)
	return nil
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "float64":
		return "a number"
	case "slice":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}

// keepSecrets restores stored secrets the client asked to keep.
func keepSecrets(next, cur *SSO) {
	if next.JWT != nil && next.JWT.Secret.Kept() {
		next.JWT.Secret = Secret{}
		if cur.JWT != nil {
			next.JWT.Secret = cur.JWT.Secret
		}
	}
	if next.OIDC != nil && next.OIDC.ClientSecret.Kept() {
		next.OIDC.ClientSecret = Secret{}
		if cur.OIDC != nil {
			next.OIDC.ClientSecret = cur.OIDC.ClientSecret
		}
	}
}

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	hostPattern  = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ReservedSlugs are paths the server uses itself.
var ReservedSlugs = []string{"api", "desk", "static", "healthz", "readyz", "metrics", "favicon.ico", "robots.txt"}

// SystemPages are the pages an admin may re-template (SPEC P23), each with a
// text per language that replaces the page's own introduction. The text is
// plain: pages escape it, so HTML in it shows as written. A blank line
// starts a paragraph; **bold** and [a link](https://…) are the only markup;
// {{portal}} stands for the portal's name and {{tickets}} for its name for
// tickets.
var SystemPages = []string{"login", "register", "logout", "access_denied", "password_reset", "unavailable"}

// MaxPageText is the longest text of a system page, in characters.
const MaxPageText = 10000

// Validate checks every setting of p against the rest of the installation.
func Validate(p *Settings, refs *References) error {
	v := apperr.Validation{}
	if !slugPattern.MatchString(p.Slug) || slices.Contains(ReservedSlugs, p.Slug) {
		v.Add("slug", "must be lower-case letters, digits and dashes, and not a reserved path")
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
	if p.Domain != nil {
		d := strings.ToLower(strings.TrimSpace(*p.Domain))
		if d == "" {
			p.Domain = nil
		} else if !hostPattern.MatchString(d) {
			v.Add("domain", "must be a host name like help.example.com")
		} else {
			p.Domain = &d
		}
	}
	if len(p.Languages) == 0 {
		v.Add("languages", "must offer at least one language")
	}
	for i, l := range p.Languages {
		if !contact.ValidLanguage(l) || slices.Index(p.Languages, l) != i {
			v.Add("languages", "must be distinct languages among en, zh-CN, pl, sv")
		}
	}
	if !slices.Contains(p.Languages, p.DefaultLanguage) {
		v.Add("default_language", "must be one of the portal's languages")
	}
	if !refs.Inboxes[p.DefaultInboxID] {
		v.Add("default_inbox_id", "no such inbox")
	}
	if p.TicketPermission != PermissionOwn && p.TicketPermission != PermissionCompany {
		v.Add("ticket_permission", "must be own or company")
	}
	switch p.AccessMode {
	case AccessSelfRegistration, AccessGroups, AccessSSOAll, AccessSSOGroups:
	default:
		v.Add("access_mode", "must be self_registration, access_groups, sso_all or sso_groups")
	}
	if p.AccessGroupIDs == nil {
		p.AccessGroupIDs = []int64{}
	}
	for _, id := range p.AccessGroupIDs {
		if !refs.AccessGroups[id] {
			v.Add("access_group_ids", "no such access group: "+strconv.FormatInt(id, 10))
		}
	}
	if (p.AccessMode == AccessGroups || p.AccessMode == AccessSSOGroups) && len(p.AccessGroupIDs) == 0 {
		v.Add("access_group_ids", "choose at least one group for this access mode")
	}
	checkText(v, "consent_text", p.ConsentText, 5000)
	checkText(v, "consent_checkbox_label", p.ConsentCheckboxLabel, 500)
	checkLangMap(v, "ticket_label", p.TicketLabel, 40)
	checkLangMap(v, "form_menu_text", p.FormMenuText, 60)
	checkLangMap(v, "form_title", p.FormTitle, 200)
	if len(p.Columns) == 0 || len(p.Columns) > 10 {
		v.Add("columns", "choose 1 to 10 columns")
	}
	for i, c := range p.Columns {
		if visible, ok := refs.Properties[c]; !ok || !visible {
			v.Add("columns", "not a property the portal may show: "+c)
		} else if slices.Index(p.Columns, c) != i {
			v.Add("columns", "listed twice: "+c)
		}
	}
	if p.VisibilityFilters == nil {
		p.VisibilityFilters = []Filter{}
	}
	if len(p.VisibilityFilters) > 20 {
		v.Add("visibility_filters", "at most 20 filters")
	}
	for i, f := range p.VisibilityFilters {
		field := "visibility_filters." + strconv.Itoa(i)
		if _, ok := refs.Properties[f.Property]; !ok && !filterOnly[f.Property] {
			v.Add(field+".property", "no such property")
		}
		if f.Op != OpIn && f.Op != OpNotIn {
			v.Add(field+".op", "must be in or not_in")
		}
		if len(f.Values) == 0 || len(f.Values) > 100 {
			v.Add(field+".values", "give 1 to 100 values")
		}
		for _, x := range f.Values {
			switch x.(type) {
			case string, float64, bool:
			default:
				v.Add(field+".values", "values must be strings, numbers or booleans")
			}
		}
	}
	switch p.OwnerDisplay {
	case OwnerFirstName, OwnerFullName, OwnerLastName, OwnerAlias:
	default:
		v.Add("owner_display", "must be first_name, full_name, last_name or alias")
	}
	if p.CloseStageByPipeline == nil {
		p.CloseStageByPipeline = map[string]int64{}
	}
	for k, stage := range p.CloseStageByPipeline {
		pid, err := strconv.ParseInt(k, 10, 64)
		stages, ok := refs.StagesByPipeline[pid]
		switch {
		case err != nil || !ok:
			v.Add("close_stage_by_pipeline."+k, "no such pipeline")
		case stages[stage] == "":
			v.Add("close_stage_by_pipeline."+k, "not a stage of this pipeline")
		case stages[stage] != "closed":
			v.Add("close_stage_by_pipeline."+k, "must be a closed stage")
		}
	}
	if p.SupportFormID != nil && !refs.Forms[*p.SupportFormID] {
		v.Add("support_form_id", "no such form")
	}
	if p.IdleTimeoutMinutes < 5 || p.IdleTimeoutMinutes > 24*60 {
		v.Add("idle_timeout_minutes", "must be between 5 and 1440")
	}
	checkTheme(v, &p.Theme)
	if p.NavMenu == nil {
		p.NavMenu = []NavItem{}
	}
	if len(p.NavMenu) > 10 {
		v.Add("nav_menu", "at most 10 links")
	}
	for i, item := range p.NavMenu {
		field := "nav_menu." + strconv.Itoa(i)
		if strings.TrimSpace(item.Label) == "" || utf8.RuneCountInString(item.Label) > 50 {
			v.Add(field+".label", "must be 1 to 50 characters")
		}
		if !SafeURL(item.URL) {
			v.Add(field+".url", "must be an http(s) URL or a path starting with /")
		}
	}
	// Blank texts are dropped, so that a page without text shows its own.
	pages := map[string]PageText{}
	for k, texts := range p.SystemPages {
		if !slices.Contains(SystemPages, k) {
			v.Add("system_pages."+k, "no such page; pages are "+strings.Join(SystemPages, ", "))
			continue
		}
		kept := PageText{}
		for lang, text := range texts {
			if strings.TrimSpace(text) != "" {
				kept[lang] = text
			}
		}
		checkLangMap(v, "system_pages."+k, kept, MaxPageText)
		if len(kept) > 0 {
			pages[k] = kept
		}
	}
	p.SystemPages = pages
	checkSSO(v, &p.SSO)
	return v.Err()
}

// filterOnly are ticket fields a visibility filter may use that are not
// list columns.
var filterOnly = map[string]bool{"pipeline_id": true, "stage_id": true, "inbox_id": true, "priority": true, "source": true}

func checkText(v apperr.Validation, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

func checkLangMap(v apperr.Validation, field string, m map[string]string, max int) {
	for lang, s := range m {
		if !contact.ValidLanguage(lang) {
			v.Add(field+"."+lang, "not a supported language")
		} else if utf8.RuneCountInString(s) > max {
			v.Add(field+"."+lang, fmt.Sprintf("must be at most %d characters", max))
		}
	}
}

// SafeURL admits absolute http(s) URLs and site-relative paths: what an
// admin may link to from the portal.
func SafeURL(s string) bool {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\") {
		return len(s) <= 2000
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2000
}

func checkTheme(v apperr.Validation, t *Theme) {
	for field, c := range map[string]string{"theme.accent_color": t.AccentColor, "theme.background_color": t.BackgroundColor, "theme.text_color": t.TextColor} {
		if c != "" && !colorPattern.MatchString(c) {
			v.Add(field, "must be a colour like #1a73e8")
		}
	}
	for field, u := range map[string]string{"theme.logo_url": t.LogoURL, "theme.favicon_url": t.FaviconURL, "theme.knowledge_base_url": t.KnowledgeBaseURL} {
		if u != "" && !SafeURL(u) {
			v.Add(field, "must be an http(s) URL or a path starting with /")
		}
	}
	t.CustomCSS = SanitizeCSS(t.CustomCSS)
	checkText(v, "theme.custom_css", t.CustomCSS, 65536)
}

func checkSSO(v apperr.Validation, s *SSO) {
	if j := s.JWT; j != nil {
		switch j.Algorithm {
		case "HS256":
			if len(j.Secret.Value) < 32 {
				v.Add("sso.jwt.secret", "an HS256 secret must be at least 32 characters")
			}
		case "RS256", "EdDSA":
			if j.PublicKey == "" && j.JWKSURL == "" {
				v.Add("sso.jwt.public_key", "give a PEM public key or a JWKS URL")
			}
			if j.JWKSURL != "" && !strings.HasPrefix(j.JWKSURL, "https://") && !strings.HasPrefix(j.JWKSURL, "http://") {
				v.Add("sso.jwt.jwks_url", "must be an http(s) URL")
			}
		default:
			v.Add("sso.jwt.algorithm", "must be HS256, RS256 or EdDSA")
		}
		if j.MaxAgeSeconds < 0 || j.MaxAgeSeconds > 86400 {
			v.Add("sso.jwt.max_age_seconds", "must be between 0 and 86400")
		}
	}
	if m := s.SAML; m != nil {
		if m.IdPMetadataXML == "" && m.IdPMetadataURL == "" {
			v.Add("sso.saml.idp_metadata_xml", "give the identity provider's metadata or its URL")
		}
		checkText(v, "sso.saml.idp_metadata_xml", m.IdPMetadataXML, 1<<20)
		if m.IdPMetadataURL != "" && !strings.HasPrefix(m.IdPMetadataURL, "https://") && !strings.HasPrefix(m.IdPMetadataURL, "http://") {
			v.Add("sso.saml.idp_metadata_url", "must be an http(s) URL")
		}
	}
	if o := s.OIDC; o != nil {
		if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Add("sso.oidc.issuer", "must be the provider's issuer URL")
		}
		if o.ClientID == "" {
			v.Add("sso.oidc.client_id", "is required")
		}
	}
	checkSSOKeys(v, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
