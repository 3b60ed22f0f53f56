package i18n

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// maxAcceptEntries bounds the work a hostile Accept-Language header can
// cause; real browsers send a handful of entries.
const maxAcceptEntries = 32

// Negotiate picks the page language by the rule of SPEC P22: the user's own
// setting when the portal offers it, else the best match for the browser's
// Accept-Language header among the offered languages ("sv-FI" finds "sv",
// "zh-Hans" finds "zh-CN"), else fallback, the portal's default. An empty
// offered means all Languages. The result is an element of offered or
// fallback.
func Negotiate(offered []string, userLang, acceptLanguage, fallback string) string {
	if len(offered) == 0 {
		offered = Languages
	}
	if userLang != "" {
		want := language.Make(userLang)
		for _, o := range offered {
			if strings.EqualFold(o, userLang) || language.Make(o) == want {
				return o
			}
		}
	}
	desired := parseAccept(acceptLanguage)
	if len(desired) == 0 {
		return fallback
	}
	supported := make([]language.Tag, 0, len(offered))
	index := make([]int, 0, len(offered))
	for i, o := range offered {
		t, err := language.Parse(o)
		if err != nil {
			continue
		}
		supported = append(supported, t)
		index = append(index, i)
	}
	if len(supported) == 0 {
		return fallback
	}
	_, i, conf := language.NewMatcher(supported).Match(desired...)
	if conf == language.No {
		return fallback
	}
	return offered[index[i]]
}

// parseAccept returns the languages of an Accept-Language header, most
// wanted first. A header with one malformed entry still yields the others:
// language.ParseAcceptLanguage would reject it whole, and one odd entry
// should not cost a reader the language they asked for first.
func parseAccept(header string) []language.Tag {
	if tags, _, err := language.ParseAcceptLanguage(header); err == nil {
		return tags
	}
	type entry struct {
		tag language.Tag
		q   float32
	}
	var entries []entry
	parts := strings.SplitN(header, ",", maxAcceptEntries+1)
	for _, part := range parts[:min(len(parts), maxAcceptEntries)] {
		tags, qs, err := language.ParseAcceptLanguage(part)
		if err != nil {
			continue
		}
		for j, t := range tags {
			entries = append(entries, entry{t, qs[j]})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return cmp.Compare(b.q, a.q) })
	tags := make([]language.Tag, len(entries))
	for i, e := range entries {
		tags[i] = e.tag
	}
	return tags
}
