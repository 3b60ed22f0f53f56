package web

import (
	"io"
	"net/http"

	"portico/internal/agent"
	"portico/internal/apperr"
	supportform "portico/internal/form"
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

func (s *Server) createPipeline(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in pipeline.PipelineInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.CreatePipeline(r.Context(), actor(a), in)
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

func (s *Server) addStage(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pipeline.StageInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.AddStage(r.Context(), actor(a), id, in)
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

func (s *Server) createInbox(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in pipeline.InboxInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	ib, err := s.Pipelines.CreateInbox(r.Context(), actor(a), in)
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

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in property.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Properties.Create(r.Context(), actor(a), in)
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

func (s *Server) updatePipeline(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pipeline.PipelineUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.UpdatePipeline(r.Context(), actor(a), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) deletePipeline(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Pipelines.DeletePipeline(r.Context(), actor(a), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) updateStage(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	stage, err := pathID(r, "stage_id")
	if err != nil {
		return err
	}
	var in pipeline.StageUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.Pipelines.UpdateStage(r.Context(), actor(a), id, stage, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) deleteStage(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	stage, err := pathID(r, "stage_id")
	if err != nil {
		return err
	}
	if _, err := s.Pipelines.DeleteStage(r.Context(), actor(a), id, stage); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) updateProperty(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in property.Update
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.Properties.Update(r.Context(), actor(a), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) renameAccessGroup(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in nameInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := s.Accounts.RenameGroup(r.Context(), actor(a), s.Portals, id, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) listForms(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	fs, err := s.Forms.Forms(r.Context())
	if err != nil {
		return err
	}
	return writeAll(w, r, fs)
}

func (s *Server) createForm(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	var in supportform.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := s.Forms.Create(r.Context(), actor(a), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) getForm(w http.ResponseWriter, r *http.Request, _ *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Forms.Form(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) updateForm(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in supportform.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	f, err := s.Forms.Update(r.Context(), actor(a), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request, a *agent.Agent) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Forms.Delete(r.Context(), actor(a), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
