package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portico/internal/store"
)

// The audit log (SPEC A11) of settings: every change made at the desk or
// through the API is logged once, by whoever made it, with what it changed;
// a change refused is not logged.

// apiAs calls the API with key and requires status want, returning the
// JSON object answered (nil for 204).
func (e *testEnv) apiAs(t *testing.T, key, method, path string, body any, want int) map[string]any {
	t.Helper()
	r := e.callAs(key, method, path, body)
	if r.Code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, r.Code, want, r.Body)
	}
	if want == http.StatusNoContent {
		return nil
	}
	return r.object(t)
}

// stageIDs lists a pipeline's stage ids in order.
func (e *testEnv) stageIDs(t *testing.T, pipeline int64) []int64 {
	t.Helper()
	var out []int64
	for _, s := range e.ok(t, "GET", fmt.Sprintf("/api/v1/pipelines/%d", pipeline), nil, http.StatusOK)["stages"].([]any) {
		out = append(out, id(t, s.(map[string]any), "id"))
	}
	return out
}

// targetID reads an entry's target as a number.
func targetID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("target id %q: %v", s, err)
	}
	return n
}

// ticketsSection is the desk's form of the support portal's ticket
// settings holding what they are now, with closing stages changed by
// close (pipeline → stage).
func (e *testEnv) ticketsSection(t *testing.T, close map[int64]int64) url.Values {
	t.Helper()
	s := e.portalSettings(t)
	v := url.Values{"owner_display": {s["owner_display"].(string)}}
	labels, _ := s["ticket_label"].(map[string]any)
	for lang, label := range labels {
		v.Set("ticket_label."+lang, label.(string))
	}
	for _, k := range []string{"show_custom_stages", "allow_reply_to_closed", "allow_customer_close"} {
		if s[k] == true {
			v.Set(k, "on")
		}
	}
	chosen, _ := s["close_stage_by_pipeline"].(map[string]any)
	for p, st := range chosen {
		v.Set("close_stage."+p, fmt.Sprint(st))
	}
	for p, st := range close {
		v.Set(fmt.Sprintf("close_stage.%d", p), fmt.Sprint(st))
	}
	return v
}

