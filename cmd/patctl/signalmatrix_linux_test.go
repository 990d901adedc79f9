package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// interruption is how a cell of the signal matrix stops patctl.
type interruption string

const (
	sigInt     interruption = "SIGINT"
	sigTerm    interruption = "SIGTERM"
	closedPipe interruption = "closed stdout pipe"
	sigKill    interruption = "SIGKILL"
)

// signalStage is where a cell interrupts: a stage the transaction stops
// itself at, or (inFlight) the moment the service has made the token while
// its answer is still on the way.
type signalStage struct {
	name     string
	stop     string
	inFlight bool
}

var (
	createStages = []signalStage{
		{"before the POST", rotation.StageClaimed, false},
		{"POST in flight", "", true},
		{"answer received", rotation.StageCreated, false},
		{"delivering", rotation.StageDelivering, false},
		{"after delivering", rotation.StageRetired, false},
	}
	rotateStages = []signalStage{
		{"before the POST", rotation.StageClaimed, false},
		{"POST in flight", "", true},
		{"answer received", rotation.StageCreated, false},
		{"verifying", rotation.StageVerifying, false},
		{"delivering", rotation.StageDelivering, false},
		{"retiring", rotation.StageRetiring, false},
		{"after retiring", rotation.StageRetired, false},
	}
	interruptions = []interruption{sigInt, sigTerm, closedPipe, sigKill}
)

// TestSignalMatrix interrupts create and rotate at every stage in every way a
// process is interrupted, runs `patctl resume` when the journal kept
// something, and checks the invariant: either the old token is active and
// no new token is, or the new secret reached stdout and the old token is
// retired — never an active token whose secret is nowhere.
func TestSignalMatrix(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	rows := map[string]string{}
	var order []string
	t.Run("cells", func(t *testing.T) {
		for _, op := range []string{"create", "rotate"} {
			stages := createStages
			if op == "rotate" {
				stages = rotateStages
			}
			for _, st := range stages {
				for _, in := range interruptions {
					name := fmt.Sprintf("%s/%s/%s", op, st.name, in)
					order = append(order, name)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						r := runSignalCell(t, op, st, in)
						if !r.holds() {
							t.Errorf("invariant broken: %s\nfirst run (exit %s):\n%s\nresume (exit %s):\n%s", r.summary(), r.exit, r.stderr, r.resumeExit, r.resumeStderr)
						}
						if r.left > 0 {
							t.Errorf("%d journal entries left after resume:\n%s", r.left, r.resumeStderr)
						}
						mu.Lock()
						rows[name] = fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", op, st.name, in, r.exit, r.resumeExit, r.summary(),
							map[bool]string{true: "holds", false: "BROKEN"}[r.holds() && r.left == 0])
						mu.Unlock()
					})
				}
			}
		}
	})
	var table []string
	for _, name := range order {
		if row, ok := rows[name]; ok {
			table = append(table, row)
		}
	}
	writeReliabilitySection(t, "signal-matrix",
		"| command | stage | interruption | exit | `patctl resume` | afterwards | invariant |\n|---|---|---|---|---|---|---|\n"+strings.Join(table, "\n")+"\n")
}

type signalResult struct {
	op                   string
	exit, resumeExit     string
	stderr, resumeStderr string
	oldActive            bool
	newActive            int
	delivered            bool // a secret that works reached stdout (of the run or of resume)
	left                 int  // journal entries after resume
}

func (r signalResult) holds() bool {
	if r.op == "create" {
		return r.newActive == 0 || r.newActive == 1 && r.delivered
	}
	return r.oldActive && r.newActive == 0 || !r.oldActive && r.newActive == 1 && r.delivered
}

func (r signalResult) summary() string {
	var parts []string
	if r.op == "rotate" {
		parts = append(parts, "old "+map[bool]string{true: "active", false: "retired"}[r.oldActive])
	}
	switch {
	case r.newActive == 0:
		parts = append(parts, "no new token")
	case r.delivered:
		parts = append(parts, fmt.Sprintf("%d new, secret delivered", r.newActive))
	default:
		parts = append(parts, fmt.Sprintf("%d new, secret LOST", r.newActive))
	}
	return strings.Join(parts, ", ")
}

