package observe

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Other is the label value that stands for every value outside a label's
// known set.
const Other = "other"

// Outcomes of GraphQL requests (label outcome of the request metrics).
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
	// OutcomeClientGone: the client closed the connection before the
	// answer, whatever the answer was.
	OutcomeClientGone = "client_gone"
)

// Outcomes of invitation redemptions, for Metrics.Redemption.
const (
	RedemptionOK          = "ok"
	RedemptionInvalid     = "invalid"
	RedemptionRateLimited = "rate_limited"
)

// OutboxTimeout bounds the outboxDepth function at each scrape.
const OutboxTimeout = 2 * time.Second

// errorCodes are the values of extensions.code counted under their own name.
var errorCodes = []string{
	"UNAUTHENTICATED",
	"FORBIDDEN",
	"NOT_FOUND",
	"BAD_USER_INPUT",
	"CONFLICT",
	"RATE_LIMITED",
	"THROTTLED",
	"INVITATION_INVALID",
	"INTERNAL",
	"GRAPHQL_VALIDATION_FAILED",
	"GRAPHQL_PARSE_FAILED",
}

var redemptionOutcomes = []string{RedemptionOK, RedemptionInvalid, RedemptionRateLimited}

// accessReasons are the reasons of access.Decide (access.Reason.String()).
var accessReasons = []string{
	"ALLOWED",
	"NO_PERMISSION",
	"PENDING_INVITATION",
	"REVOKED",
	"DISABLED",
	"NOT_YET_VALID",
	"EXPIRED",
	"WRONG_WEEKDAY",
	"OUTSIDE_TIME_WINDOW",
	"REMOTE_NOT_ALLOWED",
}

// Metrics holds Latchkey's Prometheus metrics on a registry of its own.
// All methods are safe for concurrent use, and do nothing on a nil
// *Metrics, so that code under test may leave its metrics unset.
type Metrics struct {
	// AccountOf, when set, names the account of a GraphQL request from its
	// context (for the request log line); the extension calls it once the
	// response is ready, so an account that a request takes on while it runs
	// (an anonymous caller that redeems an invitation) is seen too. Set it
	// before the server starts.
	AccountOf func(ctx context.Context) string

	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
	mailFailed  prometheus.Counter
	mailSent    prometheus.Counter
	redemptions *prometheus.CounterVec
	decisions   *prometheus.CounterVec

	mu    sync.RWMutex
	roots rootFields
}

// NewMetrics returns the metrics of a Latchkey server. db, when not nil,
// is reported through its pool statistics; outboxDepth, when not nil, is
// called at every scrape (with a context that ends after OutboxTimeout) to
// report the number of mails waiting in the outbox.
func NewMetrics(db *sql.DB, outboxDepth func(ctx context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_graphql_requests_total",
			Help: "GraphQL requests by first root field (operation) and outcome.",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "latchkey_graphql_request_duration_seconds",
			Help:    "Time from the start of a GraphQL request to its response, by first root field (operation) and outcome.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_graphql_errors_total",
			Help: "Errors in GraphQL responses by extensions.code.",
		}, []string{"code"}),
		mailFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_mail_send_failures_total",
			Help: "Attempts to send a mail that failed.",
		}),
		mailSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_mail_sent_total",
			Help: "Mails sent.",
		}),
		redemptions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_invitation_redemptions_total",
			Help: "Attempts to redeem an invitation code by outcome (ok, invalid, rate_limited).",
		}, []string{"outcome"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_access_decisions_total",
			Help: "Access decisions by reason (ALLOWED or why access was refused).",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.errors,
		m.mailFailed, m.mailSent,
		m.redemptions, m.decisions,
	)
	if db != nil {
		m.reg.MustRegister(newDBStatsCollector(db))
	}
	if outboxDepth != nil {
		m.reg.MustRegister(newOutboxCollector(outboxDepth, OutboxTimeout))
	}
	// Series of the small fixed label sets exist from the start, at zero,
	// so that rate() and alerts see the first event.
	for _, c := range errorCodes {
		m.errors.WithLabelValues(c)
	}
	m.errors.WithLabelValues(Other)
	for _, o := range redemptionOutcomes {
		m.redemptions.WithLabelValues(o)
	}
	for _, r := range accessReasons {
		m.decisions.WithLabelValues(r)
	}
	return m
}

// Registry returns the registry the metrics are registered with, for
// collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats (the
// text format unless the scraper asks for another). A collector that fails
// leaves its metrics out of the scrape; the others are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// MailSent counts a mail sent.
func (m *Metrics) MailSent() {
	if m != nil {
		m.mailSent.Inc()
	}
}

// MailFailed counts a failed attempt to send a mail.
func (m *Metrics) MailFailed() {
	if m != nil {
		m.mailFailed.Inc()
	}
}

// Redemption counts an attempt to redeem an invitation code. outcome is
// RedemptionOK, RedemptionInvalid or RedemptionRateLimited; any other value
// is counted as "other".
func (m *Metrics) Redemption(outcome string) {
	if m != nil {
		m.redemptions.WithLabelValues(bounded(outcome, redemptionOutcomes)).Inc()
	}
}

// AccessDecision counts an access decision by its reason, the String() of
// an access.Reason (ALLOWED, NO_PERMISSION, ...); any other value is
// counted as "other".
func (m *Metrics) AccessDecision(reason string) {
	if m != nil {
		m.decisions.WithLabelValues(bounded(reason, accessReasons)).Inc()
	}
}

// errorCode counts one error of a GraphQL response.
func (m *Metrics) errorCode(code string) {
	if m != nil {
		m.errors.WithLabelValues(bounded(code, errorCodes)).Inc()
	}
}

// request counts one GraphQL request.
func (m *Metrics) request(operation, outcome string, d time.Duration) {
	if m != nil {
		m.requests.WithLabelValues(operation, outcome).Inc()
		m.duration.WithLabelValues(operation, outcome).Observe(d.Seconds())
	}
}

// bounded returns v if it is one of known, else Other.
func bounded(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return Other
}
