package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/observe"
)

// WebSocket close codes of the live connections (graphql-ws's own and
// ours in its range).
const (
	CloseUnauthorized    = 4401
	CloseTooManyRequests = 4429
	CloseInternal        = 4500
	// CloseRestart is the WebSocket standard's "service restart".
	CloseRestart = 1012
)

// KeepAlive is how often an idle live connection hears from the server:
// a ping on a WebSocket (a client that does not answer within two is
// dropped), a comment on an SSE stream.
const KeepAlive = 15 * time.Second

// Live serves subscriptions: WebSocket (graphql-transport-ws) and Server-
// Sent Events (graphql-sse's distinct connections mode). Each connection
// authenticates its token once and ends when the token does
// (live.Broker.Connect). They are the first transports of the GraphQL
// handler, and IsLive requests reach it around Deadline and Guard.
type Live struct {
	Client *ent.Client
	Tokens *TokenCache
	Broker *live.Broker
	// Origins are the browser origins allowed to open a WebSocket ("*" for
	// any); the server's own origin always may.
	Origins []string
	// MaxBodyBytes bounds an SSE request's body and a WebSocket message; 0
	// or less means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// IsLive reports whether r asks for a live transport: a WebSocket upgrade
// or an event stream.
func IsLive(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// SplitLive sends the IsLive requests to live, the others to next. A live
// request's connection loses the server's read and write timeouts, which
// would end it; its keep-alive finds a dead peer instead.
func SplitLive(live, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsLive(r) {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		live.ServeHTTP(w, r)
	})
}

// Transports are the live transports, WebSocket first.
func (l *Live) Transports() []graphql.Transport {
	return []graphql.Transport{liveWS{l}, liveSSE{l}}
}

// connect authenticates the secret of an Authorization value and opens a
// live connection for its viewer. The error is an apperr.Error to show.
func (l *Live) connect(ctx context.Context, authorization string) (context.Context, error) {
	scheme, secret, _ := strings.Cut(authorization, " ")
	if authorization == "" {
		return ctx, apperr.New(apperr.Unauthenticated, "a live connection needs a token: Authorization: Bearer <token>")
	}
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return ctx, apperr.New(apperr.Unauthenticated, "the Authorization must be \"Bearer <token>\"")
	}
	e, err := l.Tokens.check(ctx, l.Client, secret)
	if errors.Is(err, errNotAToken) {
		return ctx, apperr.New(apperr.Unauthenticated, "the API token is not valid")
	}
	if err != nil {
		return ctx, apperr.New(apperr.Internal, "the service is unavailable; retry shortly")
	}
	observe.SetAccount(ctx, string(e.v.AccountID))
	// The connection counts as a use: a session's idle window runs from
	// its start.
	end := e.life.End
	if e.life.Idle > 0 {
		if idle := l.Tokens.now().Add(e.life.Idle); end.IsZero() || idle.Before(end) {
			end = idle
		}
	}
	ctx, _, err = l.Broker.Connect(auth.NewCallerContext(ctx, e.v), e.v, end)
	if err != nil {
		return ctx, apperr.New(apperr.RateLimited, "a token may hold at most %d live connections per instance", l.Broker.PerToken())
	}
	return ctx, nil
}

// ended is why the connection of ctx ended early (its token did), or nil.
func ended(ctx context.Context) error {
	if err := context.Cause(ctx); errors.Is(err, live.ErrRevoked) || errors.Is(err, live.ErrExpired) {
		return err
	}
	return nil
}

// originAllowed reports whether a browser page of origin may open a
// WebSocket to r: its own server's, or one of Origins.
func (l *Live) originAllowed(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range l.Origins {
		if o == "*" || strings.EqualFold(o, origin) || wildcard(strings.ToLower(o), strings.ToLower(origin)) {
			return true
		}
	}
	return false
}

// wildcard matches origin against a pattern with one "*", as rs/cors
// reads ALLOWED_ORIGINS ("https://*.example.com").
func wildcard(pattern, origin string) bool {
	pre, suf, ok := strings.Cut(pattern, "*")
	return ok && len(origin) >= len(pre)+len(suf) && strings.HasPrefix(origin, pre) && strings.HasSuffix(origin, suf)
}