func runSignalCell(t *testing.T, op string, st signalStage, in interruption) signalResult {
	em := emulatortest.Start(t, emulator.Options{})
	login := patctlCommand(t, em, "login", "--device-code")
	dir := filepath.Dir(login.Path)
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	api := directAPI(t, em)
	ctx := context.Background()
	args := []string{"create", "--name", "svc", "--scope", "vso.code"}
	var old patapi.PatToken
	if op == "rotate" {
		var err error
		if old, err = api.Create(ctx, patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code", ValidTo: time.Now().Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		args = []string{"rotate", "--id", old.AuthorizationID}
	}
	if st.inFlight {
		if err := em.AddFault(emulator.Fault{Op: emulator.OpCreate, Kind: emulator.FaultCommitThenHold, Times: 1}); err != nil {
			t.Fatal(err)
		}
	}

	cmd := inDir(patctlCommand(t, em, args...), dir)
	// A held POST that nothing interrupts (a closed pipe) ends at this.
	cmd.Env = append(cmd.Env, "PATCTL_HTTP_TIMEOUT=5s")
	if !st.inFlight {
		cmd.Env = append(cmd.Env, envTestStopAt+"="+st.stop)
	}
	stdout, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Wait for the moment to interrupt.
	var reached bool
	if st.inFlight {
		reached = waitFor(done, func() bool { return countNew(t, api, old.AuthorizationID) > 0 })
	} else {
		reached = waitFor(done, func() bool { return stopped(cmd.Process.Pid) })
	}
	if !reached {
		t.Fatalf("patctl ended before the stage %q:\n%s", st.name, stderr.String())
	}
	var out bytes.Buffer
	switch in {
	case sigInt, sigTerm:
		sig := map[interruption]syscall.Signal{sigInt: syscall.SIGINT, sigTerm: syscall.SIGTERM}[in]
		_ = cmd.Process.Signal(sig)
	case closedPipe:
		drain(stdout, &out)
		closeReader(stdout)
	case sigKill:
		_ = cmd.Process.Kill()
	}
	_ = cmd.Process.Signal(syscall.SIGCONT)
	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("patctl did not end after %s:\n%s", in, stderr.String())
	}
	if in != closedPipe {
		drain(stdout, &out)
	}
	r := signalResult{op: op, exit: exitText(waitErr), stderr: stderr.String(), resumeExit: "—"}
	em.ClearFaults()

	// Whatever the journal kept, resume finishes.
	entries, _ := filepath.Glob(filepath.Join(dir, "config", "journal", "*.json"))
	if len(entries) > 0 {
		resume := inDir(patctlCommand(t, em, "resume"), dir)
		var rout, rerr bytes.Buffer
		resume.Stdout, resume.Stderr = &rout, &rerr
		r.resumeExit = exitText(resume.Run())
		r.resumeStderr = rerr.String()
		out.Write(rout.Bytes())
		entries, _ = filepath.Glob(filepath.Join(dir, "config", "journal", "*.json"))
		r.left = len(entries)
	}

	active, err := api.List(ctx, patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range active {
		switch {
		case tok.AuthorizationID == old.AuthorizationID:
			r.oldActive = true
		case tok.DisplayName == "svc":
			r.newActive++
		}
	}
	for _, secret := range secretRE.FindAllString(out.String(), -1) {
		if patapi.VerifyPAT(ctx, em.HTTPClient(), em.URL(), emulator.DefaultOrg, secret) == nil {
			r.delivered = true
		}
	}
	return r
}

// waitFor polls cond until it holds (true) or the process ends (false).
func waitFor(done chan error, cond func() bool) bool {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case err := <-done:
			done <- err // for the caller's wait
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// stopped reports whether the process is stopped (SIGSTOP), from /proc.
func stopped(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(data, ')')
	return i > 0 && i+2 < len(data) && data[i+2] == 'T'
}

// countNew counts the active tokens named svc other than old.
func countNew(t *testing.T, api *patapi.Client, old string) int {
	active, err := api.List(context.Background(), patapi.ListOptions{Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tok := range active {
		if tok.DisplayName == "svc" && tok.AuthorizationID != old {
			n++
		}
	}
	return n
}

// closeReader closes the only reader of a pipe. A child process forked (by
// another test) just before the close holds a copy of it until it has run
// exec; waiting out the forks in progress makes sure none is left.
func closeReader(r *os.File) {
	r.Close()
	syscall.ForkLock.RLock()
	syscall.ForkLock.RUnlock()
}

// drain reads what is in the pipe now; its writer is stopped or gone.
func drain(r *os.File, into *bytes.Buffer) {
	buf := make([]byte, 4096)
	for {
		_ = r.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := r.Read(buf)
		into.Write(buf[:n])
		if err != nil {
			return
		}
	}
}

func exitText(err error) string {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed"
		}
		return fmt.Sprint(exitErr.ExitCode())
	}
	if err != nil {
		return err.Error()
	}
	return "0"
}
