package rotation

import (
	"context"
	"fmt"
	"strings"

	"github.com/patctl/patctl/internal/clipboard"
	"github.com/patctl/patctl/internal/output"
)

// showSteps reports whether the transaction shows its steps as they happen:
// asked for (Tx.Steps), with stderr on a terminal. Then the lines that say
// the same at the end (the headline, what became of the old token) are left
// out.
func (t *Tx) showSteps() bool { return t.Steps && t.Collect == nil && t.IO.ShowsSteps() }

// checking shows, while the destinations are checked before anything is
// created, which they are.
func (t *Tx) checking() {
	if t.showSteps() && len(t.Delivery.sinks) > 0 {
		t.IO.StartProgress("Checking " + strings.Join(t.Delivery.plan().To, ", "))
	}
}

// progress shows at a terminal what the transaction does at stage, and what
// it has done — the way aws-vault does: a spinner while a step runs, a line
// "✓ …" once it is done. It only writes on stderr, and changes nothing of
// the transaction: the stage hook calls it before the test's.
func (t *Tx) progress(r *run, stage string) {
	if !t.showSteps() || r.jsonHead != nil && t.IO.IsStdoutTTY() {
		// Written up to the old token's fields, rotate's JSON has a line
		// under way on the same terminal: nothing may break it.
		return
	}
	io := t.IO
	switch stage {
	case StageClaimed:
		if r.old != nil {
			io.StartProgress("Creating the new token")
		} else {
			io.StartProgress(fmt.Sprintf("Creating token %q", r.req.DisplayName))
		}
	case StageCreated:
		io.Step(strings.TrimSuffix(t.headlineFor(r, true), "."))
		io.StopProgress()
	case StageVerifying:
		io.StartProgress("Checking that the new token works")
	case StageDelivering:
		if r.e.Plan.Verify && r.e.Verified {
			io.Step("Verified that the new token works")
		}
		if to := t.Delivery.plan().To; len(to) > 0 {
			io.StartProgress("Writing the secret to " + strings.Join(to, ", "))
		} else {
			io.StopProgress()
		}
	case StageRetiring:
		if r.graceEnd == nil {
			io.StartProgress("Revoking the old token " + r.old.AuthorizationID)
		} else {
			io.StartProgress("Setting the old token " + r.old.AuthorizationID + " to expire")
		}
	case StageRetired:
		switch {
		case r.old == nil || !r.e.Retired:
		case r.oldExpiresAt != nil:
			io.Step(fmt.Sprintf("Renamed the old token (id%s%s) %q; it stays valid until %s",
				output.Glue, r.old.AuthorizationID, RetiredName(r.old.DisplayName, r.e.Started), output.Moment(*r.oldExpiresAt, true, t.Now())))
		default:
			io.Step(fmt.Sprintf("Revoked the old token (id%s%s)", output.Glue, r.old.AuthorizationID))
		}
		io.StopProgress()
	}
}

// copySecret puts the secret on the clipboard (--copy) in place of stdout,
// and says so on stderr, with the warning that it is nowhere else. Through
// the terminal (OSC 52) patctl cannot know that the copy was made: the
// message says what to do when nothing pastes.
func (t *Tx) copySecret(ctx context.Context, r *run) error {
	t.IO.StopProgress()
	c := t.Delivery.clip
	if err := c.Copy(ctx, r.fresh.Token); err != nil {
		return err
	}
	if t.showSteps() {
		t.IO.Step("Copied the secret to the clipboard with " + c.String())
	} else {
		fmt.Fprintf(t.IO.ErrOut, "%s The secret is on the clipboard (%s).\n", t.headline(r), c)
	}
	warning := "This token is shown nowhere else: paste it where it goes now."
	if clipboard.IsTerminal(c) {
		warning += fmt.Sprintf(" If nothing pastes, your terminal does not take OSC 52: replace the token with `patctl rotate --id %s%s`, without --copy.", r.fresh.AuthorizationID, t.Hint)
	}
	t.IO.Warn("%s", warning)
	return nil
}
