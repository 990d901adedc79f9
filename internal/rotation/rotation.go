// Package rotation is the one transaction that create, rotate and resume
// share. Read top to bottom, Tx.run is its steps: claim a journal entry,
// create the token, journal its secret, verify it, deliver it, retire the
// old token, close the entry. Whatever stops it — an error, a signal, a
// kill — the journal says how far it got, and Resume finishes or rolls back
// from there: the only working secret is never lost.
package rotation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/sink"
)

// cleanupTimeout bounds the clean-up that runs after an interrupt or a
// failure (revoking a withdrawn token, looking for a lost one), on a context
// of its own: the command's is cancelled by then.
const cleanupTimeout = 20 * time.Second

// Tx carries what a create or rotate needs.
type Tx struct {
	IO       *iostreams.IOStreams
	Client   *patapi.Client
	Verifier *Verifier // nil: --no-verify
	Journal  *journal.Journal
	Owner    journal.Owner
	// Pending counts the journal entries this process has open.
	Pending *atomic.Int32
	Now     func() time.Time
	// Hint holds the flags a suggested command needs (" --org X …"), and
	// ResumeHint those `patctl resume` needs.
	Hint, ResumeHint string
	JSON             *cmdutil.JSONFlags
	Delivery         *Delivery
	// Stage, when set, is told each stage as it is reached (see the Stage*
	// names): the end-to-end tests stop the process there.
	Stage func(string)
	// Steps shows on stderr, when it is a terminal, each step as it
	// happens (see progress): create and rotate set it; apply, which runs
	// several transactions at once, reports its own way.
	Steps bool
	// Collect, when set (apply), takes what the transaction would print:
	// nothing is written on stdout, nor its report on stderr. A secret owed
	// to stdout stays owed, its entry open, until Collected.Handed.
	Collect *Collected
	// BeforeCreate, when set, is a last check of Create's (the create
	// command's: is the name taken?), made once the secret's destinations
	// are known to take it and before anything is recorded or created.
	// Rotations do not call it: their new token has the old one's name.
	BeforeCreate func(context.Context) error
}

// Collected is what a transaction run for apply did, for its report.
type Collected struct {
	// Token is the new token once created; Token.Token is its secret,
	// which belongs in the report only when Owed.
	Token        patapi.PatToken
	Sinks        []SinkResult
	Replaces     string
	OldRevoked   bool
	OldExpiresAt *time.Time
	OldExpired   bool
	// Owed: the plan sends the secret to stdout, that is the report. Call
	// Handed once the report is written.
	Owed bool

	tx *Tx
	r  *run
}

// Stages of a transaction, as Tx.Stage is told them.
const (
	StageClaimed    = "claimed"    // the entry is recorded; the POST is next
	StageCreated    = "created"    // the answer came; not journaled yet
	StageVerifying  = "verifying"  // the new token is about to be tried
	StageDelivering = "delivering" // the secret is about to go out
	StageRetiring   = "retiring"   // the old token is about to be retired
	StageRetired    = "retired"    // all done but the report and closing the entry
)

func (t *Tx) stage(r *run, name string) {
	t.progress(r, name)
	if t.Stage != nil {
		t.Stage(name)
	}
}

// created is the JSON of create: the new token, and where it was written.
type created struct {
	output.TokenJSON
	Sinks []SinkResult `json:"sinks,omitempty"`
}

// Result is the JSON of rotate: the new token, where it was written, and
// what became of the old one.
type Result struct {
	output.TokenJSON
	Sinks        []SinkResult `json:"sinks,omitempty"`
	Replaces     string       `json:"replaces"`
	OldRevoked   bool         `json:"oldRevoked"`
	OldExpiresAt *time.Time   `json:"oldExpiresAt,omitempty"`
	OldExpired   bool         `json:"oldExpired,omitempty"`
}

// replacesKey is where the fields about the old token start in the JSON.
const replacesKey = ",\n  \"replaces\""

// Create makes a new token and delivers its secret.
func (t *Tx) Create(ctx context.Context, req patapi.CreateRequest) error {
	e, err := t.newEntry(journal.OpCreate)
	if err != nil {
		return err
	}
	req.ValidTo = e.Mark(req.ValidTo)
	e.Request = requested(req)
	t.checking()
	if err := t.Delivery.Preflight(ctx, t.IO.Out); err != nil {
		return err
	}
	if t.BeforeCreate != nil {
		if err := t.BeforeCreate(ctx); err != nil {
			return err
		}
	}
	if err := t.Journal.Claim(ctx, e, func([]journal.Entry) error { return nil }); err != nil {
		return err
	}
	t.Pending.Add(1)
	return t.run(ctx, &run{e: e, req: req})
}

