package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/sink"
)

// ExportOptions are the inputs of `login export`.
type ExportOptions struct {
	IO            *iostreams.IOStreams
	Getenv        func(string) string
	Authenticator func() (*auth.Authenticator, error)
	HTTPClient    func() (*http.Client, error)
	To            string
	cmdutil.JSONFlags
}

// NewCmdExport builds `login export`; runF replaces the run in tests.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams, Getenv: f.Getenv, Authenticator: f.Authenticator, HTTPClient: f.HTTPClient}
	cmd := &cobra.Command{
		Use:   "export --to URI",
		Short: "Keep the login where a scheduled pipeline can load it",
		Long: `Write the signed-in account's login — its record and its tokens, refresh token
included — to a Key Vault secret, a file or a program, for unattended runs: a pipeline
that sets ` + config.EnvLoginFrom + ` to the same URI loads it from there, keeps it in
memory only, and writes it back whenever a refresh renews it.

What is written is a secret: whoever can read it can act as the account in Azure
DevOps until the login is revoked. It never goes to stdout, the arguments of a program
or the --debug trace. The login is refreshed first if its access token has expired.

--to takes ` + sink.ExportSchemes + ` (the program gets the login on
stdin). A Key Vault is written as the login's account (a token for the vault from the
same sign-in), as the keyvault:// sink of create and rotate is.

The login stays here too, sharing its refresh token with the copy: sign in as a
dedicated account for pipelines, and log it out here once exported.`,
		Example: `  patctl login export --to keyvault://contoso-kv/patctl-login
  patctl login export --to file:/secure/patctl-login.json
  patctl login export --to 'exec:az keyvault secret set --vault-name contoso-kv --name patctl-login --file /dev/stdin --output none'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.To == "" {
				return cmdutil.FlagErrorf("--to is required: %s", sink.ExportSchemes)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "where to write the login: "+sink.ExportSchemes)
	opts.AddJSONFlags(cmd, "what was exported (never the login itself)")
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	a, err := opts.Authenticator()
	if err != nil {
		return err
	}
	switch {
	case a.Settings.Token != "":
		return cmdutil.FlagErrorf("%v", cmdutil.ErrTokenFromEnv)
	case a.Settings.LoginFrom != "":
		return cmdutil.FlagErrorf("%v", auth.ErrLoginFrom)
	}
	env := sink.Env{Stderr: opts.IO.ErrOut, Getenv: opts.Getenv, HTTP: opts.HTTPClient,
		AzureCredential: sink.AzureCredential(opts.Authenticator, opts.HTTPClient, opts.Getenv)}
	s, err := sink.ParseExport(opts.To, env)
	if err != nil {
		return err
	}
	// Before anything is read or refreshed: the destination takes it.
	if err := s.Preflight(ctx); err != nil {
		return withKind(fmt.Errorf("login export: --to %w", err))
	}
	login, data, err := a.Export(ctx)
	if err != nil {
		return fmt.Errorf("login export: %w", err)
	}
	version, err := s.Write(ctx, sink.LoginSecret(data))
	if err != nil {
		return withKind(fmt.Errorf("login export: %w", err))
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, struct {
			Account  string `json:"account"`
			Tenant   string `json:"tenant"`
			ClientID string `json:"clientId"`
			To       string `json:"to"`
			Version  string `json:"version,omitempty"`
		}{login.Username, login.TenantID, login.ClientID, s.String(), version})
	}
	fmt.Fprintf(opts.IO.ErrOut, "Exported the login of %s (tenant %s) to %s.\n", login.Username, login.TenantID, s)
	if !strings.HasPrefix(s.String(), "exec:") {
		fmt.Fprintf(opts.IO.ErrOut, "Load it with %s=%s. ", config.EnvLoginFrom, s)
	}
	fmt.Fprintf(opts.IO.ErrOut, "It is a secret: whoever can read it can act as %s.\n", login.Username)
	return nil
}

// withKind keeps the exit code of a sink's failure of a known kind (4 sign
// in, 6 refused, 3 not found).
func withKind(err error) error {
	var kind interface{ ExitCode() int }
	if errors.As(err, &kind) {
		return &cmdutil.ExitCodeError{Code: kind.ExitCode(), Err: err}
	}
	return err
}
