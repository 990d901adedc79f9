// Package login implements `patctl login`.
package login

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/iostreams"
)

// Options are the inputs of a login.
type Options struct {
	IO              *iostreams.IOStreams
	Getenv          func(string) string
	Authenticator   func() (*auth.Authenticator, error)
	DeviceCode      bool
	InsecureStorage bool
	Tenant          string
	ClientID        string
	Org             string
	cmdutil.JSONFlags
}

// NewCmdLogin builds the command; runF replaces the run in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Getenv: f.Getenv, Authenticator: f.Authenticator}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to Microsoft Entra ID",
		Long: `Sign in to Microsoft Entra ID, so that every later command gets an access token for
Azure DevOps without asking.

By default the sign-in page opens in a browser (the command in $BROWSER, else the
system's); the URL is always printed as well. Where no browser can be used, or with
--device-code, patctl shows a code to enter at a URL on any device instead.

The login is kept in the OS keyring: a key in the keyring, and the token cache
encrypted with it in patctl's config directory. --insecure-storage keeps it in a
plaintext file instead (mode 0600).

'patctl login export' keeps a copy where a scheduled pipeline can load it
($` + config.EnvLoginFrom + `).`,
		Example: `  patctl login
  patctl login --device-code
  patctl login --tenant contoso.onmicrosoft.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("tenant") {
				if err := cmdutil.CheckTenant("--tenant", opts.Tenant); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("client-id") {
				if err := cmdutil.CheckClientID("--client-id", opts.ClientID); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DeviceCode, "device-code", false, "sign in with a device code instead of a browser")
	cmd.Flags().BoolVar(&opts.InsecureStorage, "insecure-storage", false, "keep the login in a plaintext file instead of the OS keyring")
	cmd.Flags().StringVar(&opts.Org, "org", "", "an Azure DevOps organization whose tenant to sign in to (default $"+config.EnvOrg+"); patctl finds the tenant")
	// Known only to a login already made: otherwise nothing is offered.
	_ = cmd.RegisterFlagCompletionFunc("org", cmdutil.NewCompleter(f).Orgs)
	cmd.Flags().StringVar(&opts.Tenant, "tenant", "", "tenant id or domain to sign in to (default: the tenant of "+config.EnvAuthority+")")
	opts.AddJSONFlags(cmd, "who signed in")
	cmd.Flags().StringVar(&opts.ClientID, "client-id", "", "public client id to sign in with (default: "+config.EnvClientID+" or Azure CLI's)")
	cmd.AddCommand(NewCmdExport(f, nil))
	return cmd
}

func loginRun(ctx context.Context, opts *Options) error {
	a, err := opts.Authenticator()
	if err != nil {
		return err
	}
	if a.Settings.Token != "" {
		return cmdutil.FlagErrorf("%v", cmdutil.ErrTokenFromEnv)
	}
	if a.Settings.LoginFrom != "" {
		return cmdutil.FlagErrorf("%v", auth.ErrLoginFrom)
	}
	var org string
	if opts.Org != "" || a.Settings.Org != "" {
		if org, err = cmdutil.ResolveOrg(opts.Org, a.Settings); err != nil {
			return err
		}
	}
	var tenants *auth.TenantCache
	base := a.Settings.Authority
	switch {
	case opts.Tenant != "":
		a.Settings.Authority = config.WithTenant(a.Settings.Authority, opts.Tenant)
	case auth.NeedsDiscovery(a.Settings.Authority) && org != "":
		if tenants, err = discoverTenant(ctx, opts, a, org); err != nil {
			return fmt.Errorf("login: %w", err)
		}
	case config.TenantOf(a.Settings.Authority) == "":
		return cmdutil.FlagErrorf("%s (%s) names no tenant: give --tenant, or --org (or %s) so that patctl finds it", config.EnvAuthority, a.Settings.Authority, config.EnvOrg)
	}
	if opts.ClientID != "" {
		a.Settings.ClientID = opts.ClientID
	}
	lo := auth.LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: opts.DeviceCode}
	if opts.InsecureStorage {
		lo.Storage = credstore.StorageFile
		fmt.Fprintf(opts.IO.ErrOut, "Warning: the login will be kept in a plaintext file under %s, readable by anyone who can read your files.\n", a.Store.Dir())
	}
	if !opts.DeviceCode {
		lo.Browser, lo.BrowserUnavailable = auth.BrowserOpener(a.Settings.Browser, opts.Getenv)
	}
	login, err := a.Login(ctx, lo)
	if err != nil {
		if tenants != nil {
			// The tenant may have changed: find it again next time.
			_ = tenants.Forget(base, org)
		}
		return fmt.Errorf("login: %w", err)
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, struct {
			Account  string `json:"account"`
			Tenant   string `json:"tenant"`
			ClientID string `json:"clientId"`
			Storage  string `json:"storage"`
		}{login.Username, login.TenantID, login.ClientID, login.Storage})
	}
	fmt.Fprintf(opts.IO.ErrOut, "Logged in as %s (tenant %s).\n", login.Username, login.TenantID)
	return nil
}

// discoverTenant sets the authority to the tenant of org: from the cache, or
// found by asking Azure DevOps. It returns the cache, so that a failed
// sign-in can forget the entry.
func discoverTenant(ctx context.Context, opts *Options, a *auth.Authenticator, org string) (*auth.TenantCache, error) {
	base := a.Settings.Authority
	cache := &auth.TenantCache{Path: filepath.Join(a.Settings.ConfigDir, "tenants.json")}
	if authority, ok := cache.Get(base, org); ok {
		a.Settings.Authority = authority
		return cache, nil
	}
	authority, err := auth.DiscoverAuthority(ctx, a.HTTPClient, a.Settings.DevOpsURL, org, base)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Organization %s signs in at %s.\n", org, authority)
	a.Settings.Authority = authority
	if err := cache.Put(base, org, authority); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "Warning: could not remember the tenant of %s: %v\n", org, err)
	}
	return cache, nil
}
