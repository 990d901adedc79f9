// Package status implements `patctl status`.
package status

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/output"
)

// Options are the inputs of status.
type Options struct {
	IO            *iostreams.IOStreams
	Authenticator func() (*auth.Authenticator, error)
	cmdutil.JSONFlags
	Now     func() time.Time
	Journal func() (*journal.Journal, error)
}

// NewCmdStatus builds the command; runF replaces the run in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Authenticator: f.Authenticator, Now: f.Now, Journal: f.Journal}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show who is signed in and where the login is kept",
		Long: `Show the account, tenant and client id of the login in force, where it is kept, and
when its access token expires (refreshing it first if it has expired, as any command
would), and how many creates and rotations are unfinished (see 'patctl resume').
Exits 4 when not signed in.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	opts.AddJSONFlags(cmd, "the login")
	return cmd
}

// statusJSON is the stable machine form of status.
type statusJSON struct {
	Account  string `json:"account"`
	Tenant   string `json:"tenant"`
	ClientID string `json:"clientId"`
	Storage  string `json:"storage"`
	Location string `json:"location"`
	// LoginFrom is where a login from PATCTL_LOGIN_FROM was loaded from
	// (storage "login-from"), and LoginVersion the version read there.
	LoginFrom    string     `json:"loginFrom,omitempty"`
	LoginVersion string     `json:"loginVersion,omitempty"`
	Authority    string     `json:"authority,omitempty"`
	ExpiresOn    *time.Time `json:"expiresOn,omitempty"` // absent when the token does not say
	// LastRefreshAt is when Entra ID last issued tokens for the login; it
	// expires after about 90 days without that.
	LastRefreshAt *time.Time `json:"lastRefreshAt,omitempty"`
	// Unfinished counts the creates and rotations that `patctl resume` has
	// to finish.
	Unfinished int `json:"unfinished"`
	// Accounts are every account signed in; active is the one shown above.
	Accounts []accountJSON `json:"accounts,omitempty"`
}

type accountJSON struct {
	Account  string `json:"account"`
	Tenant   string `json:"tenant"`
	ClientID string `json:"clientId"`
	Active   bool   `json:"active"`
}

// inactivityLimit is how long Entra ID keeps a refresh token that is not used.
const inactivityLimit = 90 * 24 * time.Hour

// warnAfter is when status starts to warn about it.
const warnAfter = 75 * 24 * time.Hour

func statusRun(ctx context.Context, opts *Options) error {
	a, err := opts.Authenticator()
	if err != nil {
		return err
	}
	st, err := a.CurrentStatus(ctx)
	if err != nil {
		return err
	}
	var out statusJSON
	if !st.ExpiresOn.IsZero() {
		exp := st.ExpiresOn.UTC()
		out.ExpiresOn = &exp
	}
	if st.Source == auth.SourceEnv {
		out.Account, out.Tenant, out.ClientID = st.Claims.Account(), st.Claims.TenantID, st.Claims.AppID
		out.Storage, out.Location = "env", config.EnvToken+" (never stored)"
	} else {
		l := st.Login
		out.Account, out.Tenant, out.ClientID, out.Authority = l.Username, l.TenantID, l.ClientID, l.Authority
		out.Storage, out.Location = l.Storage, a.Store.Location(l.Storage)
		if st.Source == auth.SourceLoginFrom {
			out.LoginFrom, out.LoginVersion = st.LoginFrom, a.Remote.Version()
			out.Location = st.LoginFrom + " (" + config.EnvLoginFrom + "; in memory only, written back when refreshed)"
		}
		for _, acct := range st.All.Accounts {
			out.Accounts = append(out.Accounts, accountJSON{acct.Username, acct.TenantID, acct.ClientID, acct.Key() == l.Key()})
		}
		if !l.LastRefreshAt.IsZero() {
			at := l.LastRefreshAt.UTC()
			out.LastRefreshAt = &at
		}
	}
	if j, err := opts.Journal(); err == nil {
		entries, err := j.Unfinished()
		if err != nil {
			return err
		}
		out.Unfinished = len(entries)
		cmdutil.WarnUnfinished(opts.IO, entries)
	}
	now := opts.Now()
	if out.LastRefreshAt != nil && now.Sub(*out.LastRefreshAt) > warnAfter {
		fmt.Fprintf(opts.IO.ErrOut, "Warning: this login was last refreshed %s; Entra ID lets it lapse after about 90 days without use (%s). Any patctl command that signs in keeps it alive; otherwise run `patctl login`.\n",
			output.Relative(*out.LastRefreshAt, now), output.Relative(out.LastRefreshAt.Add(inactivityLimit), now))
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, out)
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Account:\t%s\n", out.Account)
	if len(out.Accounts) > 1 {
		var others []string
		for _, acct := range out.Accounts {
			if !acct.Active {
				others = append(others, acct.Account)
			}
		}
		fmt.Fprintf(w, "Also signed in:\t%s (pick with --account)\n", strings.Join(others, ", "))
	}
	fmt.Fprintf(w, "Tenant:\t%s\n", out.Tenant)
	fmt.Fprintf(w, "Client id:\t%s\n", out.ClientID)
	if out.Authority != "" {
		fmt.Fprintf(w, "Authority:\t%s\n", out.Authority)
	}
	fmt.Fprintf(w, "Login kept in:\t%s\n", out.Location)
	if out.LastRefreshAt != nil {
		fmt.Fprintf(w, "Last refreshed:\t%s\n", output.Relative(*out.LastRefreshAt, now))
	}
	if out.ExpiresOn != nil {
		fmt.Fprintf(w, "Token expires:\t%s\n", output.Moment(*out.ExpiresOn, true, now))
	} else {
		fmt.Fprintf(w, "Token expires:\tunknown (the token cannot be decoded)\n")
	}
	if out.Unfinished > 0 {
		fmt.Fprintf(w, "Unfinished:\t%d operation(s): run `patctl resume`\n", out.Unfinished)
	}
	return w.Flush()
}
