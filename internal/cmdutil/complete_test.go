package cmdutil_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/patapi"
)

// completer completes against env's emulator, signed in as the default user.
func completer(env *cmdtest.Env) cmdutil.Completer {
	return cmdutil.Completer{Settings: env.Settings, PATClient: env.PATClient, Now: time.Now,
		AccountsClient: func(context.Context) (*patapi.AccountsClient, error) {
			hc, err := env.Emulator.UserHTTPClient(emulator.DefaultUserUPN)
			return patapi.NewAccounts(hc, env.Emulator.URL()), err
		}}
}

// tokenCmd is a command with --org (a list when list) and --name, parsed
// from args as cobra parses them before it completes.
func tokenCmd(t *testing.T, list bool, args ...string) *cobra.Command {
	t.Helper()
	cmd := &cobra.Command{Use: "x"}
	if list {
		cmdutil.AddOrgsFlags(cmd, &cmdutil.OrgsFlags{})
	} else {
		cmdutil.AddOrgFlag(cmd, new(string))
	}
	cmdutil.AddSelectorFlags(cmd, &cmdutil.Selector{})
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cmd.SetContext(context.Background())
	return cmd
}

func create(t *testing.T, env *cmdtest.Env, name string, life time.Duration) patapi.PatToken {
	t.Helper()
	tok, err := env.Direct.Create(context.Background(), patapi.CreateRequest{DisplayName: name, Scope: "vso.code", ValidTo: time.Now().Add(life)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCompleteNamesAndIDs(t *testing.T) {
	env := cmdtest.New(t)
	deploy := create(t, env, "deploy", 7*24*time.Hour)
	create(t, env, "Deploy-eu", 5*time.Hour)
	create(t, env, "ci", 30*24*time.Hour)
	create(t, env, "ci", 3*24*time.Hour)
	evil := create(t, env, "evil\x1b]0;pwned\x07", time.Hour)
	c := completer(env)

	got, dir := c.TokenNames(tokenCmd(t, false), nil, "")
	want := []cobra.Completion{"Deploy-eu\texpires in 5h", "ci\t2 tokens, the first expires in 3d", "deploy\texpires in 7d"}
	if !slices.Equal(got, want) || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Fatalf("names %q (%v), want %q", got, dir, want)
	}
	// The prefix in any letter case.
	if got, _ := c.TokenNames(tokenCmd(t, false), nil, "dep"); len(got) != 2 {
		t.Fatalf("names for dep: %q", got)
	}

	got, _ = c.TokenIDs(tokenCmd(t, false), nil, "")
	if len(got) != 5 || !slices.IsSorted(got) || !slices.Contains(got, cobra.Completion(deploy.AuthorizationID+"\tdeploy")) {
		t.Fatalf("ids %q", got)
	}
	// A name that would write to the terminal is shown escaped, never raw.
	if !slices.Contains(got, cobra.Completion(evil.AuthorizationID+"\t"+`evil\x1b]0;pwned\a`)) {
		t.Fatalf("ids %q: the escaped name is missing", got)
	}
	if got, _ := c.TokenIDs(tokenCmd(t, false), nil, strings.ToUpper(deploy.AuthorizationID[:8])); len(got) != 1 {
		t.Fatalf("ids for a prefix: %q", got)
	}

	// The NAME argument: only the first, and not besides --name or --id.
	if got, _ := c.NameArg(tokenCmd(t, false), nil, "c"); len(got) != 1 {
		t.Fatalf("NAME: %q", got)
	}
	for _, args := range [][]string{{"--name", "ci"}, {"--id", deploy.AuthorizationID}} {
		if got, dir := c.NameArg(tokenCmd(t, false, args...), nil, ""); len(got) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Fatalf("NAME after %v: %q", args, got)
		}
	}
	if got, _ := c.NameArg(tokenCmd(t, false), []string{"ci"}, ""); len(got) != 0 {
		t.Fatalf("a second NAME: %q", got)
	}
}

func TestCompleteOrgFromTheFlag(t *testing.T) {
	env := cmdtest.New(t)
	if err := env.Emulator.Update(func(c *emulator.Config) {
		c.Orgs = append(c.Orgs, emulator.Org{Name: "contoso", ID: "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID})
	}); err != nil {
		t.Fatal(err)
	}
	other, err := env.PATClient(context.Background(), "contoso")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create(context.Background(), patapi.CreateRequest{DisplayName: "contoso-only", Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c := completer(env)
	for _, cmd := range []*cobra.Command{tokenCmd(t, false, "--org", "contoso"), tokenCmd(t, true, "--org", "contoso,fabrikam")} {
		if got, _ := c.TokenNames(cmd, nil, ""); !slices.Equal(got, []cobra.Completion{"contoso-only\texpires in 1h"}) {
			t.Fatalf("names in contoso: %q", got)
		}
	}
	if got, _ := c.Orgs(tokenCmd(t, false), nil, ""); !slices.Equal(got, []cobra.Completion{"contoso", "fabrikam"}) {
		t.Fatalf("orgs %q", got)
	}
	if got, _ := c.OrgList(tokenCmd(t, true), nil, "fabrikam,"); !slices.Equal(got, []cobra.Completion{"fabrikam,contoso"}) {
		t.Fatalf("orgs after a comma %q", got)
	}
	if got, _ := c.OrgList(tokenCmd(t, true, "--org", "Contoso"), nil, ""); !slices.Equal(got, []cobra.Completion{"fabrikam"}) {
		t.Fatalf("orgs after --org Contoso %q", got)
	}
}

// A completion that gets no answer gives up at its deadline, whether the
// call heeds the context (an HTTP request) or not (a keyring).
func TestCompleteGivesUpAtTheDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	settings := func() (config.Settings, error) { return config.Settings{APIURL: srv.URL, Org: "fabrikam"}, nil }
	for name, c := range map[string]cmdutil.Completer{
		"http": {Settings: settings, Deadline: 200 * time.Millisecond, PATClient: func(_ context.Context, org string) (*patapi.Client, error) {
			return patapi.New(srv.Client(), srv.URL, org), nil
		}},
		"deaf": {Settings: settings, Deadline: 200 * time.Millisecond, PATClient: func(context.Context, string) (*patapi.Client, error) {
			<-release
			return nil, context.Canceled
		}},
	} {
		start := time.Now()
		got, dir := c.TokenNames(tokenCmd(t, false), nil, "")
		if took := time.Since(start); took < 200*time.Millisecond || took > 2*time.Second {
			t.Errorf("%s: gave up after %v", name, took)
		}
		if len(got) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%s: %q, %v", name, got, dir)
		}
	}
}

func TestCompleteWithoutDependencies(t *testing.T) {
	var c cmdutil.Completer
	cmd := tokenCmd(t, true)
	for _, fn := range []cobra.CompletionFunc{c.TokenNames, c.TokenIDs, c.NameArg, c.Orgs, c.OrgList, c.Profiles, c.Accounts} {
		if got, dir := fn(cmd, nil, ""); len(got) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Fatalf("%q, %v", got, dir)
		}
	}
}

func TestLimitFileCompletion(t *testing.T) {
	root := &cobra.Command{Use: "root"}
	root.PersistentFlags().String("ca-file", "", "")
	sub := &cobra.Command{Use: "sub", Run: func(*cobra.Command, []string) {}}
	sub.Flags().StringP("file", "f", "", "")
	sub.Flags().String("output-file", "", "")
	sub.Flags().String("name", "", "")
	sub.Flags().String("config", "", "")
	_ = sub.MarkFlagFilename("config")
	sub.Flags().Bool("to-file", false, "")
	sub.Flags().String("jq", "", "")
	_ = sub.RegisterFlagCompletionFunc("jq", cobra.FixedCompletions([]string{"."}, cobra.ShellCompDirectiveNoFileComp))
	root.AddCommand(sub)
	cmdutil.LimitFileCompletion(root)

	for flag, want := range map[string]string{"--ca-file": ":0", "-f": ":0", "--output-file": ":0", "--config": ":0", "--name": ":4", "--jq": ":4"} {
		if got := lastLine(t, root, "sub", flag, ""); got != want {
			t.Errorf("%s: %s, want %s", flag, got, want)
		}
	}
	if got := lastLine(t, root, "sub", ""); got != ":4" {
		t.Errorf("argument: %s, want :4", got)
	}
}

func lastLine(t *testing.T, root *cobra.Command, args ...string) string {
	t.Helper()
	var out strings.Builder
	root.SetOut(&out)
	root.SetErr(&strings.Builder{})
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}
