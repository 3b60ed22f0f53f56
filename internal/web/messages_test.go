package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// part is one part of a multipart form: a file when filename is set.
type part struct {
	field, filename string
	data            []byte
}

// multipartBody encodes parts, in order, as multipart/form-data.
func multipartBody(t *testing.T, parts ...part) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		var pw io.Writer
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.field, p.filename)
		} else {
			pw, err = w.CreateFormField(p.field)
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

func TestMessagesAndAttachments(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.contact(t, map[string]any{})
		tid := id(t, e.ticket(t, ann, "Printer", nil), "id")
		msgs := fmt.Sprintf("/api/v1/tickets/%d/messages", tid)

		t.Run("a public reply", func(t *testing.T) {
			m := e.ok(t, "POST", msgs, map[string]any{"body": "  Have you tried turning it off?  "}, 201)
			hasKeys(t, "message", m, "id", "body", "internal", "author", "attachments", "created_at")
			author := m["author"].(map[string]any)
			if m["body"] != "Have you tried turning it off?" || m["internal"] != false || author["type"] != "agent" || id(t, author, "id") != e.adminID {
				t.Errorf("message = %v", m)
			}
			if a, ok := m["attachments"].([]any); !ok || len(a) != 0 {
				t.Errorf("attachments = %#v, want []", m["attachments"])
			}
		})
		t.Run("an internal note", func(t *testing.T) {
			m := e.ok(t, "POST", msgs, map[string]any{"body": "Customer sounds annoyed", "internal": true}, 201)
			if m["internal"] != true {
				t.Errorf("internal = %v", m["internal"])
			}
		})

		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 2000)...)
		binary := make([]byte, 300_000)
		for i := range binary {
			binary[i] = byte(i * 7)
		}
		files := []struct {
			field, sent, filename, contentType string
			data                               []byte
		}{
			{"files", "screenshot.png", "screenshot.png", "image/png", png},
			{"files", "notes.txt", "notes.txt", "text/plain; charset=utf-8", []byte("paper jam at tray 2\n")},
			{"files", "page.html", "page.html", "text/plain; charset=utf-8", []byte("<html><script>alert(1)</script></html>")},
			{"files[]", `résumé "final".pdf`, "résumé final.pdf", "application/pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n")},
			{"file", "../../etc/dump.bin", "dump.bin", "application/octet-stream", binary},
			{"files", "...", "file", "text/plain; charset=utf-8", []byte("a name of dots")},
			{"files", "full.bin", "full.bin", "application/octet-stream", append([]byte{0}, make([]byte, maxUpload-1)...)},
		}
		var m map[string]any
		t.Run("multipart with several files", func(t *testing.T) {
			parts := []part{{field: "body", data: []byte("Logs attached")}, {field: "internal", data: []byte("true")}}
			for _, f := range files {
				parts = append(parts, part{f.field, f.sent, f.data})
			}
			parts = append(parts, part{field: "files", filename: "", data: nil}) // an empty file input is no file
			ct, body := multipartBody(t, parts...)
			r := e.raw("POST", msgs, e.adminKey, ct, body)
			if r.Code != http.StatusCreated {
				t.Fatalf("status = %d: %s", r.Code, r.Body)
			}
			m = r.object(t)
			if m["body"] != "Logs attached" || m["internal"] != true {
				t.Errorf("message = %v", m)
			}
			got := m["attachments"].([]any)
			if len(got) != len(files) {
				t.Fatalf("%d attachments, want %d: %v", len(got), len(files), got)
			}
			for i, f := range files {
				a := got[i].(map[string]any)
				hasKeys(t, "attachment", a, "id", "filename", "size", "content_type")
				if a["filename"] != f.filename || id(t, a, "size") != int64(len(f.data)) || a["content_type"] != f.contentType {
					t.Errorf("attachment %d = %v, want %s, %d bytes, %s", i, a, f.filename, len(f.data), f.contentType)
				}
				r := e.call("GET", fmt.Sprintf("/api/v1/attachments/%d", id(t, a, "id")), nil)
				if r.Code != http.StatusOK {
					t.Fatalf("download %s = %d", f.filename, r.Code)
				}
				if !bytes.Equal(r.Body, f.data) {
					t.Errorf("download of %s differs from the upload (%d bytes, want %d)", f.filename, len(r.Body), len(f.data))
				}
				disposition, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
				if err != nil || disposition != "attachment" || params["filename"] != f.filename {
					t.Errorf("Content-Disposition = %q, want attachment with filename %q", r.Header.Get("Content-Disposition"), f.filename)
				}
				for h, want := range map[string]string{
					"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Content-Type": f.contentType,
					"Content-Length": strconv.Itoa(len(f.data)),
				} {
					if got := r.Header.Get(h); got != want {
						t.Errorf("%s: %s = %q, want %q", f.filename, h, got, want)
					}
				}
			}
			if n := len(e.blobs(t)); n != len(files) {
				t.Errorf("%d files stored, want %d", n, len(files))
			}
		})

		t.Run("the conversation holds everything, notes included", func(t *testing.T) {
			items, next, total := e.call("GET", msgs, nil).list(t)
			if total != 3 || len(items) != 3 || next != nil {
				t.Fatalf("messages = %v", items)
			}
			var bodies []string
			for _, it := range items {
				bodies = append(bodies, fmt.Sprint(it["body"], "/", it["internal"]))
			}
			want := []string{"Have you tried turning it off?/false", "Customer sounds annoyed/true", "Logs attached/true"}
			if !slices.Equal(bodies, want) {
				t.Errorf("messages = %v, want %v", bodies, want)
			}
			if !reflect.DeepEqual(items[2], m) {
				t.Errorf("listed message differs from the created one:\n%v\n%v", items[2], m)
			}
		})

		t.Run("a file with no text is a message", func(t *testing.T) {
			ct, body := multipartBody(t, part{"files", "only.txt", []byte("just a file")})
			r := e.raw("POST", msgs, e.adminKey, ct, body)
			if r.Code != http.StatusCreated {
				t.Fatalf("status = %d: %s", r.Code, r.Body)
			}
			if got := r.object(t); got["body"] != "" || len(got["attachments"].([]any)) != 1 {
				t.Errorf("message = %v", got)
			}
		})
	})
}

