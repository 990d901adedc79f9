package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/patapi"
)

// terminalWidths are the widths the terminal tests run at: narrow, the
// classic, and wide.
var terminalWidths = []int{50, 80, 200}

// TestTerminalRevokePrompt answers revoke's question on a real terminal, as
// a person does, at each width: y revokes; n and Enter (the default) do not
// (exit 1, "Nothing revoked."); Ctrl-D is a no too, said on a new line, not
// "patctl: EOF" on the prompt's; Ctrl-C and SIGTERM end the wait at once —
// exit 130, "interrupted" on a line of its own — and nothing is revoked.
func TestTerminalRevokePrompt(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	client := directAPI(t, em)
	type answer struct {
		name   string
		keys   string // typed at the prompt; "" sends SIGTERM instead
		code   int
		after  string // what the terminal shows after the prompt's "[y/N] "
		revoke bool
	}
	answers := []answer{
		{"y", "y\r", 0, `y\r\nRevoked token "%s" \(`, true},
		{"yes", "yes\r", 0, `yes\r\nRevoked token "%s" \(`, true},
		{"n", "n\r", 1, `n\r\nNothing revoked\.\r\n$`, false},
		{"Enter", "\r", 1, `\r\nNothing revoked\.\r\n$`, false},
		{"Ctrl-D", "\x04", 1, `\r\nNothing revoked\.\r\n$`, false},
		{"Ctrl-C", "\x03", 130, `(\^C)?\r\npatctl: interrupted\r\n$`, false},
		{"SIGTERM", "", 130, `\r\npatctl: interrupted\r\n$`, false},
	}
	for _, cols := range terminalWidths {
		for _, a := range answers {
			t.Run(fmt.Sprintf("%d/%s", cols, a.name), func(t *testing.T) {
				t.Parallel()
				name := fmt.Sprintf("prompt-%d-%s", cols, strings.ToLower(a.name))
				tok, err := client.Create(context.Background(), patapi.CreateRequest{DisplayName: name, Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				s := startOnTerminal(t, em, dir, cols, nil, "revoke", name)
				s.WaitFor(`\[y/N\] $`, 30*time.Second)
				if a.keys == "" {
					if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
						t.Fatal(err)
					}
				} else {
					s.Type(a.keys)
				}
				screen, code := s.Wait(30 * time.Second)
				after := regexp.MustCompile(`\[y/N\] ` + strings.ReplaceAll(a.after, "%s", regexp.QuoteMeta(name)))
				if code != a.code || !after.MatchString(screen) || strings.Contains(screen, "EOF") {
					t.Fatalf("%s at the prompt, %d columns: exit %d (want %d)\n%q", a.name, cols, code, a.code, screen)
				}
				active, err := client.FindByName(context.Background(), "active", name)
				if err != nil || (len(active) == 0) != a.revoke {
					t.Fatalf("%s: %d active tokens named %s (%v), revoked wanted %v", a.name, len(active), tok.DisplayName, err, a.revoke)
				}
			})
		}
	}
}

// TestTerminalHelpWraps: on a terminal, help wraps at its width — the
// description by paragraph and list item, flag descriptions continued under
// their column — so that no line runs past the edge (--account's among
// them, which used to be cut there) but one that is a single word; in a
// pipe the text is as written.
func TestTerminalHelpWraps(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	const account = "act as this account (its user name) when several are signed in"
	for _, cols := range terminalWidths {
		for _, args := range [][]string{{"--help"}, {"list", "--help"}, {"help", "rotate"}, {"help", "environment"}, {"help", "exit-codes"}, {"plan", "--help"}} {
			s := startOnTerminal(t, em, dir, cols, nil, args...)
			screen, code := s.Wait(30 * time.Second)
			if code != 0 {
				t.Fatalf("%q at %d columns: exit %d\n%q", args, cols, code, screen)
			}
			for _, line := range strings.Split(screen, "\r\n") {
				if n := len([]rune(line)); n > cols && strings.Contains(strings.TrimSpace(line), " ") {
					t.Errorf("%q at %d columns: a line of %d: %q", args, cols, n, line)
				}
			}
			if !strings.Contains(screen, "Flags:") {
				continue
			}
			flags := screen[strings.Index(screen, "Flags:"):]
			for _, end := range []string{"\r\n\r\nAdditional help topics", "\r\n\r\nUse \""} {
				if i := strings.Index(flags, end); i >= 0 {
					flags = flags[:i]
				}
			}
			for _, line := range strings.Split(flags, "\r\n") {
				if n := len([]rune(line)); n > cols {
					t.Errorf("%q at %d columns: a line of %d: %q", args, cols, n, line)
				}
			}
			if words := strings.Join(strings.Fields(flags), " "); !strings.Contains(words, "--account string "+account) {
				t.Errorf("%q at %d columns: --account's help is not whole:\n%s", args, cols, flags)
			}
			if cols == 200 && !regexp.MustCompile(`\r\n +--account string +`+regexp.QuoteMeta(account)+`\r\n`).MatchString(flags) {
				t.Errorf("at 200 columns --account's help is not one line:\n%q", flags)
			}
		}
	}
	out, err := inDir(patctlCommand(t, em, "list", "--help"), dir).Output()
	if err != nil || !strings.Contains(string(out), "      --account string   "+account+"\n") {
		t.Fatalf("in a pipe: %v\n%s", err, out)
	}
}

// TestInterruptSaysInterrupted: Ctrl-C while patctl waits to retry ends it
// with "patctl: interrupted" on a line of its own (after the spinner's line
// is erased) — not the request it cut short, its URL and query string — and
// exit 130.
func TestInterruptSaysInterrupted(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	if err := em.AddFault(emulator.Fault{Op: "list", Kind: emulator.FaultStatus, Status: 503, RetryAfter: 30}); err != nil {
		t.Fatal(err)
	}
	s := startOnTerminal(t, em, dir, 80, nil, "list", "--max-wait", "2m")
	s.WaitFor(`Azure DevOps is busy \(503\); retrying in 30s\r\n`, 30*time.Second)
	s.Type("\x03")
	screen, code := s.Wait(30 * time.Second)
	if code != 130 || !regexp.MustCompile(`(\r\n|\r\x1b\[K)(\^C)?(\r\x1b\[K)?patctl: interrupted\r\n$`).MatchString(screen) || strings.Contains(screen, "https://") || strings.Contains(screen, "GET") {
		t.Fatalf("Ctrl-C while waiting to retry: exit %d\n%q", code, screen)
	}
}

// TestTerminalUpdateSaysAgo: update, like get, says when a token was
// created as a time ago — not "expired … ago".
func TestTerminalUpdateSaysAgo(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	runIn(t, em, dir, "create", "--name", "ago", "--scope", "vso.code", "--json")
	for _, args := range [][]string{{"get", "ago"}, {"update", "ago", "--expires", "20d"}} {
		s := startOnTerminal(t, em, dir, 80, nil, args...)
		screen, code := s.Wait(30 * time.Second)
		if code != 0 || !regexp.MustCompile(`Created: +\S+ \S+ \S+ \([^)]* ago\)`).MatchString(screen) || strings.Contains(screen, "expired") {
			t.Fatalf("%q on a terminal: exit %d\n%q", args, code, screen)
		}
	}
}
