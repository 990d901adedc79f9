package list

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
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
	// Columns line up, and times are for people.
	if strings.Index(lines[0], "EXPIRES") != strings.Index(lines[1], time.Now().UTC().Format("2006")) || !strings.Contains(lines[1], "(in 3 days)") || strings.Contains(out.String(), "\t") {
		t.Fatalf("not aligned or not readable:\n%s", out)
	}
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
