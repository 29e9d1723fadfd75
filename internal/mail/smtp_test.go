package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/latchkey/latchkey/internal/testenv/smtptest"
)

// parsedMail is a received message taken apart.
type parsedMail struct {
	header netmail.Header
	parts  map[string]string // media type → decoded body
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parsing message: %v\n%s", err, data)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative\n%s", mediaType, data)
	}
	p := parsedMail{header: msg.Header, parts: map[string]string{}}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pparams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if cs := strings.ToLower(pparams["charset"]); cs != "utf-8" {
			t.Errorf("%s part has charset %q", pt, cs)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		p.parts[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	return p
}

func TestSMTPSenderDeliversInvitation(t *testing.T) {
	srv := smtptest.StartWith(t, "127.0.0.1:0", "mailer", "s3cret-Pa55")

	sender, err := NewSMTPSender("smtp://mailer:s3cret-Pa55@"+srv.Addr+"?tls=none", "Latchkey <noreply@latchkey.example>")
	if err != nil {
		t.Fatal(err)
	}
	inv := testInvitation("DE")
	m, err := RenderInvitation(inv)
	if err != nil {
		t.Fatal(err)
	}
	m.To, m.ToName = "anna@example.com", "Anna Müller"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sender.Send(ctx, m); err != nil {
		t.Fatal(err)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages", len(msgs))
	}
	got := msgs[0]
	if got.AuthUser != "mailer" {
		t.Errorf("authenticated as %q", got.AuthUser)
	}
	if got.From != "noreply@latchkey.example" {
		t.Errorf("MAIL FROM %q", got.From)
	}
	if len(got.Recipients) != 1 || got.Recipients[0] != "anna@example.com" {
		t.Errorf("RCPT TO %q", got.Recipients)
	}

	p := parseMail(t, got.Raw)
	subject, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if subject != m.Subject {
		t.Errorf("Subject %q, want %q", subject, m.Subject)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "anna@example.com" || to[0].Name != "Anna Müller" {
		t.Errorf("To %v (%v)", to, err)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "noreply@latchkey.example" || from[0].Name != "Latchkey" {
		t.Errorf("From %v (%v)", from, err)
	}
	if p.header.Get("Date") == "" || p.header.Get("Message-Id") == "" {
		t.Errorf("Date or Message-ID missing: %v", p.header)
	}
	text := p.parts["text/plain"]
	for _, s := range []string{testCode, "Ihr Einladungscode", "Haustür", "Mo–Fr 22:00–06:00 (Europe/Berlin)", inv.Link} {
		if !strings.Contains(text, s) {
			t.Errorf("text part lacks %q:\n%s", s, text)
		}
	}
	if text != strings.ReplaceAll(m.Text, "\r\n", "\n") {
		t.Errorf("text part differs from the rendered text:\n%q\n%q", text, m.Text)
	}
	html := p.parts["text/html"]
	if !strings.Contains(html, testCode) || !strings.Contains(html, "<html") {
		t.Errorf("HTML part:\n%s", html)
	}
}

func TestSMTPSenderWrongPassword(t *testing.T) {
	srv := smtptest.StartWith(t, "127.0.0.1:0", "mailer", "right-password")
	sender, err := NewSMTPSender("smtp://mailer:Wr0ng-Passw0rd@"+srv.Addr+"?tls=none", "noreply@latchkey.example")
	if err != nil {
		t.Fatal(err)
	}
	err = sender.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"})
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	if strings.Contains(err.Error(), "Wr0ng-Passw0rd") {
		t.Errorf("error contains the password: %v", err)
	}
	if !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("error does not say authentication failed: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("server accepted a message")
	}
}

func TestSMTPSenderMandatoryTLSWithoutSTARTTLS(t *testing.T) {
	srv := smtptest.StartWith(t, "127.0.0.1:0", "mailer", "Pa55-w0rd-X") // no TLS, so no STARTTLS
	sender, err := NewSMTPSender("smtp://mailer:Pa55-w0rd-X@"+srv.Addr+"?tls=mandatory", "noreply@latchkey.example")
	if err != nil {
		t.Fatal(err)
	}
	err = sender.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"})
	if err == nil {
		t.Fatal("sent without TLS although TLS is mandatory")
	}
	if !strings.Contains(err.Error(), "STARTTLS") || strings.Contains(err.Error(), "Pa55-w0rd-X") {
		t.Errorf("error %q", err)
	}
}

func TestSMTPSenderClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	const password = "hunter2-Very-Secret"
	for _, u := range []string{
		fmt.Sprintf("smtp://mailer:%s@127.0.0.1:%d?tls=none", password, port),
		fmt.Sprintf("smtp://mailer:%s@127.0.0.1:%d", password, port),
		fmt.Sprintf("smtps://mailer:%s@127.0.0.1:%d?timeout=5s", password, port),
	} {
		sender, err := NewSMTPSender(u, "noreply@latchkey.example")
		if err != nil {
			t.Fatal(err)
		}
		err = sender.Send(context.Background(), Message{To: "anna@example.com", Subject: "x", Text: "x"})
		if err == nil {
			t.Fatalf("%s: sending to a closed port succeeded", strings.ReplaceAll(u, password, "…"))
		}
		msg := err.Error()
		if strings.Contains(msg, password) {
			t.Errorf("error contains the password: %s", msg)
		}
		if !strings.Contains(msg, fmt.Sprintf("127.0.0.1:%d", port)) || !strings.Contains(msg, "anna@example.com") {
			t.Errorf("error does not say what failed: %s", msg)
		}
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Errorf("error does not wrap the network error: %#v", err)
		}
	}
}

func TestSMTPSenderTimeout(t *testing.T) {
	// A server that accepts connections and never says anything.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Go(func() {
				<-stop
				c.Close()
			})
		}
	}()
	t.Cleanup(func() {
		l.Close()
		close(stop)
		conns.Wait()
	})
	port := l.Addr().(*net.TCPAddr).Port

	sender, err := NewSMTPSender(fmt.Sprintf("smtp://127.0.0.1:%d?tls=none&timeout=300ms", port), "noreply@latchkey.example")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = sender.Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"})
	if err == nil {
		t.Fatal("send to a silent server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("send gave up after %v, timeout is 300ms", d)
	}
}

