package fleet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
	"github.com/patctl/patctl/internal/sink"
)

// The actions of a plan.
const (
	ActCreate = "create" // no active token has the name
	ActRotate = "rotate" // it expires within rotateBefore, or a destination holds another token
	ActUpdate = "update" // its scopes or reach differ: a PUT, the secret stays
	ActRevoke = "revoke" // prune: a token with the prefix that no entry declares
	ActNone   = "none"
	ActError  = "error" // the entry cannot be planned (several active tokens have the name)
)

// writeSlack is how much earlier than the token's creation a destination
// must have been written for plan to say it holds another token, when all it
// can tell is the time (GitHub): GitHub counts whole seconds, and its clock
// is not Azure DevOps'.
const writeSlack = time.Minute

// Action is what plan decides for one entry, or one token to prune.
type Action struct {
	Name   string `json:"name"`
	Org    string `json:"org"`
	Action string `json:"action"`
	// Reason says why, for people.
	Reason string `json:"reason,omitempty"`
	// AuthorizationID and ExpiresAt are the active token's, when there is one.
	AuthorizationID string     `json:"authorizationId,omitempty"`
	ExpiresAt       *time.Time `json:"expiresAt,omitempty"`
	// Line is the entry's line in the file (prune's, for revoke).
	Line  int    `json:"line"`
	Error string `json:"error,omitempty"`

	Entry *Entry          `json:"-"` // nil for revoke
	Token patapi.PatToken `json:"-"` // the active token
}

// Changes reports whether the action would change anything.
func (a Action) Changes() bool { return a.Action != ActNone && a.Action != ActError }

// Planner compares a file with the live lists.
type Planner struct {
	// List lists an organization's active tokens.
	List func(ctx context.Context, org string) ([]patapi.PatToken, error)
	// Parallel bounds the lists and the inspections of destinations in flight.
	Parallel int
	Now      func() time.Time
}

// Plan lists each organization of the file once, all at once, decides an
// action per entry, asks the destinations of the entries not due anyway
// which token they hold, and adds the revokes of prune. A list that fails
// fails the plan; a destination that cannot say makes its entry an error.
func (p *Planner) Plan(ctx context.Context, f *File) ([]Action, error) {
	orgs := f.Orgs()
	lists := make([][]patapi.PatToken, len(orgs))
	errs := make([]error, len(orgs))
	p.each(len(orgs), func(i int) { lists[i], errs[i] = p.List(ctx, orgs[i]) })
	live := map[string][]patapi.PatToken{}
	for i, org := range orgs {
		if errs[i] != nil {
			return nil, fmt.Errorf("plan: %s: %w", org, errs[i])
		}
		live[strings.ToLower(org)] = lists[i]
	}
	now := p.Now()
	actions := Decide(f, live, now)

	// Inspect the destinations of the entries that nothing else makes due.
	type probe struct {
		action int
		sink   sink.Holder
		uri    string
	}
	var probes []probe
	for i, a := range actions {
		if a.Entry == nil || (a.Action != ActNone && a.Action != ActUpdate) {
			continue
		}
		for _, s := range a.Entry.Sinks {
			if h, ok := s.(sink.Holder); ok {
				probes = append(probes, probe{i, h, s.String()})
			}
		}
	}
	findings := make([]holding, len(probes))
	p.each(len(probes), func(i int) {
		f := &findings[i]
		f.uri = probes[i].uri
		f.id, f.updated, f.known, f.err = probes[i].sink.Holds(ctx)
	})
	byAction := map[int][]holding{}
	for i, pr := range probes {
		byAction[pr.action] = append(byAction[pr.action], findings[i])
	}
	for i, found := range byAction {
		actions[i] = behind(actions[i], found)
	}
	return actions, nil
}

// each runs do(0…n-1), at most Parallel at once.
func (p *Planner) each(n int, do func(i int)) {
	slots := make(chan struct{}, max(1, p.Parallel))
	var wg sync.WaitGroup
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			do(i)
		})
	}
	wg.Wait()
}

// holding is what a destination said it holds.
type holding struct {
	uri     string
	id      string
	updated time.Time
	known   bool
	err     error
}

// behind makes a rotate of an action whose destinations hold another token
// (or none), or an error of one whose destination could not be asked.
func behind(a Action, found []holding) Action {
	for _, h := range found {
		if h.err != nil {
			a.Action, a.Reason, a.Error = ActError, "", fmt.Sprintf("cannot tell which token %s holds: %v", h.uri, h.err)
			return a
		}
	}
	var reasons []string
	for _, h := range found {
		switch {
		case !h.known:
		case h.id == "" && h.updated.IsZero():
			reasons = append(reasons, h.uri+" holds no secret yet")
		case h.id != "" && !strings.EqualFold(h.id, a.Token.AuthorizationID):
			reasons = append(reasons, fmt.Sprintf("%s holds another token (%s)", h.uri, h.id))
		case h.id == "" && !a.Token.ValidFrom.IsZero() && h.updated.Before(a.Token.ValidFrom.Add(-writeSlack)):
			reasons = append(reasons, fmt.Sprintf("%s was written at %s, before the token was created (%s)",
				h.uri, h.updated.UTC().Format(time.RFC3339), a.Token.ValidFrom.UTC().Format(time.RFC3339)))
		}
	}
	if len(reasons) > 0 {
		a.Action, a.Reason = ActRotate, strings.Join(reasons, "; ")
	}
	return a
}

