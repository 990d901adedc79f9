package orgs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

func TestFlagsReachOptions(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdOrgs(&cmdutil.Factory{IOStreams: io}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json", "--max-wait", "5s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || got.MaxWait != 5*time.Second {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmdOrgs(&cmdutil.Factory{IOStreams: io}, func(context.Context, *Options) error { t.Fatal("ran"); return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Fatal("an argument was accepted")
	}
}

func runOrgs(t *testing.T, tty, asJSON bool) string {
	t.Helper()
	env := cmdtest.New(t)
	err := env.Emulator.Update(func(c *emulator.Config) {
		c.Orgs = append(c.Orgs, emulator.Org{Name: "Contoso-Web", ID: "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID})
	})
	if err != nil {
		t.Fatal(err)
	}
	io, _, out, _ := iostreams.Test()
	io.SetTTY(false, tty, tty)
	opts := &Options{IO: io, Settings: env.Settings, Now: time.Now, JSONFlags: cmdutil.JSONFlags{JSON: asJSON},
		Accounts: func(context.Context) (*patapi.AccountsClient, error) {
			hc, err := env.Emulator.UserHTTPClient(emulator.DefaultUserUPN)
			return patapi.NewAccounts(hc, env.Emulator.URL()), err
		}}
	if err := orgsRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out.String(), env.Emulator.URL(), "https://dev.azure.com")
}

func TestJSON(t *testing.T) {
	var got []map[string]string
	if err := json.Unmarshal([]byte(runOrgs(t, false, true)), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"name": "Contoso-Web", "id": "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "url": "https://dev.azure.com/Contoso-Web"},
		{"name": "fabrikam", "id": emulator.DefaultOrgID, "url": "https://dev.azure.com/fabrikam"},
	}
	if len(got) != 2 || len(got[0]) != 3 || got[0]["name"] != want[0]["name"] || got[0]["url"] != want[0]["url"] || got[1]["id"] != want[1]["id"] {
		t.Fatalf("JSON %v", got)
	}
}

func TestTableOnATerminalTabsInAPipe(t *testing.T) {
	lines := strings.Split(strings.TrimRight(runOrgs(t, true, false), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME ") || !strings.HasPrefix(lines[1], "Contoso-Web ") ||
		strings.Index(lines[0], "URL") != strings.Index(lines[2], "https://") || strings.Contains(lines[1], "\t") {
		t.Fatalf("table:\n%s", strings.Join(lines, "\n"))
	}
	piped := runOrgs(t, false, false)
	if piped != "Contoso-Web\t7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d\thttps://dev.azure.com/Contoso-Web\nfabrikam\t"+emulator.DefaultOrgID+"\thttps://dev.azure.com/fabrikam\n" {
		t.Fatalf("piped: %q", piped)
	}
}
