package store_test

import (
	"fmt"
	"slices"
	"testing"

	"portico/internal/apperr"
	"portico/internal/contact"
	"portico/internal/portal"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

// visibilityCell is one combination of the facts that decide whether the
// viewer sees a ticket.
type visibilityCell struct {
	requester   string // "me", "colleague" (my company) or "stranger" (another company)
	shared      bool   // shared with me
	draft       bool
	filterMatch bool // matches the portal's visibility filter
}

func (c visibilityCell) String() string {
	return fmt.Sprintf("requester=%s/shared=%v/draft=%v/filter=%v", c.requester, c.shared, c.draft, c.filterMatch)
}

// visibilityCells is every combination, each with the ticket it describes.
func visibilityCells() []visibilityCell {
	var out []visibilityCell
	for _, req := range []string{"me", "colleague", "stranger"} {
		for _, shared := range []bool{false, true} {
			for _, draft := range []bool{false, true} {
				for _, match := range []bool{false, true} {
					out = append(out, visibilityCell{req, shared, draft, match})
				}
			}
		}
	}
	return out
}

// wantVisible is the rule of DESIGN.md written out by hand, cell by cell.
func (c visibilityCell) wantVisible(permission string) bool {
	related := c.requester == "me" || c.shared || (permission == portal.PermissionCompany && c.requester == "colleague")
	return related && c.filterMatch && (!c.draft || c.requester == "me")
}

// TestScopeVisibilityGrid checks the visibility rule on every combination
// of permission × requester × shared × draft × visibility filter.
func TestScopeVisibilityGrid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		acme := newCompany(t, db, "Acme", nil)
		globex := newCompany(t, db, "Globex", nil)
		me := newContact(t, db, "Ada", "Lovelace", &acme.ID)
		colleague := newContact(t, db, "Charles", "Babbage", &acme.ID)
		stranger := newContact(t, db, "Grace", "Hopper", &globex.ID)
		requesters := map[string]*contact.Contact{"me": me, "colleague": colleague, "stranger": stranger}

		cells := visibilityCells()
		ids := make([]int64, len(cells))
		for i, c := range cells {
			r := requesters[c.requester]
			region := "us"
			if c.filterMatch {
				region = "eu"
			}
			tk := newTicket(t, db, c.String(), r, func(tk *ticket.Ticket) {
				tk.Draft = c.draft
				tk.Properties = map[string]any{"region": region}
			})
			if c.shared {
				if err := db.ShareTicket(ctx, tk.ID, r.ID, []int64{me.ID}); err != nil {
					t.Fatal(err)
				}
			}
			ids[i] = tk.ID
		}

		filters := []portal.Filter{{Property: "region", Op: portal.OpIn, Values: []any{"eu"}}}
		for _, permission := range []string{portal.PermissionOwn, portal.PermissionCompany} {
			scope := ticket.VisibleTo(&portal.Settings{TicketPermission: permission, VisibilityFilters: filters}, me.ID, me.CompanyID)
			for i, c := range cells {
				t.Run(permission+"/"+c.String(), func(t *testing.T) {
					_, err := db.ScopedTicket(ctx, scope, ids[i])
					switch want := c.wantVisible(permission); {
					case want && err != nil:
						t.Errorf("want visible, got %v", err)
					case !want && !apperr.Is(err, apperr.NotFound):
						t.Errorf("want NotFound, got %v", err)
					}
				})
			}
			// Lists, counts and searches read the same cells, sent tickets
			// in the list of all, drafts in the list of drafts; with the
			// visibility filter and without one (then every cell matches),
			// which lists read by another way.
			unfiltered := scope
			unfiltered.Filters = nil
			for _, sc := range []ticket.Scope{scope, unfiltered} {
				for _, view := range []string{ticket.ViewAll, ticket.ViewDrafts} {
					var want []int64
					for i, c := range cells {
						c.filterMatch = c.filterMatch || sc.Filters == nil
						if c.wantVisible(permission) && c.draft == (view == ticket.ViewDrafts) {
							want = append(want, ids[i])
						}
					}
					for _, q := range []string{"", "requester="} {
						page, err := db.CustomerTickets(ctx, ticket.CustomerFilter{Scope: sc, View: view, Q: q, Sort: ticket.SortID, Asc: true, Limit: 100})
						if err != nil {
							t.Fatal(err)
						}
						var got []int64
						for _, it := range page.Items {
							got = append(got, it.ID)
						}
						if !slices.Equal(got, want) || page.Total != len(want) {
							t.Errorf("%s, filters %v, view %s, q %q: %v (total %d), want %v", permission, sc.Filters != nil, view, q, got, page.Total, want)
						}
					}
				}
			}
		}
	})
}

