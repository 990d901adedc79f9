package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/config"
)

// newHelpTopic is a command that only has help: `patctl help <topic>`.
func newHelpTopic(name, short, long string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprintln(c.OutOrStdout(), long) })
	return cmd
}

// environmentHelp is built with every command tree, that is on every run:
// strings are appended, not formatted, into room for the whole text (2 KB).
func environmentHelp() string {
	var b strings.Builder
	b.Grow(4 << 10)
	b.WriteString("patctl reads these environment variables:\n\n")
	for _, v := range config.Variables {
		for _, s := range []string{v.Name, "\n    ", v.Meaning, "\n"} {
			b.WriteString(s)
		}
		if v.Default != "" {
			for _, s := range []string{"    Default: ", v.Default, "\n"} {
				b.WriteString(s)
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

const exitCodesHelp = `patctl exits with:

  0    success
  1    any other failure; list or check over several organizations when one
       could not be read (named on stderr; the others' tokens are printed)
  2    usage error: an unknown command or flag, a bad value, a missing argument,
       or something refused before anything was sent
  3    not found
  4    sign-in needed: not logged in, the login expired or was revoked, or the
       service asked for a sign-in (run 'patctl login')
  5    ambiguous name: several tokens match
  6    refused by the service
  7    rotate created the new token but did not revoke the old one
  8    check: a selected token expires within the given time
  9    an unfinished operation is recorded: a create or rotate was interrupted or
       only partly done, or another one of the same token is recorded; run
       'patctl resume' (or 'patctl resume --abort'); apply: something is left
       for 'patctl resume'
  10   plan --exit-code: something would change
  130  interrupted (Ctrl-C), with nothing left unfinished`
