// Package stmtcache keeps the statements each PostgreSQL connection runs
// prepared, so that a statement seen before costs one round trip and no
// parsing.
//
// lib/pq runs a statement with arguments as an unnamed prepared statement:
// one round trip to parse and describe it, a second to bind and execute,
// and PostgreSQL parses and plans it every time. Ent's statements are few
// and repeat (the same text for the same query shape), so keeping them
// prepared per connection saves a round trip and the parsing, and lets
// PostgreSQL reuse a plan where its plan cache judges a generic plan good
// enough. Statements without arguments (BEGIN, COMMIT, migrations) still
// go through the simple query protocol.
package stmtcache

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
)

// DefaultSize is how many statements a connection keeps prepared when
// Connector.Size is 0.
const DefaultSize = 256

// Connector wraps a lib/pq connector so that its connections cache their
// prepared statements, the least recently used beyond Size closed.
type Connector struct {
	driver.Connector
	Size int
}

// Connect implements driver.Connector.
func (c Connector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cn, ok := inner.(pqConn)
	if !ok {
		_ = inner.Close()
		return nil, errors.New("stmtcache: the driver's connections cannot prepare statements with a context")
	}
	size := c.Size
	if size <= 0 {
		size = DefaultSize
	}
	return &conn{pqConn: cn, size: size, byQuery: make(map[string]*list.Element)}, nil
}

// pqConn is what the cache needs of a lib/pq connection; the interfaces
// database/sql looks for are forwarded through it.
type pqConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type conn struct {
	pqConn
	size    int
	byQuery map[string]*list.Element // of *entry, in recency order in lru
	lru     list.List
}

type entry struct {
	query string
	stmt  driver.Stmt
}

// prepared returns the connection's statement for query, preparing it
// first if needed.
func (c *conn) prepared(ctx context.Context, query string) (driver.Stmt, error) {
	if el, ok := c.byQuery[query]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*entry).stmt, nil
	}
	stmt, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.byQuery[query] = c.lru.PushFront(&entry{query: query, stmt: stmt})
	for c.lru.Len() > c.size {
		c.drop(c.lru.Back(), true)
	}
	return stmt, nil
}

// drop forgets a statement, closing it on the server when closeIt.
func (c *conn) drop(el *list.Element, closeIt bool) {
	e := c.lru.Remove(el).(*entry)
	delete(c.byQuery, e.query)
	if closeIt {
		_ = e.stmt.Close()
	}
}

// failed forgets the statement of query after err if err says that the
// server no longer has it or can no longer run it as prepared (a table it
// reads changed): the next use prepares it again.
func (c *conn) failed(query string, err error) {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return
	}
	switch pqErr.Code {
	case "0A000", "26000": // feature_not_supported ("cached plan must not change result type"), invalid_sql_statement_name
		if el, ok := c.byQuery[query]; ok {
			c.drop(el, false)
		}
	}
}

// QueryContext implements driver.QueryerContext.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.pqConn.QueryContext(ctx, query, args)
	}
	stmt, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.failed(query, err)
	}
	return rows, err
}

// ExecContext implements driver.ExecerContext.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.pqConn.ExecContext(ctx, query, args)
	}
	stmt, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.failed(query, err)
	}
	return res, err
}
