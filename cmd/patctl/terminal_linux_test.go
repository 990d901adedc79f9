package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// openPTY opens a pseudo-terminal pair: what the child writes to the
// terminal side is read back from the controller side.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { controller.Close() })
	if err := unix.IoctlSetPointerInt(int(controller.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(controller.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { terminal.Close() })
	return controller, terminal
}

// runOnTerminal runs patctl with stdout on a real terminal and returns what
// the terminal showed, what went to stderr, and the exit code.
func runOnTerminal(t *testing.T, em *emulator.Emulator, dir string, args ...string) (shown, stderr string, code int) {
	t.Helper()
	controller, terminal := openPTY(t)
	cmd := inDir(patctlCommand(t, em, args...), dir)
	var errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = terminal, &errBuf
	if err := cmd.Run(); cmd.ProcessState == nil {
		t.Fatal(err)
	}
	terminal.Close()
	// The controller reads until the terminal side is closed (EIO on Linux).
	var out bytes.Buffer
	io.Copy(&out, controller)
	return out.String(), errBuf.String(), cmd.ProcessState.ExitCode()
}

// TestTokenNeverOnATerminalWithoutShow: with stdout on a real terminal,
// patctl token refuses (exit 2) and the terminal shows no token; with
// --show it prints one. Into a pipe it prints without --show.
func TestTokenNeverOnATerminalWithoutShow(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	jwt := regexp.MustCompile(`ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

	shown, stderr, code := runOnTerminal(t, em, dir, "token")
	if code != 2 || !strings.Contains(stderr, "--show") || jwt.MatchString(shown) || jwt.MatchString(stderr) {
		// The failure message must not print the token itself.
		t.Fatalf("token on a terminal: exit %d, token on the terminal %v, stderr %q", code, jwt.MatchString(shown), jwt.ReplaceAllString(stderr, "[token]"))
	}
	shown, stderr, code = runOnTerminal(t, em, dir, "token", "--show")
	if code != 0 || !jwt.MatchString(shown) {
		t.Fatalf("token --show on a terminal: exit %d, terminal %d bytes, stderr %q", code, len(shown), jwt.ReplaceAllString(stderr, "[token]"))
	}
	if out, err := inDir(patctlCommand(t, em, "token"), dir).Output(); err != nil || !jwt.Match(out) {
		t.Fatalf("token into a pipe: %v, %d bytes", err, len(out))
	}
}

// runIn runs patctl in a pipe with the login of dir, failing the test if it fails.
func runIn(t *testing.T, em *emulator.Emulator, dir string, args ...string) {
	t.Helper()
	if out, err := inDir(patctlCommand(t, em, args...), dir).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// patctlColours are the SGR sequences patctl's colours are made of.
var patctlColours = regexp.MustCompile(`\x1b\[(0|1|2|31|32|33|35|36)m`)

// TestServiceTextEscapedOnATerminal: a token named with escape sequences
// (retitle, clear screen) shows them escaped on a real terminal, in list's
// table and in get, and the terminal receives no control character of theirs.
// get says the new token was created some time ago, not that it "expired".
func TestServiceTextEscapedOnATerminal(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	runIn(t, em, dir, "create", "--name", "ci\x1b]0;pwned\a\x1b[2J\u009b31m", "--scope", "vso.code", "--json")
	for _, args := range [][]string{{"list"}, {"get", "--name", "ci\x1b]0;pwned\a\x1b[2J\u009b31m"}} {
		shown, stderr, code := runOnTerminal(t, em, dir, args...)
		shown = patctlColours.ReplaceAllString(shown, "") // patctl's own colours, the only escapes allowed
		if code != 0 || strings.ContainsAny(shown, "\x1b\a\u009b") || !strings.Contains(shown, `ci\x1b]0;pwned\a\x1b[2J\u009b31m`) {
			t.Errorf("%s on a terminal: exit %d, showed %q, stderr %q", args[0], code, shown, stderr)
		}
		// A token created a moment ago is not "expired".
		if args[0] == "get" && (!regexp.MustCompile(`Created: .* ago\)`).MatchString(shown) || strings.Contains(shown, "expired")) {
			t.Errorf("get on a terminal says of a new token: %q", shown)
		}
	}
}
