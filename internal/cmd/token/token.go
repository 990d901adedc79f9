// Package token implements `patctl token`.
package token

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

// Options are the inputs of token.
type Options struct {
	IO            *iostreams.IOStreams
	Authenticator func() (*auth.Authenticator, error)
	Show          bool
}

// NewCmdToken builds the command; runF replaces the run in tests.
func NewCmdToken(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Authenticator: f.Authenticator}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the current Entra access token, for other tools",
		Long: `Print the access token patctl uses for Azure DevOps (refreshing it first if it has
expired), so that other tools can call Azure DevOps as you:

  curl -H "Authorization: Bearer $(patctl token)" https://dev.azure.com/fabrikam/_apis/projects

It is a secret: patctl prints it on a terminal only with --show.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.IO.IsStdoutTTY() && !opts.Show {
				return cmdutil.FlagErrorf("the token is a secret: patctl prints it on a terminal only with --show (or pipe it where it is needed)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Show, "show", false, "print the token even on a terminal")
	return cmd
}

func tokenRun(ctx context.Context, opts *Options) error {
	a, err := opts.Authenticator()
	if err != nil {
		return err
	}
	ts, _, err := a.TokenSource(ctx)
	if err != nil {
		return err
	}
	tok, err := ts.Token()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, tok.AccessToken)
	return err
}
