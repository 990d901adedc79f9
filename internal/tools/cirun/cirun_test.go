package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(f, []byte("path=/x/patctl\nnotes<<EOF\na\nb\nEOF\nversion=1.2.3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readEnvFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if got["path"] != "/x/patctl" || got["notes"] != "a\nb" || got["version"] != "1.2.3" {
		t.Fatalf("%q", got)
	}
}

func TestAzureTemplateExpressions(t *testing.T) {
	params := map[string]any{"name": "deploy", "token": "adoUserAccessToken", "env": map[string]any{"GH_TOKEN": "$(gh)"}}
	got, err := evalTemplate(map[string]any{
		"displayName": "Rotate ${{ parameters.name }}",
		"env": map[string]any{
			"PATCTL_TOKEN":  "$(${{ parameters.token }})",
			"${{ insert }}": "${{ parameters.env }}",
		},
	}, params)
	if err != nil {
		t.Fatal(err)
	}
	step := got.(map[string]any)
	env := step["env"].(map[string]any)
	if step["displayName"] != "Rotate deploy" || env["PATCTL_TOKEN"] != "$(adoUserAccessToken)" || env["GH_TOKEN"] != "$(gh)" {
		t.Fatalf("%v", got)
	}
	if _, err := evalTemplate("${{ parameters.nope }}", params); err == nil {
		t.Fatal("an unknown parameter was accepted")
	}
}

func TestAzureLoggingCommandsAndMacros(t *testing.T) {
	r := &runner{log: os.Stderr}
	r.state.Variables = map[string]variable{"plain": {Value: "p"}}
	if shown := r.loggingCommand("##vso[task.setvariable variable=NEW_PAT;issecret=true]s3cret"); shown {
		t.Fatal("a secret variable's logging command was shown")
	}
	r.loggingCommand("##vso[task.prependpath]/tools/patctl")
	if v := r.state.Variables["NEW_PAT"]; v.Value != "s3cret" || !v.Secret {
		t.Fatalf("%+v", v)
	}
	if r.mask("token s3cret here") != "token *** here" || len(r.path) != 1 || r.path[0] != "/tools/patctl" {
		t.Fatalf("%q %v", r.mask("token s3cret here"), r.path)
	}
	if got := r.macros("$(NEW_PAT) $(plain) $(undefined) $(uname -s)"); got != "s3cret p $(undefined) $(uname -s)" {
		t.Fatal(got)
	}
}

func TestGitHubExpressions(t *testing.T) {
	r := &runner{secrets: map[string]string{"TOKEN": "t"}, work: "/w"}
	c := &ghContext{inputs: map[string]string{"version": "1.2.3"}, sets: map[string]string{"github.repository": "o/r"},
		steps: map[string]map[string]string{"install": {"path": "/p"}}}
	got, err := substitute("${{ inputs.version }} ${{ secrets.TOKEN }} ${{ github.repository }} ${{steps.install.outputs.path}}", c.lookup(r))
	if err != nil || got != "1.2.3 t o/r /p" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := substitute("${{ inputs.nope }}", c.lookup(r)); err == nil {
		t.Fatal("an unknown input was accepted")
	}
	if _, err := substitute("${{ toJSON(github) }}", c.lookup(r)); err == nil {
		t.Fatal("a function call was accepted")
	}
}
