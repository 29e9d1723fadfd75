package changes

import "testing"

// TestSecret: a field named for a secret, a hash or a code is one, in a
// column's name and in the API's.
func TestSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"code_hash": true, "codeHash": true, "invitation.codeHash": true, "password_hash": true,
		"passwordHash": true, "token_hash": true, "TokenHash": true, "secret": true, "Code": true,
		"name": false, "email": false, "expiresAt": false, "restrictions.dailyFrom": false, "language": false,
	} {
		if got := Secret(name); got != want {
			t.Errorf("Secret(%q) = %v, want %v", name, got, want)
		}
	}
}
