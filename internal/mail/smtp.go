package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultSendTimeout bounds one Send of an SMTPSender, from connecting to
// the end of the transaction, unless the URL sets timeout=.
const DefaultSendTimeout = 30 * time.Second

// SMTPSender sends messages through an SMTP server, opening one connection
// per message. It is safe for concurrent use.
type SMTPSender struct {
	host     string
	port     int
	implicit bool // smtps: TLS from the first byte
	policy   gomail.TLSPolicy
	user     string
	password string
	from     *netmail.Address
	timeout  time.Duration
}

// NewSMTPSender returns a Sender for the SMTP server described by rawURL,
// sending from the address from ("noreply@example.com" or
// "Latchkey <noreply@example.com>").
//
// rawURL is smtp://[user:password@]host[:port][?options] (port 587 by
// default; STARTTLS when the server offers it) or
// smtps://[user:password@]host[:port][?options] (port 465 by default;
// implicit TLS). User and password are URL-encoded where needed. Options:
//
//	tls=opportunistic  STARTTLS if offered (default for smtp)
//	tls=mandatory      STARTTLS required; fail without it
//	tls=none           no STARTTLS, plain text (local relays and tests)
//	timeout=30s        bound for one Send (default DefaultSendTimeout)
//
// With a user, SMTPSender authenticates with PLAIN or LOGIN, whichever the
// server offers; it never sends the password over a connection that is not
// encrypted, except with tls=none or to localhost. Errors never contain the
// password.
func NewSMTPSender(rawURL, from string) (Sender, error) {
	s, err := newSMTPSender(rawURL, from)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func newSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, redact(fmt.Errorf("mail: invalid SMTP URL: %w", err), passwordOf(rawURL))
	}
	s := &SMTPSender{timeout: DefaultSendTimeout, policy: gomail.TLSOpportunistic}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		s.port = gomail.DefaultPortTLS
	case "smtps":
		s.port = gomail.DefaultPortSSL
		s.implicit = true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("mail: SMTP URL has no host (want smtp://host:port)")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: SMTP URL must not have a path")
	}
	s.host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL has an invalid port %q", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
		if s.user == "" {
			return nil, errors.New("mail: SMTP URL has a password but no user")
		}
	}
	for key, values := range u.Query() {
		value := values[len(values)-1]
		switch key {
		case "tls":
			switch strings.ToLower(value) {
			case "opportunistic", "starttls":
				s.policy = gomail.TLSOpportunistic
			case "mandatory", "required":
				s.policy = gomail.TLSMandatory
			case "none", "off", "false":
				if s.implicit {
					return nil, errors.New("mail: tls=none contradicts smtps (use smtp:// for plain text)")
				}
				s.policy = gomail.NoTLS
			default:
				return nil, fmt.Errorf("mail: SMTP URL option tls=%q: want none, opportunistic or mandatory", value)
			}
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("mail: SMTP URL option timeout=%q: want a positive duration such as 30s", value)
			}
			s.timeout = d
		default:
			return nil, fmt.Errorf("mail: unknown SMTP URL option %q", key)
		}
	}
	if s.implicit {
		s.policy = gomail.TLSMandatory
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid sender address %q: %w", from, err)
	}
	s.from = addr
	return s, nil
}

// String describes the server without the password.
func (s *SMTPSender) String() string {
	scheme := "smtp"
	if s.implicit {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: fmt.Sprintf("%s:%d", s.host, s.port)}
	if s.user != "" {
		u.User = url.User(s.user)
	}
	return u.String()
}

// Send delivers m, multipart/alternative when it has both a text and an
// HTML body. It gives up after the configured timeout or when ctx ends.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.options()...)
	if err != nil {
		return s.fail("configuring SMTP client", m, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return s.fail("sending", m, err)
	}
	return nil
}

func (s *SMTPSender) options() []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSPolicy(s.policy),
	}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.password))
		if s.policy == gomail.NoTLS {
			// Explicitly asked for plain text: allow the password on it.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			// PLAIN and LOGIN refuse to run on an unencrypted connection
			// (STARTTLS not offered) except to localhost.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		}
	}
	return opts
}

func (s *SMTPSender) message(m Message) (*gomail.Msg, error) {
	if m.To == "" {
		return nil, errors.New("mail: message has no recipient")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mail: message has no body")
	}
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	to, err := netmail.ParseAddress(m.To)
	if err != nil || to.Name != "" || to.Address != m.To {
		return nil, fmt.Errorf("mail: invalid recipient %q", m.To)
	}
	// The display name is never header syntax: net/mail quotes or encodes
	// it, and it is on one line, whatever it holds (names are checked when
	// stored, internal/text), so that it cannot add a header or a recipient.
	to.Name = oneLine(m.ToName)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func (s *SMTPSender) fail(what string, m Message, err error) error {
	return redact(fmt.Errorf("mail: %s to %s via %s:%d: %w", what, m.To, s.host, s.port, err), s.password)
}

// passwordOf extracts the password from an SMTP URL that url.Parse may have
// rejected: the part between the first ':' and the last '@' of the
// authority.
func passwordOf(rawURL string) string {
	rest := rawURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	userinfo := rest[:at]
	colon := strings.IndexByte(userinfo, ':')
	if colon < 0 {
		return ""
	}
	return userinfo[colon+1:]
}

// redactedError carries an error whose message had a secret replaced.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return errors.Unwrap(e.err) }

// redact returns err with every occurrence of secret in its message, plain
// or URL-escaped, replaced by "xxxxx". Unwrap still reaches the cause.
func redact(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	msg := err.Error()
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	if dec, e := url.PathUnescape(secret); e == nil {
		forms = append(forms, dec)
	}
	for _, f := range forms {
		if f != "" {
			msg = strings.ReplaceAll(msg, f, "xxxxx")
		}
	}
	return &redactedError{msg: msg, err: err}
}
