package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/patapi"
)

// faultCell is one cell of the rotate fault matrix: an exchange of the
// rotation and how it fails.
type faultCell struct {
	step  string // as the doc names it
	fault emulator.Fault
}

// TestRotateFaultMatrix breaks each exchange of a rotation in each way a
// network or service breaks, and checks the invariant: afterwards the old
// token is still active, or the new secret was delivered — never neither —
// and no token the service made is left active without being reported.
func TestRotateFaultMatrix(t *testing.T) {
	steps := []struct{ name, op, grant string }{
		{"GET old token", emulator.OpGet, ""},
		{"POST new token", emulator.OpCreate, ""},
		{"verify new token", emulator.OpConnectionData, ""},
		{"DELETE old token", emulator.OpRevoke, ""},
		{"token refresh", emulator.OpToken, "refresh_token"},
	}
	faults := []struct {
		name string
		f    emulator.Fault
	}{
		{"500", emulator.Fault{Kind: emulator.FaultStatus, Status: 500}},
		{"503 + Retry-After", emulator.Fault{Kind: emulator.FaultStatus, Status: 503, RetryAfter: 1}},
		{"429", emulator.Fault{Kind: emulator.FaultStatus, Status: 429}},
		{"connection reset", emulator.Fault{Kind: emulator.FaultReset, Times: 1}},
		{"timeout", emulator.Fault{Kind: emulator.FaultTimeout, Times: 1}},
		{"commit, then drop", emulator.Fault{Kind: emulator.FaultCommitThenDrop, Times: 1}},
	}
	t.Parallel()
	// Each cell has its own emulator and login, so cells run in parallel:
	// they mostly wait for timeouts and retries. Each writes its own row, and
	// the table is written once the group has returned, after every cell.
	rows := make([]string, len(steps)*len(faults))
	t.Run("cells", func(t *testing.T) {
		for i, s := range steps {
			for j, fl := range faults {
				f := fl.f
				f.Op, f.GrantType = s.op, s.grant
				row := &rows[i*len(faults)+j]
				t.Run(s.name+" / "+fl.name, func(t *testing.T) {
					t.Parallel()
					r := runFaultCell(t, f)
					ok := r.invariant()
					if !ok {
						t.Errorf("invariant broken: old active %v, new delivered %v, orphans %v (reported %v); exit %d\n%s",
							r.oldActive, r.delivered, r.orphans, r.orphansReported, r.code, r.stderr)
					}
					*row = fmt.Sprintf("| %s | %s | %d | %s | %s | %s | %s |", s.name, fl.name, r.code,
						yesNo(r.oldActive), yesNo(r.delivered), orphanText(r), holds(ok))
				})
			}
		}
	})
	writeReliabilitySection(t, "fault-matrix",
		"| exchange | fault | exit | old token active | new secret delivered | orphans | invariant |\n|---|---|---|---|---|---|---|\n"+
			strings.Join(slices.DeleteFunc(rows, func(r string) bool { return r == "" }), "\n")+"\n")
}

type cellResult struct {
	code            int
	stdout, stderr  string
	elapsed         time.Duration // of the patctl run alone
	oldActive       bool
	delivered       bool
	orphans         []string
	orphansReported bool
}

// invariant: the old token is still active or the new secret was
// delivered, and no token the service made is left active unreported.
func (r cellResult) invariant() bool {
	return (r.oldActive || r.delivered) && (len(r.orphans) == 0 || r.orphansReported)
}

var secretRE = regexp.MustCompile(`(?m)^[a-z0-9]{52}$`)

func runFaultCell(t *testing.T, f emulator.Fault) cellResult {
	return runCell(t, f, "2s", func(old string) []string { return []string{"rotate", "--id", old, "--max-wait", "3s"} })
}

// runCell signs in to a fresh emulator, makes a token "svc" directly, arms f
// and runs patctl with the arguments args gives for that token's id, with
// PATCTL_HTTP_TIMEOUT=timeout; then it looks at what is left: the old
// token, any other active "svc…" token, and a secret on stdout.
func runCell(t *testing.T, f emulator.Fault, timeout string, args func(old string) []string) cellResult {
	em := emulatortest.Start(t, emulator.Options{})
	if f.Op == emulator.OpToken {
		// A login whose access token is due for a refresh at once.
		em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
	}
	login := patctlCommand(t, em, "login", "--device-code")
	dir := filepath.Dir(login.Path)
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	api := directAPI(t, em)
	old, err := api.Create(context.Background(), patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code", ValidTo: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := em.AddFault(f); err != nil {
		t.Fatal(err)
	}

	cmd := inDir(patctlCommand(t, em, args(old.AuthorizationID)...), dir)
	cmd.Env = append(cmd.Env, "PATCTL_HTTP_TIMEOUT="+timeout)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r := cellResult{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if exitErr, ok := err.(*exec.ExitError); ok {
		r.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	em.ClearFaults()

	active, err := api.List(context.Background(), patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var others []string
	for _, tok := range active {
		switch {
		case tok.AuthorizationID == old.AuthorizationID:
			r.oldActive = true
		case strings.HasPrefix(tok.DisplayName, "svc"):
			others = append(others, tok.AuthorizationID)
		}
	}
	if secret := secretRE.FindString(r.stdout); secret != "" {
		r.delivered = patapi.VerifyPAT(context.Background(), em.HTTPClient(), em.URL(), emulator.DefaultOrg, secret) == nil
	}
	// An active new token whose secret was not delivered is an orphan.
	if !r.delivered {
		r.orphans = others
	} else if len(others) > 1 {
		r.orphans = others[1:]
	}
	r.orphansReported = true
	for _, o := range r.orphans {
		r.orphansReported = r.orphansReported && strings.Contains(r.stderr, o)
	}
	return r
}

// directAPI is the PAT API as the default user, for setting up and checking.
func directAPI(t *testing.T, em *emulator.Emulator) *patapi.Client {
	client, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	return patapi.New(client, em.URL(), emulator.DefaultOrg)
}

func yesNo(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }

func holds(ok bool) string { return map[bool]string{true: "holds", false: "BROKEN"}[ok] }

func orphanText(r cellResult) string {
	if len(r.orphans) == 0 {
		return "none"
	}
	if r.orphansReported {
		return fmt.Sprintf("%d, reported", len(r.orphans))
	}
	return fmt.Sprintf("%d, NOT reported", len(r.orphans))
}