func TestNewSMTPSenderURL(t *testing.T) {
	cases := []struct {
		url      string
		host     string
		port     int
		implicit bool
		policy   gomail.TLSPolicy
		user     string
		password string
		timeout  time.Duration
	}{
		{"smtp://mail.example.com", "mail.example.com", 587, false, gomail.TLSOpportunistic, "", "", DefaultSendTimeout},
		{"smtp://u:p@mail.example.com:25", "mail.example.com", 25, false, gomail.TLSOpportunistic, "u", "p", DefaultSendTimeout},
		{"SMTP://u%40example.com:p%3Aw%2Fd%40x@mail.example.com:587/", "mail.example.com", 587, false, gomail.TLSOpportunistic, "u@example.com", "p:w/d@x", DefaultSendTimeout},
		{"smtp://mail.example.com?tls=mandatory", "mail.example.com", 587, false, gomail.TLSMandatory, "", "", DefaultSendTimeout},
		{"smtp://mail.example.com:1025?tls=none&timeout=5s", "mail.example.com", 1025, false, gomail.NoTLS, "", "", 5 * time.Second},
		{"smtps://u:p@mail.example.com", "mail.example.com", 465, true, gomail.TLSMandatory, "u", "p", DefaultSendTimeout},
		{"smtps://mail.example.com:2465?tls=mandatory", "mail.example.com", 2465, true, gomail.TLSMandatory, "", "", DefaultSendTimeout},
		{"smtp://[::1]:2525?tls=none", "::1", 2525, false, gomail.NoTLS, "", "", DefaultSendTimeout},
	}
	for _, c := range cases {
		s, err := newSMTPSender(c.url, "noreply@example.com")
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if s.host != c.host || s.port != c.port || s.implicit != c.implicit || s.policy != c.policy ||
			s.user != c.user || s.password != c.password || s.timeout != c.timeout {
			t.Errorf("%s: got %+v", c.url, *s)
		}
		if strings.Contains(s.String(), ":"+c.password+"@") && c.password != "" {
			t.Errorf("String() shows the password: %s", s)
		}
	}

	const password = "Sup3r-S3cret"
	bad := []string{
		"",
		"mail.example.com",
		"http://mail.example.com",
		"smtp://",
		"smtp:///path",
		"smtp://user:" + password + "@mail.example.com:99999",
		"smtp://user:" + password + "@mail.example.com:port",
		"smtp://user:" + password + "@mail.example.com/path",
		"smtp://user:" + password + "@mail.example.com?tls=maybe",
		"smtp://user:" + password + "@mail.example.com?timeout=soon",
		"smtp://user:" + password + "@mail.example.com?timeout=-1s",
		"smtp://user:" + password + "@mail.example.com?verify=no",
		"smtps://user:" + password + "@mail.example.com?tls=none",
		"smtp://:" + password + "@mail.example.com",
		"smtp://user:" + password + "%zz@mail.example.com",
		"smtp://user:" + password + "@mail.exa mple.com",
		"smtp://user:" + password + "\x7f@mail.example.com",
	}
	for _, u := range bad {
		_, err := NewSMTPSender(u, "noreply@example.com")
		if err == nil {
			t.Errorf("%q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%q: error contains the password: %v", strings.ReplaceAll(u, password, "…"), err)
		}
	}

	for _, from := range []string{"", "not an address", "a@b.example, c@d.example"} {
		if _, err := NewSMTPSender("smtp://mail.example.com", from); err == nil {
			t.Errorf("sender address %q accepted", from)
		}
	}
}

