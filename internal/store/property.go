package store

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"portico/internal/apperr"
	"portico/internal/property"
)

// PropertyDefinitions lists built-in properties, then custom ones. Outside
// a transaction the list may come from the settings cache: treat it as
// read-only.
func (db *DB) PropertyDefinitions(ctx context.Context) ([]property.Definition, error) {
	if !cacheable(ctx) {
		return db.readPropertyDefinitions(ctx)
	}
	defs, gen, ok := db.settings.definitions()
	if ok {
		return defs, nil
	}
	defs, err := db.readPropertyDefinitions(ctx)
	if err == nil {
		db.settings.keepDefinitions(defs, gen)
	}
	return defs, err
}

func (db *DB) readPropertyDefinitions(ctx context.Context) ([]property.Definition, error) {
	rows, err := db.query(ctx, `SELECT id, name, label, type, options, builtin, portal_visible, position, created_at, updated_at
		FROM property_definitions ORDER BY builtin DESC, position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []property.Definition{}
	for rows.Next() {
		var d property.Definition
		if err := rows.Scan(&d.ID, &d.Name, jsonCol{&d.Label}, &d.Type, jsonCol{&d.Options}, &d.Builtin, &d.PortalVisible,
			&d.Position, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CreatePropertyDefinition inserts a custom property after the others.
func (db *DB) CreatePropertyDefinition(ctx context.Context, d *property.Definition) error {
	label, err := jsonArg(d.Label)
	if err != nil {
		return err
	}
	options, err := jsonArg(d.Options)
	if err != nil {
		return err
	}
	now := db.Now()
	var id int64
	db.settingsChanged(ctx)
	err = db.writer(ctx).QueryRowContext(ctx, db.dialect.rebind(`INSERT INTO property_definitions (name, label, type, options, builtin, portal_visible, position, created_at, updated_at)
		VALUES (?, ?, ?, ?, FALSE, ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM property_definitions WHERE NOT builtin), ?, ?)
		RETURNING id, position`), d.Name, label, d.Type, options, d.PortalVisible, now, now).Scan(&id, &d.Position)
	err = db.dialect.translate(err)
	if errors.Is(err, errUnique) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "name_taken", Message: "a property with this name exists"}
	}
	if err != nil {
		return err
	}
	d.ID, d.CreatedAt, d.UpdatedAt = id, now, now
	return nil
}

// UpdatePropertyDefinition writes a property's label, options and portal
// visibility.
func (db *DB) UpdatePropertyDefinition(ctx context.Context, d *property.Definition) error {
	label, err := jsonArg(d.Label)
	if err != nil {
		return err
	}
	options, err := jsonArg(d.Options)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		db.settingsChanged(ctx)
		now := db.Now()
		res, err := db.exec(ctx, "UPDATE property_definitions SET label = ?, options = ?, portal_visible = ?, updated_at = ? WHERE id = ?",
			label, options, d.PortalVisible, now, d.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "property"); err != nil {
			return err
		}
		d.UpdatedAt = now
		return nil
	})
}

// PropertyUses names the portals that list the property as a column and
// the forms that ask for it.
func (db *DB) PropertyUses(ctx context.Context, name string) ([]string, error) {
	portals, err := db.Portals(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range portals {
		if slices.Contains(p.Columns, name) {
			out = append(out, "portal "+p.Slug)
		}
	}
	forms, err := db.Forms(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range forms {
		if _, ok := f.Field(name); ok {
			out = append(out, "form "+strconv.Quote(f.Name))
		}
	}
	return out, nil
}
