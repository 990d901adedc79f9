// Package create implements `patctl create`.
package create

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of create.
type Options struct {
	cmdutil.TokenCmd

	Name    string
	Scopes  []string
	Expires string
	AllOrgs bool
	cmdutil.JSONFlags

	AllowUnknownScope bool
	// AllowDuplicate lets the name be one an active token already has.
	AllowDuplicate bool
	DryRun         bool
	Delivery       rotation.Delivery

	validTo time.Time
}

// NewCmdCreate builds the command; runF replaces the run in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "create --name NAME --scope SCOPE [--scope SCOPE…] [--expires WHEN] [--all-orgs]",
		Short: "Create a personal access token",
		Long: `Create a personal access token and print its secret — the only time the service
ever shows it.

Into a pipe, stdout gets the bare secret; on a terminal it is framed with a warning
(bare on a line of its own where the frame would not fit); with --json it is the
"token" field; --copy puts it on the clipboard instead of printing it. --scope takes one scope or a list separated by
spaces or commas, and may be repeated. --expires takes a duration (30d, 12h, 2w, 6mo,
1y) or a date (2026-12-31, meaning the end of that day in UTC, or RFC 3339); the
default is 30 days. The token is valid in this organization only unless --all-orgs.

A name that an active token already has is refused (exit 2), as --name could then no
longer tell them apart: rotate that token instead, or pass --allow-duplicate.

Where the secret goes is checked before the token is made; a token whose secret
reaches no one is revoked. The create is recorded in a journal until its secret is
delivered: if patctl is stopped in between, 'patctl resume' finishes or undoes it.`,
		Example: `  patctl create --name deploy --scope vso.code --expires 90d
  patctl create --name ci --scope "vso.build vso.code_write" --json | jq -r .token`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(opts.Name) == "" {
				return cmdutil.FlagErrorf("--name: a name is required")
			}
			scopes, err := cmdutil.ScopesFlag(opts.Scopes, opts.AllowUnknownScope)
			if err != nil {
				return err
			}
			opts.Scopes = scopes
			if opts.validTo, err = cmdutil.ParseExpires(opts.Expires, opts.Now()); err != nil {
				return err
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
			return createRun(cmd.Context(), opts)
		},
	}
	opts.AddFlags(cmd)
	cmd.Flags().StringVar(&opts.Name, "name", "", "the token's name (required)")
	cmd.Flags().StringArrayVar(&opts.Scopes, "scope", nil, "scope(s) of the token, e.g. vso.code (required; repeatable)")
	cmd.Flags().StringVar(&opts.Expires, "expires", "30d", "lifetime (30d, 12h, 2w) or expiry date (2026-12-31)")
	cmd.Flags().BoolVar(&opts.AllOrgs, "all-orgs", false, "make the token valid in all your organizations")
	opts.Delivery.AddFlags(cmd)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would be created, and create nothing")
	cmd.Flags().BoolVar(&opts.AllowUnknownScope, "allow-unknown-scope", false, "send scopes that are not in patctl's list of documented scopes")
	cmd.Flags().BoolVar(&opts.AllowDuplicate, "allow-duplicate", false, "create the token even if an active token already has the name")
	opts.AddJSONFlags(cmd, "the new token, its secret in \"token\",")
	_ = cmd.RegisterFlagCompletionFunc("scope", cmdutil.CompleteScopes)
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	client, err := opts.Client(ctx)
	if err != nil {
		return err
	}
	req := patapi.CreateRequest{
		DisplayName: opts.Name,
		Scope:       strings.Join(opts.Scopes, " "),
		ValidTo:     opts.validTo,
		AllOrgs:     opts.AllOrgs,
	}
	// A name an active token has is refused once the rest is known to be
	// fine (a bad --output-file is a usage error that sends nothing).
	duplicate := func(ctx context.Context) error {
		if opts.AllowDuplicate {
			return nil
		}
		return refuseDuplicate(ctx, client, opts.Name, opts.Hint(client.Org()))
	}
	if opts.AllOrgs {
		cmdutil.WarnGlobal(opts.IO, opts.Now())
	}
	if opts.DryRun {
		to, err := opts.Delivery.DryRun(ctx, opts.IO.Out)
		if err != nil {
			return err
		}
		if err := duplicate(ctx); err != nil {
			return err
		}
		return rotation.PrintPlan(opts.IO, &opts.JSONFlags, rotation.Plan{
			Action: "create", DisplayName: req.DisplayName, Scope: req.Scope, ValidTo: &req.ValidTo, AllOrgs: &req.AllOrgs, To: to,
		})
	}
	if err := opts.Guard(client.Org(), "", ""); err != nil {
		return err
	}
	tx, err := rotation.NewTx(&opts.TokenCmd, client, &opts.JSONFlags, &opts.Delivery, nil)
	if err != nil {
		return err
	}
	tx.BeforeCreate = duplicate
	tx.Steps = true // at a terminal, each step as it happens
	return tx.Create(ctx, req)
}

// refuseDuplicate refuses a name that an active token already has: a second
// one would make every later --name ambiguous (exit 5). Only create asks;
// a rotation makes its new token under the old one's name on purpose. The
// look-up stops paging once past the name.
func refuseDuplicate(ctx context.Context, client *patapi.Client, name, hint string) error {
	same, err := client.FindByName(ctx, "active", name)
	if err != nil {
		return err
	}
	if len(same) == 0 {
		return nil
	}
	heading := fmt.Sprintf("--name: an active token is already named %q in %s: rotate it (patctl rotate %s%s), pick another name, or pass --allow-duplicate:",
		name, client.Org(), cmdutil.ShellWord(name), hint)
	return &cmdutil.FlagError{Err: errors.New(cmdutil.Candidates(heading, same, time.Now()))}
}
