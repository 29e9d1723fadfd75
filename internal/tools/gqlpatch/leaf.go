package main

import (
	"regexp"
	"strings"
)

// For every field, gqlgen generates a call of graphql.ResolveField, which
// allocates a field context, puts it into a new context, runs the field
// middleware and boxes the value, even when the field only reads a struct
// field. directLeaves replaces such a call with the call of its marshaller
// when all of this holds:
//
//   - the resolver is exactly "return obj.Field, nil" (a struct field: it
//     cannot fail, block or panic, as obj is never nil there) or
//     "return obj.Method(), nil" (a getter without arguments or an error,
//     such as access.Restrictions.WeekdayList and gqlgen's introspection
//     getters; a panic in one would fail the whole response, not the field);
//   - no directive wraps the field (the middleware argument is nil);
//   - the marshaller, and each marshaller it calls, marshals a scalar or
//     enum value or a list of them (it calls no object marshaller) and
//     cannot report an error, so the field context, whose only use there
//     would be the error's path, is never read.
//
// What the direct call gives up is the field middleware of handler
// extensions (graphql.FieldInterceptor); the server refuses to start with
// one (see internal/app). Everything else (object fields, resolvers,
// fields with arguments, non-null times, which report an error when zero)
// keeps gqlgen's path.

// directLeafMark starts each replaced body, so that a second run finds
// the file already patched.
const directLeafMark = "// A leaf read directly (gqlpatch)."

var resolveFieldCall = regexp.MustCompile(`(?m)^\treturn graphql\.ResolveField\(
\t\tctx,
\t\tec\.OperationContext,
\t\tfield,
\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)
\t\t\},
\t\tfunc\(ctx context\.Context\) \(any, error\) \{
\t\t\treturn obj\.(\w+(?:\(\))?), nil
\t\t\},
\t\tnil,
\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v [^\n]+\) graphql\.Marshaler \{
\t\t\treturn ec\.(marshal[^(\s]+)\(ctx, selections, v\)
\t\t\},
\t\t(?:true|false),
\t\t(?:true|false),
\t\)
`)

// marshalCall finds the marshallers a marshaller calls.
var marshalCall = regexp.MustCompile(`ec\.(marshal[^(\s]+)\(`)

// neverNull is the null check after a scalar marshaller that never
// returns graphql.Null for a value of its Go type (model.MarshalString is
// gqlgen's, bound for its input check).
var neverNull = regexp.MustCompile(`res := (?:graphql\.Marshal(?:String|Boolean|Int|Int32|Int64|Float|ID)|model\.MarshalString)\(v\)
\tif res == graphql\.Null \{
\t\tgraphql\.AddInvalidNullFromMarshaler\(ctx, "[^"]+"\)
\t\}`)

// directLeaves rewrites src and reports how many fields it rewrote.
func directLeaves(src []byte) ([]byte, int) {
	text := string(src)
	n := 0
	out := resolveFieldCall.ReplaceAllStringFunc(text, func(call string) string {
		m := resolveFieldCall.FindStringSubmatch(call)
		field, marshal := m[1], m[2]
		if !quietLeaf(text, marshal, 2) {
			return call
		}
		n++
		return "\t" + directLeafMark + "\n\treturn ec." + marshal + "(ctx, field.Selections, obj." + field + ")\n"
	})
	return []byte(out), n
}

// quietLeaf reports whether the marshaller name, and those it calls up to
// depth levels down, neither marshal an object nor report an error.
func quietLeaf(src, name string, depth int) bool {
	body := funcBody(src, name)
	if body == "" {
		return false
	}
	body = neverNull.ReplaceAllString(body, "res := MARSHAL")
	for _, unsafe := range []string{"ec._", "AddInvalidNull", "AddError", "Errorf", "ec.Error", "panic("} {
		if strings.Contains(body, unsafe) {
			return false
		}
	}
	for _, m := range marshalCall.FindAllStringSubmatch(body, -1) {
		if depth == 0 || !quietLeaf(src, m[1], depth-1) {
			return false
		}
	}
	return true
}

// funcBody returns the text of the executionContext method name, or "".
func funcBody(src, name string) string {
	start := strings.Index(src, "\nfunc (ec *executionContext) "+name+"(")
	if start < 0 {
		return ""
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		return ""
	}
	return src[start : start+end]
}
