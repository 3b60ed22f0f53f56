package i18n

import (
	"math"
	"testing"
	"time"
)

// now is a Saturday afternoon; the cases below count back from it.
var now = time.Date(2026, time.November, 21, 14, 5, 0, 0, time.UTC)

func TestRelative(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		name string
		ago  time.Duration
		want map[string]string
	}{
		{"now", 0, map[string]string{"en": "just now", "zh-CN": "刚刚", "pl": "przed chwilą", "sv": "just nu"}},
		{"seconds", 40 * time.Second, map[string]string{"en": "just now", "zh-CN": "刚刚", "pl": "przed chwilą", "sv": "just nu"}},
		{"slightly ahead clock", -30 * time.Second, map[string]string{"en": "just now", "zh-CN": "刚刚", "pl": "przed chwilą", "sv": "just nu"}},
		{"1 minute", time.Minute + 10*time.Second, map[string]string{"en": "1 minute ago", "zh-CN": "1 分钟前", "pl": "1 minutę temu", "sv": "för 1 minut sedan"}},
		{"5 minutes", 5 * time.Minute, map[string]string{"en": "5 minutes ago", "zh-CN": "5 分钟前", "pl": "5 minut temu", "sv": "för 5 minuter sedan"}},
		{"12 minutes", 12 * time.Minute, map[string]string{"en": "12 minutes ago", "pl": "12 minut temu"}},
		{"22 minutes", 22 * time.Minute, map[string]string{"en": "22 minutes ago", "pl": "22 minuty temu", "sv": "för 22 minuter sedan"}},
		{"59 minutes", 59*time.Minute + 59*time.Second, map[string]string{"en": "59 minutes ago", "pl": "59 minut temu"}},
		{"1 hour", time.Hour, map[string]string{"en": "1 hour ago", "zh-CN": "1 小时前", "pl": "1 godzinę temu", "sv": "för 1 timme sedan"}},
		{"2 hours", 2 * time.Hour, map[string]string{"en": "2 hours ago", "pl": "2 godziny temu", "sv": "för 2 timmar sedan"}},
		{"3 hours", 3*time.Hour + 20*time.Minute, map[string]string{"en": "3 hours ago", "zh-CN": "3 小时前", "pl": "3 godziny temu", "sv": "för 3 timmar sedan"}},
		{"5 hours", 5 * time.Hour, map[string]string{"en": "5 hours ago", "pl": "5 godzin temu"}},
		{"23 hours", 23 * time.Hour, map[string]string{"en": "23 hours ago", "pl": "23 godziny temu", "zh-CN": "23 小时前"}},
		{"yesterday", 26 * time.Hour, map[string]string{"en": "yesterday", "zh-CN": "昨天", "pl": "wczoraj", "sv": "i går"}},
		{"2 days", 2 * 24 * time.Hour, map[string]string{"en": "2 days ago", "pl": "2 dni temu", "sv": "för 2 dagar sedan"}},
		{"4 days", 4*24*time.Hour + 3*time.Hour, map[string]string{"en": "4 days ago", "zh-CN": "4 天前", "pl": "4 dni temu", "sv": "för 4 dagar sedan"}},
		{"6 days", 6 * 24 * time.Hour, map[string]string{"en": "6 days ago", "pl": "6 dni temu"}},
		{"a week", 7 * 24 * time.Hour, map[string]string{"en": "14 Nov 2026", "zh-CN": "2026年11月14日", "pl": "14 lis 2026", "sv": "14 nov. 2026"}},
		{"last year", 400 * 24 * time.Hour, map[string]string{"en": "17 Oct 2025", "pl": "17 paź 2025", "sv": "17 okt. 2025"}},
		{"future", -2 * time.Hour, map[string]string{"en": "21 Nov 2026", "sv": "21 nov. 2026"}},
	} {
		for lang, want := range tc.want {
			t.Run(tc.name+" "+lang, func(t *testing.T) {
				if got := c.For(lang).Relative(now.Add(-tc.ago), now); got != want {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		}
	}
}

// The viewer's calendar decides what "yesterday" is.
func TestRelativeCountsDaysInTheViewersZone(t *testing.T) {
	c := mustLoad(t)
	event := time.Date(2026, time.November, 19, 23, 0, 0, 0, time.UTC)
	at := time.Date(2026, time.November, 21, 0, 30, 0, 0, time.UTC)
	shanghai := time.FixedZone("CST", 8*60*60)
	if got := c.For("en").Relative(event, at); got != "2 days ago" {
		t.Errorf("in UTC: %q, want %q", got, "2 days ago")
	}
	if got := c.For("en").Relative(event, at.In(shanghai)); got != "yesterday" {
		t.Errorf("in Shanghai: %q, want %q", got, "yesterday")
	}
}

func TestDateTime(t *testing.T) {
	c := mustLoad(t)
	cet := time.FixedZone("CET", 60*60)
	afternoon := time.Date(2026, time.November, 21, 13, 5, 0, 0, time.UTC) // 14:05 in CET
	morning := time.Date(2026, time.March, 5, 9, 7, 0, 0, cet)
	for _, tc := range []struct {
		lang      string
		t         time.Time
		loc       *time.Location
		date, exa string
		dayMonth  string
	}{
		{"en", afternoon, cet, "21 Nov 2026", "21 Nov 2026, 14:05", "21 Nov"},
		{"zh-CN", afternoon, cet, "2026年11月21日", "2026年11月21日 14:05", "11月21日"},
		{"pl", afternoon, cet, "21 lis 2026", "21 lis 2026, 14:05", "21 lis"},
		{"sv", afternoon, cet, "21 nov. 2026", "21 nov. 2026 14:05", "21 nov."},
		{"en", morning, nil, "5 Mar 2026", "5 Mar 2026, 09:07", "5 Mar"},
		{"zh-CN", morning, nil, "2026年3月5日", "2026年3月5日 09:07", "3月5日"},
		{"pl", morning, nil, "5 mar 2026", "5 mar 2026, 09:07", "5 mar"},
		{"sv", morning, nil, "5 mars 2026", "5 mars 2026 09:07", "5 mars"},
		// Late evening in Shanghai is already the next day.
		{"en", time.Date(2026, time.December, 31, 20, 30, 0, 0, time.UTC), time.FixedZone("CST", 8*60*60), "1 Jan 2027", "1 Jan 2027, 04:30", "1 Jan"},
	} {
		t.Run(tc.lang+" "+tc.exa, func(t *testing.T) {
			l := c.For(tc.lang)
			if got := l.Date(tc.t, tc.loc); got != tc.date {
				t.Errorf("Date = %q, want %q", got, tc.date)
			}
			if got := l.DateTime(tc.t, tc.loc); got != tc.exa {
				t.Errorf("DateTime = %q, want %q", got, tc.exa)
			}
			if got := l.DayMonth(tc.t, tc.loc); got != tc.dayMonth {
				t.Errorf("DayMonth = %q, want %q", got, tc.dayMonth)
			}
		})
	}
}

func TestEveryMonthHasAName(t *testing.T) {
	c := mustLoad(t)
	for _, lang := range Languages {
		seen := map[string]bool{}
		for m := time.January; m <= time.December; m++ {
			s := c.For(lang).Date(time.Date(2026, m, 1, 12, 0, 0, 0, time.UTC), nil)
			if seen[s] {
				t.Errorf("%s: two months print as %q", lang, s)
			}
			seen[s] = true
		}
	}
}

func TestNumber(t *testing.T) {
	c := mustLoad(t)
	const nb = "\u00a0"
	for _, tc := range []struct {
		n    int64
		want map[string]string
	}{
		{0, map[string]string{"en": "0", "zh-CN": "0", "pl": "0", "sv": "0"}},
		{999, map[string]string{"en": "999", "zh-CN": "999", "pl": "999", "sv": "999"}},
		{1234, map[string]string{"en": "1,234", "zh-CN": "1,234", "pl": "1234", "sv": "1" + nb + "234"}},
		{12345, map[string]string{"en": "12,345", "zh-CN": "12,345", "pl": "12" + nb + "345", "sv": "12" + nb + "345"}},
		{1234567, map[string]string{"en": "1,234,567", "zh-CN": "1,234,567", "pl": "1" + nb + "234" + nb + "567", "sv": "1" + nb + "234" + nb + "567"}},
		{-1234567, map[string]string{"en": "-1,234,567", "pl": "-1" + nb + "234" + nb + "567", "sv": "\u22121" + nb + "234" + nb + "567"}},
		{math.MinInt64, map[string]string{"en": "-9,223,372,036,854,775,808"}},
	} {
		for lang, want := range tc.want {
			if got := c.For(lang).Number(tc.n); got != want {
				t.Errorf("%s Number(%d) = %q, want %q", lang, tc.n, got, want)
			}
		}
	}
}

func TestDecimal(t *testing.T) {
	c := mustLoad(t)
	const nb = "\u00a0"
	for _, tc := range []struct {
		x      float64
		digits int
		want   map[string]string
	}{
		{4.5, 1, map[string]string{"en": "4.5", "zh-CN": "4.5", "pl": "4,5", "sv": "4,5"}},
		{4.25, 1, map[string]string{"en": "4.2", "pl": "4,2"}},
		{4, 0, map[string]string{"en": "4", "sv": "4"}},
		{12345.678, 2, map[string]string{"en": "12,345.68", "pl": "12" + nb + "345,68", "sv": "12" + nb + "345,68"}},
		{-0.04, 1, map[string]string{"en": "0.0", "sv": "0,0"}},
		{-2.5, 1, map[string]string{"en": "-2.5", "sv": "\u22122,5"}},
	} {
		for lang, want := range tc.want {
			if got := c.For(lang).Decimal(tc.x, tc.digits); got != want {
				t.Errorf("%s Decimal(%v, %d) = %q, want %q", lang, tc.x, tc.digits, got, want)
			}
		}
	}
}
