package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/hook"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/observe"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/tokens"
)

// tokenTTL is how long a checked token is trusted without asking the
// database again. A token revoked on this instance (or deleted with its
// user or admin, or whose admin changed) stops at once; one revoked through
// another instance stops within this time. An expired token stops at once
// everywhere: its life is cached with it.
const tokenTTL = 10 * time.Second

// TokenCache remembers recently checked tokens (by hash), so that the token
// lookup does not cost a statement on every request.
type TokenCache struct {
	now   func() time.Time
	lives tokens.Lifetimes
	mu    sync.Mutex
	// entries are the tokens checked lately, by hash.
	entries map[string]*cachedViewer
	// gone holds tokens, users and admins revoked, deleted or changed on
	// this instance, until when no answer about their tokens is cached: a
	// lookup racing the change's commit may still find the token.
	gone map[pulid.ID]time.Time
}

// NewTokenCache returns an empty cache that tells time by now and ends
// tokens by lives.
func NewTokenCache(now func() time.Time, lives tokens.Lifetimes) *TokenCache {
	return &TokenCache{now: now, lives: lives}
}

type cachedViewer struct {
	v    *auth.Viewer
	life tokens.Life
	// lastUse is the token's last use known here (its creation if never
	// used), which a session's idle window runs from; written is its last
	// use on record (zero for none).
	lastUse, written time.Time
	expires          time.Time
}

// owners are the IDs whose change ends a viewer's token.
func owners(v *auth.Viewer) [3]pulid.ID { return [3]pulid.ID{v.TokenID, v.UserID, v.AdminID} }

// get returns the live cached entry of hash, or nil. An entry whose token
// has expired is dropped.
func (c *TokenCache) get(hash string, now time.Time) *cachedViewer {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.expires) {
		return nil
	}
	if !e.life.Alive(now, e.lastUse) {
		delete(c.entries, hash)
		return nil
	}
	return e
}

func (c *TokenCache) put(hash string, e *cachedViewer, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range owners(e.v) {
		if until, ok := c.gone[id]; ok && id != "" && now.Before(until) {
			return
		}
	}
	if c.entries == nil || len(c.entries) >= 10000 {
		c.entries = make(map[string]*cachedViewer)
	}
	e.expires = now.Add(tokenTTL)
	c.entries[hash] = e
}

// used reports whether e's use at now is to be written, and if so counts
// it as written, so that concurrent requests write it once.
func (c *TokenCache) used(e *cachedViewer, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !e.written.IsZero() && now.Sub(e.written) < tokens.UseInterval {
		return false
	}
	e.lastUse, e.written = now, now
	return true
}

// forget drops the cached tokens of the tokens, users and admins ids.
func (c *TokenCache) forget(ids ...pulid.ID) {
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
		for _, id := range owners(e.v) {
			if _, ok := c.gone[id]; ok && id != "" {
				delete(c.entries, hash)
				break
			}
		}
	}
}

// Watch installs the Ent hooks that make the cache forget, at once, the tokens
// a write on this instance ends: revoked tokens, deleted users (their app
// tokens go with them), and deleted or changed admins (a session carries
// its admin's role and stops with a disabled admin).
func (c *TokenCache) Watch(client *ent.Client) {
	deletes := ent.OpDelete | ent.OpDeleteOne
	client.APIToken.Use(hook.On(c.forgetting, deletes))
	client.User.Use(hook.On(c.forgetting, deletes))
	// A session carries its admin's role, name and disabled flag; the
	// admin's other writes (its last sign-in) leave its sessions cached.
	carried := hook.Or(hook.HasFields(admin.FieldRole), hook.HasFields(admin.FieldName), hook.HasFields(admin.FieldDisabled))
	client.Admin.Use(hook.On(c.forgetting, deletes), hook.If(hook.On(c.forgetting, ent.OpUpdate|ent.OpUpdateOne), carried))
}

// forgetting is the hook that forgets the rows a mutation is about to
// change, before it runs.
func (c *TokenCache) forgetting(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		rows, ok := m.(interface {
			IDs(context.Context) ([]pulid.ID, error)
		})
		if !ok {
			return nil, fmt.Errorf("httpapi: %s mutations do not name their rows", m.Type())
		}
		ids, err := rows.IDs(auth.SystemContext(ctx))
		if err != nil {
			return nil, err
		}
		c.forget(ids...)
		return next.Mutate(ctx, m)
	})
}

// Authenticate puts the viewer of a bearer token into the request context.
// A request without a token goes on anonymously (the Authority refuses
// what needs a viewer); a token that is wrong, revoked or expired gets 401
// at once. A token's use is written at most once per tokens.UseInterval.
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
		e, err := cache.check(r.Context(), client, secret)
		if err != nil {
			if !errors.Is(err, errNotAToken) {
				// The database did not answer: the token may well be
				// good, and a 401 would make clients throw it away.
				unavailable(w, r)
				return
			}
			unauthenticated(w, r, "the API token is not valid")
			return
		}
		observe.SetAccount(r.Context(), string(e.v.AccountID))
		next.ServeHTTP(w, r.WithContext(auth.NewCallerContext(r.Context(), e.v)))
	})
}

// check returns the live viewer of a token's secret, from the cache or the
// database (errNotAToken for a secret that stands for none), and writes its
// use at most once per tokens.UseInterval.
func (c *TokenCache) check(ctx context.Context, client *ent.Client, secret string) (*cachedViewer, error) {
	hash := auth.HashToken(secret)
	now := c.now()
	e := c.get(hash, now)
	if e == nil {
		var err error
		if e, err = lookup(ctx, client, c.lives, hash, now); err != nil {
			return nil, err
		}
		c.put(hash, e, now)
	}
	if c.used(e, now) {
		// A use that fails to be written is written by a later
		// request: bookkeeping never refuses a good token.
		_ = tokens.Touch(ctx, client, e.v.TokenID, now)
	}
	return e, nil
}

// errNotAToken answers a secret that stands for no viewer.
var errNotAToken = errors.New("not a valid token")

// lookup finds the viewer of a token hash. A token whose user is gone,
// whose kind or owner does not make a viewer, or whose life has ended at
// now is errNotAToken like one that does not exist.
func lookup(ctx context.Context, client *ent.Client, lives tokens.Lifetimes, hash string, now time.Time) (*cachedViewer, error) {
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(hash), apitoken.Or(apitoken.UserIDIsNil(), apitoken.HasUser())).
		// What a viewer carries of its admin, never the password's hash.
		WithAdmin(func(q *ent.AdminQuery) { q.Select(admin.FieldName, admin.FieldRole, admin.FieldDisabled) }).
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
	e := &cachedViewer{v: v, life: lives.Of(t), lastUse: tokens.LastUse(t)}
	if t.LastUsedAt != nil {
		e.written = *t.LastUsedAt
	}
	if !e.life.Alive(now, e.lastUse) {
		return nil, errNotAToken
	}
	return e, nil
}

func unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
	Fail(w, r, http.StatusUnauthorized, string(apperr.Unauthenticated), msg)
}

func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	Fail(w, r, http.StatusServiceUnavailable, string(apperr.Internal), "the service is unavailable; retry shortly")
}
