package login

import (
	"context"
	"errors"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

func TestExportFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io}
	var got *ExportOptions
	run := func(_ context.Context, o *ExportOptions) error { got = o; return nil }
	for _, args := range [][]string{nil, {"--to", "file:x", "extra"}} {
		cmd := NewCmdExport(f, run)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		cmd.SetArgs(args)
		var flagErr *cmdutil.FlagError
		if err := cmd.Execute(); !errors.As(err, &flagErr) || got != nil {
			t.Fatalf("%q: %v, ran %v", args, err, got != nil)
		}
	}
	cmd := NewCmdExport(f, run)
	cmd.SetArgs([]string{"--to", "keyvault://kv/login", "--json"})
	if err := cmd.Execute(); err != nil || got == nil || got.To != "keyvault://kv/login" || !got.JSON {
		t.Fatalf("%v, options %+v", err, got)
	}
}

// TestLoginKeepsItsFlagsBesideExport: `login` with flags and no argument is
// the sign-in; `login export` the subcommand; login's flags are not
// export's.
func TestLoginKeepsItsFlagsBesideExport(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	var signIn *Options
	cmd := NewCmdLogin(&cmdutil.Factory{IOStreams: io}, func(_ context.Context, o *Options) error { signIn = o; return nil })
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs([]string{"--device-code", "--tenant", "contoso.onmicrosoft.com"})
	if err := cmd.Execute(); err != nil || signIn == nil || !signIn.DeviceCode || signIn.Tenant != "contoso.onmicrosoft.com" {
		t.Fatalf("%v, options %+v", err, signIn)
	}
	export, _, err := cmd.Find([]string{"export", "--to", "file:x"})
	if err != nil || export.Name() != "export" {
		t.Fatalf("login export: %v %v", export, err)
	}
	if export.Flags().Lookup("device-code") != nil {
		t.Fatal("export takes login's --device-code")
	}
}
