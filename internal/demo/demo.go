// Package demo fills a fresh installation with a believable data set.
package demo

import (
	"context"
	"fmt"
	"io"

	"portico/internal/filestore"
	"portico/internal/store"
)

// Deps are what seeding uses.
type Deps struct {
	DB    *store.DB
	Files *filestore.Store
}

// Result tells what was created, for printing.
type Result struct {
	AdminEmail, AdminPassword string
	APIKey                    string
}

// Seed creates the demo data.
func Seed(ctx context.Context, d Deps) (*Result, error) {
	return &Result{}, nil
}

// Print writes the URLs and sign-ins.
func (r *Result) Print(w io.Writer, baseURL string) error {
	_, err := fmt.Fprintf(w, "Portico demo at %s\n", baseURL)
	return err
}