// Rotate replaces the token sel names with one made by build from it; build
// also says when the old token should expire (nil: revoke it now).
func (t *Tx) Rotate(ctx context.Context, sel cmdutil.Selector, build func(old patapi.PatToken) (patapi.CreateRequest, *time.Time)) error {
	find := func() (patapi.PatToken, bool, string, error) { return locate(ctx, t.Client, sel, t.Hint) }
	return t.rotate(ctx, sel, find, false, build)
}

// RotateKnown is Rotate of an active token the caller has just listed
// (apply, from its plan): it is not looked up again, nor is its name listed
// again beside the transaction — apply's next plan shows a name two tokens
// share as an error.
func (t *Tx) RotateKnown(ctx context.Context, old patapi.PatToken, build func(old patapi.PatToken) (patapi.CreateRequest, *time.Time)) error {
	find := func() (patapi.PatToken, bool, string, error) { return old, false, "", nil }
	return t.rotate(ctx, cmdutil.Selector{ID: old.AuthorizationID, Name: old.DisplayName}, find, true, build)
}

func (t *Tx) rotate(ctx context.Context, sel cmdutil.Selector, find func() (patapi.PatToken, bool, string, error), known bool, build func(old patapi.PatToken) (patapi.CreateRequest, *time.Time)) error {
	e, err := t.newEntry(journal.OpRotate)
	if err != nil {
		return err
	}
	t.checking()
	if err := t.Delivery.Preflight(ctx, t.IO.Out); err != nil {
		return err
	}
	if t.showSteps() && !known {
		t.IO.StartProgress(sel.Looking())
	}
	r := &run{e: e, known: known}
	// Under the journal's lock, so that two rotations of one token on this
	// machine cannot both get past it.
	claim := func(entries []journal.Entry) error {
		if err := journal.Conflict(entries, t.Client.Org(), sel.ID, sel.Name); err != nil {
			return err
		}
		old, expired, resume, err := find()
		if err != nil {
			return err
		}
		r.resume = resume
		if err := journal.Conflict(entries, t.Client.Org(), old.AuthorizationID, old.DisplayName); err != nil {
			return err
		}
		r.old, r.oldExpired = &old, expired
		r.req, r.graceEnd = build(old)
		r.req.ValidTo = e.Mark(r.req.ValidTo)
		e.Request, e.Old, e.Grace = requested(r.req), ref(old), r.graceEnd
		return nil
	}
	if err := t.Journal.Claim(ctx, e, claim); err != nil {
		return err
	}
	t.Pending.Add(1)
	if r.req.AllOrgs {
		cmdutil.WarnGlobal(t.IO, t.Now())
	}
	return t.run(ctx, r)
}

// run is the state of one transaction.
type run struct {
	e          *journal.Entry
	req        patapi.CreateRequest
	old        *patapi.PatToken // rotate only
	oldExpired bool             // the old token had expired: nothing to retire
	known      bool             // RotateKnown: the old token came from the caller's list
	graceEnd   *time.Time       // --grace: when the old token should expire
	fresh      patapi.PatToken

	oldExpiresAt *time.Time // what the service set under --grace
	jsonHead     []byte     // the JSON written before the old token was retired
	stdoutLater  bool       // --jq needs the outcome: stdout is written last
	sinks        []SinkResult
	ciErr        error       // --ci-variable could not be set
	dups         *duplicates // rotate: the check for another rotation of the name
	resume       string      // rotate: where the old token's name begins in the listing by name
	posted       time.Time   // when the create was sent
	owed         bool        // Collect: the secret goes to stdout with the report, later
	held         bool        // Collect: the old token is retired once the report is written
}

