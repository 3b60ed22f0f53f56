package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"portico/internal/apperr"
	"portico/internal/portal"
)

const portalColumns = `id, slug, name, domain, enabled, languages, default_language, default_inbox_id, ticket_permission,
	access_mode, consent_text, consent_checkbox_label, ticket_label, columns, visibility_filters, owner_display,
	show_custom_stages, allow_reply_to_closed, allow_customer_close, support_form_id, form_menu_text, form_title,
	idle_timeout_minutes, theme, nav_menu, system_pages, sso, created_at, updated_at`

func (db *DB) scanPortals(ctx context.Context, where string, args ...any) ([]portal.Settings, error) {
	rows, err := db.query(ctx, "SELECT "+portalColumns+" FROM portals "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []portal.Settings{}
	for rows.Next() {
		var p portal.Settings
		var sso []byte
		if err := rows.Scan(&p.ID, &p.Slug, &p.Name, nullString{&p.Domain}, &p.Enabled, jsonCol{&p.Languages}, &p.DefaultLanguage,
			&p.DefaultInboxID, &p.TicketPermission, &p.AccessMode, &p.ConsentText, &p.ConsentCheckboxLabel, jsonCol{&p.TicketLabel},
			jsonCol{&p.Columns}, jsonCol{&p.VisibilityFilters}, &p.OwnerDisplay, &p.ShowCustomStages, &p.AllowReplyToClosed,
			&p.AllowCustomerClose, nullInt64{&p.SupportFormID}, jsonCol{&p.FormMenuText}, jsonCol{&p.FormTitle},
			&p.IdleTimeoutMinutes, jsonCol{&p.Theme}, jsonCol{&p.NavMenu}, jsonCol{&p.SystemPages}, &sso,
			timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}); err != nil {
			return nil, err
		}
		if p.SSO, err = portal.DecodeSSO(sso); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if err := db.portalLinks(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// portalLinks reads the settings kept in link tables.
func (db *DB) portalLinks(ctx context.Context, p *portal.Settings) error {
	p.AccessGroupIDs = []int64{}
	p.CloseStageByPipeline = map[string]int64{}
	rows, err := db.query(ctx, "SELECT group_id FROM portal_access_groups WHERE portal_id = ? ORDER BY group_id", p.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		p.AccessGroupIDs = append(p.AccessGroupIDs, id)
	}
	rows.Close()
	rows, err = db.query(ctx, "SELECT pipeline_id, stage_id FROM portal_close_stages WHERE portal_id = ?", p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, sid int64
		if err := rows.Scan(&pid, &sid); err != nil {
			return err
		}
		p.CloseStageByPipeline[strconv.FormatInt(pid, 10)] = sid
	}
	return rows.Err()
}

// Portals lists every portal.
// Outside a transaction the list may come from the settings cache: treat
// the portals' maps and slices as read-only.
func (db *DB) Portals(ctx context.Context) ([]portal.Settings, error) {
	return cachedList(ctx, db, "portals", func() ([]portal.Settings, error) { return db.scanPortals(ctx, "") }, slices.Clone)
}

// Portal returns the portal with this slug. Outside a transaction it may
// come from the settings cache: treat its maps and slices as read-only.
func (db *DB) Portal(ctx context.Context, slug string) (*portal.Settings, error) {
	if !cacheable(ctx) {
		return db.readPortal(ctx, slug)
	}
	p, gen, ok := db.settings.portal(slug)
	if ok {
		return p, nil
	}
	p, err := db.readPortal(ctx, slug)
	if err == nil {
		db.settings.keepPortal(slug, p, gen)
	}
	return p, err
}

func (db *DB) readPortal(ctx context.Context, slug string) (*portal.Settings, error) {
	ps, err := db.scanPortals(ctx, "WHERE slug = ?", slug)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, apperr.NotFoundf("portal")
	}
	return &ps[0], nil
}

// MainPortalSlug names the first portal.
func (db *DB) MainPortalSlug(ctx context.Context) (string, error) {
	var slug string
	err := db.queryRow(ctx, "SELECT slug FROM portals ORDER BY id LIMIT 1").Scan(&slug)
	return slug, notFound(err, "portal")
}

// UpdatePortal writes every setting of p.
func (db *DB) UpdatePortal(ctx context.Context, p *portal.Settings) error {
	sso, err := portal.EncodeSSO(p.SSO)
	if err != nil {
		return err
	}
	docs := []any{p.Languages, p.TicketLabel, p.Columns, p.VisibilityFilters, p.FormMenuText, p.FormTitle, p.Theme, p.NavMenu, p.SystemPages}
	js := make([]any, len(docs))
	for i, d := range docs {
		if js[i], err = jsonArg(d); err != nil {
			return err
		}
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		now := db.Now()
		db.settingsChanged(ctx)
		res, err := db.exec(ctx, `UPDATE portals SET slug = ?, name = ?, domain = ?, enabled = ?, languages = ?, default_language = ?,
			default_inbox_id = ?, ticket_permission = ?, access_mode = ?, consent_text = ?, consent_checkbox_label = ?,
			ticket_label = ?, columns = ?, visibility_filters = ?, owner_display = ?, show_custom_stages = ?,
			allow_reply_to_closed = ?, allow_customer_close = ?, support_form_id = ?, form_menu_text = ?, form_title = ?,
			idle_timeout_minutes = ?, theme = ?, nav_menu = ?, system_pages = ?, sso = ?, updated_at = ?
			WHERE id = ?`,
			p.Slug, p.Name, nullable(p.Domain), p.Enabled, js[0], p.DefaultLanguage, p.DefaultInboxID, p.TicketPermission,
			p.AccessMode, p.ConsentText, p.ConsentCheckboxLabel, js[1], js[2], js[3], p.OwnerDisplay, p.ShowCustomStages,
			p.AllowReplyToClosed, p.AllowCustomerClose, nullable(p.SupportFormID), js[4], js[5], p.IdleTimeoutMinutes,
			js[6], js[7], js[8], string(sso), now, p.ID)
		if errors.Is(err, errUnique) {
			if strings.Contains(err.Error(), "domain") {
				return apperr.InvalidField("domain", "another portal uses this domain")
			}
			return apperr.InvalidField("slug", "another portal uses this slug")
		}
		if err != nil {
			return err
		}
		if err := mustAffect(res, "portal"); err != nil {
			return err
		}
		p.UpdatedAt = now
		if _, err := db.exec(ctx, "DELETE FROM portal_access_groups WHERE portal_id = ?", p.ID); err != nil {
			return err
		}
		for _, g := range p.AccessGroupIDs {
			if _, err := db.exec(ctx, "INSERT INTO portal_access_groups (portal_id, group_id) VALUES (?, ?)", p.ID, g); err != nil {
				return err
			}
		}
		if _, err := db.exec(ctx, "DELETE FROM portal_close_stages WHERE portal_id = ?", p.ID); err != nil {
			return err
		}
		for k, stage := range p.CloseStageByPipeline {
			pid, _ := strconv.ParseInt(k, 10, 64)
			if _, err := db.exec(ctx, "INSERT INTO portal_close_stages (portal_id, pipeline_id, stage_id) VALUES (?, ?, ?)", p.ID, pid, stage); err != nil {
				return err
			}
		}
		return nil
	})
}

// References lists what portal settings may point at.
func (db *DB) References(ctx context.Context) (*portal.References, error) {
	r := &portal.References{
		Inboxes: map[int64]bool{}, AccessGroups: map[int64]bool{}, Forms: map[int64]bool{},
		StagesByPipeline: map[int64]map[int64]string{}, Properties: map[string]bool{},
	}
	for table, m := range map[string]map[int64]bool{"inboxes": r.Inboxes, "access_groups": r.AccessGroups, "forms": r.Forms} {
		if err := db.ids(ctx, "SELECT id FROM "+table, m); err != nil {
			return nil, err
		}
	}
	rows, err := db.query(ctx, "SELECT pipeline_id, id, state FROM stages")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var pid, sid int64
		var state string
		if err := rows.Scan(&pid, &sid, &state); err != nil {
			rows.Close()
			return nil, err
		}
		if r.StagesByPipeline[pid] == nil {
			r.StagesByPipeline[pid] = map[int64]string{}
		}
		r.StagesByPipeline[pid][sid] = state
	}
	rows.Close()
	defs, err := db.PropertyDefinitions(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		r.Properties[d.Name] = d.PortalVisible
	}
	return r, nil
}

func (db *DB) ids(ctx context.Context, q string, into map[int64]bool) error {
	rows, err := db.query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}

// RenameAccessGroup changes an access group's name; a name in use is a
// conflict.
func (db *DB) RenameAccessGroup(ctx context.Context, id int64, name string) error {
	res, err := db.exec(ctx, "UPDATE access_groups SET name = ?, updated_at = ? WHERE id = ?", name, db.Now(), id)
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "name_taken", Message: "an access group with this name exists"}
	}
	if err != nil {
		return err
	}
	return mustAffect(res, "access group")
}
