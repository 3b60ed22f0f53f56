package store_test

import (
	"slices"
	"testing"

	"portico/internal/event"
	"portico/internal/store"
	"portico/internal/store/storetest"
	"portico/internal/ticket"
)

func TestTicketSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		ada := newContact(t, db, "Ada", "", nil)
		agent := newAgent(t, db, "agent@example.com")
		support := supportPipeline(t, db)
		by := event.Actor{Type: event.ActorContact, ID: ada.ID}

		type fixture struct {
			subject, body, note string
			draft, closed       bool
		}
		fixtures := map[string]fixture{
			"printer":  {subject: "Printer on fire", body: "The office printer is smoking"},
			"vpn":      {subject: "VPN disconnects", body: "Since Monday the VPN drops every 10 minutes"},
			"network":  {subject: "网络连接失败", body: "公司网络无法连接，打印机也不工作"},
			"jam":      {subject: "打印机卡纸", body: "请帮忙"},
			"polish":   {subject: "Drukarka nie działa", body: "Proszę o pomoc, łącze też nie działa. Zażółć gęślą jaźń"},
			"swedish":  {subject: "Skrivaren på kontoret", body: "Det går inte att skriva ut. Höstens uppdatering förstörde allt, åtgärda snälla"},
			"discount": {subject: "Discount 50% off", body: "Coupon does not apply"},
			"errors":   {subject: "500 errors on login", body: "Server says 500"},
			"escalate": {subject: "Slow dashboard", body: "It takes ages", note: "escalated to tier3 engineering"},
			"quoted":   {subject: `He said "hello" and left`, body: "Odd"},
			"draft":    {subject: "Printer draft", body: "not sent yet: printer", draft: true},
			"closed":   {subject: "Old issue", body: "The printer works again", closed: true},
		}
		ids := map[string]int64{}
		names := map[int64]string{}
		for name, f := range fixtures {
			tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: f.subject, Body: f.body, RequesterID: ada.ID, Draft: f.draft})
			if err != nil {
				t.Fatal(err)
			}
			if f.note != "" {
				if _, err := svc.AddAgentMessage(ctx, agent.ID, ticket.MessageDesk, tk.ID, ticket.NewMessage{Body: f.note, Internal: true}); err != nil {
					t.Fatal(err)
				}
			}
			if f.closed {
				if _, err := svc.Update(ctx, by, tk.ID, ticket.Update{StageID: &support.Stages[3].ID}); err != nil {
					t.Fatal(err)
				}
			}
			ids[name], names[tk.ID] = tk.ID, name
		}

		tests := []struct {
			name   string
			q      string
			status string
			want   []string
		}{
			{"subject and message", "printer", "", []string{"printer", "closed"}},
			{"any case", "PRINTER", "", []string{"printer", "closed"}},
			{"message text only", "smoking", "", []string{"printer"}},
			{"with a filter", "printer", ticket.StatusClosed, []string{"closed"}},
			{"Chinese, two characters", "网络", "", []string{"network"}},
			{"Chinese, one character", "网", "", []string{"network"}},
			{"Chinese, three characters in subject and message", "打印机", "", []string{"network", "jam"}},
			{"Chinese message text", "无法连接", "", []string{"network"}},
			{"Polish", "działa", "", []string{"polish"}},
			{"Polish diacritics", "łącze", "", []string{"polish"}},
			{"Polish pangram", "gęślą jaźń", "", []string{"polish"}},
			{"Polish capitals", "ZAŻÓŁĆ", "", []string{"polish"}},
			{"Swedish", "på kontoret", "", []string{"swedish"}},
			{"Swedish message text", "åtgärda", "", []string{"swedish"}},
			{"Swedish capitals", "HÖSTENS", "", []string{"swedish"}},
			{"Swedish, two characters", "på", "", []string{"swedish"}},
			{"Swedish capitals, two characters", "PÅ", "", []string{"swedish"}},
			{"Polish capitals, two characters", "ŁĄ", "", []string{"polish"}},
			{"internal notes are found by agents", "tier3", "", []string{"escalate"}},
			{"percent is literal", "50%", "", []string{"discount"}},
			{"lone percent", "%", "", []string{"discount"}},
			{"underscore is literal", "0_e", "", nil},
			{"quotes", `"hello"`, "", []string{"quoted"}},
			{"unbalanced quote", `said "hel`, "", []string{"quoted"}},
			{"numbers", "500", "", []string{"errors"}},
			{"nothing", "kangaroo", "", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Q: tt.q, Status: tt.status})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, tk := range p.Items {
					got = append(got, names[tk.ID])
				}
				slices.Sort(got)
				want := slices.Clone(tt.want)
				slices.Sort(want)
				if !slices.Equal(got, want) || p.Total != len(want) {
					t.Errorf("search %q: %q (total %d), want %q", tt.q, got, p.Total, want)
				}
			})
		}
	})
}

// Search follows a ticket's subject when it is renamed.
func TestTicketSearchFollowsRename(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		svc := ticket.NewService(db)
		ada := newContact(t, db, "Ada", "", nil)
		by := event.Actor{Type: event.ActorContact, ID: ada.ID}
		tk, err := svc.Create(ctx, by, ticket.NewTicket{Subject: "VPN disconnects", Body: "Help", RequesterID: ada.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Update(ctx, by, tk.ID, ticket.Update{Subject: ptr("Tunnel broken")}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			q    string
			want int
		}{{"disconnects", 0}, {"Tunnel", 1}, {"broken", 1}}
		for _, tt := range tests {
			p, err := db.Tickets(ctx, ticket.Filter{Sort: ticket.SortID, Q: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tt.want {
				t.Errorf("search %q after rename: %d tickets, want %d", tt.q, p.Total, tt.want)
			}
		}
	})
}
