package revoke

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

func TestConfirmationOnATerminal(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	tok, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "keep", Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		answer  string
		revoked bool
	}{{"n\n", false}, {"\n", false}, {"yes\n", true}} {
		io, in, _, errOut := iostreams.Test()
		io.SetTTY(true, true, true)
		in.WriteString(tc.answer)
		opts := &Options{TokenCmd: env.TokenCmd(io, time.Now), Selector: cmdutil.Selector{Name: "keep"}}
		err := revokeRun(ctx, opts)
		if !strings.Contains(errOut.String(), `Revoke token "keep" (`+tok.AuthorizationID) || !strings.Contains(errOut.String(), "[y/N]") {
			t.Fatalf("question: %q", errOut)
		}
		active, _ := env.Direct.List(ctx, patapi.ListOptions{Ascending: true})
		if tc.revoked != (len(active) == 0) {
			t.Fatalf("answer %q: %d active tokens", tc.answer, len(active))
		}
		if !tc.revoked && !errors.Is(err, cmdutil.ErrSilent) {
			t.Fatalf("answer %q: error %v", tc.answer, err)
		}
	}
}

func TestNoTerminalNeedsYes(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	cmd := NewCmdRevoke(&cmdutil.Factory{IOStreams: io}, func(context.Context, *Options) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"--name", "x"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var flagErr *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("error %v", err)
	}
}
