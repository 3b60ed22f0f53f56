package store

import (
	"context"
	"maps"
	"time"

	"portico/internal/ticket"
)

// pageRows keeps the tickets' own columns as customer lists show them,
// each with the updated_at it was read at. A list's page query reads the
// page's ids and updated_at from the scope's indexes; a ticket whose
// updated_at is the one kept is not read again. Every change to a ticket
// sets its updated_at (UpdateTicket), so a kept row is never shown stale,
// on any instance; names (stage, owner, …) are looked up each time.
type pageRows struct {
	m bounded[int64, pageRow]
}

type pageRow struct {
	ct      ticket.CustomerTicket // without names
	owner   *int64
	version time.Time
}

// maxPageRows bounds the cache; past it, a tenth is forgotten at random.
const maxPageRows = 50_000

// get returns the kept row of id at version. Its properties map is the
// kept one: pages are read-only (CustomerTickets).
func (p *pageRows) get(id int64, version time.Time) (ticket.CustomerTicket, *int64, bool) {
	r, ok := p.m.get(id)
	if !ok || !r.version.Equal(version) {
		return ticket.CustomerTicket{}, nil, false
	}
	return r.ct, r.owner, true
}

func (p *pageRows) keep(ct ticket.CustomerTicket, owner *int64, version time.Time) {
	ct.Properties = maps.Clone(ct.Properties)
	p.m.put(ct.ID, pageRow{ct: ct, owner: owner, version: version}, maxPageRows)
}

// pageTickets reads the tickets of a page whose ids and versions the
// page query gave, in that order: kept rows as they are, the others from
// the table, read in one query and kept.
func (db *DB) pageTickets(ctx context.Context, ids []int64, versions []time.Time) ([]ticket.CustomerTicket, []*int64, error) {
	items := make([]ticket.CustomerTicket, len(ids))
	owners := make([]*int64, len(ids))
	var missing []any
	at := map[int64]int{}
	for i, id := range ids {
		ct, owner, ok := db.rows.get(id, versions[i])
		if ok {
			items[i], owners[i] = ct, owner
			continue
		}
		missing = append(missing, id)
		at[id] = i
	}
	if len(missing) == 0 {
		return items, owners, nil
	}
	rows, err := db.query(ctx, "SELECT "+pageTicketColumns+", t.updated_at FROM tickets t WHERE t.id IN ("+placeholders(len(missing))+")",
		missing...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ct ticket.CustomerTicket
		var owner *int64
		var version time.Time
		if err := scanPageTicket(rows, &ct, &owner, timeCol{&version}); err != nil {
			return nil, nil, err
		}
		i, ok := at[ct.ID]
		if !ok {
			continue
		}
		items[i], owners[i] = ct, owner
		db.rows.keep(ct, owner, version)
		delete(at, ct.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(at) > 0 {
		// A ticket deleted between the two reads: leave it out.
		var keptItems []ticket.CustomerTicket
		var keptOwners []*int64
		for i := range items {
			if _, gone := at[ids[i]]; !gone {
				keptItems, keptOwners = append(keptItems, items[i]), append(keptOwners, owners[i])
			}
		}
		items, owners = keptItems, keptOwners
	}
	return items, owners, nil
}
