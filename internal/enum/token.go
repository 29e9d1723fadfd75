package enum

import "io"

// TokenKind is what a credential is. It decides what the token may do, so
// it is stored with every token and never inferred from other columns.
type TokenKind string

// Token kinds.
const (
	// TokenAPI is a named API token of the account, with a role of its
	// own; it belongs to no user and no admin.
	TokenAPI TokenKind = "API"
	// TokenSession is an admin's signed-in session; it has the role of
	// its admin.
	TokenSession TokenKind = "SESSION"
	// TokenApp acts as one user of the account (from redeemInvitation).
	TokenApp TokenKind = "APP"
)

var tokenKinds = []TokenKind{TokenAPI, TokenSession, TokenApp}

// Values lists the valid token kinds (used by Ent for the column check).
func (TokenKind) Values() []string { return names(tokenKinds) }

// UnmarshalGQL implements graphql.Unmarshaler (Ent's GraphQL extension
// asks it of every enum, though tokens are not in the API).
func (e *TokenKind) UnmarshalGQL(v any) error { return unmarshal(e, v, tokenKinds) }

// MarshalGQL implements graphql.Marshaler.
func (e TokenKind) MarshalGQL(w io.Writer) { marshal(w, e) }

// AdminRole is what an admin, or an API token, may do in its account.
type AdminRole string

// Admin roles, from most to least.
const (
	// AdminOwner may do everything, including admins, tokens and account
	// settings.
	AdminOwner AdminRole = "OWNER"
	// AdminAdmin manages users, devices, permissions and invitations.
	AdminAdmin AdminRole = "ADMIN"
	// AdminViewer reads the overview, events and audit trail, and writes
	// nothing.
	AdminViewer AdminRole = "VIEWER"
)

var adminRoles = []AdminRole{AdminOwner, AdminAdmin, AdminViewer}

// Values lists the valid admin roles (used by Ent for the column check).
func (AdminRole) Values() []string { return names(adminRoles) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (e *AdminRole) UnmarshalGQL(v any) error { return unmarshal(e, v, adminRoles) }

// MarshalGQL implements graphql.Marshaler.
func (e AdminRole) MarshalGQL(w io.Writer) { marshal(w, e) }
