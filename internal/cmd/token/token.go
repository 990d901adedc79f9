// Package token implements `patctl token`.
package token

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/clipboard"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
)

// Options are the inputs of token.
type Options struct {
	IO            *iostreams.IOStreams
	Authenticator func() (*auth.Authenticator, error)
	Show          bool
	Copy          bool
	// Clipboard is where --copy puts the token, found before it is asked for.
	Clipboard clipboard.Clipboard
}

// NewCmdToken builds the command; runF replaces the run in tests.
func NewCmdToken(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Authenticator: f.Authenticator}
	getenv := f.Getenv
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the current Entra access token, for other tools",
		Long: `Print the access token patctl uses for Azure DevOps (refreshing it first if it has
expired), so that other tools can call Azure DevOps as you:

  curl -H "Authorization: Bearer $(patctl token)" https://dev.azure.com/fabrikam/_apis/projects

It is a secret: patctl prints it on a terminal only with --show. --copy puts it on
the clipboard instead, printing nothing.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Copy && opts.Show {
				return cmdutil.FlagErrorf("--copy cannot be used with --show: --copy puts the token on the clipboard, --show prints it; leave out one of them")
			}
			if opts.Copy {
				c, err := clipboard.Find(clipboard.Env{Getenv: getenv, GOOS: runtime.GOOS, LookPath: exec.LookPath, Terminal: opts.IO.TerminalWriter()})
				if err != nil {
					return cmdutil.FlagErrorf("--copy: %v; leave out --copy and pipe the token where it is needed", err)
				}
				opts.Clipboard = c
			} else if opts.IO.IsStdoutTTY() && !opts.Show {
				return cmdutil.FlagErrorf("the token is a secret: patctl prints it on a terminal only with --show (or pipe it where it is needed)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Show, "show", false, "print the token even on a terminal")
	cmd.Flags().BoolVar(&opts.Copy, "copy", false, "put the token on the clipboard instead of printing it")
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
	if opts.Clipboard != nil {
		if err := opts.Clipboard.Copy(ctx, tok.AccessToken); err != nil {
			return fmt.Errorf("copy the token to the clipboard: %w", err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "Copied the access token to the clipboard (%s); it is valid until %s.\n", opts.Clipboard, output.Moment(tok.Expiry, opts.IO.IsStderrTTY(), time.Now()))
		return nil
	}
	_, err = fmt.Fprintln(opts.IO.Out, tok.AccessToken)
	return err
}
