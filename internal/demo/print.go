package demo

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Print writes the URLs and sign-ins: what someone needs to start looking
// around, in one screenful.
func (r *Result) Print(w io.Writer, baseURL string) error {
	base := strings.TrimRight(baseURL, "/")
	p := &printer{w: w}
	p.f("\nPortico demo is ready: %d tickets from %d customer companies.\n\n", r.Tickets, r.Companies)
	p.f("  Customer portal   %s/support/\n", base)
	p.f("  Agent desk        %s/desk/\n", base)
	p.f("  REST API          %s/api/v1/\n", base)
	p.f("  OpenAPI document  %s/api/v1/openapi.json\n", base)

	// Logins are ASCII, so padding them lines up the names whatever
	// script those are written in.
	width := 0
	for _, s := range append(slices.Clone(r.Agents), r.Customers...) {
		width = max(width, len(s.Login))
	}
	list := func(title string, sis []SignIn) {
		if len(sis) == 0 {
			return
		}
		p.f("\n%s, all with the password %q:\n", title, sis[0].Password)
		for _, s := range sis {
			p.f("  %-*s  %s", width, s.Login, s.Name)
			if s.Company != "" {
				p.f(", %s", s.Company)
			}
			if s.Note != "" {
				p.f(" (%s)", s.Note)
			}
			p.f("\n")
		}
	}
	list("Agents sign in at the desk", r.Agents)
	list("Customers sign in at the portal", r.Customers)

	if r.APIKey != "" {
		p.f("\nAPI key of %s (shown only now; create more with \"portico apikey create\"):\n", r.AdminEmail)
		p.f("  %s\n", r.APIKey)
		p.f("  curl -H 'Authorization: Bearer %s' %s/api/v1/tickets\n", r.APIKey, base)
	}
	p.f("\n")
	return p.err
}

// printer keeps the first write error so Print can write line by line.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
