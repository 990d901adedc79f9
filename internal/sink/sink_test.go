package sink

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
)

var secret = Secret{Value: "s3cr3tvalue", ID: "4ab5764f-4193-4f1d-b995-64144880b7d7", Name: "ci", Org: "fabrikam",
	ExpiresAt: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)}

func TestParseRefusesWhatCannotWork(t *testing.T) {
	for uri, want := range map[string]string{
		"s3://bucket/x":       "not a destination patctl knows",
		"file:":               "a path is required",
		"dotenv:.env":         "the variable is missing",
		"dotenv:.env#1X":      "is not a name",
		"exec:":               "a command is required",
		"exec:tool 'unclosed": "cannot be split",

		"github:contoso/web/X":                           "write it github://",
		"github://contoso/web/x/y":                       "write it github://",
		"github://contoso//X":                            "empty path segment",
		"github://contoso/web/1X":                        "not a GitHub secret name",
		"github://contoso/web/A-B":                       "not a GitHub secret name",
		"github://contoso/web/github_token":              "cannot start with GITHUB_",
		"github://contoso/web/X?visibility=all":          "only query",
		"github://contoso/X?visibility=public":           "not private, all or selected",
		"github://contoso/X?visibility=all&x=1":          "only query",
		"github://contoso/web/environments/prod/GITHUB_": "cannot start with GITHUB_",
	} {
		wantRefused(t, uri, want)
	}
}

// preflightAndWrite writes the test secret to uri as a command would.
func preflightAndWrite(t *testing.T, uri string, env Env) {
	t.Helper()
	s, err := Parse(uri, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
}

// wantRefused checks that Parse refuses uri with a usage error naming it
// and saying want.
func wantRefused(t *testing.T, uri, want string) {
	t.Helper()
	_, err := Parse(uri, Env{})
	var flagErr *cmdutil.FlagError
	if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), uri) {
		t.Errorf("%s: %v, want a usage error naming it and saying %q", uri, err, want)
	}
}

func TestDotenvKeepsEveryOtherLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	before := "# comment\r\nA=1\nexport PAT=old # trailing\nB = 'x y'\nPAT=again\nC=3"
	os.WriteFile(path, []byte(before), 0o644)
	preflightAndWrite(t, "dotenv:"+path+"#PAT", Env{})
	got, _ := os.ReadFile(path)
	want := "# comment\r\nA=1\nPAT=s3cr3tvalue\nB = 'x y'\nC=3"
	if info, _ := os.Stat(path); string(got) != want || info.Mode().Perm() != 0o600 {
		t.Fatalf("got %q (%v), want %q", got, info.Mode(), want)
	}

	fresh := filepath.Join(t.TempDir(), "new.env")
	s, _ := Parse("dotenv:"+fresh+"#PAT", Env{})
	s.Write(context.Background(), secret)
	if got, _ := os.ReadFile(fresh); string(got) != "PAT=s3cr3tvalue\n" {
		t.Fatalf("new file %q", got)
	}
}

func TestExecGetsTheSecretOnStdinOnly(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATCTL_TOKEN", "an-access-token")
	script := filepath.Join(dir, "store.sh")
	os.WriteFile(script, []byte(`#!/bin/sh
cat > "$1/stdin"
printf '%s\n' "$@" > "$1/argv"
env > "$1/env"
echo "stored $PATCTL_PAT_NAME"
`), 0o755)
	var stderr bytes.Buffer
	preflightAndWrite(t, "exec:"+script+" "+dir, Env{Stderr: &stderr})
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	argv, _ := os.ReadFile(filepath.Join(dir, "argv"))
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	if string(stdin) != secret.Value {
		t.Fatalf("stdin %q, want the secret with no newline", stdin)
	}
	if strings.Contains(string(argv)+string(env), secret.Value) || strings.Contains(string(env), "an-access-token") {
		t.Fatal("a secret reached the program's arguments or environment")
	}
	for _, kv := range []string{"PATCTL_PAT_ID=" + secret.ID, "PATCTL_PAT_NAME=ci", "PATCTL_PAT_EXPIRES=2027-01-02T03:04:05Z"} {
		if !strings.Contains(string(env), kv+"\n") {
			t.Fatalf("environment lacks %s", kv)
		}
	}
	if stderr.String() != "stored ci\n" {
		t.Fatalf("the program's output %q did not go to stderr", stderr.String())
	}
}

func TestExecFailuresAndTimeout(t *testing.T) {
	s, _ := Parse("exec:no-such-program-here", Env{})
	if err := s.Preflight(context.Background()); err == nil || !strings.Contains(err.Error(), "not a program") {
		t.Fatalf("preflight: %v", err)
	}
	s, _ = Parse("exec:false", Env{Stderr: &bytes.Buffer{}})
	if _, err := s.Write(context.Background(), secret); err == nil || !strings.Contains(err.Error(), "exec:false") {
		t.Fatalf("a failing program: %v", err)
	}
	s, _ = Parse("exec:sleep 30", Env{Stderr: &bytes.Buffer{}, ExecTimeout: 200 * time.Millisecond})
	start := time.Now()
	if _, err := s.Write(context.Background(), secret); err == nil || !strings.Contains(err.Error(), "no answer within") || time.Since(start) > 10*time.Second {
		t.Fatalf("a hung program: %v after %v", err, time.Since(start))
	}
}

func TestFileSink(t *testing.T) {
	dir := t.TempDir()
	s, _ := Parse("file:"+filepath.Join(dir, "pat"), Env{})
	if err := s.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "pat"))
	if string(got) != "s3cr3tvalue\n" {
		t.Fatalf("%q", got)
	}
	s, _ = Parse("file:"+dir, Env{})
	if err := s.Preflight(context.Background()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("a directory: %v", err)
	}
}
