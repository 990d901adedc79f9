// Package list implements `patctl list`.
package list

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Options are the inputs of list.
type Options struct {
	cmdutil.TokenCmd

	Status   string
	Sort     string
	Desc     bool
	Global   bool
	Expiring string // --expiring-within

	within time.Duration
	cmdutil.JSONFlags
	Orgs cmdutil.OrgsFlags
}

var (
	statuses = []string{"active", "expired", "revoked", "all"}
	sorts    = map[string]string{"name": "displayName", "created": "displayDate", "status": "status"}
	sortKeys = []string{"name", "created", "status"} // the keys of sorts, in the order help shows them
)

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your personal access tokens",
		Long: `List your personal access tokens in the organization, every page of them.

On a terminal: an aligned table with readable times. Piped: tab-separated lines
(name, id, scopes, expiry in RFC 3339) with no header. --json: an array of objects,
each with the "org" it was read in.

Several organizations (--org a,b --org c, or --every-org for all of yours) are read
at once, 8 at a time; their tokens follow one another in the order of the
organizations, with an ORG column first. A token valid in all organizations shows
once. An organization that cannot be read is named on stderr with what to do; the
others' tokens are still printed, and list exits 1.`,
		Example: `  patctl list
  patctl list --status all --sort created --desc
  patctl list --json | jq -r '.[].displayName'
  patctl list --org fabrikam,contoso
  patctl list --every-org --expiring-within 14d`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.OneOf("--status", opts.Status, statuses...); err != nil {
				return err
			}
			if err := cmdutil.OneOf("--sort", opts.Sort, sortKeys...); err != nil {
				return err
			}
			org, err := opts.Orgs.Validate()
			if err != nil {
				return err
			}
			opts.Org = org
			if cmd.Flags().Changed("expiring-within") {
				d, err := cmdutil.ParseDuration("--expiring-within", opts.Expiring)
				if err != nil {
					return err
				}
				opts.within = d
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	opts.AddOrgsFlags(cmd, &opts.Orgs)
	opts.AddMaxWaitFlag(cmd)
	cmd.Flags().StringVar(&opts.Status, "status", "active", "which tokens: "+strings.Join(statuses, ", "))
	cmd.Flags().StringVar(&opts.Sort, "sort", "name", "order by name, created or status")
	cmd.Flags().BoolVar(&opts.Desc, "desc", false, "sort in descending order")
	cmd.Flags().BoolVar(&opts.Global, "global", false, "only tokens valid in all organizations (they stop working on "+cmdutil.GlobalCutoff.Format(time.DateOnly)+")")
	cmd.Flags().StringVar(&opts.Expiring, "expiring-within", "", "only tokens that stop working within this time (12h, 14d, 2w)")
	opts.AddJSONFlags(cmd, "the tokens")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(statuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sortKeys, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	results, err := opts.ListOrgs(ctx, opts.Orgs, patapi.ListOptions{Status: opts.Status, Sort: sorts[opts.Sort], Ascending: !opts.Desc})
	if err != nil {
		return err
	}
	if err := cmdutil.FirstFailure(results); err != nil {
		return err
	}
	now := opts.Now()
	tokens := slices.DeleteFunc(cmdutil.MergeOrgs(results), func(t cmdutil.OrgToken) bool {
		if opts.Global && !t.AllOrgs() {
			return true
		}
		if opts.within > 0 {
			at, _ := cmdutil.EffectiveExpiry(t.PatToken)
			return at.After(now.Add(opts.within))
		}
		return false
	})
	if opts.JSON {
		out := make([]output.TokenJSON, 0, len(tokens))
		for _, t := range tokens {
			j := output.NewTokenJSON(t.PatToken, false)
			j.Org = t.Org
			out = append(out, j)
		}
		if err := opts.WriteJSON(opts.IO.Out, out); err != nil {
			return err
		}
		return opts.OrgFailures(results, "list")
	}
	tty := opts.IO.IsStdoutTTY()
	// The ORG column is there whenever several organizations were asked
	// for, whatever answered: scripts count on the columns.
	several := len(results) > 1
	header := []string{"NAME", "ID", "SCOPES", "EXPIRES"}
	if several {
		header = append([]string{"ORG"}, header...)
	}
	table := output.NewTable(opts.IO.Out, tty, header...)
	global := 0
	for _, t := range tokens {
		expires := output.Moment(t.ValidTo.Time, tty, now)
		if t.AllOrgs() {
			global++
			if tty {
				expires += " [all orgs: stops " + cmdutil.GlobalCutoff.Format(time.DateOnly) + "]"
			}
		}
		row := []string{t.DisplayName, t.AuthorizationID, t.Scope, expires}
		if several {
			row = append([]string{t.Org}, row...)
		}
		table.AddRow(row...)
	}
	if err := table.Render(); err != nil {
		return err
	}
	if global > 0 && opts.Status != "revoked" {
		fmt.Fprintf(opts.IO.ErrOut, "Note: %d of these tokens are valid in all organizations; Azure DevOps stops accepting such tokens on %s. Replace one with `patctl rotate --id ID --org-scoped`.\n",
			global, cmdutil.GlobalCutoff.Format(time.DateOnly))
	}
	return opts.OrgFailures(results, "list")
}
