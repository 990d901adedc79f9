package main

// What a person sees at a terminal, on a real pseudo-terminal of 50, 80 and
// 200 columns: progress while patctl waits on the service, the steps of a
// rotation, the sign-in prompts, the frame around a new secret, and --copy.
// And that none of the progress reaches a pipe.

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/iostreams"
)

// spinnerBytes are what only a progress indicator writes.
var spinnerBytes = regexp.MustCompile("[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|\x1b\\[K|✓")

// loggedInEmulator is an emulator and a login directory signed in to it.
func loggedInEmulator(t *testing.T) (*emulator.Emulator, string) {
	t.Helper()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	return em, dir
}

func setLatency(t *testing.T, em *emulator.Emulator, d time.Duration) {
	t.Helper()
	if err := em.Update(func(c *emulator.Config) { c.Latency = emulator.Duration(d) }); err != nil {
		t.Fatal(err)
	}
}

// inPipes runs patctl with stdout and stderr in pipes and returns them.
func inPipes(t *testing.T, em *emulator.Emulator, dir string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := inDir(patctlCommand(t, em, args...), dir)
	cmd.Env = append(cmd.Env, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// TestTerminalProgressOnASlowList: 1,000 tokens at 300 ms a request is ten
// pages and three seconds: on a terminal a count shows as the pages come,
// and is erased before the table; in a pipe stderr gets nothing of it, and
// either way patctl sends the same requests.
func TestTerminalProgressOnASlowList(t *testing.T) {
	t.Parallel()
	em, dir := loggedInEmulator(t)
	if err := em.SeedTokens(emulator.DefaultUserUPN, 1000, "bulk"); err != nil {
		t.Fatal(err)
	}
	setLatency(t, em, 300*time.Millisecond)

	em.ResetRequests()
	s := startOnTerminal(t, em, dir, 80, nil, "list")
	s.WaitFor(`⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏ Listing tokens… [1-9]00\b`, 20*time.Second)
	screen, code := s.Wait(30 * time.Second)
	if code != 0 {
		t.Fatalf("list: exit %d\n%q", code, screen)
	}
	onTerminal := len(em.Requests())
	// The count went up page by page, and the last indicator was erased
	// before the table began.
	for _, n := range []string{"100", "500", "900"} {
		if !strings.Contains(screen, "Listing tokens… "+n) {
			t.Errorf("the count never showed %s", n)
		}
	}
	last := strings.LastIndex(screen, "Listing tokens")
	table := strings.Index(screen, "NAME")
	if last < 0 || table < last || !strings.Contains(screen[last:table], "\r\x1b[K") || !strings.Contains(screen, "bulk-01000") {
		t.Fatalf("the indicator was not erased before the table:\n%q", screen)
	}

	em.ResetRequests()
	stdout, stderr, code := inPipes(t, em, dir, nil, "list")
	if code != 0 || strings.Count(stdout, "\n") != 1000 || spinnerBytes.MatchString(stderr) || stderr != "" {
		t.Fatalf("list in a pipe: exit %d, %d lines, stderr %q", code, strings.Count(stdout, "\n"), stderr)
	}
	if inPipe := len(em.Requests()); inPipe != onTerminal {
		t.Fatalf("%d requests on a terminal, %d in a pipe", onTerminal, inPipe)
	}
	// stdout in a pipe, stderr on a terminal (patctl list | less): the
	// count still shows, on stderr, and stdout gets only the tokens.
	controller, terminal := openPTY(t)
	cmd := inDir(patctlCommand(t, em, "list"), dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, terminal
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	terminal.Close()
	shown := readAll(controller)
	if !strings.Contains(shown, "Listing tokens…") || spinnerBytes.MatchString(out.String()) || strings.Count(out.String(), "\n") != 1000 {
		t.Fatalf("stderr on a terminal showed %q; stdout has %d lines", shown, strings.Count(out.String(), "\n"))
	}
}

func readAll(f *os.File) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestTerminalProgressOfGetByName: get --name reads pages until it is past
// the name, counting them at a terminal; a quick answer shows nothing.
func TestTerminalProgressOfGetByName(t *testing.T) {
	t.Parallel()
	em, dir := loggedInEmulator(t)
	if err := em.SeedTokens(emulator.DefaultUserUPN, 700, "bulk"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := startOnTerminal(t, em, dir, 80, nil, "get", "--name", "bulk-00650")
	screen, code := s.Wait(20 * time.Second)
	// Done within the delay (on a machine not too busy), it shows nothing.
	if quick := time.Since(start) < iostreams.ProgressDelay; code != 0 || quick && spinnerBytes.MatchString(screen) {
		t.Fatalf("get without latency: exit %d, the indicator showed\n%q", code, screen)
	}
	setLatency(t, em, 300*time.Millisecond)
	s = startOnTerminal(t, em, dir, 80, nil, "get", "--name", "bulk-00650")
	s.WaitFor(`Looking for "bulk-00650"… [1-6]00`, 20*time.Second)
	screen, code = s.Wait(20 * time.Second)
	last := strings.LastIndex(screen, "Looking for")
	if code != 0 || !strings.Contains(screen[last:], "\r\x1b[KName:") {
		t.Fatalf("get: exit %d\n%q", code, screen)
	}
	_, stderr, code := inPipes(t, em, dir, nil, "get", "--name", "bulk-00650")
	if code != 0 || stderr != "" {
		t.Fatalf("get in a pipe: exit %d, stderr %q", code, stderr)
	}
}

// TestTerminalRotateShowsItsSteps: at a terminal, a slow rotate shows a
// spinner per step and a line once each is done, in the transaction's
// order; the frame follows the secret's delivery. In a pipe, none of it.
func TestTerminalRotateShowsItsSteps(t *testing.T) {
	t.Parallel()
	em, dir := loggedInEmulator(t)
	runIn(t, em, dir, "create", "--name", "ci", "--scope", "vso.code")
	setLatency(t, em, 300*time.Millisecond)
	file := filepath.Join(t.TempDir(), "ci.pat")
	s := startOnTerminal(t, em, dir, 80, nil, "rotate", "--name", "ci", "--to", "file:"+file, "--to", "-")
	screen, code := s.Wait(30 * time.Second)
	if code != 0 {
		t.Fatalf("rotate: exit %d\n%q", code, screen)
	}
	secret := em.IssuedPATs()[1]
	order := regexp.MustCompile(`(?s)Looking for "ci"….*Creating the new token….*` +
		`✓\x1b\[0m Created the new token "ci" \(id [0-9a-f-]{36}\),(\r\n )? valid until [^\r\n]+\r\n.*` +
		`Checking that the new token works….*✓\x1b\[0m Verified that the new token works\r\n.*` +
		`✓\x1b\[0m Wrote file:[^\r\n]+ci\.pat\r\n.*` +
		`│ ` + secret + ` │.*` +
		`Revoking the old token [0-9a-f-]{36}….*✓\x1b\[0m Revoked the old token \(id [0-9a-f-]{36}\)\r\n`)
	if !order.MatchString(screen) {
		t.Fatalf("the steps, in order, are not on the screen:\n%q", screen)
	}
	// Said once: no closing "Revoked the old token" line, no headline.
	if strings.Count(screen, "Revoked the old token") != 1 || strings.Count(screen, `Created the new token "ci"`) != 1 {
		t.Fatalf("a step said twice:\n%q", screen)
	}

	// --json on the same terminal: stdout writes the JSON up to the old
	// token's fields before retiring it; nothing of stderr breaks it.
	s = startOnTerminal(t, em, dir, 80, nil, "rotate", "--name", "ci", "--json")
	screen, code = s.Wait(30 * time.Second)
	doc := screen[strings.Index(screen, "{"):]
	var v struct {
		Token      string `json:"token"`
		OldRevoked bool   `json:"oldRevoked"`
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(doc, "\r\n", "\n")), &v); code != 0 || err != nil || !v.OldRevoked || v.Token == "" {
		t.Fatalf("rotate --json on a terminal: exit %d, %v\n%q", code, err, screen)
	}

	stdout, stderr, code := inPipes(t, em, dir, nil, "rotate", "--name", "ci")
	if code != 0 || spinnerBytes.MatchString(stderr) || !strings.Contains(stderr, "Revoked the old token") || strings.TrimSpace(stdout) != em.IssuedPATs()[3] {
		t.Fatalf("rotate in a pipe: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestTerminalSecretFrame: at 50 columns a 52-character secret cannot be
// framed: it is printed bare on a line of its own; at 80 and 200 it is
// framed. Either way the secret reaches the terminal whole, and the warning
// is bold yellow unless NO_COLOR or TERM=dumb.
func TestTerminalSecretFrame(t *testing.T) {
	t.Parallel()
	em, dir := loggedInEmulator(t)
	for i, c := range []struct {
		cols  int
		env   []string
		frame bool
		color bool
	}{
		{50, nil, false, true},
		{80, nil, true, true},
		{200, nil, true, true},
		{80, []string{"NO_COLOR=1"}, true, false},
		{200, []string{"TERM=dumb"}, true, false},
	} {
		name := "frame" + string(rune('a'+i))
		s := startOnTerminal(t, em, dir, c.cols, c.env, "create", "--name", name, "--scope", "vso.code")
		screen, code := s.Wait(20 * time.Second)
		issued := em.IssuedPATs()
		secret := issued[len(issued)-1]
		framed := strings.Contains(screen, "│ "+secret+" │")
		switch {
		case code != 0:
			t.Fatalf("%d columns: exit %d\n%q", c.cols, code, screen)
		case framed != c.frame || strings.Contains(screen, "┌") != c.frame:
			t.Errorf("%d columns %v: framed %v\n%q", c.cols, c.env, framed, screen)
		case !c.frame && !strings.Contains(screen, "\r\n"+secret+"\r\n"):
			t.Errorf("%d columns: the secret is not alone on its line\n%q", c.cols, screen)
		case strings.Contains(screen, "\x1b[1m\x1b[33m! This token is shown only once: store it now.\x1b[0m\x1b[0m") != c.color:
			t.Errorf("%d columns %v: colour %v\n%q", c.cols, c.env, c.color, screen)
		case !strings.Contains(screen, "This token is shown only once: store it now."):
			t.Errorf("%d columns: no warning\n%q", c.cols, screen)
		}
		if c.cols == 50 {
			// The headline (wrapped between its parts, never inside the id
			// or the time), the secret and its warning: no line but the
			// secret's is wider than 50 columns.
			if !regexp.MustCompile(`\r\n  \(id [0-9a-f-]{36}\),\r\n  valid until [^\r\n]+\(in 30 days\)\r\n`).MatchString(screen) {
				t.Errorf("50 columns: the headline is not wrapped between its parts\n%q", screen)
			}
			for _, line := range strings.Split(screen, "\r\n") {
				if line != secret && len([]rune(stripEscapes(line))) > 50 {
					t.Errorf("a line wider than 50 columns: %q", line)
				}
			}
		}
	}
}

var escapes = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]|\r")

func stripEscapes(s string) string { return escapes.ReplaceAllString(s, "") }

// fakeClipboardTool puts a wl-copy on a PATH of its own that writes what it
// reads to a file, and returns the environment that makes patctl use it and
// the file.
func fakeClipboardTool(t *testing.T) (env []string, got string) {
	t.Helper()
	bin := t.TempDir()
	got = filepath.Join(bin, "clipboard")
	script := "#!/bin/sh\necho \"$@\" > " + got + ".args\ncat > " + got + "\n"
	if err := os.WriteFile(filepath.Join(bin, "wl-copy"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "WAYLAND_DISPLAY=wayland-0", "DISPLAY=", "SSH_TTY=", "SSH_CONNECTION="}, got
}

// TestTerminalCopy: --copy puts the secret on the clipboard — a fake
// wl-copy on the PATH, or the terminal's (OSC 52) over SSH — and the screen
// never shows it.
func TestTerminalCopy(t *testing.T) {
	t.Parallel()
	em, dir := loggedInEmulator(t)
	env, got := fakeClipboardTool(t)
	s := startOnTerminal(t, em, dir, 80, env, "create", "--name", "copied", "--scope", "vso.code", "--copy")
	screen, code := s.Wait(20 * time.Second)
	secret := em.IssuedPATs()[0]
	clip, _ := os.ReadFile(got)
	args, _ := os.ReadFile(got + ".args")
	if code != 0 || string(clip) != secret || strings.Contains(screen, secret) || strings.Contains(string(args), secret) ||
		!strings.Contains(screen, "Copied the secret to the clipboard with wl-copy") || strings.Contains(screen, "┌") {
		t.Fatalf("--copy with wl-copy: exit %d, clipboard %q (secret %q)\n%q", code, clip, secret, screen)
	}

	// rotate --copy over SSH with no tool: OSC 52, which shows nothing.
	s = startOnTerminal(t, em, dir, 80, []string{"SSH_TTY=/dev/pts/9", "PATH=/nonexistent", "WAYLAND_DISPLAY=", "DISPLAY="}, "rotate", "--name", "copied", "--copy")
	screen, code = s.Wait(20 * time.Second)
	secret = em.IssuedPATs()[1]
	osc := regexp.MustCompile("\x1b\\]52;c;([A-Za-z0-9+/=]+)\a").FindStringSubmatch(screen)
	if code != 0 || osc == nil || strings.Contains(screen, secret) || !strings.Contains(screen, "OSC 52") {
		t.Fatalf("--copy over SSH: exit %d\n%q", code, screen)
	}
	if decoded, err := base64.StdEncoding.DecodeString(osc[1]); err != nil || string(decoded) != secret {
		t.Fatalf("OSC 52 carried %q, want the secret", decoded)
	}
}

// TestTerminalDeviceCodeAtFiftyColumns: the code alone on its line, whole,
// on a terminal of 50 columns; a spinner while it waits for someone to
// enter it; patctl's lines within 50 columns.
func TestTerminalDeviceCodeAtFiftyColumns(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodePending })
	dir := t.TempDir()
	s := startOnTerminal(t, em, dir, 50, nil, "login", "--device-code")
	screen := s.WaitFor(`and enter the code:\r\n\r\n  [A-Z0-9]+\r\n`, 20*time.Second)
	code := regexp.MustCompile(`\r\n  ([A-Z0-9]+)\r\n`).FindStringSubmatch(screen[strings.Index(screen, "enter the code"):])[1]
	s.WaitFor(`Waiting for the code to be entered…`, 10*time.Second)
	if !em.ApproveDeviceCode(code) {
		t.Fatalf("the code on the screen, %q, is not the one issued:\n%q", code, screen)
	}
	screen, exit := s.Wait(30 * time.Second)
	if exit != 0 || !strings.Contains(screen, "Logged in as ada@contoso.onmicrosoft.com") {
		t.Fatalf("login: exit %d\n%q", exit, screen)
	}
	instructions := screen[strings.Index(screen, "To sign in"):strings.Index(screen, "Logged in")]
	for _, line := range strings.Split(instructions, "\r\n") {
		for _, part := range strings.Split(line, "\r\x1b[K") {
			if len([]rune(part)) > 50 {
				t.Errorf("a line wider than 50 columns: %q", part)
			}
		}
	}
	// The erased indicator leaves "Logged in" at the start of its line.
	if !strings.Contains(screen, "\r\x1b[KLogged in as") {
		t.Errorf("the waiting indicator was not erased before the result:\n%q", screen)
	}
}

// TestTerminalBrowserSignIn: the browser flow says how long it waits and
// how to switch to a device code, with a spinner while it waits; then the
// fake browser signs in.
func TestTerminalBrowserSignIn(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	bin := t.TempDir()
	browser := filepath.Join(bin, "fakebrowser")
	if err := os.Symlink(os.Args[0], browser); err != nil {
		t.Fatal(err)
	}
	// A browser that opens at once and signs in a second later, so that
	// patctl waits.
	slow := filepath.Join(bin, "slow-browser")
	os.WriteFile(slow, []byte("#!/bin/sh\n(sleep 1; exec "+browser+" \"$1\") >/dev/null 2>&1 &\n"), 0o755)
	s := startOnTerminal(t, em, t.TempDir(), 50, []string{"BROWSER=" + slow}, "login")
	screen := s.WaitFor(`Waiting for the sign-in in your browser…`, 20*time.Second)
	want := "Waiting up to 5 minutes for the sign-in.\r\nFor a code to enter on another device instead,\r\npress Ctrl-C and run:\r\n  patctl login --device-code\r\n"
	if !strings.Contains(screen, want) {
		t.Fatalf("the browser flow's message:\n%q", screen)
	}
	screen, code := s.Wait(30 * time.Second)
	if code != 0 || !strings.Contains(screen, "\r\x1b[KLogged in as ada@contoso.onmicrosoft.com") {
		t.Fatalf("browser login: exit %d\n%q", code, screen)
	}
}
