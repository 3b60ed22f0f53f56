// Package filestore keeps attachment contents in a bucket: a directory on
// local disk by default, or S3-compatible storage. Keys are generated; file
// names are metadata only.
package filestore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
	"gocloud.dev/gcerrors"

	"portico/internal/apperr"
)

// Store is an open bucket.
type Store struct {
	bucket  *blob.Bucket
	maxSize int64
}

// Open opens the bucket at rawURL (file:///dir or s3://bucket?…); files
// larger than maxSize bytes are refused.
func Open(ctx context.Context, rawURL string, maxSize int64) (*Store, error) {
	var b *blob.Bucket
	var err error
	if strings.HasPrefix(rawURL, "file://") {
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return nil, fmt.Errorf("filestore: %w", perr)
		}
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
		// No metadata side files: what we need is in the database.
		b, err = fileblob.OpenBucket(u.Path, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
	} else {
		b, err = blob.OpenBucket(ctx, rawURL)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", rawURL, err)
	}
	return &Store{bucket: b, maxSize: maxSize}, nil
}

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// MaxSize is the largest file accepted, in bytes.
func (s *Store) MaxSize() int64 { return s.maxSize }

// File describes a stored file.
type File struct {
	Key         string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
}

// ErrTooLarge is returned (as an apperr TooLarge) for files over the limit.
var errTooLarge = errors.New("file too large")

// Put stores the contents of r under a new key. The content type is sniffed
// from the bytes, never taken from the client.
func (s *Store) Put(ctx context.Context, filename string, r io.Reader) (*File, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("filestore: read upload: %w", err)
	}
	head = head[:n]
	f := &File{Key: key, Filename: CleanName(filename), ContentType: sniff(head)}

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: f.ContentType})
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	h := sha256.New()
	limited := &limitReader{r: io.MultiReader(strings.NewReader(string(head)), r), left: s.maxSize}
	size, err := io.Copy(io.MultiWriter(w, h), limited)
	if err != nil {
		cancel() // abandons the write: nothing is left behind
		w.Close()
		if errors.Is(err, errTooLarge) {
			return nil, &apperr.Error{Kind: apperr.TooLarge, Code: "file_too_large",
				Message: fmt.Sprintf("%s is larger than %d MiB", f.Filename, s.maxSize>>20)}
		}
		return nil, fmt.Errorf("filestore: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("filestore: write: %w", err)
	}
	f.Size = size
	f.SHA256 = hex.EncodeToString(h.Sum(nil))
	return f, nil
}

// Open returns a reader for the file under key.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, apperr.NotFoundf("file")
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: open: %w", err)
	}
	return r, nil
}

// Delete removes files, ignoring those already gone. It is used to clean
// up after a write that did not commit.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Ping checks that the bucket answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.bucket.IsAccessible(ctx)
	return err
}

type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errTooLarge
	}
	return n, err
}

// newKey makes keys like 2026/11/3f…: spread over directories by month.
func newKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return time.Now().UTC().Format("2006/01/") + hex.EncodeToString(b), nil
}

func sniff(head []byte) string {
	ct := http.DetectContentType(head)
	// Text is served as plain text, never as HTML or script.
	if strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/xml") {
		return "text/plain; charset=utf-8"
	}
	return ct
}

// CleanName reduces a client's file name to a safe base name.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "/" {
		return "file"
	}
	return name
}
