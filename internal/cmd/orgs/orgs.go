// Package orgs implements `patctl orgs`.
package orgs

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Options are the inputs of orgs.
type Options struct {
	IO       *iostreams.IOStreams
	Settings func() (config.Settings, error)
	Accounts func(context.Context) (*patapi.AccountsClient, error)
	Now      func() time.Time
	MaxWait  time.Duration
	cmdutil.JSONFlags
}

// orgJSON is the stable JSON form of an organization.
type orgJSON struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	URL  string `json:"url"`
}

// NewCmdOrgs builds the command; runF replaces the run in tests.
func NewCmdOrgs(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Settings: f.Settings, Accounts: f.AccountsClient, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "orgs",
		Short: "List the organizations you belong to",
		Long: `List the Azure DevOps organizations the signed-in user belongs to, by name, as Azure
DevOps' Profile and Accounts APIs give them (at $` + config.EnvVSSPSAppURL + `). These are what
'patctl list --every-org' and 'patctl check --every-org' read.

On a terminal: a table of name, id and URL. Piped: the same, tab-separated, with no
header. --json: an array of {"name", "id", "url"}; url is the organization's address
(https://dev.azure.com/NAME, under $` + config.EnvDevOpsURL + `).`,
		Example: `  patctl orgs
  patctl orgs --json | jq -r '.[].name'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.MaxWait < 0 {
				return cmdutil.FlagErrorf("--max-wait: %s is negative", opts.MaxWait)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return orgsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.MaxWait, "max-wait", patapi.DefaultMaxWait, "how long to keep retrying reads the service asks to retry (0: never)")
	opts.AddJSONFlags(cmd, "the organizations")
	return cmd
}

func orgsRun(ctx context.Context, opts *Options) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	client, err := opts.Accounts(ctx)
	if err != nil {
		return err
	}
	if opts.MaxWait > 0 {
		client.Retry = patapi.RetryPolicy{Deadline: opts.Now().Add(opts.MaxWait), Notify: func(msg string) {
			fmt.Fprintln(opts.IO.ErrOut, "patctl: "+msg)
		}}
	}
	list, err := client.MyOrganizations(ctx)
	if err != nil {
		return err
	}
	out := make([]orgJSON, len(list))
	for i, o := range list {
		out[i] = orgJSON{Name: o.Name, ID: o.ID, URL: s.DevOpsURL + "/" + url.PathEscape(o.Name)}
	}
	if len(out) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "Azure DevOps lists no organization of yours (a service principal belongs to none).")
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, out)
	}
	table := output.NewTable(opts.IO.Out, opts.IO.IsStdoutTTY(), "NAME", "ID", "URL")
	for _, o := range out {
		table.AddRow(o.Name, o.ID, o.URL)
	}
	return table.Render()
}
