package rotation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/proc"
	"github.com/patctl/patctl/internal/sink"
)

// Outcomes of a resumed operation.
const (
	Completed   = "completed"   // the secret reached its plan, the old token is retired
	RolledBack  = "rolled-back" // no new token is left active; the old one is kept
	Kept        = "kept"        // --abort: the secret reached someone, so both tokens stay
	Partial     = "partial"     // some channels hold the new token, others never can
	Failed      = "failed"      // still recorded: run resume again
	Skipped     = "skipped"     // another process or account owns it
	NothingLeft = "nothing-created"
)

// Outcome is what resume did with one recorded operation.
type Outcome struct {
	ID              string `json:"id"`
	Op              string `json:"op"`
	Org             string `json:"org"`
	Name            string `json:"name"`
	AuthorizationID string `json:"authorizationId,omitempty"` // the new token
	Replaces        string `json:"replaces,omitempty"`
	Outcome         string `json:"outcome"`
	Message         string `json:"message"`
	// Token is the secret, when stdout was still owed it.
	Token string `json:"token,omitempty"`
	// Sinks are the operation's sinks and where each stands, while a new
	// token it made is active (see sinkReport).
	Sinks []SinkResult `json:"sinks,omitempty"`

	entry *journal.Entry
}

// Resumer finishes, or rolls back, what the journal recorded.
type Resumer struct {
	IO      *iostreams.IOStreams
	Journal *journal.Journal
	Owner   journal.Owner
	Client  func(ctx context.Context, org string) (*patapi.Client, error)
	// Verifier checks a secret that was not verified yet.
	Verifier *Verifier
	JSON     *cmdutil.JSONFlags
	Now      func() time.Time
	// SinkEnv is what the sinks of the recorded plans need.
	SinkEnv sink.Env
}

// Run handles every unfinished entry of this login and reports.
func (rs *Resumer) Run(ctx context.Context, abort bool) error {
	entries, err := rs.Journal.Unfinished()
	if err != nil {
		return fmt.Errorf("read the journal: %w", err)
	}
	all, _ := rs.Journal.List()
	var outcomes []Outcome
	for _, live := range all {
		if proc.Running(live.PID) && !contains(entries, live.ID) {
			outcomes = append(outcomes, rs.outcome(&live, Skipped, fmt.Sprintf("in progress in another patctl (pid %d)", live.PID)))
		}
	}
	for i := range entries {
		e := &entries[i]
		if e.Account != "" && rs.Owner.Account != "" && !strings.EqualFold(e.Account, rs.Owner.Account) {
			outcomes = append(outcomes, rs.outcome(e, Skipped, fmt.Sprintf("recorded by %s: run `patctl resume --account %s`", e.Account, e.Account)))
			continue
		}
		var tried []SinkResult
		o := rs.handle(ctx, e, abort, &tried)
		o.Sinks = sinkReport(e, o, tried)
		outcomes = append(outcomes, o)
	}
	return rs.report(outcomes)
}

// handle finishes one operation, or with abort rolls it back. Either way a
// create whose answer never came is looked for, and a withdrawal finished.
// tried gets what became of the sinks it wrote to.
func (rs *Resumer) handle(ctx context.Context, e *journal.Entry, abort bool, tried *[]SinkResult) Outcome {
	c, err := rs.Client(ctx, e.Org)
	switch {
	case err != nil:
		return rs.outcome(e, Failed, err.Error())
	case e.New == nil:
		return rs.findLost(ctx, c, e)
	case e.Withdrawn:
		return rs.revokeNew(ctx, c, e, "it was being withdrawn")
	case abort:
		return rs.abort(ctx, c, e)
	}
	return rs.finish(ctx, c, e, tried)
}

