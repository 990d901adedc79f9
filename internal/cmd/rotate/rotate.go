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
	cmdutil.JSONFlags
	ValidTo *time.Time // from --expires; nil keeps the old lifetime
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

The new secret is printed as by create, before the old token is revoked (with --json,
the object is printed after, since it says whether the old token was revoked). If
creating the new token fails, nothing has changed — unless its answer was lost, which
patctl says. If revoking the old one fails, the new secret is still printed, and patctl
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
	opts.AddFlags(cmd)
	cmdutil.AddSelectorFlags(cmd, &opts.Selector)
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime of the new token (30d, 12h) or its expiry date (default: the old token's lifetime)")
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
	if patapi.Transport(err) {
		return fmt.Errorf("rotate: the answer to creating the new token was lost (%w): a token named %q may have been created without its secret reaching patctl. The old token is untouched; check with `patctl list --org %s`", err, old.DisplayName, client.Org())
	}
	if err != nil {
		return fmt.Errorf("rotate: nothing changed, the old token is untouched: %w", err)
	}
	cmdutil.WarnIfClamped(opts.IO, validTo, fresh)
	tty := opts.IO.IsStdoutTTY()

	if !opts.JSON {
		// The secret first: the old token is revoked only once the new one
		// has been handed over.
		if err := cmdutil.DeliverSecret(opts.IO, fresh, fmt.Sprintf("Created the new token %q (id %s), valid until %s.",
			fresh.DisplayName, fresh.AuthorizationID, output.Moment(fresh.ValidTo.Time, tty, now)), nil, nil); err != nil {
			return undeliverable(ctx, client, fresh, err)
		}
	}
	revokeErr := client.Revoke(ctx, old.AuthorizationID)
	if opts.JSON {
		// JSON reports what became of the old token, so it is written after
		// the revocation.
		out := rotateJSON{TokenJSON: output.NewTokenJSON(fresh, true), Replaces: old.AuthorizationID, OldRevoked: revokeErr == nil}
		if err := opts.WriteJSON(opts.IO.Out, out); err != nil {
			return fmt.Errorf("rotate: the new token %s was created but its secret could not be written: %w", fresh.AuthorizationID, err)
		}
	}
	if revokeErr != nil {
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitRotateHalf, Err: fmt.Errorf(
			"rotate: the new token is delivered, but the old token %s was not revoked: %v\nRevoke it with:\n  patctl revoke --id %s --org %s --yes",
			old.AuthorizationID, revokeErr, old.AuthorizationID, client.Org())}
	}
	if !opts.JSON {
		fmt.Fprintf(opts.IO.ErrOut, "Revoked the old token (id %s).\n", old.AuthorizationID)
	}
	return nil
}

// undeliverable handles a new token whose secret could not be written: the
// old token stays, and the new one, useless without its secret, is revoked.
func undeliverable(ctx context.Context, client *patapi.Client, fresh patapi.PatToken, writeErr error) error {
	if err := client.Revoke(ctx, fresh.AuthorizationID); err != nil {
		return fmt.Errorf("rotate: the new token's secret could not be written (%v), and revoking the new token %s failed too (%v); the old token is untouched", writeErr, fresh.AuthorizationID, err)
	}
	return fmt.Errorf("rotate: the new token's secret could not be written (%v); the new token was revoked again and the old one is untouched", writeErr)
}
