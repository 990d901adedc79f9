package emulator_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/github"
)

// The fake GitHub is mounted at /github/: its requests are logged with their
// operation, faults apply per operation, the configuration reaches it, and
// its state survives a restart.
func TestGitHubIsMounted(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "state.json")
	em := emulatortest.Start(t, emulator.Options{StateFile: stateFile})
	get := func(path string) int {
		req, _ := http.NewRequest("GET", em.URL()+"/github"+path, nil)
		req.Header.Set("Authorization", "Bearer "+github.DefaultToken)
		resp, err := em.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("/repos/contoso/web/actions/secrets/public-key"); st != 200 {
		t.Fatalf("public key: %d", st)
	}
	if err := em.AddFault(emulator.Fault{Op: github.OpPublicKey, Kind: emulator.FaultStatus, Status: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if st := get("/repos/contoso/web/actions/secrets/public-key"); st != 503 {
		t.Fatalf("with a fault: %d", st)
	}
	log := em.Requests()
	if len(log) != 2 || log[1].Op != github.OpPublicKey || log[1].Fault != emulator.FaultStatus {
		t.Fatalf("log %+v", log)
	}

	if err := em.Update(func(c *emulator.Config) { c.GitHub.Orgs = append(c.GitHub.Orgs, github.Org{Name: "fabrikam"}) }); err != nil {
		t.Fatal(err)
	}
	if st := get("/orgs/fabrikam/actions/secrets/public-key"); st != 200 {
		t.Fatalf("a configured organization: %d", st)
	}
	if err := em.GitHub().SeedOrgSecret("fabrikam", "kept", "value", "private", nil); err != nil {
		t.Fatal(err)
	}
	em.Close()

	cfg := emulator.DefaultConfig()
	cfg.GitHub.Orgs = append(cfg.GitHub.Orgs, github.Org{Name: "fabrikam"})
	third := emulatortest.Start(t, emulator.Options{StateFile: stateFile, Config: &cfg})
	if s, err := third.GitHub().Secret("fabrikam/KEPT"); err != nil || s.Value != "value" {
		t.Fatalf("after a restart: %+v %v", s, err)
	}
	resp, err := third.HTTPClient().Get(third.URL() + "/_emulator/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"github"`) || strings.Contains(string(body), github.DefaultToken) {
		t.Fatalf("the control endpoint shows GitHub tokens, or no GitHub settings:\n%s", body)
	}
}
