package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/png"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"portico/internal/agent"
	"portico/internal/contact"
	"portico/internal/demo"
	"portico/internal/filestore"
	"portico/internal/password"
	"portico/internal/pipeline"
	"portico/internal/portal"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func seed(t *testing.T, db *store.DB) (*demo.Result, *filestore.Store) {
	t.Helper()
	ctx := context.Background()
	files, err := filestore.Open(ctx, "file://"+t.TempDir(), 25<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	start := time.Now()
	res, err := demo.Seed(ctx, demo.Deps{DB: db, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeding took %s on %s", time.Since(start).Round(time.Millisecond), db.Engine())
	return res, files
}

// allTickets returns every ticket with its conversation, as agents see it.
func allTickets(t *testing.T, tickets *ticket.Service) (map[int64]ticket.Ticket, map[int64][]ticket.Message) {
	t.Helper()
	ctx := context.Background()
	page, err := tickets.Tickets(ctx, ticket.Filter{Limit: 100, Sort: ticket.SortCreated, Asc: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.NextCursor != "" {
		t.Fatalf("more than one page of demo tickets (%d)", page.Total)
	}
	byID := map[int64]ticket.Ticket{}
	msgs := map[int64][]ticket.Message{}
	for _, tk := range page.Items {
		byID[tk.ID] = tk
		if msgs[tk.ID], err = tickets.Messages(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	return byID, msgs
}

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, files := seed(t, db)
		tickets := ticket.NewService(db)
		all, msgs := allTickets(t, tickets)
		if len(all) < 30 || len(all) != res.Tickets {
			t.Fatalf("%d tickets listed, result says %d; want 30 or more", len(all), res.Tickets)
		}

		t.Run("every stage has tickets and the queue is not empty", func(t *testing.T) {
			ps, err := pipeline.NewService(db).Pipelines(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range ps[0].Stages {
				page, err := tickets.Tickets(ctx, ticket.Filter{StageID: st.ID, Limit: 1})
				if err != nil {
					t.Fatal(err)
				}
				min := 1
				if st.WaitingForAcceptance {
					min = 4
				}
				if page.Total < min {
					t.Errorf("stage %q has %d tickets, want at least %d", st.Name, page.Total, min)
				}
				if page.Total != res.TicketsByStage[st.Name] {
					t.Errorf("stage %q has %d tickets, result says %d", st.Name, page.Total, res.TicketsByStage[st.Name])
				}
			}
			unassigned, err := tickets.Tickets(ctx, ticket.Filter{Unassigned: true, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if unassigned.Total < 3 {
				t.Errorf("%d unassigned tickets, want some", unassigned.Total)
			}
		})

		t.Run("tickets look lived in", func(t *testing.T) {
			now := db.Now()
			var oldest, newest time.Time
			priorities := map[ticket.Priority]bool{}
			var lastID int64
			var lastCreated time.Time
			for _, id := range sortedIDs(all) {
				tk := all[id]
				if tk.CreatedAt.After(now) || tk.LastActivityAt.After(now) || tk.LastActivityAt.Before(tk.CreatedAt) {
					t.Errorf("ticket %d: created %s, last activity %s, now %s", id, tk.CreatedAt, tk.LastActivityAt, now)
				}
				if id > lastID && tk.CreatedAt.Before(lastCreated) {
					t.Errorf("ticket %d was created before ticket %d", id, lastID)
				}
				lastID, lastCreated = id, tk.CreatedAt
				if oldest.IsZero() || tk.CreatedAt.Before(oldest) {
					oldest = tk.CreatedAt
				}
				if tk.CreatedAt.After(newest) {
					newest = tk.CreatedAt
				}
				priorities[tk.Priority] = true
				if tk.Status == ticket.StatusClosed && (tk.ClosedAt == nil || tk.OwnerID == nil) {
					t.Errorf("closed ticket %d has no closing time or owner", id)
				}
				if tk.Properties["product"] == nil {
					t.Errorf("ticket %d has no product", id)
				}
				for i, m := range msgs[id] {
					if i > 0 && m.CreatedAt.Before(msgs[id][i-1].CreatedAt) {
						t.Errorf("ticket %d: message %d is older than the one before", id, m.ID)
					}
				}
			}
			if span := newest.Sub(oldest); span < 50*24*time.Hour || span > 70*24*time.Hour {
				t.Errorf("tickets span %s, want about two months", span)
			}
			if len(priorities) < 4 {
				t.Errorf("priorities used: %v, want variety", priorities)
			}
		})

		t.Run("conversations have replies, notes, resolutions and files", func(t *testing.T) {
			var notes, agentReplies, customerReplies, long int
			var attachments []ticket.Attachment
			for id, tk := range all {
				resolutions := 0
				for _, m := range msgs[id] {
					switch {
					case m.Internal:
						notes++
					case m.Author.Type == ticket.AuthorAgent:
						agentReplies++
					case m.Author.Type == ticket.AuthorContact:
						customerReplies++
					}
					if m.Resolution {
						resolutions++
					}
					attachments = append(attachments, m.Attachments...)
				}
				if len(msgs[id]) >= 5 {
					long++
				}
				if want := map[bool]int{true: 1, false: 0}[tk.Status == ticket.StatusClosed]; resolutions != want {
					t.Errorf("ticket %d (%s) has %d resolutions, want %d", id, tk.Status, resolutions, want)
				}
			}
			if notes < 10 || agentReplies < 30 || customerReplies < 50 || long < 5 {
				t.Errorf("notes %d, agent replies %d, customer messages %d, long conversations %d: want a real desk",
					notes, agentReplies, customerReplies, long)
			}
			kinds := map[string]int{}
			for _, a := range attachments {
				kinds[strings.SplitN(a.ContentType, ";", 2)[0]]++
				checkFile(t, files, a)
			}
			if kinds["image/png"] < 3 || kinds["text/plain"] < 5 {
				t.Errorf("attachment types %v, want screenshots, logs and spreadsheets", kinds)
			}
		})

		t.Run("texts in all four languages", func(t *testing.T) {
			var han, polish, swedish, english int
			for _, tk := range all {
				s := tk.Subject
				switch {
				case strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0:
					han++
				case strings.ContainsAny(s, "ąćęłńśźżĄĆĘŁŃŚŹŻ") || strings.Contains(s, "Jak dodać"):
					polish++
				case strings.ContainsAny(s, "åäöÅÄÖ") || strings.Contains(s, "synkar"):
					swedish++
				default:
					english++
				}
			}
			for lang, n := range map[string]int{"Chinese": han, "Polish": polish, "Swedish": swedish, "English": english} {
				if n < 5 {
					t.Errorf("%d %s tickets, want 5 or more", n, lang)
				}
			}
		})

		t.Run("customers sign in, one with two identities, some by phone", func(t *testing.T) {
			erik, err := db.AccountByLogin(ctx, "erik@lindqvist-it.example")
			if err != nil {
				t.Fatal(err)
			}
			if len(erik.Identities) != 2 || erik.Identities[0].Company != "Nordvik Logistik AB" || erik.Identities[1].Company != "Brightwater Cycles Ltd" {
				t.Errorf("Erik's identities = %+v", erik.Identities)
			}
			phone := 0
			for _, c := range res.Customers {
				a, err := db.AccountByLogin(ctx, c.Login)
				if err != nil {
					t.Fatalf("%s: %v", c.Login, err)
				}
				if a.MustChangePassword || a.Locked || !password.Verify(a.PasswordHash, c.Password) {
					t.Errorf("%s cannot sign in with %q as printed", c.Login, c.Password)
				}
				if a.LoginKind == "phone" {
					phone++
				}
			}
			if phone < 2 || len(res.Customers) < 10 || len(res.Customers) > 16 {
				t.Errorf("%d customer sign-ins, %d by phone", len(res.Customers), phone)
			}
		})

		t.Run("timelines read in order", func(t *testing.T) {
			contacts := contact.NewService(db)
			page, err := contacts.Contacts(ctx, contact.ContactFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				if c.AccountID != nil {
					a, err := db.Account(ctx, *c.AccountID)
					if err != nil {
						t.Fatal(err)
					}
					if a.CreatedAt.Before(c.CreatedAt) {
						t.Errorf("%s's account was opened before the contact was created", c.Name())
					}
				}
				events, err := tickets.Events(ctx, ticket.EventFilter{ContactID: c.ID, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for i := 1; i < len(events.Items); i++ {
					if events.Items[i].CreatedAt.Before(events.Items[i-1].CreatedAt) {
						t.Errorf("%s's timeline: %s (%s) follows %s (%s)", c.Name(), events.Items[i].Kind,
							events.Items[i].CreatedAt, events.Items[i-1].Kind, events.Items[i-1].CreatedAt)
					}
				}
				if len(events.Items) == 0 || events.Items[0].CreatedAt.Before(c.CreatedAt) {
					t.Errorf("%s's timeline is empty or starts before the contact existed", c.Name())
				}
			}
		})

		t.Run("agents and the API key", func(t *testing.T) {
			agents := agent.NewService(db)
			a, err := agents.Authenticate(ctx, res.APIKey)
			if err != nil {
				t.Fatal(err)
			}
			if a.Email != res.AdminEmail || !a.IsAdmin() || !password.Verify(a.PasswordHash, res.AdminPassword) {
				t.Errorf("the API key belongs to %s (%s), want the admin %s", a.Email, a.Role, res.AdminEmail)
			}
			list, err := agents.Agents(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != len(res.Agents) || len(list) < 3 {
				t.Errorf("%d agents, result lists %d", len(list), len(res.Agents))
			}
		})

		t.Run("portal is named and speaks four languages", func(t *testing.T) {
			p, err := portal.NewService(db).Portal(ctx, "support")
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "Portico Demo Support" || len(p.Languages) != 4 || p.TicketPermission != portal.PermissionCompany {
				t.Errorf("portal = %q, languages %v, permission %s", p.Name, p.Languages, p.TicketPermission)
			}
		})

		t.Run("print shows where and how to sign in", func(t *testing.T) {
			var b bytes.Buffer
			if err := res.Print(&b, "http://127.0.0.1:8080"); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{
				"http://127.0.0.1:8080/support/", "http://127.0.0.1:8080/desk/",
				"http://127.0.0.1:8080/api/v1/", "http://127.0.0.1:8080/api/v1/openapi.json",
				"admin@portico.demo", `"` + demo.Password + `"`, "erik@lindqvist-it.example", "two identities",
				"+48512345678", "phone", "Authorization: Bearer " + res.APIKey,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "\n"); n > 40 {
				t.Errorf("output is %d lines; keep it to a screenful", n)
			}
		})

		t.Run("a second seed is refused", func(t *testing.T) {
			_, err := demo.Seed(ctx, demo.Deps{DB: db, Files: files})
			if err == nil || !strings.Contains(err.Error(), "empty database") {
				t.Errorf("seeding again: %v", err)
			}
		})
	})
}

// checkFile reads an attachment back and checks it is what it claims.
func checkFile(t *testing.T, files *filestore.Store, a ticket.Attachment) {
	t.Helper()
	r, err := files.Open(context.Background(), a.Key)
	if err != nil {
		t.Errorf("%s: %v", a.Filename, err)
		return
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if int64(len(b)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 || a.Size == 0 {
		t.Errorf("%s: stored %d bytes, recorded %d", a.Filename, len(b), a.Size)
	}
	if strings.HasSuffix(a.Filename, ".png") {
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", a.Filename, err)
		}
	}
}

func sortedIDs(m map[int64]ticket.Ticket) []int64 {
	return slices.Sorted(maps.Keys(m))
}

func deref(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// TestSeedIsDeterministic seeds twice at the same moment and expects the
// same desk, down to the second.
func TestSeedIsDeterministic(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	fingerprint := func() string {
		db := storetest.Open(t, "sqlite", clock)
		seed(t, db)
		all, msgs := allTickets(t, ticket.NewService(db))
		var b strings.Builder
		for _, id := range sortedIDs(all) {
			tk := all[id]
			fmt.Fprintf(&b, "%d %s %s %s %d %s\n", id, tk.Subject, tk.StageName, tk.CreatedAt, deref(tk.OwnerID), tk.Priority)
			for _, m := range msgs[id] {
				fmt.Fprintf(&b, "  %s %s %d %t %s %d\n", m.CreatedAt, m.Author.Type, deref(m.Author.ID), m.Internal, m.Body, len(m.Attachments))
			}
		}
		return b.String()
	}
	if a, b := fingerprint(), fingerprint(); a != b {
		t.Error("two seeds differ")
	}
}
