package web

import (
	"net/http"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/event"
)

// op describes an API route for the router and the OpenAPI document.
type op struct {
	method, path string
	tag, summary string
	admin        bool     // admins only
	body         any      // JSON request body type
	multipart    bool     // also takes multipart/form-data
	query        []string // query parameters
	resp         any      // response body type; nil for none
	list         bool     // resp is wrapped in the list envelope
	file         bool     // the response is a file
	status       int      // success status; 200 by default
	also         []int    // other success statuses
	customer     bool     // a customer API route: session cookie, not API key
	public       bool     // a customer route open to visitors not signed in
}

// apiHandler is an API handler for a signed-in agent; a returned error is
// written as the API's error body.
type apiHandler func(w http.ResponseWriter, r *http.Request, a *agent.Agent) error

type agentKey struct{}

// api registers an agent API route under /api/v1.
func (s *Server) api(o op, h apiHandler) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	s.ops = append(s.ops, &o)
	s.handle(o.method+" /api/v1"+o.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err == nil {
			err = checkQuery(r)
		}
		if err == nil && o.admin && !a.IsAdmin() {
			err = apperr.E(apperr.Forbidden, "admin_required", "only admins may do this")
		}
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}))
}

func (s *Server) authenticate(r *http.Request) (*agent.Agent, error) {
	h := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, apperr.E(apperr.Unauthorized, "unauthorized", "send an API key as Authorization: Bearer <key>")
	}
	return s.Agents.Authenticate(r.Context(), strings.TrimSpace(key))
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, apperr.E(apperr.NotFound, "not_found", "no such API route"))
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openapi)
}

// actor is the agent as the author of a change.
func actor(a *agent.Agent) event.Actor { return event.Actor{Type: event.ActorAgent, ID: a.ID} }

// pathID reads a positive integer path value; anything else names no
// resource, so it is 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf(strings.TrimSuffix(name, "_id"))
	}
	return id, nil
}

// queryID reads an optional positive integer query parameter.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.InvalidField(name, "must be a positive whole number")
	}
	return id, nil
}

// queryLimit reads ?limit= (1..100, default 25).
func queryLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 25, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, apperr.InvalidField("limit", "must be a whole number from 1 to 100")
	}
	return n, nil
}

// listBody is the list envelope of API.md §2.
type listBody[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
	Total      int     `json:"total"`
}

func writeList[T any](w http.ResponseWriter, items []T, next string, total int) {
	if items == nil {
		items = []T{}
	}
	body := listBody[T]{Items: items, Total: total}
	if next != "" {
		body.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, body)
}

// writeAll writes one page of a short list read whole (agents, pipelines,
// portals…), with the same limit and cursor as every other list.
func writeAll[T any](w http.ResponseWriter, r *http.Request, items []T) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	start := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "o"))
		if err != nil || !strings.HasPrefix(c, "o") || n <= 0 || n > len(items) {
			return apperr.InvalidField("cursor", "is not a cursor from this list")
		}
		start = n
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = "o" + strconv.Itoa(end)
	}
	writeList(w, items[start:end], next, len(items))
	return nil
}
