package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/emulator"
)

// stallTimeout is PATCTL_HTTP_TIMEOUT in the stall matrix.
const stallTimeout = 2 * time.Second

// TestStallMatrix stalls the main exchange of each command that talks to the
// PAT API, before the headers and in the middle of the body, every time it
// is sent. Each run must end (within its deadlines and retries, not at the
// emulator's bound on a stall), and say that PATCTL_HTTP_TIMEOUT ran out; a
// create or rotate must keep the rotation invariant of the fault matrix.
func TestStallMatrix(t *testing.T) {
	const maxWait = 5 * time.Second // room for one retry of a read
	// rotate waits 0.5+1+2+4s between its five tries of a new token.
	const verifyWaits = 7500 * time.Millisecond
	commands := []struct {
		name, exchange, op string
		args               func(old string) []string
		// The most attempts of the stalled exchange, and the waits between
		// them: with its deadline, how long the command may run.
		attempts int
		waits    time.Duration
		makes    bool // creates a token: the invariant applies
	}{
		{"list", "GET list", emulator.OpList, func(string) []string { return []string{"list"} }, 3, maxWait, false},
		{"get", "GET token", emulator.OpGet, func(old string) []string { return []string{"get", "--id", old} }, 3, maxWait, false},
		{"create", "POST new token", emulator.OpCreate, func(string) []string {
			return []string{"create", "--name", "svc-new", "--scope", "vso.code"}
		}, 1, 0, true},
		{"rotate", "POST new token", emulator.OpCreate, func(old string) []string { return []string{"rotate", "--id", old} }, 1, 0, true},
		{"rotate", "verify new token", emulator.OpConnectionData, func(old string) []string { return []string{"rotate", "--id", old} }, 5, verifyWaits, true},
		{"revoke", "DELETE token", emulator.OpRevoke, func(old string) []string { return []string{"revoke", "--id", old, "--yes"} }, 3, maxWait, false},
	}
	stalls := []struct{ name, kind string }{
		{"before headers", emulator.FaultTimeout},
		{"mid-body", emulator.FaultStallBody},
	}
	rows := make([]string, len(commands)*len(stalls))
	t.Run("cells", func(t *testing.T) {
		for i, c := range commands {
			for j, s := range stalls {
				t.Run(c.name+" / "+c.exchange+" / "+s.name, func(t *testing.T) {
					t.Parallel()
					f := emulator.Fault{Op: c.op, Kind: s.kind} // every attempt stalls
					r := runCell(t, f, stallTimeout.String(), func(old string) []string {
						return append(c.args(old), "--max-wait", maxWait.String())
					})
					// Room for a loaded machine on top; a hang runs into the
					// emulator's bound on a stall (a minute or more).
					bound := time.Duration(c.attempts)*stallTimeout + c.waits + 20*time.Second
					t.Logf("exit %d after %s:\n%s", r.code, r.elapsed.Round(100*time.Millisecond), r.stderr)
					inTime := r.elapsed <= bound
					if !inTime {
						t.Errorf("ran %s, beyond %s: it hung on the stall", r.elapsed.Round(time.Second), bound)
					}
					// A revoke's 204 has no body to stall: its headers are the answer.
					bodiless := c.op == emulator.OpRevoke && s.kind == emulator.FaultStallBody
					switch {
					case bodiless && (r.code != 0 || r.oldActive):
						t.Errorf("exit %d, token active %v; want it revoked\n%s", r.code, r.oldActive, r.stderr)
					case !bodiless && (r.code == 0 || !strings.Contains(r.stderr, config.EnvTimeout)):
						t.Errorf("exit %d; want a failure that names %s:\n%s", r.code, config.EnvTimeout, r.stderr)
					}
					invariant := "n/a"
					if c.makes {
						invariant = holds(r.invariant())
						if !r.invariant() {
							t.Errorf("invariant broken: old active %v, new delivered %v, orphans %v (reported %v); exit %d\n%s",
								r.oldActive, r.delivered, r.orphans, r.orphansReported, r.code, r.stderr)
						}
					}
					// What patctl said it would try again, reads and checks of a new token alike.
					retries := strings.Count(r.stderr, "; retrying in ") + strings.Count(r.stderr, "; trying again in ")
					rows[i*len(stalls)+j] = fmt.Sprintf("| `%s` | %s | %s | %d | %d | %s | %s | %s | %s |", c.name, c.exchange, s.name,
						retries, r.code, yesNo(inTime), yesNo(strings.Contains(r.stderr, config.EnvTimeout)), orphanText(r), invariant)
				})
			}
		}
	})
	writeReliabilitySection(t, "stall-matrix",
		"| command | stalled exchange | stall | retries | exit | ended in time | names PATCTL_HTTP_TIMEOUT | orphans | invariant |\n|---|---|---|---|---|---|---|---|---|\n"+
			strings.Join(rows, "\n")+"\n")
}
