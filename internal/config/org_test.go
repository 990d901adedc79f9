package config

import "testing"

func TestOrgNameFromURLs(t *testing.T) {
	for in, want := range map[string]string{
		"fabrikam":                        "fabrikam",
		" fabrikam ":                      "fabrikam",
		"https://dev.azure.com/fabrikam":  "fabrikam",
		"https://dev.azure.com/fabrikam/": "fabrikam",
		"https://dev.azure.com/fabrikam/Proj/_git/repo?path=/x": "fabrikam",
		"https://DEV.AZURE.COM/Fabrikam":                        "Fabrikam",
		"http://dev.azure.com/fabrikam":                         "fabrikam",
		"dev.azure.com/fabrikam":                                "fabrikam",
		"https://ada@dev.azure.com/fabrikam/proj/_git/repo":     "fabrikam",
		"https://vssps.dev.azure.com/fabrikam/":                 "fabrikam",
		"https://fabrikam.visualstudio.com":                     "fabrikam",
		"https://fabrikam.visualstudio.com/":                    "fabrikam",
		"https://fabrikam.visualstudio.com/DefaultCollection/p": "fabrikam",
		"fabrikam.visualstudio.com":                             "fabrikam",
		"https://fabrikam.vssps.visualstudio.com":               "fabrikam",
		// Not an organization's URL: unchanged, for the caller to refuse.
		"https://dev.azure.com/":             "https://dev.azure.com/",
		"https://dev.azure.com":              "https://dev.azure.com",
		"https://example.com/fabrikam":       "https://example.com/fabrikam",
		"https://app.vssps.visualstudio.com": "https://app.vssps.visualstudio.com",
		"https://a.b.visualstudio.com":       "https://a.b.visualstudio.com",
		"https://dev.azure.com:8443/fab":     "https://dev.azure.com:8443/fab",
		"ftp://dev.azure.com/fabrikam":       "ftp://dev.azure.com/fabrikam",
		"fab rikam":                          "fab rikam",
	} {
		if got := OrgName(in); got != want {
			t.Errorf("OrgName(%q) = %q, want %q", in, got, want)
		}
	}
}
