package web

import (
	"io"
	"net/http"

	"portico/internal/agent"
	"portico/internal/apperr"
	"portico/internal/pipeline"
	"portico/internal/property"
)

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	ps, err := s.Pipelines.Pipelines(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, ps)
}

func (s *Server) createPipeline(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	var in pipeline.PipelineInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.CreatePipeline(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Pipelines.Pipeline(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) addStage(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pipeline.StageInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.AddStage(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) listInboxes(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	list, err := s.Pipelines.Inboxes(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, list)
}

func (s *Server) createInbox(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	var in pipeline.InboxInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ib, err := s.Pipelines.CreateInbox(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ib)
	return nil
}

func (s *Server) listProperties(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	defs, err := s.Properties.Definitions(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, defs)
}

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	var in property.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Properties.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) listPortals(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	ps, err := s.Portals.Portals(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, ps)
}

func (s *Server) getPortal(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	p, err := s.Portals.Portal(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// updatePortal takes any subset of the settings; the portal service checks
// keys and values, so the body is passed on as it came. The account service
// invites, in the same transaction, the members of access groups the
// portal starts to admit (SPEC I2).
func (s *Server) updatePortal(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return apperr.E(apperr.Unsupported, "unsupported_media_type", "send application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2*maxJSONBody))
	if err != nil {
		return jsonError(err)
	}
	p, err := s.Accounts.UpdatePortal(r.Context(), actor(a), s.Portals, r.PathValue("slug"), body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
