// Package check implements `patctl check`, the expiry gate for scheduled
// pipelines.
package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// Options are the inputs of check.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags

	Within     time.Duration
	WithinText string
	Names      []string
	Orgs       cmdutil.OrgsFlags
}

// report is the JSON of check.
type report struct {
	ExpiringWithin string     `json:"expiringWithin"`
	Deadline       time.Time  `json:"deadline"`
	Checked        int        `json:"checked"`
	OK             bool       `json:"ok"`
	Expiring       []expiring `json:"expiring"`
	Missing        []string   `json:"missing"`
	// NotRead are the organizations that could not be read (stderr says
	// why); check then exits 1.
	NotRead []string `json:"notRead"`
}

type expiring struct {
	output.TokenJSON
	ExpiresAt time.Time `json:"expiresAt"`
	Reason    string    `json:"reason"` // "validTo", or "global" for an all-organizations token past the cutoff
}

// NewCmdCheck builds the command; runF replaces the run in tests.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f)}
	cmd := &cobra.Command{
		Use:   "check --expiring-within DUR [--name NAME…]",
		Short: "Fail (exit 8) when a token expires soon",
		Long: `Check active tokens — all of them, or those named with --name — and exit 8 when any
expires within the given time, so that a scheduled pipeline fails before a token does.
A token valid in all organizations counts as expiring on ` + cmdutil.GlobalCutoff.Format(time.DateOnly) + `, when Azure DevOps
stops accepting such tokens. A --name that matches no active token exits 3; with no
active token at all, nothing is checked and check exits 0.

--json prints a report: expiringWithin, deadline, checked, ok, expiring (the tokens,
each with expiresAt, reason and org) and missing (names without an active token), and
notRead (organizations that could not be read).

Several organizations (--org a,b --org c, or --every-org for all of yours) are checked
together, 8 read at a time: a --name is missing when no organization has it, and a
token valid in all organizations counts once. An organization that cannot be read is
named on stderr with what to do, the others are still checked, and check exits 1
(even if a token expires: the check is incomplete).`,
		Example: `  patctl check --expiring-within 14d
  patctl check --expiring-within 7d --name ci --name deploy --json
  patctl check --expiring-within 14d --every-org`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.WithinText == "" {
				return cmdutil.FlagErrorf("--expiring-within: a duration is required (for example 14d)")
			}
			d, err := cmdutil.ParseDuration("--expiring-within", opts.WithinText)
			if err != nil {
				return err
			}
			opts.Within = d
			org, err := opts.Orgs.Validate()
			if err != nil {
				return err
			}
			opts.Org = org
			for _, n := range opts.Names {
				if n == "" {
					return cmdutil.FlagErrorf("--name: a name cannot be empty")
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	opts.AddOrgsFlags(cmd, &opts.Orgs)
	opts.AddMaxWaitFlag(cmd)
	cmd.Flags().StringVar(&opts.WithinText, "expiring-within", "", "how soon counts as expiring (12h, 14d, 2w)")
	cmd.Flags().StringArrayVar(&opts.Names, "name", nil, "check only tokens with this name (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("name", opts.Complete.TokenNames)
	opts.AddJSONFlags(cmd, "a report")
	return cmd
}

func checkRun(ctx context.Context, opts *Options) error {
	results, err := opts.ListOrgs(ctx, opts.Orgs, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		return err
	}
	if err := cmdutil.FirstFailure(results); err != nil {
		return err
	}
	merged := cmdutil.MergeOrgs(results)
	tokens := make([]patapi.PatToken, len(merged))
	orgOf := map[string]string{}
	for i, t := range merged {
		tokens[i] = t.PatToken
		orgOf[t.AuthorizationID] = t.Org
	}
	now := opts.Now()
	rep := report{ExpiringWithin: opts.WithinText, Deadline: now.Add(opts.Within).UTC(), Expiring: []expiring{}, Missing: []string{}, NotRead: cmdutil.Failed(results)}
	if rep.NotRead == nil {
		rep.NotRead = []string{}
	}
	selected := Select(tokens, opts.Names, &rep.Missing)
	rep.Checked = len(selected)
	for _, t := range selected {
		at, reason := cmdutil.EffectiveExpiry(t)
		if !at.After(rep.Deadline) {
			j := output.NewTokenJSON(t, false)
			j.Org = orgOf[t.AuthorizationID]
			rep.Expiring = append(rep.Expiring, expiring{TokenJSON: j, ExpiresAt: at, Reason: reason})
		}
	}
	rep.OK = len(rep.Expiring) == 0 && len(rep.Missing) == 0 && len(rep.NotRead) == 0
	if opts.JSON {
		if err := opts.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else {
		printReport(opts, rep, now, len(results) > 1)
	}
	if err := opts.OrgFailures(results, "check --expiring-within "+cmdutil.ShellWord(opts.WithinText)); err != nil {
		return err
	}
	var code int
	switch {
	case len(rep.Expiring) > 0:
		code = cmdutil.ExitExpiring
	case len(rep.Missing) > 0:
		code = cmdutil.ExitNotFound
	default:
		return nil
	}
	// Without --json the report has said it all; with it, stderr says why
	// the exit code.
	err = cmdutil.ErrSilent
	if opts.JSON {
		err = errors.New(problems(rep))
	}
	return &cmdutil.ExitCodeError{Code: code, Err: err}
}

// Select keeps the tokens with the given names (all when none), noting the
// names no active token has. A name given twice counts once.
func Select(tokens []patapi.PatToken, names []string, missing *[]string) []patapi.PatToken {
	if len(names) == 0 {
		return tokens
	}
	var out []patapi.PatToken
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			continue
		}
		found := false
		for _, t := range tokens {
			if t.DisplayName == n {
				out = append(out, t)
				found = true
			}
		}
		if !found {
			*missing = append(*missing, n)
		}
	}
	return out
}

// printReport prints the expiring tokens as a table (with an ORG column
// first when several organizations were read) and the rest on stderr, with
// ✓ or ✗ on a terminal.
func printReport(opts *Options, rep report, now time.Time, several bool) {
	io := opts.IO
	tty := io.IsStdoutTTY()
	switch {
	case len(rep.Expiring) > 0:
		io.Fail("%s:", expiringText(rep))
		header := []string{"NAME", "ID", "STOPS WORKING", "WHY"}
		if several {
			header = append([]string{"ORG"}, header...)
		}
		table := output.NewTable(io.Out, tty, header...)
		cs := io.ColorScheme()
		if tty {
			table.FitTokens(io.TerminalWidth(), cs.Bold, "NAME", "ORG", "WHY")
		}
		for _, e := range rep.Expiring {
			why := "expires"
			if e.Reason == "global" {
				why = "all-organizations token"
			}
			stops := output.Cell{Text: output.Moment(e.ExpiresAt, false, now)}
			if tty {
				stops = output.Cell{Text: output.Compact(e.ExpiresAt, now), Paint: output.ExpiryPaint(cs, e.ExpiresAt, now)}
			}
			row := []output.Cell{{Text: e.DisplayName}, {Text: e.AuthorizationID}, stops, {Text: why}}
			if several {
				row = append([]output.Cell{{Text: e.Org}}, row...)
			}
			table.AddCells(row...)
		}
		_ = table.Render()
	case rep.Checked == 1:
		io.Success("The checked token is valid beyond %s.", output.Time(rep.Deadline, io.IsStderrTTY(), now))
	case rep.Checked > 1:
		io.Success("All %d checked tokens are valid beyond %s.", rep.Checked, output.Time(rep.Deadline, io.IsStderrTTY(), now))
	case len(rep.Missing) == 0:
		fmt.Fprintln(io.ErrOut, "There is no active token: nothing was checked.")
	}
	if len(rep.Missing) > 0 {
		io.Fail("No active token is named %s.", orList(rep.Missing))
	}
}

// problems says in a line what made check fail.
func problems(rep report) string {
	var out []string
	if len(rep.Expiring) > 0 {
		out = append(out, expiringText(rep))
	}
	if len(rep.Missing) > 0 {
		out = append(out, "no active token is named "+orList(rep.Missing))
	}
	return strings.Join(out, "; ")
}

func expiringText(rep report) string {
	return fmt.Sprintf("%d of %d checked tokens expire within %s", len(rep.Expiring), rep.Checked, rep.ExpiringWithin)
}

// orList quotes names for a sentence: "a", "a" or "b", "a", "b" or "c".
func orList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}