// run is the transaction proper, once its entry is claimed. Every way out
// either closes the entry or leaves it for resume (exit 9).
func (t *Tx) run(ctx context.Context, r *run) error {
	e := r.e

	// 1. Create. A lost answer is reconciled, never sent again.
	t.stage(r, StageClaimed)
	r.posted = time.Now()
	fresh, err := t.Client.Create(ctx, r.req)
	if err != nil {
		return t.createFailed(ctx, r, err)
	}
	r.fresh = fresh
	if t.Collect != nil {
		t.Collect.Token, t.Collect.tx, t.Collect.r = fresh, t, r
	}
	t.stage(r, StageCreated)
	if r.old != nil && !r.known {
		// Listing the name now, beside what follows, sees every token
		// another rotation of it made before our POST; one made after sees
		// ours (see checkDuplicates).
		r.dups = t.checkDuplicates(ctx, r)
		defer r.dups.stop()
	}

	// 2. Journal the new token — and its secret, sealed — before anything else.
	e.New = ref(fresh)
	if t.Owner.Sealer != nil {
		if e.Sealed, err = t.Owner.Sealer.Seal([]byte(fresh.Token)); err != nil {
			fmt.Fprintf(t.IO.ErrOut, "Warning: the new secret could not be sealed into the journal (%v).\n", err)
		}
	}
	t.save(e)
	WarnIfClamped(t.IO, r.req.ValidTo, fresh)

	// 3. Prove the new token works before anyone relies on it.
	if e.Plan.Verify {
		t.stage(r, StageVerifying)
		if err := t.Verifier.Verify(ctx, t.Client.Org(), fresh.Token); err != nil {
			return t.withdraw(ctx, r, fmt.Errorf("the new token did not work (%w)", err))
		}
		e.Verified = true
		t.save(e)
	}
	if ctx.Err() != nil {
		return t.withdraw(ctx, r, fmt.Errorf("interrupted before the secret was delivered: %w", ctx.Err()))
	}

	// 4. Deliver the secret to every channel of the plan.
	t.stage(r, StageDelivering)
	if err := t.deliver(ctx, r); err != nil {
		if len(e.Delivered) == 0 {
			err = t.withdraw(ctx, r, fmt.Errorf("its secret could not be delivered (%w)", err))
			var coded *cmdutil.ExitCodeError
			if refusedByAll(failedSinks(r.sinks)) && !errors.As(err, &coded) {
				err = &cmdutil.ExitCodeError{Code: cmdutil.ExitRefused, Err: err}
			}
			return err
		}
		what := "the new token"
		if ctx.Err() != nil {
			what = "interrupted: the new token"
		}
		partial := fmt.Errorf("%s %s reached %s but not %s; nothing was retired, both tokens stay active:%s",
			what, fresh.AuthorizationID, strings.Join(e.Delivered, ", "), strings.Join(e.Pending(), ", "), t.channelLines(r))
		if e.Sealed == nil {
			// resume cannot write what the journal does not hold.
			partial = fmt.Errorf("%w\nThe journal keeps no secret (there is no login key to seal it with), so %s need a new rotation once the cause is fixed", partial, strings.Join(e.Pending(), ", "))
		}
		t.reportUnfinished(r, partial)
		return t.unfinished(partial)
	}

	// 5. Retire the old token — unless the secret waits for apply's report
	// and the journal has no sealed copy of it: then the report goes first.
	var oldErr error
	r.held = r.owed && e.Sealed == nil && r.old != nil && !r.oldExpired
	if r.old != nil && !r.oldExpired && !r.held {
		if ctx.Err() != nil {
			err := fmt.Errorf("interrupted after the new secret was delivered; the old token %s is still active", r.old.AuthorizationID)
			t.reportUnfinished(r, err)
			return t.unfinished(err)
		}
		t.stage(r, StageRetiring)
		if oldErr = t.retire(ctx, r); oldErr == nil {
			e.Retired = true
			t.save(e)
		} else if ctx.Err() != nil {
			err := fmt.Errorf("interrupted while retiring the old token %s (%v)", r.old.AuthorizationID, oldErr)
			t.reportUnfinished(r, err)
			return t.unfinished(err)
		}
	}

	// 6. Report; the outcome may complete what stdout was owed.
	t.stage(r, StageRetired)
	if err := t.report(r, oldErr); err != nil {
		if len(e.Pending()) > 0 {
			return t.unfinished(fmt.Errorf("the new token %s was created but its secret could not be printed (%v)", fresh.AuthorizationID, err))
		}
		fmt.Fprintf(t.IO.ErrOut, "Warning: the report could not be written: %v\n", err)
	}

	// 7. Close the entry, and its sealed secret with it — once the report
	// that owes the secret is written, for apply (Collected.Handed).
	if !r.owed {
		t.close(e)
	}
	if r.dups != nil {
		t.warnDuplicates(r)
	}
	return t.retireError(r, oldErr)
}

