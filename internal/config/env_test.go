package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFromEnvDefaultsAndOverrides(t *testing.T) {
	dir := t.TempDir()
	s, err := FromEnv(func(k string) string { return map[string]string{EnvConfigDir: dir}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s.Authority != DefaultAuthority || s.ClientID != DefaultClientID || len(s.Scopes) != 1 || s.Scopes[0] != DefaultScopes || s.ConfigDir != dir {
		t.Fatalf("defaults %+v", s)
	}
	env := map[string]string{
		EnvAuthority: "https://127.0.0.1:8443/contoso.onmicrosoft.com/",
		EnvClientID:  " 872cd9fa-d31f-45e0-9eab-6e460a02d1f1 ",
		EnvScopes:    AzureDevOpsResource + "/vso.pats  " + AzureDevOpsResource + "/vso.pats_manage",
		EnvConfigDir: "relative/dir",
		EnvToken:     " tok \n",
	}
	s, err = FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s.Authority != "https://127.0.0.1:8443/contoso.onmicrosoft.com" || s.ClientID != "872cd9fa-d31f-45e0-9eab-6e460a02d1f1" ||
		len(s.Scopes) != 2 || !filepath.IsAbs(s.ConfigDir) || s.Token != "tok" {
		t.Fatalf("overrides %+v", s)
	}
}

func TestBadAuthorityNamesTheVariable(t *testing.T) {
	for _, bad := range []string{"http://login.example/tenant", "https:///tenant", "::"} {
		_, err := FromEnv(func(k string) string { return map[string]string{EnvAuthority: bad, EnvConfigDir: "/tmp"}[k] })
		if err == nil || !strings.Contains(err.Error(), EnvAuthority) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestTenantHelpers(t *testing.T) {
	if got := WithTenant("https://login.microsoftonline.com/organizations", "contoso.com"); got != "https://login.microsoftonline.com/contoso.com" {
		t.Fatal(got)
	}
	if got := TenantOf("https://127.0.0.1:1/abc/"); got != "abc" {
		t.Fatal(got)
	}
}

func TestEveryVariableIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, v := range Variables {
		listed[v.Name] = true
	}
	for _, name := range []string{EnvAuthority, EnvClientID, EnvScopes, EnvCAFile, EnvConfigDir, EnvToken, EnvLoginFrom, EnvBrowser, EnvOrg, EnvAPIURL, EnvDevOpsURL, EnvVSSPSAppURL} {
		if !listed[name] {
			t.Errorf("%s is not in Variables", name)
		}
	}
}

func TestTokenAndLoginFromExcludeEachOther(t *testing.T) {
	env := map[string]string{EnvConfigDir: t.TempDir(), EnvToken: "tok", EnvLoginFrom: "file:/x"}
	_, err := FromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), EnvLoginFrom) || !strings.Contains(err.Error(), EnvToken) {
		t.Fatalf("both set: %v", err)
	}
	delete(env, EnvToken)
	s, err := FromEnv(func(k string) string { return env[k] })
	if err != nil || s.LoginFrom != "file:/x" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestVSSPSAppURL(t *testing.T) {
	dir := t.TempDir()
	s, err := FromEnv(func(k string) string { return map[string]string{EnvConfigDir: dir}[k] })
	if err != nil || s.VSSPSAppURL != DefaultVSSPSAppURL {
		t.Fatalf("default %q, %v", s.VSSPSAppURL, err)
	}
	s, err = FromEnv(func(k string) string {
		return map[string]string{EnvConfigDir: dir, EnvVSSPSAppURL: "https://127.0.0.1:8443/"}[k]
	})
	if err != nil || s.VSSPSAppURL != "https://127.0.0.1:8443" {
		t.Fatalf("set %q, %v", s.VSSPSAppURL, err)
	}
	_, err = FromEnv(func(k string) string {
		return map[string]string{EnvConfigDir: dir, EnvVSSPSAppURL: "http://app.vssps.visualstudio.com"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), EnvVSSPSAppURL) {
		t.Fatalf("http accepted: %v", err)
	}
}

// TestWhereOrgAndProfileComeFrom: the organization from PATCTL_ORG, else the
// profile, a URL standing for its name; the profile from --profile, else
// PATCTL_PROFILE, else the default.
func TestWhereOrgAndProfileComeFrom(t *testing.T) {
	dir := t.TempDir()
	f, _ := LoadFile(dir)
	f.Profiles["default"] = Profile{Org: "https://fabrikam.visualstudio.com/"}
	f.Profiles["work"] = Profile{Org: "https://dev.azure.com/contoso"}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env                                  map[string]string
		flag                                 string
		org, orgSource, profile, profileFrom string
	}{
		{nil, "", "fabrikam", SourceProfile, "default", SourceDefault},
		{nil, "work", "contoso", SourceProfile, "work", SourceFlag},
		{map[string]string{EnvProfile: "work"}, "", "contoso", SourceProfile, "work", SourceEnv},
		{map[string]string{EnvOrg: "dev.azure.com/tailspin"}, "work", "tailspin", SourceEnv, "work", SourceFlag},
	} {
		env := map[string]string{EnvConfigDir: dir}
		for k, v := range tc.env {
			env[k] = v
		}
		s, err := Load(func(k string) string { return env[k] }, tc.flag)
		if err != nil || s.Org != tc.org || s.OrgSource != tc.orgSource || s.Profile != tc.profile || s.ProfileSource != tc.profileFrom {
			t.Errorf("%v --profile %q: %q %q %q %q, %v", tc.env, tc.flag, s.Org, s.OrgSource, s.Profile, s.ProfileSource, err)
		}
	}
	s, err := Load(func(k string) string { return map[string]string{EnvConfigDir: t.TempDir()}[k] }, "")
	if err != nil || s.Org != "" || s.OrgSource != "" || s.Profile != DefaultProfile || s.ProfileSource != SourceDefault {
		t.Errorf("nothing set: %+v %v", s, err)
	}
}
