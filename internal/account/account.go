// Package account creates accounts, the tenants every other row belongs to.
package account

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
)

// Create creates an account with its first API token (role OWNER) and returns
// the token's secret, which is not stored and cannot be shown again.
func Create(ctx context.Context, client *ent.Client, name string) (*ent.Account, string, error) {
	ctx = auth.SystemContext(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = tx.Rollback() }()
	acc, err := tx.Account.Create().SetName(name).Save(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("create account: %w", err)
	}
	secret, hash := auth.NewToken()
	if err := tx.APIToken.Create().SetAccountID(acc.ID).SetKind(enum.TokenAPI).SetRole(enum.AdminOwner).SetName("owner").SetTokenHash(hash).Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	return acc, secret, tx.Commit()
}
