package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/delivery"
	"portico/internal/filestore"
	"portico/internal/ticket"
)

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in ticket.NewTicket
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Source = ticket.SourceAPI
	t, err := s.Tickets.Create(r.Context(), actor(a), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.ID, 10))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	q := r.URL.Query()
	f := ticket.Filter{Q: q.Get("q"), Status: q.Get("status"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var err error
	if f.Limit, err = queryLimit(r); err != nil {
		return err
	}
	for name, dst := range map[string]*int64{"inbox_id": &f.InboxID, "pipeline_id": &f.PipelineID, "stage_id": &f.StageID,
		"requester_id": &f.RequesterID, "company_id": &f.CompanyID} {
		if *dst, err = queryID(r, name); err != nil {
			return err
		}
	}
	if q.Get("owner_id") == "none" {
		f.Unassigned = true
	} else if f.OwnerID, err = queryID(r, "owner_id"); err != nil {
		return err
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Asc = true
	default:
		return apperr.InvalidField("order", "must be asc or desc")
	}
	page, err := s.Tickets.Tickets(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor, page.Total)
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Tickets.Ticket(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.Update
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.Update(r.Context(), actor(a), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	msgs, err := s.Tickets.Messages(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, msgs, "", len(msgs))
	return nil
}

// createMessage takes JSON or a multipart form with body, internal and
// any number of files.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.NewMessage
	if isMultipart(r) {
		form, err := s.readMultipart(w, r, map[string]bool{"body": true, "internal": true, "resolution": true})
		if err != nil {
			return err
		}
		in.Body = form.values["body"]
		if in.Internal, err = formBool(form.values, "internal"); err != nil {
			s.discard(form.files)
			return err
		}
		if in.Resolution, err = formBool(form.values, "resolution"); err != nil {
			s.discard(form.files)
			return err
		}
		in.Attachments = attachments(form.files)
	} else if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := s.Tickets.AddAgentMessage(r.Context(), a.ID, ticket.MessageAPI, id, in)
	if err != nil {
		s.discard(in.Attachments)
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// maxFiles bounds the attachments of one request.
const maxFiles = 20

// form is a multipart form whose files are already stored.
type form struct {
	values map[string]string
	files  []*filestore.File
}

// readMultipart streams a multipart form: text fields named in fields, and
// files (field "files") straight into the file store, each within the
// upload limit. Nothing is kept if reading fails.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request, fields map[string]bool) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFiles*s.files.MaxSize()+maxJSONBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.E(apperr.Malformed, "malformed_multipart", "the body is not a valid multipart form")
	}
	f := &form{values: map[string]string{}}
	fail := func(err error) (*form, error) {
		s.discard(f.files)
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return fail(apperr.E(apperr.TooLarge, "body_too_large", "the request is too large"))
			}
			return fail(apperr.E(apperr.Malformed, "malformed_multipart", "the body is not a valid multipart form"))
		}
		name := part.FormName()
		switch {
		case name == "files" || name == "files[]" || name == "file":
			if part.FileName() == "" {
				part.Close()
				continue
			}
			if len(f.files) == maxFiles {
				return fail(apperr.InvalidField("files", fmt.Sprintf("at most %d files at a time", maxFiles)))
			}
			file, err := s.files.Put(r.Context(), part.FileName(), part)
			if err != nil {
				var maxErr *http.MaxBytesError
				if errors.As(err, &maxErr) {
					err = apperr.E(apperr.TooLarge, "body_too_large", "the request is too large")
				}
				return fail(err)
			}
			f.files = append(f.files, file)
		case fields[name]:
			b, err := io.ReadAll(io.LimitReader(part, maxJSONBody+1))
			if err != nil {
				return fail(apperr.E(apperr.Malformed, "malformed_multipart", "the body is not a valid multipart form"))
			}
			if len(b) > maxJSONBody {
				return fail(apperr.InvalidField(name, "is too long"))
			}
			f.values[name] = string(b)
		default:
			return fail(apperr.InvalidField(name, "unknown field"))
		}
		part.Close()
	}
	return f, nil
}

func formBool(values map[string]string, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(values[name])) {
	case "", "false", "0", "off", "no":
		return false, nil
	case "true", "1", "on", "yes":
		return true, nil
	}
	return false, apperr.InvalidField(name, "must be true or false")
}

func attachments(files []*filestore.File) []ticket.Attachment {
	out := make([]ticket.Attachment, len(files))
	for i, f := range files {
		out[i] = ticket.Attachment{Key: f.Key, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256}
	}
	return out
}

// discard removes stored files whose record was not written.
func (s *Server) discard(files any) {
	var keys []string
	switch fs := files.(type) {
	case []*filestore.File:
		for _, f := range fs {
			keys = append(keys, f.Key)
		}
	case []ticket.Attachment:
		for _, a := range fs {
			keys = append(keys, a.Key)
		}
	}
	if len(keys) == 0 {
		return
	}
	if err := s.files.Delete(context.WithoutCancel(context.Background()), keys...); err != nil {
		s.log.Warn("could not remove unused uploads", "err", err)
	}
}

func (s *Server) getRating(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rating, err := s.Tickets.Rating(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rating)
	return nil
}

func (s *Server) ticketEvents(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	return s.events(w, r, func(id int64) ticket.EventFilter { return ticket.EventFilter{TicketID: id} })
}

func (s *Server) events(w http.ResponseWriter, r *http.Request, filter func(id int64) ticket.EventFilter) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := filter(id)
	if f.Limit, err = queryLimit(r); err != nil {
		return err
	}
	f.Cursor = r.URL.Query().Get("cursor")
	page, err := s.Tickets.Events(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor, page.Total)
	return nil
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Tickets.Attachment(r.Context(), id)
	if err != nil {
		return err
	}
	return s.serveFile(w, r, a)
}

// serveFile sends an attachment so that no browser runs or renders it in
// the site's origin.
// attachmentDisposition makes a browser download a file under its name
// (RFC 6266; names beyond ASCII are sent in the RFC 2231 form).
func attachmentDisposition(filename string) string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": filename}); d != "" {
		return d
	}
	return "attachment"
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, a *ticket.Attachment) error {
	rc, err := s.files.Open(r.Context(), a.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Content-Disposition", attachmentDisposition(a.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil {
		s.logger(r).Warn("attachment download cut short", "attachment", a.ID, "err", err)
	}
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := s.Deliveries.Deliveries(r.Context(), delivery.Filter{To: q.Get("to"), Kind: q.Get("kind"), Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	writeList(w, page.Items, page.NextCursor, page.Total)
	return nil
}
