package app

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/internal/auth"
)

// authenticate puts the viewer of a bearer token into the request context.
// A request without a token goes on anonymously (the privacy rules refuse
// what needs a viewer); a token that is wrong gets 401 at once.
func authenticate(client *ent.Client, next http.Handler) http.Handler {
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
			unauthenticated(w, "the Authorization header must be \"Bearer <token>\"")
			return
		}
		v, err := lookup(r.Context(), client, secret)
		if err != nil {
			unauthenticated(w, "the API token is not valid")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), v, addr)))
	})
}

func lookup(ctx context.Context, client *ent.Client, secret string) (*auth.Viewer, error) {
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(auth.HashToken(secret))).
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

func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"errors":[{"message":` + quote(msg) + `,"extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`))
}