// Handed tells the transaction that apply's report, which carries the
// secret, is written: the entry is closed — after the old token is retired,
// when it waited for the report (Tx.run, step 5).
func (o *Collected) Handed(ctx context.Context) error {
	if o.r == nil || !o.r.owed {
		return nil
	}
	t, r := o.tx, o.r
	o.r = nil
	t.delivered(r.e, journal.ToStdout)
	var oldErr error
	if r.held {
		t.stage(r, StageRetiring)
		if oldErr = t.retire(ctx, r); oldErr == nil {
			r.e.Retired = true
			t.save(r.e)
		} else if ctx.Err() != nil {
			return t.unfinished(fmt.Errorf("interrupted while retiring the old token %s (%v)", r.old.AuthorizationID, oldErr))
		}
	}
	t.close(r.e)
	return t.retireError(r, oldErr)
}

// createFailed handles a create that did not bring back a token. If it may
// have made one anyway, that token is found and revoked on a context of its
// own (the command's may be cancelled); the entry stays while the search is
// unsettled, for resume.
func (t *Tx) createFailed(ctx context.Context, r *run, err error) error {
	what := "create"
	if r.old != nil {
		what = "rotate"
	}
	if !MayHaveCreated(err) {
		t.close(r.e)
		if r.old != nil {
			return fmt.Errorf("rotate: nothing changed, the old token is untouched: %w", err)
		}
		var unsent *patapi.NotSentError
		if errors.As(err, &unsent) {
			return fmt.Errorf("create: the request did not reach the service whole, so no token was created: %w", err)
		}
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if !answered(err) {
		fmt.Fprintf(t.IO.ErrOut, "The answer to the create never came; checking whether the service made the token…\n")
		select {
		case <-time.After(time.Until(r.posted.Add(settleTime))):
		case <-cctx.Done():
		}
	}
	others, _ := t.Journal.List()
	lost := reconcile(cctx, t.Client, r.e, others, t.Hint, t.ResumeHint, err)
	var out error = lost
	if r.old != nil {
		out = fmt.Errorf("%w. The old token %s is untouched", lost, r.old.AuthorizationID)
	}
	if !lost.settled() {
		return t.unfinished(fmt.Errorf("%s: %w", what, out))
	}
	t.close(r.e)
	return fmt.Errorf("%s: %w", what, out)
}

// withdraw revokes a new token whose secret reached no one, leaving the old
// one, on a context of its own so that an interrupt does not stop it.
func (t *Tx) withdraw(ctx context.Context, r *run, why error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	what := "create"
	if r.old != nil {
		what = "rotate"
	}
	r.e.Withdrawn = true
	t.save(r.e)
	if t.showSteps() {
		t.IO.StartProgress("Revoking the new token " + r.fresh.AuthorizationID)
	}
	if err := t.Client.Revoke(cctx, r.fresh.AuthorizationID); err != nil && !notFound(err) {
		return t.unfinished(fmt.Errorf("%s: %w, and revoking the new token %s failed too (%v); the old token is untouched. Run `patctl resume%s` to revoke it",
			what, why, r.fresh.AuthorizationID, err, t.ResumeHint))
	}
	t.close(r.e)
	if r.old != nil {
		return fmt.Errorf("rotate: %w; the new token was revoked and the old one is untouched", why)
	}
	return fmt.Errorf("create: %w, so the new token was revoked", why)
}

// unfinished ends the command with exit 9, the entry left for resume.
func (t *Tx) unfinished(err error) error {
	return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf("%w\nThe operation is recorded: run `patctl resume%s` to finish it, or `patctl resume --abort%s` to roll it back", err, t.ResumeHint, t.ResumeHint)}
}

