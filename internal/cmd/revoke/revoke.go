// Package revoke implements `patctl revoke`.
package revoke

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of revoke.
type Options struct {
	cmdutil.TokenCmd

	Selector cmdutil.Selector
	Yes      bool
	DryRun   bool
	cmdutil.JSONFlags
}

// NewCmdRevoke builds the command; runF replaces the run in tests.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "revoke (NAME | --name NAME | --id ID) [--yes]",
		Short: "Revoke a personal access token",
		Long: `Revoke a token: it stops working at once, for good.

On a terminal patctl asks for confirmation; anywhere else --yes is required.`,
		Example: `  patctl revoke deploy
  patctl revoke --id 4ab5764f-4193-4f1d-b995-64144880b7d7 --yes --json`,
		Args: cmdutil.SelectorArgs(&opts.Selector),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(); err != nil {
				return err
			}
			if !opts.Yes && !opts.DryRun && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("--yes is required when patctl cannot ask for confirmation (no terminal)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	opts.CompleteSelector(cmd)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "revoke without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would be revoked, and revoke nothing")
	opts.AddJSONFlags(cmd, "what was revoked")
	return cmd
}

func revokeRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	if err := opts.Guard(client.Org(), opts.Selector.ID, opts.Selector.Name); err != nil {
		return err
	}
	tok, err := opts.Resolve(ctx, client, opts.Selector)
	if err != nil {
		return err
	}
	if err := opts.Guard(client.Org(), tok.AuthorizationID, ""); err != nil {
		return err
	}
	if opts.DryRun {
		return rotation.PrintPlan(opts.IO, &opts.JSONFlags, rotation.Plan{Action: "revoke", AuthorizationID: tok.AuthorizationID, DisplayName: tok.DisplayName})
	}
	if !opts.Yes {
		ok, err := cmdutil.Confirm(ctx, opts.IO, fmt.Sprintf("Revoke token %q (%s), valid until %s?", tok.DisplayName, tok.AuthorizationID, output.Moment(tok.ValidTo.Time, true, opts.Now())))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing revoked.")
			return cmdutil.ErrSilent
		}
	}
	if err := client.Revoke(ctx, tok.AuthorizationID); err != nil {
		return err
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, struct {
			AuthorizationID string `json:"authorizationId"`
			Revoked         bool   `json:"revoked"`
		}{tok.AuthorizationID, true})
	}
	fmt.Fprintf(opts.IO.ErrOut, "Revoked token %q (%s).\n", tok.DisplayName, tok.AuthorizationID)
	return nil
}
