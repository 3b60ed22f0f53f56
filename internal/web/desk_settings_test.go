package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portico/internal/store/storetest"
)

// deskPassword is the password newAgent gives every agent.
const deskPassword = "correct horse"

// settingsAdmin is a browser signed in at the desk as the test admin.
func (e *testEnv) settingsAdmin(t *testing.T) *pageBrowser {
	t.Helper()
	b := e.browser()
	b.deskSignIn(t, "admin@portico.test", deskPassword)
	return b
}

// saved requires a post to succeed: a redirect to a page that says so.
func (b *pageBrowser) saved(t *testing.T, path string, form url.Values) *page {
	t.Helper()
	p := b.post(path, form)
	if p.Code != http.StatusSeeOther {
		t.Fatalf("POST %s = %d, want 303: %s", path, p.Code, excerpt(settingsMain(p.Body)))
	}
	next := b.get(p.Header.Get("Location")).want(t, http.StatusOK).strict(t, path)
	next.has(t, en(t).T("settings.saved"))
	return next
}

// settingsMain is the main part of a page, for failure messages.
func settingsMain(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		return body[i:]
	}
	return body
}

// settingsState is everything the settings pages can change, as the API
// shows it.
func (e *testEnv) settingsState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{"/api/v1/portals", "/api/v1/pipelines", "/api/v1/properties", "/api/v1/access-groups", "/api/v1/forms"} {
		r := e.call("GET", p+"?limit=100", nil)
		if r.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", p, r.Code)
		}
		b.Write(r.Body)
	}
	return b.String()
}

func TestSettingsRefuseAllButAdmins(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		e.nonAdminKey(t)
		g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "VIP"}, http.StatusCreated), "id")
		f := id(t, e.ok(t, "POST", "/api/v1/forms", map[string]any{"name": "RMA", "inbox_id": 1, "pipeline_id": 1}, http.StatusCreated), "id")
		var routes []string
		for _, p := range e.srv.Patterns() {
			if strings.HasPrefix(p, "GET /desk/settings") || strings.HasPrefix(p, "POST /desk/settings") {
				routes = append(routes, p)
			}
		}
		if len(routes) < 25 {
			t.Fatalf("only %d settings routes: %v", len(routes), routes)
		}
		cust := e.browser()
		cust.signIn(t, w.ann.login)
		agent := e.browser()
		agent.deskSignIn(t, "agent@portico.test", deskPassword)
		forged := e.browser()
		forged.cookies["portico_desk"] = cust.cookies["portico_session"]
		before := e.settingsState(t)
		log := e.auditTail(t)
		form := url.Values{"name": {"Hijacked"}, "slug": {"hijacked"}, "enabled": {""}, "languages": {"en"}, "default_language": {"en"},
			"default_inbox_id": {"1"}, "idle_timeout_minutes": {"30"}, "state": {"open"}, "contact_id": {fmt.Sprint(w.bob.contact)},
			"type": {"text"}, "inbox_id": {"1"}, "pipeline_id": {"1"}, "op": {"reset"}}
		for _, route := range routes {
			method, path := fill(route, "1")
			path = strings.NewReplacer("{$}", "", "{section}", "general", "/access-groups/1", fmt.Sprintf("/access-groups/%d", g),
				"/forms/1", fmt.Sprintf("/forms/%d", f), "{stage}", "1", "{contact}", fmt.Sprint(w.ann.contact)).Replace(path)
			path = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "1")
			for _, who := range []struct {
				name   string
				b      *pageBrowser
				status int
			}{{"anonymous", e.browser(), http.StatusSeeOther}, {"customer", cust, http.StatusSeeOther},
				{"forged desk cookie", forged, http.StatusSeeOther}, {"agent", agent, http.StatusForbidden}} {
				t.Run(route+"/"+who.name, func(t *testing.T) {
					var p *page
					if method == "GET" {
						p = who.b.get(path)
					} else {
						p = who.b.post(path, form)
					}
					if p.Code != who.status {
						t.Fatalf("%s %s = %d, want %d", method, path, p.Code, who.status)
					}
					if who.status == http.StatusSeeOther && !strings.HasPrefix(p.Header.Get("Location"), "/desk/login") {
						t.Errorf("sent to %q, not to the desk's sign-in", p.Header.Get("Location"))
					}
					p.lacks(t, "Hijacked")
				})
			}
		}
		if after := e.settingsState(t); after != before {
			t.Errorf("refused posts changed the settings:\n%s\n%s", before, after)
		}
		log.none(t, "refused posts")
	})
}

