package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portico/internal/apperr"
)

func open(t *testing.T, max int64) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), "file://"+dir, max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestPutOpen(t *testing.T) {
	s, _ := open(t, 1<<20)
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
	for _, tc := range []struct {
		name, filename string
		data           []byte
		wantType       string
		wantName       string
	}{
		{"png", "shot.png", png, "image/png", "shot.png"},
		{"html is served as text", "page.html", []byte("<html><script>alert(1)</script></html>"), "text/plain; charset=utf-8", "page.html"},
		{"the name's extension does not decide", "notes.png", []byte("just text"), "text/plain; charset=utf-8", "notes.png"},
		{"path in the name", `..\..\etc/passwd`, []byte("x"), "text/plain; charset=utf-8", "passwd"},
		{"empty file", "empty.txt", nil, "text/plain; charset=utf-8", "empty.txt"},
		{"unicode name", "报告 łódź.pdf", []byte("%PDF-1.4 ..."), "application/pdf", "报告 łódź.pdf"},
		{"nothing left of the name", "...", []byte("x"), "text/plain; charset=utf-8", "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := s.Put(ctx, tc.filename, bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			if f.ContentType != tc.wantType || f.Filename != tc.wantName || f.Size != int64(len(tc.data)) || f.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Put = %+v", f)
			}
			if strings.Contains(f.Key, tc.filename) || strings.Contains(f.Key, "..") {
				t.Errorf("key %q is derived from the file name", f.Key)
			}
			rc, err := s.Open(ctx, f.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, tc.data) {
				t.Errorf("read back %d bytes, want %d", len(got), len(tc.data))
			}
		})
	}
}

func TestTooLargeLeavesNothing(t *testing.T) {
	s, dir := open(t, 1000)
	ctx := context.Background()
	if _, err := s.Put(ctx, "ok.bin", bytes.NewReader(make([]byte, 1000))); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	_, err := s.Put(ctx, "big.bin", bytes.NewReader(make([]byte, 1001)))
	if !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("over the limit: %v, want TooLarge", err)
	}
	n := 0
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d files on disk, want only the one that fitted", n)
	}
}

func TestOpenMissingAndDelete(t *testing.T) {
	s, _ := open(t, 1<<20)
	ctx := context.Background()
	if _, err := s.Open(ctx, "2026/01/nope"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("missing file: %v", err)
	}
	f, _ := s.Put(ctx, "a.txt", strings.NewReader("a"))
	if err := s.Delete(ctx, f.Key, "2026/01/already-gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, f.Key); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted file still opens: %v", err)
	}
}
