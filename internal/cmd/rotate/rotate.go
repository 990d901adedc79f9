// Package rotate implements `patctl rotate`.
package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Options are the inputs of rotate.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags
	cmdutil.SecretDelivery

	Selector  cmdutil.Selector
	ValidTo   *time.Time // from --expires; nil keeps the old lifetime
	Grace     time.Duration
	NoVerify  bool
	DryRun    bool
	OrgScoped bool

	// VerifyDelays are the waits between attempts to use the new token.
	VerifyDelays []time.Duration
}

// rotateJSON is the new token plus what became of the old one.
type rotateJSON struct {
	output.TokenJSON
	Replaces     string     `json:"replaces"`
	OldRevoked   bool       `json:"oldRevoked"`
	OldExpiresAt *time.Time `json:"oldExpiresAt,omitempty"`
}

// defaultVerifyDelays: a new token can take a moment to work everywhere.
var defaultVerifyDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// NewCmdRotate builds the command; runF replaces the run in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f), VerifyDelays: defaultVerifyDelays}
	var expires, grace string
	cmd := &cobra.Command{
		Use:   "rotate (--id ID | --name NAME) [--expires WHEN] [--grace DUR]",
		Short: "Replace a personal access token with a new one",
		Long: `Replace a token as one transaction:

 1. read the old token (its name, scopes, reach and lifetime);
 2. create a new one with the same name, scopes and reach, living as long as the old
    one was made to (validTo minus validFrom) counted from now, unless --expires says
    otherwise;
 3. prove the new token works, by calling Azure DevOps with it (--no-verify skips
    this); if it never works, it is revoked and the old one is left as it was;
 4. hand over the new secret (stdout, --output-file or --ci-variable); if that
    fails, the new token is revoked and the old one left as it was;
 5. revoke the old token — or, with --grace, let it live on for that long, renamed
    "NAME (rotated DATE)" so that --name finds only the new one.

If creating the new token fails, nothing has changed. If its answer is lost (or a
gateway error hides it), patctl looks for the token the service may have made anyway,
revokes it (its secret is gone) and says so; it never sends the create again. If the
old token cannot be retired, the new secret is still delivered and patctl exits 7
with the command that finishes the job. With --json, the object is written up to its
"replaces" field before the old token is touched, and the rest once known.`,
		Example: `  patctl rotate --name deploy
  patctl rotate --name ci --grace 24h --output-file ./ci-token
  NEW=$(patctl rotate --name ci --json | jq -r .token)`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(); err != nil {
				return err
			}
			if cmd.Flags().Changed("expires") {
				at, err := cmdutil.ParseExpires(expires, opts.Now())
				if err != nil {
					return err
				}
				opts.ValidTo = &at
			}
			if cmd.Flags().Changed("grace") {
				d, err := cmdutil.ParseDuration("--grace", grace)
				if err != nil {
					return err
				}
				opts.Grace = d
			}
			if err := opts.SecretDelivery.Check(opts.Getenv, &opts.JSONFlags); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime of the new token (30d, 12h) or its expiry date (default: the old token's lifetime)")
	cmd.Flags().StringVar(&grace, "grace", "", "keep the old token alive this much longer (1h, 24h, 7d) instead of revoking it")
	cmd.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "do not check that the new token works before retiring the old one")
	cmd.Flags().BoolVar(&opts.OrgScoped, "org-scoped", false, "make the new token valid in this organization only, even if the old one was global")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would happen, and change nothing (only reads are sent)")
	opts.AddDeliveryFlags(cmd)
	opts.AddJSONFlags(cmd, "the new token, its secret in \"token\",")
	return cmd
}

func rotateRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	old, err := opts.Selector.Resolve(ctx, client)
	if err != nil {
		return err
	}
	now := opts.Now()
	req := patapi.CreateRequest{
		DisplayName: old.DisplayName,
		Scope:       old.Scope,
		ValidTo:     now.Add(cmdutil.DefaultLifetime),
		AllOrgs:     old.AllOrgs() && !opts.OrgScoped,
	}
	if lifetime := old.Lifetime(); lifetime > 0 {
		req.ValidTo = now.Add(lifetime)
	}
	if opts.ValidTo != nil {
		req.ValidTo = *opts.ValidTo
	}
	req.ValidTo = cmdutil.Marked(req.ValidTo)
	oldExpiresAt := graceEnd(old, now, opts.Grace)
	if opts.DryRun {
		verify := !opts.NoVerify
		plan := cmdutil.Plan{Action: "rotate", DisplayName: req.DisplayName, Scope: req.Scope, ValidTo: &req.ValidTo,
			AllOrgs: &req.AllOrgs, Replaces: old.AuthorizationID, OldAction: "revoke", Verify: &verify}
		if oldExpiresAt != nil {
			plan.OldAction, plan.OldExpiresAt = "expire", oldExpiresAt
		}
		return cmdutil.PrintPlan(opts.IO, &opts.JSONFlags, plan)
	}
	if req.AllOrgs {
		cmdutil.WarnGlobal(opts.IO, now)
	}

	// 2. Create. A lost answer is reconciled, never retried.
	fresh, err := client.Create(ctx, req)
	if cmdutil.MayHaveCreated(err) {
		lost := cmdutil.ReconcileLostCreate(ctx, client, req, now, old.AuthorizationID, err)
		return fmt.Errorf("rotate: %w. The old token %s is untouched", lost, old.AuthorizationID)
	}
	if err != nil {
		return fmt.Errorf("rotate: nothing changed, the old token is untouched: %w", err)
	}
	cmdutil.WarnIfClamped(opts.IO, req.ValidTo, fresh)

	// 3. Prove the new token works before the old one goes.
	if !opts.NoVerify {
		if err := opts.verify(ctx, client.Org(), fresh.Token); err != nil {
			return withdraw(ctx, client, fresh, fmt.Errorf("the new token did not work (%w)", err))
		}
	}

	// 4. and 5. Hand over the secret, then retire the old token.
	h := handOver{opts: opts, fresh: fresh, old: old, now: now, plannedExpiry: oldExpiresAt}
	if err := h.deliver(); err != nil {
		return withdraw(ctx, client, fresh, fmt.Errorf("its secret could not be delivered (%w)", err))
	}
	oldErr := h.retire(ctx, client)
	if err := h.report(oldErr); err != nil {
		return fmt.Errorf("rotate: the new token %s is created and its secret was handed over, but the report could not be written: %w", fresh.AuthorizationID, err)
	}
	switch {
	case oldErr != nil && oldExpiresAt != nil:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
			"rotate: the new token is delivered, but the old token %s could not be set to expire at %s: %v\nShorten it with:\n  patctl update --id %s --org %s --expires %s",
			old.AuthorizationID, oldExpiresAt.Format(time.RFC3339), oldErr, old.AuthorizationID, client.Org(), oldExpiresAt.Format(time.RFC3339))}
	case oldErr != nil:
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
			"rotate: the new token is delivered, but the old token %s was not revoked: %v\nRevoke it with:\n  patctl revoke --id %s --org %s --yes",
			old.AuthorizationID, oldErr, old.AuthorizationID, client.Org())}
	}
	return nil
}

// handOver delivers the new secret before the old token is touched, in
// every mode, and reports how the old token fared once that is known.
type handOver struct {
	opts          *Options
	fresh, old    patapi.PatToken
	now           time.Time
	plannedExpiry *time.Time // --grace: when the old token should expire

	oldExpiresAt *time.Time // what the service set
	pending      []byte     // JSON still to write after the old token is retired
	reported     bool
}

// result is the JSON of the rotation, as it stands.
func (h *handOver) result(oldErr error) rotateJSON {
	out := rotateJSON{TokenJSON: output.NewTokenJSON(h.fresh, !h.opts.SecretDelivery.Active()), Replaces: h.old.AuthorizationID}
	if oldErr == nil {
		out.OldRevoked = h.plannedExpiry == nil
		out.OldExpiresAt = h.oldExpiresAt
		if out.OldExpiresAt == nil {
			out.OldExpiresAt = h.plannedExpiry
		}
	}
	return out
}

// replacesKey is where the fields about the old token start in the JSON.
const replacesKey = ",\n  \"replaces\""

