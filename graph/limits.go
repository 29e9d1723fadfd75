package graph

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/latchkey/latchkey/internal/apperr"
)

// Limits refuses expensive operations before any resolver runs, each with
// its own extensions.code: too many tokens (checked before parsing, so a
// huge document costs no validation time), argument values too large
// (InputLimits), too deep, too many aliases, or too complex. Complexity
// counts every selected field, multiplied by the page size of each
// connection it sits in, plus the edge filters of each connection's where;
// PageLimit must run first so that default page sizes are counted.
//
// Every check takes time linear in the size of the document and its
// variables: a fragment is judged once, however often it is spread.
type Limits struct {
	MaxTokens, MaxDepth, MaxAliases, MaxComplexity int
	// MaxRepeats bounds the fields that answer one response path (see
	// repeats).
	MaxRepeats int
	// ListItems is the most items a list of objects that is not a page
	// holds (the permissions of a grant's or a redemption's payload); its
	// selection counts that many times.
	ListItems int
	Inputs    InputLimits
	// Introspection bounds __schema and __type, which are judged apart
	// (see IntrospectionLimits); its zero value refuses them.
	Introspection IntrospectionLimits
	// Validated, if set, reports whether a document has been validated
	// before (it is in the query cache). The token count and the repeats
	// walk guard only parsing and validation, so they are skipped for such
	// a document: a client's usual operations are not lexed and parsed
	// again on every request.
	Validated func(ctx context.Context, query string) bool
}

// EdgeFilterWeight is the complexity of one edge predicate (hasUserWith,
// hasPermissionsWith, ...) in a connection's where. The database runs it as
// a subquery for every row it considers, however small the page, so the
// weight does not depend on the page size; an edge predicate nested in
// another runs for every row of that one, so it multiplies: the weight
// times one plus the cost of the predicates inside it (InputLimits lets
// two nest at most), times the pages of the connection it filters.
const EdgeFilterWeight = 15

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (Limits) Validate(graphql.ExecutableSchema) error { return nil }

func limitError(code apperr.Code, format string, args ...any) *gqlerror.Error {
	return refusal(apperr.New(code, format, args...))
}

// MutateOperationParameters judges a document not validated before (its
// tokens counted with the lexer alone, stopping at the limit, and the
// fields repeated on one response path), and bounds the variables as
// sent, before validation coerces them (which costs far more per value
// than this walk).
func (l Limits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.Validated == nil || !l.Validated(ctx, p.Query) {
		if err := l.document(p.Query, spentIn(ctx)); err != nil {
			return err
		}
	}
	return l.Inputs.variables(p.Variables)
}

// document judges a document's text before it is parsed and validated;
// its tokens add to those spent.
func (l Limits) document(query string, spent *spent) *gqlerror.Error {
	lx := lexer.New(&ast.Source{Input: query})
	n := 0
	for ; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break // the parser reports lexical errors properly
		}
		if spent.tokens+n >= l.MaxTokens {
			return limitError(apperr.TokenLimitExceeded, "%s has more than %d tokens", spent.subject("the document"), l.MaxTokens)
		}
	}
	spent.tokens += n
	return l.repeats(query)
}

// MutateOperationContext checks argument values, introspection, then depth,
// aliases and complexity.
func (l Limits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if err := l.Inputs.check(rc); err != nil {
		return err
	}
	w := newWalker(rc.Variables)
	w.listItems = l.ListItems
	s := w.set(rc.Operation.SelectionSet)
	spent := spentIn(ctx)
	in, err := l.Introspection.judge(rc, spent)
	if err != nil {
		return err
	}
	s.aliases = satAdd(s.aliases, in.aliases)
	aliases, cost := satAdd(spent.aliases, s.aliases), satAdd(spent.cost, s.cost)
	switch {
	case s.depth > l.MaxDepth:
		return limitError(apperr.DepthLimitExceeded, "the operation is %d levels deep; at most %d are allowed", s.depth, l.MaxDepth)
	case aliases > l.MaxAliases:
		return limitError(apperr.AliasLimitExceeded, "%s uses %s aliases; at most %d are allowed", spent.subject("the operation"), count(aliases), l.MaxAliases)
	case cost > l.MaxComplexity:
		return limitError(apperr.ComplexityLimitExceeded, "the complexity of %s is %s; at most %d is allowed (connections count once per item of a page)", spent.subject("the operation"), count(cost), l.MaxComplexity)
	}
	rc.Stats.SetExtension(requestedKey, requested{cost: s.cost, filters: s.filters})
	spent.aliases, spent.cost, spent.introspection = aliases, cost, satAdd(spent.introspection, in.cost)
	return nil
}

// count renders a saturated sum as what it is: too large to say.
func count(n int) string {
	if n == math.MaxInt {
		return "beyond counting"
	}
	return strconv.Itoa(n)
}

