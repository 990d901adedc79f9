// Package login implements `patctl login`.
package login

import (
	"context"
	"fmt"
	"regexp"

	"github.com/google/uuid"

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
	cmdutil.JSONFlags
}

// tenantRE accepts a tenant id, a domain, or organizations/common.
var tenantRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$`)

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
plaintext file instead (mode 0600).`,
		Example: `  patctl login
  patctl login --device-code
  patctl login --tenant contoso.onmicrosoft.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("tenant") && !tenantRE.MatchString(opts.Tenant) {
				return cmdutil.FlagErrorf("--tenant: %q is not a tenant id or domain (like contoso.onmicrosoft.com)", opts.Tenant)
			}
			if cmd.Flags().Changed("client-id") {
				if _, err := uuid.Parse(opts.ClientID); err != nil || len(opts.ClientID) != 36 {
					return cmdutil.FlagErrorf("--client-id: %q is not an application id (a GUID)", opts.ClientID)
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
	cmd.Flags().StringVar(&opts.Tenant, "tenant", "", "tenant id or domain to sign in to (default: the tenant of "+config.EnvAuthority+")")
	opts.AddJSONFlags(cmd, "who signed in")
	cmd.Flags().StringVar(&opts.ClientID, "client-id", "", "public client id to sign in with (default: "+config.EnvClientID+" or Azure CLI's)")
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
	if opts.Tenant != "" {
		a.Settings.Authority = config.WithTenant(a.Settings.Authority, opts.Tenant)
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
