// Package mail sends email deliveries through an SMTP relay named by a URL:
// smtp://user:pass@host:port upgrades to TLS with STARTTLS when the relay
// offers it (?starttls=required refuses to go on without), smtps:// speaks
// TLS from the first byte. With user info in the URL it signs in with AUTH
// PLAIN or LOGIN, and only over TLS: the password never crosses the network
// in the clear, and never appears in an error or a log line.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"portico/internal/delivery"
)

// Relay is an SMTP relay as a URL names it.
type Relay struct {
	Host, Port  string
	Username    string
	Password    string
	ImplicitTLS bool // smtps://
	RequireTLS  bool // ?starttls=required; always true with ImplicitTLS
}

// ParseURL reads a relay URL. Without a port smtp:// uses 25 and smtps://
// 465. Its errors never repeat the URL, which may hold a password.
func ParseURL(raw string) (Relay, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Relay{}, errors.New("mail: the SMTP URL is not a valid URL (percent-encode special characters in the user name and password)")
	}
	var r Relay
	switch u.Scheme {
	case "smtp":
		r.Port = "25"
	case "smtps":
		r.Port, r.ImplicitTLS, r.RequireTLS = "465", true, true
	default:
		return Relay{}, errors.New("mail: the SMTP URL must start with smtp:// or smtps://")
	}
	r.Host = u.Hostname()
	if r.Host == "" {
		return Relay{}, errors.New("mail: the SMTP URL names no host")
	}
	if p := u.Port(); p != "" {
		r.Port = p
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
	}
	for key, vs := range u.Query() {
		switch {
		case key == "starttls" && len(vs) == 1 && vs[0] == "required":
			r.RequireTLS = true
		case key == "starttls" && len(vs) == 1 && vs[0] == "opportunistic":
		case key == "starttls":
			return Relay{}, errors.New("mail: starttls in the SMTP URL must be required or opportunistic")
		default:
			return Relay{}, fmt.Errorf("mail: unknown setting %q in the SMTP URL", key)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return Relay{}, errors.New("mail: the SMTP URL must not have a path")
	}
	return r, nil
}

// Addr is the relay's host:port.
func (r Relay) Addr() string { return net.JoinHostPort(r.Host, r.Port) }

// String is the relay's URL without its password, for logs.
func (r Relay) String() string {
	u := url.URL{Scheme: "smtp", Host: r.Addr()}
	if r.ImplicitTLS {
		u.Scheme = "smtps"
	} else if r.RequireTLS {
		u.RawQuery = "starttls=required"
	}
	if r.Username != "" {
		u.User = url.User(r.Username)
	}
	return u.String()
}

// Options configure a Sender.
type Options struct {
	URL  string // PORTICO_SMTP_URL
	From string // PORTICO_MAIL_FROM: an address, with or without a name
	// Hello is the name the sender gives in EHLO; default "localhost".
	Hello string
	// TLS is the base of the TLS settings (trusted roots, for tests); nil
	// trusts the system's roots. The server name comes from the URL.
	TLS *tls.Config
	// Timeout bounds one message from dial to QUIT; default 30 s.
	Timeout time.Duration
	// Now dates the messages; default time.Now.
	Now func() time.Time
}

// Sender sends email deliveries, one SMTP session per message.
type Sender struct {
	relay   Relay
	from    *netmail.Address
	hello   string
	tls     *tls.Config
	timeout time.Duration
	now     func() time.Time
}

