// Package logout implements `patctl logout`.
package logout

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/iostreams"
)

// Options are the inputs of a logout.
type Options struct {
	IO            *iostreams.IOStreams
	Authenticator func() (*auth.Authenticator, error)
	cmdutil.JSONFlags
}

// NewCmdLogout builds the command; runF replaces the run in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Authenticator: f.Authenticator}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove the stored login and every secret of it",
		Long: `Remove every signed-in account — or, with --account, that one — from the store.
With no account left, the token cache and its key in the OS keyring go too. Tokens
already handed to other programs stay valid until they expire.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
	opts.AddJSONFlags(cmd, "what was removed")
	return cmd
}

func logoutRun(ctx context.Context, opts *Options) error {
	a, err := opts.Authenticator()
	if err != nil {
		return err
	}
	if a.Settings.Token != "" {
		return cmdutil.FlagErrorf("%v", cmdutil.ErrTokenFromEnv)
	}
	if a.Settings.LoginFrom != "" {
		// The login is elsewhere, and shared: this run does not end it.
		return cmdutil.FlagErrorf("%v", auth.ErrLoginFrom)
	}
	// --account, or the profile's account, names one; else all go.
	account := a.Settings.Account
	login, err := a.Logout(ctx, account)
	wasLoggedIn := !errors.Is(err, credstore.ErrNotLoggedIn)
	if err != nil && wasLoggedIn {
		return fmt.Errorf("logout: %w", err)
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, struct {
			Account   string `json:"account"`
			LoggedOut bool   `json:"loggedOut"`
		}{login.Username, wasLoggedIn})
	}
	switch {
	case !wasLoggedIn:
		fmt.Fprintln(opts.IO.ErrOut, "Not logged in: nothing to remove.")
	case account != "":
		fmt.Fprintf(opts.IO.ErrOut, "Logged out %s.\n", login.Username)
	default:
		fmt.Fprintln(opts.IO.ErrOut, "Logged out every account; the stored login is removed.")
	}
	return nil
}
