package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/patctl/patctl/internal/cmdutil"
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
       a create --name that an active token has (--allow-duplicate), or
       something refused before anything was sent
  3    not found: no active token has the name, no token has the id
  4    sign-in needed: not logged in, the login expired or was revoked, or the
       service asked for a sign-in (run 'patctl login'); an unusable
       PATCTL_TOKEN (set a fresh one, or unset it and run 'patctl login')
  5    ambiguous name: several tokens match (each listed; pick one with --id)
  6    refused by the service
  7    rotate created the new token but did not revoke the old one
  8    check: a selected token expires within the given time
  9    an unfinished operation is recorded: a create or rotate was interrupted or
       only partly done, or another one of the same token is recorded; run
       'patctl resume' (or 'patctl resume --abort'); apply: something is left
       for 'patctl resume'
  10   plan --exit-code: something would change
  130  interrupted (Ctrl-C or SIGTERM), with nothing left unfinished`

// newHelpCmd is `patctl help [command]`: cobra's, except that words naming
// no command are a usage error (exit 2) with suggestions, as they are
// without `help`, instead of the root's help and exit 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help provides help for any command in the application.\nSimply type patctl help [path to command] for full details.",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var completions []cobra.Completion
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			for _, sub := range cmd.Commands() {
				if !sub.Hidden && sub.Deprecated == "" && strings.HasPrefix(sub.Name(), toComplete) {
					completions = append(completions, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return completions, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// usage is cobra's usage text (its defaultUsageFunc), except that on a
// terminal the flags' descriptions wrap at its width, each continued under
// its own column, instead of running past the edge to be broken anywhere.
// width is the terminal's, 0 for none: it cannot be read from c, which
// writes to a buffer when the help asks for its usage text.
func usage(c *cobra.Command, width int) error {
	w := c.OutOrStderr()
	var b strings.Builder
	b.WriteString("Usage:")
	if c.Runnable() {
		fmt.Fprintf(&b, "\n  %s", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n  %s [command]", c.CommandPath())
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "\n\nAliases:\n  %s", c.NameAndAliases())
	}
	if c.HasExample() {
		fmt.Fprintf(&b, "\n\nExamples:\n%s", c.Example)
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n\nAvailable Commands:")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\n\nFlags:\n%s", wrapFlags(c.LocalFlags().FlagUsages(), width))
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\n\nGlobal Flags:\n%s", wrapFlags(c.InheritedFlags().FlagUsages(), width))
	}
	if c.HasHelpSubCommands() {
		b.WriteString("\n\nAdditional help topics:")
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(&b, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
			}
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n\nUse \"%s [command] --help\" for more information about a command.", c.CommandPath())
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// wrapFlags wraps pflag's flag usages (a line per flag, descriptions in one
// column) at width (0: not at all), each description continued in its
// column, or on lines of its own indented by 8 when that column leaves too
// little room. A word longer than a line (a URI template) is broken after a
// '/', ',' or ']' where it can be, else at the edge. (pflag's own wrapping
// gives up at such a word: its line runs past the edge.)
func wrapFlags(usages string, width int) string {
	usages = strings.TrimRight(usages, " \t\n")
	if width <= 0 {
		return usages
	}
	lines := strings.Split(usages, "\n")
	column := 0
	for _, l := range lines {
		if i := usageColumn(l); i > column {
			column = i
		}
	}
	narrow := width-column < 24 // every description then on lines of its own
	var out []string
	for _, l := range lines {
		if (!narrow && len([]rune(l)) <= width) || column == 0 || len(l) <= column {
			out = append(out, l)
			continue
		}
		head, text := l[:column], strings.TrimSpace(l[column:])
		indent := column
		if narrow {
			if strings.TrimSpace(head) != "" {
				out = append(out, strings.TrimRight(head, " "))
			}
			head, indent = strings.Repeat(" ", 8), 8
		}
		for i, chunk := range wrapWords(text, width-indent) {
			if i > 0 {
				head = strings.Repeat(" ", indent)
			}
			out = append(out, head+chunk)
		}
	}
	return strings.Join(out, "\n")
}

// usageColumn is where the description starts on a flag's first line
// ("  -h, --help   help for list"): after the first run of two spaces or
// more that follows the flag. 0 for a line that is not a flag's first.
func usageColumn(line string) int {
	trimmed := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(trimmed, "-") {
		return 0
	}
	start := len(line) - len(trimmed)
	gap := strings.Index(line[start:], "  ")
	if gap < 0 {
		return 0
	}
	i := start + gap
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// wrapWords breaks text into lines of at most n runes, at spaces.
func wrapWords(text string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for len([]rune(word)) > n {
			if line != "" {
				lines, line = append(lines, line), ""
			}
			cut := breakAt(word, n)
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= n:
			line += " " + word
		default:
			lines, line = append(lines, line), word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// breakAt is where to cut a word too long for n runes: after its last '/',
// ',' or ']' within them, else after the n-th rune.
func breakAt(word string, n int) int {
	end := len(word)
	for i := range word {
		if len([]rune(word[:i])) == n {
			end = i
			break
		}
	}
	if i := strings.LastIndexAny(word[:end], "/,]"); i > 0 {
		return i + 1
	}
	return end
}

// terminalWidth is the width of the terminal w is, 0 when it is none (no
// wrapping: a pipe, a file, the generated docs).
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}