// deliver writes the secret to every channel of the plan, recording each in
// the journal as it is done: the sinks concurrently, then the pipeline
// variable, then stdout — which, when --jq needs the old token's outcome and
// the journal holds the secret meanwhile, waits until the old token is
// retired.
func (t *Tx) deliver(ctx context.Context, r *run) error {
	e := r.e
	var done, written []string
	var failed []error
	r.sinks = writeSinks(ctx, t.Delivery.sinks, e, t.secretOf(r), func(uri string) {
		t.delivered(e, uri)
		if t.showSteps() {
			t.IO.Step("Wrote " + uri)
		}
	})
	t.IO.StopProgress() // the sinks are written; stdout may be next
	if e.Sealed == nil {
		unreachable(r.sinks, "the journal keeps no secret for `patctl resume` to write")
	}
	if t.Collect != nil {
		t.Collect.Sinks = r.sinks
	}
	for _, res := range r.sinks {
		if res.Status == statusWritten {
			written = append(written, res.To)
		} else {
			failed = append(failed, res.err)
		}
	}
	if len(written) > 0 {
		done = append(done, "written to "+strings.Join(written, ", "))
	}
	if e.Plan.CIVariable != "" {
		if what, err := writeCIVariable(e.Plan, t.IO.Out, r.fresh.Token); err != nil {
			r.ciErr = err
			failed = append(failed, err)
		} else {
			done = append(done, what)
			t.delivered(e, journal.ToCIVariable)
		}
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	if t.Collect != nil {
		r.owed = e.Plan.Stdout // the report carries it
		return nil
	}
	if !e.Plan.Stdout {
		switch {
		case !t.showSteps():
			fmt.Fprintf(t.IO.ErrOut, "%s The secret was %s.\n", t.headline(r), strings.Join(done, ", "))
		case e.Plan.CIVariable != "":
			t.IO.Step("The secret was " + done[len(done)-1]) // the sinks have lines of their own
		}
		return nil
	}
	if t.Delivery.clip != nil {
		if err := t.copySecret(ctx, r); err != nil {
			return fmt.Errorf("copy the secret to the clipboard: %w", err)
		}
	} else if err := t.printSecret(r); err != nil {
		return fmt.Errorf("write the secret to stdout: %w", err)
	}
	if !r.stdoutLater {
		t.delivered(e, journal.ToStdout)
	}
	return nil
}

// channelLines is, a line each, what became of the sinks and of the
// pipeline variable, for the message of a partial delivery.
func (t *Tx) channelLines(r *run) string {
	lines := sinkLines(r.sinks)
	if r.ciErr != nil {
		lines += fmt.Sprintf("\n  %-8s %s: %v", statusFailed, journal.ToCIVariable, r.ciErr)
	}
	return lines
}

// reportUnfinished writes, with --json, where things stand when the command
// ends with exit 9 after the new token was made: the sinks and their
// statuses, and that the old token was not retired (why). A JSON object
// begun on stdout is finished. A secret still owed to stdout is not printed
// here: `patctl resume` hands it over.
func (t *Tx) reportUnfinished(r *run, why error) {
	if t.Collect != nil || !t.JSON.JSON || r.stdoutLater {
		return // apply reports its actions itself
	}
	t.IO.StopProgress()
	var err error
	switch {
	case r.jsonHead != nil:
		var full []byte
		if full, err = t.JSON.Render(r.result(why, true)); err == nil {
			_, err = t.IO.Out.Write(full[len(r.jsonHead):])
		}
	case r.old == nil:
		err = t.JSON.WriteJSON(t.IO.Out, created{output.NewTokenJSON(r.fresh, false), r.sinks})
	default:
		err = t.JSON.WriteJSON(t.IO.Out, r.result(why, false))
	}
	if err != nil {
		fmt.Fprintf(t.IO.ErrOut, "Warning: the report could not be written: %v\n", err)
	}
}

// failedSinks are the errors of the sinks that could not be written.
func failedSinks(results []SinkResult) []error {
	var errs []error
	for _, res := range results {
		if res.err != nil {
			errs = append(errs, res.err)
		}
	}
	return errs
}

// secretOf is the new token as sinks receive it.
func (t *Tx) secretOf(r *run) sink.Secret {
	return sink.Secret{Value: r.fresh.Token, ID: r.fresh.AuthorizationID, Name: r.fresh.DisplayName, Org: t.Client.Org(), ExpiresAt: r.fresh.ValidTo.Time}
}

// printSecret writes the secret to stdout as the flags ask: JSON (for
// rotate, up to the old token's fields), framed on a terminal, bare into a
// pipe with the headline on stderr.
func (t *Tx) printSecret(r *run) error {
	out := t.IO.Out
	t.IO.StopProgress()
	switch {
	case t.JSON.JSON && r.old == nil:
		return t.JSON.WriteJSON(out, created{output.NewTokenJSON(r.fresh, true), r.sinks})
	case t.JSON.JSON && t.JSON.JQ == "":
		full, err := t.JSON.Render(r.result(nil, true))
		if err != nil {
			return err
		}
		cut := bytes.Index(full, []byte(replacesKey))
		if cut < 0 {
			return errors.New("unexpected JSON layout")
		}
		r.jsonHead = full[:cut]
		_, err = out.Write(r.jsonHead)
		return err
	case t.JSON.JSON:
		// --jq: print now what does not depend on the old token's fate.
		// What does waits for it if the journal keeps the secret meanwhile;
		// without a key it cannot wait, and sees the planned outcome.
		ok, err := t.JSON.Render(r.result(nil, true))
		if err != nil {
			return err
		}
		failed, err := t.JSON.Render(r.result(errors.New("x"), true))
		if err != nil {
			return err
		}
		if !bytes.Equal(ok, failed) && r.e.Sealed != nil {
			r.stdoutLater = true
			return nil
		}
		_, err = out.Write(ok)
		return err
	}
	// Shown as it happened, the steps said which token was created.
	headline := !t.showSteps()
	if t.IO.IsStdoutTTY() {
		if headline {
			fmt.Fprintln(out, strings.Join(output.Wrap(t.headlineFor(r, true), t.IO.TerminalWidth(), nil), "\n"))
		}
		output.Secret(out, r.fresh.Token, t.IO.TerminalWidth(), t.IO.ColorScheme())
		return nil
	}
	if headline {
		fmt.Fprintln(t.IO.ErrOut, t.headline(r))
	}
	_, err := fmt.Fprintln(out, r.fresh.Token)
	return err
}

func (t *Tx) headline(r *run) string {
	return output.Unglue(t.headlineFor(r, t.IO.IsStderrTTY())) // the headline goes to stderr
}

// headlineFor says which token was created, and until when it is valid: for
// a person when tty, else in RFC 3339. For a person, the id and the time are
// glued to what introduces them, so that a line wrapped on a narrow terminal
// breaks between them (output.Wrap).
func (t *Tx) headlineFor(r *run, tty bool) string {
	id, until := "(id "+r.fresh.AuthorizationID+"),", "valid until "+output.Moment(r.fresh.ValidTo.Time, tty, t.Now())
	if tty {
		id, until = strings.ReplaceAll(id, " ", output.Glue), strings.ReplaceAll(until, " ", output.Glue)
	}
	if r.old != nil {
		return fmt.Sprintf("Created the new token %q %s %s.", r.fresh.DisplayName, id, until)
	}
	return fmt.Sprintf("Created token %q %s %s.", r.fresh.DisplayName, id, until)
}

// result is the JSON of a rotation as it stands; oldErr is how retiring the
// old token went.
func (r *run) result(oldErr error, withSecret bool) Result {
	out := Result{TokenJSON: output.NewTokenJSON(r.fresh, withSecret), Sinks: r.sinks, Replaces: r.old.AuthorizationID, OldExpired: r.oldExpired}
	if oldErr == nil && !r.oldExpired {
		out.OldRevoked = r.graceEnd == nil
		out.OldExpiresAt = r.oldExpiresAt
		if out.OldExpiresAt == nil {
			out.OldExpiresAt = r.graceEnd
		}
	}
	return out
}

// retire revokes the old token, or with --grace shortens its life and
// renames it, so that --name finds only the new one.
func (t *Tx) retire(ctx context.Context, r *run) error {
	if r.graceEnd == nil {
		err := t.Client.Revoke(ctx, r.old.AuthorizationID)
		if notFound(err) {
			return nil // revoked already (a resumed run got that far)
		}
		return err
	}
	name := RetiredName(r.old.DisplayName, r.e.Started)
	updated, err := t.Client.Update(ctx, patapi.UpdateRequest{AuthorizationID: r.old.AuthorizationID, DisplayName: &name, ValidTo: r.graceEnd})
	if err == nil {
		at := updated.ValidTo.UTC()
		r.oldExpiresAt = &at
	}
	return err
}

// RetiredName is the old token's name during its grace period.
func RetiredName(name string, now time.Time) string {
	return fmt.Sprintf("%s (rotated %s)", name, now.UTC().Format(time.DateOnly))
}

// RetiredOf is the name a token had before RetiredName renamed it; ok is
// false for a name RetiredName did not make.
func RetiredOf(name string) (base string, ok bool) {
	const suffix = len(" (rotated 2006-01-02)")
	if len(name) <= suffix || !strings.HasSuffix(name, ")") || !strings.HasPrefix(name[len(name)-suffix:], " (rotated ") {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, name[len(name)-suffix+len(" (rotated "):len(name)-1]); err != nil {
		return "", false
	}
	return name[:len(name)-suffix], true
}

// report writes what is left to write once the old token's fate is known.
func (t *Tx) report(r *run, oldErr error) error {
	out, errOut := t.IO.Out, t.IO.ErrOut
	switch {
	case t.Collect != nil:
		o := t.Collect
		o.Owed = r.owed
		if r.old != nil {
			// Held, this is the planned outcome: Handed says if it did not happen.
			res := r.result(oldErr, false)
			o.Replaces, o.OldRevoked, o.OldExpiresAt, o.OldExpired = res.Replaces, res.OldRevoked, res.OldExpiresAt, res.OldExpired
		}
		return nil
	case r.old == nil:
		if t.JSON.JSON && !r.e.Plan.Stdout {
			return t.JSON.WriteJSON(out, created{output.NewTokenJSON(r.fresh, false), r.sinks})
		}
		return nil
	case r.jsonHead != nil:
		full, err := t.JSON.Render(r.result(oldErr, true))
		if err != nil {
			return err
		}
		_, err = out.Write(full[len(r.jsonHead):])
		return err
	case r.stdoutLater:
		if err := t.JSON.WriteJSON(out, r.result(oldErr, true)); err != nil {
			return err
		}
		t.delivered(r.e, journal.ToStdout)
		return nil
	case t.JSON.JSON && !r.e.Plan.Stdout:
		return t.JSON.WriteJSON(out, r.result(oldErr, false))
	case t.JSON.JSON || oldErr != nil:
		return nil
	case r.oldExpired:
		fmt.Fprintf(errOut, "The old token (id %s) had expired already: there was nothing to retire.\n", r.old.AuthorizationID)
	case t.showSteps():
		// Its step said what became of the old token.
	case r.oldExpiresAt != nil:
		fmt.Fprintf(errOut, "The old token (id %s) is renamed %q and stays valid until %s.\n",
			r.old.AuthorizationID, RetiredName(r.old.DisplayName, r.e.Started), output.Moment(*r.oldExpiresAt, t.IO.IsStderrTTY(), t.Now()))
	default:
		fmt.Fprintf(errOut, "Revoked the old token (id %s).\n", r.old.AuthorizationID)
	}
	return nil
}

// retireError is exit 7 when the old token could not be retired.
func (t *Tx) retireError(r *run, oldErr error) error {
	switch {
	case oldErr == nil:
		return nil
	case r.graceEnd != nil:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
			"rotate: the new token is delivered, but the old token %s could not be set to expire at %s: %v\nShorten it with:\n  patctl update --id %s --expires %s%s",
			r.old.AuthorizationID, output.Human(*r.graceEnd, t.Now()), oldErr, r.old.AuthorizationID, r.graceEnd.Format(time.RFC3339), t.Hint)}
	}
	return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
		"rotate: the new token is delivered, but the old token %s was not revoked: %v\nRevoke it with:\n  patctl revoke --id %s --yes%s",
		r.old.AuthorizationID, oldErr, r.old.AuthorizationID, t.Hint)}
}

