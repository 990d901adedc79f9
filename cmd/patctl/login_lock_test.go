package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestLoginDoesNotHoldUpOtherCommands runs `list` while a device-code
// sign-in in the same login directory waits for someone to enter the code.
// The sign-in holds no lock while it waits, so list succeeds at once, with
// its cached token or refreshing it. When the sign-in is then cancelled, or
// finishes as another user, the first login still works: with access tokens
// that need a refresh on every command, the next list succeeds only if the
// refresh token stored by the list before was kept (the emulator refuses a
// used one).
func TestLoginDoesNotHoldUpOtherCommands(t *testing.T) {
	const grace = "grace@contoso.onmicrosoft.com"
	for _, tc := range []struct {
		name    string
		refresh bool   // the first login's access token needs a refresh
		finish  string // who signs in at last; "" cancels with Ctrl-C
	}{
		{name: "valid token, cancelled"},
		{name: "refresh, cancelled", refresh: true},
		{name: "refresh, another user signs in", refresh: true, finish: grace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := emulatortest.Start(t, emulator.Options{})
			em.Update(func(c *emulator.Config) {
				c.Users = append(c.Users, emulator.User{ObjectID: "0c4e5d6f-1111-2222-3333-444455556666", TenantID: emulator.DefaultTenantID, UPN: grace, Name: "Grace"})
				if tc.refresh {
					// MSAL refreshes a token within five minutes of its expiry.
					c.AccessTokenLifetime = emulator.Duration(time.Minute)
				}
			})
			first := patctlCommand(t, em, "login", "--device-code")
			dir := filepath.Dir(first.Path)
			if out, err := first.CombinedOutput(); err != nil {
				t.Fatalf("login: %v\n%s", err, out)
			}
			em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodePending })
			em.ResetRequests()

			login := startUntil(t, inDir(patctlCommand(t, em, "login", "--device-code"), dir), "enter the code")
			listAsAda := func() {
				t.Helper()
				list := inDir(patctlCommand(t, em, "list", "--account", emulator.DefaultUserUPN), dir)
				// A list that waited for the login's lock would take minutes.
				stderr := startUntil(t, list, "").wait(t, 20*time.Second)
				if !list.ProcessState.Success() {
					t.Fatalf("list: exit %d\n%s", list.ProcessState.ExitCode(), stderr)
				}
			}
			listAsAda()
			select {
			case <-login.done:
				t.Fatalf("the pending login ended before list did:\n%s", strings.Join(login.lines, "\n"))
			default:
			}
			wantRefreshes := 0
			if tc.refresh {
				wantRefreshes = 1
			}
			if got := refreshes(t, em); got != wantRefreshes {
				t.Fatalf("%d refreshes during the sign-in, want %d", got, wantRefreshes)
			}

			if tc.finish == "" {
				if err := login.cmd.Process.Signal(syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
			} else {
				em.Update(func(c *emulator.Config) {
					c.DeviceCodeOutcome, c.BrowserUser = emulator.DeviceCodeApprove, tc.finish
				})
			}
			stderr := login.wait(t, 30*time.Second) // the device code is polled every 5 s
			wantExit := 0
			if tc.finish == "" {
				wantExit = cmdutil.ExitInterrupted
			}
			if code := login.cmd.ProcessState.ExitCode(); code != wantExit {
				t.Fatalf("second login: exit %d, want %d\n%s", code, wantExit, stderr)
			}

			listAsAda()
			if got := refreshes(t, em); got != 2*wantRefreshes {
				t.Fatalf("%d refreshes in all, want %d", got, 2*wantRefreshes)
			}
			if tc.finish != "" {
				status := inDir(patctlCommand(t, em, "status"), dir)
				out, err := status.CombinedOutput()
				if err != nil || !strings.Contains(string(out), tc.finish) || !strings.Contains(string(out), emulator.DefaultUserUPN) {
					t.Fatalf("status after both logins: %v\n%s", err, out)
				}
			}
		})
	}
}

// refreshes counts the successful refresh-token grants Entra ID answered.
func refreshes(t *testing.T, em *emulator.Emulator) int {
	t.Helper()
	n := 0
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken && r.GrantType == "refresh_token" {
			if r.Status != 200 {
				t.Fatalf("a refresh was refused: %+v", r)
			}
			n++
		}
	}
	return n
}
