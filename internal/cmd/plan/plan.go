// Package plan implements `patctl plan`.
package plan

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/fleet"
)

// Options are the inputs of plan.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags
	fleet.Input

	ExitCode bool
}

// NewCmdPlan builds the command; runF replaces the run in tests.
func NewCmdPlan(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "plan -f FILE [--exit-code]",
		Short: "Show what apply would do to make your tokens match a file",
		Long: `Compare a fleet file — the tokens you want, their scopes, lifetimes and where their
secrets go — with your active tokens, and print one action per entry:

  create   no active token has the name
  rotate   the token expires within rotateBefore, or one of its destinations can be
           seen to hold another token (a Key Vault secret tagged with another id, a
           GitHub secret written before the token was created)
  update   its scopes or allOrgs differ: changed in place, the secret stays
  revoke   prune: an active token whose name has the prefix and no entry declares
  none     nothing to do
  error    several active tokens have the name: the entry is refused, the others go on

The file is checked before anything is sent; each problem is named with its line
(exit 2). Each organization is listed once. Nothing is changed. With --exit-code,
exit 10 when anything would change, 0 when nothing would. Exit 1 when an entry is
in error. See docs/fleet.md for the file.`,
		Example: `  patctl plan -f fleet.yaml
  patctl plan -f fleet.yaml --exit-code || echo "the tokens drifted"
  patctl plan -f fleet.yaml --json | jq '.actions[] | select(.action != "none")'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Input.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	opts.TokenCmd.AddFlags(cmd)
	opts.Input.AddFlags(cmd)
	cmd.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 10 when anything would change (0 when nothing would)")
	opts.AddJSONFlags(cmd, "the actions")
	return cmd
}

func planRun(ctx context.Context, opts *Options) error {
	f, err := fleet.Load(&opts.TokenCmd, opts.File)
	if err != nil {
		return err
	}
	actions, err := fleet.PlanFile(ctx, &opts.TokenCmd, f, opts.Parallel, fleet.NewClients(&opts.TokenCmd))
	if err != nil {
		return err
	}
	if err := fleet.PrintPlan(opts.IO, &opts.JSONFlags, actions); err != nil {
		return err
	}
	if err := fleet.PlanErrors(actions); err != nil {
		return err
	}
	if opts.ExitCode && fleet.Changes(actions) {
		return fleet.ErrChanges
	}
	return nil
}
