package i18n

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"
	"text/template/parse"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestLoadFindsEveryLanguageAndNothingElse(t *testing.T) {
	c := mustLoad(t)
	if n := len(c.IDs()); n < 150 {
		t.Errorf("catalog has %d ids; the portal pages need far more", n)
	}
	entries, err := fs.ReadDir(files, "locales")
	if err != nil {
		t.Fatal(err)
	}
	// A file for a language not in Languages would never be shown; a part's
	// folder (locales/<part>/) holds the same languages.
	want := slices.Sorted(slices.Values(Languages))
	var found []string
	for _, e := range entries {
		if !e.IsDir() {
			found = append(found, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
			continue
		}
		part, err := fs.ReadDir(files, "locales/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var langs []string
		for _, f := range part {
			langs = append(langs, strings.TrimSuffix(f.Name(), path.Ext(f.Name())))
		}
		if !slices.Equal(slices.Sorted(slices.Values(langs)), want) {
			t.Errorf("locales/%s/ holds %v, want exactly %v", e.Name(), langs, want)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(found)), want) {
		t.Errorf("locales/ holds %v, want exactly %v", found, want)
	}
}

func TestIDsAreStableDottedNames(t *testing.T) {
	c := mustLoad(t)
	ids := c.IDs()
	if !slices.IsSorted(ids) {
		t.Error("IDs are not sorted")
	}
	ok := regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	for _, id := range ids {
		if !ok.MatchString(id) {
			t.Errorf("id %q is not a lower-case dotted name", id)
		}
	}
	ids[0] = "changed"
	if c.IDs()[0] == "changed" {
		t.Error("IDs returns the catalog's own slice; a caller can corrupt it")
	}
}

func TestEveryLanguageHasExactlyTheEnglishIDs(t *testing.T) {
	c := mustLoad(t)
	en := c.messages["en"]
	for _, lang := range Languages[1:] {
		msgs := c.messages[lang]
		for _, id := range c.IDs() {
			if _, ok := msgs[id]; !ok {
				t.Errorf("%s: missing %q", lang, id)
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q does not exist in English", lang, id)
			}
		}
	}
}

func TestDuplicateIDIsRejected(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"distinct", `{"a.b": "x", "a.c": {"one": "y", "other": "z"}}`, false},
		{"duplicate", `{"a.b": "x", "a.c": "y", "a.b": "z"}`, true},
		{"not an object", `["a.b"]`, true},
		{"truncated", `{"a.b": "x"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkDuplicates([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Errorf("checkDuplicates(%s) = %v, want error %v", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestMalformedFilesStopLoading(t *testing.T) {
	good := map[string]string{
		"en":    `{"nav.home": "Home", "label.tickets": "Tickets"}`,
		"zh-CN": `{"nav.home": "首页"}`,
		"pl":    `{"nav.home": "Strona główna"}`,
		"sv":    `{"nav.home": "Start"}`,
	}
	for _, tc := range []struct {
		name, lang, file string
	}{
		{"valid", "", ""},
		{"missing file", "sv", "-"},
		{"not JSON", "pl", `{"nav.home": "Strona główna",}`},
		{"duplicate id", "en", `{"nav.home": "Home", "nav.home": "Start"}`},
		{"broken template", "zh-CN", `{"nav.home": "{{.Name"}`},
		{"unknown key next to forms", "en", `{"x.y": {"one": "a", "other": "b", "oops": "c"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for lang, text := range good {
				fsys["locales/"+lang+".json"] = &fstest.MapFile{Data: []byte(text)}
			}
			switch tc.file {
			case "":
			case "-":
				delete(fsys, "locales/"+tc.lang+".json")
			default:
				fsys["locales/"+tc.lang+".json"] = &fstest.MapFile{Data: []byte(tc.file)}
			}
			c, err := readFiles(fsys)
			if tc.file == "" {
				if err != nil || c.For("sv").T("nav.home") != "Start" {
					t.Fatalf("readFiles = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("readFiles accepted a broken catalog")
			}
			if !strings.Contains(err.Error(), tc.lang) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// pluralForms asks go-i18n itself which CLDR categories lang's rule picks
// for a spread of counts, so the test follows the library the pages use.
func pluralForms(t *testing.T, lang string) []string {
	t.Helper()
	b := goi18n.NewBundle(language.English)
	b.MustAddMessages(language.Make(lang), &goi18n.Message{
		ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other",
	})
	loc := goi18n.NewLocalizer(b, lang)
	counts := []any{"0.5", "1.5", "2.5", "1.0"}
	for n := range 1001 {
		counts = append(counts, n)
	}
	seen := map[string]bool{}
	for _, n := range counts {
		s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			t.Fatalf("%s: probe %v: %v", lang, n, err)
		}
		seen[s] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func TestPluralRulesAreTheExpectedOnes(t *testing.T) {
	for lang, want := range map[string][]string{
		"en":    {"one", "other"},
		"zh-CN": {"other"},
		"pl":    {"few", "many", "one", "other"},
		"sv":    {"one", "other"},
	} {
		if got := pluralForms(t, lang); !slices.Equal(got, want) {
			t.Errorf("%s plural categories = %v, want %v", lang, got, want)
		}
	}
}

// forms returns the plural categories a message defines.
func forms(m *goi18n.Message) []string {
	var fs []string
	for _, f := range []struct {
		name, text string
	}{{"few", m.Few}, {"many", m.Many}, {"one", m.One}, {"other", m.Other}, {"two", m.Two}, {"zero", m.Zero}} {
		if f.text != "" {
			fs = append(fs, f.name)
		}
	}
	return fs
}

func formText(m *goi18n.Message) map[string]string {
	return map[string]string{
		"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other,
	}
}

func TestCountedMessagesHaveEveryPluralCategory(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range Languages {
		need := pluralForms(t, lang)
		for _, id := range c.IDs() {
			m, ok := c.messages[lang][id]
			if !ok {
				continue // reported by TestEveryLanguageHasExactlyTheEnglishIDs
			}
			counted := c.messages["en"][id].One != ""
			want := []string{"other"}
			if counted {
				want = need
			}
			if got := forms(m); !slices.Equal(got, want) {
				t.Errorf("%s %q has forms %v, want %v (counted: %v)", lang, id, got, want, counted)
			}
		}
	}
}

// fields returns the names of the template data a message's text uses.
func fields(t *testing.T, text string) map[string]bool {
	t.Helper()
	tmpl, err := template.New("").Parse(text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	got := map[string]bool{}
	if tmpl.Tree == nil {
		return got
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			got[n.Ident[0]] = true
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TextNode, *parse.StringNode, *parse.NumberNode:
		default:
			t.Errorf("message %q uses %T; keep messages to plain fields", text, n)
		}
	}
	walk(tmpl.Tree.Root)
	return got
}

// sample fills every field with a value that would show in the output.
func sample(names map[string]bool) map[string]any {
	d := map[string]any{}
	for n := range names {
		d[n] = "«" + n + "»"
	}
	return d
}

func TestMessagesParseRenderAndUseTheEnglishFields(t *testing.T) {
	c := mustLoad(t)
	for _, id := range c.IDs() {
		enFields := map[string]bool{}
		for _, text := range formText(c.messages["en"][id]) {
			if text != "" {
				maps.Copy(enFields, fields(t, text))
			}
		}
		for _, lang := range Languages {
			m, ok := c.messages[lang][id]
			if !ok {
				continue
			}
			used := map[string]bool{}
			for form, text := range formText(m) {
				if text == "" {
					continue
				}
				where := fmt.Sprintf("%s %q %s", lang, id, form)
				if strings.TrimSpace(text) != text {
					t.Errorf("%s: leading or trailing space in %q", where, text)
				}
				if strings.ContainsAny(text, "<>") {
					t.Errorf("%s: %q holds markup; pages escape messages, so it would show as text", where, text)
				}
				f := fields(t, text)
				maps.Copy(used, f)
				tmpl := template.Must(template.New("").Option("missingkey=error").Parse(text))
				var b strings.Builder
				if err := tmpl.Execute(&b, sample(f)); err != nil {
					t.Errorf("%s: %v", where, err)
				}
				if strings.Contains(b.String(), "<no value>") {
					t.Errorf("%s renders %q", where, b.String())
				}
			}
			// The ticket label is there for every message; a language may
			// need its capitalised or its lower-case form, or neither.
			for _, f := range []map[string]bool{used, enFields} {
				delete(f, "Tickets")
				delete(f, "tickets")
			}
			if !maps.Equal(used, enFields) {
				t.Errorf("%s %q uses fields %v, English uses %v", lang, id, slices.Sorted(maps.Keys(used)), slices.Sorted(maps.Keys(enFields)))
			}
		}
	}
}

func TestEveryMessageRendersThroughTheLocalizer(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range Languages {
		l := c.For(lang)
		for _, id := range c.IDs() {
			en := c.messages["en"][id]
			data := map[string]bool{}
			for _, text := range formText(en) {
				if text != "" {
					maps.Copy(data, fields(t, text))
				}
			}
			var outs []string
			if en.One != "" {
				for _, n := range []int{0, 1, 2, 5, 22, 1000} {
					outs = append(outs, l.N(id, n, sample(data)))
				}
			} else {
				outs = append(outs, l.T(id, sample(data)))
			}
			for _, s := range outs {
				if s == id || s == "" || strings.Contains(s, "<no value>") {
					t.Errorf("%s %q renders %q", lang, id, s)
				}
			}
		}
	}
}

func TestMissingIDComesBackAsItself(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range Languages {
		l := c.For(lang)
		if got := l.T("no.such.message"); got != "no.such.message" {
			t.Errorf("%s: T(missing) = %q", lang, got)
		}
		if got := l.N("no.such.message", 3); got != "no.such.message" {
			t.Errorf("%s: N(missing) = %q", lang, got)
		}
	}
}

func TestForFallsBackToEnglish(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range []string{"", "de", "zh", "EN", "pl-PL"} {
		l := c.For(lang)
		if l.Lang() != "en" || l.T("nav.home") != "Home" {
			t.Errorf("For(%q) = %s %q, want English", lang, l.Lang(), l.T("nav.home"))
		}
	}
	for _, lang := range Languages {
		if got := c.For(lang).Lang(); got != lang {
			t.Errorf("For(%q).Lang() = %q", lang, got)
		}
	}
}

func TestTranslations(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		lang, id string
		count    int // a counted message when not zero
		data     map[string]any
		want     string
	}{
		{"en", "nav.home", 0, nil, "Home"},
		{"zh-CN", "nav.submit", 0, nil, "提交工单"},
		{"pl", "nav.tickets", 0, nil, "Zgłoszenia"},
		{"sv", "tickets.view.mine", 0, nil, "Mina ärenden"},
		{"en", "tickets.view.mine", 0, nil, "My tickets"},
		{"en", "login.error.invalid", 0, nil, "The login or password is incorrect."},
		{"en", "file.too_large", 0, map[string]any{"Name": "scan.pdf", "MB": 25}, "scan.pdf is larger than 25 MB."},
		{"en", "tickets.pager.range", 0, map[string]any{"From": 1, "To": 25, "Total": 130}, "1–25 of 130"},
		{"en", "login.error.too_many", 1, nil, "Too many attempts. Try again in 1 minute."},
		{"en", "login.error.too_many", 15, nil, "Too many attempts. Try again in 15 minutes."},
		{"pl", "login.error.too_many", 1, nil, "Zbyt wiele prób. Spróbuj ponownie za 1 minutę."},
		{"pl", "login.error.too_many", 3, nil, "Zbyt wiele prób. Spróbuj ponownie za 3 minuty."},
		{"pl", "login.error.too_many", 15, nil, "Zbyt wiele prób. Spróbuj ponownie za 15 minut."},
		{"pl", "login.error.too_many", 22, nil, "Zbyt wiele prób. Spróbuj ponownie za 22 minuty."},
		{"pl", "login.error.too_many", 12, nil, "Zbyt wiele prób. Spróbuj ponownie za 12 minut."},
		{"en", "ticket.queue", 1, map[string]any{"Position": 1}, "1 ticket waiting; you are number 1"},
		{"en", "ticket.queue", 4, map[string]any{"Position": 3}, "4 tickets waiting; you are number 3"},
		{"pl", "ticket.queue", 4, map[string]any{"Position": 3}, "W kolejce czekają 4 zgłoszenia. To zgłoszenie jest na pozycji 3."},
		{"pl", "ticket.queue", 5, map[string]any{"Position": 3}, "W kolejce czeka 5 zgłoszeń. To zgłoszenie jest na pozycji 3."},
		{"sv", "ticket.queue", 1, map[string]any{"Position": 1}, "1 ärende väntar – du är nummer 1 i kön"},
		{"zh-CN", "ticket.queue", 7, map[string]any{"Position": 2}, "共有 7 个工单在排队，您排在第 2 位"},
		// The count is grouped like any other number on the page.
		{"sv", "tickets.results", 12345, nil, "12\u00a0345 träffar"},
		{"en", "tickets.results", 1234, nil, "1,234 results"},
		// Count wins over a caller's field of the same name.
		{"en", "tickets.results", 2, map[string]any{"Count": 99}, "2 results"},
	} {
		t.Run(tc.lang+" "+tc.id, func(t *testing.T) {
			l := c.For(tc.lang)
			var got string
			if tc.count != 0 {
				got = l.N(tc.id, tc.count, tc.data)
			} else {
				got = l.T(tc.id, tc.data)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTicketLabel(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		lang, label, id, want string
	}{
		{"en", "Cases", "nav.tickets", "Cases"},
		{"en", "Cases", "tickets.view.mine", "My cases"},
		{"en", "Cases", "tickets.view.organization", "Organization cases"},
		{"en", "RMA requests", "tickets.view.mine", "My RMA requests"},
		{"en", "  ", "tickets.view.mine", "My tickets"},
		{"pl", "Sprawy", "tickets.view.mine", "Moje sprawy"},
		{"pl", "Sprawy", "tickets.view.organization", "Sprawy organizacji"},
		{"sv", "Beställningar", "tickets.view.organization", "Organisationens beställningar"},
		{"zh-CN", "订单", "tickets.view.mine", "我的订单"},
	} {
		t.Run(tc.lang+" "+tc.label+" "+tc.id, func(t *testing.T) {
			if got := c.For(tc.lang).WithTicketLabel(tc.label).T(tc.id); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// The label belongs to one request; the shared localizer keeps its default.
	c.For("en").WithTicketLabel("Cases")
	if got := c.For("en").T("nav.tickets"); got != "Tickets" {
		t.Errorf("shared localizer changed to %q", got)
	}
}

func TestName(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "English", "zh-CN": "简体中文", "pl": "Polski", "sv": "Svenska", "xx": "xx",
	} {
		if got := Name(lang); got != want {
			t.Errorf("Name(%q) = %q, want %q", lang, got, want)
		}
	}
	for _, lang := range Languages {
		if Name(lang) == lang {
			t.Errorf("%s has no display name", lang)
		}
	}
}

// A part of the product may keep its messages in locales/<part>/: they join
// the language's catalog, and an id in two files stops loading.
func TestPartFilesJoinTheirLanguage(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, lang := range Languages {
		fsys["locales/"+lang+".json"] = &fstest.MapFile{Data: []byte(`{"nav.home": "Home ` + lang + `", "label.tickets": "Tickets"}`)}
		fsys["locales/desk/"+lang+".json"] = &fstest.MapFile{Data: []byte(`{"desk.inbox": "Inbox ` + lang + `"}`)}
	}
	c, err := readFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.For("pl").T("desk.inbox"); got != "Inbox pl" {
		t.Errorf("desk.inbox in Polish = %q", got)
	}
	if got := c.For("sv").T("nav.home"); got != "Home sv" {
		t.Errorf("nav.home in Swedish = %q", got)
	}
	fsys["locales/desk/sv.json"] = &fstest.MapFile{Data: []byte(`{"desk.inbox": "Inkorg", "nav.home": "Start"}`)}
	if _, err := readFiles(fsys); err == nil || !strings.Contains(err.Error(), "nav.home") {
		t.Errorf("an id in two files: %v", err)
	}
}
