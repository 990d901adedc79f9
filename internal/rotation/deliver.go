package rotation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/clipboard"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/regexpx"
	"github.com/patctl/patctl/internal/sink"
)

// Delivery is where create and rotate put a new secret: stdout, sinks
// (--to, and --output-file, the short form of --to file:PATH), or a
// pipeline's secret variable (--ci-variable) in Azure Pipelines or GitHub
// Actions.
type Delivery struct {
	To         []string
	OutputFile string
	CIVariable string
	// Label names where the sinks came from in messages: "--to" when empty;
	// apply's "to:".
	Label string
	// Parsed are sinks of To parsed already, by URI (apply's file): Check
	// takes them rather than parsing their URIs again, so that what was
	// learnt of them (a client, a challenge answered) serves the write.
	Parsed map[string]sink.Sink
	// Copy (--copy) puts the secret on the clipboard instead of stdout;
	// FindClipboard finds it.
	Copy bool

	clip       clipboard.Clipboard
	sinks      []sink.Sink
	stdout     bool   // --to - among sinks
	ci         string // "azure" or "github", found by Check
	githubFile string // $GITHUB_OUTPUT
}

// AddFlags adds --to, --output-file and --ci-variable.
func (d *Delivery) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&d.To, "to", nil, "write the secret to this `URI` instead of stdout (repeatable): "+sink.Schemes())
	cmd.Flags().StringVar(&d.OutputFile, "output-file", "", "write the secret to this `file` (mode 0600, atomically) instead of stdout; short for --to file:FILE")
	cmd.Flags().StringVar(&d.CIVariable, "ci-variable", "", "set the secret as this secret pipeline `variable` (Azure Pipelines, GitHub Actions) instead of printing it")
	cmd.Flags().BoolVar(&d.Copy, "copy", false, "put the secret on the clipboard instead of printing it (pbcopy, clip.exe, wl-copy, xclip, xsel; the terminal's with OSC 52 over SSH)")
}

var ciVariableRE = regexpx.Lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check validates the flags as soon as they are parsed, without I/O: every
// URI must be one patctl can use, and the CI system must be known.
func (d *Delivery) Check(env sink.Env, j *cmdutil.JSONFlags) error {
	if err := d.checkCopy(j); err != nil {
		return err
	}
	if d.CIVariable != "" {
		if !ciVariableRE().MatchString(d.CIVariable) {
			return cmdutil.FlagErrorf("--ci-variable: %q is not a variable name (letters, digits and underscores)", d.CIVariable)
		}
		if j != nil && j.JSON {
			return cmdutil.FlagErrorf("--ci-variable cannot be used with --json or --jq: the pipeline reads its commands from stdout")
		}
		switch {
		case strings.EqualFold(env.Getenv("TF_BUILD"), "true"):
			d.ci = "azure"
		case env.Getenv("GITHUB_ACTIONS") == "true":
			d.ci = "github"
			if d.githubFile = env.Getenv("GITHUB_OUTPUT"); d.githubFile == "" {
				return cmdutil.FlagErrorf("--ci-variable: GITHUB_OUTPUT is not set, so GitHub Actions cannot receive the variable")
			}
		default:
			return cmdutil.FlagErrorf("--ci-variable: not running in Azure Pipelines (TF_BUILD=True) or GitHub Actions (GITHUB_ACTIONS=true); use --output-file or stdout")
		}
	}
	d.sinks = nil
	if d.OutputFile != "" {
		s, err := sink.File(d.OutputFile)
		if err != nil {
			return cmdutil.FlagErrorf("--output-file: %v", err)
		}
		d.sinks = append(d.sinks, s)
	}
	for _, uri := range d.To {
		if uri == sink.Stdout {
			d.stdout = true
			continue
		}
		s, ok := d.Parsed[uri]
		if !ok {
			var err error
			if s, err = sink.Parse(uri, env); err != nil {
				return err
			}
		}
		if slices.ContainsFunc(d.sinks, func(o sink.Sink) bool { return o.String() == s.String() }) {
			return cmdutil.FlagErrorf("--to %s: given twice", uri)
		}
		d.sinks = append(d.sinks, s)
	}
	if d.stdout && d.CIVariable != "" {
		return cmdutil.FlagErrorf("--to - cannot be used with --ci-variable: the pipeline reads its commands from stdout")
	}
	return nil
}

// checkCopy refuses --copy beside a flag that sends the secret elsewhere:
// --copy takes the place of stdout, where the secret would go otherwise.
func (d *Delivery) checkCopy(j *cmdutil.JSONFlags) error {
	if !d.Copy {
		return nil
	}
	other := ""
	switch {
	case j != nil && j.JQ != "":
		other = "--jq"
	case j != nil && j.JSON:
		other = "--json"
	case len(d.To) > 0:
		other = "--to"
	case d.OutputFile != "":
		other = "--output-file"
	case d.CIVariable != "":
		other = "--ci-variable"
	}
	switch other {
	case "":
		return nil
	case "--json", "--jq":
		return cmdutil.FlagErrorf("--copy cannot be used with %s: the JSON carries the secret (its \"token\"); leave out one of them", other)
	}
	return cmdutil.FlagErrorf("--copy cannot be used with %s: the secret goes either to the clipboard or where %s says; leave out one of them", other, other)
}