// Decide is the plan from the live lists alone (by lower-case organization):
// one action per entry, in the file's order, then prune's revokes.
func Decide(f *File, live map[string][]patapi.PatToken, now time.Time) []Action {
	var actions []Action
	for _, e := range f.Entries {
		actions = append(actions, decide(e, live[strings.ToLower(e.Org)], now))
	}
	if f.Prune != nil {
		actions = append(actions, prune(f, live)...)
	}
	return actions
}

func decide(e *Entry, tokens []patapi.PatToken, now time.Time) Action {
	a := Action{Name: e.Name, Org: e.Org, Line: e.Line, Entry: e}
	var named []patapi.PatToken
	for _, t := range tokens {
		if t.DisplayName == e.Name {
			named = append(named, t)
		}
	}
	switch len(named) {
	case 0:
		a.Action, a.Reason = ActCreate, "no active token has the name"
		return a
	case 1:
	default:
		var ids []string
		for _, t := range named {
			ids = append(ids, fmt.Sprintf("%s (expires %s)", t.AuthorizationID, t.ValidTo.UTC().Format(time.RFC3339)))
		}
		a.Action = ActError
		a.Error = fmt.Sprintf("%d active tokens are named %q: %s; revoke the ones not in use (patctl revoke --id ID --org %s) so that one is left",
			len(named), e.Name, strings.Join(ids, ", "), e.Org)
		return a
	}
	t := named[0]
	a.Token, a.AuthorizationID = t, t.AuthorizationID
	exp := t.ValidTo.UTC()
	a.ExpiresAt = &exp
	left := t.ValidTo.Sub(now)
	switch {
	case left <= e.RotateBefore:
		a.Action, a.Reason = ActRotate, fmt.Sprintf("expires %s, within rotateBefore (%s)", exp.Format(time.RFC3339), span(e.RotateBefore))
	case !sameScopes(t.Scopes(), e.Scopes) || t.AllOrgs() != e.AllOrgs:
		var what []string
		if !sameScopes(t.Scopes(), e.Scopes) {
			what = append(what, fmt.Sprintf("scopes %s → %s", t.Scope, e.Scope()))
		}
		if t.AllOrgs() != e.AllOrgs {
			what = append(what, fmt.Sprintf("allOrgs %t → %t", t.AllOrgs(), e.AllOrgs))
		}
		a.Action, a.Reason = ActUpdate, strings.Join(what, ", ")
	default:
		a.Action = ActNone
	}
	return a
}

// sameScopes compares two lists of scopes as sets, ignoring letter case as
// the service does.
func sameScopes(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = strings.ToLower(s)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

// prune lists the active tokens of the file's organizations whose name has
// the prefix and that no entry declares. A token in its --grace period
// ("NAME (rotated DATE)", NAME declared) is left to expire; a token valid in
// every organization shows in each list and is revoked once.
func prune(f *File, live map[string][]patapi.PatToken) []Action {
	declared := map[string]bool{} // "org\x00name", and "\x00name" for any organization
	for _, e := range f.Entries {
		declared[strings.ToLower(e.Org)+"\x00"+e.Name] = true
		declared["\x00"+e.Name] = true
	}
	isDeclared := func(org string, t patapi.PatToken) bool {
		name := t.DisplayName
		if base, ok := rotation.RetiredOf(name); ok {
			name = base
		}
		return declared[strings.ToLower(org)+"\x00"+name] || (t.AllOrgs() && declared["\x00"+name])
	}
	var out []Action
	seen := map[string]bool{}
	for _, org := range f.Orgs() {
		for _, t := range live[strings.ToLower(org)] {
			if !strings.HasPrefix(t.DisplayName, f.Prune.Prefix) || isDeclared(org, t) || seen[t.AuthorizationID] {
				continue
			}
			seen[t.AuthorizationID] = true
			exp := t.ValidTo.UTC()
			out = append(out, Action{Name: t.DisplayName, Org: org, Action: ActRevoke, Line: f.Prune.Line, Token: t,
				AuthorizationID: t.AuthorizationID, ExpiresAt: &exp,
				Reason: fmt.Sprintf("its name starts with %q and no entry declares it", f.Prune.Prefix)})
		}
	}
	return out
}
