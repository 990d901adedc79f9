package main

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestParallelRefreshesKeepTheStoreWhole starts 20 patctl processes at once
// on a login whose access token has expired. The file lock makes them take
// turns: the first refreshes, the others find its fresh token in the store.
// All succeed, the store stays readable, and Entra ID sees about one refresh
// (the emulator refuses a used refresh token, so a race would show).
func TestParallelRefreshesKeepTheStoreWhole(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, emulator.Options{})
	// Logged in with a token MSAL counts as expired (it refreshes within
	// five minutes of expiry); refreshes then bring hour-long tokens.
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
	first := patctlCommand(t, em, "login", "--device-code")
	dir := filepath.Dir(first.Path)
	if out, err := first.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Hour) })
	em.ResetRequests()

	// Every later process shares the first one's config and keyring (inDir).
	const n = 20
	var wg sync.WaitGroup
	outs := make([][]byte, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := inDir(patctlCommand(t, em, "list", "--org", "fabrikam"), dir)
			<-start
			outs[i], errs[i] = cmd.CombinedOutput()
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	refreshes := 0
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken {
			refreshes++
			if r.GrantType != "refresh_token" || r.Status != 200 {
				t.Fatalf("unexpected token request: %+v", r)
			}
		}
	}
	if refreshes < 1 || refreshes > 3 {
		t.Fatalf("%d refresh grants for %d processes, want 1 to 3", refreshes, n)
	}
	if out, err := inDir(patctlCommand(t, em, "status"), dir).CombinedOutput(); err != nil {
		t.Fatalf("the store is not readable after the race: %v\n%s", err, out)
	}
}
