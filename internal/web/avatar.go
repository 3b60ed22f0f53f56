package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"portico/internal/account"
	"portico/internal/apperr"
)

// A customer's picture (SPEC P4): uploaded on the profile page or through
// the API, checked and re-encoded (account.EncodeAvatar), kept in the file
// store, shown in the portal's header. Only the account itself reads it.

func init() {
	pageNotices["profile.avatar.saved"] = true
	pageNotices["profile.avatar.removed"] = true
}

// avatarRoutes registers the picture's API routes and pages.
func (s *Server) avatarRoutes(reg func(pattern string, public bool, h pageHandler)) {
	tag := "Customer account"
	s.portalAPI(op{method: "PUT", path: "/me/avatar", tag: tag, summary: "Upload the account's picture: PNG, JPEG or GIF (multipart file field avatar, up to 2 MB, or JSON with the picture in base64), kept as a 256×256 PNG",
		body: avatarUpload{}, multipart: true, resp: meBody{}}, s.portalPutAvatar)
	s.portalAPI(op{method: "DELETE", path: "/me/avatar", tag: tag, summary: "Remove the account's picture", status: http.StatusNoContent}, s.portalDeleteAvatar)
	s.portalAPI(op{method: "GET", path: "/me/avatar", tag: tag, summary: "The account's picture (image/png); 404 when there is none", file: true}, s.portalGetAvatar)
	reg("POST /{slug}/me/avatar", false, s.pageAvatarPost)
}

// avatarUpload is a picture sent as JSON (base64 in "avatar"); a multipart
// form sends it as the file field "avatar".
type avatarUpload struct {
	Avatar []byte `json:"avatar"`
}

// readAvatar reads the picture of r, a multipart form or JSON, and returns
// it re-encoded.
func (s *Server) readAvatar(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if !isMultipart(r) {
		var in avatarUpload
		if err := decodeJSON(w, r, &in); err != nil {
			return nil, err
		}
		if len(in.Avatar) == 0 {
			return nil, apperr.InvalidField("avatar", "is required")
		}
		return account.EncodeAvatar(bytes.NewReader(in.Avatar))
	}
	r.Body = http.MaxBytesReader(w, r.Body, account.MaxAvatarBytes+64<<10)
	f, _, err := r.FormFile("avatar")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, apperr.E(apperr.TooLarge, "too_large", "the picture is larger than 2 MB")
	case errors.Is(err, http.ErrMissingFile):
		return nil, apperr.InvalidField("avatar", "is required")
	case err != nil:
		return nil, apperr.E(apperr.Malformed, "malformed_multipart", "the body is not a valid multipart form")
	}
	defer f.Close()
	return account.EncodeAvatar(f)
}

// storeAvatar keeps png as v's picture and deletes the one it replaces.
func (s *Server) storeAvatar(ctx context.Context, v *visitor, png []byte) error {
	key := ""
	if png != nil {
		f, err := s.files.Put(ctx, "avatar.png", bytes.NewReader(png))
		if err != nil {
			return err
		}
		key = f.Key
	}
	old, err := s.Accounts.SetAvatar(ctx, v.account.ID, key)
	if err != nil {
		if key != "" {
			s.files.Delete(context.WithoutCancel(ctx), key)
		}
		return err
	}
	v.account.AvatarKey = key
	if old != "" {
		// A leftover file is harmless; a failed delete is only logged.
		if err := s.files.Delete(context.WithoutCancel(ctx), old); err != nil {
			s.log.Warn("avatar: delete the replaced picture", "err", err)
		}
	}
	return nil
}

func (s *Server) portalPutAvatar(w http.ResponseWriter, r *http.Request, v *visitor) error {
	png, err := s.readAvatar(w, r)
	if err != nil {
		return err
	}
	if err := s.storeAvatar(r.Context(), v, png); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me(v))
	return nil
}

func (s *Server) portalDeleteAvatar(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if err := s.storeAvatar(r.Context(), v, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) portalGetAvatar(w http.ResponseWriter, r *http.Request, v *visitor) error {
	if v.account.AvatarKey == "" {
		return apperr.NotFoundf("avatar")
	}
	rc, err := s.files.Open(r.Context(), v.account.AvatarKey)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, err = io.Copy(w, rc)
	return err
}

// avatarURL is where the page shows v's picture from, or "" for none; the
// key in the query makes a new picture a new address.
func avatarURL(v *visitor) string {
	if v.account == nil || v.account.AvatarKey == "" {
		return ""
	}
	return "/api/v1/portal/" + v.portal.Slug + "/me/avatar?v=" + strconv.Itoa(len(v.account.AvatarKey)) + v.account.AvatarKey[:min(8, len(v.account.AvatarKey))]
}

// pageAvatarPost uploads or (with remove) removes the picture from the
// profile page.
func (s *Server) pageAvatarPost(w http.ResponseWriter, r *http.Request, v *visitor) error {
	var err error
	notice := "profile.avatar.saved"
	if r.URL.Query().Get("remove") != "" {
		if err = pageReadForm(w, r); err == nil {
			err = s.storeAvatar(r.Context(), v, nil)
			notice = "profile.avatar.removed"
		}
	} else {
		var png []byte
		if png, err = s.readAvatar(w, r); err == nil {
			err = s.storeAvatar(r.Context(), v, png)
		}
	}
	if err == nil {
		pageSetFlash(w, v.portal.Slug, notice, "")
		http.Redirect(w, r, "/"+v.portal.Slug+"/me", http.StatusSeeOther)
		return nil
	}
	fields, ok := pageFieldErrors(v.loc, err)
	if !ok {
		if e := apperr.As(err); e == nil || e.Kind != apperr.TooLarge {
			return err
		}
		fields = map[string]string{"avatar": v.loc.T("profile.avatar.invalid")}
	}
	if _, bad := fields["avatar"]; bad {
		fields["avatar"] = v.loc.T("profile.avatar.invalid")
	}
	pv := s.pageProfileView(v, v.account.DisplayName, v.account.Language)
	pv.Errors = fields
	d := &pageData{v: v, Title: v.loc.T("profile.title"), Nav: "profile", Page: pv, Canonical: "/" + v.portal.Slug + "/me",
		Error: v.loc.N("form.errors", len(fields))}
	s.renderPage(w, r, http.StatusUnprocessableEntity, "profile", d)
	return nil
}
