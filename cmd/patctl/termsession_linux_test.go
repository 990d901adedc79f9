package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// termSession is patctl run as a person runs it: stdin, stdout and stderr on
// one pseudo-terminal of a given width, which is the process's controlling
// terminal, so that typing Ctrl-C or Ctrl-D means what it means at a shell.
// A test types into it and reads the screen's bytes back.
type termSession struct {
	t          *testing.T
	controller *os.File
	cmd        *exec.Cmd
	done       chan struct{}

	mu  sync.Mutex
	out bytes.Buffer
}

// startOnTerminal starts patctl (with the login of dir) on a terminal of
// cols columns and 40 rows, with TERM=xterm-256color unless env sets it;
// env adds variables (KEY=VALUE).
func startOnTerminal(t *testing.T, em *emulator.Emulator, dir string, cols int, env []string, args ...string) *termSession {
	t.Helper()
	controller, terminal := openPTY(t)
	if err := unix.IoctlSetWinsize(int(terminal.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	cmd := inDir(patctlCommand(t, em, args...), dir)
	cmd.Env = append(append(cmd.Env, "TERM=xterm-256color", "PAGER=", "NO_COLOR="), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, terminal, terminal
	// A session of its own with the terminal as its controlling terminal:
	// the line discipline then turns ^C into SIGINT for it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	terminal.Close()
	s := &termSession{t: t, controller: controller, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := controller.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil { // EIO once every copy of the terminal side is closed
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return s
}

// Screen is every byte the terminal has shown so far.
func (s *termSession) Screen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Type sends keys as a person would: "y\r", "\x03" (Ctrl-C), "\x04" (Ctrl-D).
func (s *termSession) Type(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.controller, keys); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// WaitFor waits until the screen matches pattern, failing the test after
// timeout, and returns the screen.
func (s *termSession) WaitFor(pattern string, timeout time.Duration) string {
	s.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(timeout)
	for {
		screen := s.Screen()
		if re.MatchString(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after %s the terminal shows no %q:\n%q", timeout, pattern, screen)
		}
		select {
		case <-s.done:
			if screen := s.Screen(); re.MatchString(screen) {
				return screen
			}
			s.t.Fatalf("patctl ended; the terminal shows no %q:\n%q", pattern, s.Screen())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Wait waits for patctl to end (failing the test after timeout) and returns
// the whole screen and the exit code.
func (s *termSession) Wait(timeout time.Duration) (screen string, code int) {
	s.t.Helper()
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(timeout):
		_ = s.cmd.Process.Kill()
		<-exited
		s.t.Fatalf("patctl still ran after %s; the terminal shows:\n%q", timeout, s.Screen())
	}
	select { // the rest of the output, up to the terminal's EIO
	case <-s.done:
	case <-time.After(2 * time.Second):
	}
	return s.Screen(), s.cmd.ProcessState.ExitCode()
}

// TestTerminalSessionSeesWidthAndKeys checks the harness itself: patctl
// sees a terminal of the width asked on every stream, and exits on Ctrl-C.
func TestTerminalSessionSeesWidthAndKeys(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	s := startOnTerminal(t, em, dir, 50, nil, "status")
	screen, code := s.Wait(20 * time.Second)
	if code != 4 || screen == "" {
		t.Fatalf("status, not signed in, on a terminal: exit %d, screen %q", code, screen)
	}
	// ^C typed at the terminal reaches patctl as SIGINT.
	em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodePending })
	s = startOnTerminal(t, em, dir, 50, nil, "login", "--device-code")
	s.WaitFor("enter the code", 20*time.Second)
	s.Type("\x03")
	if screen, code := s.Wait(20 * time.Second); code != 130 {
		t.Fatalf("^C at the device-code prompt: exit %d\n%q", code, screen)
	}
	em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodeApprove })
	runIn(t, em, dir, "login", "--device-code")
	s = startOnTerminal(t, em, dir, 50, nil, "create", "--name", "x", "--scope", "vso.code")
	screen, code = s.Wait(20 * time.Second)
	if code != 0 {
		t.Fatalf("create on a terminal: exit %d\n%q", code, screen)
	}
}
