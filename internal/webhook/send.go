package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/account"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/ent/webhookendpoint"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/outbox"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Bounds of one attempt.
const (
	// DefaultTimeout bounds an attempt from connecting to the end of the
	// answer.
	DefaultTimeout = 10 * time.Second
	// connectTimeout bounds the connection (and TLS handshake) alone.
	connectTimeout = 5 * time.Second
	// MaxResponse is how much of an answer is read; the rest is dropped
	// with the connection.
	MaxResponse = 64 << 10
)

// Retries: an attempt that fails waits Backoff(n) after the n-th failure;
// the MaxAttempts-th failure gives the delivery up, about a day after the
// first (30 s doubling to 4 h: 4.3 h for the first nine waits, then five
// of 4 h).
const (
	DefaultMaxAttempts = 15
	firstWait          = 30 * time.Second
	longestWait        = 4 * time.Hour
)

// Backoff is the wait after the n-th failed attempt (n ≥ 1): 30 s
// doubling up to 4 h, each spread by up to a fifth either way so that a
// receiver that comes back is not met by every delivery at once.
func Backoff(n int) time.Duration {
	d := firstWait
	for i := 1; i < n && d < longestWait; i++ {
		d *= 2
	}
	d = min(d, longestWait)
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// NewHTTPClient returns the client that posts deliveries: through Dialer
// (no internal address unless allowPrivate), never through a proxy from
// the environment, following no redirect, and bounded by timeout.
func NewHTTPClient(d *Dialer, timeout time.Duration) *http.Client {
	if d.Timeout == 0 {
		d.Timeout = connectTimeout
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            d.DialContext,
			TLSHandshakeTimeout:    connectTimeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 16 << 10,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        30 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Sender posts due deliveries. Several senders, in one process or many,
// may drain one database: a delivery is claimed with a lease (rows locked
// with SKIP LOCKED on PostgreSQL) before it is posted.
type Sender struct {
	Client *ent.Client
	Keys   *outbox.Keys
	HTTP   *http.Client
	// Mail queues the notice to the owners of an endpoint that was
	// disabled.
	Mail outbox.Invitations
	Now  func() time.Time
	Log  *slog.Logger
	// Batch is how many deliveries one round claims; Parallel how many
	// are posted at once.
	Batch, Parallel int
	// Lease is how long a claimed delivery is reserved for its sender
	// (longer than an attempt's timeout).
	Lease time.Duration
	// MaxAttempts gives a delivery up, and disables its endpoint.
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt.
	Backoff func(n int) time.Duration
	wake    chan struct{}
}

// Wake asks for a round now: a delivery was queued on this instance.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run posts deliveries until ctx ends: when woken, and every poll.
func (s *Sender) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		n, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("webhook round failed", "err", err)
		}
		if n == s.Batch && err == nil && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// NewSender returns a sender with the production bounds.
func NewSender(c *ent.Client, keys *outbox.Keys, mail outbox.Invitations, httpClient *http.Client, now func() time.Time, log *slog.Logger) *Sender {
	return &Sender{Client: c, Keys: keys, Mail: mail, HTTP: httpClient, Now: now, Log: log,
		Batch: 20, Parallel: 4, Lease: 2 * time.Minute, MaxAttempts: DefaultMaxAttempts, Backoff: Backoff,
		wake: make(chan struct{}, 1)}
}

// RunOnce claims the due deliveries of enabled endpoints, posts them and
// records each outcome; it returns how many it attempted.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	ctx = auth.SystemContext(ctx)
	claimed, err := s.claim(ctx)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		slot = make(chan struct{}, max(s.Parallel, 1))
	)
	for _, d := range claimed {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			if err := s.record(ctx, d, s.post(ctx, d)); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(claimed), errors.Join(errs...)
}

func (s *Sender) claim(ctx context.Context) ([]*ent.WebhookDelivery, error) {
	now := s.Now()
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	enabled := entsql.Select(webhookendpoint.FieldID).From(entsql.Table(webhookendpoint.Table)).
		Where(entsql.EQ(webhookendpoint.FieldEnabled, true))
	due := entsql.Select(webhookdelivery.FieldID).From(entsql.Table(webhookdelivery.Table))
	webhookdelivery.And(
		webhookdelivery.StatusEQ(enum.WebhookPending),
		webhookdelivery.NextAttemptAtLTE(now),
		webhookdelivery.Or(webhookdelivery.LeaseUntilIsNil(), webhookdelivery.LeaseUntilLT(now)),
		func(s *entsql.Selector) { s.Where(entsql.In(s.C(webhookdelivery.FieldEndpointID), enabled)) },
	)(due)
	due.OrderBy(webhookdelivery.FieldNextAttemptAt).Limit(s.Batch)
	list, err := tx.WebhookDelivery.Query().
		Where(func(sel *entsql.Selector) {
			// PostgreSQL: senders claim rows with FOR UPDATE SKIP LOCKED
			// (of the deliveries only). SQLite serialises the claiming
			// transactions.
			if sel.Dialect() != dialect.SQLite {
				due.ForUpdate(entsql.WithLockAction(entsql.SkipLocked), entsql.WithLockTables(webhookdelivery.Table))
			}
			sel.Where(entsql.In(sel.C(webhookdelivery.FieldID), due))
		}).
		WithEndpoint().
		All(ctx)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	ids := make([]pulid.ID, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	if err := tx.WebhookDelivery.Update().Where(webhookdelivery.IDIn(ids...)).SetLeaseUntil(now.Add(s.Lease)).Exec(ctx); err != nil {
		return nil, err
	}
	return list, tx.Commit()
}

// attempt is the outcome of one post.
type attempt struct {
	at       time.Time
	status   int // 0 without an answer
	duration time.Duration
	err      error // nil for a 2xx answer
}

// post signs d with its endpoint's secrets and posts it once.
func (s *Sender) post(ctx context.Context, d *ent.WebhookDelivery) attempt {
	e := d.Edges.Endpoint
	a := attempt{at: s.Now()}
	keys, err := Secrets(s.Keys, e, a.at)
	if err != nil {
		a.err = errors.New("the endpoint's secret does not open under this server's keys")
		s.Log.Error("webhook secret", "endpoint", e.ID, "err", err)
		return a
	}
	body := []byte(d.Payload)
	ts := a.at.Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		a.err = errors.New("the endpoint's URL cannot be requested")
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Latchkey-Webhooks/1")
	req.Header.Set("webhook-id", string(d.ID))
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(string(d.ID), ts, body, keys...))
	start := time.Now()
	res, err := s.HTTP.Do(req)
	if err == nil {
		// The answer is read up to MaxResponse, within the client's
		// timeout, and dropped: a receiver cannot make the server read
		// or keep more.
		_, err = io.Copy(io.Discard, io.LimitReader(res.Body, MaxResponse))
		_ = res.Body.Close()
		a.status = res.StatusCode
	}
	a.duration = time.Since(start)
	switch {
	case err != nil:
		a.err = describe(err)
	case a.status >= 300 && a.status < 400:
		a.err = fmt.Errorf("HTTP %d: redirects are not followed", a.status)
	case a.status < 200 || a.status >= 300:
		a.err = fmt.Errorf("HTTP %d", a.status)
	}
	return a
}

// describe says why a request failed without the URL, which may hold a
// receiver's token in its query, and without the addresses of this
// server's own network (its resolver, its end of the connection).
func describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var (
		ne  net.Error
		dns *net.DNSError
		op  *net.OpError
	)
	switch {
	case errors.Is(err, ErrInternalTarget):
		return ErrInternalTarget
	case errors.As(err, &ne) && ne.Timeout():
		return errors.New("timed out")
	case errors.As(err, &dns):
		// Without the resolver's address, which is this server's
		// network, not the receiver's.
		return fmt.Errorf("lookup %s: %s", dns.Name, dns.Err)
	case errors.As(err, &op) && op.Source != nil:
		// Without this server's own address.
		c := *op
		c.Source = nil
		return &c
	}
	return err
}

