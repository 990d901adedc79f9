package sink

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/github"
)

// githubEnv points sinks at the emulator's fake GitHub with a token.
func githubEnv(em *emulator.Emulator, token string) Env {
	vars := map[string]string{"PATCTL_GITHUB_API_URL": em.URL() + "/github", "GH_TOKEN": token}
	return Env{Getenv: func(k string) string { return vars[k] }, HTTP: func() (*http.Client, error) { return em.HTTPClient(), nil }}
}

func ops(em *emulator.Emulator) []string {
	var out []string
	for _, r := range em.Requests() {
		out = append(out, r.Op)
	}
	return out
}

// The URIs refused are in TestParseRefusesWhatCannotWork.
func TestGitHubURIs(t *testing.T) {
	for _, uri := range []string{"github://contoso/web/ado_pat", "github://contoso/web/environments/team%2Fblue/X", "github://contoso/web/environments/team/blue/X", "github://contoso/X?visibility=selected"} {
		if _, err := Parse(uri, Env{}); err != nil {
			t.Errorf("%s: %v", uri, err)
		}
	}
}

// A repository secret costs two requests: the public key at preflight and
// one PUT; the value opens with the fake's private key, under an upper-case name.
func TestGitHubRepositorySecret(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	preflightAndWrite(t, "github://contoso/web/ado_pat", githubEnv(em, github.DefaultToken))
	if got := strings.Join(ops(em), " "); got != "github-public-key github-put" {
		t.Fatalf("requests %s, want the public key and one PUT", got)
	}
	if s, err := em.GitHub().Secret("contoso/web/ADO_PAT"); err != nil || s.Value != secret.Value || s.Name != "ADO_PAT" {
		t.Fatalf("%+v %v", s, err)
	}
	// Again: an update (204) is written too.
	preflightAndWrite(t, "github://contoso/web/ADO_PAT", githubEnv(em, github.DefaultToken))
}

func TestGitHubEnvironmentNameWithASlash(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.GitHub.Repos[0].Environments = []string{"team/blue"} })
	preflightAndWrite(t, "github://contoso/web/environments/team/blue/PAT", githubEnv(em, github.DefaultToken))
	if s, err := em.GitHub().Secret("contoso/web/environments/team/blue/PAT"); err != nil || s.Value != secret.Value {
		t.Fatalf("%+v %v", s, err)
	}
	if r := em.Requests()[0]; r.Path != "/github/repos/contoso/web/environments/team/blue/secrets/public-key" {
		// The log shows the unescaped path; the fake itself routed %2F as one segment.
		t.Fatalf("path %s", r.Path)
	}
}

func TestGitHubOrganizationSecretVisibility(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	env := githubEnv(em, github.DefaultToken)
	preflightAndWrite(t, "github://contoso/NEW_ONE", env)
	if s, _ := em.GitHub().Secret("contoso/NEW_ONE"); s.Visibility != "private" || s.Value != secret.Value {
		t.Fatalf("a new secret: %+v, want private", s)
	}
	if err := em.GitHub().SeedOrgSecret("contoso", "SHARED", "old", "selected", []int64{1296280}); err != nil {
		t.Fatal(err)
	}
	preflightAndWrite(t, "github://contoso/shared", env)
	if s, _ := em.GitHub().Secret("contoso/SHARED"); s.Visibility != "selected" || len(s.RepoIDs) != 1 || s.RepoIDs[0] != 1296280 || s.Value != secret.Value {
		t.Fatalf("an existing selected secret: %+v, want its repositories kept", s)
	}
	preflightAndWrite(t, "github://contoso/shared?visibility=all", env)
	if s, _ := em.GitHub().Secret("contoso/SHARED"); s.Visibility != "all" || len(s.RepoIDs) != 0 {
		t.Fatalf("?visibility=all: %+v", s)
	}
}

// A key rotated between preflight and write: the PUT is refused (422), the
// key read again, and the secret sealed again.
func TestGitHubKeyRotatedBeforeWrite(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	s, _ := Parse("github://contoso/web/ROTATED", githubEnv(em, github.DefaultToken))
	if err := s.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	em.GitHub().RotateKey("contoso/web")
	if _, err := s.Write(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ops(em), " "); got != "github-public-key github-put github-public-key github-put" {
		t.Fatalf("requests %s", got)
	}
	if v, _ := em.GitHub().Secret("contoso/web/ROTATED"); v.Value != secret.Value {
		t.Fatalf("%+v", v)
	}
}

// resume writes without a preflight; a busy GitHub is tried again.
func TestGitHubWriteAloneAndRetried(t *testing.T) {
	retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	em := emulatortest.Start(t, emulator.Options{})
	em.AddFault(emulator.Fault{Op: github.OpPut, Kind: emulator.FaultStatus, Status: 503, Times: 1})
	s, _ := Parse("github://contoso/ORG_PAT", githubEnv(em, github.DefaultToken))
	if _, err := s.Write(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if v, _ := em.GitHub().Secret("contoso/ORG_PAT"); v.Value != secret.Value {
		t.Fatalf("%+v", v)
	}
}

func TestGitHubPreflightRefusals(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	t.Setenv("PATH", t.TempDir()) // no gh
	for _, c := range []struct {
		uri, token string
		code       int
		want       string
	}{
		{"github://contoso/web/X", "", cmdutil.ExitAuth, "set GH_TOKEN or GITHUB_TOKEN"},
		{"github://contoso/web/X", "ghp_notAToken", cmdutil.ExitAuth, "GitHub refused the token"},
		{"github://contoso/web/X", github.NoAccessToken, cmdutil.ExitRefused, "may not do this"},
		{"github://contoso/nope/X", github.DefaultToken, cmdutil.ExitNotFound, "does not exist, or the token cannot see it"},
		{"github://contoso/web/environments/staging/X", github.DefaultToken, cmdutil.ExitNotFound, "does not exist"},
		{"github://nobody/X", github.DefaultToken, cmdutil.ExitNotFound, "does not exist"},
	} {
		s, _ := Parse(c.uri, githubEnv(em, c.token))
		err := s.Preflight(context.Background())
		var kind interface{ ExitCode() int }
		if !errors.As(err, &kind) || kind.ExitCode() != c.code || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.uri) {
			t.Errorf("%s with %q: %v, want exit %d saying %q", c.uri, c.token, err, c.code, c.want)
		}
		if c.token != "" && strings.Contains(err.Error(), c.token) {
			t.Errorf("the error shows the token")
		}
	}
}

// Without GH_TOKEN or GITHUB_TOKEN, gh's token is used; gh's failure is shown.
func TestGitHubTokenFromGh(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	dir := t.TempDir()
	gh := filepath.Join(dir, "gh")
	os.WriteFile(gh, []byte("#!/bin/sh\n[ \"$*\" = 'auth token --hostname "+strings.TrimPrefix(em.URL(), "https://")+"' ] && echo "+github.DefaultToken+"\n"), 0o755)
	t.Setenv("PATH", dir)
	preflightAndWrite(t, "github://contoso/web/FROM_GH", githubEnv(em, ""))

	os.WriteFile(gh, []byte("#!/bin/sh\necho 'You are not logged into any GitHub hosts.' >&2\nexit 1\n"), 0o755)
	s, _ := Parse("github://contoso/web/FROM_GH", githubEnv(em, ""))
	err := s.Preflight(context.Background())
	var kind interface{ ExitCode() int }
	if !errors.As(err, &kind) || kind.ExitCode() != cmdutil.ExitAuth || !strings.Contains(err.Error(), "not logged into any GitHub hosts") {
		t.Fatalf("gh failing: %v", err)
	}
}