// TestScopeNobody: a scope without a contact sees nothing, whatever the
// company.
func TestScopeNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		acme := newCompany(t, db, "Acme", nil)
		ada := newContact(t, db, "Ada", "", &acme.ID)
		tk := newTicket(t, db, "Hello", ada)
		_, err := db.ScopedTicket(t.Context(), ticket.Scope{CompanyID: acme.ID}, tk.ID)
		wantKind(t, err, apperr.NotFound)
	})
}

// TestVisibilityFilters checks each kind of filter, both operators and the
// comparison of values across JSON types, on both engines.
func TestVisibilityFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		me := newContact(t, db, "Ada", "", nil)
		support := supportPipeline(t, db)
		sales := newPipeline(t, db, "Sales", "Lead", "Done")

		fixtures := []struct {
			name  string
			props map[string]any
			edit  func(*ticket.Ticket)
		}{
			{"eu", map[string]any{"region": "eu", "tags": []string{"vip", "beta"}, "score": 3.0, "vip": true}, func(tk *ticket.Ticket) {
				tk.Priority = "high"
			}},
			{"us", map[string]any{"region": "us", "tags": []string{"beta"}, "score": 3.5, "vip": false}, nil},
			{"bare", map[string]any{}, func(tk *ticket.Ticket) {
				tk.Priority = "low"
				tk.StageID = support.Stages[3].ID
			}},
			{"three", map[string]any{"region": "3"}, nil},
			{"sales", map[string]any{}, func(tk *ticket.Ticket) {
				tk.PipelineID, tk.StageID, tk.Source = sales.ID, sales.Stages[0].ID, ticket.SourcePortal
			}},
		}
		names := map[int64]string{}
		for _, f := range fixtures {
			tk := newTicket(t, db, f.name, me, func(tk *ticket.Ticket) {
				tk.Properties = f.props
				if f.edit != nil {
					f.edit(tk)
				}
			})
			names[tk.ID] = f.name
		}
		all := []string{"eu", "us", "bare", "three", "sales"}
		except := func(out ...string) []string {
			return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(out, s) })
		}
		in := func(p string, v ...any) portal.Filter { return portal.Filter{Property: p, Op: portal.OpIn, Values: v} }
		notIn := func(p string, v ...any) portal.Filter {
			return portal.Filter{Property: p, Op: portal.OpNotIn, Values: v}
		}

		tests := []struct {
			name    string
			filters []portal.Filter
			want    []string
		}{
			{"no filter", nil, all},
			{"text in", []portal.Filter{in("region", "eu")}, []string{"eu"}},
			{"text in several", []portal.Filter{in("region", "eu", "us")}, []string{"eu", "us"}},
			{"text not in admits missing", []portal.Filter{notIn("region", "eu")}, except("eu")},
			{"text is case-sensitive", []portal.Filter{in("region", "EU")}, nil},
			{"multi-select in: any option", []portal.Filter{in("tags", "vip")}, []string{"eu"}},
			{"multi-select in: shared option", []portal.Filter{in("tags", "beta")}, []string{"eu", "us"}},
			{"multi-select not in", []portal.Filter{notIn("tags", "vip")}, except("eu")},
			{"number in", []portal.Filter{in("score", 3.0)}, []string{"eu"}},
			{"number as text", []portal.Filter{in("score", "3")}, []string{"eu"}},
			{"fraction", []portal.Filter{in("score", 3.5)}, []string{"us"}},
			{"number not in", []portal.Filter{notIn("score", 3.0)}, except("eu")},
			{"text property, number value", []portal.Filter{in("region", 3.0)}, []string{"three"}},
			{"checkbox true", []portal.Filter{in("vip", true)}, []string{"eu"}},
			{"checkbox as text", []portal.Filter{in("vip", "true")}, []string{"eu"}},
			{"checkbox false", []portal.Filter{in("vip", false)}, []string{"us"}},
			{"checkbox not true", []portal.Filter{notIn("vip", true)}, except("eu")},
			{"missing property in", []portal.Filter{in("nothing", "x")}, nil},
			{"missing property not in", []portal.Filter{notIn("nothing", "x")}, all},
			{"priority in", []portal.Filter{in("priority", "high")}, []string{"eu"}},
			{"priority not in admits none", []portal.Filter{notIn("priority", "high")}, except("eu")},
			{"pipeline_id in", []portal.Filter{in("pipeline_id", float64(sales.ID))}, []string{"sales"}},
			{"pipeline_id as text", []portal.Filter{in("pipeline_id", fmt.Sprint(sales.ID))}, []string{"sales"}},
			{"pipeline_id not in", []portal.Filter{notIn("pipeline_id", float64(sales.ID))}, except("sales")},
			{"pipeline by name", []portal.Filter{in("pipeline", "Support")}, except("sales")},
			{"pipeline by id", []portal.Filter{in("pipeline", float64(sales.ID))}, []string{"sales"}},
			{"stage by name", []portal.Filter{in("stage", "Closed")}, []string{"bare"}},
			{"stage_id", []portal.Filter{in("stage_id", float64(sales.Stages[0].ID))}, []string{"sales"}},
			{"status closed", []portal.Filter{in("status", "closed")}, []string{"bare"}},
			{"status not closed", []portal.Filter{notIn("status", "closed")}, except("bare")},
			{"source", []portal.Filter{in("source", "portal")}, []string{"sales"}},
			{"reply channel", []portal.Filter{in("reply_channel", "email")}, all},
			{"inbox by name", []portal.Filter{in("inbox", "Support")}, all},
			{"company of nobody not in", []portal.Filter{notIn("company", 1.0)}, all},
			{"id ignores non-numbers", []portal.Filter{in("id", "abc", true)}, nil},
			{"a date filter admits nothing", []portal.Filter{in("created_at", "2026-03-02")}, nil},
			{"even negated", []portal.Filter{notIn("created_at", "2026-03-02")}, nil},
			{"unknown operator admits nothing", []portal.Filter{{Property: "region", Op: "eq", Values: []any{"eu"}}}, nil},
			{"filters combine with AND", []portal.Filter{in("region", "eu", "us"), in("vip", false)}, []string{"us"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				scope := ticket.Scope{ContactID: me.ID, Filters: tt.filters}
				var got []string
				for id, name := range names {
					_, err := db.ScopedTicket(ctx, scope, id)
					switch {
					case err == nil:
						got = append(got, name)
					case !apperr.Is(err, apperr.NotFound):
						t.Fatal(err)
					}
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.want))
				if !slices.Equal(got, want) {
					t.Errorf("visible = %v, want %v", got, want)
				}
			})
		}
	})
}

