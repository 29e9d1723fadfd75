package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"

	"modernc.org/sqlite"

	"github.com/latchkey/latchkey/internal/instant"
)

// openSQLiteConnector opens dsn with the modernc driver, its connections
// writing every time.Time argument as text in instant.SQLiteLayout.
//
// The driver's own forms do not compare as text: by default it writes
// time.Time.String() (the value's own zone, and a monotonic reading such
// as "m=+17.28" when there is one), and its other layouts either drop the
// fraction or trim its trailing zeros. Rows from before are rewritten by a
// migration (internal/migrations, sqliteTimesUTC).
func openSQLiteConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return utcConnector{c}, nil
}

type utcConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c utcConnector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cn, ok := inner.(sqliteConn)
	if !ok {
		_ = inner.Close()
		return nil, errors.New("app: the SQLite driver's connections lack an interface database/sql needs")
	}
	return utcConn{cn}, nil
}

// sqliteConn is what every modernc connection implements; the wrapper
// forwards all of it, so that database/sql keeps contexts and validation.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type utcConn struct{ sqliteConn }

// Unwrap returns the driver's connection (modernc's Limit looks for it).
func (c utcConn) Unwrap() driver.Conn { return c.sqliteConn }

// CheckNamedValue implements driver.NamedValueChecker: a time.Time becomes
// its fixed UTC text; anything else is converted as database/sql would.
// An instant SQLite's text cannot hold fails the statement rather than
// being stored in a form that reads back as something else.
func (utcConn) CheckNamedValue(nv *driver.NamedValue) error {
	t, ok := nv.Value.(time.Time)
	if !ok {
		return driver.ErrSkip
	}
	s, err := instant.SQLiteText(t)
	if err != nil {
		return err
	}
	nv.Value = s
	return nil
}