// liveWS is the WebSocket transport: gqlgen's, with the origin checked
// before the upgrade, the token taken from connection_init (or the
// upgrade's Authorization header), and the close code saying why a
// connection ended.
type liveWS struct{ l *Live }

func (liveWS) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

func (t liveWS) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if origin := r.Header.Get("Origin"); origin != "" && !t.l.originAllowed(origin, r) {
		Fail(w, r, http.StatusForbidden, string(apperr.Forbidden), "this origin may not open a WebSocket here (ALLOWED_ORIGINS)")
		return
	}
	conn := &wsConn{}
	// A message is bounded as a request body is (MAX_BODY_BYTES).
	limit := t.l.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	ws := transport.Websocket{
		PayloadReadLimit: &limit,
		// The origin is judged above, with ALLOWED_ORIGINS.
		Implementation:        wsImplementation{conn: conn, accept: coderws.AcceptOptions{InsecureSkipVerify: true}},
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: KeepAlive,
		PingPongInterval:      KeepAlive,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			a := authorization(p)
			if a == "" {
				a = r.Header.Get("Authorization")
			}
			ctx, err := t.l.connect(ctx, a)
			if err != nil {
				code := CloseUnauthorized
				var ae *apperr.Error
				if errors.As(err, &ae) && ae.Code == apperr.RateLimited {
					code = CloseTooManyRequests
				} else if ae != nil && ae.Code == apperr.Internal {
					code = CloseInternal
				}
				ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, code), err.Error())
				return ctx, nil, err
			}
			conn.ctx = ctx
			return ctx, nil, nil
		},
	}
	ws.Do(w, r, subscriptionsOnly{exec})
}

// authorization finds the token of a connection_init payload: its
// Authorization, or the one under headers (Apollo's and Hasura's clients).
func authorization(p transport.InitPayload) string {
	if a := p.Authorization(); a != "" {
		return a
	}
	if h, ok := p["headers"].(map[string]any); ok {
		return transport.InitPayload(h).Authorization()
	}
	return ""
}

// wsImplementation accepts with coder/websocket and hands out wsConn.
type wsImplementation struct {
	conn   *wsConn
	accept coderws.AcceptOptions
}

func (i wsImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := transport.CoderWebsocketImplementation{AcceptOptions: i.accept}.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	i.conn.WebsocketConn = c
	return i.conn, nil
}

// wsConn closes a connection whose token ended with CloseUnauthorized
// and the reason, where gqlgen would close it normally.
type wsConn struct {
	transport.WebsocketConn
	ctx context.Context
}

func (c *wsConn) WriteClose(code int, msg string) error {
	if c.ctx != nil {
		if err := ended(c.ctx); err != nil {
			code, msg = CloseUnauthorized, err.Error()
		} else if cause := context.Cause(c.ctx); errors.Is(cause, live.ErrShutdown) {
			code, msg = CloseRestart, cause.Error()
		}
	}
	return c.WebsocketConn.WriteClose(code, msg)
}

func (c *wsConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c *wsConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// subscriptionsOnly refuses queries and mutations on a live transport
// (they go over POST, with its deadline and transaction), after every
// operation context mutator judged the operation.
type subscriptionsOnly struct{ graphql.GraphExecutor }

func (e subscriptionsOnly) CreateOperationContext(ctx context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	oc, errs := e.GraphExecutor.CreateOperationContext(ctx, p)
	if errs == nil && oc.Operation.Operation != ast.Subscription {
		return oc, gqlerror.List{refused(ctx, apperr.New(apperr.BadUserInput, "only subscriptions are served here; send queries and mutations with POST"))}
	}
	// One root field, aliases counted (the validator counts names only).
	if errs == nil && len(graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})) != 1 {
		return oc, gqlerror.List{refused(ctx, apperr.New(apperr.BadUserInput, "a subscription selects exactly one root field; open one subscription for each"))}
	}
	return oc, errs
}

// refused is an error as the presenter shows it.
func refused(ctx context.Context, err *apperr.Error) *gqlerror.Error {
	ext := map[string]any{"code": string(err.Code)}
	return observe.WithRequestID(ctx, &gqlerror.Error{Message: err.Message, Extensions: ext})
}
