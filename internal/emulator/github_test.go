package emulator

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/emulator/github"
)

// The fake GitHub is mounted at /github/: its requests are logged with their
// operation, faults apply per operation, the configuration reaches it, and
// its state survives a restart.
func TestGitHubIsMounted(t *testing.T) {
	stateFile := filepath.Join(t.TempDir(), "state.json")
	em := startEmulator(t, Options{StateFile: stateFile})
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
	if err := em.AddFault(Fault{Op: github.OpPublicKey, Kind: FaultStatus, Status: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if st := get("/repos/contoso/web/actions/secrets/public-key"); st != 503 {
		t.Fatalf("with a fault: %d", st)
	}
	log := em.Requests()
	if len(log) != 2 || log[1].Op != github.OpPublicKey || log[1].Fault != FaultStatus {
		t.Fatalf("log %+v", log)
	}

	if err := em.Update(func(c *Config) { c.GitHub.Orgs = append(c.GitHub.Orgs, github.Org{Name: "fabrikam"}) }); err != nil {
		t.Fatal(err)
	}
	if st := get("/orgs/fabrikam/actions/secrets/public-key"); st != 200 {
		t.Fatalf("a configured organization: %d", st)
	}
	if err := em.GitHub().SeedOrgSecret("fabrikam", "kept", "value", "private", nil); err != nil {
		t.Fatal(err)
	}
	em.Close()

	cfg := DefaultConfig()
	cfg.GitHub.Orgs = append(cfg.GitHub.Orgs, github.Org{Name: "fabrikam"})
	third := startEmulator(t, Options{StateFile: stateFile, Config: &cfg})
	if s, err := third.GitHub().Secret("fabrikam/KEPT"); err != nil || s.Value != "value" {
		t.Fatalf("after a restart: %+v %v", s, err)
	}
	if c := redactSecrets(third.Config()); strings.Contains(c.GitHub.Tokens[0].Value, "ghp_") {
		t.Fatal("the control endpoint shows GitHub tokens")
	}
}
