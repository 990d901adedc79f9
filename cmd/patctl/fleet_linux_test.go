package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/patctl/patctl/internal/rotation"
)

// TestApplySecretSurvivesAKillBeforeTheReport: apply's report carries the
// new secret of an entry without to:, and is written once every action has
// ended. Killed before that — the old token already revoked — the secret is
// not lost: the journal holds it, sealed, and resume hands it over.
func TestApplySecretSurvivesAKillBeforeTheReport(t *testing.T) {
	t.Parallel()
	em, dir, old := signedIn(t)
	file := filepath.Join(t.TempDir(), "fleet.yaml")
	if err := os.WriteFile(file, []byte("tokens:\n  - {name: svc, scopes: [vso.code], lifetime: 60d, rotateBefore: 31d}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := inDir(patctlCommand(t, em, "apply", "-f", file, "--json"), dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := startStopped(t, cmd, rotation.StageRetired)
	_ = cmd.Process.Kill()
	<-done
	if stdout.Len() > 0 {
		t.Fatalf("stdout before the report:\n%s", stdout.String())
	}
	if ids := activeNamed(t, em, "svc"); len(ids) != 1 || ids[0] == old.AuthorizationID {
		t.Fatalf("active svc tokens %v: the old one %s should be revoked, the new one left", ids, old.AuthorizationID)
	}

	resumeHandsOverSecret(t, em, dir, old.AuthorizationID)
}
