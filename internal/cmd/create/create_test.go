package create

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

var fixedNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func factory() (*cmdutil.Factory, *iostreams.IOStreams) {
	io, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: io, Now: func() time.Time { return fixedNow }}, io
}

func TestFlags(t *testing.T) {
	f, _ := factory()
	var got *Options
	cmd := NewCmdCreate(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--name", "n", "--scope", "vso.code, vso.work", "--scope", "vso.build", "--expires", "2w", "--all-orgs"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Name != "n" || strings.Join(got.Scopes, " ") != "vso.code vso.work vso.build" || !got.AllOrgs || !got.validTo.Equal(fixedNow.AddDate(0, 0, 14)) {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmdCreate(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--name", "n", "--scope", "vso.code"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.validTo.Equal(fixedNow.Add(30 * 24 * time.Hour)) {
		t.Fatalf("default expiry %v", got.validTo)
	}
}

func TestSecretIsFramedOnATerminal(t *testing.T) {
	env := cmdtest.New(t)
	// stdout alone on a terminal (2>log): the headline above the frame.
	io, _, out, errOut := iostreams.Test()
	io.SetTTY(false, true, false)
	opts := &Options{TokenCmd: env.TokenCmd(io, time.Now),
		Name: "tty", Scopes: []string{"vso.code"}, validTo: time.Now().Add(time.Hour)}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	secret := env.Emulator.IssuedPATs()[0]
	if !regexp.MustCompile(`│ `+secret+` │`).MatchString(out.String()) || !strings.Contains(out.String(), "shown only once: store it now") ||
		!strings.Contains(out.String(), `Created token "tty"`) || errOut.Len() != 0 {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}

	// Both on a terminal: the steps on stderr say what was created, stdout
	// has the frame alone.
	io, _, out, errOut = iostreams.Test()
	io.SetTTY(false, true, true)
	opts = &Options{TokenCmd: env.TokenCmd(io, time.Now),
		Name: "tty2", Scopes: []string{"vso.code"}, validTo: time.Now().Add(time.Hour)}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	secret = env.Emulator.IssuedPATs()[1]
	if !regexp.MustCompile(`│ `+secret+` │`).MatchString(out.String()) || strings.Contains(out.String(), "Created") ||
		!regexp.MustCompile(`^✓ Created token "tty2" \(id [0-9a-f-]{36}\), valid until .* \(in (59|60) minutes\)\n$`).MatchString(errOut.String()) {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestSecretIsBareInAPipe(t *testing.T) {
	env := cmdtest.New(t)
	io, _, out, errOut := iostreams.Test()
	opts := &Options{TokenCmd: env.TokenCmd(io, time.Now),
		Name: "pipe", Scopes: []string{"vso.code"}, validTo: time.Now().Add(time.Hour)}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != env.Emulator.IssuedPATs()[0]+"\n" || !strings.Contains(errOut.String(), `Created token "pipe"`) {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
}

// TestRefusesADuplicateName: a name an active token has is refused (exit 2,
// naming it and listing that token) with nothing created, unless
// --allow-duplicate; a revoked token's name is free again.
func TestRefusesADuplicateName(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	first, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "ci", Scope: "vso.code vso.build", ValidTo: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, allow bool) error {
		io, _, _, _ := iostreams.Test()
		opts := &Options{TokenCmd: env.TokenCmd(io, time.Now), Name: name, Scopes: []string{"vso.code"}, validTo: time.Now().Add(time.Hour), AllowDuplicate: allow}
		return createRun(ctx, opts)
	}
	err = run("ci", false)
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), `an active token is already named "ci" in fabrikam`) ||
		!strings.Contains(err.Error(), "--allow-duplicate") || !strings.Contains(err.Error(), first.AuthorizationID+"  created ") ||
		!strings.Contains(err.Error(), "vso.code vso.build") {
		t.Fatalf("duplicate: %v", err)
	}
	if n := len(env.Emulator.IssuedPATs()); n != 1 {
		t.Fatalf("%d tokens issued after a refused duplicate", n)
	}
	// Another letter case is another name: patctl tells "CI" from "ci".
	if err := run("CI", false); err != nil {
		t.Fatalf("CI: %v", err)
	}
	if err := run("ci", true); err != nil {
		t.Fatalf("--allow-duplicate: %v", err)
	}
	active, _ := env.Direct.FindByName(ctx, "active", "ci")
	if len(active) != 2 {
		t.Fatalf("%d active tokens named ci", len(active))
	}
	for _, tok := range active {
		if err := env.Direct.Revoke(ctx, tok.AuthorizationID); err != nil {
			t.Fatal(err)
		}
	}
	if err := run("ci", false); err != nil {
		t.Fatalf("after revoking them: %v", err)
	}
}

func TestAllowDuplicateFlag(t *testing.T) {
	f, _ := factory()
	var got *Options
	cmd := NewCmdCreate(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--name", "n", "--scope", "vso.code", "--allow-duplicate"})
	if err := cmd.Execute(); err != nil || !got.AllowDuplicate {
		t.Fatalf("%v %+v", err, got)
	}
}
