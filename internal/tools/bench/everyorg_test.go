package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEveryOrgReadsSideBySide runs the bench's `list --every-org` measure
// alone (make bench runs them all): the organizations' lists go out side by
// side, so the wall time is nearer the 3 round trips of the critical path
// than the 7 of one organization after another.
func TestEveryOrgReadsSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds patctl and times it")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "patctl")
	t.Chdir(filepath.Join("..", "..", ".."))
	if err := buildPatctl(bin, "0"); err != nil {
		t.Fatal(err)
	}
	// More latency than make bench's 50 ms, for a margin on a busy machine.
	const latency = 150 * time.Millisecond
	m, err := measureEveryOrg(work, bin, 5, latency, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m.profile != 1 || m.accounts != 1 || m.lists != 5 || m.otherReqs != 0 || m.entra != 0 {
		t.Fatalf("requests: %+v", m)
	}
	// A loaded machine may add to the ideal 3 round trips; one organization
	// after another would take 7 at least.
	if m.median() >= 7*latency {
		t.Fatalf("median %s: the organizations were not read side by side", m.median())
	}
	r := &report{}
	r.reportEveryOrg(m)
	if !strings.Contains(r.b.String(), "## List every organization") || len(r.targets) != 2 {
		t.Fatalf("report:\n%s\n%v", r.b.String(), r.targets)
	}
	t.Logf("\n%s%s", r.b.String(), strings.Join(r.targets, "\n"))
}
