package schema

import "errors"

var errBadEmail = errors.New("must be a valid email address such as ada@example.com")
