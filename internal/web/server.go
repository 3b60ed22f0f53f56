// Package web serves Portico over HTTP: the JSON API under /api/v1, the
// pages, health and metrics.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"portico/internal/account"
	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/auth"
	"portico/internal/contact"
	"portico/internal/delivery"
	"portico/internal/event"
	"portico/internal/filestore"
	supportform "portico/internal/form"
	"portico/internal/live"
	"portico/internal/notify"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/property"
	"portico/internal/sso"
	"portico/internal/ticket"
	"portico/internal/web/i18n"
)

// Services are the domain services the server calls.
type Services struct {
	Agents     *agent.Service
	Contacts   *contact.Service
	Accounts   *account.Service
	Pipelines  *pipeline.Service
	Properties *property.Service
	Portals    *portal.Service
	Forms      *supportform.Service
	Tickets    *ticket.Service
	Deliveries *delivery.Service
	Auth       *auth.Service
	SSO        *sso.Service
	Notify     *notify.Service
	// Reports reads the ratings report and the audit log.
	Reports ReportStore
}

// Options configure a Server.
type Options struct {
	Services
	Files  *filestore.Store
	Logger *slog.Logger
	// Ready reports whether the server can take traffic (database reachable,
	// migrations applied).
	Ready   func(ctx context.Context) error
	Version string
	// BaseURL is the public URL; an https one makes cookies Secure.
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Live carries ticket changes to open pages; an in-process hub when
	// nil (enough for one process; see live.Open for several).
	Live *live.Hub
}

// Server holds the handlers and what they need.
type Server struct {
	Services
	files    *filestore.Store
	log      *slog.Logger
	ready    func(ctx context.Context) error
	version  string
	mux      *http.ServeMux
	patterns []string
	ops      []*op
	openapi  []byte
	metrics  *metrics
	handler  http.Handler
	catalog  *i18n.Catalog
	secure   bool
	now      func() time.Time
	domains  domains
	live     *live.Hub
	// streamsDone ends the server-sent event streams (EndStreams).
	streamsDone chan struct{}
	endStreams  sync.Once
}

// New builds a Server with every route registered.
func New(o Options) (*Server, error) {
	s := &Server{Services: o.Services, files: o.Files, log: o.Logger, ready: o.Ready, version: o.Version, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.metrics = newMetrics()
	s.secure = strings.HasPrefix(o.BaseURL, "https://")
	s.now = o.Now
	if s.now == nil {
		s.now = time.Now
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.catalog = cat
	if s.Accounts != nil {
		s.Accounts = s.Accounts.WithWriter(s.accountWriter())
	}
	s.live, s.streamsDone = o.Live, make(chan struct{})
	if s.live == nil {
		s.live = live.New()
	}
	if s.Tickets != nil {
		s.Tickets = s.Tickets.WithPublisher(func(e event.Event) {
			if c, ok := live.FromEvent(e); ok {
				s.live.Publish(c)
			}
		})
	}
	s.routes()
	doc, err := s.openAPIDocument()
	if err != nil {
		return nil, fmt.Errorf("web: openapi: %w", err)
	}
	s.openapi = doc
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern(ssoACSPattern)
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := apperr.E(apperr.Forbidden, "cross_origin", "cross-origin requests that change data are refused")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.writeError(w, r, err)
			return
		}
		pageHeaders(w)
		s.renderPageError(w, r, nil, err)
	}))
	s.handler = s.observe(cop.Handler(s.onPortalDomains(s.mux)))
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Patterns lists every registered route pattern.
func (s *Server) Patterns() []string { return append([]string(nil), s.patterns...) }

// handle registers a plain handler.
func (s *Server) handle(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, h)
}

type requestIDKey struct{}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streamed responses (CSV, server-sent events) reach the client.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe gives every request an id, recovers panics, logs and counts it.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.logger(r).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.String("route", route), slog.Int("status", status),
				slog.Int64("bytes", sw.bytes), slog.Duration("duration", elapsed))
		}()
		next.ServeHTTP(sw, r)
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	return strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portico_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.latency, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry lets other parts of the program add their own metrics.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.logger(r).Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