// record stores the outcome of an attempt: delivered, waiting for the
// next, or given up, which disables the endpoint unless one of its
// deliveries got through since this one was queued, and tells the
// account's owners by mail.
func (s *Sender) record(ctx context.Context, d *ent.WebhookDelivery, a attempt) error {
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	attempts := d.Attempts + 1
	upd := tx.WebhookDelivery.UpdateOne(d).SetAttempts(attempts).ClearLeaseUntil().
		SetLastAttemptAt(a.at).SetLastDurationMs(int(a.duration.Milliseconds()))
	if a.status != 0 {
		upd.SetLastStatusCode(a.status)
	} else {
		upd.ClearLastStatusCode()
	}
	switch {
	case a.err == nil:
		upd.SetStatus(enum.WebhookDelivered).SetDeliveredAt(a.at).ClearLastError()
	case attempts >= s.MaxAttempts:
		upd.SetStatus(enum.WebhookFailed).SetLastError(a.err.Error())
	default:
		upd.SetNextAttemptAt(a.at.Add(s.Backoff(attempts))).SetLastError(a.err.Error())
	}
	if err := upd.Exec(ctx); err != nil {
		return err
	}
	if a.err != nil && attempts >= s.MaxAttempts {
		if err := s.disable(ctx, tx, d, a); err != nil {
			return err
		}
	}
	if a.err != nil {
		s.Log.Warn("webhook not delivered", "delivery", d.ID, "endpoint", d.EndpointID, "attempt", attempts, "err", a.err)
	}
	return tx.Commit()
}

