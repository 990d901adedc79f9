// Package cli builds patctl's command tree, runs it, and maps errors to exit codes.
package cli

import (
	"io"

	"github.com/spf13/cobra"
)

// Exit codes shared by every command.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// version is stamped at build time with -ldflags "-X github.com/patctl/patctl/internal/cli.version=…".
var version = "dev"

// Main runs patctl with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		io.WriteString(stderr, "patctl: "+err.Error()+"\n")
		return ExitUsage
	}
	return ExitOK
}

func newRootCmd() *cobra.Command {
	return &cobra.Command{
		Use:           "patctl",
		Short:         "Manage Azure DevOps personal access tokens",
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
}
