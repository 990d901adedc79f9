package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// signedIn starts an emulator, signs in, and makes the token "svc" to
// rotate; it returns the login's directory.
func signedIn(t *testing.T) (*emulator.Emulator, string, patapi.PatToken) {
	t.Helper()
	em := emulatortest.Start(t, emulator.Options{})
	login := patctlCommand(t, em, "login", "--device-code")
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	old, err := directAPI(t, em).Create(context.Background(), patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code", ValidTo: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return em, filepath.Dir(login.Path), old
}

// startStopped starts cmd (its stdout and stderr set), lets the transaction
// run to stage and stop itself there, and returns once it has; done gets
// the result of Wait.
func startStopped(t *testing.T, cmd *exec.Cmd, stage string) (done chan error) {
	t.Helper()
	cmd.Env = append(cmd.Env, envTestStopAt+"="+stage)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !waitFor(done, func() bool { return stopped(cmd.Process.Pid) }) {
		t.Fatalf("patctl ended before %s:\n%v", stage, cmd.Stderr)
	}
	return done
}

// activeNamed lists the ids of the active tokens with this name.
func activeNamed(t *testing.T, em *emulator.Emulator, name string) []string {
	t.Helper()
	tokens, err := directAPI(t, em).List(context.Background(), patapi.ListOptions{Status: "active", Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tok := range tokens {
		if tok.DisplayName == name {
			ids = append(ids, tok.AuthorizationID)
		}
	}
	return ids
}

// TestReaderGoneBeforeRotate: `patctl rotate --name svc --json | notinstalled`
// — the reader has gone. patctl is not killed by SIGPIPE (exit 141, nothing
// said); it refuses before creating anything, and says why.
func TestReaderGoneBeforeRotate(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	closeReader(r)
	cmd := inDir(patctlCommand(t, em, "rotate", "--name", "svc", "--json"), dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	err = cmd.Run()
	w.Close()
	if code := cmd.ProcessState.ExitCode(); code != cmdutil.ExitUsage || !strings.Contains(stderr.String(), "stdout is closed") {
		t.Fatalf("exit %d (%v), want %d; stderr:\n%s", code, err, cmdutil.ExitUsage, stderr.String())
	}
	if ids := activeNamed(t, em, "svc"); len(ids) != 1 || ids[0] != old.AuthorizationID {
		t.Fatalf("active svc tokens %v, want only the old %s", ids, old.AuthorizationID)
	}
}

// TestReaderGoesDuringRotate: the reader goes away after patctl started,
// just before the secret is written. The write fails (EPIPE, not a fatal
// SIGPIPE), the new token is withdrawn and the old one kept.
func TestReaderGoesDuringRotate(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	cmd := inDir(patctlCommand(t, em, "rotate", "--name", "svc", "--json"), dir)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	done := startStopped(t, cmd, rotation.StageDelivering)
	w.Close()
	var early bytes.Buffer
	drain(r, &early)
	if early.Len() > 0 {
		t.Fatalf("stdout got %q before the delivering stage", early.String())
	}
	closeReader(r)
	_ = cmd.Process.Signal(syscall.SIGCONT)
	<-done
	if code := cmd.ProcessState.ExitCode(); code != cmdutil.ExitError || !strings.Contains(stderr.String(), "the new token was revoked and the old one is untouched") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if ids := activeNamed(t, em, "svc"); len(ids) != 1 || ids[0] != old.AuthorizationID {
		t.Fatalf("active svc tokens %v, want only the old %s", ids, old.AuthorizationID)
	}
}

// TestJQSecretSurvivesAKillDuringTheRevoke: `--jq .` needs the old token's
// outcome, so it prints after the DELETE. Killed during the DELETE, the
// secret is not lost: the journal holds it, and resume hands it over.
func TestJQSecretSurvivesAKillDuringTheRevoke(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	cmd := inDir(patctlCommand(t, em, "rotate", "--id", old.AuthorizationID, "--jq", "."), dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := startStopped(t, cmd, rotation.StageRetiring)
	_ = cmd.Process.Kill()
	<-done
	if secretRE.MatchString(stdout.String()) || strings.Contains(stdout.String(), `"token"`) {
		t.Fatalf("the secret was printed before the old token's outcome was known:\n%s", stdout.String())
	}

	op := resumeHandsOverSecret(t, em, dir, old.AuthorizationID)
	if ids := activeNamed(t, em, "svc"); len(ids) != 1 || ids[0] != op.AuthorizationID {
		t.Fatalf("active svc tokens %v, want only the new %s", ids, op.AuthorizationID)
	}
}

// TestTwoRotationsOfOneToken: on one machine, the second rotation of a
// token under way refuses before any POST (exit 9, naming the other
// process). On two machines, the one whose POST came second lists the name
// after both POSTs, sees two active tokens of that name and warns; so does
// the first here, which lists the name only once it goes on after its POST.
func TestTwoRotationsOfOneToken(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	first := inDir(patctlCommand(t, em, "rotate", "--name", "svc"), dir)
	var firstOut, firstErr bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstErr
	done := startStopped(t, first, rotation.StageCreated)

	em.ResetRequests()
	for _, sel := range [][]string{{"--name", "svc"}, {"--id", old.AuthorizationID}} {
		second := inDir(patctlCommand(t, em, append([]string{"rotate"}, sel...)...), dir)
		out, _ := second.CombinedOutput()
		want := fmt.Sprintf("another patctl (pid %d) is running a rotate of \"svc\"", first.Process.Pid)
		if code := second.ProcessState.ExitCode(); code != cmdutil.ExitUnfinished || !strings.Contains(string(out), want) {
			t.Fatalf("second rotate %v: exit %d, want %d and %q:\n%s", sel, code, cmdutil.ExitUnfinished, want, out)
		}
	}
	for _, r := range em.Requests() {
		if r.Op == emulator.OpCreate {
			t.Fatal("the refused rotation sent a create")
		}
	}

	// Another machine (its own login and journal) rotates the same token
	// meanwhile, and finishes first.
	other := patctlCommand(t, em, "login", "--device-code")
	if out, err := other.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	elsewhere := inDir(patctlCommand(t, em, "rotate", "--id", old.AuthorizationID), filepath.Dir(other.Path))
	out, err := elsewhere.CombinedOutput()
	if err != nil {
		t.Fatalf("rotate elsewhere: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `Warning: 2 active tokens are now named "svc"`) {
		t.Fatalf("the rotation whose POST came second did not warn of two active tokens:\n%s", out)
	}
	_ = first.Process.Signal(syscall.SIGCONT)
	if err := <-done; err != nil {
		t.Fatalf("first rotate: %v\n%s", err, firstErr.String())
	}
	if !strings.Contains(firstErr.String(), `Warning: 2 active tokens are now named "svc"`) {
		t.Fatalf("no warning of two active tokens:\n%s", firstErr.String())
	}
}

// TestSecondInterruptExitsAtOnce: Ctrl-C during verification withdraws the
// new token on a context of its own; a second Ctrl-C while that clean-up
// hangs ends patctl at once with exit 9, and the journal keeps what resume
// needs to finish the withdrawal.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	if err := em.AddFault(emulator.Fault{Op: emulator.OpRevoke, Kind: emulator.FaultTimeout, Times: 1}); err != nil {
		t.Fatal(err)
	}
	cmd := inDir(patctlCommand(t, em, "rotate", "--id", old.AuthorizationID), dir)
	cmd.Env = append(cmd.Env, "PATCTL_HTTP_TIMEOUT=60s")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	done := startStopped(t, cmd, rotation.StageVerifying)
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Process.Signal(syscall.SIGCONT)
	withdrawing := func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "config", "journal", "*.json"))
		for _, f := range files {
			if data, _ := os.ReadFile(f); strings.Contains(string(data), `"withdrawn": true`) {
				return true
			}
		}
		return false
	}
	if !waitFor(done, withdrawing) {
		t.Fatalf("patctl ended before withdrawing:\n%s", stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("a second Ctrl-C did not end patctl at once:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != cmdutil.ExitUnfinished || !strings.Contains(stderr.String(), "run `patctl resume`") {
		t.Fatalf("exit %d, want %d:\n%s", code, cmdutil.ExitUnfinished, stderr.String())
	}
	em.ClearFaults()
	resume := inDir(patctlCommand(t, em, "resume"), dir)
	if out, err := resume.CombinedOutput(); err != nil || !strings.Contains(string(out), "rolled") && !strings.Contains(string(out), "revoked") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if ids := activeNamed(t, em, "svc"); len(ids) != 1 || ids[0] != old.AuthorizationID {
		t.Fatalf("active svc tokens %v, want only the old %s", ids, old.AuthorizationID)
	}
}

// TestAccessTokenFromEnvKeepsNoSecret: with PATCTL_TOKEN there is no key to
// seal the secret with, so the journal keeps none. Killed before delivery,
// resume revokes the new token; killed after, it retires the old one.
func TestAccessTokenFromEnvKeepsNoSecret(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		stage     string
		wantOldOn bool
	}{{rotation.StageDelivering, true}, {rotation.StageRetiring, false}} {
		em, dir, old := signedIn(t)
		tok, err := em.AccessToken(emulator.DefaultUserUPN)
		if err != nil {
			t.Fatal(err)
		}
		cmd := inDir(patctlCommand(t, em, "rotate", "--id", old.AuthorizationID), dir)
		cmd.Env = append(cmd.Env, "PATCTL_TOKEN="+tok)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		done := startStopped(t, cmd, c.stage)
		files, _ := filepath.Glob(filepath.Join(dir, "config", "journal", "*.json"))
		for _, f := range files {
			if data, _ := os.ReadFile(f); strings.Contains(string(data), `"sealed"`) {
				t.Fatalf("the journal kept a secret without a key:\n%s", data)
			}
		}
		_ = cmd.Process.Kill()
		<-done

		resume := inDir(patctlCommand(t, em, "resume"), dir)
		resume.Env = append(resume.Env, "PATCTL_TOKEN="+tok)
		if out, err := resume.CombinedOutput(); err != nil {
			t.Fatalf("resume: %v\n%s", err, out)
		}
		ids := activeNamed(t, em, "svc")
		oldOn := len(ids) == 1 && ids[0] == old.AuthorizationID
		if len(ids) != 1 || oldOn != c.wantOldOn {
			t.Fatalf("killed at %s: active %v (old %s), want the old one active: %v", c.stage, ids, old.AuthorizationID, c.wantOldOn)
		}
		if !c.wantOldOn && !secretRE.MatchString(stdout.String()) {
			t.Fatalf("killed at %s: the old token was retired but no secret reached stdout", c.stage)
		}
	}
}

// resumeHandsOverSecret runs `patctl resume --json` with the login of dir
// and checks that it completed the one rotation of old left behind, handing
// over a secret that works; it returns that operation.
func resumeHandsOverSecret(t *testing.T, em *emulator.Emulator, dir, old string) rotation.Outcome {
	t.Helper()
	out, err := inDir(patctlCommand(t, em, "resume", "--json"), dir).Output()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	var report struct {
		Operations []rotation.Outcome `json:"operations"`
	}
	if err := json.Unmarshal(out, &report); err != nil || len(report.Operations) != 1 {
		t.Fatalf("resume report %s (%v)", out, err)
	}
	op := report.Operations[0]
	if op.Outcome != rotation.Completed || op.Replaces != old || op.Token == "" {
		t.Fatalf("resume outcome %+v", op)
	}
	if err := patapi.VerifyPAT(context.Background(), em.HTTPClient(), em.URL(), emulator.DefaultOrg, op.Token); err != nil {
		t.Fatalf("the secret resume handed over does not work: %v", err)
	}
	return op
}