func TestAuditPipelinesAndStages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		opsID, ops := e.secondAdmin(t)
		log := e.auditTail(t)

		admin.saved(t, "/desk/settings/pipelines", url.Values{"name": {"Returns"}})
		created := log.one(t)
		rma := targetID(t, created.TargetID)
		wantAudit(t, created, "pipeline.created", "pipeline", rma, e.adminID, nil,
			map[string]any{"name": "Returns", "stages": []string{"New", "Closed"}, "closed_stages": []string{"Closed"}, "waiting_stage": "New"})
		stages := e.stageIDs(t, rma)
		closed := stages[1]

		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/pipelines/%d", rma), map[string]any{"name": "RMA"}, http.StatusOK)
		wantAudit(t, log.one(t), "pipeline.renamed", "pipeline", rma, opsID, map[string]any{"name": "Returns"}, map[string]any{"name": "RMA"})

		admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages", rma), url.Values{"name": {"Inspecting"}, "state": {"open"}})
		inspecting := e.stageIDs(t, rma)[2]
		wantAudit(t, log.one(t), "stage.created", "stage", inspecting, e.adminID, nil, map[string]any{"pipeline": "RMA", "name": "Inspecting",
			"state": "open", "waiting_for_acceptance": false, "order": []string{"New", "Closed", "Inspecting"}})

		admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d/move", rma, inspecting), url.Values{"dir": {"up"}})
		wantAudit(t, log.one(t), "stage.updated", "stage", inspecting, e.adminID,
			map[string]any{"order": []string{"New", "Closed", "Inspecting"}}, map[string]any{"order": []string{"New", "Inspecting", "Closed"}})

		// Taking the waiting mark names the stage that lost it.
		edit := url.Values{"name": {"Inspection"}, "state": {"open"}, "waiting": {"on"}}
		admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d", rma, inspecting), edit)
		wantAudit(t, log.one(t), "stage.updated", "stage", inspecting, e.adminID,
			map[string]any{"name": "Inspecting", "waiting_for_acceptance": false, "waiting_stage": "New"},
			map[string]any{"name": "Inspection", "waiting_for_acceptance": true, "waiting_stage": "Inspection"})
		admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d", rma, inspecting), edit)
		log.none(t, "saving a stage unchanged")

		e.apiAs(t, ops, "POST", fmt.Sprintf("/api/v1/pipelines/%d/stages", rma), map[string]any{"name": "Resolved", "state": "closed"}, http.StatusCreated)
		resolved := e.stageIDs(t, rma)[3]
		wantAudit(t, log.one(t), "stage.created", "stage", resolved, opsID, nil, map[string]any{"pipeline": "RMA", "name": "Resolved",
			"state": "closed", "waiting_for_acceptance": false, "order": []string{"New", "Inspection", "Closed", "Resolved"}})

		t.Run("the closing stage a portal chooses", func(t *testing.T) {
			cur := e.portalSettings(t)["close_stage_by_pipeline"].(map[string]any)
			next := map[string]any{}
			for k, v := range cur {
				next[k] = v
			}
			next[fmt.Sprint(rma)] = resolved
			e.apiAs(t, ops, "PATCH", "/api/v1/portals/support", map[string]any{"close_stage_by_pipeline": next}, http.StatusOK)
			wantAudit(t, log.one(t), "portal.updated", "portal", "support", opsID,
				map[string]any{"close_stage_by_pipeline": cur}, map[string]any{"close_stage_by_pipeline": next})

			// Opening that stage takes the choice away: the stage's entry says so.
			e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/pipelines/%d/stages/%d", rma, resolved), map[string]any{"state": "open"}, http.StatusOK)
			wantAudit(t, log.one(t), "stage.updated", "stage", resolved, opsID,
				map[string]any{"state": "closed", "closing_stage_for": []string{"support"}}, map[string]any{"state": "open", "closing_stage_for": []string{}})
			if _, ok := e.portalSettings(t)["close_stage_by_pipeline"].(map[string]any)[fmt.Sprint(rma)]; ok {
				t.Error("the portal still closes into a stage that is open")
			}

			// At the desk, in the portal's ticket settings.
			admin.saved(t, "/desk/settings/portals/support/tickets", e.ticketsSection(t, map[int64]int64{rma: closed}))
			wantAudit(t, log.one(t), "portal.updated", "portal", "support", e.adminID,
				map[string]any{"close_stage_by_pipeline": cur}, map[string]any{"close_stage_by_pipeline": func() map[string]any {
					m := map[string]any{fmt.Sprint(rma): closed}
					for k, v := range cur {
						m[k] = v
					}
					return m
				}()})
			p := admin.get("/desk/settings/audit?target=portal").want(t, http.StatusOK)
			p.has(t, loc.T("audit.field.close_stage_by_pipeline")+" › RMA:</dt><dd><del>"+loc.T("audit.none")+"</del> → <ins>Closed</ins>")
		})

		t.Run("refused changes are not logged", func(t *testing.T) {
			admin.post("/desk/settings/pipelines", url.Values{"name": {" "}}).want(t, http.StatusUnprocessableEntity)
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/pipelines/%d", rma), map[string]any{"name": ""}).wantFields(t, "name")
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d/delete", rma, closed), nil).want(t, http.StatusConflict)
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/pipelines/%d/stages/%d", rma, closed), map[string]any{"waiting_for_acceptance": true}).
				wantFields(t, "waiting_for_acceptance")
			e.callAs(ops, "POST", fmt.Sprintf("/api/v1/pipelines/%d/stages", rma), map[string]any{"name": "Twice", "waiting_for_acceptance": true}).
				wantFields(t, "waiting_for_acceptance")
			c := e.contact(t, map[string]any{"first_name": "Ida"})
			e.ticket(t, c, "Broken", map[string]any{"pipeline_id": rma, "stage_id": inspecting})
			e.callAs(ops, "DELETE", fmt.Sprintf("/api/v1/pipelines/%d/stages/%d", rma, inspecting), nil).wantError(t, http.StatusConflict)
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/stages/%d", rma, inspecting), url.Values{"name": {"Inspection"}, "state": {"closed"}}).
				want(t, http.StatusConflict)
			admin.post(fmt.Sprintf("/desk/settings/pipelines/%d/delete", rma), nil).want(t, http.StatusConflict)
			log.none(t, "refused pipeline changes")
		})

		e.apiAs(t, ops, "DELETE", fmt.Sprintf("/api/v1/pipelines/%d/stages/%d", rma, resolved), nil, http.StatusNoContent)
		wantAudit(t, log.one(t), "stage.deleted", "stage", resolved, opsID,
			map[string]any{"pipeline": "RMA", "name": "Resolved", "state": "open", "waiting_for_acceptance": false, "order": []string{"New", "Inspection", "Closed", "Resolved"}},
			map[string]any{"order": []string{"New", "Inspection", "Closed"}})

		// A deleted pipeline takes the portals' choice of its closing stage along.
		empty := id(t, e.apiAs(t, ops, "POST", "/api/v1/pipelines", map[string]any{"name": "Empty"}, http.StatusCreated), "id")
		log.one(t)
		emptyClosed := e.stageIDs(t, empty)[1]
		admin.saved(t, "/desk/settings/portals/support/tickets", e.ticketsSection(t, map[int64]int64{empty: emptyClosed}))
		log.one(t)
		admin.saved(t, fmt.Sprintf("/desk/settings/pipelines/%d/delete", empty), nil)
		wantAudit(t, log.one(t), "pipeline.deleted", "pipeline", empty, e.adminID, map[string]any{"name": "Empty", "stages": []string{"New", "Closed"},
			"closed_stages": []string{"Closed"}, "waiting_stage": "New", "close_stage_by_portal": map[string]any{"support": "Closed"}}, nil)

		e.apiAs(t, ops, "POST", "/api/v1/inboxes", map[string]any{"name": "Returns desk", "email": "returns@example.com"}, http.StatusCreated)
		inbox := log.one(t)
		wantAudit(t, inbox, "inbox.created", "inbox", inbox.TargetID, opsID, nil, map[string]any{"name": "Returns desk", "email": "returns@example.com"})

		p := admin.get("/desk/settings/audit?target=pipeline").want(t, http.StatusOK).strict(t, "pipeline log")
		p.has(t, loc.T("audit.action.pipeline.renamed"), "<del>Returns</del> → <ins>RMA</ins>",
			loc.T("audit.action.stage.updated"), "Inspection in RMA", "<del>New, Closed, Inspecting</del> → <ins>New, Inspecting, Closed</ins>",
			loc.T("audit.field.closing_stage_for")+":</dt><dd><del>Support</del>",
			loc.T("audit.action.stage.deleted"), "Resolved in RMA", loc.T("audit.action.pipeline.deleted"), "Empty",
			loc.T("audit.action.inbox.created"), "Returns desk", `">ops</td>`)
		p.lacks(t, loc.T("audit.action.portal.updated"))
	})
}