// portalSettings is the support portal's settings as the API shows them.
func (e *testEnv) portalSettings(t *testing.T) map[string]any {
	t.Helper()
	return e.ok(t, "GET", "/api/v1/portals/support", nil, http.StatusOK)
}

func TestSettingsPortalChangesShowAtOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		admin := e.settingsAdmin(t)
		cust := e.browser()
		cust.signIn(t, w.ann.login)

		t.Run("every section shows", func(t *testing.T) {
			home := admin.get("/desk/settings/").want(t, http.StatusOK).strict(t, "settings")
			home.has(t, loc.T("settings.title"), "Support", loc.T("settings.nav.forms"))
			for _, sec := range []string{"general", "access", "tickets", "columns", "form", "theme", "navigation", "pages"} {
				p := admin.get("/desk/settings/portals/support/"+sec).want(t, http.StatusOK).strict(t, sec)
				p.has(t, loc.T("settings.section."+sec), loc.T("settings.view_portal"), `href="/support/"`)
			}
			admin.get("/desk/settings/portals/support/nothing").want(t, http.StatusNotFound)
			admin.get("/desk/settings/portals/nowhere/general").want(t, http.StatusNotFound)
		})

		t.Run("ticket label", func(t *testing.T) {
			admin.saved(t, "/desk/settings/portals/support/tickets", url.Values{"ticket_label.en": {"Cases"}, "owner_display": {"full_name"},
				"allow_customer_close": {"on"}, "filter.0.property": {""}})
			cust.get("/support/").want(t, http.StatusOK).has(t, "Cases")
			// A language left without a label keeps its own word.
			cust.header.Set("Accept-Language", "pl")
			pl := cust.get("/support/").want(t, http.StatusOK)
			pl.has(t, "Zgłoszenia")
			pl.lacks(t, "Cases")
			cust.header.Del("Accept-Language")
			if got := e.portalSettings(t)["allow_customer_close"]; got != true {
				t.Errorf("allow_customer_close = %v", got)
			}
		})

		t.Run("visibility filter", func(t *testing.T) {
			admin.saved(t, "/desk/settings/portals/support/tickets", url.Values{"owner_display": {"first_name"},
				"filter.0.property": {"priority"}, "filter.0.op": {"not_in"}, "filter.0.values": {"urgent, high"}})
			fs := e.portalSettings(t)["visibility_filters"].([]any)
			if len(fs) != 1 || fmt.Sprint(fs[0].(map[string]any)["values"]) != "[urgent high]" {
				t.Errorf("visibility_filters = %v", fs)
			}
			admin.get("/desk/settings/portals/support/tickets").has(t, "urgent, high")
			admin.saved(t, "/desk/settings/portals/support/tickets", url.Values{"owner_display": {"first_name"}})
			if fs := e.portalSettings(t)["visibility_filters"].([]any); len(fs) != 0 {
				t.Errorf("clearing the field left %v", fs)
			}
		})

		t.Run("columns: remove, move, add, reset", func(t *testing.T) {
			cols := func() string { return fmt.Sprint(e.portalSettings(t)["columns"]) }
			start := url.Values{"columns": {"id", "subject", "requester", "created_at", "owner", "last_activity_at", "status"}}
			with := func(op string, extra ...string) url.Values {
				v := url.Values{"op": {op}}
				v["columns"] = start["columns"]
				for i := 0; i+1 < len(extra); i += 2 {
					v.Set(extra[i], extra[i+1])
				}
				return v
			}
			admin.saved(t, "/desk/settings/portals/support/columns", with("remove:2"))
			if got := cols(); got != "[id subject created_at owner last_activity_at status]" {
				t.Fatalf("after remove: %s", got)
			}
			list := cust.get("/support/tickets").want(t, http.StatusOK)
			list.lacks(t, loc.T("tickets.col.requester"))
			start["columns"] = []string{"id", "subject", "created_at", "owner", "last_activity_at", "status"}
			admin.saved(t, "/desk/settings/portals/support/columns", with("up:5"))
			if got := cols(); got != "[id subject created_at owner status last_activity_at]" {
				t.Fatalf("after up: %s", got)
			}
			start["columns"] = []string{"id", "subject", "created_at", "owner", "status", "last_activity_at"}
			admin.saved(t, "/desk/settings/portals/support/columns", with("add", "add_column", "priority"))
			if got := cols(); got != "[id subject created_at owner status last_activity_at priority]" {
				t.Fatalf("after add: %s", got)
			}
			cust.get("/support/tickets").has(t, loc.T("tickets.col.priority"))
			admin.saved(t, "/desk/settings/portals/support/columns", with("reset"))
			if got := cols(); got != "[id subject requester created_at owner last_activity_at status]" {
				t.Fatalf("after reset: %s", got)
			}
			t.Run("more than ten is refused", func(t *testing.T) {
				v := url.Values{"op": {"add"}, "add_column": {"pipeline"},
					"columns": {"id", "subject", "requester", "company", "created_at", "owner", "last_activity_at", "status", "stage", "priority"}}
				p := admin.post("/desk/settings/portals/support/columns", v).want(t, http.StatusUnprocessableEntity).strict(t, "columns")
				p.has(t, loc.N("settings.error.columns_count", 10))
				if got := cols(); got != "[id subject requester created_at owner last_activity_at status]" {
					t.Errorf("a refused change was saved: %s", got)
				}
			})
		})

		t.Run("theme colour and custom CSS", func(t *testing.T) {
			admin.saved(t, "/desk/settings/portals/support/theme", url.Values{"accent_color": {"#AA3300"},
				"custom_css": {".brand { letter-spacing: 1px; }\n@import url(https://evil.example/x.css);\n</style><script>alert(1)</script> { color: red"}})
			home := cust.get("/support/").want(t, http.StatusOK)
			m := regexp.MustCompile(`href="(/support/theme\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(home.Body)
			if m == nil {
				t.Fatal("no theme stylesheet")
			}
			css := cust.get(html.UnescapeString(m[1])).want(t, http.StatusOK).Body
			for _, want := range []string{"--accent: #aa3300", ".brand { letter-spacing: 1px; }"} {
				if !strings.Contains(css, want) {
					t.Errorf("theme.css lacks %q: %s", want, css)
				}
			}
			for _, bad := range []string{"@import", "evil.example", "</style", "<script"} {
				if strings.Contains(css, bad) {
					t.Errorf("theme.css holds %q: %s", bad, css)
				}
			}
			if strings.Count(css, "{") != strings.Count(css, "}") {
				t.Errorf("the custom CSS leaves a block open: %s", css)
			}
		})

		t.Run("language", func(t *testing.T) {
			admin.saved(t, "/desk/settings/portals/support/general", url.Values{"name": {"Acme Help"}, "slug": {"support"},
				"enabled": {"on"}, "languages": {"sv"}, "default_language": {"sv"}, "default_inbox_id": {"1"}, "idle_timeout_minutes": {"45"}})
			p := e.browser().get("/support/login").want(t, http.StatusOK)
			if !strings.Contains(p.Body, `<html lang="sv">`) {
				t.Errorf("the portal does not speak Swedish: %s", excerpt(p.Body))
			}
			p.has(t, "Acme Help")
			s := e.portalSettings(t)
			if s["idle_timeout_minutes"] != num(45) || fmt.Sprint(s["languages"]) != "[sv]" {
				t.Errorf("settings = %v", s)
			}
		})

		t.Run("off and on", func(t *testing.T) {
			general := url.Values{"name": {"Acme Help"}, "slug": {"support"}, "languages": {"en"}, "default_language": {"en"},
				"default_inbox_id": {"1"}, "idle_timeout_minutes": {"30"}}
			admin.saved(t, "/desk/settings/portals/support/general", general)
			e.browser().get("/support/login").want(t, http.StatusServiceUnavailable).has(t, loc.T("unavailable.title"))
			general.Set("enabled", "on")
			admin.saved(t, "/desk/settings/portals/support/general", general)
			e.browser().get("/support/login").want(t, http.StatusOK)
		})

		t.Run("menu and system page", func(t *testing.T) {
			admin.saved(t, "/desk/settings/portals/support/navigation", url.Values{"nav.0.label": {"Status page"}, "nav.0.url": {"https://status.example.com"}})
			cust.get("/support/").has(t, "Status page", `href="https://status.example.com"`)
			admin.saved(t, "/desk/settings/portals/support/pages", url.Values{"system_pages.login.en": {"Welcome to **{{portal}}**."}})
			e.browser().get("/support/login").has(t, "Welcome to", "Acme Help")
		})

		t.Run("access groups", func(t *testing.T) {
			g := id(t, e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Partners"}, http.StatusCreated), "id")
			p := admin.post("/desk/settings/portals/support/access", url.Values{"access_mode": {"access_groups"}, "ticket_permission": {"own"}})
			p.want(t, http.StatusUnprocessableEntity).has(t, loc.T("settings.error.groups_needed"))
			admin.saved(t, "/desk/settings/portals/support/access", url.Values{"access_mode": {"access_groups"}, "ticket_permission": {"company"},
				"access_group_ids": {fmt.Sprint(g)}, "consent_text": {"We keep your data."}, "consent_checkbox_label": {"I agree"}})
			s := e.portalSettings(t)
			if s["access_mode"] != "access_groups" || fmt.Sprint(s["access_group_ids"]) != fmt.Sprintf("[%d]", g) || s["ticket_permission"] != "company" {
				t.Errorf("settings = %v", s)
			}
			admin.get(fmt.Sprintf("/desk/settings/access-groups/%d", g)).has(t, "Acme Help")
		})
	})
}

// num is a number as the API's decoder (UseNumber) gives it.
func num(n int) any { return json.Number(fmt.Sprint(n)) }

func TestSettingsInvalidInputIsShownAndKept(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		before := e.settingsState(t)
		for _, tc := range []struct {
			section string
			form    url.Values
			errs    []string
			kept    []string
		}{
			{"theme", url.Values{"accent_color": {"reddish"}, "knowledge_base_url": {"ftp://files.example"}},
				[]string{loc.T("settings.error.color"), loc.T("settings.error.url")}, []string{`value="reddish"`}},
			{"general", url.Values{"name": {"Kept name"}, "slug": {"Bad Slug!"}, "languages": {"en"}, "default_language": {"pl"},
				"default_inbox_id": {"1"}, "idle_timeout_minutes": {"30"}},
				[]string{loc.T("settings.error.slug"), loc.T("settings.error.default_language")}, []string{`value="Kept name"`, `value="Bad Slug!"`}},
			{"general", url.Values{"name": {"Support"}, "slug": {"support"}, "languages": {"en"}, "default_language": {"en"},
				"default_inbox_id": {"1"}, "idle_timeout_minutes": {"soon"}},
				[]string{loc.T("settings.error.timeout")}, []string{`value="soon"`}},
			{"general", url.Values{"name": {"Support"}, "slug": {"api"}, "languages": {"en"}, "default_language": {"en"},
				"default_inbox_id": {"1"}, "idle_timeout_minutes": {"3"}},
				[]string{loc.T("settings.error.slug"), loc.T("settings.error.timeout")}, nil},
			{"navigation", url.Values{"nav.0.label": {"Evil"}, "nav.0.url": {"ftp://files.example"}},
				[]string{loc.T("settings.error.url")}, []string{`value="Evil"`}},
			{"tickets", url.Values{"ticket_label.en": {strings.Repeat("x", 41)}, "owner_display": {"first_name"}},
				[]string{loc.N("form.too_long", 40)}, []string{strings.Repeat("x", 41)}},
		} {
			t.Run(tc.section, func(t *testing.T) {
				p := admin.post("/desk/settings/portals/support/"+tc.section, tc.form).want(t, http.StatusUnprocessableEntity).strict(t, tc.section)
				p.has(t, tc.errs...)
				for _, k := range tc.kept {
					if !strings.Contains(p.Body, k) {
						t.Errorf("the form lost %s", k)
					}
				}
				if !strings.Contains(p.Body, `aria-invalid="true"`) {
					t.Error("no field is marked invalid")
				}
			})
		}
		if after := e.settingsState(t); after != before {
			t.Errorf("invalid posts changed the settings")
		}
	})
}

// logoPNG is a small valid PNG image.
func logoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSettingsThemeUploads(t *testing.T) {
	e := newTestEnv(t, storetest.Open(t, "sqlite", nil))
	loc := en(t)
	admin := e.settingsAdmin(t)
	theme := map[string]string{"accent_color": "#123456"}

	t.Run("a PNG logo is stored and served", func(t *testing.T) {
		p := admin.uploadFiles("/desk/settings/portals/support/theme", theme, map[string][2]string{"logo_file": {"logo.png", string(logoPNG(t))}})
		if p.Code != http.StatusSeeOther {
			t.Fatalf("upload = %d: %s", p.Code, excerpt(settingsMain(p.Body)))
		}
		logo := e.portalSettings(t)["theme"].(map[string]any)["logo_url"].(string)
		if !strings.HasPrefix(logo, "/static/theme/") {
			t.Fatalf("logo_url = %q", logo)
		}
		r := e.browser().get(logo).want(t, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("served as %q", ct)
		}
		e.browser().get("/support/login").has(t, `src="`+logo+`"`)
	})

	t.Run("other files are refused", func(t *testing.T) {
		before := e.portalSettings(t)["theme"]
		for name, body := range map[string]string{
			"page.html": "<html><script>alert(1)</script></html>",
			"logo.svg":  `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
			"big.png":   string(logoPNG(t)) + strings.Repeat("x", 1<<20),
		} {
			p := admin.uploadFiles("/desk/settings/portals/support/theme", theme, map[string][2]string{"logo_file": {name, body}})
			if p.Code == http.StatusSeeOther {
				t.Errorf("%s was accepted", name)
				continue
			}
			if p.Code != http.StatusUnprocessableEntity && p.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: status %d", name, p.Code)
			}
		}
		if after := e.portalSettings(t)["theme"]; fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("theme changed to %v", after)
		}
		p := admin.uploadFiles("/desk/settings/portals/support/theme", theme, map[string][2]string{"favicon_file": {"x.txt", "plain text"}})
		p.want(t, http.StatusUnprocessableEntity).has(t, loc.T("settings.error.image_type"))
	})

	t.Run("stored files that no theme names are not served", func(t *testing.T) {
		e.browser().get("/static/theme/2026/03/00000000000000000000000000000000").want(t, http.StatusNotFound)
		if p := e.browser().get("/static/theme/../../etc/passwd"); p.Code == http.StatusOK {
			t.Errorf("a path outside the theme files answered: %s", excerpt(p.Body))
		}
	})
}

