package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"portico/internal/portal"
	"portico/internal/web/i18n"
)

//go:embed templates/*.html
var pageTemplateFS embed.FS

//go:embed static
var pageStaticFS embed.FS

// pageNames are the page templates; each is parsed with the layout and the
// shared partials.
var pageNames = []string{"login", "logout", "dashboard", "tickets", "ticket", "new", "profile", "error"}

// pageFuncs are the helpers templates may call besides the page data's
// methods.
var pageFuncs = template.FuncMap{
	// initial is the first letter of a name, for an avatar.
	"initial": func(name string) string {
		for _, r := range strings.TrimSpace(name) {
			return strings.ToUpper(string(r))
		}
		return "?"
	},
	// stars are the scores of a rating.
	"stars": func() []int { return []int{1, 2, 3, 4, 5} },
	// dict builds a map from key, value pairs, to hand a partial more
	// than one value.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// loadPages parses every page once; a missing or broken template fails here
// rather than on the first visitor.
var loadPages = sync.OnceValues(func() (map[string]*template.Template, error) {
	return parsePages(pageFuncs, "templates/layout.html", pageNames)
})

// parsePages parses each named page template with layout and the shared
// partials; every page must define "content".
func parsePages(funcs template.FuncMap, layout string, names []string) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(pageTemplateFS, layout, "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	out := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(pageTemplateFS, "templates/"+name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no content", name)
		}
		out[name] = t
	}
	return out, nil
}

// pageData is what every page template receives: the header's parts, the
// language and the page's own data in Page.
type pageData struct {
	v   *visitor
	loc *i18n.Localizer
	now time.Time

	Title  string
	Nav    string // the navigation item to mark as current
	Notice string // a confirmation, e.g. after a form post
	Error  string // a problem with the whole form or page
	Page   any
	Header pageHeader
	// Canonical is the address of a page re-shown after a failed post, so
	// that htmx does not put the post's address in the history.
	Canonical string
}

// T translates id; kv are the message's values as name, value pairs.
func (d *pageData) T(id string, kv ...any) string {
	return d.loc.T(id, pageKV(kv))
}

// N translates the counted message id.
func (d *pageData) N(id string, count int, kv ...any) string {
	return d.loc.N(id, count, pageKV(kv))
}