func TestRefusedUploadsKeepNothing(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *testEnv) {
		ann := e.contact(t, map[string]any{})
		tid := id(t, e.ticket(t, ann, "Printer", map[string]any{"body": "help"}), "id")
		msgs := fmt.Sprintf("/api/v1/tickets/%d/messages", tid)
		small := part{"files", "small.txt", []byte("fine")}
		many := []part{{field: "body", data: []byte("too many")}}
		for i := range 21 {
			many = append(many, part{"files", fmt.Sprintf("f%d.txt", i), []byte("x")})
		}
		for _, tc := range []struct {
			name   string
			path   string
			parts  []part
			status int
		}{
			{"a file over the upload limit", msgs, []part{{field: "body", data: []byte("logs")}, small, {"files", "huge.bin", make([]byte, maxUpload+1)}}, 413},
			{"a bad internal flag after the files", msgs, []part{small, {field: "internal", data: []byte("maybe")}}, 422},
			{"an unknown field after the files", msgs, []part{small, {field: "cc", data: []byte("boss@example.com")}}, 422},
			{"too many files", msgs, many, 422},
			{"an internal resolution", msgs, []part{small, {field: "body", data: []byte("x")}, {field: "internal", data: []byte("1")}, {field: "resolution", data: []byte("1")}}, 422},
			{"a ticket that does not exist", "/api/v1/tickets/999999/messages", []part{{field: "body", data: []byte("hi")}, small}, 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ct, body := multipartBody(t, tc.parts...)
				e.raw("POST", tc.path, e.adminKey, ct, body).wantError(t, tc.status)
				if files := e.blobs(t); len(files) != 0 {
					t.Errorf("files left in the store: %v", files)
				}
				if items, _, _ := e.call("GET", msgs, nil).list(t); len(items) != 1 {
					t.Errorf("the ticket has %d messages, want only its first", len(items))
				}
			})
		}
		t.Run("a broken multipart body", func(t *testing.T) {
			r := e.raw("POST", msgs, e.adminKey, "multipart/form-data; boundary=xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nhi"))
			r.wantError(t, http.StatusBadRequest)
			e.raw("POST", msgs, e.adminKey, "multipart/form-data", []byte("no boundary")).wantError(t, http.StatusBadRequest)
			if items, _, _ := e.call("GET", msgs, nil).list(t); len(items) != 1 {
				t.Errorf("the ticket has %d messages", len(items))
			}
		})
	})
}
