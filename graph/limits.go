package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Limits refuses expensive operations before any resolver runs, each with
// its own extensions.code: too many tokens (checked before parsing, so a
// huge document costs no validation time), too deep, too many aliases, or
// too complex. Complexity counts every selected field, multiplied by the
// page size of each connection it sits in; PageLimit must run first so
// that default page sizes are counted.
type Limits struct {
	MaxTokens, MaxDepth, MaxAliases, MaxComplexity int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": code}
	return err
}

// MutateOperationParameters counts the document's tokens with the lexer
// alone, stopping at the limit.
func (l Limits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	lx := lexer.New(&ast.Source{Input: p.Query})
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil // the parser reports lexical errors properly
		}
		if n >= l.MaxTokens {
			return limitError("TOKEN_LIMIT_EXCEEDED", "the document has more than %d tokens", l.MaxTokens)
		}
	}
}

// MutateOperationContext checks depth, aliases and complexity.
func (l Limits) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	var s stats
	cost := s.walk(rc.Variables, rc.Operation.SelectionSet, 1)
	switch {
	case s.depth > l.MaxDepth:
		return limitError("DEPTH_LIMIT_EXCEEDED", "the operation is %d levels deep; at most %d are allowed", s.depth, l.MaxDepth)
	case s.aliases > l.MaxAliases:
		return limitError("ALIAS_LIMIT_EXCEEDED", "the operation uses %d aliases; at most %d are allowed", s.aliases, l.MaxAliases)
	case cost > l.MaxComplexity:
		return limitError("COMPLEXITY_LIMIT_EXCEEDED", "the operation's complexity is %d; at most %d is allowed (connections count once per item of a page)", cost, l.MaxComplexity)
	}
	return nil
}

type stats struct{ depth, aliases int }

// walk returns the cost of a selection set at the given depth.
func (s *stats) walk(vars map[string]any, set ast.SelectionSet, depth int) int {
	cost := 0
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			if f.Alias != "" && f.Alias != f.Name {
				s.aliases++
			}
			s.depth = max(s.depth, depth)
			mult := 1
			if f.Definition != nil {
				args := f.ArgumentMap(vars)
				if n, ok := intArg(args["first"]); ok {
					mult = int(max(n, 1))
				} else if n, ok := intArg(args["last"]); ok {
					mult = int(max(n, 1))
				} else if ids, ok := args["ids"].([]any); ok {
					mult = max(len(ids), 1)
				}
			}
			cost += 1 + mult*s.walk(vars, f.SelectionSet, depth+1)
		case *ast.InlineFragment:
			cost += s.walk(vars, f.SelectionSet, depth)
		case *ast.FragmentSpread:
			if f.Definition != nil {
				cost += s.walk(vars, f.Definition.SelectionSet, depth)
			}
		}
	}
	return cost
}

// QuietRules are the standard validation rules with every "Did you mean"
// suggestion removed, for production, where the schema is not published.
func QuietRules() *rules.Rules {
	r := rules.NewDefaultRules()
	for _, q := range []struct{ loud, quiet core.Rule }{
		{rules.FieldsOnCorrectTypeRule, rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
		{rules.KnownArgumentNamesRule, rules.KnownArgumentNamesRuleWithoutSuggestions},
		{rules.KnownTypeNamesRule, rules.KnownTypeNamesRuleWithoutSuggestions},
		{rules.ScalarLeafsRule, rules.ScalarLeafsRuleWithoutSuggestions},
		{rules.ValuesOfCorrectTypeRule, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
	} {
		r.ReplaceRule(q.loud.Name, q.quiet.RuleFunc)
	}
	return r
}
