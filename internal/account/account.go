// Package account creates accounts, the tenants every other row belongs to.
package account

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/admins"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
)

// Create creates an account with its first API token (role OWNER) and returns
// the token's secret, which is not stored and cannot be shown again.
func Create(ctx context.Context, client *ent.Client, name string) (*ent.Account, string, error) {
	acc, secret, _, err := CreateWithOwner(ctx, client, name, nil, time.Now())
	return acc, secret, err
}

// Owner is the first admin of a new account.
type Owner struct{ Name, Email string }

// CreateWithOwner is Create that, given an owner, also creates that admin
// with the role OWNER and no password, and returns a code that sets the
// password (see admins.NewCode).
func CreateWithOwner(ctx context.Context, client *ent.Client, name string, owner *Owner, now time.Time) (acc *ent.Account, secret, code string, err error) {
	ctx = auth.SystemContext(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, "", "", err
	}
	defer func() { _ = tx.Rollback() }()
	acc, err = tx.Account.Create().SetName(name).Save(ctx)
	if err != nil {
		return nil, "", "", fmt.Errorf("create account: %w", err)
	}
	secret, hash := auth.NewToken()
	if err := tx.APIToken.Create().SetAccountID(acc.ID).SetKind(enum.TokenAPI).SetRole(enum.AdminOwner).SetName("owner").SetTokenHash(hash).Exec(ctx); err != nil {
		return nil, "", "", fmt.Errorf("create token: %w", err)
	}
	if owner != nil {
		a, err := tx.Admin.Create().SetAccountID(acc.ID).SetName(owner.Name).SetEmail(owner.Email).SetRole(enum.AdminOwner).Save(ctx)
		if err != nil {
			return nil, "", "", fmt.Errorf("create owner: %w", err)
		}
		if code, _, err = admins.NewCode(ctx, tx.Client(), a, now); err != nil {
			return nil, "", "", fmt.Errorf("create owner's code: %w", err)
		}
	}
	return acc, secret, code, tx.Commit()
}
