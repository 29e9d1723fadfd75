package observe

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/rootfields"
)

// The operation label.
//
// The request metrics are labelled with the name of the operation's first
// root field (users, grantPermission, checkAccess, ...), not with the
// operation name a client chooses: root fields come from the schema, so the
// label has at most one value per Query and Mutation field, plus "other".
// The extension learns the field names from the schema in its Validate
// method, which gqlgen calls when the extension is added with Use. "other"
// stands for everything else: requests that do not parse or validate (their
// document is discarded), the introspection fields __schema and __type,
// subscriptions, and any request seen before a schema is known. A leading
// __typename is skipped; a field reached through a fragment at the root
// counts as a root field. The client's own operation name goes to the
// request log line only.

// rootFields are the field names of the Query and Mutation types.
type rootFields map[ast.Operation]map[string]struct{}

// learnSchema adds the root fields of s to the known operation labels.
func (m *Metrics) learnSchema(s *ast.Schema) {
	if m == nil || s == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.roots == nil {
		m.roots = rootFields{}
	}
	for op, def := range map[ast.Operation]*ast.Definition{ast.Query: s.Query, ast.Mutation: s.Mutation} {
		if def == nil {
			continue
		}
		if m.roots[op] == nil {
			m.roots[op] = map[string]struct{}{}
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				m.roots[op][f.Name] = struct{}{}
			}
		}
	}
}

// operationLabel returns the operation label of a request (see above)
// whose operation is of kind and starts with the root field first.
func (m *Metrics) operationLabel(kind ast.Operation, first string) string {
	if m == nil || first == "" {
		return Other
	}
	m.mu.RLock()
	_, ok := m.roots[kind][first]
	m.mu.RUnlock()
	if !ok {
		return Other
	}
	return first
}

// metricsExtension is the gqlgen side of Metrics.
type metricsExtension struct{ m *Metrics }

// Extension returns the gqlgen handler extension that counts and times
// every GraphQL request by operation label and outcome, counts the error
// codes of every response, and notes the operation, outcome and account in
// the request's log line (see Annotate). Add it with (*handler.Server).Use.
//
// It sees every response that gqlgen writes through its executor, including
// those of requests that fail to parse or validate or that an
// OperationContextMutator refuses; it does not see what HTTP middleware in
// front of gqlgen answers by itself (a 401 for a bad token, the refusals of
// internal/httpapi), nor a panic that escapes the recover function.
func (m *Metrics) Extension() interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} {
	return metricsExtension{m}
}

// ExtensionName implements graphql.HandlerExtension.
func (metricsExtension) ExtensionName() string { return "ObserveMetrics" }

// Validate implements graphql.HandlerExtension: it learns the root fields
// of the schema, the values of the operation label.
func (e metricsExtension) Validate(s graphql.ExecutableSchema) error {
	if s != nil {
		e.m.learnSchema(s.Schema())
	}
	return nil
}

// InterceptResponse implements graphql.ResponseInterceptor.
func (e metricsExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	var op *ast.OperationDefinition
	var first string
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		op = oc.Operation
		if names := rootfields.Of(oc); len(names) > 0 {
			first = names[0]
		}
		if !oc.Stats.OperationStart.IsZero() {
			start = oc.Stats.OperationStart
		}
	}

	resp := next(ctx)
	if resp == nil {
		return nil
	}

	// A client that closed the connection before the answer never sees
	// its errors (often the database's "context canceled" that its
	// leaving caused): the request counts under OutcomeClientGone and its
	// error codes go to the request's log line only.
	gone := errors.Is(ctx.Err(), context.Canceled)
	codes := make([]string, 0, len(resp.Errors))
	for _, err := range resp.Errors {
		code := bounded(codeOf(err), errorCodes)
		if !gone {
			e.m.errorCode(code)
		}
		codes = append(codes, code)
	}
	outcome := OutcomeOK
	switch {
	case gone:
		outcome = OutcomeClientGone
	case len(resp.Errors) > 0:
		outcome = OutcomeError
	}
	f := Annotate(ctx)
	if resp.Path != nil || resp.Label != "" {
		// A later payload of a deferred response: its request is counted
		// already, only its errors are new.
		if outcome != OutcomeOK {
			f.addErrors(outcome, codes)
		}
		return resp
	}

	var kind ast.Operation
	var name string
	if op != nil {
		kind, name = op.Operation, op.Name
	}
	e.m.request(e.m.operationLabel(kind, first), outcome, time.Since(start))
	if f != nil {
		f.setGraphQL(name, first, outcome, codes)
		if e.m != nil && e.m.AccountOf != nil {
			if id := e.m.AccountOf(ctx); id != "" {
				f.SetAccount(id)
			}
		}
	}
	return resp
}

// codeOf returns extensions.code of err, which may be a string or a string
// type such as apperr.Code; "" if there is none.
func codeOf(err *gqlerror.Error) string {
	if err == nil || err.Extensions == nil {
		return ""
	}
	switch v := err.Extensions["code"].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
			return rv.String()
		}
		return ""
	}
}
