package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/buildinfo"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestMainVersion(t *testing.T) {
	v, c, d := buildinfo.Version, buildinfo.Commit, buildinfo.Date
	t.Cleanup(func() { buildinfo.Version, buildinfo.Commit, buildinfo.Date = v, c, d })
	buildinfo.Version, buildinfo.Commit, buildinfo.Date = "1.2.3", "feedface", "2026-01-02T03:04:05Z"
	var out, errOut bytes.Buffer
	if code := Main([]string{"--version"}, strings.NewReader(""), &out, &errOut); code != cmdutil.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	// The line `patctl version` prints: commit, date, Go version and platform.
	want := "patctl version 1.2.3 (commit feedface, built 2026-01-02T03:04:05Z, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if out.String() != want {
		t.Fatalf("stdout %q, want %q", out.String(), want)
	}
}

func TestMainUnknownFlagIsUsageError(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--no-such-flag"}, strings.NewReader(""), &out, &errOut); code != cmdutil.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cmdutil.ExitUsage)
	}
	if !strings.Contains(errOut.String(), "--no-such-flag") {
		t.Fatalf("stderr %q does not name the flag", errOut.String())
	}
}

func TestExitCodes(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                    cmdutil.ExitOK,
		errors.New("boom"):                     cmdutil.ExitError,
		cmdutil.FlagErrorf("--x: bad"):         cmdutil.ExitUsage,
		&auth.SignInRequiredError{Reason: "x"}: cmdutil.ExitAuth,
		fmt.Errorf("login: %w", &auth.SignInRequiredError{}): cmdutil.ExitAuth,
		auth.ErrCancelled: cmdutil.ExitInterrupted,
		&cmdutil.ExitCodeError{Code: 7, Err: errors.New("half")}: 7,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("%v: exit %d, want %d", err, got, want)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"version", "--json"}, strings.NewReader(""), &out, &errOut); code != cmdutil.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	if got["version"] != buildinfo.Get().Version || got["goVersion"] != runtime.Version() || got["platform"] != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("%s", out.String())
	}
}

// TestNoPersistentPreRun: Run starts catching Ctrl-C in the root's persistent
// pre-run, which cobra skips for a command that has one of its own.
func TestNoPersistentPreRun(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.PersistentPreRun != nil || c.PersistentPreRunE != nil {
			t.Errorf("%s has a persistent pre-run: Run's signal handling would not start for it", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(cmdutil.New(io, func(string) string { return "" }, nil)))
}
