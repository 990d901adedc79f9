package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// longWideName is a token name that no table row fits whole below 200
// columns, with wide characters (CJK, an emoji) that take two columns each.
var longWideName = "本番デプロイ🚀-" + strings.Repeat("production-deployment-pipeline-", 5)

// uxTokens signs in in dir and makes, through the API: "live" (active), a
// revoked token with longWideName, and "stale" (expired an hour ago).
func uxTokens(t *testing.T, em *emulator.Emulator, dir string) {
	t.Helper()
	runIn(t, em, dir, "login", "--device-code")
	ctx := context.Background()
	api := func() *patapi.Client {
		hc, err := em.UserHTTPClient(emulator.DefaultUserUPN)
		if err != nil {
			t.Fatal(err)
		}
		return patapi.New(hc, em.URL(), emulator.DefaultOrg)
	}
	em.Advance(-2 * time.Hour)
	if _, err := api().Create(ctx, patapi.CreateRequest{DisplayName: "stale", Scope: "vso.code", ValidTo: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	em.Advance(2 * time.Hour)
	c := api()
	if _, err := c.Create(ctx, patapi.CreateRequest{DisplayName: "live", Scope: "vso.code vso.work_write", ValidTo: time.Now().Add(90 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	gone, err := c.Create(ctx, patapi.CreateRequest{DisplayName: longWideName, Scope: "vso.code vso.build_execute vso.packaging_write vso.release_execute", ValidTo: time.Now().Add(3 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(ctx, gone.AuthorizationID); err != nil {
		t.Fatal(err)
	}
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// screenLines are the lines of a terminal's bytes, without colours, as the
// screen shows them: of a line the progress indicator drew on and erased
// (ESC [ K), what follows the last erase.
func screenLines(screen string) []string {
	lines := strings.Split(strings.TrimRight(sgr.ReplaceAllString(screen, ""), "\r\n"), "\r\n")
	for i, l := range lines {
		if j := strings.LastIndex(l, "\r\x1b[K"); j >= 0 {
			lines[i] = l[j+len("\r\x1b[K"):]
		}
	}
	return lines
}

// TestTerminalTablesFit: on real terminals of 50, 80 and 200 columns, list
// --status all prints no line wider than the terminal (by display width,
// with wide characters), a STATUS column saying which token is revoked and
// which expired, the id whole when there is room and its first 8 characters
// when not; colour is on, the revoked row dim and its status red.
func TestTerminalTablesFit(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	uxTokens(t, em, dir)
	for _, cols := range []int{50, 80, 200} {
		s := startOnTerminal(t, em, dir, cols, nil, "list", "--status", "all")
		screen, code := s.Wait(20 * time.Second)
		if code != 0 {
			t.Fatalf("%d columns: exit %d\n%q", cols, code, screen)
		}
		lines := screenLines(screen)
		if len(lines) != 4 || !regexp.MustCompile(`^NAME +ID +SCOPES +EXPIRES +STATUS$`).MatchString(lines[0]) {
			t.Fatalf("%d columns: table:\n%s", cols, strings.Join(lines, "\n"))
		}
		byStatus := map[string]string{}
		for _, l := range lines {
			if w := output.Width(l); w > cols {
				t.Errorf("%d columns: a line %d wide: %q", cols, w, l)
			}
			f := strings.Fields(l)
			byStatus[f[len(f)-1]] = l
		}
		if !strings.HasPrefix(byStatus["active"], "live ") || !strings.HasPrefix(byStatus["expired"], "stale ") ||
			!strings.HasPrefix(byStatus["revoked"], "本番デプ") || !strings.Contains(byStatus["expired"], " ago ") {
			t.Errorf("%d columns: statuses:\n%s", cols, strings.Join(lines, "\n"))
		}
		id := strings.Fields(byStatus["active"])[1]
		switch {
		case cols == 200 && (len(id) != 36 || !strings.Contains(byStatus["revoked"], "vso.release_execute")):
			t.Errorf("200 columns: the id or the scopes cut:\n%s", strings.Join(lines, "\n"))
		case cols < 200 && (len(id) != 8 || !strings.Contains(byStatus["revoked"], "…")):
			t.Errorf("%d columns: the id whole or the name not cut:\n%s", cols, strings.Join(lines, "\n"))
		}
		// Colour: the header bold, the revoked row dim with its status red,
		// the expired token's status red, the active one's green.
		for _, want := range []string{"\x1b[1mNAME\x1b[0m", "\x1b[2m本番", "\x1b[31mrevoked\x1b[0m", "\x1b[31mexpired\x1b[0m", "\x1b[32mactive\x1b[0m"} {
			if !strings.Contains(screen, want) {
				t.Errorf("%d columns: no %q in %q", cols, want, screen)
			}
		}
	}
}

// TestTerminalColourOnlyWhereItMeansSomething: no colour with NO_COLOR,
// TERM=dumb or CLICOLOR=0, nor in a pipe; CLICOLOR_FORCE or FORCE_COLOR
// bring it into a pipe for get's lines, never into tab-separated ones. get
// says Status: in colour on a terminal.
func TestTerminalColourOnlyWhereItMeansSomething(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	uxTokens(t, em, dir)
	for _, env := range [][]string{{"NO_COLOR=1"}, {"TERM=dumb"}, {"CLICOLOR=0"}} {
		s := startOnTerminal(t, em, dir, 80, env, "list", "--status", "all")
		screen, code := s.Wait(20 * time.Second)
		// No colour (SGR); the progress indicator erases its line with
		// ESC [ K whether colour is on or not.
		if code != 0 || sgr.MatchString(screen) || !strings.Contains(screen, "revoked") {
			t.Errorf("%v: exit %d, %q", env, code, screen)
		}
	}
	piped := func(args []string, env ...string) string {
		t.Helper()
		cmd := inDir(patctlCommand(t, em, args...), dir)
		cmd.Env = append(cmd.Env, append([]string{"NO_COLOR=", "CLICOLOR=", "CLICOLOR_FORCE=", "FORCE_COLOR=", "TERM=xterm-256color"}, env...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		return string(out)
	}
	list := []string{"list", "--status", "all"}
	if out := piped(list); strings.Contains(out, "\x1b") || !strings.Contains(out, "\trevoked\n") {
		t.Errorf("piped: %q", out)
	}
	// Forced colour reaches what is written for people (get's lines), never
	// the tab-separated lines scripts read.
	if out := piped(list, "CLICOLOR_FORCE=1"); strings.Contains(out, "\x1b") {
		t.Errorf("piped list with CLICOLOR_FORCE: %q", out)
	}
	get := []string{"get", "--name", "live"}
	if out := piped(get); strings.Contains(out, "\x1b") {
		t.Errorf("piped get: %q", out)
	}
	for _, force := range []string{"CLICOLOR_FORCE=1", "FORCE_COLOR=1"} {
		if out := piped(get, force); !strings.Contains(out, "Status:     \x1b[32mactive\x1b[0m") {
			t.Errorf("piped get with %s: %q", force, out)
		}
	}
	s := startOnTerminal(t, em, dir, 80, nil, "get", "--name", "live")
	if screen, code := s.Wait(20 * time.Second); code != 0 || !strings.Contains(screen, "Status:     \x1b[32mactive\x1b[0m") {
		t.Errorf("get: exit %d, %q", code, screen)
	}
}

// TestTerminalPagerForALongList: a table longer than the terminal (40
// rows) goes through PATCTL_PAGER, else PAGER; not in a pipe, not with
// --json, not for a short table, not with PAGER empty or cat; a pager that
// cannot start leaves the table printed as usual.
func TestTerminalPagerForALongList(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	hc, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	api := patapi.New(hc, em.URL(), emulator.DefaultOrg)
	for i := range 45 {
		if _, err := api.Create(context.Background(), patapi.CreateRequest{DisplayName: fmt.Sprintf("tok-%02d", i), Scope: "vso.code", ValidTo: time.Now().Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// The pager notes that it ran, and shows what it reads.
	pagerDir := t.TempDir()
	mark := filepath.Join(pagerDir, "ran")
	pager := filepath.Join(pagerDir, "pager.sh")
	if err := os.WriteFile(pager, []byte("#!/bin/sh\necho \"$LESS\" >> \"$PAGER_MARK\"\nexec cat\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ran := func() bool {
		_, err := os.Stat(mark)
		os.Remove(mark)
		return err == nil
	}
	for _, c := range []struct {
		env   []string
		args  []string
		paged bool
	}{
		{[]string{"PATCTL_PAGER=" + pager}, []string{"list"}, true},
		{[]string{"PAGER=" + pager}, []string{"list"}, true},
		{[]string{"PAGER=" + pager, "PATCTL_PAGER=cat"}, []string{"list"}, false},
		{[]string{"PAGER=" + pager, "PATCTL_PAGER="}, []string{"list"}, false},
		{[]string{"PATCTL_PAGER=" + pager}, []string{"list", "--json"}, false},
		{[]string{"PATCTL_PAGER=" + pager}, []string{"list", "--status", "revoked"}, false},
		{[]string{"PATCTL_PAGER=/nonexistent/pager"}, []string{"list"}, false},
	} {
		s := startOnTerminal(t, em, dir, 80, append(c.env, "PAGER_MARK="+mark), c.args...)
		screen, code := s.Wait(20 * time.Second)
		if code != 0 {
			t.Fatalf("%v %v: exit %d\n%q", c.env, c.args, code, screen)
		}
		if got := ran(); got != c.paged {
			t.Errorf("%v %v: paged %v, want %v", c.env, c.args, got, c.paged)
		}
		// Paged or not, every row is on the screen.
		if c.args[len(c.args)-1] == "list" && (!strings.Contains(screen, "tok-00") || !strings.Contains(screen, "tok-44")) {
			t.Errorf("%v %v: rows missing: %q", c.env, c.args, screen)
		}
	}
	// A pager quit before the end (head) is no failure.
	s := startOnTerminal(t, em, dir, 80, []string{"PATCTL_PAGER=head -n 3"}, "list")
	if screen, code := s.Wait(20 * time.Second); code != 0 || strings.Contains(screen, "patctl:") || strings.Contains(screen, "tok-44") {
		t.Errorf("head as the pager: exit %d, %q", code, screen)
	}
	// Into a pipe: never.
	cmd := inDir(patctlCommand(t, em, "list"), dir)
	cmd.Env = append(cmd.Env, "PATCTL_PAGER="+pager, "PAGER_MARK="+mark)
	if out, err := cmd.Output(); err != nil || strings.Count(string(out), "\n") != 45 || ran() {
		t.Errorf("piped: %v, %d lines, pager ran", err, strings.Count(string(out), "\n"))
	}
}

// TestTerminalEmptyListSaysSo: an empty list says so on the terminal, and
// where; into a pipe, nothing at all.
func TestTerminalEmptyListSaysSo(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	runIn(t, em, dir, "login", "--device-code")
	s := startOnTerminal(t, em, dir, 80, nil, "list", "--status", "revoked")
	screen, code := s.Wait(20 * time.Second)
	// (A slow machine may show the progress indicator first: the screen
	// keeps what follows its last erase.)
	if lines := screenLines(screen); code != 0 || len(lines) != 1 || lines[0] != "no revoked tokens in "+emulator.DefaultOrg {
		t.Fatalf("exit %d, %q", code, screen)
	}
	out, err := inDir(patctlCommand(t, em, "list", "--status", "revoked"), dir).CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Fatalf("piped: %v %q", err, out)
	}
}
