// Package resume implements `patctl resume`.
package resume

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of resume.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags
	Abort bool
}

// NewCmdResume builds the command; runF replaces the run in tests.
func NewCmdResume(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "resume [--abort]",
		Short: "Finish, or roll back, creates and rotations that were interrupted",
		Long: `Finish every create and rotate of this login that did not end: patctl records each
one in a journal in its config directory before it asks for a new token, and after
every step.

For each unfinished operation, resume delivers the recorded secret where the
operation was to put it (stdout, --to, --output-file, --ci-variable), checks that it
works if that was not done yet, and retires the old token (or lets it expire at the
end of its --grace). Where the secret cannot be had — the journal keeps none
without a key to seal it with, as with PATCTL_TOKEN — a new token that reached no
one is revoked and the old one kept. A create whose answer never came is looked
for, and the token it made, if any, revoked.

With --abort, each operation is rolled back instead: each new token whose secret
reached no one is revoked, each old token kept.

Exit 0 when everything recorded is finished, 9 when something could not be and
stays recorded (run resume again once the cause is fixed).`,
		Example: `  patctl resume
  patctl resume --abort
  patctl resume --json | jq -r '.operations[] | select(.token) | .token'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return resumeRun(cmd.Context(), opts)
		},
	}
	opts.AddMaxWaitFlag(cmd)
	cmd.Flags().BoolVar(&opts.Abort, "abort", false, "roll back instead: revoke each new token whose secret reached no one, keep each old token")
	opts.AddJSONFlags(cmd, "each operation, its outcome and its sinks (with \"token\" when the secret was owed to stdout)")
	return cmd
}

func resumeRun(ctx context.Context, opts *Options) error {
	j, err := opts.Journal()
	if err != nil {
		return err
	}
	verifier, err := rotation.NewVerifier(&opts.TokenCmd, rotation.DefaultVerifyDelays)
	if err != nil {
		return err
	}
	rs := &rotation.Resumer{
		IO: opts.IO, Journal: j, Owner: opts.Owner(), Verifier: verifier, JSON: &opts.JSONFlags, Now: opts.Now,
		Client: opts.ClientFor, SinkEnv: rotation.SinkEnv(&opts.TokenCmd),
	}
	return rs.Run(ctx, opts.Abort)
}
