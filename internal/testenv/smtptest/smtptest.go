// Package smtptest runs a real SMTP server in the test process: it speaks
// the protocol over loopback TCP without TLS, requires AUTH PLAIN, accepts
// messages up to MaxMessageBytes, and records what it receives. Its own
// error log is discarded.
package smtptest

import (
	"encoding/base64"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// MaxMessageBytes is the size of the largest message the server accepts.
const MaxMessageBytes = 1 << 20

// Message is one received mail.
type Message struct {
	AuthUser   string // the user the sender authenticated as
	From       string
	Recipients []string
	Raw        []byte
}

// Server is a running SMTP server. A Server literal that was never started
// still has a URL, for a sender that must fail to connect.
type Server struct {
	User, Pass string
	Addr       string

	mu   sync.Mutex
	msgs []Message
	srv  *smtp.Server
}

// Start serves SMTP on addr ("127.0.0.1:0" for any free port) until the
// test ends, for user "mailer" with password "s3cret".
func Start(t *testing.T, addr string) *Server {
	t.Helper()
	return StartWith(t, addr, "mailer", "s3cret")
}

// StartWith is Start for the given user and password.
func StartWith(t *testing.T, addr, user, pass string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("smtp listen: %v", err)
	}
	s := &Server{User: user, Pass: pass, Addr: l.Addr().String()}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = MaxMessageBytes
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		<-done
	})
	return s
}

// URL is the smtp:// URL a sender uses to reach the server.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", User: url.UserPassword(s.User, s.Pass), Host: s.Addr, RawQuery: "tls=none"}
	return u.String()
}

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s      *Server
	authed bool
	user   string // who authenticated
	cur    Message
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.User || pass != ss.s.Pass {
			return errors.New("invalid credentials")
		}
		ss.authed, ss.user = true, user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur.AuthUser = ss.user
	ss.cur.From = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.cur.Recipients = append(ss.cur.Recipients, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Raw = raw
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	ss.cur = Message{}
	return nil
}

func (ss *session) Reset()        { ss.cur = Message{} }
func (ss *session) Logout() error { return nil }

// Parts decodes a message into its subject and its text/plain and
// text/html bodies.
func (m Message) Parts() (subject, text, html string, err error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Raw)))
	if err != nil {
		return "", "", "", err
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	parts := map[string]string{}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, parts)
	return subject, parts["text/plain"], parts["text/html"], err
}

func walk(contentType, encoding string, body io.Reader, out map[string]string) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	if strings.EqualFold(encoding, "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	out[mt] = string(b)
	return err
}
