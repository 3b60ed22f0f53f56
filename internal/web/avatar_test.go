package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
)

func squarePNG(t *testing.T, side int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A customer's picture: uploaded (multipart or JSON), read back
// re-encoded, removed; only the account itself reads it.
func TestAvatarAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.newCustomer(t, map[string]any{"first_name": "Ann", "email": "ann@acme.test"})
		bob := e.newCustomer(t, map[string]any{"first_name": "Bob", "email": "bob@acme.test"})

		e.callAs(ann.cookie, "GET", portalAPI+"/me/avatar", nil).wantError(t, http.StatusNotFound)
		ct, body := multipartBody(t, part{"avatar", "me.png", squarePNG(t, 600)})
		if r := e.raw("PUT", portalAPI+"/me/avatar", ann.cookie, ct, body); r.Code != http.StatusOK {
			t.Fatalf("upload = %d: %s", r.Code, r.Body)
		}
		r := e.callAs(ann.cookie, "GET", portalAPI+"/me/avatar", nil)
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("read back = %d %v", r.Code, r.Header)
		}
		img, err := png.Decode(bytes.NewReader(r.Body))
		if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
			t.Fatalf("kept picture: %v, %v", img.Bounds(), err)
		}
		// Another customer reads their own picture, which they have not.
		e.callAs(bob.cookie, "GET", portalAPI+"/me/avatar", nil).wantError(t, http.StatusNotFound)
		e.callAs("", "GET", portalAPI+"/me/avatar", nil).wantError(t, http.StatusUnauthorized)
		e.callAs("", "PUT", portalAPI+"/me/avatar", map[string]any{"avatar": squarePNG(t, 10)}).wantError(t, http.StatusUnauthorized)

		// JSON with the picture in base64 works too; what is not a
		// picture is refused and changes nothing.
		e.as(t, bob, "PUT", "/me/avatar", map[string]any{"avatar": squarePNG(t, 50)}, http.StatusOK)
		e.callAs(bob.cookie, "PUT", portalAPI+"/me/avatar", map[string]any{"avatar": []byte("<svg onload=alert(1)>")}).wantFields(t, "avatar")
		ct, body = multipartBody(t, part{"avatar", "x.png", []byte("GIF89a not really")})
		e.raw("PUT", portalAPI+"/me/avatar", bob.cookie, ct, body).wantFields(t, "avatar")
		if r := e.callAs(bob.cookie, "GET", portalAPI+"/me/avatar", nil); r.Code != http.StatusOK {
			t.Errorf("a refused upload removed the picture: %d", r.Code)
		}

		e.as(t, ann, "DELETE", "/me/avatar", nil, http.StatusNoContent)
		e.callAs(ann.cookie, "GET", portalAPI+"/me/avatar", nil).wantError(t, http.StatusNotFound)
	})
}

// The profile page uploads the picture, and the header shows it.
func TestAvatarPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		w := newPageWorld(t, e)
		b := e.browser()
		b.signIn(t, w.ann.login)
		b.get("/support/me").want(t, http.StatusOK).has(t, `name="avatar"`, `enctype="multipart/form-data"`)

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("avatar", "me.png")
		fw.Write(squarePNG(t, 300))
		mw.Close()
		req := httptest.NewRequest("POST", "/support/me/avatar", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		p := b.follow(t, b.do(req))
		src := regexp.MustCompile(`<img class="avatar avatar-image" src="([^"]+)"`).FindStringSubmatch(p.Body)
		if src == nil {
			t.Fatalf("the header shows no picture: %s", excerpt(p.Body))
		}
		if got := b.get(src[1]); got.Code != http.StatusOK {
			t.Errorf("the header's picture = %d", got.Code)
		}

		// Not a picture: the profile page again, with the error by the field.
		buf.Reset()
		mw = multipart.NewWriter(&buf)
		fw, _ = mw.CreateFormFile("avatar", "me.png")
		fw.Write([]byte("not a picture"))
		mw.Close()
		req = httptest.NewRequest("POST", "/support/me/avatar", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		b.do(req).want(t, http.StatusUnprocessableEntity).has(t, `id="avatar-error"`)

		b.follow(t, b.post("/support/me/avatar?remove=1", nil)).lacks(t, `avatar-image`)
	})
}
