package mail_test

import (
	"crypto/tls"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"portico/internal/delivery"
	"portico/internal/mail"
	"portico/internal/mail/mailtest"
)

const secret = "pa55:w0rd/ö"

// userinfo is user and the secret password as a URL writes them, with @.
func userinfo(user string) string { return url.UserPassword(user, secret).String() + "@" }

var when = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newSender(t *testing.T, url string, srv *mailtest.Server) *mail.Sender {
	t.Helper()
	o := mail.Options{URL: url, From: "Åsa på Acme <support@acme.test>", Hello: "portico.test", Now: func() time.Time { return when }, Timeout: 10 * time.Second}
	if srv != nil {
		o.TLS = &tls.Config{RootCAs: srv.Roots()}
	}
	s, err := mail.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendMessages(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, "smtp://"+srv.Addr, srv)
	tests := []struct {
		name                  string
		subject, text, html   string
		wantSubject, wantType string
	}{
		{"chinese", "您的工单 #42 已更新", "您好，\n\n我们已回复您的工单：打印机无法连接网络。\n", "<p>您好，<b>打印机</b>已修好。</p>", "", "multipart/alternative"},
		{"polish", "Zgłoszenie #7: drukarka nie działa — żółć", "Dzień dobry,\r\nodpowiedzieliśmy na zgłoszenie. Zażółć gęślą jaźń.", "<p>Zażółć <i>gęślą</i> jaźń</p>", "", "multipart/alternative"},
		{"swedish", "Ärende #9: Åtkomstpunkten vid lastkaj 3 är utbytt", "Hej!\n\nVi har svarat på ditt ärende. Hälsningar, Öresund", "", "", "text/plain"},
		{"ascii", "Your customer portal account", "Sign in at: https://help.example.com/support/login\nPassword: x=y", "", "", "text/plain"},
		{"long subject", strings.Repeat("很长的主题行，", 30), strings.Repeat("A line that goes on and on and on without a break ", 20), "", "", "text/plain"},
		{"header injection", "Hello\r\nBcc: victim@example.com", "Body", "", "Hello Bcc: victim@example.com", "text/plain"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Messages())
			d := &delivery.Delivery{ID: int64(i + 1), Kind: delivery.Email, To: "Ada@Example.com", Subject: tt.subject,
				Body: tt.text, BodyHTML: tt.html, IdempotencyKey: "key-" + tt.name}
			if err := s.Send(t.Context(), d); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Wait(t, before+1, 5*time.Second)
			m := msgs[before]
			if m.From != "support@acme.test" || len(m.To) != 1 || m.To[0] != "Ada@Example.com" {
				t.Errorf("envelope from %q to %q", m.From, m.To)
			}
			for n, line := range strings.Split(string(m.Data), "\r\n") {
				if len(line) > 998 {
					t.Errorf("line %d is %d bytes long", n, len(line))
				}
				for _, c := range []byte(line) {
					if c >= 0x80 || c == '\n' || c == '\r' {
						t.Fatalf("line %d holds byte %#x: %q", n, c, line)
					}
				}
			}
			p, err := m.Parse()
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, m.Data)
			}
			want := tt.wantSubject
			if want == "" {
				want = tt.subject
			}
			if p.Subject != want {
				t.Errorf("subject %q, want %q", p.Subject, want)
			}
			if p.Header.Get("Bcc") != "" {
				t.Errorf("a Bcc header got in: %q", p.Header.Get("Bcc"))
			}
			if p.Type != tt.wantType {
				t.Errorf("content type %q, want %q", p.Type, tt.wantType)
			}
			wantText := strings.TrimSuffix(strings.ReplaceAll(tt.text, "\r\n", "\n"), "\n")
			if got := strings.TrimSuffix(p.Text, "\n"); got != wantText {
				t.Errorf("text part %q, want %q", got, wantText)
			}
			if got := strings.TrimSuffix(p.HTML, "\n"); got != tt.html {
				t.Errorf("HTML part %q, want %q", got, tt.html)
			}
			from, err := p.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "Åsa på Acme" || from[0].Address != "support@acme.test" {
				t.Errorf("From %v (%v)", from, err)
			}
			to, err := p.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != "Ada@Example.com" {
				t.Errorf("To %v (%v)", to, err)
			}
			if date, err := p.Header.Date(); err != nil || !date.Equal(when) {
				t.Errorf("Date %v (%v), want %v", date, err, when)
			}
			if got := p.Header.Get(mail.DeliveryHeader); got != d.IdempotencyKey {
				t.Errorf("%s: %q, want %q", mail.DeliveryHeader, got, d.IdempotencyKey)
			}
			if id := p.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@acme.test>") {
				t.Errorf("Message-ID %q", id)
			}
			if p.Header.Get("MIME-Version") != "1.0" || p.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("headers %v", p.Header)
			}
		})
	}

	// A retry carries the same Message-ID; another delivery its own.
	ids := map[string]string{}
	for _, key := range []string{"retry-me", "retry-me", "someone-else"} {
		d := &delivery.Delivery{Kind: delivery.Email, To: "ada@example.com", Subject: "Hi", Body: "Hi", IdempotencyKey: key}
		if err := s.Send(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages()
		p, err := msgs[len(msgs)-1].Parse()
		if err != nil {
			t.Fatal(err)
		}
		id := p.Header.Get("Message-ID")
		if prev, ok := ids[key]; ok && prev != id {
			t.Errorf("retry of %s: Message-ID %s, first %s", key, id, prev)
		}
		ids[key] = id
	}
	if ids["retry-me"] == ids["someone-else"] {
		t.Errorf("two deliveries share Message-ID %s", ids["retry-me"])
	}
}

