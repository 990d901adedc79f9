package main

import (
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestParallelRefreshesKeepTheStoreWhole starts several patctl processes at
// once on a login whose access token must be refreshed. The file lock makes
// them take turns, each with the refresh token the previous one stored (the
// emulator refuses a used one), and the store stays readable.
func TestParallelRefreshesKeepTheStoreWhole(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(60e9) })

	first := patctlCommand(t, em, "login", "--device-code")
	dir := filepath.Dir(first.Path)
	if out, err := first.CombinedOutput(); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	// Every later process shares the first one's config and keyring.
	share := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Env = append(cmd.Env,
			"PATCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
			envTestKeyring+"="+filepath.Join(dir, "keyring"))
		return cmd
	}
	const n = 8
	var wg sync.WaitGroup
	outs := make([][]byte, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], errs[i] = share(patctlCommand(t, em, "status")).CombinedOutput()
		}(i)
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	refreshes := 0
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken && r.GrantType == "refresh_token" {
			refreshes++
			if r.Status != 200 {
				t.Fatalf("a refresh failed: %+v", r)
			}
		}
	}
	if refreshes != n {
		t.Fatalf("%d refresh grants for %d processes", refreshes, n)
	}
	if out, err := share(patctlCommand(t, em, "status")).CombinedOutput(); err != nil {
		t.Fatalf("the store is not readable after the race: %v\n%s", err, out)
	}
}
