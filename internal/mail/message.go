package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"portico/internal/delivery"
)

// DeliveryHeader carries a message's idempotency key, the same on every
// attempt, so that receivers can tell a retry from a new message.
const DeliveryHeader = "X-Portico-Delivery"

// compose writes the whole message for d: headers, then a plain text part,
// with an HTML alternative when d has one. Every line ends in CRLF and
// every byte is 7-bit, so any relay passes it on unchanged.
func compose(from, to *netmail.Address, d *delivery.Delivery, now time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name+": "+value, len(name)+2))
		b.WriteString("\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeHeader(oneLine(d.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(d.IdempotencyKey, from.Address))
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	header(DeliveryHeader, encodeHeader(oneLine(d.IdempotencyKey)))
	if d.BodyHTML == "" {
		header("Content-Type", `text/plain; charset="utf-8"`)
		header("Content-Transfer-Encoding", transferEncoding(d.Body))
		b.WriteString("\r\n")
		writeText(&b, d.Body)
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// The plain text comes first: a reader shows the last part it can.
	for _, part := range []struct{ typ, body string }{{"text/plain", d.Body}, {"text/html", d.BodyHTML}} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + `; charset="utf-8"`},
			"Content-Transfer-Encoding": {transferEncoding(part.body)},
		})
		writeText(w, part.body)
	}
	mw.Close()
	return b.Bytes()
}

// transferEncoding chooses how text travels: base64 when it is mostly
// beyond ASCII, as Chinese is, which it keeps shorter; quoted-printable
// otherwise, which keeps Polish and Swedish readable in the raw message.
func transferEncoding(text string) string {
	if mostlyWide(text) {
		return "base64"
	}
	return "quoted-printable"
}

// writeText writes text in the transfer encoding transferEncoding chose,
// its line breaks as CRLF.
func writeText(w io.Writer, text string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if mostlyWide(text) {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
		for len(enc) > 76 {
			io.WriteString(w, enc[:76]+"\r\n")
			enc = enc[76:]
		}
		io.WriteString(w, enc+"\r\n")
		return
	}
	qp := quotedprintable.NewWriter(w)
	io.WriteString(qp, text)
	qp.Close()
}

// mostlyWide reports whether more than a third of the characters of s are
// beyond ASCII (or control characters other than line breaks).
func mostlyWide(s string) bool {
	wide := 0
	for _, r := range s {
		if r >= utf8.RuneSelf || r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			wide++
		}
	}
	return wide*3 > utf8.RuneCountInString(s)
}

// messageID is the same for every attempt at one delivery.
func messageID(key, from string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	sum := sha256.Sum256([]byte(key))
	return "<" + hex.EncodeToString(sum[:16]) + ".portico@" + domain + ">"
}

// oneLine keeps a header value on one logical line whatever it was given.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// encodeHeader turns text with characters beyond ASCII into RFC 2047
// encoded words: base64 for mostly non-Latin text such as Chinese, which
// it keeps shorter, quoted-printable for Polish and Swedish, which it
// keeps readable.
func encodeHeader(s string) string {
	switch {
	case !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf || r < ' ' }):
		return s
	case mostlyWide(s):
		return mime.BEncoding.Encode("utf-8", s)
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// fold breaks a header line at spaces after its first start bytes (the
// name) so that its lines stay within 78 characters where they can
// (RFC 5322 2.2.3); unfolding gives the line back.
func fold(line string, start int) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var b strings.Builder
	for len(line) > limit {
		cut := strings.LastIndexByte(line[:limit], ' ')
		if cut <= start {
			// A word longer than a line: break after it instead.
			cut = strings.IndexByte(line[limit:], ' ')
			if cut < 0 {
				break
			}
			cut += limit
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n")
		line = line[cut:] // keeps the space, which starts the next line
		start = 0
	}
	b.WriteString(line)
	return b.String()
}

// parseAddress reads one address, as in "Ada <ada@example.com>".
func parseAddress(what, s string) (*netmail.Address, error) {
	a, err := netmail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("mail: %s %q is not an email address", what, s)
	}
	return a, nil
}