// disable turns off the endpoint of a delivery that was given up, once,
// unless another of its deliveries got through since d was queued (the
// receiver works, and refuses only some events), recording it in the
// trail as the server's act and queueing a notice to each enabled owner
// of the account.
func (s *Sender) disable(ctx context.Context, tx *ent.Tx, d *ent.WebhookDelivery, a attempt) error {
	working, err := tx.WebhookDelivery.Query().Where(webhookdelivery.EndpointID(d.EndpointID),
		webhookdelivery.StatusEQ(enum.WebhookDelivered), webhookdelivery.DeliveredAtGT(d.CreatedAt)).Exist(ctx)
	if err != nil || working {
		return err
	}
	at := a.at.UTC().Truncate(time.Microsecond)
	reason := fmt.Sprintf("Deliveries failed for about a day (%d attempts); the last: %s.", d.Attempts+1, a.err)
	n, err := tx.WebhookEndpoint.Update().Where(webhookendpoint.ID(d.EndpointID), webhookendpoint.Enabled(true)).
		SetEnabled(false).SetDisabledAt(at).SetDisabledReason(reason).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	e := d.Edges.Endpoint
	err = audit.Record(ctx, tx.Client(), audit.Entry{Action: enum.AuditWebhookEndpointDisabled, Targets: []pulid.ID{e.ID, d.ID}, At: at,
		System: &audit.System{AccountID: e.AccountID, Name: "webhook delivery"},
		Changes: []changes.Field{changes.Of("enabled", true, false), changes.Of("disabledAt", nil, at.Format(time.RFC3339Nano)),
			changes.Of("disabledReason", nil, reason)}})
	if err != nil {
		return err
	}
	acc, err := tx.Account.Query().Where(account.ID(e.AccountID)).Only(ctx)
	if err != nil {
		return err
	}
	owners, err := tx.Admin.Query().Where(admin.AccountID(e.AccountID), admin.RoleEQ(enum.AdminOwner), admin.Disabled(false)).All(ctx)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if err := s.Mail.EnqueueWebhookDisabled(ctx, tx.Client(), o, acc.Name, e.URL, a.err.Error(), at); err != nil {
			return err
		}
	}
	s.Log.Warn("webhook endpoint disabled", "endpoint", e.ID, "owners", len(owners))
	return nil
}