// duplicates is the check for other active tokens of the rotated name: a
// rotation of the same token run elsewhere at the same time leaves two,
// which a person must sort out.
type duplicates struct {
	done   chan struct{}
	stop   context.CancelFunc
	ids    []string // the active tokens of the name, ours among them
	others int      // how many of them are neither ours nor the old one
	err    error
}

// checkDuplicates lists the name, once our POST has succeeded, beside the
// rest of the transaction. Of two rotations of one token, the one whose
// POST came second lists after both POSTs and sees both new tokens, so at
// least one of them warns. The old token, which this rotation retires, does
// not count, whether its revoke has landed yet or not. The list only ever
// warns: it cannot stop the transaction, and ends with it.
func (t *Tx) checkDuplicates(ctx context.Context, r *run) *duplicates {
	ctx, cancel := context.WithCancel(ctx)
	d := &duplicates{done: make(chan struct{}), stop: cancel}
	lister := *t.Client
	lister.Retry.Notify = nil // a retry of this background list is not news
	lister.OnPage = nil       // nor its pages: the indicator counts the steps' own
	fresh, old, resume := r.fresh, r.old.AuthorizationID, r.resume
	go func() {
		defer close(d.done)
		// From the page where the name began when the old token was found:
		// the new token sorts among its namesakes, so not seeing it means
		// the pages moved (or the service would not resume there), and the
		// name is looked for from the first page.
		tokens, _, err := lister.FindByNameFrom(ctx, "active", fresh.DisplayName, resume)
		if resume != "" && ctx.Err() == nil && (err != nil || !slices.ContainsFunc(tokens, func(t patapi.PatToken) bool { return t.AuthorizationID == fresh.AuthorizationID })) {
			tokens, err = lister.FindByName(ctx, "active", fresh.DisplayName)
		}
		if err != nil {
			d.err = err
			return
		}
		for _, tok := range tokens {
			if tok.AuthorizationID == old {
				continue
			}
			d.ids = append(d.ids, tok.AuthorizationID)
			if tok.AuthorizationID != fresh.AuthorizationID {
				d.others++
			}
		}
		if !slices.Contains(d.ids, fresh.AuthorizationID) {
			d.ids = append([]string{fresh.AuthorizationID}, d.ids...)
		}
	}()
	return d
}

