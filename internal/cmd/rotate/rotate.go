// Package rotate implements `patctl rotate`.
package rotate

import (
	"context"
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

	Selector cmdutil.Selector
	JSON     bool
	ValidTo  *time.Time // from --expires; nil keeps the old lifetime
}

// rotateJSON is the new token plus what became of the old one.
type rotateJSON struct {
	output.TokenJSON
	Replaces   string `json:"replaces"`
	OldRevoked bool   `json:"oldRevoked"`
}

// NewCmdRotate builds the command; runF replaces the run in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	var expires string
	cmd := &cobra.Command{
		Use:   "rotate (--id ID | --name NAME) [--expires WHEN]",
		Short: "Replace a personal access token with a new one",
		Long: `Replace a token: read the old one, create a new one with the same name, scopes and
reach, then revoke the old one. The new token lives as long as the old one was made to
(its validTo minus validFrom), counted from now, unless --expires says otherwise.

The new secret is printed as by create. If creating the new token fails, nothing has
changed. If revoking the old one fails, the new secret is still printed, and patctl
exits 7 with the command that revokes the old token.`,
		Example: `  patctl rotate --name deploy
  NEW=$(patctl rotate --name ci --json | jq -r .token)`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(); err != nil {
				return err
			}
			if cmd.Flags().Changed("expires") {
				at, err := cmdutil.ParseExpires(expires, opts.Now())
				if err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				opts.ValidTo = &at
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOrgFlag(cmd, &opts.Org)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime of the new token (30d, 12h) or its expiry date (default: the old token's lifetime)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON, with the secret in \"token\"")
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
	validTo := now.Add(cmdutil.DefaultLifetime)
	if lifetime := old.Lifetime(); lifetime > 0 {
		validTo = now.Add(lifetime)
	}
	if opts.ValidTo != nil {
		validTo = *opts.ValidTo
	}
	fresh, err := client.Create(ctx, patapi.CreateRequest{
		DisplayName: old.DisplayName,
		Scope:       old.Scope,
		ValidTo:     validTo,
		AllOrgs:     old.AllOrgs(),
	})
	if err != nil {
		return fmt.Errorf("rotate: nothing changed, the old token is untouched: %w", err)
	}
	cmdutil.WarnIfClamped(opts.IO, validTo, fresh)

	revokeErr := client.Revoke(ctx, old.AuthorizationID)
	out := rotateJSON{TokenJSON: output.NewTokenJSON(fresh, true), Replaces: old.AuthorizationID, OldRevoked: revokeErr == nil}
	headline := fmt.Sprintf("Rotated token %q: new id %s, valid until %s; old id %s revoked.",
		fresh.DisplayName, fresh.AuthorizationID, output.Moment(fresh.ValidTo.Time, opts.IO.IsStdoutTTY(), now), old.AuthorizationID)
	if revokeErr != nil {
		headline = fmt.Sprintf("Created the new token %q (id %s), but the old one (id %s) is still active.",
			fresh.DisplayName, fresh.AuthorizationID, old.AuthorizationID)
	}
	// The secret first: whatever happened to the old token, the new one must
	// not be lost.
	if err := cmdutil.DeliverSecret(opts.IO, fresh, headline, opts.JSON, out); err != nil {
		return err
	}
	if revokeErr != nil {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
			"rotate: the old token was not revoked: %v\nRevoke it with:\n  patctl revoke --id %s --org %s --yes", revokeErr, old.AuthorizationID, client.Org())}
	}
	return nil
}
