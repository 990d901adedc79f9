// Package rotate implements `patctl rotate`.
package rotate

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of rotate.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags
	Delivery rotation.Delivery

	Selector  cmdutil.Selector
	ValidTo   *time.Time // from --expires; nil keeps the old lifetime
	Grace     time.Duration
	NoVerify  bool
	DryRun    bool
	OrgScoped bool

	// VerifyDelays are the waits between attempts to use the new token.
	VerifyDelays []time.Duration
}

// NewCmdRotate builds the command; runF replaces the run in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f), VerifyDelays: rotation.DefaultVerifyDelays}
	var expires, grace string
	cmd := &cobra.Command{
		Use:   "rotate (NAME | --name NAME | --id ID) [--expires WHEN] [--grace DUR]",
		Short: "Replace a personal access token with a new one",
		Long: `Replace a token as one transaction:

 1. check that the secret can be delivered (the --output-file directory takes a
    file, $GITHUB_OUTPUT opens, stdout is open) and read the old token (its name,
    scopes, reach and lifetime);
 2. create a new one with the same name, scopes and reach, living as long as the old
    one was made to (validTo minus validFrom) counted from now, unless --expires says
    otherwise;
 3. prove the new token works, by calling Azure DevOps with it (--no-verify skips
    this); if it never works, it is revoked and the old one is left as it was;
 4. hand over the new secret (stdout, --to, --output-file, --ci-variable, or the
    clipboard with --copy); if it reaches no one, the new token is revoked and the
    old one left as it was;
 5. revoke the old token — or, with --grace, let it live on for that long, renamed
    "NAME (rotated DATE)" so that --name finds only the new one.

Once the new token is created, and beside steps 3 to 5, the name is listed again:
patctl warns if another rotation elsewhere left a second new token.

Each step is recorded in a journal in patctl's config directory, the new secret
sealed with the login's key, until the rotation ends. Interrupted (Ctrl-C, SIGTERM,
a kill), it exits 9 when something is left, and 'patctl resume' finishes the job or
rolls it back; meanwhile commands that would touch either token exit 9. A second
rotation of the same token on this machine refuses (exit 9).

If creating the new token fails, nothing has changed. If its answer is lost (or a
gateway error hides it), patctl looks for the token the service may have made anyway,
revokes it (its secret is gone) and says so; it never sends the create again. If the
old token cannot be retired, the new secret is still delivered and patctl exits 7
with the command that finishes the job. A revoked token cannot be rotated (exit 3);
an expired one is replaced, with nothing to retire. With --json, the object is
written up to its "replaces" field before the old token is touched, and the rest
once known.`,
		Example: `  patctl rotate deploy
  patctl rotate --name ci --grace 24h --output-file ./ci-token
  NEW=$(patctl rotate --name ci --json | jq -r .token)`,
		Args: cmdutil.SelectorArgs(&opts.Selector),
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
			if err := opts.Delivery.Check(rotation.SinkEnv(&opts.TokenCmd), &opts.JSONFlags); err != nil {
				return err
			}
			if err := opts.Delivery.FindClipboard(rotation.ClipboardEnv(&opts.TokenCmd)); err != nil {
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
	opts.CompleteSelector(cmd)
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime of the new token (30d, 12h) or its expiry date (default: the old token's lifetime)")
	cmd.Flags().StringVar(&grace, "grace", "", "keep the old token alive this much longer (1h, 24h, 7d) instead of revoking it")
	cmd.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "do not check that the new token works before retiring the old one")
	cmd.Flags().BoolVar(&opts.OrgScoped, "org-scoped", false, "make the new token valid in this organization only, even if the old one was global")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would happen, and change nothing (only reads are sent)")
	opts.Delivery.AddFlags(cmd)
	opts.AddJSONFlags(cmd, "the new token, its secret in \"token\",")
	return cmd
}

func rotateRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	now := opts.Now()
	// build makes the new token's request from the old token, and says when
	// the old one should expire under --grace (nil: revoke it).
	build := func(old patapi.PatToken) (patapi.CreateRequest, *time.Time) {
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
		return req, rotation.GraceEnd(old, now, opts.Grace)
	}
	hint := opts.Hint(client.Org())
	if opts.DryRun {
		old, expired, err := rotation.Resolve(ctx, client, opts.Selector, hint)
		if err != nil {
			return err
		}
		to, err := opts.Delivery.DryRun(ctx, opts.IO.Out)
		if err != nil {
			return err
		}
		req, oldExpiresAt := build(old)
		verify := !opts.NoVerify
		plan := rotation.Plan{Action: "rotate", DisplayName: req.DisplayName, Scope: req.Scope, ValidTo: &req.ValidTo,
			AllOrgs: &req.AllOrgs, Replaces: old.AuthorizationID, OldAction: "revoke", Verify: &verify, To: to}
		switch {
		case expired:
			plan.OldAction = "none"
		case oldExpiresAt != nil:
			plan.OldAction, plan.OldExpiresAt = "expire", oldExpiresAt
		}
		return rotation.PrintPlan(opts.IO, &opts.JSONFlags, plan)
	}
	delays := opts.VerifyDelays
	if opts.NoVerify {
		delays = nil
	}
	tx, err := rotation.NewTx(&opts.TokenCmd, client, &opts.JSONFlags, &opts.Delivery, delays)
	if err != nil {
		return err
	}
	if err := opts.Guard(client.Org(), opts.Selector.ID, opts.Selector.Name); err != nil {
		return err
	}
	tx.Steps = true // at a terminal, each step as it happens
	return tx.Rotate(ctx, opts.Selector, build)
}
