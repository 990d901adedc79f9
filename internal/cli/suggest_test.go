package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/credstore"
)

// run runs patctl in-process, with no login and no service.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"PATCTL_CONFIG_DIR": t.TempDir()}
	code = Run(Options{Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] }, Keyring: &credstore.Memory{}})
	return code, out.String(), errOut.String()
}

// TestUnknownCommandsSuggest: a word that names no command, at any level
// and with `help`, is exit 2, named with the command it was given to and
// what it may have meant — also when flags follow it, which are not blamed.
func TestUnknownCommandsSuggest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lst"}, "patctl: unknown command \"lst\" for \"patctl\"\n\nDid you mean this?\n    list\n"},
		{[]string{"lsit"}, "patctl: unknown command \"lsit\" for \"patctl\"\n\nDid you mean this?\n    list\n"},
		{[]string{"rotat", "--name", "ci"}, "patctl: unknown command \"rotat\" for \"patctl\"\n\nDid you mean this?\n    rotate\n"},
		{[]string{"--profile", "work", "lst", "--json"}, "patctl: unknown command \"lst\" for \"patctl\"\n\nDid you mean this?\n    list\n"},
		{[]string{"config", "sett", "org", "x"}, "patctl: unknown command \"sett\" for \"patctl config\"\n\nDid you mean this?\n    set\n"},
		{[]string{"help", "lsit"}, "patctl: unknown command \"lsit\" for \"patctl\"\n\nDid you mean this?\n    list\n"},
		{[]string{"help", "config", "sett"}, "patctl: unknown command \"sett\" for \"patctl config\"\n\nDid you mean this?\n    set\n"},
		{[]string{"help", "enviroment"}, "patctl: unknown command \"enviroment\" for \"patctl\"\n\nDid you mean this?\n    environment\n"},
		{[]string{"login", "exprot"}, "patctl: unknown command \"exprot\" for \"patctl login\"\n\nDid you mean this?\n    export\n"},
		{[]string{"xyzzy"}, "patctl: unknown command \"xyzzy\" for \"patctl\" (see 'patctl --help')\n"},
		{[]string{"lo"}, "patctl: unknown command \"lo\" for \"patctl\"\n\nDid you mean this?\n    login\n    logout\n"},
	} {
		code, out, errOut := run(t, tc.args...)
		if code != cmdutil.ExitUsage || out != "" || errOut != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q\nwant %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestKnownCommandsStillRun: the check lets through what cobra knows:
// help, help topics, completion, flags before the command, `--`.
func TestKnownCommandsStillRun(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"help", "list"}, {"help", "config", "set"}, {"help", "exit-codes"}, {"--help"}, {"config"},
		{"completion", "bash"}, {"__complete", "li"}, {"--debug", "version"}, {"version", "--json"}, {"login", "export", "--help"},
	} {
		if code, _, errOut := run(t, args...); code != 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	// An unknown flag of a known command is still the flag's fault.
	if code, _, errOut := run(t, "list", "--nme", "x"); code != cmdutil.ExitUsage || !strings.Contains(errOut, "unknown flag: --nme") {
		t.Errorf("unknown flag: exit %d, %q", code, errOut)
	}
}

func TestFirstArg(t *testing.T) {
	root := NewRootCmd(cmdutil.New(nil, func(string) string { return "" }, nil))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lst"}, "lst"},
		{[]string{"--profile", "work", "lst"}, "lst"},
		{[]string{"--profile=work", "lst"}, "lst"},
		{[]string{"--debug", "lst"}, "lst"},
		{[]string{"--nope", "x", "lst"}, "lst"}, // an unknown flag takes the word after it
		{[]string{"--nope", "--debug"}, ""},
		{[]string{"--", "lst"}, "lst"},
		{[]string{"-v"}, ""},
	} {
		got, _ := firstArg(root, tc.args)
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}
