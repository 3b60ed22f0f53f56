package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portico/internal/apperr"
	"portico/internal/portal"
)

// pageThemeCSS serves a portal's theme: its colours as CSS custom properties
// and the admin's own CSS (SPEC P21). It is a stylesheet of its own so that
// pages can forbid inline styles.
func (s *Server) pageThemeCSS(w http.ResponseWriter, r *http.Request) {
	p, err := s.Portals.Portal(r.Context(), r.PathValue("slug"))
	if apperr.Is(err, apperr.NotFound) {
		err = errPortalNotFound
	}
	if err != nil {
		s.renderPageError(w, r, nil, err)
		return
	}
	css := pageThemeStylesheet(p.Theme)
	hash := pageHash([]byte(css))
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+hash+`"`)
	if r.URL.Query().Get("v") == hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(css))
}

// pageDefaultAccent is the accent of a portal whose admin chose none.
const pageDefaultAccent = "#2f5bd3"

// pageThemeStylesheet turns a theme into CSS. Colours are used only when they
// are plain #rrggbb values (portal settings allow nothing else, but the
// stylesheet must not trust that); the accent is adjusted for text so that
// links keep a 4.5:1 contrast in light and dark mode.
func pageThemeStylesheet(t portal.Theme) string {
	accent, ok := pageParseHex(t.AccentColor)
	if !ok {
		accent, _ = pageParseHex(pageDefaultAccent)
	}
	lightBG := pageRGB{255, 255, 255}
	var b strings.Builder
	b.WriteString(":root {\n")
	fmt.Fprintf(&b, "  --accent: %s;\n", accent)
	fmt.Fprintf(&b, "  --on-accent: %s;\n", pageOnColor(accent))
	if bg, ok := pageParseHex(t.BackgroundColor); ok {
		fmt.Fprintf(&b, "  --theme-bg: %s;\n", bg)
		lightBG = bg
	}
	if fg, ok := pageParseHex(t.TextColor); ok {
		fmt.Fprintf(&b, "  --theme-text: %s;\n", fg)
	}
	fmt.Fprintf(&b, "  --accent-text: %s;\n", pageReadableOn(accent, lightBG))
	fmt.Fprintf(&b, "  --accent-soft: %s;\n", pageMix(accent, lightBG, 0.9))
	b.WriteString("}\n@media (prefers-color-scheme: dark) {\n  :root {\n")
	dark := pageRGB{0x12, 0x15, 0x1a}
	fmt.Fprintf(&b, "    --accent-text: %s;\n", pageReadableOn(accent, dark))
	fmt.Fprintf(&b, "    --accent-soft: %s;\n", pageMix(accent, dark, 0.8))
	b.WriteString("  }\n}\n")
	if css := strings.TrimSpace(t.CustomCSS); css != "" {
		b.WriteString("\n/* The portal's own CSS */\n")
		b.WriteString(css)
		b.WriteString("\n")
	}
	return b.String()
}

type pageRGB [3]float64

func (c pageRGB) String() string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c[0])), int(math.Round(c[1])), int(math.Round(c[2])))
}

func pageParseHex(s string) (pageRGB, bool) {
	if len(s) != 7 || s[0] != '#' {
		return pageRGB{}, false
	}
	var c pageRGB
	for i := range 3 {
		n, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return pageRGB{}, false
		}
		c[i] = float64(n)
	}
	return c, true
}

// luminance is WCAG's relative luminance.
func (c pageRGB) luminance() float64 {
	var l [3]float64
	for i, v := range c {
		v /= 255
		if v <= 0.03928 {
			l[i] = v / 12.92
		} else {
			l[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

func pageContrast(a, b pageRGB) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// pageMix blends a towards b by f (0 keeps a, 1 gives b).
func pageMix(a, b pageRGB, f float64) pageRGB {
	var out pageRGB
	for i := range a {
		out[i] = a[i] + (b[i]-a[i])*f
	}
	return out
}

// pageOnColor is white or near-black, whichever reads better on c.
func pageOnColor(c pageRGB) pageRGB {
	white, black := pageRGB{255, 255, 255}, pageRGB{17, 17, 17}
	if pageContrast(c, white) >= 4.5 || pageContrast(c, white) >= pageContrast(c, black) {
		return white
	}
	return black
}

// pageReadableOn moves c towards black or white until it has a 4.5:1 contrast
// with bg, the WCAG AA level for text.
func pageReadableOn(c, bg pageRGB) pageRGB {
	target := pageRGB{0, 0, 0}
	if bg.luminance() < 0.2 {
		target = pageRGB{255, 255, 255}
	}
	for f := 0.0; f <= 1; f += 0.05 {
		if m := pageMix(c, target, f); pageContrast(m, bg) >= 4.5 {
			return m
		}
	}
	return target
}
