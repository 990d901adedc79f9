package sink

import "testing"

func TestVaultResourceIsTheVaultsDNSSuffix(t *testing.T) {
	for url, want := range map[string]string{
		"https://kv.vault.azure.net":                 "https://vault.azure.net",
		"https://kv.vault.azure.cn":                  "https://vault.azure.cn",
		"https://kv.vault.usgovcloudapi.net/":        "https://vault.usgovcloudapi.net",
		"https://127.0.0.1:8443/keyvault/kv":         "https://vault.azure.net",
		"https://vault.example.com/keyvault/kv-main": "https://vault.azure.net",
	} {
		if got := vaultResource(url); got != want {
			t.Errorf("vaultResource(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestChallengeTenant(t *testing.T) {
	for header, want := range map[string]string{
		`Bearer authorization="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`:   "72f988bf-86f1-41af-91ab-2d7cd011db47",
		`Bearer authorization="https://login.microsoftonline.com/contoso.onmicrosoft.com/", scope="https://vault.azure.net/.default"`: "contoso.onmicrosoft.com",
		`Bearer authorization_uri="https://login.microsoftonline.com/abc"`:                                                            "abc",
		`Bearer realm=""`: "",
		``:                "",
	} {
		if got := challengeTenant(header); got != want {
			t.Errorf("challengeTenant(%q) = %q, want %q", header, got, want)
		}
	}
}
