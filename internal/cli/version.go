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
		Args:  cmdutil.NoArgs,
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
