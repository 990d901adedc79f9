package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestRealSecretService signs in with the OS keyring for real: a GNOME
// Keyring over D-Bus. `make test` runs it through
// scripts/with-secret-service.sh, which sets PATCTL_TEST_SECRET_SERVICE=1.
func TestRealSecretService(t *testing.T) {
	if os.Getenv("PATCTL_TEST_SECRET_SERVICE") != "1" {
		t.Skip("needs a Secret Service: run through scripts/with-secret-service.sh (make test does)")
	}
	em := emulatortest.Start(t, emulator.Options{})
	configDir := filepath.Join(t.TempDir(), "config")
	run := func(args ...string) string {
		t.Helper()
		cmd := patctlCommand(t, em, args...)
		cmd.Env = append(withoutTestKeyring(cmd.Env), "PATCTL_CONFIG_DIR="+configDir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("patctl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, s := range em.IssuedSecrets() {
			if strings.Contains(string(out), s) {
				t.Fatalf("patctl %s printed a secret", args[0])
			}
		}
		return string(out)
	}
	run("login", "--device-code")
	service, user := credstore.Open(configDir, nil).KeyringItem()
	kr := credstore.System{}
	key, err := kr.Get(service, user)
	if err != nil || len(key) != 44 {
		t.Fatalf("the key is not in the Secret Service: %d bytes, %v", len(key), err)
	}
	if out := run("status"); !strings.Contains(out, emulator.DefaultUserUPN) || !strings.Contains(out, "OS keyring") {
		t.Fatalf("status:\n%s", out)
	}
	run("logout")
	if _, err := kr.Get(service, user); !errors.Is(err, credstore.ErrNotFound) {
		t.Fatalf("after logout the key is still there: %v", err)
	}
}

func withoutTestKeyring(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, envTestKeyring+"=") {
			out = append(out, kv)
		}
	}
	return out
}
