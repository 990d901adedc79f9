package list

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

func TestFlagsReachOptions(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io}
	var got *Options
	cmd := NewCmdList(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--status", "expired", "--sort", "created", "--desc", "--org", "x", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Status != "expired" || got.Sort != "created" || !got.Desc || got.Org != "x" || !got.JSON {
		t.Fatalf("options %+v", got)
	}
	for _, bad := range [][]string{{"--status", "gone"}, {"--sort", "size"}} {
		cmd := NewCmdList(f, func(context.Context, *Options) error { t.Fatal("ran"); return nil })
		cmd.SetArgs(bad)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestTableOnATerminal(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	now := time.Now()
	for _, name := range []string{"zeta", "alpha"} {
		if _, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: name, Scope: "vso.code", ValidTo: now.Add(80 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	io, _, out, _ := iostreams.Test()
	io.SetTTY(false, true, true)
	opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return now }), Status: "active", Sort: "name"}
	if err := listRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "alpha") || !strings.HasPrefix(lines[2], "zeta") {
		t.Fatalf("table:\n%s", out)
	}
	// Columns line up, times are compact, the status shows, no colour
	// unless asked for.
	if strings.Index(lines[0], "EXPIRES") != strings.Index(lines[1], "in 3d") || strings.Index(lines[0], "STATUS") != strings.Index(lines[1], "active") ||
		strings.Contains(out.String(), "\t") || strings.Contains(out.String(), "\x1b") {
		t.Fatalf("not aligned or not readable:\n%s", out)
	}
}

// statusEnv has an active token, a revoked one with a long name of wide
// characters, and an expired one.
func statusEnv(t *testing.T) (*cmdtest.Env, time.Time) {
	t.Helper()
	env := cmdtest.New(t)
	ctx := context.Background()
	now := time.Now()
	// Made with the emulator's clock set back: it expired an hour ago.
	env.Emulator.Advance(-3 * time.Hour)
	hc, err := env.Emulator.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := patapi.New(hc, env.Emulator.URL(), emulator.DefaultOrg).Create(ctx, patapi.CreateRequest{DisplayName: "old", Scope: "vso.code", ValidTo: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	env.Emulator.Advance(3 * time.Hour)
	if _, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "live", Scope: "vso.code", ValidTo: now.Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var gone patapi.PatToken
	gone, err = env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "本番デプロイ用のとても長いトークンの名前-production-deployment", Scope: "vso.code vso.build_execute vso.packaging_write", ValidTo: now.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Direct.Revoke(ctx, gone.AuthorizationID); err != nil {
		t.Fatal(err)
	}
	return env, now
}
func TestSeveralOrgs(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "here", Scope: "vso.code", ValidTo: now.Add(80 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "everywhere", Scope: "vso.code", ValidTo: now.Add(80 * time.Hour), AllOrgs: true}); err != nil {
		t.Fatal(err)
	}
	run := func(tty, asJSON bool, orgs ...string) string {
		io, _, out, _ := iostreams.Test()
		io.SetTTY(false, tty, tty)
		opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return now }), Status: "active", Sort: "name", Orgs: cmdutil.OrgsFlags{Names: orgs}}
		opts.JSON = asJSON
		if err := listRun(ctx, opts); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	lines := strings.Split(strings.TrimRight(run(true, false, "fabrikam", "other"), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ORG ") || !strings.HasPrefix(lines[1], "fabrikam  ") || !strings.Contains(lines[1], "everywhere") ||
		!strings.Contains(lines[2], "here") || strings.Index(lines[0], "NAME") != strings.Index(lines[1], "everywhere") {
		t.Fatalf("table:\n%s", strings.Join(lines, "\n"))
	}
	// The all-organizations token is in both lists: shown once, with the
	// first organization read.
	if piped := run(false, false, "other", "fabrikam"); !strings.HasPrefix(piped, "other\teverywhere\t") || strings.Count(piped, "everywhere") != 1 || !strings.Contains(piped, "\nfabrikam\there\t") {
		t.Fatalf("piped:\n%s", piped)
	}
	// One organization: no ORG column, but "org" in the JSON.
	if one := run(true, false, "fabrikam"); !strings.HasPrefix(one, "NAME ") {
		t.Fatalf("one organization:\n%s", one)
	}
	if js := run(false, true, "fabrikam"); strings.Count(js, `"org": "fabrikam"`) != 2 {
		t.Fatalf("JSON:\n%s", js)
	}
}

func runList(t *testing.T, env *cmdtest.Env, now time.Time, tty bool, width int, set func(*Options)) (string, string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	io.SetTTY(false, tty, tty)
	io.SetSize(width, 40)
	opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return now }), Status: "all", Sort: "name"}
	if set != nil {
		set(opts)
	}
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