// FindClipboard finds, with --copy, the clipboard the secret will go to:
// before anything is created, so that a clipboard that cannot be reached
// stops the command with exit 2 and nothing made.
func (d *Delivery) FindClipboard(env clipboard.Env) error {
	if !d.Copy {
		return nil
	}
	c, err := clipboard.Find(env)
	if err != nil {
		return cmdutil.FlagErrorf("--copy: %v. Nothing was created: leave out --copy to print the secret, or pipe it to a clipboard tool", err)
	}
	d.clip = c
	return nil
}

// ClipboardEnv is where a token command looks for the clipboard.
func ClipboardEnv(t *cmdutil.TokenCmd) clipboard.Env {
	return clipboard.Env{Getenv: t.Getenv, GOOS: runtime.GOOS, LookPath: exec.LookPath, Terminal: t.IO.TerminalWriter()}
}

// SinkEnv is what sinks take from a token command.
func SinkEnv(t *cmdutil.TokenCmd) sink.Env {
	env := sink.Env{Stderr: t.IO.ErrOut, Getenv: t.Getenv, HTTP: t.HTTPClient, DevOps: func(ctx context.Context) (sink.DevOps, error) {
		s, err := t.Settings()
		if err != nil {
			return sink.DevOps{}, err
		}
		client, err := t.BearerClient(ctx)
		org, _ := cmdutil.ResolveOrg(t.Org, s) // none (resume): the journal's
		return sink.DevOps{HTTP: client, BaseURL: s.DevOpsURL, Org: org}, err
	}}
	if t.Authenticator != nil {
		env.AzureCredential = sink.AzureCredential(t.Authenticator, t.HTTPClient, t.Getenv)
	}
	return env
}

// Active reports whether the secret goes somewhere other than stdout.
func (d *Delivery) Active() bool { return d != nil && (len(d.sinks) > 0 || d.CIVariable != "") }

// plan is the journal's record of where the secret goes.
func (d *Delivery) plan() journal.Plan {
	p := journal.Plan{Stdout: !d.Active() || d.stdout, CIVariable: d.CIVariable, CI: d.ci, GitHubOutput: d.githubFile}
	for _, s := range d.sinks {
		p.To = append(p.To, s.String())
	}
	return p
}

