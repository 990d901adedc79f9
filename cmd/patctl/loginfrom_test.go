package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestLoginFromConcurrentRuns exports a login, then starts two patctl
// processes at once that load it with PATCTL_LOGIN_FROM — no login of their
// own, the Key Vault read with a service principal — on a login whose access
// token has expired, so that both refresh it and write it back. Both must
// succeed, the login kept must still work afterwards (a following command
// refreshes with its refresh token), and nothing may be written over by an
// older login.
//
// Against Key Vault, which has no lock, the emulator's default (a used
// refresh token is refused, stricter than Entra ID) makes the loser of a
// race wait for the winner's write-back and go on from it; with reusable
// refresh tokens (as Entra ID's are) both refresh, and the loser takes the
// winner's login instead of writing its own if that is there when it
// checks (credstore's unit tests force that order). A file is locked around
// read-refresh-write.
func TestLoginFromConcurrentRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		place    func(dir string) string
		reusable bool
	}{
		{name: "keyvault", place: func(string) string { return "keyvault://kv-main/patctl-login" }},
		{name: "keyvault-reusable", place: func(string) string { return "keyvault://kv-main/patctl-login" }, reusable: true},
		{name: "file", place: func(dir string) string { return "file:" + filepath.Join(dir, "login.json") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t, emulator.Options{})
			// Access tokens MSAL counts as expired at once (it refreshes within
			// five minutes of expiry): every process refreshes.
			em.Update(func(c *emulator.Config) {
				c.AccessTokenLifetime = emulator.Duration(time.Minute)
				c.ReusableRefreshTokens = tc.reusable
				c.Clients = append(c.Clients, emulator.Client{ID: emulator.KeyVaultClientID, Confidential: true, Secret: emulator.KeyVaultClientSecret})
			})
			place := tc.place(t.TempDir())
			run := func(cmd *exec.Cmd) string {
				t.Helper()
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
				}
				return string(out)
			}
			login := withKeyVault(patctlCommand(t, em, "login", "--device-code"), em)
			home := filepath.Dir(login.Path)
			run(login)
			run(inDir(withKeyVault(patctlCommand(t, em, "login", "export", "--to", place), em), home))
			run(inDir(patctlCommand(t, em, "logout"), home))
			exported := storedLogin(t, em, place)

			// The pipeline's runs: each with a config directory and keyring of
			// its own (patctlCommand's), empty.
			pipeline := func(args ...string) *exec.Cmd {
				return withKeyVault(patctlCommand(t, em, args...), em, "PATCTL_LOGIN_FROM="+place,
					"AZURE_CLIENT_ID="+emulator.KeyVaultClientID, "AZURE_CLIENT_SECRET="+emulator.KeyVaultClientSecret,
					"AZURE_TENANT_ID="+emulator.DefaultTenantID, "AZURE_AUTHORITY_HOST="+em.URL())
			}
			// Each request waits a while: both runs read the login before
			// either writes it back, and so race to refresh it.
			em.Update(func(c *emulator.Config) { c.Latency = emulator.Duration(250 * time.Millisecond) })
			em.ResetRequests()
			const n = 2
			var wg sync.WaitGroup
			outs := make([][]byte, n)
			errs := make([]error, n)
			cmds := make([]*exec.Cmd, n)
			for i := range cmds {
				cmds[i] = pipeline("list")
			}
			start := make(chan struct{})
			for i := range cmds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					outs[i], errs[i] = cmds[i].CombinedOutput()
				}()
			}
			close(start)
			wg.Wait()
			for i := range errs {
				if errs[i] != nil {
					t.Fatalf("run %d: %v\n%s", i, errs[i], outs[i])
				}
			}
			refreshed := successfulRefreshes(em)
			var grants []string
			for _, r := range em.Requests() {
				if r.Op == emulator.OpToken && r.GrantType == "refresh_token" {
					grants = append(grants, strings.Fields(http.StatusText(r.Status))[0])
				}
			}
			after := storedLogin(t, em, place)
			t.Logf("refresh grants of the concurrent runs: %v; versions now %d", grants, after.versions)
			if after.refreshToken == exported.refreshToken {
				t.Fatal("the login kept still holds the exported refresh token: nothing was written back")
			}
			if tc.name != "file" {
				// One version per refresh written back; a lost race with
				// reusable tokens writes nothing.
				wantMin, wantMax := 1+refreshed, 1+refreshed
				if tc.reusable {
					wantMin = 2
				}
				if after.versions < wantMin || after.versions > wantMax {
					t.Fatalf("%d versions after %d refreshes, want %d to %d", after.versions, refreshed, wantMin, wantMax)
				}
			}
			for _, cmd := range cmds {
				if configDir := filepath.Join(filepath.Dir(cmd.Path), "config", "auth"); exists(configDir) {
					t.Fatalf("a run kept the login in its config directory (%s)", configDir)
				}
			}

			// The login kept works: a following run refreshes with its
			// refresh token (a used one would be refused) and writes it back.
			em.Update(func(c *emulator.Config) { c.Latency = 0 })
			em.ResetRequests()
			out := run(pipeline("status", "--json"))
			if !strings.Contains(out, `"storage": "login-from"`) {
				t.Fatalf("status does not say where the login came from:\n%s", out)
			}
			if successfulRefreshes(em) != 1 {
				t.Fatalf("the following run made %d refreshes, want 1", successfulRefreshes(em))
			}
			if last := storedLogin(t, em, place); last.refreshToken == after.refreshToken {
				t.Fatal("the following run did not write its refresh token back")
			}
		})
	}
}

// withKeyVault points cmd at the emulator's Key Vault, with more settings.
func withKeyVault(cmd *exec.Cmd, em *emulator.Emulator, env ...string) *exec.Cmd {
	cmd.Env = append(append(cmd.Env, "PATCTL_KEYVAULT_URL="+em.URL()+emulator.KeyVaultPrefix+"/{vault}"), env...)
	return cmd
}

// kept is what an exported login holds, as the tests read it.
type kept struct {
	refreshToken string
	versions     int // of a Key Vault secret
}

func storedLogin(t *testing.T, em *emulator.Emulator, place string) kept {
	t.Helper()
	var data []byte
	versions := 0
	if path, ok := strings.CutPrefix(place, "file:"); ok {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	} else {
		vault, name, _ := strings.Cut(strings.TrimPrefix(place, "keyvault://"), "/")
		s, ok := em.KeyVault().Latest(vault, name)
		if !ok {
			t.Fatalf("no secret at %s", place)
		}
		data, versions = []byte(s.Value), s.Versions
	}
	rt, err := exportedRefreshToken(data)
	if err != nil {
		t.Fatalf("%s: %v", place, err)
	}
	return kept{rt, versions}
}

func successfulRefreshes(em *emulator.Emulator) int {
	n := 0
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken && r.GrantType == "refresh_token" && r.Status == 200 {
			n++
		}
	}
	return n
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
