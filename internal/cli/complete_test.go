package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

// complete runs `patctl __complete args…` as a shell would, with no sign-in
// and no organization, and returns its stdout and stderr.
func complete(t *testing.T, configDir string, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "PATCTL_CONFIG_DIR" {
			return configDir
		}
		return ""
	}
	code := Run(Options{Args: append([]string{cobra.ShellCompRequestCmd}, args...), Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: getenv})
	if code != cmdutil.ExitOK {
		t.Fatalf("__complete %q: exit %d, stderr %q", args, code, errOut.String())
	}
	return out.String(), errOut.String()
}

func directive(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// Every flag that takes a value, and every command's arguments, complete
// without file names, except flags that take a path (file, *-file). Without
// a sign-in nothing is sent and nothing is said but cobra's own line.
func TestNoFileCompletionButForPaths(t *testing.T) {
	dir := t.TempDir()
	f := cmdutil.New(iostreams.New(nil, io.Discard, io.Discard), func(string) string { return "" }, nil)
	var walk func(c *cobra.Command, path []string)
	checked := 0
	walk = func(c *cobra.Command, path []string) {
		out, errOut := complete(t, dir, append(path, "")...)
		if got := directive(out); got != ":4" {
			t.Errorf("patctl %s <arg>: directive %s, want :4 (no file names)", strings.Join(path, " "), got)
		}
		if strings.Count(errOut, "\n") != 1 {
			t.Errorf("patctl %s <arg>: stderr %q", strings.Join(path, " "), errOut)
		}
		visit := func(fl *pflag.Flag) {
			if fl.Value.Type() == "bool" || fl.Hidden {
				return
			}
			want := ":4"
			if fl.Name == "file" || strings.HasSuffix(fl.Name, "-file") {
				want = ":0"
			}
			out, _ := complete(t, dir, append(path, "--"+fl.Name, "")...)
			if got := directive(out); got != want {
				t.Errorf("patctl %s --%s: directive %s, want %s", strings.Join(path, " "), fl.Name, got, want)
			}
			checked++
		}
		c.LocalFlags().VisitAll(visit)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(append([]string{}, path...), sub.Name()))
			}
		}
	}
	walk(NewRootCmd(f), nil)
	if checked < 40 {
		t.Fatalf("only %d flags checked", checked)
	}
}

// A completion says nothing of its own: not even the --debug trace.
func TestCompletionIsQuiet(t *testing.T) {
	out, errOut := complete(t, t.TempDir(), "--debug", "list", "--org", "")
	if out != ":4\n" || errOut != "Completion ended with directive: ShellCompDirectiveNoFileComp\n" {
		t.Fatalf("stdout %q, stderr %q", out, errOut)
	}
}