// Relays over TLS and with sign-in: the password goes over TLS only and
// shows in no error.
func TestSendSecurely(t *testing.T) {
	users := map[string]string{"portico": secret}
	userinfo := userinfo("portico")
	type result struct {
		ok        bool
		tls       bool
		mechs     []string
		errSubstr string
	}
	tests := []struct {
		name   string
		opts   mailtest.Options
		url    func(addr string) string
		trust  bool
		want   result
		noMail bool
	}{
		{"starttls offered and taken", mailtest.Options{TLS: mailtest.StartTLS},
			func(a string) string { return "smtp://" + a }, true, result{ok: true, tls: true}, false},
		{"starttls required and offered", mailtest.Options{TLS: mailtest.StartTLS},
			func(a string) string { return "smtp://" + a + "?starttls=required" }, true, result{ok: true, tls: true}, false},
		{"plain relay, opportunistic", mailtest.Options{},
			func(a string) string { return "smtp://" + a }, true, result{ok: true}, false},
		{"starttls required, not offered", mailtest.Options{},
			func(a string) string { return "smtp://" + a + "?starttls=required" }, true, result{errSubstr: "STARTTLS"}, true},
		{"implicit tls", mailtest.Options{TLS: mailtest.Implicit},
			func(a string) string { return "smtps://" + a }, true, result{ok: true, tls: true}, false},
		{"untrusted certificate", mailtest.Options{TLS: mailtest.StartTLS},
			func(a string) string { return "smtp://" + a }, false, result{errSubstr: "certificate"}, true},
		{"auth plain over starttls", mailtest.Options{TLS: mailtest.StartTLS, Users: users},
			func(a string) string { return "smtp://" + userinfo + a }, true, result{ok: true, tls: true, mechs: []string{"PLAIN"}}, false},
		{"auth login over implicit tls", mailtest.Options{TLS: mailtest.Implicit, Users: users, Mechanisms: []string{"LOGIN"}},
			func(a string) string { return "smtps://" + userinfo + a }, true, result{ok: true, tls: true, mechs: []string{"LOGIN"}}, false},
		{"wrong password", mailtest.Options{TLS: mailtest.StartTLS, Users: map[string]string{"portico": "other"}},
			func(a string) string { return "smtp://" + userinfo + a }, true, result{mechs: []string{"PLAIN"}, errSubstr: "535"}, true},
		{"no password in the clear", mailtest.Options{Users: users},
			func(a string) string { return "smtp://" + userinfo + a }, true, result{errSubstr: "TLS"}, true},
		{"no mechanism in common", mailtest.Options{TLS: mailtest.StartTLS, Users: users, Mechanisms: []string{"CRAM-MD5"}},
			func(a string) string { return "smtp://" + userinfo + a }, true, result{errSubstr: "PLAIN"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			trusted := srv
			if !tt.trust {
				trusted = nil
			}
			s := newSender(t, tt.url(strings.Replace(srv.Addr, "127.0.0.1", "localhost", 1)), trusted)
			if strings.Contains(s.String(), "w0rd") {
				t.Errorf("String() shows the password: %s", s)
			}
			err := s.Send(t.Context(), &delivery.Delivery{Kind: delivery.Email, To: "ada@example.com", Subject: "Hej", Body: "Hej då", IdempotencyKey: "k"})
			if tt.want.ok != (err == nil) {
				t.Fatalf("Send: %v, want ok=%v", err, tt.want.ok)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.want.errSubstr) {
					t.Errorf("error %q does not mention %q", err, tt.want.errSubstr)
				}
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "w0rd") {
					t.Errorf("error shows the password: %v", err)
				}
				if delivery.IsPermanent(err) {
					t.Errorf("a relay problem marked permanent: %v", err)
				}
			}
			if got := srv.AuthMechanisms(); strings.Join(got, ",") != strings.Join(tt.want.mechs, ",") {
				t.Errorf("sign-in tried with %v, want %v", got, tt.want.mechs)
			}
			msgs := srv.Messages()
			if tt.noMail {
				if len(msgs) != 0 {
					t.Errorf("%d messages arrived, want none", len(msgs))
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("%d messages arrived, want 1", len(msgs))
			}
			if msgs[0].TLS != tt.want.tls {
				t.Errorf("message came over TLS: %v, want %v", msgs[0].TLS, tt.want.tls)
			}
			if wantUser := map[bool]string{true: "portico"}[tt.want.mechs != nil]; msgs[0].User != wantUser {
				t.Errorf("signed in as %q, want %q", msgs[0].User, wantUser)
			}
		})
	}
}

