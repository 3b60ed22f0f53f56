package i18n

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	all := Languages
	enPL := []string{"en", "pl"}
	for _, tc := range []struct {
		name     string
		offered  []string
		user     string
		accept   string
		fallback string
		want     string
	}{
		{"user setting wins over browser", all, "pl", "sv-SE,sv;q=0.9", "en", "pl"},
		{"user setting in other case", all, "ZH-cn", "", "en", "zh-CN"},
		{"user setting not offered falls to browser", enPL, "sv", "pl-PL", "en", "pl"},
		{"user setting not offered nor browser", enPL, "sv", "", "en", "en"},
		{"no header", all, "", "", "sv", "sv"},
		{"zh", all, "", "zh", "en", "zh-CN"},
		{"zh-Hans", all, "", "zh-Hans", "en", "zh-CN"},
		{"zh-CN", all, "", "zh-CN,zh;q=0.9", "en", "zh-CN"},
		{"zh-SG", all, "", "zh-SG", "en", "zh-CN"},
		{"zh-Hans-CN", all, "", "zh-Hans-CN", "en", "zh-CN"},
		{"sv-FI", all, "", "sv-FI", "en", "sv"},
		{"pl-PL", all, "", "pl-PL", "en", "pl"},
		{"en-GB", all, "", "en-GB", "pl", "en"},
		{"en-US", all, "", "en-US,en;q=0.9", "pl", "en"},
		{"first choice not offered", all, "", "de-DE,de;q=0.9,sv;q=0.8,en;q=0.7", "en", "sv"},
		{"q-values beat order", all, "", "en;q=0.3,pl;q=0.9", "sv", "pl"},
		{"regional q-values beat order", all, "", "sv-FI;q=0.5,zh-CN;q=0.8", "en", "zh-CN"},
		{"q=0 refuses", all, "", "pl;q=0,sv;q=0.5", "en", "sv"},
		{"nothing matches", all, "", "de,fr;q=0.8", "pl", "pl"},
		{"only wildcard", all, "", "*", "sv", "sv"},
		{"garbage", all, "", "!!!@@@", "sv", "sv"},
		{"garbage weight", all, "", "pl;q=abc", "sv", "sv"},
		{"one bad entry keeps the rest", all, "", "x!y, pl;q=0.8", "en", "pl"},
		{"offered subset: sv asked, not offered", enPL, "", "sv-SE,sv", "pl", "pl"},
		{"offered subset: second choice offered", enPL, "", "sv,en-GB;q=0.5", "pl", "en"},
		{"offered subset: zh asked", []string{"pl", "sv"}, "", "zh-CN", "sv", "sv"},
		{"empty offered means all", nil, "", "sv", "en", "sv"},
		{"long valid header", all, "", strings.Repeat("de,", 10000) + "pl;q=0.5", "en", "pl"},
		{"long broken header is cut short", all, "", strings.Repeat("x!,", 10000) + "pl", "en", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Negotiate(tc.offered, tc.user, tc.accept, tc.fallback); got != tc.want {
				t.Errorf("Negotiate(%v, %q, %q, %q) = %q, want %q", tc.offered, tc.user, tc.accept, tc.fallback, got, tc.want)
			}
		})
	}
}
