package cmdutil_test

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

func parseOrgs(t *testing.T, args ...string) (cmdutil.OrgsFlags, string, error) {
	t.Helper()
	var o cmdutil.OrgsFlags
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cmdutil.AddOrgsFlags(cmd, &o)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	one, err := o.Validate()
	return o, one, err
}

func TestOrgsFlags(t *testing.T) {
	o, one, err := parseOrgs(t, "--org", "a,b", "--org", "c", "--org", "A", "--org", " ,d")
	if err != nil || one != "" || !slices.Equal(o.Names, []string{"a", "b", "c", "d"}) {
		t.Fatalf("names %q, one %q, %v", o.Names, one, err)
	}
	if o, one, err = parseOrgs(t, "--org", "fabrikam"); err != nil || one != "fabrikam" || len(o.Names) != 1 {
		t.Fatalf("one: %q %q %v", o.Names, one, err)
	}
	if _, one, err = parseOrgs(t); err != nil || one != "" {
		t.Fatalf("none: %q %v", one, err)
	}
	var flagErr *cmdutil.FlagError
	for _, args := range [][]string{{"--org", "a,b c"}, {"--org", "a", "--every-org"}} {
		if _, _, err := parseOrgs(t, args...); !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--org") {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// fakeOrgs serves the PAT API's List for any organization: one token named
// after it, and one valid in all of them; "refuses" answers 401. It counts
// the requests in flight at once.
type fakeOrgs struct {
	inFlight, most atomic.Int32
	mu             sync.Mutex
	seen           []string
}

func (f *fakeOrgs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
	org := strings.Split(r.URL.Path, "/")[1]
	f.mu.Lock()
	f.seen = append(f.seen, org)
	f.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	w.Header().Set("Content-Type", "application/json")
	if org == "refuses" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"message":"TF400813: The user 'x' is not authorized to access this resource."}`)
		return
	}
	fmt.Fprintf(w, `{"continuationToken":"","patTokens":[
		{"displayName":"in-%[1]s","authorizationId":"00000000-0000-0000-0000-%012[2]x","scope":"vso.code","targetAccounts":["%[1]s"],"validTo":"2030-01-01T00:00:00Z"},
		{"displayName":"global","authorizationId":"AAAAAAAA-0000-0000-0000-000000000000","scope":"vso.code","targetAccounts":null,"validTo":"2030-01-01T00:00:00Z"}]}`, org, crc32.ChecksumIEEE([]byte(org)))
}

func fakeTokenCmd(t *testing.T, f http.Handler) cmdutil.TokenCmd {
	t.Helper()
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	io, _, _, _ := iostreams.Test()
	return cmdutil.TokenCmd{
		IO:       io,
		Now:      time.Now,
		Settings: func() (config.Settings, error) { return config.Settings{APIURL: srv.URL}, nil },
		PATClient: func(_ context.Context, org string) (*patapi.Client, error) {
			return patapi.New(srv.Client(), srv.URL, org), nil
		},
		BearerClient: func(context.Context) (*http.Client, error) { return srv.Client(), nil },
	}
}

func TestListOrgsSideBySideBoundedInOrder(t *testing.T) {
	fake := &fakeOrgs{}
	tc := fakeTokenCmd(t, fake)
	var names []string
	for i := 0; i < 12; i++ {
		names = append(names, fmt.Sprintf("org%02d", i))
	}
	results, err := tc.ListOrgs(context.Background(), cmdutil.OrgsFlags{Names: names}, patapi.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if most := fake.most.Load(); most < 2 || most > cmdutil.MaxParallelOrgs {
		t.Fatalf("%d organizations read at once, want 2 to %d", most, cmdutil.MaxParallelOrgs)
	}
	for i, r := range results {
		if r.Org != names[i] || r.Err != nil || len(r.Tokens) != 2 || r.Tokens[0].DisplayName != "in-"+names[i] {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	merged := cmdutil.MergeOrgs(results)
	if len(merged) != 13 || merged[0].Org != "org00" || merged[1].DisplayName != "global" || merged[1].Org != "org00" || merged[12].Org != "org11" {
		t.Fatalf("merged %+v", merged)
	}
}

func TestRefusals(t *testing.T) {
	tc := fakeTokenCmd(t, &fakeOrgs{})
	ctx := context.Background()
	results, err := tc.ListOrgs(ctx, cmdutil.OrgsFlags{Names: []string{"alpha", "refuses", "beta"}}, patapi.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmdutil.FirstFailure(results); err != nil {
		t.Fatalf("some answered, yet %v", err)
	}
	if got := cmdutil.Failed(results); !slices.Equal(got, []string{"refuses"}) {
		t.Fatalf("failed %q", got)
	}
	io, _, _, errOut := iostreams.Test()
	tc.IO = io
	err = tc.OrgFailures(results, "list")
	var coded *cmdutil.ExitCodeError
	if !errors.As(err, &coded) || coded.Code != cmdutil.ExitError || !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{"organization refuses was not read: list tokens: Azure DevOps wants a sign-in (HTTP 401: TF400813",
		"you may not be a member of refuses", "`patctl login --org refuses`", "1 of 3 organizations were not read"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("no %q in\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut.String(), "alpha") {
		t.Errorf("an organization that answered is named:\n%s", errOut)
	}
	if err := tc.OrgFailures(results[:1], "list"); err != nil {
		t.Fatalf("all answered: %v", err)
	}

	// Alone, an organization's error is the command's; all failing alike,
	// that error once, naming them.
	one, _ := tc.ListOrgs(ctx, cmdutil.OrgsFlags{Names: []string{"refuses"}}, patapi.ListOptions{})
	var signIn *patapi.SignInError
	if err := cmdutil.FirstFailure(one); !errors.As(err, &signIn) || strings.Contains(err.Error(), "organizations") {
		t.Fatalf("alone: %v", err)
	}
	same := []cmdutil.OrgTokens{{Org: "a", Err: one[0].Err}, {Org: "b", Err: one[0].Err}}
	if err := cmdutil.FirstFailure(same); !errors.As(err, &signIn) || !strings.HasPrefix(err.Error(), "organizations a, b: ") {
		t.Fatalf("alike: %v", err)
	}
	mixed := []cmdutil.OrgTokens{{Org: "a", Err: one[0].Err}, {Org: "b", Err: errors.New("other")}}
	if err := cmdutil.FirstFailure(mixed); err != nil {
		t.Fatalf("each its own way: %v", err)
	}
}

func TestEveryOrgAsksTheAccountsAPI(t *testing.T) {
	env := cmdtest.New(t)
	err := env.Emulator.Update(func(c *emulator.Config) {
		c.Orgs = append(c.Orgs, emulator.Org{Name: "Alpha", ID: "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID},
			emulator.Org{Name: "hidden", ID: "8a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID, Members: []string{"x@contoso.onmicrosoft.com"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	tc := env.TokenCmd(io, time.Now)
	results, err := tc.ListOrgs(context.Background(), cmdutil.OrgsFlags{EveryOrg: true}, patapi.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Org != "Alpha" || results[1].Org != emulator.DefaultOrg || results[0].Err != nil || results[1].Err != nil {
		t.Fatalf("results %+v", results)
	}
	// Without flags: PATCTL_ORG's organization (here the settings' Org).
	results, err = tc.ListOrgs(context.Background(), cmdutil.OrgsFlags{}, patapi.ListOptions{})
	if err != nil || len(results) != 1 || results[0].Org != emulator.DefaultOrg {
		t.Fatalf("default: %+v %v", results, err)
	}
}