func (h *handOver) deliver() error {
	o := h.opts
	tty := o.IO.IsStdoutTTY()
	headline := fmt.Sprintf("Created the new token %q (id %s), valid until %s.",
		h.fresh.DisplayName, h.fresh.AuthorizationID, output.Moment(h.fresh.ValidTo.Time, tty, h.now))
	switch {
	case !o.JSON || o.SecretDelivery.Active():
		// Stdout, a file or a pipeline variable; with --json and a delivery,
		// the JSON (without the secret) can wait for the outcome.
		var j *cmdutil.JSONFlags
		return cmdutil.DeliverSecret(o.IO, h.fresh, headline, j, nil, &o.SecretDelivery)
	case o.JQ == "":
		// Plain JSON: write the object up to the old token's fields now, the
		// rest when they are known.
		full, err := o.Render(h.result(nil))
		if err != nil {
			return err
		}
		cut := bytes.Index(full, []byte(replacesKey))
		if cut < 0 {
			return fmt.Errorf("rotate: unexpected JSON layout")
		}
		if _, err := o.IO.Out.Write(full[:cut]); err != nil {
			return err
		}
		h.pending = full[:cut]
		return nil
	default:
		// --jq: if the result does not depend on the old token's fate (.token,
		// say), print it now; otherwise after. Either way a broken expression
		// is found before anything changes.
		ok, err := o.Render(h.result(nil))
		if err != nil {
			return err
		}
		failed, err := o.Render(h.result(errors.New("x")))
		if err != nil {
			return err
		}
		if bytes.Equal(ok, failed) {
			h.reported = true
			_, err := o.IO.Out.Write(ok)
			return err
		}
		return nil
	}
}

// retire revokes the old token, or with --grace shortens its life and
// renames it, so that --name finds only the new one.
func (h *handOver) retire(ctx context.Context, client *patapi.Client) error {
	if h.plannedExpiry == nil {
		return client.Revoke(ctx, h.old.AuthorizationID)
	}
	name := retiredName(h.old.DisplayName, h.now)
	updated, err := client.Update(ctx, patapi.UpdateRequest{AuthorizationID: h.old.AuthorizationID, DisplayName: &name, ValidTo: h.plannedExpiry})
	if err == nil {
		at := updated.ValidTo.UTC()
		h.oldExpiresAt = &at
	}
	return err
}

// retiredName is the old token's name during its grace period.
func retiredName(name string, now time.Time) string {
	return fmt.Sprintf("%s (rotated %s)", name, now.UTC().Format(time.DateOnly))
}

// report writes what is left to write, once the old token's fate is known.
func (h *handOver) report(oldErr error) error {
	o := h.opts
	switch {
	case h.pending != nil:
		full, err := o.Render(h.result(oldErr))
		if err != nil {
			return err
		}
		_, err = o.IO.Out.Write(full[len(h.pending):])
		return err
	case o.JSON && !h.reported:
		return o.WriteJSON(o.IO.Out, h.result(oldErr))
	case !o.JSON && oldErr == nil && h.oldExpiresAt != nil:
		fmt.Fprintf(o.IO.ErrOut, "The old token (id %s) is renamed %q and stays valid until %s.\n",
			h.old.AuthorizationID, retiredName(h.old.DisplayName, h.now), h.oldExpiresAt.Format(time.RFC3339))
	case !o.JSON && oldErr == nil:
		fmt.Fprintf(o.IO.ErrOut, "Revoked the old token (id %s).\n", h.old.AuthorizationID)
	}
	return nil
}

// graceEnd is when the old token should expire under --grace: now + grace,
// but never later than it would have anyway. nil means revoke it now.
func graceEnd(old patapi.PatToken, now time.Time, grace time.Duration) *time.Time {
	if grace <= 0 {
		return nil
	}
	end := now.Add(grace).UTC()
	if !old.ValidTo.IsZero() && old.ValidTo.Before(end) {
		end = old.ValidTo.UTC()
	}
	return &end
}

// verify calls Azure DevOps with the new token until it works or the
// attempts run out.
func (o *Options) verify(ctx context.Context, org, secret string) error {
	s, err := o.Settings()
	if err != nil {
		return err
	}
	httpClient, err := o.HTTPClient()
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = patapi.VerifyPAT(ctx, httpClient, s.DevOpsURL, org, secret)
		if err == nil || attempt >= len(o.VerifyDelays) || ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(o.IO.ErrOut, "patctl: the new token does not work yet (%v); trying again in %s\n", err, o.VerifyDelays[attempt])
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.VerifyDelays[attempt]):
		}
	}
}

// withdraw revokes a new token that cannot be used, leaving the old one.
func withdraw(ctx context.Context, client *patapi.Client, fresh patapi.PatToken, why error) error {
	if err := client.Revoke(ctx, fresh.AuthorizationID); err != nil {
		return fmt.Errorf("rotate: %w, and revoking the new token %s failed too (%v): revoke it with `patctl revoke --id %s --yes`. The old token is untouched",
			why, fresh.AuthorizationID, err, fresh.AuthorizationID)
	}
	return fmt.Errorf("rotate: %w; the new token was revoked and the old one is untouched", why)
}