// warnDuplicates waits for the check — the transaction is over by then —
// and says what it found.
func (t *Tx) warnDuplicates(r *run) {
	d := r.dups
	<-d.done
	switch {
	case d.err != nil:
		fmt.Fprintf(t.IO.ErrOut, "Warning: could not check whether another rotation of %q ran at the same time elsewhere: %v\n", r.fresh.DisplayName, d.err)
	case d.others > 0:
		fmt.Fprintf(t.IO.ErrOut, "Warning: %d active tokens are now named %q (%s): another rotation of it may have run at the same time elsewhere. Keep the one in use (id %s is this rotation's) and revoke the others.\n",
			len(d.ids), r.fresh.DisplayName, strings.Join(d.ids, ", "), r.fresh.AuthorizationID)
	}
}

func (t *Tx) newEntry(op string) (*journal.Entry, error) {
	e, err := journal.NewEntry(op, t.Client.Org(), t.Now())
	if err != nil {
		return nil, err
	}
	e.Account = t.Owner.Account
	e.Plan = t.Delivery.plan()
	e.Plan.Verify = t.Verifier != nil
	return e, nil
}

// save records a step. A journal that cannot be written is said, not
// fatal: the transaction itself can still finish.
func (t *Tx) save(e *journal.Entry) {
	if err := t.Journal.Save(e); err != nil {
		fmt.Fprintf(t.IO.ErrOut, "Warning: %v\n", err)
	}
}

