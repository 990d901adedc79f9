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

On a terminal: a table that fits the terminal's width (long names and scopes cut
with "…", ids cut to 8 characters when it is narrow), times as "in 7d" or "3h ago",
a STATUS column (active, expired, revoked) and colours; a table longer than the
terminal goes through the pager ($PATCTL_PAGER, else $PAGER, else less -FRX). An
empty list says so on stderr. Piped: tab-separated lines (name, id, scopes, expiry
in RFC 3339, and with --status all the status last) with no header. --json: an
array of objects, each with its "status" and the "org" it was read in.

--status all lists the active, revoked and expired tokens side by side (three
requests at once), since the service does not say which is which.

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
	several := len(results) > 1
	if len(tokens) == 0 {
		if opts.IO.IsStdoutTTY() {
			fmt.Fprintln(opts.IO.ErrOut, emptyMessage(opts, results))
		}
		return opts.OrgFailures(results, "list")
	}
	global, err := printTable(opts, tokens, several, now)
	if err != nil {
		return err
	}
	if global > 0 && opts.Status != "revoked" {
		verb := "stops"
		if !now.Before(cmdutil.GlobalCutoff) {
			verb = "stopped"
		}
		opts.IO.Warn("%d of these tokens are valid in all organizations; Azure DevOps %s accepting such tokens on %s. Replace one with `patctl rotate --id ID --org-scoped`.",
			global, verb, cmdutil.GlobalCutoff.Format(time.DateOnly))
	}
	return opts.OrgFailures(results, "list")
}

// printTable prints the tokens and returns how many are valid in all
// organizations. Piped: tab-separated fields, whole, with an ORG column
// first whenever several organizations were asked for (whatever answered:
// scripts count on the columns) and a STATUS column last with --status all.
// On a terminal: a table that fits its width, with compact times, STATUS
// always, and colours; through the pager when longer than the terminal.
func printTable(opts *Options, tokens []cmdutil.OrgToken, several bool, now time.Time) (global int, err error) {
	io := opts.IO
	tty := io.IsStdoutTTY()
	if tty && len(tokens)+1 >= io.TerminalHeight() {
		io.StartPager()
		defer io.StopPager()
	}
	header := []string{"NAME", "ID", "SCOPES", "EXPIRES"}
	if several {
		header = append([]string{"ORG"}, header...)
	}
	if tty || opts.Status == "all" {
		header = append(header, "STATUS")
	}
	table := output.NewTable(io.Out, tty, header...)
	cs := io.ColorScheme()
	if tty {
		table.FitTokens(io.TerminalWidth(), cs.Bold, "NAME", "SCOPES", "ORG")
	}
	for _, t := range tokens {
		status := t.StatusAt(now)
		var row []output.Cell
		if several {
			row = append(row, output.Cell{Text: t.Org})
		}
		expires := output.Cell{Text: output.Moment(t.ValidTo.Time, false, now)}
		if t.AllOrgs() {
			global++
		}
		if tty {
			// When it stops working: for a token valid in all organizations,
			// the cutoff if that comes first.
			at, _ := cmdutil.EffectiveExpiry(t.PatToken)
			expires = output.Cell{Text: output.Compact(at, now), Paint: output.ExpiryPaint(cs, at, now)}
			if t.AllOrgs() {
				expires.Text += " (all orgs)"
				if expires.Paint == nil {
					expires.Paint = cs.Yellow
				}
			}
		}
		row = append(row, output.Cell{Text: t.DisplayName}, output.Cell{Text: t.AuthorizationID}, output.Cell{Text: t.Scope}, expires)
		if tty || opts.Status == "all" {
			row = append(row, output.Cell{Text: status, Paint: output.StatusPaint(cs, status)})
		}
		if tty && status == patapi.StatusRevoked {
			// A revoked token is the past: its row dim, but for its status.
			for i := range row[:len(row)-1] {
				row[i].Paint = cs.Dim
			}
		}
		table.AddCells(row...)
	}
	return global, table.Render()
}

// emptyMessage says on a terminal that there is nothing to list, and
// where: "no revoked tokens in fabrikam".
func emptyMessage(opts *Options, results []cmdutil.OrgTokens) string {
	what := "tokens"
	if opts.Status != "all" {
		what = opts.Status + " tokens"
	}
	if opts.Global {
		what += " valid in all organizations"
	}
	if opts.within > 0 {
		what += " expiring within " + opts.Expiring
	}
	var read []string
	for _, r := range results {
		if r.Err == nil {
			read = append(read, r.Org)
		}
	}
	where := ""
	switch {
	case len(read) == 1:
		where = " in " + read[0]
	case len(read) > 1:
		where = fmt.Sprintf(" in %d organizations", len(read))
	}
	return "no " + what + where
}
