package plan

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-f", "fleet.yaml", "--exit-code", "--json", "--parallel", "8"}, ""},
		{[]string{"--file", "-"}, ""},
		{nil, "-f: the fleet file is required"},
		{[]string{"-f", "x", "--parallel", "0"}, "--parallel: 0 is not between 1 and 64"},
		{[]string{"-f", "x", "--parallel", "65"}, "--parallel: 65 is not between 1 and 64"},
		{[]string{"-f", "x", "extra"}, "unexpected argument"},
	} {
		io, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: io, Now: time.Now}
		var got *Options
		cmd := NewCmdPlan(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		var flagErr *cmdutil.FlagError
		switch {
		case tc.err == "" && err != nil:
			t.Fatalf("%v: %v", tc.args, err)
		case tc.err != "" && (!errors.As(err, &flagErr) || !strings.Contains(err.Error(), tc.err)):
			t.Fatalf("%v: error %v, want a usage error with %q", tc.args, err, tc.err)
		}
		if tc.err == "" && tc.args[0] == "-f" && (!got.ExitCode || !got.JSON || got.Parallel != 8 || got.File != "fleet.yaml") {
			t.Fatalf("options %+v", got)
		}
	}
}