// TestListRowsFollowChanges: a customer's list keeps the rows it read, and
// shows every later change, made by this instance or by another one on
// the same database, at the next read.
func TestListRowsFollowChanges(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := t.Context()
			in := newInstances(t, engine)
			a, b := in.a, in.b
			me := newContact(t, a, "Ada", "Lovelace", nil)
			tk := newTicket(t, a, "Printer jammed", me)
			f := ticket.CustomerFilter{Scope: ticket.Scope{ContactID: me.ID}, Limit: 25}
			subjects := func(db *store.DB) []string {
				t.Helper()
				page, err := db.CustomerTickets(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, it := range page.Items {
					out = append(out, it.Subject+"/"+string(it.Priority))
				}
				return out
			}
			for _, db := range []*store.DB{a, b} {
				if got := subjects(db); !slices.Equal(got, []string{"Printer jammed/"}) {
					t.Fatalf("first read: %v", got)
				}
			}
			for i, by := range []*store.DB{a, b} {
				cur, err := by.Ticket(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				cur.Subject = fmt.Sprintf("Printer jammed again %d", i)
				cur.Priority = ticket.Priority("high")
				cur.UpdatedAt = by.Now()
				if err := by.UpdateTicket(ctx, cur); err != nil {
					t.Fatal(err)
				}
				want := []string{fmt.Sprintf("Printer jammed again %d/high", i)}
				for _, db := range []*store.DB{a, b} {
					if got := subjects(db); !slices.Equal(got, want) {
						t.Errorf("after a change: %v, want %v", got, want)
					}
				}
			}
		})
	}
}
