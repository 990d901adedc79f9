// Package apply implements `patctl apply`.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/fleet"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// Options are the inputs of apply.
type Options struct {
	cmdutil.TokenCmd
	cmdutil.JSONFlags
	fleet.Input

	DryRun bool
	// VerifyDelays are the waits between attempts to use a rotated token.
	VerifyDelays []time.Duration
}

// NewCmdApply builds the command; runF replaces the run in tests.
func NewCmdApply(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{TokenCmd: cmdutil.NewTokenCmd(f), VerifyDelays: rotation.DefaultVerifyDelays}
	cmd := &cobra.Command{
		Use:   "apply -f FILE [--parallel N] [--dry-run]",
		Short: "Make your tokens match a file: create, rotate, update and revoke",
		Long: `Plan the file as 'patctl plan' does, then carry the plan out, several entries at
once (--parallel, default 4). Each action is exactly what the single command does:
create and rotate check every destination first, record the operation in the
journal, prove a rotated token works, write its secret to the entry's to: (rotate
with the entry's grace: as --grace), then retire the old token; update changes the
token in place; prune's revokes revoke.

An entry without to: gets its new secret in the report, as create without --to
does: the "token" field with --json. On a terminal, progress goes to stderr.

Exit 0 when every action succeeded; 9 when something is left for 'patctl resume'
(a destination failed after the token was made while another got the secret, say);
1 when anything failed (the other entries are carried out all the same). Right
after an apply, 'patctl plan' shows no change. --dry-run is 'patctl plan'.`,
		Example: `  patctl apply -f fleet.yaml
  patctl apply -f fleet.yaml --json > report.json
  patctl apply -f fleet.yaml --dry-run`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Input.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	opts.TokenCmd.AddFlags(cmd)
	opts.Input.AddFlags(cmd)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the plan, and change nothing (as patctl plan)")
	opts.AddJSONFlags(cmd, "the report (one object per action, with the new secrets that have no to:)")
	return cmd
}

func applyRun(ctx context.Context, opts *Options) error {
	// Actions run at once: each message to stderr is written whole.
	var mu sync.Mutex
	opts.IO = fleet.Locked(opts.IO, &mu)
	f, err := fleet.Load(&opts.TokenCmd, opts.File)
	if err != nil {
		return err
	}
	clients := fleet.NewClients(&opts.TokenCmd)
	actions, err := fleet.PlanFile(ctx, &opts.TokenCmd, f, opts.Parallel, clients)
	if err != nil {
		return err
	}
	if opts.DryRun {
		if err := fleet.PrintPlan(opts.IO, &opts.JSONFlags, actions); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.ErrOut, "Dry run: nothing was changed.")
		return fleet.PlanErrors(actions)
	}

	j, err := opts.Journal()
	if err != nil {
		return err
	}
	recorded, err := j.List()
	if err != nil {
		return err
	}
	cmdutil.WarnUnfinished(opts.IO, recorded)

	ios := opts.IO
	total := 0
	for _, a := range actions {
		if a.Changes() {
			total++
		}
	}
	runner := &fleet.Runner{
		IO:       ios,
		Parallel: opts.Parallel,
		Client: func(org string) *patapi.Client {
			c, _ := clients.For(ctx, org) // made by the plan
			return c
		},
		Tx: func(client *patapi.Client, d *rotation.Delivery, verify bool) (*rotation.Tx, error) {
			var delays []time.Duration
			if verify {
				delays = opts.VerifyDelays
			}
			return rotation.NewTx(&opts.TokenCmd, client, &opts.JSONFlags, d, delays)
		},
		SinkEnv:  rotation.SinkEnv(&opts.TokenCmd),
		Recorded: recorded,
		Now:      opts.Now,
	}
	if opts.IO.IsStderrTTY() && total > 0 {
		done := 0
		runner.Done = func(res fleet.Result) {
			if res.Action == fleet.ActNone || res.Action == fleet.ActError {
				return
			}
			done++
			fmt.Fprintf(ios.ErrOut, "[%d/%d] %s %q in %s: %s\n", done, total, res.Action, res.Name, res.Org, res.Status)
		}
	}
	results := runner.Run(ctx, actions)

	if err := report(opts, results); err != nil {
		// The secrets the report owed stay in the journal: resume hands
		// them over.
		return &cmdutil.ExitCodeError{Code: cmdutil.ExitUnfinished, Err: fmt.Errorf(
			"apply: the report could not be written (%v); the new secrets it carried are kept in the journal: run `patctl resume%s`", err, opts.GlobalHint())}
	}
	outcome := fleet.Outcome(ctx, results)
	if err := fleet.HandOver(ctx, results, opts.Parallel); err != nil {
		code := cmdutil.ExitError
		var coded *cmdutil.ExitCodeError
		if fleet.Unfinished(err) || errors.As(outcome, &coded) && coded.Code == cmdutil.ExitUnfinished {
			code = cmdutil.ExitUnfinished
		}
		return &cmdutil.ExitCodeError{Code: code, Err: errors.Join(outcome, fmt.Errorf("apply: after the report: %w", err))}
	}
	return outcome
}

// report prints the results: JSON, or a table (ACTION NAME ORG STATUS ID
// DETAIL) and the new secrets — framed on a terminal, in a pipe one line
// "token NAME ORG SECRET" each.
func report(opts *Options, results []fleet.Result) error {
	if results == nil {
		results = []fleet.Result{}
	}
	if opts.JSON {
		return opts.WriteJSON(opts.IO.Out, fleet.Report{Actions: results})
	}
	out := opts.IO.Out
	tty := opts.IO.IsStdoutTTY()
	table := output.NewTable(out, tty, "ACTION", "NAME", "ORG", "STATUS", "ID", "DETAIL")
	for _, r := range results {
		detail := r.Error
		if detail == "" && r.Replaces != "" {
			detail = "replaces " + r.Replaces
		}
		table.AddRow(r.Action, r.Name, r.Org, r.Status, r.AuthorizationID, detail)
	}
	if err := table.Render(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Token == "" {
			continue
		}
		if tty {
			fmt.Fprintf(out, "\nThe new secret of %q in %s:\n", r.Name, r.Org)
			output.Secret(out, r.Token, opts.IO.TerminalWidth(), opts.IO.ColorScheme())
			continue
		}
		row := output.NewTable(out, false)
		row.AddRow("token", r.Name, r.Org, r.Token)
		if err := row.Render(); err != nil {
			return err
		}
	}
	return nil
}
