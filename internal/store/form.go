package store

import (
	"context"
	"errors"

	"portico/internal/apperr"
	"portico/internal/form"
)

const formColumns = "id, name, inbox_id, pipeline_id, fields, created_at, updated_at"

func scanForm(row interface{ Scan(...any) error }, f *form.Form) error {
	if err := row.Scan(&f.ID, &f.Name, &f.InboxID, &f.PipelineID, jsonCol{&f.Fields}, timeCol{&f.CreatedAt}, timeCol{&f.UpdatedAt}); err != nil {
		return err
	}
	if f.Fields == nil {
		f.Fields = []form.Field{}
	}
	for i := range f.Fields {
		if f.Fields[i].Label == nil {
			f.Fields[i].Label = map[string]string{}
		}
	}
	return nil
}

// Forms lists support forms by name.
func (db *DB) Forms(ctx context.Context) ([]form.Form, error) {
	rows, err := db.query(ctx, "SELECT "+formColumns+" FROM forms ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []form.Form{}
	for rows.Next() {
		var f form.Form
		if err := scanForm(rows, &f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Form returns one support form.
func (db *DB) Form(ctx context.Context, id int64) (*form.Form, error) {
	var f form.Form
	err := scanForm(db.queryRow(ctx, "SELECT "+formColumns+" FROM forms WHERE id = ?", id), &f)
	if err != nil {
		return nil, notFound(db.dialect.translate(err), "form")
	}
	return &f, nil
}

// CreateForm inserts a support form.
func (db *DB) CreateForm(ctx context.Context, f *form.Form) error {
	fields, err := jsonArg(f.Fields)
	if err != nil {
		return err
	}
	now := db.Now()
	id, err := db.insert(ctx, "INSERT INTO forms (name, inbox_id, pipeline_id, fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		f.Name, f.InboxID, f.PipelineID, fields, now, now)
	if err != nil {
		return formRefs(err)
	}
	f.ID, f.CreatedAt, f.UpdatedAt = id, now, now
	return nil
}

// UpdateForm writes every part of a support form.
func (db *DB) UpdateForm(ctx context.Context, f *form.Form) error {
	fields, err := jsonArg(f.Fields)
	if err != nil {
		return err
	}
	now := db.Now()
	res, err := db.exec(ctx, "UPDATE forms SET name = ?, inbox_id = ?, pipeline_id = ?, fields = ?, updated_at = ? WHERE id = ?",
		f.Name, f.InboxID, f.PipelineID, fields, now, f.ID)
	if err != nil {
		return formRefs(err)
	}
	if err := mustAffect(res, "form"); err != nil {
		return err
	}
	f.UpdatedAt = now
	return nil
}

// DeleteForm removes a support form; portals that showed it show their
// built-in form again.
func (db *DB) DeleteForm(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		db.settingsChanged(ctx)
		res, err := db.exec(ctx, "DELETE FROM forms WHERE id = ?", id)
		if err != nil {
			return err
		}
		return mustAffect(res, "form")
	})
}

// formRefs reports an inbox or pipeline removed while a form was written.
func formRefs(err error) error {
	if errors.Is(err, errForeignKey) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "form_target_gone", Message: "the form's inbox or pipeline no longer exists", Err: err}
	}
	return err
}
