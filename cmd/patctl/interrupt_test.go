package main

import (
	"bufio"
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
)

// noInternet sends any request for a host other than loopback to a closed
// local port: a test that forgot to point patctl at the emulator fails at
// once instead of reaching out.
const noInternet = "HTTPS_PROXY=http://127.0.0.1:9"

// patctlCommand runs patctl in its own process: the test binary under the
// name testscript.Main dispatches on.
func patctlCommand(t *testing.T, em *emulator.Emulator, args ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "patctl-bin")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, em.CAPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"PATCTL_AUTHORITY="+em.Authority(emulator.DefaultTenantID),
		"PATCTL_API_URL="+em.URL(),
		"PATCTL_DEVOPS_URL="+em.URL(),
		"PATCTL_ORG="+emulator.DefaultOrg,
		noInternet,
		"PATCTL_CA_FILE="+caFile,
		"PATCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
		envTestKeyring+"="+filepath.Join(dir, "keyring"),
		"PATCTL_TOKEN=",
		"PATCTL_LOGIN_FROM=",
		"GORACE="+childGORACE(),
	)
	return cmd
}

// inDir makes cmd keep its login in dir (the directory of another
// patctlCommand's binary, or any), so that several processes share one.
func inDir(cmd *exec.Cmd, dir string) *exec.Cmd {
	cmd.Env = append(cmd.Env, "PATCTL_CONFIG_DIR="+filepath.Join(dir, "config"), envTestKeyring+"="+filepath.Join(dir, "keyring"))
	return cmd
}

// TestCtrlCCancelsLogin interrupts a device-code sign-in that nobody
// approves: patctl stops at once, says so, exits 130 and stores nothing.
func TestCtrlCCancelsLogin(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodePending })

	cmd := patctlCommand(t, em, "login", "--device-code")
	stderr := interruptAt(t, cmd, "enter the code", 0, 10*time.Second)
	if code := cmd.ProcessState.ExitCode(); code != cmdutil.ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, cmdutil.ExitInterrupted, stderr)
	}
	if !strings.Contains(stderr, "sign-in cancelled") {
		t.Fatalf("stderr does not say the sign-in was cancelled:\n%s", stderr)
	}
	assertNothingStored(t, cmd)
}

// interruptAt starts cmd, sends it SIGINT once wait has passed after its
// stderr printed a line containing marker (counting from there, not from the
// process start, which a loaded machine can delay by seconds), and returns its
// stderr once it has exited. It fails the test if cmd is still running after limit.
func interruptAt(t *testing.T, cmd *exec.Cmd, marker string, wait, limit time.Duration) string {
	t.Helper()
	p := startUntil(t, cmd, marker)
	time.Sleep(wait)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	return p.wait(t, limit)
}

// started is a patctl process whose stderr is being read.
type started struct {
	cmd   *exec.Cmd
	lines []string // stderr; read it only once done has answered
	done  chan error
}

// startUntil starts cmd and returns once its stderr has printed a line
// containing marker ("": at once). The process is killed when the test ends.
func startUntil(t *testing.T, cmd *exec.Cmd, marker string) *started {
	t.Helper()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	p := &started{cmd: cmd, done: make(chan error, 1)}
	sc := bufio.NewScanner(pipe)
	for marker != "" && sc.Scan() {
		p.lines = append(p.lines, sc.Text())
		if strings.Contains(sc.Text(), marker) {
			break
		}
	}
	go func() {
		for sc.Scan() {
			p.lines = append(p.lines, sc.Text())
		}
		p.done <- cmd.Wait()
	}()
	return p
}

// wait returns cmd's stderr once it has exited, and fails the test if it is
// still running after limit.
func (p *started) wait(t *testing.T, limit time.Duration) string {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		t.Fatalf("patctl %s still running after %v", strings.Join(p.cmd.Args[1:], " "), limit)
	}
	return strings.Join(p.lines, "\n")
}

// assertNothingStored checks that a login left no record and no key.
func assertNothingStored(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	dir := filepath.Dir(cmd.Path)
	if _, err := os.Stat(filepath.Join(dir, "config", "auth", "login.json")); !os.IsNotExist(err) {
		t.Fatalf("a cancelled login left a login record: %v", err)
	}
	items, err := (&fileKeyring{dir: filepath.Join(dir, "keyring")}).load()
	if err != nil || len(items) != 0 {
		t.Fatalf("a cancelled login left %d keyring items (%v)", len(items), err)
	}
}

// TestCtrlCWhileTheBrowserIsOpen interrupts a browser sign-in whose browser
// neither answers nor exits.
func TestCtrlCWhileTheBrowserIsOpen(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	for _, wait := range []time.Duration{500 * time.Millisecond, 4 * time.Second} { // before and after the browser's grace
		cmd := patctlCommand(t, em, "login")
		cmd.Env = append(cmd.Env, "BROWSER=sh -c 'sleep 20'")
		stderr := interruptAt(t, cmd, "Opening the sign-in page", wait, 5*time.Second)
		if code := cmd.ProcessState.ExitCode(); code != cmdutil.ExitInterrupted || strings.Contains(stderr, "device code") {
			t.Fatalf("after %v: exit %d\n%s", wait, code, stderr)
		}
		assertNothingStored(t, cmd)
	}
}
