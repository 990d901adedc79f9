// Package config holds patctl's non-secret settings and the name of every
// PATCTL_* environment variable, in this one place.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables. The names are a contract: scripts depend on them.
const (
	EnvAuthority = "PATCTL_AUTHORITY"
	EnvClientID  = "PATCTL_CLIENT_ID"
	EnvScopes    = "PATCTL_SCOPES"
	EnvCAFile    = "PATCTL_CA_FILE"
	EnvConfigDir = "PATCTL_CONFIG_DIR"
	EnvToken     = "PATCTL_TOKEN"
	EnvBrowser   = "BROWSER"
	EnvAPIURL    = "PATCTL_API_URL"
	EnvOrg       = "PATCTL_ORG"
	EnvDevOpsURL = "PATCTL_DEVOPS_URL"
)

// Defaults.
const (
	DefaultAuthority = "https://login.microsoftonline.com/organizations"
	// DefaultClientID is Azure CLI's public client: it needs no app
	// registration of the user's own, and Microsoft documents its tokens for
	// Azure DevOps (`az account get-access-token --resource 499b84ac-…`).
	DefaultClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	// AzureDevOpsResource is the application id of Azure DevOps in Entra ID.
	AzureDevOpsResource = "499b84ac-1321-427f-aa17-267ca6975798"
	DefaultScopes       = AzureDevOpsResource + "/.default"
	DefaultAPIURL       = "https://vssps.dev.azure.com"
	DefaultDevOpsURL    = "https://dev.azure.com"
)

// Variable describes one environment variable for `patctl help environment`.
type Variable struct {
	Name, Default, Meaning string
}

// Variables lists every variable patctl reads, in the order the help shows them.
var Variables = []Variable{
	{EnvAuthority, DefaultAuthority, "Entra ID authority URL (https://host/tenant), used as given: MSAL's instance discovery is off."},
	{EnvClientID, DefaultClientID + " (Azure CLI)", "public client (application) id to sign in with."},
	{EnvScopes, DefaultScopes, "space-separated scopes of the access token."},
	{EnvCAFile, "", "PEM file of extra root certificates trusted for every HTTPS call."},
	{EnvConfigDir, "the user's config directory/patctl", "where patctl keeps all its files."},
	{EnvToken, "", "an Entra access token for Azure DevOps, used as is and never stored; login and logout refuse while it is set."},
	{EnvBrowser, "", "command that opens the sign-in URL (the URL is its one argument)."},
	{EnvOrg, "", "the Azure DevOps organization, when --org is not given."},
	{EnvAPIURL, DefaultAPIURL, "base URL of the PAT Lifecycle Management API."},
	{EnvDevOpsURL, DefaultDevOpsURL, "base URL of Azure DevOps itself, where rotate checks that a new token works."},
}

// Settings are the sign-in settings in force, from the environment and flags.
type Settings struct {
	Authority string
	ClientID  string
	Scopes    []string
	CAFile    string
	ConfigDir string
	Token     string // PATCTL_TOKEN
	Browser   string
	APIURL    string
	DevOpsURL string
	Org       string // PATCTL_ORG; --org wins over it
}

// FromEnv reads the settings from the environment through getenv.
func FromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{
		Authority: strings.TrimRight(or(getenv(EnvAuthority), DefaultAuthority), "/"),
		ClientID:  or(getenv(EnvClientID), DefaultClientID),
		Scopes:    strings.Fields(or(getenv(EnvScopes), DefaultScopes)),
		CAFile:    getenv(EnvCAFile),
		ConfigDir: getenv(EnvConfigDir),
		Token:     strings.TrimSpace(getenv(EnvToken)),
		Browser:   getenv(EnvBrowser),
		APIURL:    strings.TrimRight(or(getenv(EnvAPIURL), DefaultAPIURL), "/"),
		DevOpsURL: strings.TrimRight(or(getenv(EnvDevOpsURL), DefaultDevOpsURL), "/"),
		Org:       strings.TrimSpace(getenv(EnvOrg)),
	}
	if err := CheckAuthority(s.Authority); err != nil {
		return s, fmt.Errorf("%s: %w", EnvAuthority, err)
	}
	for name, v := range map[string]string{EnvAPIURL: s.APIURL, EnvDevOpsURL: s.DevOpsURL} {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			return s, fmt.Errorf("%s: must be an https URL such as %s", name, map[string]string{EnvAPIURL: DefaultAPIURL, EnvDevOpsURL: DefaultDevOpsURL}[name])
		}
	}
	if len(s.Scopes) == 0 {
		return s, fmt.Errorf("%s: no scope given", EnvScopes)
	}
	if s.ConfigDir == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return s, fmt.Errorf("cannot find a config directory (%w): set %s", err, EnvConfigDir)
		}
		s.ConfigDir = filepath.Join(dir, "patctl")
	}
	abs, err := filepath.Abs(s.ConfigDir)
	if err != nil {
		return s, fmt.Errorf("%s: %w", EnvConfigDir, err)
	}
	s.ConfigDir = abs
	return s, nil
}

// CheckAuthority accepts what MSAL accepts: https://host[:port]/tenant.
func CheckAuthority(authority string) error {
	u, err := url.Parse(authority)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host == "" {
		return errors.New("must be an https URL such as " + DefaultAuthority)
	}
	// A bare host (https://login.microsoftonline.com) is allowed: login then
	// finds the tenant from the organization.
	return nil
}

// WithTenant replaces the tenant of an authority URL (or adds it to a bare host).
func WithTenant(authority, tenant string) string {
	u, err := url.Parse(authority)
	if err != nil || tenant == "" {
		return authority
	}
	u.Path = "/" + tenant
	return u.String()
}

// RootOf is the scheme and host of an authority.
func RootOf(authority string) string {
	u, err := url.Parse(authority)
	if err != nil {
		return authority
	}
	return u.Scheme + "://" + u.Host
}

// TenantOf is the tenant segment of an authority URL.
func TenantOf(authority string) string {
	u, err := url.Parse(authority)
	if err != nil {
		return ""
	}
	return strings.Split(strings.Trim(u.Path, "/"), "/")[0]
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
