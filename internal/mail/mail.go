// Package mail sends email and renders the invitation email.
//
// A Sender delivers a Message: SMTPSender through an SMTP server configured
// by one URL, LogSender to a log for development. RenderInvitation turns an
// Invitation into a Message in one of the supported languages.
package mail

import (
	"context"
	"log/slog"
)

// Message is one email. The sender's configuration supplies From.
type Message struct {
	To      string // address
	ToName  string // display name, may be empty
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body, may be empty; sent as an alternative to Text
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender writes every message, with its plain-text body, to a log
// instead of sending it. It is the development default. A nil Logger means
// slog.Default().
type LogSender struct {
	Logger *slog.Logger
}

// Send logs m at level Info.
func (s LogSender) Send(ctx context.Context, m Message) error {
	logger := s.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.InfoContext(ctx, "mail not sent, logged instead",
		slog.String("to", m.To),
		slog.String("to_name", m.ToName),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
		slog.Int("html_bytes", len(m.HTML)),
	)
	return nil
}