// Preflight checks, before anything is created, that every channel can take
// the secret — every sink concurrently, $GITHUB_OUTPUT opens, stdout is open
// — and names the one that cannot. A sink's failure keeps its kind (a
// sign-in needed, a refusal); anything else is a usage error.
func (d *Delivery) Preflight(ctx context.Context, stdout io.Writer) error {
	p := d.plan()
	errs := make([]error, len(d.sinks))
	var wg sync.WaitGroup
	for i, s := range d.sinks {
		wg.Go(func() { errs[i] = s.Preflight(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return preflightError(d.flagOf(d.sinks[i]), err)
		}
	}
	if p.CI == "github" {
		f, err := os.OpenFile(p.GitHubOutput, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return cmdutil.FlagErrorf("--ci-variable: GITHUB_OUTPUT cannot be opened: %v", err)
		}
		f.Close()
	}
	if (p.Stdout && d.clip == nil || p.CIVariable != "") && closedPipe(stdout) {
		return cmdutil.FlagErrorf("stdout is closed (the program reading it has gone): the secret would be lost, so nothing was created")
	}
	return nil
}

// DryRun runs the preflight of every sink and lists them, for a --dry-run
// plan.
func (d *Delivery) DryRun(ctx context.Context, stdout io.Writer) ([]string, error) {
	if err := d.Preflight(ctx, stdout); err != nil {
		return nil, err
	}
	return d.plan().To, nil
}

// flagOf names the flag a sink came from, for messages.
func (d *Delivery) flagOf(s sink.Sink) string {
	if d.OutputFile != "" && d.sinks[0] == s {
		return "--output-file"
	}
	if d.Label != "" {
		return d.Label
	}
	return "--to"
}

// kindOf is an error whose exit code is its own (a sign-in needed, a
// refusal by the service), not a usage error's.
type kindOf interface{ ExitCode() int }

// refusedByAll reports whether every failure of errs is a refusal by its
// service (exit 6): then a command whose secret reached no sink exits 6.
func refusedByAll(errs []error) bool {
	for _, err := range errs {
		var kind kindOf
		if !errors.As(err, &kind) || kind.ExitCode() != cmdutil.ExitRefused {
			return false
		}
	}
	return len(errs) > 0
}

func preflightError(flag string, err error) error {
	var kind kindOf
	if errors.As(err, &kind) {
		return &cmdutil.ExitCodeError{Code: kind.ExitCode(), Err: fmt.Errorf("%s %w (nothing was created)", flag, err)}
	}
	return &cmdutil.FlagError{Err: fmt.Errorf("%s %w", flag, err)}
}

// What became of a sink, as the JSON of create, rotate and resume says it.
const (
	// statusWritten: the sink holds the new secret.
	statusWritten = "written"
	// statusFailed: its write was tried and failed (after the sink's own
	// retries), or can no longer be made; error says which.
	statusFailed = "failed"
	// statusPending: not written yet — the write never started, or was
	// interrupted before it completed — and the journal keeps the secret,
	// so `patctl resume` writes it.
	statusPending = "pending"
)

// SinkResult is what became of one sink, in the JSON of create, rotate,
// resume and apply.
type SinkResult struct {
	To      string `json:"to"`
	Status  string `json:"status"` // written, failed or pending
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`

	err error // what Error says, with its kind
}

func (r *SinkResult) set(status string, err error) {
	r.Status, r.Error, r.err = status, err.Error(), err
}

// writeSinks writes the secret to every sink not written yet, concurrently,
// and records each in the journal as it is done. A write that ctx stops —
// before it starts, or before it completes — is pending: the caller decides
// whether resume can still make it (see unreachable).
func writeSinks(ctx context.Context, sinks []sink.Sink, e *journal.Entry, s sink.Secret, record func(uri string)) []SinkResult {
	results := make([]SinkResult, len(sinks))
	var pending []int // decided before any write starts: writes record into e
	for i, sk := range sinks {
		results[i] = SinkResult{To: sk.String(), Status: statusWritten}
		if !e.DeliveredTo(sk.String()) {
			pending = append(pending, i)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, i := range pending {
		sk := sinks[i]
		if ctx.Err() != nil {
			results[i].set(statusPending, fmt.Errorf("%s: interrupted before its write started", sk))
			continue
		}
		wg.Go(func() {
			version, err := sk.Write(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results[i].Version = version
				record(sk.String())
			case ctx.Err() != nil:
				// Whether it got there is not known; writing it again is harmless.
				results[i].set(statusPending, fmt.Errorf("%s: interrupted before its write completed (%s)", sk, strings.TrimPrefix(err.Error(), sk.String()+": ")))
			default:
				results[i].set(statusFailed, err)
			}
		})
	}
	wg.Wait()
	return results
}

// unreachable marks the pending sinks failed, saying why: nothing will
// write them (the journal keeps no secret, the operation is closed).
func unreachable(results []SinkResult, why string) {
	for i, res := range results {
		if res.Status == statusPending {
			results[i].set(statusFailed, fmt.Errorf("%s; %s", res.err, why))
		}
	}
}

// sinkLines is the report of the sinks for people, a line each, for the
// message of an operation that did not reach them all.
func sinkLines(results []SinkResult) string {
	var b strings.Builder
	for _, res := range results {
		fmt.Fprintf(&b, "\n  %-8s %s", res.Status, res.To)
		if res.Error != "" {
			fmt.Fprintf(&b, ": %s", strings.TrimPrefix(res.Error, res.To+": "))
		}
	}
	return b.String()
}

// allWritten reports whether every sink holds the secret.
func allWritten(results []SinkResult) bool {
	for _, res := range results {
		if res.Status != statusWritten {
			return false
		}
	}
	return true
}

// writeCIVariable sets the pipeline variable: a logging command on stdout
// (Azure Pipelines), or a masked step output (GitHub Actions).
func writeCIVariable(p journal.Plan, stdout io.Writer, secret string) (string, error) {
	switch p.CI {
	case "azure":
		if _, err := fmt.Fprintf(stdout, "##vso[task.setvariable variable=%s;issecret=true]%s\n", p.CIVariable, secret); err != nil {
			return "", fmt.Errorf("--ci-variable: %w", err)
		}
		return "set as the secret pipeline variable " + p.CIVariable, nil
	case "github":
		// Mask first, so that the value never shows in the log afterwards.
		if _, err := fmt.Fprintf(stdout, "::add-mask::%s\n", secret); err != nil {
			return "", fmt.Errorf("--ci-variable: %w", err)
		}
		f, err := os.OpenFile(p.GitHubOutput, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return "", fmt.Errorf("--ci-variable: %w", err)
		}
		_, werr := fmt.Fprintf(f, "%s=%s\n", p.CIVariable, secret)
		if err := errors.Join(werr, f.Close()); err != nil {
			return "", fmt.Errorf("--ci-variable: write GITHUB_OUTPUT: %w", err)
		}
		return "set as the step output " + p.CIVariable + " (masked)", nil
	}
	return "", fmt.Errorf("--ci-variable: no CI system")
}
