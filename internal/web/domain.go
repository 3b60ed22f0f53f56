package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// A portal with a domain of its own (its "domain" setting) is served at
// the root of that domain too (API.md §5): a request for
// https://help.example.com/tickets is answered as /{slug}/tickets. Paths
// that already name the portal, and the product's own prefixes (the API,
// the desk, static files, health and metrics), pass unchanged.

// domainsTTL is how long the domain of each portal is remembered; a changed
// domain takes effect within it.
const domainsTTL = time.Second

// domains remembers which portal each domain belongs to.
type domains struct {
	mu     sync.Mutex
	bySlug map[string]string // host -> slug
	read   time.Time
}

// portalOfHost returns the slug of the portal whose domain is host, or "".
func (s *Server) portalOfHost(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || s.Portals == nil {
		return ""
	}
	d := &s.domains
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bySlug == nil || time.Since(d.read) > domainsTTL {
		ps, err := s.Portals.Portals(r.Context())
		if err != nil {
			// Served as without a domain; the next request tries again.
			return ""
		}
		d.bySlug = map[string]string{}
		for _, p := range ps {
			if p.Domain != nil && *p.Domain != "" {
				d.bySlug[strings.ToLower(*p.Domain)] = p.Slug
			}
		}
		d.read = time.Now()
	}
	return d.bySlug[host]
}

// ownPaths are the prefixes a portal's domain never takes over.
var ownPaths = []string{"/api/", "/desk/", "/desk", "/static/", "/healthz", "/readyz", "/metrics"}

// onPortalDomains serves the portal of the request's domain at that
// domain's root.
func (s *Server) onPortalDomains(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range ownPaths {
			if r.URL.Path == p || strings.HasPrefix(r.URL.Path, p) && strings.HasSuffix(p, "/") {
				next.ServeHTTP(w, r)
				return
			}
		}
		slug := s.portalOfHost(r)
		if slug == "" || r.URL.Path == "/"+slug || strings.HasPrefix(r.URL.Path, "/"+slug+"/") {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + slug + r.URL.Path
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}
