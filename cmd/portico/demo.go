package main

import (
	"context"
	"io"

	"portico/internal/demo"
)

// seedDemo fills the database with the demo data set and prints where to
// sign in.
func (a *app) seedDemo(ctx context.Context, stdout io.Writer) error {
	out, err := demo.Seed(ctx, demo.Deps{DB: a.db, Files: a.files})
	if err != nil {
		return err
	}
	return out.Print(stdout, a.baseURL)
}