func pageKV(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// Lang is the page's language tag.
func (d *pageData) Lang() string { return d.loc.Lang() }

// Number formats n in the page's language.
func (d *pageData) Number(n int) string { return d.loc.Number(int64(n)) }

// Date formats a calendar date in the page's language.
func (d *pageData) Date(t time.Time) string { return d.loc.Date(t, time.UTC) }

// DateTime formats an exact time in the page's language.
func (d *pageData) DateTime(t time.Time) string { return d.loc.DateTime(t, time.UTC) + " UTC" }

// SubmitLabel is the portal's name for "Submit a ticket" (SPEC P18).
func (d *pageData) SubmitLabel() string {
	if d.v == nil {
		return d.loc.T("nav.submit")
	}
	return portal.Label(d.v.portal.FormMenuText, d.loc.Lang(), d.loc.T("nav.submit"))
}

// pageTime is a moment as pages show it: relative, with the exact time on
// hover and machine-readable for the <time> element.
type pageTime struct {
	ISO, Rel, Exact string
}

// When presents t for the time partial; a zero t shows nothing.
func (d *pageData) When(t time.Time) pageTime {
	if t.IsZero() {
		return pageTime{}
	}
	return pageTime{ISO: t.UTC().Format(time.RFC3339), Rel: d.loc.Relative(t, d.now.UTC()), Exact: d.loc.DateTime(t, time.UTC) + " UTC"}
}

// WhenPtr is When for an optional time.
func (d *pageData) WhenPtr(t *time.Time) pageTime {
	if t == nil {
		return pageTime{}
	}
	return d.When(*t)
}

// Asset is the cache-busting address of a static file.
func (d *pageData) Asset(name string) string { return pageAssetURL(name) }

// Path is an address inside the portal: Path("tickets", 5) is
// "/support/tickets/5".
func (d *pageData) Path(parts ...any) string {
	p := "/" + d.Header.Slug + "/"
	for i, x := range parts {
		if i > 0 {
			p += "/"
		}
		p += fmt.Sprint(x)
	}
	return p
}

// pageHeader is the portal's header: brand, navigation, language picker,
// identity switcher and account menu.
type pageHeader struct {
	Slug, PortalName string
	LogoURL, Favicon string
	ThemeURL         string
	Nav              []pageNavLink
	Languages        []pageLangChoice
	Here             string // this page, for the language picker to return to
	SignedIn         bool
	AccountName      string
	AvatarURL        string // the account's picture, or "" for its initial
	ActingAs         string
	ActingCompany    string
	Identities       []pageIdentity
	HasPortal        bool
	// Off is set on the page of a portal switched off: it offers nothing
	// to go to.
	Off                bool
	KnowledgeBaseLabel string
}

type pageNavLink struct {
	Key, Label, URL string
	Current         bool
	External        bool
}

type pageLangChoice struct {
	Code, Name string
	Current    bool
}

type pageIdentity struct {
	ContactID     int64
	Name, Company string
	Active        bool
}

// pageBuildHeader fills in the header for v's portal; v may be nil on the error
// page of an unknown portal.
func pageBuildHeader(r *http.Request, v *visitor, loc *i18n.Localizer, current string) pageHeader {
	h := pageHeader{Favicon: pageAssetURL("favicon.svg")}
	if v == nil {
		return h
	}
	p := v.portal
	h.HasPortal = true
	h.Off = !p.Enabled && !v.preview
	h.Slug, h.PortalName = p.Slug, p.Name
	h.ThemeURL = "/" + p.Slug + "/theme.css?v=" + pageHash([]byte(pageThemeStylesheet(p.Theme)))
	h.LogoURL = p.Theme.LogoURL
	if p.Theme.FaviconURL != "" {
		h.Favicon = p.Theme.FaviconURL
	}
	h.Here = pageSafeNext(p.Slug, r.URL.RequestURI())
	if r.Method != http.MethodGet {
		h.Here = ""
	}
	langs := p.Languages
	if len(langs) == 0 {
		langs = i18n.Languages
	}
	for _, code := range langs {
		h.Languages = append(h.Languages, pageLangChoice{Code: code, Name: i18n.Name(code), Current: code == loc.Lang()})
	}
	base := "/" + p.Slug + "/"
	if v.signedIn() {
		h.SignedIn = true
		h.Nav = append(h.Nav,
			pageNavLink{Key: "home", Label: loc.T("nav.home"), URL: base},
			pageNavLink{Key: "tickets", Label: loc.T("nav.tickets"), URL: base + "tickets"},
			pageNavLink{Key: "new", Label: portal.Label(p.FormMenuText, loc.Lang(), loc.T("nav.submit")), URL: base + "tickets/new"})
		h.AccountName, h.AvatarURL = v.account.DisplayName, avatarURL(v)
		if h.AccountName == "" {
			h.AccountName = v.identity.Name
		}
		h.ActingAs, h.ActingCompany = v.identity.Name, v.identity.Company
		if len(v.account.Identities) > 1 {
			for _, id := range v.account.Identities {
				h.Identities = append(h.Identities, pageIdentity{ContactID: id.ContactID, Name: id.Name, Company: id.Company,
					Active: id.ContactID == v.identity.ContactID})
			}
		}
	}
	if p.Theme.KnowledgeBaseURL != "" {
		h.Nav = append(h.Nav, pageNavLink{Key: "kb", Label: loc.T("nav.knowledge_base"), URL: p.Theme.KnowledgeBaseURL, External: pageExternal(p.Theme.KnowledgeBaseURL)})
	}
	for _, item := range p.NavMenu {
		h.Nav = append(h.Nav, pageNavLink{Key: "custom", Label: item.Label, URL: item.URL, External: pageExternal(item.URL)})
	}
	for i := range h.Nav {
		h.Nav[i].Current = h.Nav[i].Key == current
	}
	return h
}

func pageExternal(u string) bool { return !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") }

// renderPage writes the page name with d at status. The page is rendered into
// memory first, so that a template failure becomes an error page rather
// than half a page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, d *pageData) {
	if d.loc == nil && d.v != nil {
		d.loc = d.v.loc
	}
	if d.loc == nil {
		d.loc = s.pageErrorLocalizer(r)
	}
	d.now = time.Now()
	d.Header = pageBuildHeader(r, d.v, d.loc, d.Nav)
	pages, err := loadPages()
	if err != nil {
		http.Error(w, "templates are broken", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.logger(r).Error("render page", "page", name, "err", err)
		if name != "error" {
			s.renderPageError(w, r, d.v, err)
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A form re-shown after a post: keep the post's address out of
		// the history that htmx writes.
		if d.Canonical != "" {
			h.Set("HX-Push-Url", d.Canonical)
		} else {
			h.Set("HX-Push-Url", "false")
		}
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageAsset is an embedded static file.
type pageAsset struct {
	body  []byte
	hash  string
	ctype string
}

// pageAssets reads the static files and their content hashes once.
var pageAssets = sync.OnceValue(func() map[string]*pageAsset {
	out := map[string]*pageAsset{}
	fs.WalkDir(pageStaticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := pageStaticFS.ReadFile(p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[strings.TrimPrefix(p, "static/")] = &pageAsset{body: b, hash: pageHash(b), ctype: ct}
		return nil
	})
	return out
})

func pageHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// pageAssetURL is the address of a static file with its content hash, so that
// it may be cached for a year and still change with a new build.
func pageAssetURL(name string) string {
	if a, ok := pageAssets()[name]; ok {
		return "/static/" + name + "?v=" + a.hash
	}
	return "/static/" + name
}

// pageServeStatic serves the embedded static files.
func pageServeStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := pageAssets()[r.PathValue("path")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
