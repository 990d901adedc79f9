package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/patapi"
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

	out, err := inDir(patctlCommand(t, em, "resume", "--json"), dir).Output()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	var report struct {
		Operations []rotation.Outcome `json:"operations"`
	}
	if err := json.Unmarshal(out, &report); err != nil || len(report.Operations) != 1 {
		t.Fatalf("resume report %s (%v)", out, err)
	}
	op := report.Operations[0]
	if op.Outcome != rotation.Completed || op.Replaces != old.AuthorizationID || op.Token == "" {
		t.Fatalf("resume outcome %+v", op)
	}
	if err := patapi.VerifyPAT(context.Background(), em.HTTPClient(), em.URL(), emulator.DefaultOrg, op.Token); err != nil {
		t.Fatalf("the secret resume handed over does not work: %v", err)
	}
}