// New checks the options and returns a Sender; it does not connect yet.
func New(o Options) (*Sender, error) {
	r, err := ParseURL(o.URL)
	if err != nil {
		return nil, err
	}
	from, err := parseAddress("sender", o.From)
	if err != nil {
		return nil, err
	}
	s := &Sender{relay: r, from: from, hello: o.Hello, timeout: o.Timeout, now: o.Now}
	if s.hello == "" {
		s.hello = "localhost"
	}
	if strings.ContainsAny(s.hello, " \r\n") {
		return nil, fmt.Errorf("mail: %q is not a host name to greet with", s.hello)
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if o.TLS != nil {
		s.tls = o.TLS.Clone()
	}
	s.tls.ServerName = r.Host
	return s, nil
}

// String names the relay, without its password.
func (s *Sender) String() string { return s.relay.String() }

// Send delivers d to its recipient through the relay. A recipient or a
// message the relay refuses for good (a 5xx answer) is a permanent error.
func (s *Sender) Send(ctx context.Context, d *delivery.Delivery) error {
	to, err := parseAddress("recipient", d.To)
	if err != nil {
		return delivery.Permanent(err)
	}
	msg := compose(s.from, to, d, s.now())
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err = s.send(ctx, to.Address, msg)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return err
}

func (s *Sender) send(ctx context.Context, to string, msg []byte) error {
	addr := s.relay.Addr()
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	// Every read and write ends with ctx: at its deadline, or at once when
	// it is cancelled.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.relay.Host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(s.hello); err != nil {
		return fmt.Errorf("mail: EHLO to %s: %w", addr, err)
	}
	if !s.relay.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return fmt.Errorf("mail: STARTTLS with %s: %w", addr, err)
			}
		} else if s.relay.RequireTLS {
			return fmt.Errorf("mail: %s does not offer STARTTLS, which the SMTP URL requires", addr)
		}
	}
	if s.relay.Username != "" {
		if err := c.Auth(&auth{user: s.relay.Username, pass: s.relay.Password}); err != nil {
			return fmt.Errorf("mail: sign in to %s as %s: %w", addr, s.relay.Username, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail: %s refused the sender %s: %w", addr, s.from.Address, err)
	}
	if err := c.Rcpt(to); err != nil {
		return refused(fmt.Errorf("mail: %s refused the recipient %s: %w", addr, to, err))
	}
	w, err := c.Data()
	if err != nil {
		return refused(fmt.Errorf("mail: DATA to %s: %w", addr, err))
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: write message to %s: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return refused(fmt.Errorf("mail: %s refused the message: %w", addr, err))
	}
	// The relay has taken the message; how the session ends changes
	// nothing.
	c.Quit()
	return nil
}

// dial connects to the relay, in TLS from the start for smtps://.
func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	nd := &net.Dialer{Timeout: 10 * time.Second}
	if s.relay.ImplicitTLS {
		td := &tls.Dialer{NetDialer: nd, Config: s.tls}
		return td.DialContext(ctx, "tcp", s.relay.Addr())
	}
	return nd.DialContext(ctx, "tcp", s.relay.Addr())
}

// refused marks err permanent when the relay answered it with a 5xx code:
// it will answer the same next time.
func refused(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return delivery.Permanent(err)
	}
	return err
}

// errCleartext keeps a password off an unencrypted connection.
var errCleartext = errors.New("the connection is not encrypted (the server offers no STARTTLS); the password is sent over TLS only")

// auth signs in with PLAIN when the server offers it, else with LOGIN.
type auth struct {
	user, pass string
	login      bool // LOGIN chosen
}

func (a *auth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS {
		return "", nil, errCleartext
	}
	for _, m := range si.Auth {
		if strings.EqualFold(m, "PLAIN") {
			return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
		}
	}
	for _, m := range si.Auth {
		if strings.EqualFold(m, "LOGIN") {
			a.login = true
			return "LOGIN", nil, nil
		}
	}
	return "", nil, fmt.Errorf("the server offers neither AUTH PLAIN nor AUTH LOGIN (it offers %s)", strings.Join(si.Auth, ", "))
}

func (a *auth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.login {
		switch c := strings.ToLower(string(challenge)); {
		case strings.HasPrefix(c, "user"):
			return []byte(a.user), nil
		case strings.HasPrefix(c, "pass"):
			return []byte(a.pass), nil
		}
	}
	return nil, errors.New("unexpected challenge from the server")
}