// finish takes one operation forward to its end, or back where it cannot
// go forward: a new token whose secret is lost and reached no one is revoked.
func (rs *Resumer) finish(ctx context.Context, c *patapi.Client, e *journal.Entry, tried *[]SinkResult) Outcome {
	secret, sealedErr := rs.unseal(e)
	if secret == "" {
		return rs.withoutSecret(ctx, c, e, sealedErr)
	}
	if e.Plan.Verify && !e.Verified {
		if err := rs.Verifier.Verify(ctx, e.Org, secret); err != nil {
			if len(e.Delivered) == 0 {
				return rs.revokeNew(ctx, c, e, fmt.Sprintf("the new token did not work (%v)", err))
			}
			return rs.outcome(e, Failed, fmt.Sprintf("the new token does not work (%v)", err))
		}
		e.Verified = true
		rs.save(e)
	}
	var o Outcome
	var err error
	if *tried, err = rs.writeSinks(ctx, e, secret); err != nil {
		return rs.outcome(e, Failed, err.Error())
	}
	for _, ch := range e.Pending() {
		switch ch {
		case journal.ToCIVariable:
			if _, err := writeCIVariable(e.Plan, rs.IO.Out, secret); err != nil {
				return rs.outcome(e, Failed, err.Error())
			}
			e.Delivered = append(e.Delivered, ch)
			rs.save(e)
		case journal.ToStdout:
			if rs.JSON.JSON {
				o.Token = secret // written with the report, then the entry closes
				continue
			}
			if err := rs.printSecret(e, secret); err != nil {
				return rs.outcome(e, Failed, fmt.Sprintf("write the secret to stdout: %v", err))
			}
		}
	}
	msg := "the new secret was delivered"
	if e.Old != nil && !e.Retired {
		what, err := retireOld(ctx, c, e, rs.Now())
		if err != nil {
			return rs.outcome(e, Failed, fmt.Sprintf("retire the old token %s: %v", e.Old.ID, err))
		}
		e.Retired = true
		rs.save(e)
		msg += "; " + what
	}
	if o.Token == "" {
		return rs.closed(e, Completed, msg)
	}
	token := o.Token
	o = rs.outcome(e, Completed, msg)
	o.Token = token
	return o
}

// withoutSecret ends an operation whose secret the journal could not keep:
// a token that reached no one is revoked; one that reached every channel
// retires the old token; one that reached some is left with both active.
func (rs *Resumer) withoutSecret(ctx context.Context, c *patapi.Client, e *journal.Entry, why error) Outcome {
	reason := "the journal kept no secret (no key to seal it with)"
	if why != nil {
		reason = fmt.Sprintf("the journal's secret cannot be opened (%v)", why)
	}
	switch pending := e.Pending(); {
	case len(e.Delivered) == 0:
		return rs.revokeNew(ctx, c, e, reason+" and it reached no one")
	case len(pending) == 0:
		what, err := retireOld(ctx, c, e, rs.Now())
		if err != nil {
			return rs.outcome(e, Failed, err.Error())
		}
		return rs.closed(e, Completed, "the new secret had reached every channel; "+what)
	default:
		return rs.closed(e, Partial, fmt.Sprintf("%s: the new token %s is held by %s, but %s never got it; both tokens stay active: rotate again to replace it everywhere",
			reason, e.New.ID, strings.Join(e.Delivered, ", "), strings.Join(pending, ", ")))
	}
}

// abort rolls an operation back: each new token whose secret reached no
// one is revoked, each old one kept.
func (rs *Resumer) abort(ctx context.Context, c *patapi.Client, e *journal.Entry) Outcome {
	if len(e.Delivered) == 0 {
		return rs.revokeNew(ctx, c, e, "rolled back")
	}
	return rs.closed(e, Kept, fmt.Sprintf("the new token %s reached %s, so it was kept; the old token was kept too", e.New.ID, strings.Join(e.Delivered, ", ")))
}

// findLost looks for the token of a create whose answer never came.
func (rs *Resumer) findLost(ctx context.Context, c *patapi.Client, e *journal.Entry) Outcome {
	others, _ := rs.Journal.List()
	lost := reconcile(ctx, c, e, without(others, e.ID), "", "", errors.New("the process ended before the answer came"))
	switch {
	case !lost.settled():
		return rs.outcome(e, Failed, lost.Error())
	case len(lost.Orphans) == 0 && len(lost.Unsure) == 0:
		return rs.closed(e, NothingLeft, "the service never created the token; the old token is untouched")
	}
	return rs.closed(e, RolledBack, lost.Error())
}

