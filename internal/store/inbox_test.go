package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"portico/internal/apperr"
	"portico/internal/store"
	"portico/internal/ticket"
)

// TestInboxPagesReturnEveryTicketOnce walks views of the inbox a few
// tickets at a time, in every order, and requires each page to hold the
// next tickets of the whole view: none twice, none missed, drafts never.
func TestInboxPagesReturnEveryTicketOnce(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, _ *rawDB, clk *clock) {
		ctx := t.Context()
		p := supportPipeline(t, db)
		ada := newContact(t, db, "Ada", "", nil)
		bo := newContact(t, db, "Bo", "", nil)
		me := newAgent(t, db, "me@example.com")
		other := newAgent(t, db, "other@example.com")
		inboxes, err := db.Inboxes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var all []*ticket.Ticket
		for i := range 40 {
			clk.Add(time.Minute)
			req := ada
			if i%3 == 0 {
				req = bo
			}
			all = append(all, newTicket(t, db, fmt.Sprintf("Ticket %d", i), req, func(tk *ticket.Ticket) {
				tk.StageID = p.Stages[i%4].ID
				switch i % 5 {
				case 0, 1:
					tk.OwnerID = &me.ID
				case 2:
					tk.OwnerID = &other.ID
				}
				tk.Draft = i == 7
				// Activity out of creation order, with ties.
				tk.LastActivityAt = tk.CreatedAt.Add(time.Duration((i*7)%11) * time.Hour)
			}))
		}
		views := map[string]struct {
			f    ticket.Filter
			keep func(*ticket.Ticket) bool
		}{
			"all":        {ticket.Filter{}, func(*ticket.Ticket) bool { return true }},
			"unassigned": {ticket.Filter{Unassigned: true}, func(tk *ticket.Ticket) bool { return tk.OwnerID == nil }},
			"mine":       {ticket.Filter{OwnerID: me.ID}, func(tk *ticket.Ticket) bool { return tk.OwnerID != nil && *tk.OwnerID == me.ID }},
			"inbox+stage+owner": {ticket.Filter{InboxID: inboxes[0].ID, StageID: p.Stages[1].ID, OwnerID: me.ID}, func(tk *ticket.Ticket) bool {
				return tk.StageID == p.Stages[1].ID && tk.OwnerID != nil && *tk.OwnerID == me.ID
			}},
			"open":      {ticket.Filter{Status: ticket.StatusOpen}, func(tk *ticket.Ticket) bool { return tk.StageID != p.Stages[3].ID }},
			"requester": {ticket.Filter{RequesterID: bo.ID}, func(tk *ticket.Ticket) bool { return tk.RequesterID == bo.ID }},
			"pipeline":  {ticket.Filter{PipelineID: p.ID}, func(*ticket.Ticket) bool { return true }},
		}
		orders := map[string]struct {
			sort string
			asc  bool
			less func(a, b *ticket.Ticket) int
		}{
			"newest": {ticket.SortID, false, func(a, b *ticket.Ticket) int { return -cmpID(a, b) }},
			"oldest": {ticket.SortID, true, cmpID},
			"active": {ticket.SortLastActivity, false, func(a, b *ticket.Ticket) int {
				if c := b.LastActivityAt.Compare(a.LastActivityAt); c != 0 {
					return c
				}
				return -cmpID(a, b)
			}},
			"quiet": {ticket.SortLastActivity, true, func(a, b *ticket.Ticket) int {
				if c := a.LastActivityAt.Compare(b.LastActivityAt); c != 0 {
					return c
				}
				return cmpID(a, b)
			}},
		}
		for vname, view := range views {
			var want []*ticket.Ticket
			for _, tk := range all {
				if !tk.Draft && view.keep(tk) {
					want = append(want, tk)
				}
			}
			for oname, o := range orders {
				t.Run(vname+"/"+oname, func(t *testing.T) {
					sorted := slices.Clone(want)
					slices.SortFunc(sorted, o.less)
					var wantIDs []int64
					for _, tk := range sorted {
						wantIDs = append(wantIDs, tk.ID)
					}
					f := view.f
					f.Sort, f.Asc, f.Limit = o.sort, o.asc, 3
					var got []int64
					for pages := 0; ; pages++ {
						if pages > 40 {
							t.Fatal("the pages do not end")
						}
						page, err := db.InboxTickets(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						if f.Cursor == "" && page.Total != len(want) || page.Capped {
							t.Errorf("total = %d (capped %v), want %d", page.Total, page.Capped, len(want))
						}
						got = append(got, ticketIDs(page.Items)...)
						if page.NextCursor == "" {
							break
						}
						f.Cursor = page.NextCursor
					}
					if !slices.Equal(got, wantIDs) {
						t.Errorf("pages = %v\nwant    %v", got, wantIDs)
					}
				})
			}
		}

		t.Run("a foreign cursor is invalid", func(t *testing.T) {
			_, err := db.InboxTickets(ctx, ticket.Filter{Cursor: "nope"})
			wantKind(t, err, apperr.Invalid)
			_, err = db.InboxTickets(ctx, ticket.Filter{Sort: ticket.SortLastActivity, Cursor: "eyJpIjozfQ"})
			wantKind(t, err, apperr.Invalid)
		})

		t.Run("search reads notes too", func(t *testing.T) {
			page, err := db.InboxTickets(ctx, ticket.Filter{Q: "Ticket 12"})
			if err != nil {
				t.Fatal(err)
			}
			if ids := ticketIDs(page.Items); !slices.Contains(ids, all[12].ID) {
				t.Errorf("search for a subject found %v", ids)
			}
		})
	})
}

func cmpID(a, b *ticket.Ticket) int {
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}
