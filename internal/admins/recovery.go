package admins

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/account"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Recover issues a set-password code for the admin with email in the
// account given by ID or by name (a name several accounts share must be
// given as an ID), for the reset-password command. The server's own work:
// no viewer is needed.
func Recover(ctx context.Context, client *ent.Client, accountRef, email string, now time.Time) (string, error) {
	ctx = auth.SystemContext(ctx)
	accounts, err := client.Account.Query().
		Where(account.Or(account.ID(pulid.ID(accountRef)), account.Name(accountRef))).
		Limit(2).
		IDs(ctx)
	switch {
	case err != nil:
		return "", err
	case len(accounts) == 0:
		return "", fmt.Errorf("no account %q", accountRef)
	case len(accounts) > 1:
		return "", fmt.Errorf("several accounts are named %q: give the account's ID", accountRef)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }()
	a, err := tx.Admin.Query().
		Where(admin.AccountID(accounts[0]), admin.Email(strings.ToLower(strings.TrimSpace(email)))).
		Only(ctx)
	if ent.IsNotFound(err) {
		return "", fmt.Errorf("account %q has no admin %q", accountRef, email)
	}
	if err != nil {
		return "", err
	}
	code, _, err := NewCode(ctx, tx.Client(), a, now)
	if err != nil {
		return "", err
	}
	// No audit record: the command changes only the admin's codes; the
	// password the code then sets is recorded (ADMIN_PASSWORD_SET).
	return code, tx.Commit()
}
