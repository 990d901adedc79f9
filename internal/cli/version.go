package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/buildinfo"
	"github.com/patctl/patctl/internal/cmdutil"
)

func newCmdVersion(info buildinfo.Info) *cobra.Command {
	var j cmdutil.JSONFlags
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show patctl's version, commit and build date",
		Long: `Show patctl's version, the commit it was built from and when, the Go version
and the platform (GOOS/GOARCH): what a bug report needs.

A release says its version; a build from a checkout or a 'go install' says the
version Go derived (a pseudo-version such as v0.0.0-20261201023348-e2bd626300fa
names the commit).`,
		Example: `  patctl version
  patctl version --json    # {"version", "commit", "date", "goVersion", "platform"}`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if j.JSON {
				return j.WriteJSON(cmd.OutOrStdout(), info)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), info.String())
			return err
		},
	}
	j.AddJSONFlags(cmd, "the version")
	return cmd
}
