package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
)

// checkCommand refuses, before any flag is read, a word where a command was
// due: `patctl lst`, `patctl config sett org x`, `patctl rotat --name ci`
// (which flag parsing would blame on --name). A command that groups others
// (patctl, config, login, completion) takes no other argument. Cobra's own
// check, which also suggests, covers the root alone and only when the root
// takes no arguments; patctl's own message does the same at every level.
func checkCommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil // shell completion asking: never an error
	}
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == nil || !cmd.HasSubCommands() {
		return nil
	}
	if word, ok := firstArg(cmd, rest); ok {
		return unknownCommand(cmd, word)
	}
	return nil
}

// unknownCommand is the usage error (exit 2) for a word that names no
// subcommand of cmd, with the commands it may have meant.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if s := suggestions(cmd, word); len(s) > 0 {
		return cmdutil.FlagErrorf("%s\n\nDid you mean this?\n    %s", msg, strings.Join(s, "\n    "))
	}
	return cmdutil.FlagErrorf("%s (see '%s --help')", msg, cmd.CommandPath())
}

// suggestions are the subcommands of cmd that word may be a typo of: a
// prefix of one, one edit away (two for words longer than four letters; a
// swap of two letters is one edit), or listed in its SuggestFor. Help
// topics and `help` count too; hidden commands do not.
func suggestions(cmd *cobra.Command, word string) []string {
	lower := strings.ToLower(word)
	if lower == "" {
		return nil
	}
	limit := 1
	if len(lower) > 4 {
		limit = 2
	}
	var out []string
	for _, c := range cmd.Commands() {
		if c.Hidden || c.Deprecated != "" {
			continue
		}
		name := c.Name()
		match := strings.HasPrefix(name, lower) || editDistance(name, lower) <= limit
		for _, s := range c.SuggestFor {
			match = match || strings.EqualFold(s, word)
		}
		if match {
			out = append(out, name)
		}
	}
	return out
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// neighbours that turn a into b (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// firstArg is the first argument of args that is not a flag or a flag's
// value, as cmd's flags (its own and inherited) read them. A flag cmd does
// not know is taken to have a value when a word follows it, as pflag's
// parser does when told to ignore unknown flags.
func firstArg(cmd *cobra.Command, args []string) (string, bool) {
	flags, inherited := cmd.Flags(), cmd.InheritedFlags()
	// takesValue says whether the flag is known, and takes a value.
	takesValue := func(name string, short bool) (value, known bool) {
		f := flags.Lookup(name)
		if f == nil {
			f = inherited.Lookup(name)
		}
		if short {
			if f = flags.ShorthandLookup(name); f == nil {
				f = inherited.ShorthandLookup(name)
			}
		}
		if f == nil {
			return false, false
		}
		return f.NoOptDefVal == "", true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		case strings.HasPrefix(a, "--"):
			if strings.Contains(a, "=") {
				continue
			}
			value, known := takesValue(a[2:], false)
			if (value || !known) && i+1 < len(args) && (known || !strings.HasPrefix(args[i+1], "-")) {
				i++
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if len(a) != 2 {
				continue // -xVALUE, or several short flags
			}
			value, known := takesValue(a[1:], true)
			if (value || !known) && i+1 < len(args) && (known || !strings.HasPrefix(args[i+1], "-")) {
				i++
			}
		default:
			return a, true
		}
	}
	return "", false
}
