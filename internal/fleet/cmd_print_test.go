package fleet

import (
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/iostreams"
)

// TestPrintPlanTimesForPeople: the reasons' times read as everywhere else on
// a terminal, and stay RFC 3339 in a pipe and in JSON.
func TestPrintPlanTimesForPeople(t *testing.T) {
	actions := []Action{{Name: "ci", Org: "fabrikam", Action: ActRotate, Reason: "expires 2026-12-05T10:00:00Z, within rotateBefore (7d)"}}
	ios, _, out, _ := iostreams.Test()
	ios.SetTTY(false, true, true)
	ios.SetSize(200, 40)
	if err := PrintPlan(ios, &cmdutil.JSONFlags{}, actions); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "2026-12-05T10:00:00Z") || !strings.Contains(out.String(), "2026-12-05") {
		t.Fatalf("on a terminal:\n%s", out)
	}
	ios, _, out, _ = iostreams.Test()
	if err := PrintPlan(ios, &cmdutil.JSONFlags{}, actions); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2026-12-05T10:00:00Z") {
		t.Fatalf("in a pipe:\n%s", out)
	}
}