func TestAuditProperties(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		opsID, ops := e.secondAdmin(t)
		log := e.auditTail(t)

		admin.saved(t, "/desk/settings/properties", url.Values{"name": {"model"}, "type": {"single_select"}, "options": {"X1\r\nX2\r\n"},
			"label.en": {"Model"}, "label.pl": {"Model urządzenia"}, "portal_visible": {"on"}})
		created := log.one(t)
		model := targetID(t, created.TargetID)
		wantAudit(t, created, "property.created", "property", model, e.adminID, nil, map[string]any{"name": "model", "type": "single_select",
			"label": map[string]any{"en": "Model", "pl": "Model urządzenia"}, "options": []string{"X1", "X2"}, "portal_visible": true})

		edit := url.Values{"options": {"X1\nX2\nX3"}, "label.en": {"Device model"}}
		admin.saved(t, fmt.Sprintf("/desk/settings/properties/%d", model), edit)
		wantAudit(t, log.one(t), "property.updated", "property", model, e.adminID,
			map[string]any{"label": map[string]any{"en": "Model", "pl": "Model urządzenia"}, "options": []string{"X1", "X2"}, "portal_visible": true},
			map[string]any{"label": map[string]any{"en": "Device model"}, "options": []string{"X1", "X2", "X3"}, "portal_visible": false})
		admin.saved(t, fmt.Sprintf("/desk/settings/properties/%d", model), edit)
		log.none(t, "saving a property unchanged")

		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/properties/%d", model), map[string]any{"label": map[string]string{"sv": "Modell"}}, http.StatusOK)
		wantAudit(t, log.one(t), "property.updated", "property", model, opsID,
			map[string]any{"label": map[string]any{"en": "Device model"}}, map[string]any{"label": map[string]any{"sv": "Modell"}})

		serial := id(t, e.apiAs(t, ops, "POST", "/api/v1/properties", map[string]any{"name": "serial", "type": "text"}, http.StatusCreated), "id")
		wantAudit(t, log.one(t), "property.created", "property", serial, opsID, nil,
			map[string]any{"name": "serial", "type": "text", "label": map[string]any{}, "options": []string{}, "portal_visible": true})

		// A built-in property is shown to or hidden from customers.
		var props struct {
			Items []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"items"`
		}
		e.call("GET", "/api/v1/properties?limit=100", nil).decode(t, &props)
		ids := map[string]int64{}
		for _, p := range props.Items {
			ids[p.Name] = p.ID
		}
		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/properties/%d", ids["priority"]), map[string]any{"portal_visible": false}, http.StatusOK)
		wantAudit(t, log.one(t), "property.updated", "property", ids["priority"], opsID, map[string]any{"portal_visible": true}, map[string]any{"portal_visible": false})

		t.Run("refused changes are not logged", func(t *testing.T) {
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/properties/%d", model), map[string]any{"options": []string{"X1", "X1"}}).wantFields(t, "options")
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/properties/%d", ids["status"]), map[string]any{"label": map[string]string{"en": "State"}}).wantFields(t, "label")
			e.callAs(ops, "POST", "/api/v1/properties", map[string]any{"name": "colour", "type": "colour"}).wantFields(t, "type")
			e.callAs(ops, "POST", "/api/v1/properties", map[string]any{"name": "serial", "type": "text"}).wantError(t, http.StatusConflict)
			admin.post("/desk/settings/properties", url.Values{"name": {"Bad Name"}, "type": {"text"}}).want(t, http.StatusUnprocessableEntity)
			admin.post("/desk/settings/properties", url.Values{"name": {"model"}, "type": {"text"}}).want(t, http.StatusUnprocessableEntity)
			admin.post(fmt.Sprintf("/desk/settings/properties/%d", ids["requester"]), url.Values{}).want(t, http.StatusConflict)
			log.none(t, "refused property changes")
		})

		p := admin.get("/desk/settings/audit?target=property").want(t, http.StatusOK).strict(t, "property log")
		p.has(t, loc.T("audit.action.property.created"), loc.T("audit.action.property.updated"),
			loc.T("audit.field.options")+":</dt><dd><del>X1, X2</del> → <ins>X1, X2, X3</ins>",
			loc.T("audit.field.label")+" › Polski:</dt><dd><del>Model urządzenia</del> → <ins>"+loc.T("audit.none")+"</ins>",
			loc.T("audit.field.portal_visible")+":</dt><dd><del>"+loc.T("audit.yes")+"</del> → <ins>"+loc.T("audit.no")+"</ins>",
			loc.T("audit.field.type")+":</dt><dd><ins>"+loc.T("settings.type.single_select")+"</ins></dd>",
			"Modell", loc.T("tickets.col.priority"))
	})
}

func TestAuditAccessGroups(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		opsID, ops := e.secondAdmin(t)
		ada := e.contact(t, map[string]any{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"})
		bob := e.contact(t, map[string]any{"first_name": "Bob", "last_name": "Babbage", "email": "bob@example.com"})
		plain := e.nonAdminKey(t)
		log := e.auditTail(t)

		admin.saved(t, "/desk/settings/access-groups", url.Values{"name": {"Partners"}})
		created := log.one(t)
		g := targetID(t, created.TargetID)
		wantAudit(t, created, "access_group.created", "access_group", g, e.adminID, nil, map[string]any{"name": "Partners"})
		other := id(t, e.apiAs(t, ops, "POST", "/api/v1/access-groups", map[string]any{"name": "Others"}, http.StatusCreated), "id")
		wantAudit(t, log.one(t), "access_group.created", "access_group", other, opsID, nil, map[string]any{"name": "Others"})

		base := fmt.Sprintf("/desk/settings/access-groups/%d", g)
		admin.saved(t, base, url.Values{"name": {"Key partners"}})
		wantAudit(t, log.one(t), "access_group.renamed", "access_group", g, e.adminID, map[string]any{"name": "Partners"}, map[string]any{"name": "Key partners"})
		admin.saved(t, base, url.Values{"name": {"Key partners"}})
		log.none(t, "saving a group's name unchanged")
		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/access-groups/%d", other), map[string]any{"name": "Other partners"}, http.StatusOK)
		wantAudit(t, log.one(t), "access_group.renamed", "access_group", other, opsID, map[string]any{"name": "Others"}, map[string]any{"name": "Other partners"})

		admin.saved(t, base+"/members", url.Values{"contact_id": {fmt.Sprint(ada)}})
		wantAudit(t, log.one(t), "access_group.members_added", "access_group", g, e.adminID, map[string]any{"contact_ids": []int64{}}, map[string]any{"contact_ids": []int64{ada}})
		e.apiAs(t, ops, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": []int64{bob}}, http.StatusOK)
		wantAudit(t, log.one(t), "access_group.members_added", "access_group", g, opsID, map[string]any{"contact_ids": []int64{ada}}, map[string]any{"contact_ids": []int64{ada, bob}})

		admin.saved(t, fmt.Sprintf("%s/members/%d/delete", base, ada), nil)
		wantAudit(t, log.one(t), "access_group.members_removed", "access_group", g, e.adminID,
			map[string]any{"contact_ids": []int64{ada, bob}}, map[string]any{"contact_ids": []int64{bob}})
		e.apiAs(t, ops, "DELETE", fmt.Sprintf("/api/v1/access-groups/%d/members/%d", g, bob), nil, http.StatusNoContent)
		wantAudit(t, log.one(t), "access_group.members_removed", "access_group", g, opsID,
			map[string]any{"contact_ids": []int64{bob}}, map[string]any{"contact_ids": []int64{}})

		t.Run("refused changes are not logged", func(t *testing.T) {
			admin.post(base, url.Values{"name": {"Other partners"}}).want(t, http.StatusConflict)
			admin.post("/desk/settings/access-groups", url.Values{"name": {" "}}).want(t, http.StatusUnprocessableEntity)
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/access-groups/%d", g), map[string]any{"name": ""}).wantFields(t, "name")
			e.callAs(ops, "POST", "/api/v1/access-groups", map[string]any{"name": "Other partners"}).wantError(t, http.StatusConflict)
			e.callAs(ops, "DELETE", fmt.Sprintf("/api/v1/access-groups/%d/members/%d", g, ada), nil).wantError(t, http.StatusNotFound)
			admin.post(fmt.Sprintf("%s/members/%d/delete", base, ada), nil).want(t, http.StatusNotFound)
			e.callAs(plain, "DELETE", fmt.Sprintf("/api/v1/access-groups/%d/members/%d", g, bob), nil).wantError(t, http.StatusForbidden)
			log.none(t, "refused group changes")
		})

		p := admin.get("/desk/settings/audit?target=access_group").want(t, http.StatusOK).strict(t, "group log")
		p.has(t, loc.T("audit.action.access_group.created"), loc.T("audit.action.access_group.renamed"), loc.T("audit.action.access_group.members_removed"),
			"<del>Partners</del> → <ins>Key partners</ins>",
			loc.T("audit.field.contact_ids")+":</dt><dd><del>Ada Lovelace, Bob Babbage</del> → <ins>Bob Babbage</ins>")

		// In a large group the page shows who left and who joined, not
		// every member before and after.
		var crowd []int64
		for i := range 7 {
			crowd = append(crowd, e.contact(t, map[string]any{"first_name": fmt.Sprintf("Member%d", i), "last_name": "Crowd"}))
		}
		e.apiAs(t, ops, "POST", fmt.Sprintf("/api/v1/access-groups/%d/members", g), map[string]any{"contact_ids": crowd}, http.StatusOK)
		admin.saved(t, fmt.Sprintf("%s/members/%d/delete", base, crowd[3]), nil)
		if got := log.next(t); len(got) != 2 || got[1].Action != "access_group.members_removed" {
			t.Fatalf("entries: %s", auditSummary(got))
		}
		p = admin.get("/desk/settings/audit?target=access_group").want(t, http.StatusOK)
		p.has(t, loc.T("audit.field.contact_ids")+":</dt><dd><del>− Member3 Crowd</del></dd>",
			loc.T("audit.field.contact_ids")+":</dt><dd><ins>+ Member0 Crowd, Member1 Crowd, Member2 Crowd, Member3 Crowd")
	})
}

func TestAuditForms(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		admin := e.settingsAdmin(t)
		opsID, ops := e.secondAdmin(t)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "serial", "type": "text", "label": map[string]string{"en": "Serial"}}, http.StatusCreated)
		e.ok(t, "POST", "/api/v1/properties", map[string]any{"name": "model", "type": "single_select", "options": []string{"X1"}, "label": map[string]string{"en": "Model"}}, http.StatusCreated)
		rma := id(t, e.ok(t, "POST", "/api/v1/pipelines", map[string]any{"name": "RMA"}, http.StatusCreated), "id")
		returns := id(t, e.ok(t, "POST", "/api/v1/inboxes", map[string]any{"name": "Returns"}, http.StatusCreated), "id")
		plain := e.nonAdminKey(t)
		log := e.auditTail(t)

		target := url.Values{"name": {"Return a device"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)}}
		admin.saved(t, "/desk/settings/forms", target)
		created := log.one(t)
		f := targetID(t, created.TargetID)
		wantAudit(t, created, "form.created", "form", f, e.adminID, nil, map[string]any{"name": "Return a device", "inbox": "Returns", "pipeline": "RMA",
			"fields": []string{}, "required": []string{}, "field_labels": map[string]any{}})

		base := fmt.Sprintf("/desk/settings/forms/%d", f)
		add := url.Values{"op": {"add"}, "add_field": {"model"}}
		for k, v := range target {
			add[k] = v
		}
		admin.saved(t, base, add)
		wantAudit(t, log.one(t), "form.updated", "form", f, e.adminID, map[string]any{"fields": []string{}}, map[string]any{"fields": []string{"model"}})

		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/forms/%d", f), map[string]any{"fields": []map[string]any{
			{"property": "serial", "required": true, "label": map[string]string{"en": "Serial number"}}, {"property": "model"}}}, http.StatusOK)
		wantAudit(t, log.one(t), "form.updated", "form", f, opsID,
			map[string]any{"fields": []string{"model"}, "required": []string{}, "field_labels": map[string]any{}},
			map[string]any{"fields": []string{"serial", "model"}, "required": []string{"serial"}, "field_labels": map[string]any{"serial": map[string]any{"en": "Serial number"}}})

		// Connecting the form to a portal is a change to the portal.
		s := e.portalSettings(t)
		connect := url.Values{"support_form_id": {fmt.Sprint(f)}}
		for _, k := range []string{"form_menu_text", "form_title"} {
			texts, _ := s[k].(map[string]any)
			for lang, text := range texts {
				connect.Set(k+"."+lang, text.(string))
			}
		}
		admin.saved(t, "/desk/settings/portals/support/form", connect)
		wantAudit(t, log.one(t), "portal.updated", "portal", "support", e.adminID, map[string]any{"support_form_id": nil}, map[string]any{"support_form_id": f})
		p := admin.get("/desk/settings/audit?target=portal").want(t, http.StatusOK)
		p.has(t, loc.T("audit.field.support_form_id")+":</dt><dd><del>"+loc.T("audit.none")+"</del> → <ins>Return a device</ins>")

		t.Run("refused changes are not logged", func(t *testing.T) {
			e.callAs(ops, "PATCH", fmt.Sprintf("/api/v1/forms/%d", f), map[string]any{"fields": []map[string]any{{"property": "serial"}, {"property": "serial"}}}).
				wantFields(t, "fields.1.property")
			e.callAs(ops, "POST", "/api/v1/forms", map[string]any{"name": "Nowhere", "inbox_id": 999999, "pipeline_id": rma}).wantFields(t, "inbox_id")
			admin.post("/desk/settings/forms", url.Values{"name": {""}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)}}).
				want(t, http.StatusUnprocessableEntity)
			admin.post(base, url.Values{"name": {"Return a device"}, "field.0.property": {"status"}}).want(t, http.StatusUnprocessableEntity)
			e.callAs(plain, "DELETE", fmt.Sprintf("/api/v1/forms/%d", f), nil).wantError(t, http.StatusForbidden)
			log.none(t, "refused form changes")
		})

		// Deleting the form puts the portal back on its built-in form; the
		// entry says which portals showed it.
		e.apiAs(t, ops, "DELETE", fmt.Sprintf("/api/v1/forms/%d", f), nil, http.StatusNoContent)
		wantAudit(t, log.one(t), "form.deleted", "form", f, opsID, map[string]any{"name": "Return a device", "inbox": "Returns", "pipeline": "RMA",
			"fields": []string{"serial", "model"}, "required": []string{"serial"}, "field_labels": map[string]any{"serial": map[string]any{"en": "Serial number"}},
			"portals": []string{"support"}}, nil)
		if s := e.portalSettings(t); s["support_form_id"] != nil {
			t.Errorf("support_form_id = %v after the form was deleted", s["support_form_id"])
		}

		admin.saved(t, "/desk/settings/forms", url.Values{"name": {"Spare"}, "inbox_id": {fmt.Sprint(returns)}, "pipeline_id": {fmt.Sprint(rma)}})
		spare := targetID(t, log.one(t).TargetID)
		admin.post(fmt.Sprintf("/desk/settings/forms/%d/delete", spare), nil).want(t, http.StatusSeeOther)
		wantAudit(t, log.one(t), "form.deleted", "form", spare, e.adminID, map[string]any{"name": "Spare", "inbox": "Returns", "pipeline": "RMA",
			"fields": []string{}, "required": []string{}, "field_labels": map[string]any{}}, nil)

		p = admin.get("/desk/settings/audit?target=form").want(t, http.StatusOK).strict(t, "form log")
		p.has(t, loc.T("audit.action.form.created"), loc.T("audit.action.form.updated"), loc.T("audit.action.form.deleted"),
			loc.T("audit.field.fields")+":</dt><dd><del>Model</del> → <ins>Serial, Model</ins>",
			loc.T("audit.field.field_labels")+" › Serial › English:</dt><dd><del>"+loc.T("audit.none")+"</del> → <ins>Serial number</ins>",
			loc.T("audit.field.portals")+":</dt><dd><del>Support</del>")
		p.lacks(t, loc.T("audit.action.portal.updated"))
	})
}

func TestAuditAgentsAndKeys(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		opsID, ops := e.secondAdmin(t)
		plain := e.nonAdminKey(t)
		log := e.auditTail(t)

		// The test's admin and key were made by the system, as the command
		// line makes them.
		all, err := e.db.AuditLog(t.Context(), store.AuditFilter{TargetTypes: []string{"agent", "api_key"}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var first []store.AuditEntry
		for _, entry := range all.Items {
			if entry.TargetID == "1" {
				first = append(first, entry)
			}
		}
		if len(first) != 2 {
			t.Fatalf("entries about the first agent and key: %s", auditSummary(first))
		}
		wantAudit(t, first[1], "agent.created", "agent", e.adminID, 0, nil, map[string]any{"email": "admin@portico.test", "name": "admin", "alias": "", "role": "admin"})
		wantAudit(t, first[0], "api_key.created", "api_key", 1, 0, nil, map[string]any{"agent": "admin@portico.test", "name": "test", "prefix": e.adminKey[:9]})
		for _, entry := range all.Items {
			if strings.Contains(string(entry.After), e.adminKey) || strings.Contains(string(entry.After), ops) {
				t.Errorf("an API key is in the audit log: %s", entry.After)
			}
		}

		created := e.apiAs(t, ops, "POST", "/api/v1/agents", map[string]any{"email": "Nina@Portico.test", "name": "Nina", "role": "agent",
			"password": "a long passphrase"}, http.StatusCreated)
		got := log.one(t)
		wantAudit(t, got, "agent.created", "agent", id(t, created, "id"), opsID, nil,
			map[string]any{"email": "nina@portico.test", "name": "Nina", "alias": "", "role": "agent"})
		if strings.Contains(string(got.After), "passphrase") {
			t.Error("the password is in the audit log")
		}

		e.callAs(ops, "POST", "/api/v1/agents", map[string]any{"email": "not an address", "password": "a long passphrase"}).wantFields(t, "email")
		e.callAs(ops, "POST", "/api/v1/agents", map[string]any{"email": "nina@portico.test", "password": "a long passphrase"}).wantError(t, http.StatusConflict)
		e.callAs(plain, "POST", "/api/v1/agents", map[string]any{"email": "eve@portico.test", "password": "a long passphrase"}).
			wantError(t, http.StatusForbidden)
		log.none(t, "refused agent changes")

		p := e.settingsAdmin(t).get("/desk/settings/audit?target=agent").want(t, http.StatusOK).strict(t, "agent log")
		p.has(t, loc.T("audit.action.agent.created"), loc.T("audit.action.api_key.created"), "Nina", "nina@portico.test", e.adminKey[:9])
	})
}

func TestAuditAccounts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		loc := en(t)
		opsID, ops := e.secondAdmin(t)
		acme := e.contact(t, map[string]any{"first_name": "Erik", "last_name": "Acme", "email": "erik@acme.test"})
		globex := e.contact(t, map[string]any{"first_name": "Erik", "last_name": "Globex", "email": "erik@globex.test"})
		log := e.auditTail(t)

		opened := e.apiAs(t, ops, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", acme), map[string]any{"send_via": "none", "password": "a long passphrase"}, http.StatusCreated)
		acc := id(t, opened, "account_id")
		wantAudit(t, log.one(t), "account.opened", "account", acc, opsID, nil, map[string]any{"login": "erik@acme.test", "contact_id": acme, "send_via": "none"})

		// The same login for a second contact gives the account another identity.
		e.apiAs(t, ops, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", globex), map[string]any{"login": "erik@acme.test", "send_via": "none"}, http.StatusOK)
		wantAudit(t, log.one(t), "account.identity_linked", "account", acc, opsID, map[string]any{"contact_id": nil}, map[string]any{"contact_id": globex})

		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc), map[string]any{"locked": true}, http.StatusNoContent)
		wantAudit(t, log.one(t), "account.locked", "account", acc, opsID, map[string]any{"locked": false}, map[string]any{"locked": true})
		e.apiAs(t, ops, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc), map[string]any{"locked": false}, http.StatusNoContent)
		wantAudit(t, log.one(t), "account.unlocked", "account", acc, opsID, map[string]any{"locked": true}, map[string]any{"locked": false})
		e.apiAs(t, ops, "DELETE", fmt.Sprintf("/api/v1/accounts/%d/identities/%d", acc, globex), nil, http.StatusNoContent)
		wantAudit(t, log.one(t), "account.identity_unlinked", "account", acc, opsID, map[string]any{"contact_id": globex}, map[string]any{"contact_id": nil})

		e.callAs(ops, "POST", fmt.Sprintf("/api/v1/contacts/%d/account", acme), map[string]any{"send_via": "none"}).wantError(t, http.StatusConflict)
		e.callAs(ops, "DELETE", fmt.Sprintf("/api/v1/accounts/%d/identities/%d", acc, globex), nil).wantError(t, http.StatusNotFound)
		log.none(t, "refused account changes")

		p := e.settingsAdmin(t).get("/desk/settings/audit?target=account").want(t, http.StatusOK).strict(t, "account log")
		p.has(t, loc.T("audit.action.account.identity_linked"), loc.T("audit.action.account.locked"), loc.T("audit.action.account.unlocked"),
			loc.T("audit.action.account.identity_unlinked"), "erik@acme.test",
			loc.T("audit.field.contact_id")+":</dt><dd><del>Erik Globex</del> → <ins>"+loc.T("audit.none")+"</ins>")
	})
}
