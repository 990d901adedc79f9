package sink

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// devopsEnv reaches the emulator as its default user, in org.
func devopsEnv(t *testing.T, em *emulator.Emulator, org string) Env {
	client, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	return Env{DevOps: func(context.Context) (DevOps, error) {
		return DevOps{HTTP: client, BaseURL: em.URL(), Org: org}, nil
	}}
}

func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return -1
}

func value(t *testing.T, em *emulator.Emulator, name string) string {
	t.Helper()
	v, ok := em.VariableGroups().Value(emulator.DefaultOrg, vargroups.DefaultProject, vargroups.DefaultGroup, name)
	if !ok || v.Value == nil {
		t.Fatalf("%s: %+v %v", name, v, ok)
	}
	return *v.Value
}

func TestVargroupParse(t *testing.T) {
	for uri, want := range map[string]string{
		"ado-vargroup:web/pipelines/PAT":              "the form is",
		"ado-vargroup://web/pipelines":                "the form is",
		"ado-vargroup://web//PAT":                     "the form is",
		"ado-vargroup://web/pipelines/PAT?x=1":        `"x" is not a parameter`,
		"ado-vargroup://web/pipelines/PAT?org=a_b":    "not an organization name",
		"ado-vargroup://web/pipelines/A%20B":          "not a variable name",
		"ado-vargroup://web/pipelines/PAT?org=%zz":    "the query",
		"ado-vargroup://web%zz/pipelines/PAT?org=abc": "invalid URL escape",
	} {
		wantRefused(t, uri, want)
	}
	s, err := Parse("ado-vargroup://My%20Project/pipelines/ADO_PAT?org=contoso", Env{})
	if v, _ := s.(*vargroup); err != nil || v.project != "My Project" || v.org != "contoso" || s.String() != "ado-vargroup://My%20Project/pipelines/ADO_PAT?org=contoso" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestVargroupWritesOneSecretAndKeepsTheRest(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	s, _ := Parse("ado-vargroup://web/pipelines/ADO_PAT", devopsEnv(t, em, emulator.DefaultOrg))
	if err := s.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A busy service once: the write is retried.
	em.AddFault(emulator.Fault{Op: vargroups.OpPut, Kind: emulator.FaultStatus, Status: 503, Times: 1})
	if v, err := s.Write(context.Background(), secret); err != nil || v != "" {
		t.Fatal(v, err)
	}
	if value(t, em, "ADO_PAT") != secret.Value || value(t, em, "DB_PASSWORD") != "correct-horse-battery" || value(t, em, "ENVIRONMENT") != "production" {
		t.Fatal("the group is not as it should be")
	}
	puts := 0
	for _, r := range em.Requests() {
		if r.Op == vargroups.OpPut {
			puts++
		}
	}
	if puts != 2 {
		t.Fatalf("%d updates, want the refused one and its retry", puts)
	}
	if v, _ := em.VariableGroups().Value(emulator.DefaultOrg, "web", "pipelines", "ADO_PAT"); !v.IsSecret {
		t.Fatal("written as a plain variable")
	}

	// A resumed write has no preflight and no command org: the secret's org.
	s, _ = Parse("ado-vargroup://web/pipelines/ADO_PAT", devopsEnv(t, em, ""))
	again := secret
	again.Value = "second-secret"
	if _, err := s.Write(context.Background(), again); err != nil || value(t, em, "ADO_PAT") != "second-secret" {
		t.Fatal(err)
	}
}

func TestVargroupPreflightRefusals(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.VariableGroups().Add(emulator.DefaultOrg, "web", vargroups.Group{Name: "from-vault", Type: vargroups.TypeAzureKeyVault})
	env := devopsEnv(t, em, emulator.DefaultOrg)
	preflight := func(uri string, env Env) error {
		s, err := Parse(uri, env)
		if err != nil {
			t.Fatal(err)
		}
		return s.Preflight(context.Background())
	}
	for uri, want := range map[string]int{
		"ado-vargroup://web/missing/PAT":     cmdutil.ExitNotFound,
		"ado-vargroup://other/pipelines/PAT": cmdutil.ExitNotFound,
		"ado-vargroup://web/from-vault/PAT":  cmdutil.ExitUsage,
	} {
		if err := preflight(uri, env); exitCode(err) != want || !strings.Contains(err.Error(), uri) {
			t.Errorf("%s: %v (exit %d), want exit %d naming it", uri, err, exitCode(err), want)
		}
	}
	anonymous := Env{DevOps: func(context.Context) (DevOps, error) {
		return DevOps{HTTP: em.HTTPClient(), BaseURL: em.URL(), Org: emulator.DefaultOrg}, nil
	}}
	if err := preflight("ado-vargroup://web/pipelines/PAT", anonymous); exitCode(err) != cmdutil.ExitAuth {
		t.Errorf("no token: %v", err)
	}
	if err := preflight("ado-vargroup://web/pipelines/PAT", Env{DevOps: func(context.Context) (DevOps, error) { return DevOps{}, nil }}); err == nil || !strings.Contains(err.Error(), "no organization") {
		t.Errorf("no organization: %v", err)
	}
	em.VariableGroups().SetRole(emulator.DefaultUserUPN, vargroups.RoleReader)
	if err := preflight("ado-vargroup://web/pipelines/PAT", env); exitCode(err) != cmdutil.ExitRefused || !strings.Contains(err.Error(), "Administrator") {
		t.Errorf("a reader: %v", err)
	}
	s, _ := Parse("ado-vargroup://web/pipelines/PAT", env)
	if _, err := s.Write(context.Background(), secret); exitCode(err) != cmdutil.ExitRefused || !strings.Contains(err.Error(), "HTTP 403") {
		t.Errorf("a reader writes: %v", err)
	}
	em.VariableGroups().SetRole(emulator.DefaultUserUPN, vargroups.RoleNone)
	if err := preflight("ado-vargroup://web/pipelines/PAT", env); exitCode(err) != cmdutil.ExitRefused {
		t.Errorf("no role: %v", err)
	}
}
