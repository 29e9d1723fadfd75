package observe

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// dbStatsCollector reports the statistics of a database/sql pool at scrape
// time.
type dbStatsCollector struct {
	db *sql.DB

	open, inUse, idle, maxOpen *prometheus.Desc
	waitCount, waitDuration    *prometheus.Desc
}

func newDBStatsCollector(db *sql.DB) *dbStatsCollector {
	return &dbStatsCollector{
		db: db,
		open: prometheus.NewDesc("latchkey_db_open_connections",
			"Connections of the database pool, in use or idle.", nil, nil),
		inUse: prometheus.NewDesc("latchkey_db_connections_in_use",
			"Connections of the database pool in use.", nil, nil),
		idle: prometheus.NewDesc("latchkey_db_connections_idle",
			"Idle connections of the database pool.", nil, nil),
		maxOpen: prometheus.NewDesc("latchkey_db_max_open_connections",
			"Largest number of connections the pool may open (0: no limit).", nil, nil),
		waitCount: prometheus.NewDesc("latchkey_db_wait_count_total",
			"Times a caller waited for a connection of the pool.", nil, nil),
		waitDuration: prometheus.NewDesc("latchkey_db_wait_duration_seconds_total",
			"Total time callers waited for a connection of the pool.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.inUse
	ch <- c.idle
	ch <- c.maxOpen
	ch <- c.waitCount
	ch <- c.waitDuration
}

// Collect implements prometheus.Collector.
func (c *dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.Stats()
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(c.maxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(c.waitDuration, prometheus.CounterValue, s.WaitDuration.Seconds())
}

// outboxCollector reports the depth of the mail outbox at scrape time. When
// the depth cannot be read in time the gauge is left out of the scrape (a
// stale value would hide the failure) and the failure is counted.
type outboxCollector struct {
	depth   func(ctx context.Context) (int, error)
	timeout time.Duration

	desc   *prometheus.Desc
	failed prometheus.Counter
}

func newOutboxCollector(depth func(ctx context.Context) (int, error), timeout time.Duration) *outboxCollector {
	return &outboxCollector{
		depth:   depth,
		timeout: timeout,
		desc: prometheus.NewDesc("latchkey_outbox_depth",
			"Mails waiting in the outbox, read at scrape time.", nil, nil),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "latchkey_outbox_depth_errors_total",
			Help: "Scrapes at which the outbox depth could not be read.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.failed.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	n, err := c.depth(ctx)
	if err != nil {
		c.failed.Inc()
	} else {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
	}
	c.failed.Collect(ch)
}