func (rs *Resumer) revokeNew(ctx context.Context, c *patapi.Client, e *journal.Entry, why string) Outcome {
	if err := c.Revoke(ctx, e.New.ID); err != nil && !notFound(err) {
		return rs.outcome(e, Failed, fmt.Sprintf("%s, but revoking the new token %s failed: %v", why, e.New.ID, err))
	}
	msg := why + ": the new token was revoked"
	if e.Old != nil {
		msg += " and the old one kept"
	}
	return rs.closed(e, RolledBack, msg)
}

// retireOld revokes the old token of a rotation, or lets it live until the
// end of its grace when that is still ahead.
func retireOld(ctx context.Context, c *patapi.Client, e *journal.Entry, now time.Time) (string, error) {
	if e.Old == nil || e.Retired || !e.Old.ValidTo.After(now) {
		return "there was no old token to retire", nil
	}
	if e.Grace != nil && e.Grace.After(now) {
		name := RetiredName(e.Old.Name, e.Started)
		_, err := c.Update(ctx, patapi.UpdateRequest{AuthorizationID: e.Old.ID, DisplayName: &name, ValidTo: e.Grace})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("the old token %s stays valid until %s", e.Old.ID, e.Grace.UTC().Format(time.RFC3339)), nil
	}
	if err := c.Revoke(ctx, e.Old.ID); err != nil && !notFound(err) {
		return "", err
	}
	return fmt.Sprintf("the old token %s was revoked", e.Old.ID), nil
}

// writeSinks writes the sinks the secret has not reached yet, and says what
// became of each; the error joins the failures. A recorded URI that no
// longer parses fails alone.
func (rs *Resumer) writeSinks(ctx context.Context, e *journal.Entry, secret string) ([]SinkResult, error) {
	var sinks []sink.Sink
	var unusable []SinkResult
	for _, uri := range e.Plan.To {
		s, err := sink.Parse(uri, rs.SinkEnv)
		if err != nil {
			res := SinkResult{To: uri}
			res.set(statusFailed, err)
			unusable = append(unusable, res)
			continue
		}
		sinks = append(sinks, s)
	}
	s := sink.Secret{Value: secret, ID: e.New.ID, Name: e.New.Name, Org: e.Org, ExpiresAt: e.New.ValidTo}
	results := append(writeSinks(ctx, sinks, e, s, func(uri string) { e.Delivered = append(e.Delivered, uri); rs.save(e) }), unusable...)
	var failed []string
	for _, res := range results {
		if res.Status != statusWritten {
			failed = append(failed, res.Error)
		}
	}
	if len(failed) > 0 {
		return results, errors.New(strings.Join(failed, "; "))
	}
	return results, nil
}

// sinkReport is where each sink of an operation stands once resume has
// handled it: what this run tried, and for the others what the journal
// says. An operation that stays recorded (failed) leaves the others
// pending, for the next resume; one that is closed with sinks unwritten
// (partial, kept) will never write them: they failed. Nothing is reported
// when no new token is left active, or the operation is another's.
func sinkReport(e *journal.Entry, o Outcome, tried []SinkResult) []SinkResult {
	if e.New == nil || e.Withdrawn || len(e.Plan.To) == 0 {
		return nil
	}
	var never string
	switch o.Outcome {
	case RolledBack, NothingLeft, Skipped:
		return nil
	case Partial:
		never = "the journal keeps no secret to write: rotate again"
	case Kept:
		never = "rolled back by --abort"
	case Failed:
		// still recorded: the next resume writes what is pending
	default:
		never = "the operation is closed"
	}
	out := make([]SinkResult, 0, len(e.Plan.To))
	for _, uri := range e.Plan.To {
		i := slices.IndexFunc(tried, func(r SinkResult) bool { return r.To == uri })
		switch {
		case i >= 0:
			out = append(out, tried[i])
		case e.DeliveredTo(uri):
			out = append(out, SinkResult{To: uri, Status: statusWritten})
		default:
			res := SinkResult{To: uri}
			res.set(statusPending, fmt.Errorf("%s: not tried: %s", uri, o.Message))
			out = append(out, res)
		}
	}
	if never != "" {
		unreachable(out, never)
	}
	return out
}

