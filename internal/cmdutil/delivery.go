package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/regexpx"
)

// SecretDelivery is where create and rotate put a new secret instead of
// stdout: a file (--output-file), or a pipeline's secret variable
// (--ci-variable) in Azure Pipelines or GitHub Actions.
type SecretDelivery struct {
	OutputFile string
	CIVariable string

	ci         string // "azure" or "github", found by Check
	githubFile string // $GITHUB_OUTPUT
}

// AddDeliveryFlags adds --output-file and --ci-variable.
func (d *SecretDelivery) AddDeliveryFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.OutputFile, "output-file", "", "write the secret to this `file` (mode 0600, atomically) instead of stdout")
	cmd.Flags().StringVar(&d.CIVariable, "ci-variable", "", "set the secret as this secret pipeline `variable` (Azure Pipelines, GitHub Actions) instead of printing it")
}

var ciVariableRE = regexpx.Lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check validates the flags before anything is sent: the CI system must be
// known, and the file's directory must exist.
func (d *SecretDelivery) Check(getenv func(string) string, j *JSONFlags) error {
	if d.CIVariable != "" {
		if !ciVariableRE().MatchString(d.CIVariable) {
			return FlagErrorf("--ci-variable: %q is not a variable name (letters, digits and underscores)", d.CIVariable)
		}
		if j != nil && j.JSON {
			return FlagErrorf("--ci-variable cannot be used with --json or --jq: the pipeline reads its commands from stdout")
		}
		switch {
		case strings.EqualFold(getenv("TF_BUILD"), "true"):
			d.ci = "azure"
		case getenv("GITHUB_ACTIONS") == "true":
			d.ci = "github"
			if d.githubFile = getenv("GITHUB_OUTPUT"); d.githubFile == "" {
				return FlagErrorf("--ci-variable: GITHUB_OUTPUT is not set, so GitHub Actions cannot receive the variable")
			}
		default:
			return FlagErrorf("--ci-variable: not running in Azure Pipelines (TF_BUILD=True) or GitHub Actions (GITHUB_ACTIONS=true); use --output-file or stdout")
		}
	}
	if d.OutputFile != "" {
		info, err := os.Stat(filepath.Dir(d.OutputFile))
		if err != nil || !info.IsDir() {
			return FlagErrorf("--output-file: the directory of %s does not exist", d.OutputFile)
		}
		if info, err := os.Stat(d.OutputFile); err == nil && info.IsDir() {
			return FlagErrorf("--output-file: %s is a directory", d.OutputFile)
		}
	}
	return nil
}

// Active reports whether the secret goes somewhere other than stdout.
func (d *SecretDelivery) Active() bool { return d != nil && (d.OutputFile != "" || d.CIVariable != "") }

// Deliver puts the secret where the flags say; it returns what it did, for
// the message on stderr.
func (d *SecretDelivery) Deliver(stdout interface{ Write([]byte) (int, error) }, secret string) (string, error) {
	var done []string
	if d.OutputFile != "" {
		// 0600 from the start, and whole or not at all.
		if err := atomicfile.Write(d.OutputFile, []byte(secret+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("--output-file: %w", err)
		}
		done = append(done, "written to "+d.OutputFile)
	}
	switch d.ci {
	case "azure":
		if _, err := fmt.Fprintf(stdout, "##vso[task.setvariable variable=%s;issecret=true]%s\n", d.CIVariable, secret); err != nil {
			return "", err
		}
		done = append(done, "set as the secret pipeline variable "+d.CIVariable)
	case "github":
		// Mask first, so that the value never shows in the log afterwards.
		if _, err := fmt.Fprintf(stdout, "::add-mask::%s\n", secret); err != nil {
			return "", err
		}
		f, err := os.OpenFile(d.githubFile, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return "", fmt.Errorf("--ci-variable: %w", err)
		}
		_, werr := fmt.Fprintf(f, "%s=%s\n", d.CIVariable, secret)
		if err := errors.Join(werr, f.Close()); err != nil {
			return "", fmt.Errorf("--ci-variable: write GITHUB_OUTPUT: %w", err)
		}
		done = append(done, "set as the step output "+d.CIVariable+" (masked)")
	}
	return strings.Join(done, ", "), nil
}