// What the relay refuses for good fails at once; what may pass is retried.
func TestSendErrors(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Refuse: []string{"gone@example.com"}})
	s := newSender(t, "smtp://"+srv.Addr, srv)
	send := func(s *mail.Sender, to string) error {
		return s.Send(t.Context(), &delivery.Delivery{Kind: delivery.Email, To: to, Subject: "Hi", Body: "Hi", IdempotencyKey: "e-" + to})
	}
	if err := send(s, "gone@example.com"); err == nil || !delivery.IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("refused recipient: %v, want a permanent 550", err)
	}
	if err := send(s, "not an address"); err == nil || !delivery.IsPermanent(err) {
		t.Errorf("malformed recipient: %v, want a permanent error", err)
	}

	// Nobody listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	if err := send(newSender(t, "smtp://"+userinfo("u")+down, nil), "ada@example.com"); err == nil || delivery.IsPermanent(err) ||
		strings.Contains(err.Error(), "w0rd") {
		t.Errorf("relay down: %v, want a retryable error without the password", err)
	}

	// A relay that accepts the connection and never answers: the
	// timeout ends the attempt.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	slow, err := mail.New(mail.Options{URL: "smtp://" + hole.Addr().String(), From: "support@acme.test", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := send(slow, "ada@example.com"); err == nil || delivery.IsPermanent(err) {
		t.Errorf("silent relay: %v, want a retryable error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages arrived, want none", n)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want mail.Relay
		str  string
	}{
		{"smtp://mail.example.com", mail.Relay{Host: "mail.example.com", Port: "25"}, "smtp://mail.example.com:25"},
		{"smtp://u:p%40ss@mail.example.com:587", mail.Relay{Host: "mail.example.com", Port: "587", Username: "u", Password: "p@ss"}, "smtp://u@mail.example.com:587"},
		{"smtp://mail.example.com:587?starttls=required", mail.Relay{Host: "mail.example.com", Port: "587", RequireTLS: true}, "smtp://mail.example.com:587?starttls=required"},
		{"smtp://mail.example.com?starttls=opportunistic", mail.Relay{Host: "mail.example.com", Port: "25"}, "smtp://mail.example.com:25"},
		{"smtps://apikey:k3y@smtp.example.com", mail.Relay{Host: "smtp.example.com", Port: "465", Username: "apikey", Password: "k3y", ImplicitTLS: true, RequireTLS: true}, "smtps://apikey@smtp.example.com:465"},
		{"smtp://[::1]:2525", mail.Relay{Host: "::1", Port: "2525"}, "smtp://[::1]:2525"},
	}
	for _, tt := range tests {
		got, err := mail.ParseURL(tt.url)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tt.url, got, err, tt.want)
			continue
		}
		if got.String() != tt.str {
			t.Errorf("ParseURL(%q).String() = %q, want %q", tt.url, got.String(), tt.str)
		}
	}
	for _, bad := range []string{
		"http://u:" + secret + "@mail.example.com",
		"smtp://u:" + secret + "@",
		"smtp://u:" + secret + "@mail.example.com?starttls=maybe",
		"smtp://u:" + secret + "@mail.example.com?tls=1",
		"smtp://u:" + secret + "@mail.example.com/path",
		"smtp://u:" + secret + "@mail.example.com:port",
		"smtp://u:p%zz@mail.example.com",
	} {
		_, err := mail.ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "w0rd") || strings.Contains(err.Error(), "p%zz") {
			t.Errorf("ParseURL error shows the password: %v", err)
		}
	}
	if _, err := mail.New(mail.Options{URL: "smtp://mail.example.com", From: "not an address"}); err == nil {
		t.Error("New accepted a sender that is not an address")
	}
}