func (t *Tx) delivered(e *journal.Entry, channel string) {
	e.Delivered = append(e.Delivered, channel)
	t.save(e)
}

func (t *Tx) close(e *journal.Entry) {
	t.Pending.Add(-1)
	if err := t.Journal.Close(e); err != nil {
		fmt.Fprintf(t.IO.ErrOut, "Warning: could not close the journal entry %s: %v\n", e.ID, err)
	}
}

func requested(req patapi.CreateRequest) journal.Token {
	return journal.Token{Name: req.DisplayName, Scope: req.Scope, ValidTo: req.ValidTo, AllOrgs: req.AllOrgs}
}

func ref(p patapi.PatToken) *journal.Token {
	return &journal.Token{ID: p.AuthorizationID, Name: p.DisplayName, Scope: p.Scope, ValidTo: p.ValidTo.UTC(), AllOrgs: p.AllOrgs()}
}

// notFound is an answer saying the token is not there (any more).
func notFound(err error) bool {
	var apiErr *patapi.APIError
	var tokErr *patapi.TokenError
	return errors.As(err, &apiErr) && apiErr.NotFound() || errors.As(err, &tokErr) && tokErr.NotFound()
}

// NewTx sets up a transaction for a token command, in client's
// organization. delays are the waits between verification attempts; nil
// means --no-verify.
func NewTx(t *cmdutil.TokenCmd, client *patapi.Client, j *cmdutil.JSONFlags, d *Delivery, delays []time.Duration) (*Tx, error) {
	jr, err := t.Journal()
	if err != nil {
		return nil, err
	}
	tx := &Tx{IO: t.IO, Client: client, Journal: jr, Owner: t.Owner(), Pending: t.Pending, Now: t.Now,
		Hint: t.Hint(client.Org()), ResumeHint: t.GlobalHint(), JSON: j, Delivery: d, Stage: t.Stage}
	if delays != nil {
		v, err := NewVerifier(t, delays)
		if err != nil {
			return nil, err
		}
		tx.Verifier = v
	}
	return tx, nil
}

// NewVerifier checks new secrets where the command's settings say Azure
// DevOps is.
func NewVerifier(t *cmdutil.TokenCmd, delays []time.Duration) (*Verifier, error) {
	s, err := t.Settings()
	if err != nil {
		return nil, err
	}
	httpClient, err := t.HTTPClient()
	if err != nil {
		return nil, err
	}
	return &Verifier{HTTP: httpClient, DevOpsURL: s.DevOpsURL, Delays: delays, Notify: t.IO.ErrOut}, nil
}