func TestStatusShows(t *testing.T) {
	env, now := statusEnv(t)
	// On a terminal: the STATUS column, every line within the width.
	for _, width := range []int{50, 80, 200} {
		out, _ := runList(t, env, now, true, width, nil)
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) != 4 || !strings.HasSuffix(lines[0], "STATUS") || !strings.HasSuffix(lines[1], "active") ||
			!strings.HasSuffix(lines[2], "expired") || !strings.HasSuffix(lines[3], "revoked") {
			t.Fatalf("%d columns:\n%s", width, out)
		}
		for _, l := range lines {
			if w := output.Width(l); w > width {
				t.Errorf("%d columns: a line of %d: %q", width, w, l)
			}
		}
		// The id is whole when there is room, its first 8 characters when not.
		if id := strings.Fields(lines[1])[1]; (width == 200 && len(id) != 36) || (width == 50 && len(id) != 8) {
			t.Errorf("%d columns, id %q:\n%s", width, id, out)
		}
	}
	// Piped: the status last, with --status all only.
	out, _ := runList(t, env, now, false, 0, nil)
	if !strings.Contains(out, "\tactive\n") || !strings.Contains(out, "\texpired\n") || !strings.Contains(out, "\trevoked\n") || strings.Count(out, "\t") != 12 {
		t.Fatalf("piped, all:\n%s", out)
	}
	out, _ = runList(t, env, now, false, 0, func(o *Options) { o.Status = "revoked" })
	if strings.Count(out, "\t") != 3 || strings.Contains(out, "revoked") {
		t.Fatalf("piped, revoked:\n%s", out)
	}
	// JSON: the status of each.
	out, _ = runList(t, env, now, false, 0, func(o *Options) { o.JSON = true })
	for _, want := range []string{`"status": "active"`, `"status": "expired"`, `"status": "revoked"`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON has no %s:\n%s", want, out)
		}
	}
}

func TestColoursMeanSomething(t *testing.T) {
	env, now := statusEnv(t)
	io, _, out, _ := iostreams.Test()
	io.SetTTY(false, true, true)
	io.SetSize(120, 40)
	io.SetColorEnabled(true)
	opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return now }), Status: "all", Sort: "name"}
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[1], "\x1b[32mactive") || !strings.Contains(lines[2], "\x1b[31m1h ago") || !strings.Contains(lines[2], "\x1b[31mexpired") ||
		!strings.HasPrefix(lines[3], "\x1b[2m") || !strings.Contains(lines[3], "\x1b[31mrevoked") {
		t.Fatalf("colours: %q", out.String())
	}
}

func TestEmptyListSaysSo(t *testing.T) {
	env, now := statusEnv(t)
	noneSoon := func(o *Options) { o.Status = "active"; o.within = time.Hour; o.Expiring = "1h" }
	out, errOut := runList(t, env, now, true, 80, noneSoon)
	if out != "" || errOut != "no active tokens expiring within 1h in fabrikam\n" {
		t.Fatalf("terminal: %q %q", out, errOut)
	}
	// Piped, scripts get nothing at all.
	if out, errOut := runList(t, env, now, false, 0, noneSoon); out != "" || errOut != "" {
		t.Fatalf("piped: %q %q", out, errOut)
	}
}
