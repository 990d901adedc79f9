package emulator_test

import (
	"io"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// TestVariableGroupsMounted: the fake answers on the emulator's host with a
// user's token, 401 without one, is logged and faulted by its operation
// names, and reads back through the control endpoint.
func TestVariableGroupsMounted(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	client, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	find := em.URL() + "/fabrikam/web/_apis/distributedtask/variablegroups?groupName=pipelines&api-version=7.1"
	resp, err := client.Get(find)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("find: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = em.HTTPClient().Get(find)
	if err != nil || resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("without a token: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := em.AddFault(emulator.Fault{Op: vargroups.OpList, Kind: emulator.FaultStatus, Status: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if resp, _ = client.Get(find); resp.StatusCode != 503 {
		t.Fatalf("a fault on %s: %d", vargroups.OpList, resp.StatusCode)
	}
	resp.Body.Close()
	if log := em.Requests(); log[len(log)-1].Op != vargroups.OpList {
		t.Fatalf("logged as %q", log[len(log)-1].Op)
	}

	resp, err = em.HTTPClient().Get(em.URL() + "/_emulator/vargroups/fabrikam/web/pipelines/DB_PASSWORD")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"isSecret":true`) || !strings.Contains(string(body), `"value":"`) {
		t.Fatalf("readback: %s", body)
	}
	if v, ok := em.VariableGroups().Value(emulator.DefaultOrg, "web", "pipelines", "ENVIRONMENT"); !ok || *v.Value != "production" {
		t.Fatalf("readback method: %+v", v)
	}
}
