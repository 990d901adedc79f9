package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/buildinfo"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/output"
)

func newCmdVersion(info buildinfo.Info) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show patctl's version, commit and build date",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return output.JSON(cmd.OutOrStdout(), info)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), info.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
