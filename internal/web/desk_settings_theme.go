package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"time"

	"portico/internal/apperr"
	"portico/internal/portal"
	"portico/internal/web/i18n"
)

// Uploads of the theme (SPEC P21): images only, and small.
const (
	settingsMaxLogo    = 1 << 20
	settingsMaxFavicon = 256 << 10
)

// themeImageTypes are the image types a logo or favicon may be, as sniffed
// from its bytes. SVG is not among them: it may carry script.
var themeImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"image/x-icon": true, "image/vnd.microsoft.icon": true}

// settingsUpload stores the image posted as field and returns its address,
// "" when none was posted, or a problem to show next to the field.
func (s *Server) settingsUpload(r *http.Request, loc *i18n.Localizer, field string, max int64) (string, string, error) {
	if r.MultipartForm == nil {
		return "", "", nil
	}
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", "", nil
	}
	if err != nil {
		return "", loc.T("form.invalid"), nil
	}
	defer f.Close()
	if hdr.Size == 0 && hdr.Filename == "" {
		return "", "", nil
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return "", "", err
	}
	if int64(len(b)) > max {
		return "", loc.N("settings.error.image_size", int(max>>10)), nil
	}
	if !themeImageTypes[http.DetectContentType(b)] {
		return "", loc.T("settings.error.image_type"), nil
	}
	stored, err := s.files.Put(r.Context(), hdr.Filename, bytes.NewReader(b))
	if apperr.Is(err, apperr.TooLarge) {
		return "", loc.N("settings.error.image_size", int(s.files.MaxSize()>>10)), nil
	}
	if err != nil {
		return "", "", err
	}
	return themePrefix + stored.Key, "", nil
}

// themePrefix is where uploaded logos and favicons are served.
const themePrefix = "/static/theme/"

var themeKey = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9a-f]{32}$`)

// themeFile serves an uploaded logo or favicon to anyone: portals show
// them before sign-in. Only files a portal's theme names are served, so
// the address of any other stored file (an attachment) gives nothing.
func (s *Server) themeFile(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if !themeKey.MatchString(key) || !s.themeFileInUse(r, themePrefix+key) {
		http.NotFound(w, r)
		return
	}
	rc, err := s.files.Open(r.Context(), key)
	if err != nil {
		if !apperr.Is(err, apperr.NotFound) {
			s.logger(r).Error("theme file", "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, settingsMaxLogo+1))
	ct := http.DetectContentType(b)
	if err != nil || len(b) > settingsMaxLogo || !themeImageTypes[ct] {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// A new upload gets a new key, so the file under a key never changes.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func (s *Server) themeFileInUse(r *http.Request, u string) bool {
	ps, err := s.Portals.Portals(r.Context())
	if err != nil {
		s.logger(r).Error("theme file", "err", err)
		return false
	}
	return slices.ContainsFunc(ps, func(p portal.Settings) bool { return p.Theme.LogoURL == u || p.Theme.FaviconURL == u })
}
