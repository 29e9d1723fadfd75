package app

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// maxCachedQuery is the longest document the query cache keeps. A parsed
// document holds its text, and the token limit does not bound its length
// (comments and string values are single tokens, or none): 1,000 cached
// documents of 1 MiB each, sent without a token, held 1 GiB. Clients'
// documents are a few KiB; a longer one is parsed anew each time.
const maxCachedQuery = 16 << 10

// shortQueries is a query cache that keeps only short documents.
type shortQueries struct {
	graphql.Cache[*ast.QueryDocument]
}

func (c shortQueries) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if len(query) <= maxCachedQuery {
		c.Cache.Add(ctx, query, doc)
	}
}
