package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
	"github.com/patctl/patctl/internal/sink"
)

// The statuses of a result.
const (
	StatusDone       = "done"
	StatusUnchanged  = "unchanged"  // the action was none
	StatusFailed     = "failed"     // nothing is left for resume
	StatusUnfinished = "unfinished" // recorded for `patctl resume` (exit 9)
	StatusSkipped    = "skipped"    // interrupted before it started
)

// Result is what became of one action: an element of apply's report.
type Result struct {
	Name            string                `json:"name"`
	Org             string                `json:"org"`
	Action          string                `json:"action"`
	Status          string                `json:"status"`
	AuthorizationID string                `json:"authorizationId,omitempty"`
	Replaces        string                `json:"replaces,omitempty"`
	ValidTo         *time.Time            `json:"validTo,omitempty"`
	Sinks           []rotation.SinkResult `json:"sinks,omitempty"`
	Error           string                `json:"error,omitempty"`
	// Token is the new secret of an entry without to: (or with to: [-]).
	Token string `json:"token,omitempty"`

	collected *rotation.Collected
}

// Report is apply's JSON.
type Report struct {
	Actions []Result `json:"actions"`
}

// Runner carries out a plan, several actions at once.
type Runner struct {
	IO       *iostreams.IOStreams
	Parallel int
	// Client is the PAT API client of an organization of the plan.
	Client func(org string) *patapi.Client
	// Tx makes the transaction of a create (verify false) or a rotate.
	Tx func(client *patapi.Client, d *rotation.Delivery, verify bool) (*rotation.Tx, error)
	// SinkEnv is what the entries' destinations use.
	SinkEnv sink.Env
	// Recorded are the journal's entries before the run: an action on a
	// token one of them is about is refused, as the single commands do.
	Recorded []journal.Entry
	Now      func() time.Time
	// Done, when set, is told each result as it comes, one at a time.
	Done func(Result)
}

// Run carries out every action that changes something, at most Parallel at
// once, and returns one result per action in the plan's order.
func (r *Runner) Run(ctx context.Context, actions []Action) []Result {
	results := make([]Result, len(actions))
	slots := make(chan struct{}, max(1, r.Parallel))
	var mu sync.Mutex
	finish := func(i int, res Result) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = res
		if r.Done != nil {
			r.Done(res)
		}
	}
	var wg sync.WaitGroup
	for i, a := range actions {
		if !a.Changes() {
			finish(i, r.settled(a))
			continue
		}
		acquired := false
		select {
		case slots <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			if acquired {
				<-slots
			}
			finish(i, Result{Name: a.Name, Org: a.Org, Action: a.Action, Status: StatusSkipped, AuthorizationID: a.AuthorizationID,
				Error: "interrupted before it started"})
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			finish(i, r.run(ctx, a))
		})
	}
	wg.Wait()
	return results
}

// settled is the result of an action that sends nothing: none, or error.
func (r *Runner) settled(a Action) Result {
	res := Result{Name: a.Name, Org: a.Org, Action: a.Action, AuthorizationID: a.AuthorizationID, Status: StatusUnchanged}
	if a.Action == ActError {
		res.Status, res.Error = StatusFailed, a.Error
	}
	return res
}

func (r *Runner) run(ctx context.Context, a Action) Result {
	res := Result{Name: a.Name, Org: a.Org, Action: a.Action, AuthorizationID: a.AuthorizationID}
	err := r.do(ctx, a, &res)
	switch {
	case err == nil:
		res.Status = StatusDone
	case Unfinished(err):
		res.Status, res.Error = StatusUnfinished, err.Error()
	default:
		res.Status, res.Error = StatusFailed, err.Error()
	}
	if res.Status != StatusDone {
		res.Token = "" // the secret goes only where the transaction delivered it
	}
	return res
}