// summary is what the limits need of a selection set: the levels of fields
// in it, and its aliases and cost as if every fragment spread were
// expanded, saturating at math.MaxInt; filters is the part of the cost
// that its edge filters make (see Cost).
type summary struct{ depth, aliases, cost, filters int }

func (s *summary) add(o summary) {
	s.depth = max(s.depth, o.depth)
	s.aliases = satAdd(s.aliases, o.aliases)
	s.cost = satAdd(s.cost, o.cost)
	s.filters = satAdd(s.filters, o.filters)
}

// walker summarises selection sets; a spread adds its fragment's summary,
// computed once, as a value.
type walker struct {
	vars      map[string]any
	fragments *fragmentMemo[summary]
	listItems int
	// introspection, when set, makes this a walker of introspection
	// fields, with the sizes of the introspection lists.
	introspection map[string]int
}

func newWalker(vars map[string]any) *walker {
	return &walker{vars: vars, fragments: newFragmentMemo[summary]()}
}

func (w *walker) set(set ast.SelectionSet) summary {
	var s summary
	var spread map[string]bool
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			if w.introspection == nil && isIntrospection(f) {
				s.add(summary{depth: 1, cost: 1}) // judged apart by IntrospectionLimits
				continue
			}
			child := w.set(f.SelectionSet)
			mult, filter := w.arguments(f)
			fs := summary{
				depth:   1 + child.depth,
				aliases: child.aliases,
				cost:    satAdd(satAdd(1, filter), satMul(mult, child.cost)),
				filters: satAdd(filter, satMul(mult, child.filters)),
			}
			if f.Alias != "" && f.Alias != f.Name {
				fs.aliases = satAdd(fs.aliases, 1)
			}
			s.add(fs)
		case *ast.InlineFragment:
			s.add(w.set(f.SelectionSet))
		case *ast.FragmentSpread:
			// A fragment spread twice into one selection set runs once.
			if spread[f.Name] {
				continue
			}
			if spread == nil {
				spread = map[string]bool{}
			}
			spread[f.Name] = true
			s.add(w.fragment(f))
		}
	}
	return s
}

// fragment returns the summary of a spread's fragment. A cycle is
// summarised as too costly rather than walked forever.
func (w *walker) fragment(f *ast.FragmentSpread) summary {
	if f.Definition == nil {
		return summary{}
	}
	return w.fragments.of(f, func(def *ast.FragmentDefinition) summary {
		return w.set(def.SelectionSet)
	}, summary{cost: math.MaxInt})
}

// arguments returns how many times a field's selection runs (the page size
// of a connection, the number of ids of nodes, the most items of another
// list of objects, or of introspection) and the cost of its where filter.
// The edges of a page are counted by its connection's page size.
func (w *walker) arguments(f *ast.Field) (mult, filter int) {
	if f.Definition == nil {
		return 1, 0
	}
	mult = 1
	if parent := f.ObjectDefinition; f.Definition.Type.Elem != nil && parent != nil && !strings.HasSuffix(parent.Name, "Connection") {
		if strings.HasPrefix(parent.Name, "__") {
			mult = w.introspectionList(parent.Name + "." + f.Name)
		} else {
			mult = max(w.listItems, 1)
		}
	}
	if len(f.Arguments) == 0 {
		return mult, 0
	}
	args := f.ArgumentMap(w.vars)
	if n, ok := intArg(args["first"]); ok {
		mult = int(max(n, 1))
	} else if n, ok := intArg(args["last"]); ok {
		mult = int(max(n, 1))
	} else if ids, ok := args["ids"].([]any); ok {
		mult = max(len(ids), 1)
	}
	return mult, filterCost(args["where"])
}

// filterCost is the cost of the edge predicates in a where value (see
// EdgeFilterWeight). Its size is bounded by InputLimits, which run first.
func filterCost(v any) int {
	cost := 0
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if isEdgePredicate(k) && x != nil {
				cost = satAdd(cost, satMul(EdgeFilterWeight, satAdd(1, filterCost(x))))
			} else {
				cost = satAdd(cost, filterCost(x))
			}
		}
	case []any:
		for _, x := range v {
			cost = satAdd(cost, filterCost(x))
		}
	}
	return cost
}

// isEdgePredicate reports whether a where field is one of entgql's edge
// predicates, has<Edge>With or has<Edge>: the second is a subquery as much
// as the first (privacy narrows hasUser: true to hasUserWith: [{<scope>}]).
func isEdgePredicate(name string) bool {
	return len(name) > len("has") && strings.HasPrefix(name, "has") && name[3] >= 'A' && name[3] <= 'Z'
}

// satAdd and satMul add and multiply non-negative numbers, saturating at
// math.MaxInt instead of overflowing.
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
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
