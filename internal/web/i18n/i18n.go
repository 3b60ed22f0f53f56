// Package i18n holds the translated strings of the portal and desk pages and
// formats dates, times and numbers for the viewer's language.
//
// Messages live in JSON files per language, keyed by stable dotted ids such
// as "nav.home": locales/<lang>.json, and for a part of the product that
// keeps its own, locales/<part>/<lang>.json. An id belongs to one file. Counted messages use go-i18n's plural
// categories ("one", "few", "many", "other") and always receive the count as
// {{.Count}}. Every message may also use {{.Tickets}} and {{.tickets}}, the
// portal's name for tickets (see [Localizer.WithTicketLabel]).
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"
	"unicode"
	"unicode/utf8"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages are the languages every page is translated into, in the order
// the language picker shows them. The first is the fallback for anything
// unknown.
var Languages = []string{"en", "zh-CN", "pl", "sv"}

// names are the languages' names in themselves, because a reader looking for
// their own language in the picker recognises it only that way.
var names = map[string]string{
	"en":    "English",
	"zh-CN": "简体中文",
	"pl":    "Polski",
	"sv":    "Svenska",
}

// Name returns lang's name in that language ("Svenska" for "sv"), or lang
// itself when it is not one of Languages.
func Name(lang string) string {
	if n, ok := names[lang]; ok {
		return n
	}
	return lang
}

//go:embed locales
var files embed.FS

// Catalog is the parsed set of messages in every language. It is read-only
// after Load and safe for concurrent use.
type Catalog struct {
	ids        []string
	messages   map[string]map[string]*goi18n.Message
	localizers map[string]*Localizer
}

// load parses the embedded files the first time it is called; the files
// cannot change while the binary runs, so there is nothing to parse again.
var load = sync.OnceValues(func() (*Catalog, error) { return readFiles(files) })

// Load returns the catalog of the embedded message files. It fails when a
// file is missing or malformed, so a broken translation stops the server at
// start rather than showing raw ids to customers.
func Load() (*Catalog, error) {
	return load()
}

// readFiles parses locales/<lang>.json and locales/*/<lang>.json in fsys
// for every language.
func readFiles(fsys fs.FS) (*Catalog, error) {
	bundle := goi18n.NewBundle(language.English)
	c := &Catalog{
		messages:   make(map[string]map[string]*goi18n.Message, len(Languages)),
		localizers: make(map[string]*Localizer, len(Languages)),
	}
	for _, lang := range Languages {
		parts, err := fs.Glob(fsys, "locales/*/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		byID := map[string]*goi18n.Message{}
		for _, name := range append([]string{"locales/" + lang + ".json"}, parts...) {
			buf, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			if err := checkDuplicates(buf); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", name, err)
			}
			msgs, err := bundle.ParseMessageBytes(language.Make(lang), buf, json.Unmarshal)
			if err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", name, err)
			}
			for _, m := range msgs {
				if err := checkTemplates(m); err != nil {
					return nil, fmt.Errorf("i18n: %s: %w", name, err)
				}
				if byID[m.ID] != nil {
					return nil, fmt.Errorf("i18n: %s: id %q is in another file too", name, m.ID)
				}
				byID[m.ID] = m
			}
		}
		c.messages[lang] = byID
	}
	c.ids = slices.Sorted(maps.Keys(c.messages[Languages[0]]))
	for _, lang := range Languages {
		l := &Localizer{
			lang:  lang,
			loc:   goi18n.NewLocalizer(bundle, lang),
			cal:   calendars[lang],
			plain: new(sync.Map),
		}
		l.label = l.T("label.tickets")
		c.localizers[lang] = l
	}
	return c, nil
}

// checkDuplicates rejects a file that names one id twice: encoding/json
// would silently keep the last, and the first translation would vanish
// without anyone noticing.
func checkDuplicates(buf []byte) error {
	dec := json.NewDecoder(bytes.NewReader(buf))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want an object of id: message, found %v", tok)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		id, _ := tok.(string)
		if seen[id] {
			return fmt.Errorf("id %q appears twice", id)
		}
		seen[id] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// checkTemplates parses every plural form of m now; go-i18n would parse
// each only when first shown, and a broken one would then show its raw id.
func checkTemplates(m *goi18n.Message) error {
	for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if _, err := template.New(m.ID).Parse(text); err != nil {
			return fmt.Errorf("message %q: %w", m.ID, err)
		}
	}
	return nil
}

// IDs returns every message id, sorted. Page tests use it to check that
// templates ask only for ids that exist.
func (c *Catalog) IDs() []string {
	return slices.Clone(c.ids)
}

// For returns the localizer for lang, or the English one when lang is not
// one of Languages.
func (c *Catalog) For(lang string) *Localizer {
	if l, ok := c.localizers[lang]; ok {
		return l
	}
	return c.localizers[Languages[0]]
}

// Localizer translates messages and formats values for one language.
type Localizer struct {
	lang  string
	loc   *goi18n.Localizer
	cal   calendar
	label string
	// plain remembers messages without data (most of a page's), by
	// ticket label and id: filling one in runs a template.
	plain *sync.Map
}

// Lang returns the language tag, as used in <html lang>.
func (l *Localizer) Lang() string {
	return l.lang
}

// WithTicketLabel returns a copy of l that calls tickets label, the name the
// portal's admin gave tickets in this language (P12), e.g. "Cases". An empty
// label keeps the default.
func (l *Localizer) WithTicketLabel(label string) *Localizer {
	label = strings.TrimSpace(label)
	if label == "" {
		return l
	}
	c := *l
	c.label = label
	return &c
}

// T returns the message id filled in with data. A message that does not
// exist comes back as its id, so a page showing a raw id is noticed rather
// than breaking.
func (l *Localizer) T(id string, data ...map[string]any) string {
	if len(data) > 0 || l.plain == nil {
		return l.localize(id, nil, l.data(data))
	}
	key := l.label + "\x00" + id
	if s, ok := l.plain.Load(key); ok {
		return s.(string)
	}
	s := l.localize(id, nil, l.data(nil))
	l.plain.Store(key, s)
	return s
}

// N returns the counted message id in the plural form count needs in this
// language, with {{.Count}} set to count formatted as by [Localizer.Number].
func (l *Localizer) N(id string, count int, data ...map[string]any) string {
	d := l.data(data)
	d["Count"] = l.Number(int64(count))
	return l.localize(id, count, d)
}

func (l *Localizer) localize(id string, count any, data map[string]any) string {
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{
		MessageID:    id,
		TemplateData: data,
		PluralCount:  count,
	})
	// A message missing only in this language still comes back, in English;
	// the catalog tests keep that from happening in a release.
	if s == "" && err != nil {
		return id
	}
	return s
}

// data merges the caller's maps over the values every message may use.
func (l *Localizer) data(data []map[string]any) map[string]any {
	d := map[string]any{
		"Tickets": l.label,
		"tickets": lowerFirst(l.label),
	}
	for _, m := range data {
		maps.Copy(d, m)
	}
	return d
}

// lowerFirst lower-cases the first letter for use mid-sentence ("My cases"),
// leaving acronyms such as "RMA requests" alone.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