// uploadFiles posts a multipart form with text fields and files by field
// name (file name, content).
func (b *pageBrowser) uploadFiles(path string, fields map[string]string, files map[string][2]string) *page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for field, f := range files {
		w, _ := mw.CreateFormFile(field, f[0])
		w.Write([]byte(f[1]))
	}
	mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestSettingsPipelinesPropertiesGroups(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		stages := func(pipeline int64) string {
			p := e.ok(t, "GET", fmt.Sprintf("/api/v1/pipelines/%d", pipeline), nil, http.StatusOK)
			var out []string
			for _, s := range p["stages"].([]any) {
				st := s.(map[string]any)
				name := st["name"].(string)
				if st["waiting_for_acceptance"] == true {
					name += "*"
				}
				if st["state"] == "closed" {
					name += "#"
				}
				out = append(out, name)
			}
			return strings.Join(out, ",")
		}

		t.Run("pipelines and stages", func(t *testing.T) {
			admin.get("/desk/settings/pipelines").want(t, http.StatusOK).strict(t, "pipelines").has(t, "Support", "Waiting on customer")
			admin.saved(t, "/desk/settings/pipelines", url.Values{"name": {"Returns"}})
			var list struct {
				Items []struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"items"`
			}
			e.call("GET", "/api/v1/pipelines", nil).decode(t, &list)
			ret := list.Items[len(list.Items)-1].ID
			if list.Items[len(list.Items)-1].Name != "Returns" || stages(ret) != "New*,Closed#" {
				t.Fatalf("new pipeline: %v %s", list.Items, stages(ret))
			}
			admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d", ret), url.Values{"name": {"RMA"}})
			admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages", ret), url.Values{"name": {"Inspecting"}, "state": {"open"}})
			if got := stages(ret); got != "New*,Closed#,Inspecting" {
				t.Fatalf("after adding: %s", got)
			}
			inspecting := id(t, e.ok(t, "GET", fmt.Sprintf("/api/v1/pipelines/%d", ret), nil, 200)["stages"].([]any)[2].(map[string]any), "id")
			admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d/move", ret, inspecting), url.Values{"dir": {"up"}})
			if got := stages(ret); got != "New*,Inspecting,Closed#" {
				t.Fatalf("after moving up: %s", got)
			}
			admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d", ret, inspecting), url.Values{"name": {"Inspection"}, "state": {"open"}, "waiting": {"on"}})
			if got := stages(ret); got != "New,Inspection*,Closed#" {
				t.Fatalf("after marking waiting: %s", got)
			}
			closed := id(t, e.ok(t, "GET", fmt.Sprintf("/api/v1/pipelines/%d", ret), nil, 200)["stages"].([]any)[2].(map[string]any), "id")
			p := admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d/delete", ret, closed), nil).want(t, http.StatusConflict)
			p.has(t, loc.T("settings.error.stages_required"))
			// A stage with tickets keeps its state and stays.
			c := e.contact(t, map[string]any{"first_name": "Ida"})
			e.ticket(t, c, "Broken", map[string]any{"pipeline_id": ret, "stage_id": inspecting})
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d/delete", ret, inspecting), nil).want(t, http.StatusConflict).
				has(t, loc.T("settings.error.stage_has_tickets"))
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d", ret, inspecting), url.Values{"name": {"Inspection"}, "state": {"closed"}}).
				want(t, http.StatusConflict)
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/delete", ret), nil).want(t, http.StatusConflict).has(t, loc.T("settings.error.pipeline_in_use"))
			if got := stages(ret); got != "New,Inspection*,Closed#" {
				t.Fatalf("refused changes changed the stages: %s", got)
			}
			admin.post("/desk/settings/pipelines", url.Values{"name": {" "}}).want(t, http.StatusUnprocessableEntity).has(t, loc.T("form.required"))
			empty := id(t, e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "Empty"}, http.StatusCreated), "id")
			admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/delete", empty), nil)
			e.call("GET", fmt.Sprintf("/api/v1/pipelines/%d", empty), nil).wantError(t, http.StatusNotFound)
		})

		t.Run("properties", func(t *testing.T) {
			admin.get("/desk/settings/properties").want(t, http.StatusOK).strict(t, "properties").has(t, loc.T("tickets.col.priority"))
			p := admin.saved(t, "/desk/settings/properties", url.Values{"name": {"model"}, "type": {"single_select"}, "options": {"X1\r\nX2\r\n"},
				"label.en": {"Model"}, "label.pl": {"Model urządzenia"}, "portal_visible": {"on"}})
			p.has(t, "Model", "X1\nX2")
			var props struct {
				Items []struct {
					ID      int64             `json:"id"`
					Name    string            `json:"name"`
					Options []string          `json:"options"`
					Label   map[string]string `json:"label"`
					Visible bool              `json:"portal_visible"`
				} `json:"items"`
			}
			e.call("GET", "/api/v1/properties?limit=100", nil).decode(t, &props)
			model := props.Items[len(props.Items)-1]
			if model.Name != "model" || fmt.Sprint(model.Options) != "[X1 X2]" || model.Label["pl"] != "Model urządzenia" || !model.Visible {
				t.Fatalf("created %+v", model)
			}
			admin.saved(t, fmt.Sprintf("/desk/settings/properties/%d", model.ID), url.Values{"options": {"X1\nX2\nX3"}, "label.en": {"Device model"}})
			e.call("GET", "/api/v1/properties?limit=100", nil).decode(t, &props)
			model = props.Items[len(props.Items)-1]
			if fmt.Sprint(model.Options) != "[X1 X2 X3]" || model.Label["en"] != "Device model" || model.Visible {
				t.Errorf("edited %+v", model)
			}
			admin.post("/desk/settings/properties", url.Values{"name": {"Bad Name"}, "type": {"text"}}).
				want(t, http.StatusUnprocessableEntity).has(t, loc.T("settings.error.property_name"), `value="Bad Name"`)
			admin.post("/desk/settings/properties", url.Values{"name": {"model"}, "type": {"text"}}).
				want(t, http.StatusUnprocessableEntity).has(t, loc.T("settings.error.name_taken"))
			// The portal lists status: it cannot be hidden.
			for _, pr := range props.Items {
				if pr.Name == "requester" {
					admin.post(fmt.Sprintf("/desk/settings/properties/%d", pr.ID), url.Values{}).want(t, http.StatusConflict).
						has(t, loc.T("settings.error.property_in_use"))
				}
			}
		})

		t.Run("access groups", func(t *testing.T) {
			ada := e.contact(t, map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"})
			admin.get("/desk/settings/access-groups").want(t, http.StatusOK).strict(t, "groups").has(t, loc.T("settings.groups.none"))
			p := admin.saved(t, "/desk/settings/access-groups", url.Values{"name": {"Partners"}})
			p.has(t, "Partners", loc.T("settings.group.empty"))
			var groups struct {
				Items []struct {
					ID       int64   `json:"id"`
					Name     string  `json:"name"`
					Contacts []int64 `json:"contact_ids"`
				} `json:"items"`
			}
			e.call("GET", "/api/v1/access-groups", nil).decode(t, &groups)
			g := groups.Items[0].ID
			base := fmt.Sprintf("/desk/settings/access-groups/%d", g)
			found := admin.get(base+"?q=lovelace").want(t, http.StatusOK).strict(t, "group search")
			found.has(t, "Ada Lovelace", "ada@example.com")
			admin.saved(t, base+"/members", url.Values{"contact_id": {fmt.Sprint(ada)}}).has(t, "Ada Lovelace")
			admin.saved(t, base, url.Values{"name": {"Key partners"}})
			e.call("GET", "/api/v1/access-groups", nil).decode(t, &groups)
			if groups.Items[0].Name != "Key partners" || fmt.Sprint(groups.Items[0].Contacts) != fmt.Sprintf("[%d]", ada) {
				t.Fatalf("group = %+v", groups.Items[0])
			}
			admin.saved(t, fmt.Sprintf("%s/members/%d/delete", base, ada), nil)
			e.call("GET", "/api/v1/access-groups", nil).decode(t, &groups)
			if len(groups.Items[0].Contacts) != 0 {
				t.Errorf("members after removal: %v", groups.Items[0].Contacts)
			}
			e.ok(t, "POST", "/api/v1/access-groups", map[string]any{"name": "Others"}, http.StatusCreated)
			admin.post(base, url.Values{"name": {"Others"}}).want(t, http.StatusConflict).has(t, loc.T("settings.error.name_taken"))
		})
	})
}

func TestConnectedFormReplacesTheBuiltInOne(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		loc := en(t)
		admin := e.settingsAdmin(t)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "serial", "type": "text", "label": map[string]string{"en": "Serial"}}, http.StatusCreated)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "model", "type": "single_select", "options": []string{"X1", "X2"},
			"label": map[string]string{"en": "Model"}}, http.StatusCreated)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "shown_elsewhere", "type": "text", "label": map[string]string{"en": "Elsewhere"}}, http.StatusCreated)
		rma := id(t, e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "RMA"}, http.StatusCreated), "id")
		returns := id(t, e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": "Returns"}, http.StatusCreated), "id")

		admin.saved(t, "/desk/settings/forms", url.Values{"name": {"Return a device"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)}})
		var forms struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		e.call("GET", "/api/v1/forms", nil).decode(t, &forms)
		f := forms.Items[0].ID
		base := fmt.Sprintf("/desk/settings/forms/%d", f)
		admin.saved(t, base, url.Values{"name": {"Return a device"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)},
			"op": {"add"}, "add_field": {"model"}})
		admin.saved(t, base, url.Values{"name": {"Return a device"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)},
			"field.0.property": {"model"}, "op": {"add"}, "add_field": {"serial"}})
		p := admin.saved(t, base, url.Values{"name": {"Return a device"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)},
			"field.0.property": {"model"}, "field.1.property": {"serial"}, "field.1.required": {"on"}, "field.1.label.en": {"Serial number"}, "op": {"up:1"}})
		p.has(t, "Serial", "Model")
		got := e.ok(t, "GET", fmt.Sprintf("/api/v1/forms/%d", f), nil, http.StatusOK)
		if fmt.Sprint(got["fields"]) != "[map[label:map[en:Serial number] property:serial required:true] map[label:map[] property:model required:false]]" {
			t.Fatalf("fields = %v", got["fields"])
		}
		admin.post(base, url.Values{"name": {"Return a device"}, "field.0.property": {"serial"}, "field.1.property": {"serial"}}).
			want(t, http.StatusUnprocessableEntity).has(t, loc.T("settings.error.duplicate"))

		cust := e.browser()
		cust.signIn(t, w.ann.login)
		before := cust.get("/support/tickets/new").want(t, http.StatusOK)
		before.has(t, "Elsewhere")
		before.lacks(t, "Serial number")

		admin.saved(t, "/desk/settings/portals/support/form", url.Values{"support_form_id": {fmt.Sprint(f)},
			"form_menu_text.en": {"Return a device"}, "form_title.en": {"Send us your device"}})
		admin.get(base).has(t, "Support")

		form := cust.get("/support/tickets/new").want(t, http.StatusOK).strict(t, "connected form")
		form.has(t, "Send us your device", "Return a device", "Serial number", "Model", "X2", loc.T("new.required"))
		form.lacks(t, "Elsewhere")
		if strings.Index(form.Body, "Serial number") > strings.Index(form.Body, `name="p.model"`) {
			t.Error("the form's fields are not in its order")
		}

		t.Run("required fields are enforced on the page", func(t *testing.T) {
			p := cust.upload("/support/tickets/new", map[string]string{"subject": "Cracked screen", "p.model": "X2"}, nil)
			p.want(t, http.StatusUnprocessableEntity).has(t, loc.T("form.required"), "Cracked screen")
			if !regexp.MustCompile(`id="n-p.serial"[^>]*aria-invalid="true"`).MatchString(p.Body) {
				t.Error("the serial field is not marked invalid")
			}
			r := cust.upload("/support/tickets/new", map[string]string{"subject": "Cracked screen", "p.model": "X2", "p.serial": "SN-42"}, nil).want(t, http.StatusSeeOther)
			tk := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", idOf(t, r.Header.Get("Location"))), nil, http.StatusOK)
			props := tk["properties"].(map[string]any)
			if props["serial"] != "SN-42" || props["model"] != "X2" || props["shown_elsewhere"] != nil {
				t.Errorf("properties = %v", props)
			}
			if id(t, tk, "pipeline_id") != rma || id(t, tk, "inbox_id") != returns {
				t.Errorf("the ticket went to pipeline %v, inbox %v", tk["pipeline_id"], tk["inbox_id"])
			}
		})

		t.Run("and in the API", func(t *testing.T) {
			cookie := "cookie:portico_session=" + cust.cookies["portico_session"]
			api := "/api/v1/portal/support/tickets"
			e.callAs(cookie, "POST", api, map[string]any{"subject": "No serial", "properties": map[string]any{"model": "X1"}}).
				wantFields(t, "properties.serial")
			e.callAs(cookie, "POST", api, map[string]any{"subject": "Extra", "properties": map[string]any{"serial": "1", "shown_elsewhere": "x"}}).
				wantFields(t, "properties.shown_elsewhere")
			e.callAs(cookie, "POST", api, map[string]any{"subject": "Priority", "priority": "high", "properties": map[string]any{"serial": "1"}}).
				wantFields(t, "priority")
			r := e.callAs(cookie, "POST", api, map[string]any{"subject": "Fine", "properties": map[string]any{"serial": "SN-7", "model": "X1"}})
			if r.Code != http.StatusCreated {
				t.Fatalf("create = %d: %s", r.Code, r.Body)
			}
			tk := e.ok(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", id(t, r.object(t), "id")), nil, http.StatusOK)
			if id(t, tk, "pipeline_id") != rma || tk["properties"].(map[string]any)["serial"] != "SN-7" {
				t.Errorf("ticket = %v", tk)
			}
		})

		t.Run("deleting the form brings back the built-in one", func(t *testing.T) {
			p := admin.post(base+"/delete", nil)
			if p.Code != http.StatusSeeOther {
				t.Fatalf("delete = %d", p.Code)
			}
			if s := e.portalSettings(t); s["support_form_id"] != nil {
				t.Errorf("support_form_id = %v", s["support_form_id"])
			}
			cust.get("/support/tickets/new").want(t, http.StatusOK).has(t, "Elsewhere")
		})
	})
}
