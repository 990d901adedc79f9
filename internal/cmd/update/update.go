// Package update implements `patctl update`.
package update

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of update; nil fields are left as they are.
type Options struct {
	cmdutil.TokenCmd

	Selector cmdutil.Selector
	cmdutil.JSONFlags

	DryRun bool

	Rename  *string
	Scope   *string
	ValidTo *time.Time
	AllOrgs *bool
}

// NewCmdUpdate builds the command; runF replaces the run in tests.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	var rename, expires string
	var scopes []string
	var allOrgs, allowUnknown bool
	cmd := &cobra.Command{
		Use:   "update (NAME | --name NAME | --id ID) [--rename NEW] [--scope SCOPE…] [--expires WHEN] [--all-orgs=true|false]",
		Short: "Change a personal access token's name, scopes, expiry or reach",
		Long:  "Change what is given of a token, and only that. Its secret stays the same.",
		Example: `  patctl update deploy --expires 60d
  patctl update --id 4ab5764f-4193-4f1d-b995-64144880b7d7 --rename deploy-old --all-orgs=false`,
		Args: cmdutil.SelectorArgs(&opts.Selector),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(); err != nil {
				return err
			}
			flags := cmd.Flags()
			if flags.Changed("rename") {
				if strings.TrimSpace(rename) == "" {
					return cmdutil.FlagErrorf("--rename: the new name cannot be empty")
				}
				opts.Rename = &rename
			}
			if flags.Changed("scope") {
				list, err := cmdutil.ScopesFlag(scopes, allowUnknown)
				if err != nil {
					return err
				}
				joined := strings.Join(list, " ")
				opts.Scope = &joined
			}
			if flags.Changed("expires") {
				at, err := cmdutil.ParseExpires(expires, opts.Now())
				if err != nil {
					return err
				}
				opts.ValidTo = &at
			}
			if flags.Changed("all-orgs") {
				opts.AllOrgs = &allOrgs
			}
			if opts.Rename == nil && opts.Scope == nil && opts.ValidTo == nil && opts.AllOrgs == nil {
				return cmdutil.FlagErrorf("nothing to update: give --rename, --scope, --expires or --all-orgs")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	opts.CompleteSelector(cmd)
	cmd.Flags().StringVar(&rename, "rename", "", "new name")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would change, and change nothing")
	cmd.Flags().StringArrayVar(&scopes, "scope", nil, "new scope(s), replacing the old ones (repeatable)")
	cmd.Flags().StringVar(&expires, "expires", "", "new lifetime from now (30d, 12h) or expiry date (2026-12-31)")
	cmd.Flags().BoolVar(&allowUnknown, "allow-unknown-scope", false, "send scopes that are not in patctl's list of documented scopes")
	cmd.Flags().BoolVar(&allOrgs, "all-orgs", false, "valid in all your organizations (true) or this one only (false)")
	opts.AddJSONFlags(cmd, "the updated token")
	_ = cmd.RegisterFlagCompletionFunc("scope", cmdutil.CompleteScopes)
	return cmd
}

func updateRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	if err := opts.Guard(client.Org(), opts.Selector.ID, opts.Selector.Name); err != nil {
		return err
	}
	old, err := opts.Resolve(ctx, client, opts.Selector)
	if err != nil {
		return err
	}
	if err := opts.Guard(client.Org(), old.AuthorizationID, ""); err != nil {
		return err
	}
	if opts.DryRun {
		plan := rotation.Plan{Action: "update", AuthorizationID: old.AuthorizationID, DisplayName: old.DisplayName, ValidTo: opts.ValidTo, AllOrgs: opts.AllOrgs}
		if opts.Rename != nil {
			plan.Rename = *opts.Rename
		}
		if opts.Scope != nil {
			plan.Scope = *opts.Scope
		}
		return rotation.PrintPlan(opts.IO, &opts.JSONFlags, plan)
	}
	if opts.AllOrgs != nil && *opts.AllOrgs {
		cmdutil.WarnGlobal(opts.IO, opts.Now())
	}
	tok, err := client.Update(ctx, patapi.UpdateRequest{
		AuthorizationID: old.AuthorizationID,
		DisplayName:     opts.Rename,
		Scope:           opts.Scope,
		ValidTo:         opts.ValidTo,
		AllOrgs:         opts.AllOrgs,
	})
	if err != nil {
		return err
	}
	if opts.ValidTo != nil {
		rotation.WarnIfClamped(opts.IO, *opts.ValidTo, tok)
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, output.NewTokenJSON(tok, false))
	}
	fmt.Fprintf(opts.IO.ErrOut, "Updated token %q.\n", tok.DisplayName)
	output.TokenDetails(opts.IO.Out, tok, opts.IO.IsStdoutTTY(), opts.Now(), opts.IO.ColorScheme())
	return nil
}
