// Package get implements `patctl get`.
package get

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
)

// Options are the inputs of get.
type Options struct {
	cmdutil.TokenCmd

	Selector cmdutil.Selector
	cmdutil.JSONFlags
}

// NewCmdGet builds the command; runF replaces the run in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "get (NAME | --name NAME | --id ID)",
		Short: "Show one personal access token",
		Long: `Show one token's name, id, scopes, reach, lifetime and status. The secret is never
shown again after creation.

The status is active, expired or revoked. --name finds active tokens only. --id reads
any token; the service does not say whether it was revoked, so patctl looks for it
among the revoked tokens of its name (a request or two, stopping past the name).`,
		Example: `  patctl get deploy
  patctl get --id 4ab5764f-4193-4f1d-b995-64144880b7d7 --json`,
		Args: cmdutil.SelectorArgs(&opts.Selector),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	opts.CompleteSelector(cmd)
	opts.AddJSONFlags(cmd, "the token")
	return cmd
}

func getRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	tok, err := opts.Resolve(ctx, client, opts.Selector)
	if err != nil {
		return err
	}
	now := opts.Now()
	if tok.Status, err = client.Status(ctx, tok, now); err != nil {
		return fmt.Errorf("tell whether token %s is revoked: %w", tok.AuthorizationID, err)
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, output.NewTokenJSON(tok, false))
	}
	output.TokenDetails(opts.IO.Out, tok, opts.IO.IsStdoutTTY(), now, opts.IO.ColorScheme())
	return nil
}
