// Package mailtest runs a real SMTP server in the test's process that keeps
// every message it accepts: plain, with STARTTLS or with TLS from the
// first byte, with or without sign-in.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of a server.
const (
	Plain    = iota // no TLS
	StartTLS        // offers STARTTLS
	Implicit        // TLS from the first byte (smtps)
)

// Options configure a server.
type Options struct {
	// Addr is where to listen; default 127.0.0.1 on a free port.
	Addr string
	TLS  int
	// Users who may sign in; when set, sending needs a sign-in. Over a
	// plain connection sign-in is offered too, so that a client that
	// would send its password in the clear can be caught.
	Users map[string]string
	// Mechanisms offered for sign-in; default PLAIN and LOGIN.
	Mechanisms []string
	// Refuse makes the server answer RCPT TO for these addresses with 550.
	Refuse []string
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the session was encrypted
	User string // who signed in, if anyone
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	// CertPEM is the server's self-signed certificate, valid for
	// 127.0.0.1 and localhost, for clients to trust.
	CertPEM []byte

	opts  Options
	srv   *smtp.Server
	mu    sync.Mutex
	msgs  []Message
	auths []string // mechanisms tried, in order
}

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Mechanisms == nil {
		o.Mechanisms = []string{sasl.Plain, sasl.Login}
	}
	s := &Server{opts: o}
	cert, certPEM, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s.CertPEM = certPEM
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	s.srv.Domain = "mail.test"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.ErrorLog = discard{}
	s.srv.AllowInsecureAuth = len(o.Users) > 0
	var ln net.Listener
	// A port that was just free may linger a moment after its last user.
	for range 50 {
		if ln, err = net.Listen("tcp", o.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch o.TLS {
	case StartTLS:
		s.srv.TLSConfig = tc
	case Implicit:
		s.srv.TLSConfig = tc
		ln = tls.NewListener(ln, tc)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Roots is a pool that trusts the server's certificate.
func (s *Server) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.CertPEM)
	return p
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// AuthMechanisms returns the sign-in mechanisms clients tried, in order.
func (s *Server) AuthMechanisms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auths)
}

// Wait waits until the server holds n messages and returns them; it fails
// the test if they do not come within timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages arrived within %v, want %d", len(msgs), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type session struct {
	s    *Server
	c    *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if len(ss.s.opts.Users) == 0 {
		return nil
	}
	return ss.s.opts.Mechanisms
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	ss.s.mu.Lock()
	ss.s.auths = append(ss.s.auths, mech)
	ss.s.mu.Unlock()
	check := func(user, pass string) error {
		if want, ok := ss.s.opts.Users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(ss.s.opts.Users) > 0 && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if slices.Contains(ss.s.opts.Refuse, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: ss.to, Data: b, TLS: isTLS, User: ss.user})
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN: it asks for the user name
// (unless the client sent it at once), then the password.
type loginServer struct {
	check func(user, pass string) error
	asked bool
	user  *string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	if l.user == nil {
		if resp == nil && !l.asked {
			l.asked = true
			return []byte("Username:"), false, nil
		}
		u := string(resp)
		l.user = &u
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(*l.user, string(resp))
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, certPEM, nil
}

// Parsed is a message as a mail reader shows it.
type Parsed struct {
	Header  mail.Header
	Subject string // decoded
	Type    string // media type of the body: text/plain or multipart/alternative
	Text    string // the plain text, decoded
	HTML    string // the HTML alternative, decoded, if any
}

// Parse reads a message the way a mail reader does: headers unfolded and
// decoded, body parts by their transfer encoding.
func (m Message) Parse() (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return Parsed{}, err
	}
	var p Parsed
	p.Header = msg.Header
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return p, err
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return p, err
	}
	p.Type = typ
	if typ != "multipart/alternative" {
		p.Text, err = decodePart(typ, params, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return p, err
		}
		ptyp, pparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			return p, err
		}
		body, err := decodePart(ptyp, pparams, part.Header.Get("Content-Transfer-Encoding"), part)
		if err != nil {
			return p, err
		}
		switch ptyp {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		default:
			return p, fmt.Errorf("unexpected part %s", ptyp)
		}
	}
}

func decodePart(typ string, params map[string]string, cte string, r io.Reader) (string, error) {
	if cs := strings.ToLower(params["charset"]); cs != "utf-8" {
		return "", fmt.Errorf("%s in charset %q, want utf-8", typ, cs)
	}
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	case "", "7bit", "8bit":
	default:
		return "", fmt.Errorf("unknown transfer encoding %q", cte)
	}
	b, err := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}
