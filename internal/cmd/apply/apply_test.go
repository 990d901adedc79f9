package apply

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/fleet"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: time.Now}
	var got *Options
	cmd := NewCmdApply(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"-f", "fleet.yaml", "--dry-run", "--org", "contoso"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.File != "fleet.yaml" || !got.DryRun || got.Parallel != fleet.DefaultParallel || got.Org != "contoso" || got.JSON {
		t.Fatalf("options %+v", got)
	}
}

// Progress goes to stderr only when stderr is a terminal; stdout has the
// report only.
func TestProgressOnATerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		env := cmdtest.New(t)
		io, _, out, errOut := iostreams.Test()
		io.SetTTY(false, false, tty)
		path := filepath.Join(t.TempDir(), "fleet.yaml")
		if err := os.WriteFile(path, []byte("tokens:\n  - {name: a, scopes: [vso.code]}\n  - {name: b, scopes: [vso.code]}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		opts := &Options{TokenCmd: env.TokenCmd(io, time.Now), Input: fleet.Input{File: path, Parallel: 2}}
		if err := applyRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		progress := regexp.MustCompile(`(?m)^\[[12]/2\] create "[ab]" in fabrikam: done$`).FindAllString(errOut.String(), -1)
		if tty && len(progress) != 2 || !tty && errOut.Len() != 0 {
			t.Fatalf("terminal %v: stderr %q", tty, errOut)
		}
		pats := env.Emulator.IssuedPATs()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "create\ta\tfabrikam\tdone\t") ||
			!slices.Contains(pats, strings.TrimPrefix(lines[2], "token\ta\tfabrikam\t")) || !slices.Contains(pats, strings.TrimPrefix(lines[3], "token\tb\tfabrikam\t")) {
			t.Fatalf("stdout %q", out)
		}
		if entries, _ := env.Journal.List(); len(entries) != 0 {
			t.Fatalf("%d journal entries left", len(entries))
		}
	}
}
