package graph

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/budget"
	"github.com/latchkey/latchkey/internal/clientaddr"
	"github.com/latchkey/latchkey/internal/ratelimit"
)

// Cost charges every operation to its caller's budget and reports, in
// every response, extensions.cost: requestedQueryCost (the complexity that
// Limits judged before the operation ran), actualQueryCost (what it
// answered: each field in the response once, plus its edge filters as
// requested, never more than requested) and throttleStatus (the budget
// after the charge).
//
// The requested cost is taken from the budget before any resolver runs; an
// operation the budget does not hold now is refused with THROTTLED and
// extensions.retryAfter, one that no budget could hold with
// COMPLEXITY_LIMIT_EXCEEDED. After it ran, what it did not use is given
// back. A token's budget is kept under the token; a caller without one
// under its address (IPv6: its /64).
type Cost struct {
	Budget *budget.Buckets
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Cost{}

// requestedKey names the operation statistic where Limits leaves its
// judgement, and spendKey the one where Cost keeps an operation's charge
// across the payloads of a deferred response.
const (
	requestedKey = "RequestedCost"
	spendKey     = "Cost"
)

// requested is what Limits found an operation to cost before it runs.
type requested struct{ cost, filters int }

// RequestedCost is the complexity Limits judged an operation to have (0
// when Limits did not judge it): the cost the operation is charged before
// it runs. The operations of one request, sent together, cost the sum.
func RequestedCost(oc *graphql.OperationContext) int {
	r, _ := oc.Stats.GetExtension(requestedKey).(requested)
	return r.cost
}

// spend is one operation's charge.
type spend struct {
	key string
	requested
	answered int
	settled  bool
}

// costReport is extensions.cost.
type costReport struct {
	RequestedQueryCost int            `json:"requestedQueryCost"`
	ActualQueryCost    int            `json:"actualQueryCost"`
	ThrottleStatus     throttleStatus `json:"throttleStatus"`
}

type throttleStatus struct {
	MaximumAvailable   int `json:"maximumAvailable"`
	CurrentlyAvailable int `json:"currentlyAvailable"`
	RestoreRate        int `json:"restoreRate"`
}

func report(requested, actual int, st budget.Status) *costReport {
	return &costReport{RequestedQueryCost: requested, ActualQueryCost: actual,
		ThrottleStatus: throttleStatus{MaximumAvailable: st.Max, CurrentlyAvailable: st.Available, RestoreRate: st.Rate}}
}

// ExtensionName implements graphql.HandlerExtension.
func (Cost) ExtensionName() string { return "Cost" }

// Validate implements graphql.HandlerExtension.
func (Cost) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor. The first
// payload of an operation takes its cost; the last one, when a deferred
// response has several, settles it and carries the report.
func (c Cost) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request refused before it ran (by Limits, MutationGuard, ...)
	// comes with its errors presented already: it costs nothing.
	if !graphql.HasOperationContext(ctx) || graphql.GetErrors(ctx) != nil {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	sp, _ := oc.Stats.GetExtension(spendKey).(*spend)
	if sp == nil {
		r, ok := oc.Stats.GetExtension(requestedKey).(requested)
		if !ok {
			return next(ctx) // no Limits judged it: there is nothing to charge
		}
		sp = &spend{key: caller(ctx), requested: r}
		oc.Stats.SetExtension(spendKey, sp)
		if refused := c.take(ctx, sp); refused != nil {
			return refused
		}
	}
	resp := next(ctx)
	if resp == nil {
		c.settle(sp) // the stream ended early
		return nil
	}
	sp.answered = satAdd(sp.answered, answered(resp.Data))
	if resp.HasNext != nil && *resp.HasNext {
		return resp
	}
	if r := c.settle(sp); r != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = r
	}
	return resp
}

// take takes the operation's requested cost from its caller's budget, or
// returns the answer that refuses it.
func (c Cost) take(ctx context.Context, sp *spend) *graphql.Response {
	st, wait, ok := c.Budget.Take(sp.key, sp.cost)
	if ok {
		return nil
	}
	sp.settled = true
	var err *apperr.Error
	if sp.cost > st.Max {
		err = apperr.New(apperr.ComplexityLimitExceeded, "the operation costs %d; a budget holds at most %d", sp.cost, st.Max)
	} else {
		secs := int((wait + time.Second - 1) / time.Second)
		err = &apperr.Error{Code: apperr.Throttled, RetryAfter: secs,
			Message: fmt.Sprintf("the operation costs %d and the budget holds %d now; try again in %d seconds", sp.cost, st.Available, secs)}
	}
	return &graphql.Response{
		Errors:     gqlerror.List{presentError(ctx, err)},
		Extensions: map[string]any{"cost": report(sp.cost, 0, st)},
	}
}

// settle gives back what the operation did not use, once, and reports its
// cost.
func (c Cost) settle(sp *spend) *costReport {
	if sp.settled {
		return nil
	}
	sp.settled = true
	actual := min(satAdd(sp.answered, sp.filters), sp.cost)
	return report(sp.cost, actual, c.Budget.Refund(sp.key, sp.cost-actual))
}

// caller is the key of the budget an operation is charged to.
func caller(ctx context.Context) string {
	if v := auth.FromContext(ctx); v != nil && v.TokenID != "" {
		return "token " + string(v.TokenID)
	}
	return "address " + ratelimit.Bucket(clientaddr.FromContext(ctx))
}

// answered counts the fields a response's data answers: the keys of its
// objects. In JSON only a key's closing quote is followed by a colon, and a
// quote inside a string is escaped (preceded by an odd number of
// backslashes). Colons are searched for, as they are rarer than quotes
// (a third of the time of looking for `":`).
func answered(data []byte) int {
	n := 0
	for i := 0; ; i++ {
		j := bytes.IndexByte(data[i:], ':')
		if j < 0 {
			return n
		}
		i += j
		if i == 0 || data[i-1] != '"' {
			continue
		}
		k := i - 1
		for k > 0 && data[k-1] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			n++
		}
	}
}
