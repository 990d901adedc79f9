package rotation

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/regexpx"
)

// Delivery is where create and rotate put a new secret instead of stdout: a
// file (--output-file), or a pipeline's secret variable (--ci-variable) in
// Azure Pipelines or GitHub Actions.
type Delivery struct {
	OutputFile string
	CIVariable string

	ci         string // "azure" or "github", found by Check
	githubFile string // $GITHUB_OUTPUT
}

// AddFlags adds --output-file and --ci-variable.
func (d *Delivery) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.OutputFile, "output-file", "", "write the secret to this `file` (mode 0600, atomically) instead of stdout")
	cmd.Flags().StringVar(&d.CIVariable, "ci-variable", "", "set the secret as this secret pipeline `variable` (Azure Pipelines, GitHub Actions) instead of printing it")
}

var ciVariableRE = regexpx.Lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check validates the flags as soon as they are parsed: the CI system must
// be known, and the file's directory must exist.
func (d *Delivery) Check(getenv func(string) string, j *cmdutil.JSONFlags) error {
	if d.CIVariable != "" {
		if !ciVariableRE().MatchString(d.CIVariable) {
			return cmdutil.FlagErrorf("--ci-variable: %q is not a variable name (letters, digits and underscores)", d.CIVariable)
		}
		if j != nil && j.JSON {
			return cmdutil.FlagErrorf("--ci-variable cannot be used with --json or --jq: the pipeline reads its commands from stdout")
		}
		switch {
		case strings.EqualFold(getenv("TF_BUILD"), "true"):
			d.ci = "azure"
		case getenv("GITHUB_ACTIONS") == "true":
			d.ci = "github"
			if d.githubFile = getenv("GITHUB_OUTPUT"); d.githubFile == "" {
				return cmdutil.FlagErrorf("--ci-variable: GITHUB_OUTPUT is not set, so GitHub Actions cannot receive the variable")
			}
		default:
			return cmdutil.FlagErrorf("--ci-variable: not running in Azure Pipelines (TF_BUILD=True) or GitHub Actions (GITHUB_ACTIONS=true); use --output-file or stdout")
		}
	}
	if d.OutputFile != "" {
		abs, err := filepath.Abs(d.OutputFile)
		if err != nil {
			return cmdutil.FlagErrorf("--output-file: %v", err)
		}
		d.OutputFile = abs
		info, err := os.Stat(filepath.Dir(abs))
		if err != nil || !info.IsDir() {
			return cmdutil.FlagErrorf("--output-file: the directory of %s does not exist", abs)
		}
		if info, err := os.Stat(abs); err == nil && info.IsDir() {
			return cmdutil.FlagErrorf("--output-file: %s is a directory", abs)
		}
	}
	return nil
}

// Active reports whether the secret goes somewhere other than stdout.
func (d *Delivery) Active() bool { return d != nil && (d.OutputFile != "" || d.CIVariable != "") }

// plan is the journal's record of where the secret goes.
func (d *Delivery) plan() journal.Plan {
	return journal.Plan{Stdout: !d.Active(), OutputFile: d.OutputFile, CIVariable: d.CIVariable, CI: d.ci, GitHubOutput: d.githubFile}
}

// Preflight checks, before anything is created, that every channel of the
// plan can take the secret: the file's directory takes a new file,
// $GITHUB_OUTPUT opens, stdout is open. A failure is a usage error naming
// the channel.
func Preflight(p journal.Plan, stdout io.Writer) error {
	if p.OutputFile != "" {
		probe, err := os.CreateTemp(filepath.Dir(p.OutputFile), ".patctl-probe-*")
		if err != nil {
			return cmdutil.FlagErrorf("--output-file: cannot write in the directory of %s: %v", p.OutputFile, err)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	if p.CI == "github" {
		f, err := os.OpenFile(p.GitHubOutput, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return cmdutil.FlagErrorf("--ci-variable: GITHUB_OUTPUT cannot be opened: %v", err)
		}
		f.Close()
	}
	if (p.Stdout || p.CIVariable != "") && closedPipe(stdout) {
		return cmdutil.FlagErrorf("stdout is closed (the program reading it has gone): the secret would be lost, so nothing was created")
	}
	return nil
}

// writeChannel puts the secret into one channel of the plan (not stdout,
// which the caller writes in its own format). It returns what it did, for
// the message on stderr.
func writeChannel(p journal.Plan, channel string, stdout io.Writer, secret string) (string, error) {
	switch channel {
	case journal.ToFile:
		// 0600 from the start, and whole or not at all.
		if err := atomicfile.Write(p.OutputFile, []byte(secret+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("--output-file: %w", err)
		}
		return "written to " + p.OutputFile, nil
	case journal.ToCIVariable:
		return writeCIVariable(p, stdout, secret)
	}
	return "", fmt.Errorf("unknown delivery channel %q", channel)
}

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