func TestSMTPSenderRejectsBadMessages(t *testing.T) {
	s, err := NewSMTPSender("smtp://127.0.0.1:1?tls=none", "noreply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]Message{
		"no recipient":  {Subject: "x", Text: "x"},
		"bad recipient": {To: "not an address", Subject: "x", Text: "x"},
		"no body":       {To: "a@example.com", Subject: "x"},
	} {
		if err := s.Send(context.Background(), m); err == nil || strings.Contains(err.Error(), "dial") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := LogSender{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	m := Message{To: "anna@example.com", ToName: "Anna", Subject: "Your invitation", Text: "Code: " + testCode + "\nBye", HTML: "<p>x</p>"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"anna@example.com", "Your invitation", testCode, "Bye"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}

	// A nil Logger falls back to slog.Default.
	var def bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	defer slog.SetDefault(old)
	var sender Sender = LogSender{}
	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def.String(), testCode) {
		t.Errorf("default log lacks the message: %s", def.String())
	}
}

// TestSMTPSenderEncodesDisplayNames: a display name is never header
// syntax, whatever it holds (names are checked when stored; this is the
// second line of defence): no header or recipient can be added through it.
func TestSMTPSenderEncodesDisplayNames(t *testing.T) {
	srv := smtptest.StartWith(t, "127.0.0.1:0", "mailer", "s3cret-Pa55")
	sender, err := NewSMTPSender("smtp://mailer:s3cret-Pa55@"+srv.Addr+"?tls=none", "Latchkey <noreply@latchkey.example>")
	if err != nil {
		t.Fatal(err)
	}
	m, err := RenderInvitation(testInvitation("EN"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{
		"Eve\r\nBcc: victim@example.com":  "Eve Bcc: victim@example.com",
		"Eve\nBcc: victim@example.com":    "Eve Bcc: victim@example.com",
		`Eve" <victim@example.com>, "Bob`: `Eve" <victim@example.com>, "Bob`,
		"Zoë \u202Eevil":                  "Zoë \u202Eevil",
	}
	for name := range names {
		m.To, m.ToName = "anna@example.com", name
		if err := sender.Send(context.Background(), m); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != len(names) {
		t.Fatalf("server received %d messages, want %d", len(msgs), len(names))
	}
	seen := map[string]bool{}
	for _, got := range msgs {
		if len(got.Recipients) != 1 || got.Recipients[0] != "anna@example.com" {
			t.Errorf("RCPT TO %q", got.Recipients)
		}
		p := parseMail(t, got.Raw)
		if _, ok := p.header["Bcc"]; ok {
			t.Errorf("a Bcc header was added:\n%s", got.Raw)
		}
		to, err := p.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "anna@example.com" {
			t.Errorf("To %v (%v):\n%s", to, err, got.Raw)
			continue
		}
		seen[to[0].Name] = true
	}
	for _, want := range names {
		if !seen[want] {
			t.Errorf("no mail to the display name %q; got %v", want, seen)
		}
	}
}
