package app

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/edge"
	"github.com/latchkey/latchkey/internal/observe"
)

// tokenTTL is how long a checked token is trusted without asking the
// database again; a deleted token stops working within this time.
const tokenTTL = 10 * time.Second

// tokenCache remembers recently checked tokens (by hash), so that the token
// lookup does not cost a statement on every request.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedViewer
}

type cachedViewer struct {
	v       *auth.Viewer
	expires time.Time
}

func (c *tokenCache) get(hash string, now time.Time) *auth.Viewer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok && now.Before(e.expires) {
		return e.v
	}
	return nil
}

func (c *tokenCache) put(hash string, v *auth.Viewer, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= 10000 {
		c.entries = make(map[string]cachedViewer)
	}
	c.entries[hash] = cachedViewer{v: v, expires: now.Add(tokenTTL)}
}

// authenticate puts the viewer of a bearer token into the request context.
// A request without a token goes on anonymously (the privacy rules refuse
// what needs a viewer); a token that is wrong gets 401 at once.
func authenticate(client *ent.Client, next http.Handler) http.Handler {
	cache := &tokenCache{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			addr = r.RemoteAddr
		}
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), nil, addr)))
			return
		}
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			unauthenticated(w, r, "the Authorization header must be \"Bearer <token>\"")
			return
		}
		hash, now := auth.HashToken(secret), time.Now()
		v := cache.get(hash, now)
		if v == nil {
			var err error
			if v, err = lookup(r.Context(), client, hash); err != nil {
				if !ent.IsNotFound(err) {
					// The database did not answer: the token may well be
					// good, and a 401 would make clients throw it away.
					unavailable(w, r)
					return
				}
				unauthenticated(w, r, "the API token is not valid")
				return
			}
			cache.put(hash, v, now)
		}
		observe.SetAccount(r.Context(), string(v.AccountID))
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), v, addr)))
	})
}

func lookup(ctx context.Context, client *ent.Client, hash string) (*auth.Viewer, error) {
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(hash)).
		Only(auth.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	v := &auth.Viewer{AccountID: t.AccountID, Role: auth.RoleAdmin}
	if t.UserID != nil {
		v.Role, v.UserID = auth.RoleUser, *t.UserID
	}
	return v, nil
}

func unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
	edge.Fail(w, r, http.StatusUnauthorized, string(apperr.Unauthenticated), msg)
}

func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	edge.Fail(w, r, http.StatusServiceUnavailable, string(apperr.Internal), "the service is unavailable; retry shortly")
}
