package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/regexpx"
)

// newHelpTopic is a command that only has help: `patctl help <topic>`.
// Its text is long as written (the generated docs) and text(width) on a
// terminal of that width (0: none).
func newHelpTopic(name, short string, text func(width int) string, width func() int) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Long:  text(0),
	}
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprintln(c.OutOrStdout(), text(width())) })
	return cmd
}

// environmentHelp is built with every command tree, that is on every run:
// strings are appended, not formatted, into room for the whole text (2 KB).
// On a terminal narrower than a meaning, each is wrapped under its indent.
func environmentHelp(width int) string {
	var b strings.Builder
	b.Grow(4 << 10)
	b.WriteString("patctl reads these environment variables:\n\n")
	indented := func(text string) {
		for _, l := range output.Wrap(text, width-4, nil) {
			for _, s := range []string{"    ", l, "\n"} {
				b.WriteString(s)
			}
		}
	}
	for _, v := range config.Variables {
		b.WriteString(v.Name)
		b.WriteString("\n")
		indented(v.Meaning)
		if v.Default != "" {
			indented("Default: " + v.Default)
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

// help is cobra's help (the long description, then the usage text), except
// that on a terminal narrower than the description's lines, the
// description is wrapped again at its width (rewrap).
func help(c *cobra.Command, width int) {
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	desc = strings.TrimRight(desc, " \t\n")
	w := c.OutOrStdout()
	if desc != "" {
		fmt.Fprintf(w, "%s\n\n", rewrap(desc, width))
	}
	if c.Runnable() || c.HasSubCommands() {
		fmt.Fprint(w, c.UsageString())
	}
}

// listItem is the head of a list's item, whose lines go on under its text:
// " 1. ", "  2    " (a code and its meaning), "  create   " (a word and its
// meaning), "- ".
// At the left edge, only a number or a bullet starts one.
var (
	listItem   = regexpx.Lazy(`^ *(\d+\. +|[-*] +|\S+ {2,})`)
	edgeBullet = regexpx.Lazy(`^(\d+\. +|[-*] +)`)
)

// rewrap fits text written for a wide terminal to width, when a line of it
// is wider: a paragraph's lines, and an item's (its text continued under
// its head), are joined and wrapped again. Any other indented line — a
// command to type, a "Default:" — is wrapped on its own, its continuation
// indented by 4 more.
func rewrap(text string, width int) string {
	lines := strings.Split(text, "\n")
	if width <= 0 || !slices.ContainsFunc(lines, func(l string) bool { return output.Width(l) > width }) {
		return text
	}
	var out []string
	head, indent, words := "", 0, []string(nil)
	flush := func() {
		if words != nil {
			for i, l := range output.Wrap(strings.Join(words, " "), width-indent, nil) {
				if i == 0 {
					out = append(out, head+l)
				} else {
					out = append(out, strings.Repeat(" ", indent)+l)
				}
			}
		}
		head, indent, words = "", 0, nil
	}
	for _, l := range lines {
		lead := len(l) - len(strings.TrimLeft(l, " "))
		item := listItem().FindString(l)
		if lead == 0 {
			item = edgeBullet().FindString(l)
		}
		switch {
		case strings.TrimSpace(l) == "":
			flush()
			out = append(out, "")
		case item != "" && len(item) < len(l):
			flush()
			head, indent, words = item, len(item), strings.Fields(l[len(item):])
		case words != nil && lead == indent:
			words = append(words, strings.Fields(l)...)
		case lead == 0:
			flush()
			words = strings.Fields(l)
		default: // a line of its own, continued indented further
			flush()
			head, indent, words = l[:lead], lead+4, strings.Fields(l)
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// usage is cobra's usage text (its defaultUsageFunc), except that on a
// terminal the flags' descriptions wrap at its width, each continued under
// its own column, instead of running past the edge to be broken anywhere.
// width is the terminal's, 0 for none: it cannot be read from c, which
// writes to a buffer when the help asks for its usage text.
func usage(c *cobra.Command, width int) error {
	w := c.OutOrStderr()
	var b strings.Builder
	// section writes text, wrapped again at width (rewrap): the flags have
	// their own wrapping, which keeps their columns.
	section := func(format string, args ...any) { b.WriteString(rewrap(fmt.Sprintf(format, args...), width)) }
	section("Usage:")
	if c.Runnable() {
		section("\n  %s", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		section("\n  %s [command]", c.CommandPath())
	}
	if len(c.Aliases) > 0 {
		section("\n\nAliases:\n  %s", c.NameAndAliases())
	}
	if c.HasExample() {
		section("\n\nExamples:\n%s", c.Example)
	}
	if c.HasAvailableSubCommands() {
		var list strings.Builder
		list.WriteString("\n\nAvailable Commands:")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&list, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
		section("%s", list.String())
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\n\nFlags:\n%s", wrapFlags(c.LocalFlags().FlagUsages(), width))
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\n\nGlobal Flags:\n%s", wrapFlags(c.InheritedFlags().FlagUsages(), width))
	}
	if c.HasHelpSubCommands() {
		// By name, read with `patctl help NAME`.
		var list strings.Builder
		list.WriteString("\n\nAdditional help topics (patctl help TOPIC):")
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(&list, "\n  %-*s  %s", sub.NamePadding(), sub.Name(), sub.Short)
			}
		}
		section("%s", list.String())
	}
	if c.HasAvailableSubCommands() {
		section("\n\nUse \"%s [command] --help\" for more information about a command.", c.CommandPath())
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

// wrapWords breaks text into lines of at most n columns, at spaces, and a
// word too long for a line where breakAt says.
func wrapWords(text string, n int) []string { return output.Wrap(text, n, breakAt) }

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
