package token

import (
	"context"
	"errors"
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
