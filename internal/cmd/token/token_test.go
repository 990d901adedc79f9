package token

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestNeverOnATerminalWithoutShow(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	io.SetTTY(true, true, true)
	ran := false
	cmd := NewCmdToken(&cmdutil.Factory{IOStreams: io}, func(context.Context, *Options) error { ran = true; return nil })
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(nil)
	var flagErr *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &flagErr) || ran {
		t.Fatalf("error %v, ran %v", err, ran)
	}
	cmd = NewCmdToken(&cmdutil.Factory{IOStreams: io}, func(context.Context, *Options) error { ran = true; return nil })
	cmd.SetArgs([]string{"--show"})
	if err := cmd.Execute(); err != nil || !ran {
		t.Fatalf("--show: %v, ran %v", err, ran)
	}
}

func TestCopyFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Getenv: func(string) string { return "" }}
	for _, args := range [][]string{{"--copy", "--show"}, {"--copy"}} {
		ran := false
		cmd := NewCmdToken(f, func(context.Context, *Options) error { ran = true; return nil })
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		cmd.SetArgs(args)
		// No display and no terminal: no clipboard can be reached here
		// (on Linux), which is said before the token is asked for.
		var flagErr *cmdutil.FlagError
		if err := cmd.Execute(); (len(args) == 2 || runtime.GOOS == "linux") && (!errors.As(err, &flagErr) || ran) {
			t.Errorf("%v: error %v, ran %v", args, err, ran)
		}
	}
}
