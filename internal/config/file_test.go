package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProfilesAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(`profiles:
  default:
    org: fabrikam
  work:
    org: contoso-eng
    tenant: contoso.onmicrosoft.com
    client-id: 872cd9fa-d31f-45e0-9eab-6e460a02d1f1
    scopes: 499b84ac-1321-427f-aa17-267ca6975798/vso.pats
    account: grace@contoso.onmicrosoft.com
`), 0o600)
	env := map[string]string{EnvConfigDir: dir}
	getenv := func(k string) string { return env[k] }

	s, err := Load(getenv, "")
	if err != nil || s.Profile != "default" || s.Org != "fabrikam" || s.Authority != DefaultAuthority {
		t.Fatalf("default profile: %+v %v", s, err)
	}
	s, err = Load(getenv, "work")
	if err != nil || s.Org != "contoso-eng" || s.Authority != "https://login.microsoftonline.com/contoso.onmicrosoft.com" ||
		s.ClientID != "872cd9fa-d31f-45e0-9eab-6e460a02d1f1" || s.Scopes[0] != AzureDevOpsResource+"/vso.pats" || s.Account != "grace@contoso.onmicrosoft.com" {
		t.Fatalf("work profile: %+v %v", s, err)
	}
	// The environment wins over the profile; the flag over the environment.
	env[EnvOrg], env[EnvAuthority], env[EnvProfile] = "from-env", "https://login.example/t", "work"
	s, _ = Load(getenv, "")
	if s.Profile != "work" || s.Org != "from-env" || s.Authority != "https://login.example/t" || s.ClientID != "872cd9fa-d31f-45e0-9eab-6e460a02d1f1" {
		t.Fatalf("env over profile: %+v", s)
	}
	s, _ = Load(getenv, "default")
	if s.Profile != "default" || s.ClientID != DefaultClientID {
		t.Fatalf("flag over env: %+v", s)
	}
	if _, err := Load(getenv, "nope"); err == nil || !strings.Contains(err.Error(), `--profile: no profile "nope"`) {
		t.Fatal(err)
	}
}

func TestTOMLAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte("[profiles.default]\norg = \"toml-org\"\n"), 0o600)
	s, err := Load(func(k string) string { return map[string]string{EnvConfigDir: dir}[k] }, "")
	if err != nil || s.Org != "toml-org" {
		t.Fatalf("%+v %v", s, err)
	}
	f, _ := LoadFile(dir)
	p := f.Profiles["default"]
	p.Set("client-id", "x")
	f.Profiles["default"] = p
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "config.toml")); !strings.Contains(string(data), "client-id = 'x'") && !strings.Contains(string(data), `client-id = "x"`) {
		t.Fatalf("saved as %s", data)
	}
	for _, bad := range []string{"profiles: [1, 2]\n", "profiles:\n  a:\n    colour: red\n", "{{{"} {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "config.yaml"), []byte(bad), 0o600)
		if _, err := LoadFile(d); err == nil || !strings.Contains(err.Error(), "config.yaml") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "config.yaml"), nil, 0o600)
	if _, err := LoadFile(empty); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}

func TestProfileTenantFillsAnAuthorityWithoutOne(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("profiles:\n  default:\n    tenant: contoso.onmicrosoft.com\n"), 0o600)
	for env, want := range map[string]string{
		"https://127.0.0.1:8443":               "https://127.0.0.1:8443/contoso.onmicrosoft.com",
		"https://127.0.0.1:8443/organizations": "https://127.0.0.1:8443/contoso.onmicrosoft.com",
		"https://127.0.0.1:8443/fabrikam.com":  "https://127.0.0.1:8443/fabrikam.com",
	} {
		s, err := Load(func(k string) string { return map[string]string{EnvConfigDir: dir, EnvAuthority: env}[k] }, "")
		if err != nil || s.Authority != want {
			t.Errorf("%s: %s %v", env, s.Authority, err)
		}
	}
}
