package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/hook"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/pulid"
)

// tokenTTL is how long a checked token is trusted without asking the
// database again. A token deleted on this instance (with its user) stops
// at once; one deleted through another instance stops within this time.
const tokenTTL = 10 * time.Second

// TokenCache remembers recently checked tokens (by hash), so that the token
// lookup does not cost a statement on every request.
type TokenCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]cachedViewer
	// gone holds users deleted on this instance, until when no answer
	// about their tokens is cached: a lookup racing the deletion's commit
	// may still find the token.
	gone map[pulid.ID]time.Time
}

// NewTokenCache returns an empty cache that tells time by now.
func NewTokenCache(now func() time.Time) *TokenCache { return &TokenCache{now: now} }

type cachedViewer struct {
	v       *auth.Viewer
	expires time.Time
}

func (c *TokenCache) get(hash string) *auth.Viewer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok && c.now().Before(e.expires) {
		return e.v
	}
	return nil
}

func (c *TokenCache) put(hash string, v *auth.Viewer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if until, ok := c.gone[v.UserID]; ok && now.Before(until) {
		return
	}
	if c.entries == nil || len(c.entries) >= 10000 {
		c.entries = make(map[string]cachedViewer)
	}
	c.entries[hash] = cachedViewer{v: v, expires: now.Add(tokenTTL)}
}

// forgetUsers drops the cached tokens of users being deleted.
func (c *TokenCache) forgetUsers(ids ...pulid.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for id, until := range c.gone {
		if !now.Before(until) {
			delete(c.gone, id)
		}
	}
	if c.gone == nil {
		c.gone = make(map[pulid.ID]time.Time)
	}
	for _, id := range ids {
		c.gone[id] = now.Add(tokenTTL)
	}
	for hash, e := range c.entries {
		if _, ok := c.gone[e.v.UserID]; ok && e.v.UserID != "" {
			delete(c.entries, hash)
		}
	}
}

// ForgetDeletedUsers is an Ent hook on users that makes the cache forget
// the tokens of every user deleted through this instance.
func (c *TokenCache) ForgetDeletedUsers(next ent.Mutator) ent.Mutator {
	return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (ent.Value, error) {
		ids, err := m.IDs(auth.SystemContext(ctx))
		if err != nil {
			return nil, err
		}
		c.forgetUsers(ids...)
		return next.Mutate(ctx, m)
	})
}

// Authenticate puts the viewer of a bearer token into the request context.
// A request without a token goes on anonymously (the privacy rules refuse
// what needs a viewer); a token that is wrong gets 401 at once.
func Authenticate(client *ent.Client, cache *TokenCache, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r.WithContext(auth.NewCallerContext(r.Context(), nil)))
			return
		}
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			unauthenticated(w, r, "the Authorization header must be \"Bearer <token>\"")
			return
		}
		hash := auth.HashToken(secret)
		v := cache.get(hash)
		if v == nil {
			var err error
			if v, err = lookup(r.Context(), client, hash); err != nil {
				if !errors.Is(err, errNotAToken) {
					// The database did not answer: the token may well be
					// good, and a 401 would make clients throw it away.
					unavailable(w, r)
					return
				}
				unauthenticated(w, r, "the API token is not valid")
				return
			}
			cache.put(hash, v)
		}
		observe.SetAccount(r.Context(), string(v.AccountID))
		next.ServeHTTP(w, r.WithContext(auth.NewCallerContext(r.Context(), v)))
	})
}

// errNotAToken answers a secret that stands for no viewer.
var errNotAToken = errors.New("not a valid token")

// lookup finds the viewer of a token hash. A token whose user is gone, or
// whose kind or owner does not make a viewer, is errNotAToken like one that
// does not exist.
func lookup(ctx context.Context, client *ent.Client, hash string) (*auth.Viewer, error) {
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(hash), apitoken.Or(apitoken.UserIDIsNil(), apitoken.HasUser())).
		WithAdmin().
		Only(auth.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return nil, errNotAToken
	}
	if err != nil {
		return nil, err
	}
	v, err := auth.ViewerOf(t)
	if err != nil {
		return nil, errors.Join(errNotAToken, err)
	}
	return v, nil
}

func unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
	Fail(w, r, http.StatusUnauthorized, string(apperr.Unauthenticated), msg)
}

func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	Fail(w, r, http.StatusServiceUnavailable, string(apperr.Internal), "the service is unavailable; retry shortly")
}
