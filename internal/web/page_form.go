package web

import (
	"regexp"
	"strconv"
	"strings"

	"portico/internal/account"
	"portico/internal/apperr"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// pageMaxLengths are the limits behind "is too long", per form field.
var pageMaxLengths = map[string]int{
	"subject":      ticket.MaxSubject,
	"body":         ticket.MaxBody,
	"q":            ticket.MaxQuery,
	"comment":      ticket.MaxRatingComment,
	"display_name": account.MaxDisplayName,
}

var pageAtMost = regexp.MustCompile(`at most (\d+) characters`)

// pageFieldErrors turns a validation error into messages in the page's
// language, keyed by the form field they belong to: the domain's
// "properties.NAME" is the form's "p.NAME". The domain's own messages are
// English for programs; pages never show them. ok is false when err is not
// a validation error.
func pageFieldErrors(loc *i18n.Localizer, err error) (map[string]string, bool) {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return nil, false
	}
	out := make(map[string]string, len(e.Fields))
	for field, problem := range e.Fields {
		name := field
		if p, ok := strings.CutPrefix(field, "properties."); ok {
			name = "p." + p
		}
		out[name] = pageFieldMessage(loc, field, problem)
	}
	return out, true
}

func pageFieldMessage(loc *i18n.Localizer, field, problem string) string {
	switch field {
	case "sort", "order":
		return loc.T("tickets.error.sort")
	case "cursor", "limit":
		return loc.T("tickets.error.cursor")
	case "contact_ids":
		if strings.Contains(problem, "company") {
			return loc.T("ticket.share.outside")
		}
		return loc.T("ticket.share.choose")
	case "score":
		return loc.T("ticket.rating.choose")
	case "files":
		return loc.N("file.too_many", maxFiles)
	}
	switch {
	case problem == "is required":
		return loc.T("form.required")
	case problem == "is too long":
		if n, ok := pageMaxLengths[field]; ok {
			return loc.N("form.too_long", n)
		}
		return loc.T("form.invalid")
	case pageAtMost.MatchString(problem):
		n, _ := strconv.Atoi(pageAtMost.FindStringSubmatch(problem)[1])
		return loc.N("form.too_long", n)
	case strings.Contains(problem, "date"):
		return loc.T("form.invalid_date")
	case strings.Contains(problem, "invalid characters") || strings.Contains(problem, "control characters") || strings.Contains(problem, "NUL"):
		return loc.T("form.invalid_chars")
	case strings.Contains(problem, "number"):
		return loc.T("form.invalid_number")
	case strings.Contains(problem, "one of") || problem == "no such property" || strings.HasPrefix(problem, "must be ") && strings.Contains(problem, " or "):
		return loc.T("form.invalid_choice")
	}
	return loc.T("form.invalid")
}