func (rs *Resumer) unseal(e *journal.Entry) (string, error) {
	if e.Sealed == nil || rs.Owner.Sealer == nil {
		return "", nil
	}
	plain, err := rs.Owner.Sealer.Unseal(e.Sealed)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

func (rs *Resumer) printSecret(e *journal.Entry, secret string) error {
	if rs.IO.IsStdoutTTY() {
		fmt.Fprintf(rs.IO.Out, "The new secret of %q (id %s):\n", e.New.Name, e.New.ID)
		output.Secret(rs.IO.Out, secret, rs.IO.TerminalWidth(), rs.IO.ColorScheme())
		return nil
	}
	fmt.Fprintf(rs.IO.ErrOut, "The new secret of %q (id %s) is on stdout.\n", e.New.Name, e.New.ID)
	_, err := fmt.Fprintln(rs.IO.Out, secret)
	return err
}

// report prints the outcomes; entries that waited for the JSON to carry
// their secret are closed once it is written.
func (rs *Resumer) report(outcomes []Outcome) error {
	failed := 0
	for _, o := range outcomes {
		if o.Outcome == Failed {
			failed++
		}
	}
	if rs.JSON.JSON {
		if outcomes == nil {
			outcomes = []Outcome{}
		}
		if err := rs.JSON.WriteJSON(rs.IO.Out, struct {
			Operations []Outcome `json:"operations"`
		}{outcomes}); err != nil {
			return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf("write the report: %w; the journal keeps every secret it held", err)}
		}
	} else if len(outcomes) == 0 {
		fmt.Fprintln(rs.IO.ErrOut, "Nothing to resume: no unfinished operation is recorded.")
	}
	for _, o := range outcomes {
		if o.Token != "" && o.entry != nil {
			rs.close(o.entry)
		}
		if !rs.JSON.JSON {
			fmt.Fprintf(rs.IO.ErrOut, "%s %s: %s.\n", mark(o.Outcome), describe(o), o.Message)
			if !allWritten(o.Sinks) {
				fmt.Fprintln(rs.IO.ErrOut, strings.TrimPrefix(sinkLines(o.Sinks), "\n"))
			}
		}
	}
	if failed > 0 {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf("%d operation(s) could not be finished and stay recorded: run `patctl resume` again once the cause is fixed", failed)}
	}
	for _, o := range outcomes {
		if o.Outcome == Partial {
			return cmdutil.ErrSilent
		}
	}
	return nil
}

func mark(outcome string) string {
	switch outcome {
	case Completed, RolledBack, NothingLeft, Kept:
		return "✓"
	case Skipped:
		return "-"
	}
	return "✗"
}

func describe(o Outcome) string {
	return fmt.Sprintf("%s of %q in %s", o.Op, o.Name, o.Org)
}

func (rs *Resumer) outcome(e *journal.Entry, outcome, msg string) Outcome {
	o := Outcome{ID: e.ID, Op: e.Op, Org: e.Org, Name: e.Request.Name, Outcome: outcome, Message: msg, entry: e}
	if e.New != nil {
		o.AuthorizationID = e.New.ID
	}
	if e.Old != nil {
		o.Replaces = e.Old.ID
	}
	return o
}

// closed is an outcome whose entry is done with.
func (rs *Resumer) closed(e *journal.Entry, outcome, msg string) Outcome {
	rs.close(e)
	return rs.outcome(e, outcome, msg)
}

func (rs *Resumer) close(e *journal.Entry) {
	if err := rs.Journal.Close(e); err != nil {
		fmt.Fprintf(rs.IO.ErrOut, "Warning: could not close the journal entry %s: %v\n", e.ID, err)
	}
}

func (rs *Resumer) save(e *journal.Entry) {
	if err := rs.Journal.Save(e); err != nil {
		fmt.Fprintf(rs.IO.ErrOut, "Warning: %v\n", err)
	}
}

func contains(entries []journal.Entry, id string) bool {
	for _, e := range entries {
		if e.ID == id {
			return true
		}
	}
	return false
}

func without(entries []journal.Entry, id string) []journal.Entry {
	var out []journal.Entry
	for _, e := range entries {
		if e.ID != id {
			out = append(out, e)
		}
	}
	return out
}