func (r *Runner) do(ctx context.Context, a Action, res *Result) error {
	client := r.Client(a.Org)
	name := a.Name
	if a.Action == ActRevoke {
		name = "" // prune finds by id
	}
	if err := journal.Conflict(r.Recorded, a.Org, a.AuthorizationID, name); err != nil {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: err}
	}
	switch a.Action {
	case ActRevoke:
		err := client.Revoke(ctx, a.AuthorizationID)
		if notFound(err) {
			return nil // revoked meanwhile
		}
		return err
	case ActUpdate:
		e := a.Entry
		scope := e.Scope()
		if e.AllOrgs && !a.Token.AllOrgs() {
			cmdutil.WarnGlobal(r.IO, r.Now())
		}
		tok, err := client.Update(ctx, patapi.UpdateRequest{AuthorizationID: a.AuthorizationID, Scope: &scope, AllOrgs: &e.AllOrgs})
		if err != nil {
			return err
		}
		exp := tok.ValidTo.UTC()
		res.ValidTo = &exp
		return nil
	}

	// create and rotate: the transaction of the create and rotate commands.
	e := a.Entry
	d := &rotation.Delivery{To: e.To, Label: "to:", Parsed: map[string]sink.Sink{}}
	for i, s := range e.Sinks {
		d.Parsed[e.uris[i]] = s // the ones plan asked which token they hold
	}
	if err := d.Check(r.SinkEnv, nil); err != nil {
		return err
	}
	tx, err := r.Tx(client, d, a.Action == ActRotate)
	if err != nil {
		return err
	}
	out := &rotation.Collected{}
	tx.Collect = out
	res.collected = out
	now := r.Now()
	req := patapi.CreateRequest{DisplayName: e.Name, Scope: e.Scope(), ValidTo: now.Add(e.Lifetime), AllOrgs: e.AllOrgs}
	if a.Action == ActCreate {
		if e.AllOrgs {
			cmdutil.WarnGlobal(r.IO, now)
		}
		err = tx.Create(ctx, req)
	} else {
		err = tx.RotateKnown(ctx, a.Token, func(old patapi.PatToken) (patapi.CreateRequest, *time.Time) {
			return req, rotation.GraceEnd(old, now, e.Grace)
		})
	}
	if out.Token.AuthorizationID != "" {
		res.AuthorizationID = out.Token.AuthorizationID
		exp := out.Token.ValidTo.UTC()
		res.ValidTo = &exp
	}
	res.Replaces = out.Replaces
	res.Sinks = out.Sinks
	if err == nil && out.Owed {
		res.Token = out.Token.Token
	}
	return err
}

// HandOver tells the transactions whose secret the report carries that it
// is written: their journal entries close, and the old tokens that waited
// for the report are retired, parallel at once. The failures are joined.
func HandOver(ctx context.Context, results []Result, parallel int) error {
	slots := make(chan struct{}, max(1, parallel))
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for i := range results {
		res := &results[i]
		if res.collected == nil || !res.collected.Owed {
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := res.collected.Handed(ctx); err != nil {
				errs[i] = fmt.Errorf("%s in %s: %w", res.Name, res.Org, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Outcome is apply's exit: nil when every action succeeded; exit 9 when
// something is left for `patctl resume` (it says more than a failure: the
// journal holds what is needed); else exit 1 when anything failed.
func Outcome(ctx context.Context, results []Result) error {
	var failed, left []string
	for _, res := range results {
		what := fmt.Sprintf("%s of %q in %s", res.Action, res.Name, res.Org)
		switch res.Status {
		case StatusUnfinished:
			left = append(left, what)
		case StatusFailed, StatusSkipped:
			failed = append(failed, what)
		}
	}
	switch {
	case len(left) > 0:
		msg := fmt.Sprintf("apply: %d action(s) left unfinished (%s)", len(left), strings.Join(left, ", "))
		if len(failed) > 0 {
			msg += fmt.Sprintf(" and %d failed (%s)", len(failed), strings.Join(failed, ", "))
		}
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf("%s; run `patctl resume` to finish them", msg)}
	case ctx.Err() != nil:
		return fmt.Errorf("apply: interrupted: %w", ctx.Err())
	case len(failed) > 0:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitError, Err: fmt.Errorf("apply: %d action(s) failed: %s", len(failed), strings.Join(failed, ", "))}
	}
	return nil
}

// Unfinished is an error that leaves its operation for resume.
func Unfinished(err error) bool {
	var coded *cmdutil.ExitCodeError
	var conflict *journal.ConflictError
	return errors.As(err, &coded) && coded.Code == cmdutil.ExitUnfinished || errors.As(err, &conflict)
}

// notFound is an answer saying the token is not there (any more).
func notFound(err error) bool {
	var apiErr *patapi.APIError
	var tokErr *patapi.TokenError
	return errors.As(err, &apiErr) && apiErr.NotFound() || errors.As(err, &tokErr) && tokErr.NotFound()
}
