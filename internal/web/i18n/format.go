package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// calendar is how a language writes dates and numbers. The patterns follow
// CLDR's medium formats, written out here because they are few and fixed and
// a table reads more plainly than a formatting library's options.
type calendar struct {
	date func(day int, month time.Month, year int) string
	// dayMonth is date without the year, for labels whose year is plain
	// from what is around them (a chart's axis).
	dayMonth func(day int, month time.Month) string
	dateTime string // joins date and time, e.g. ", "
	group    string // digit group separator
	decimal  string // decimal separator
	minus    string
	// minGroup is CLDR's minimumGroupingDigits: Polish writes 1234 but
	// 12 345, Swedish 1 234.
	minGroup int
}

const nbsp = "\u00a0"

var calendars = map[string]calendar{
	"en": {
		date:     abbreviated(enMonths),
		dayMonth: dayAndMonth(enMonths),
		dateTime: ", ",
		group:    ",",
		decimal:  ".",
		minus:    "-",
		minGroup: 1,
	},
	"zh-CN": {
		date: func(day int, month time.Month, year int) string {
			return fmt.Sprintf("%d年%d月%d日", year, month, day)
		},
		dayMonth: func(day int, month time.Month) string {
			return fmt.Sprintf("%d月%d日", month, day)
		},
		dateTime: " ",
		group:    ",",
		decimal:  ".",
		minus:    "-",
		minGroup: 1,
	},
	"pl": {
		date:     abbreviated(plMonths),
		dayMonth: dayAndMonth(plMonths),
		dateTime: ", ",
		group:    nbsp,
		decimal:  ",",
		minus:    "-",
		minGroup: 2,
	},
	"sv": {
		date:     abbreviated(svMonths),
		dayMonth: dayAndMonth(svMonths),
		dateTime: " ",
		group:    nbsp,
		decimal:  ",",
		minus:    "\u2212",
		minGroup: 1,
	},
}

// Abbreviated month names.
var (
	enMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	// Genitive abbreviations: "21 lis", as in "21 listopada".
	plMonths = [12]string{"sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"}
	svMonths = [12]string{"jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec."}
)

func abbreviated(months [12]string) func(int, time.Month, int) string {
	return func(day int, month time.Month, year int) string {
		return fmt.Sprintf("%d %s %d", day, months[month-1], year)
	}
}

func dayAndMonth(months [12]string) func(int, time.Month) string {
	return func(day int, month time.Month) string {
		return fmt.Sprintf("%d %s", day, months[month-1])
	}
}

// in returns t in loc, or unchanged when loc is nil.
func in(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t
	}
	return t.In(loc)
}

// Date returns the calendar date of t in loc ("21 Nov 2026"). A nil loc
// keeps t's own location.
func (l *Localizer) Date(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return l.cal.date(t.Day(), t.Month(), t.Year())
}

// DayMonth returns the day and month of t in loc ("21 Nov"). A nil loc
// keeps t's own location.
func (l *Localizer) DayMonth(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return l.cal.dayMonth(t.Day(), t.Month())
}

// DateTime returns the exact date and time of t in loc ("21 Nov 2026,
// 14:05"), the form shown on hover next to a relative time. A nil loc keeps
// t's own location.
func (l *Localizer) DateTime(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return l.Date(t, nil) + l.cal.dateTime + t.Format("15:04")
}

// Relative returns how long before now t was: "just now", "5 minutes ago",
// "3 hours ago", "yesterday", "4 days ago", and the date after a week.
// Calendar days are counted in now's location, so callers pass now in the
// viewer's time zone.
func (l *Localizer) Relative(t, now time.Time) string {
	t = t.In(now.Location())
	d := now.Sub(t)
	switch {
	case d < -time.Minute:
		// Only clock skew puts an event in the future; a date is honest.
		return l.Date(t, nil)
	case d < time.Minute:
		return l.T("time.just_now")
	case d < time.Hour:
		return l.N("time.minutes_ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.N("time.hours_ago", int(d/time.Hour))
	}
	days := calendarDays(t, now)
	switch {
	case days < 1:
		// A 25-hour day at the end of summer time.
		return l.N("time.hours_ago", int(d/time.Hour))
	case days == 1:
		return l.T("time.yesterday")
	case days < 7:
		return l.N("time.days_ago", days)
	}
	return l.Date(t, nil)
}

// calendarDays counts midnights between t and now, both in now's location.
func calendarDays(t, now time.Time) int {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}

// Number returns n with the language's digit grouping: "1,234,567" in
// English and Chinese, "1 234 567" with no-break spaces in Polish and Swedish.
func (l *Localizer) Number(n int64) string {
	neg := n < 0
	// Through uint64 so that the smallest int64 has an absolute value.
	u := uint64(n)
	if neg {
		u = -u
	}
	s := l.group(strconv.FormatUint(u, 10))
	if neg {
		return l.cal.minus + s
	}
	return s
}

// Decimal returns x rounded to digits decimals with the language's
// separators, e.g. an average rating "4.5" in English and "4,5" in Polish.
func (l *Localizer) Decimal(x float64, digits int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', max(digits, 0), 64)
	// No sign on a value that rounds to zero: "-0,0" reads as an error.
	neg := x < 0 && strings.Trim(s, "0.") != ""
	whole, frac, hasFrac := strings.Cut(s, ".")
	s = l.group(whole)
	if hasFrac {
		s += l.cal.decimal + frac
	}
	if neg {
		return l.cal.minus + s
	}
	return s
}

// group inserts the group separator into a string of digits.
func (l *Localizer) group(digits string) string {
	if len(digits) < 3+l.cal.minGroup {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(l.cal.group)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
