package enum

import "io"

// TokenKind is what a credential is. It decides what the token may do, so
// it is stored with every token and never inferred from other columns.
type TokenKind string

// Token kinds.
const (
	// TokenAdmin administers its account; it belongs to no user.
	TokenAdmin TokenKind = "ADMIN"
	// TokenApp acts as one user of the account (from redeemInvitation).
	TokenApp TokenKind = "APP"
)

var tokenKinds = []TokenKind{TokenAdmin, TokenApp}

// Values lists the valid token kinds (used by Ent for the column check).
func (TokenKind) Values() []string { return names(tokenKinds) }

// UnmarshalGQL implements graphql.Unmarshaler (Ent's GraphQL extension
// asks it of every enum, though tokens are not in the API).
func (e *TokenKind) UnmarshalGQL(v any) error { return unmarshal(e, v, tokenKinds) }

// MarshalGQL implements graphql.Marshaler.
func (e TokenKind) MarshalGQL(w io.Writer) { marshal(w, e) }
