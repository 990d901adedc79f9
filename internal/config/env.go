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
	"time"
)

// Environment variables. The names are a contract: scripts depend on them.
const (
	EnvAuthority = "PATCTL_AUTHORITY"
	EnvClientID  = "PATCTL_CLIENT_ID"
	EnvScopes    = "PATCTL_SCOPES"
	EnvCAFile    = "PATCTL_CA_FILE"
	EnvConfigDir = "PATCTL_CONFIG_DIR"
	EnvToken     = "PATCTL_TOKEN"
	// EnvLoginFrom is where an exported login is read from and written back
	// to (keyvault://VAULT/NAME or file:PATH), for unattended runs.
	EnvLoginFrom = "PATCTL_LOGIN_FROM"
	EnvBrowser   = "BROWSER"
	EnvAPIURL    = "PATCTL_API_URL"
	EnvOrg       = "PATCTL_ORG"
	EnvDevOpsURL = "PATCTL_DEVOPS_URL"
	EnvDebug     = "PATCTL_DEBUG"
	EnvTimeout   = "PATCTL_HTTP_TIMEOUT"
	// EnvKeyVaultURL is a template of a vault's URL, {vault} its name.
	EnvKeyVaultURL = "PATCTL_KEYVAULT_URL"
	// EnvGitHubAPIURL is where github:// sinks send their requests.
	EnvGitHubAPIURL = "PATCTL_GITHUB_API_URL"
	// EnvVSSPSAppURL is where the Profile and Accounts APIs are: who the
	// user is, and the organizations they belong to.
	EnvVSSPSAppURL = "PATCTL_VSSPS_APP_URL"
	// EnvPager is the pager for long tables on a terminal; PAGER when it is
	// not set, and "" (or cat) for none.
	EnvPager       = "PATCTL_PAGER"
	EnvPagerCommon = "PAGER"
	// Colour: NO_COLOR (no-color.org) or CLICOLOR=0 turn it off, TERM=dumb
	// too; CLICOLOR_FORCE or FORCE_COLOR turn it on even in a pipe.
	EnvNoColor    = "NO_COLOR"
	EnvCLIColor   = "CLICOLOR"
	EnvColorForce = "CLICOLOR_FORCE"
	EnvForceColor = "FORCE_COLOR"
	EnvTerm       = "TERM"
)

// DefaultPager pages a table longer than the terminal: -F quits at once
// when it fits after all, -R passes colours, -X leaves it on the screen.
const DefaultPager = "less -FRX"

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
	DefaultKeyVaultURL  = "https://{vault}.vault.azure.net"
	DefaultGitHubAPIURL = "https://api.github.com"
	// DefaultVSSPSAppURL is the one host that lists a user's organizations
	// ({org}.vssps.visualstudio.com answers 404).
	DefaultVSSPSAppURL = "https://app.vssps.visualstudio.com"
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
	{EnvLoginFrom, "", "keyvault://VAULT/NAME or file:PATH holding a login made by `patctl login export`: every command uses it, in memory only, and writes it back when a refresh renews it (Key Vault is read with the Azure SDK's default credential chain)."},
	{EnvBrowser, "", "command that opens the sign-in URL (the URL is its one argument)."},
	{EnvOrg, "", "the Azure DevOps organization, when --org is not given."},
	{EnvAPIURL, DefaultAPIURL, "base URL of the PAT Lifecycle Management API."},
	{EnvDevOpsURL, DefaultDevOpsURL, "base URL of Azure DevOps itself: where rotate checks that a new token works, and where ado-vargroup:// sinks write."},
	{EnvVSSPSAppURL, DefaultVSSPSAppURL, "base URL of Azure DevOps' Profile and Accounts APIs: where `patctl orgs` and --every-org find your organizations."},
	{EnvKeyVaultURL, DefaultKeyVaultURL, "URL of an Azure Key Vault for keyvault://VAULT/NAME, {vault} standing for its name; elsewhere than vault.azure.net, the vault's challenge may name another host."},
	{EnvGitHubAPIURL, DefaultGitHubAPIURL, "base URL of GitHub's REST API for github:// sinks (GitHub Enterprise Server: https://HOST/api/v3); their token is GH_TOKEN, else GITHUB_TOKEN, else `gh auth token`."},
	{EnvProfile, DefaultProfile, "the profile of the config file to use, when --profile is not given."},
	{EnvTimeout, "30s", "how long one request may take, from sending it to the end of its answer, before it counts as lost; each retry gets as long again."},
	{EnvDebug, "", "a file to append an HTTP trace to (secrets redacted), like --debug does on stderr."},
	{EnvPager, "$" + EnvPagerCommon + ", else " + DefaultPager, "the pager a table longer than the terminal goes through (only on a terminal, never with --json); empty or cat: none."},
	{EnvNoColor, "", "any value turns colour off (so do " + EnvCLIColor + "=0 and " + EnvTerm + "=dumb); colour is only ever on a terminal."},
	{EnvColorForce, "", "any value but 0 turns colour on even in a pipe (" + EnvForceColor + " too)."},
}

// Settings are the sign-in settings in force, from the environment and flags.
type Settings struct {
	Authority string
	ClientID  string
	Scopes    []string
	CAFile    string
	ConfigDir string
	Token     string // PATCTL_TOKEN
	LoginFrom string // PATCTL_LOGIN_FROM: where the login is loaded from
	Browser   string
	APIURL    string
	DevOpsURL string
	// VSSPSAppURL is where the organizations of the user are listed.
	VSSPSAppURL string
	Org         string // PATCTL_ORG; --org wins over it
	Profile     string // the profile in force
	// HTTPTimeout bounds each request, answer included; 0 means the default.
	HTTPTimeout time.Duration
	Account     string // the profile's account, for choosing among several
}

// FromEnv reads the settings from the environment through getenv, with no
// profile named on the command line.
func FromEnv(getenv func(string) string) (Settings, error) { return Load(getenv, "") }

// Load reads the settings: a flag (handled by the caller) wins over the
// environment, which wins over the profile (profileFlag, else
// PATCTL_PROFILE, else "default" if the config file has it), which wins over
// the built-in defaults.
func Load(getenv func(string) string, profileFlag string) (Settings, error) {
	dir, err := configDir(getenv)
	if err != nil {
		return Settings{}, err
	}
	name, source := profileFlag, "--profile"
	if name == "" {
		name, source = getenv(EnvProfile), EnvProfile
	}
	file, err := LoadFile(dir)
	if err != nil {
		return Settings{}, err
	}
	var p Profile
	if name != "" {
		var ok bool
		if p, ok = file.Profiles[name]; !ok {
			return Settings{}, badValue("%s: no profile %q in %s", source, name, file.Path())
		}
	} else {
		name, p = DefaultProfile, file.Profiles[DefaultProfile]
	}
	authority := DefaultAuthority
	if p.Tenant != "" {
		authority = WithTenant(DefaultAuthority, p.Tenant)
	}
	s := Settings{
		Profile:     name,
		Account:     p.Account,
		Authority:   strings.TrimRight(or(envAuthority(getenv, p.Tenant), authority), "/"),
		ClientID:    or(getenv(EnvClientID), or(p.ClientID, DefaultClientID)),
		Scopes:      strings.Fields(or(getenv(EnvScopes), or(p.Scopes, DefaultScopes))),
		CAFile:      getenv(EnvCAFile),
		Token:       strings.TrimSpace(getenv(EnvToken)),
		LoginFrom:   strings.TrimSpace(getenv(EnvLoginFrom)),
		Browser:     getenv(EnvBrowser),
		APIURL:      strings.TrimRight(or(getenv(EnvAPIURL), DefaultAPIURL), "/"),
		DevOpsURL:   strings.TrimRight(or(getenv(EnvDevOpsURL), DefaultDevOpsURL), "/"),
		VSSPSAppURL: strings.TrimRight(or(getenv(EnvVSSPSAppURL), DefaultVSSPSAppURL), "/"),
		Org:         or(getenv(EnvOrg), p.Org),
		ConfigDir:   dir,
	}
	if s.Token != "" && s.LoginFrom != "" {
		return s, badValue("%s and %s are both set: set one (a token used as is, or a login loaded from elsewhere)", EnvToken, EnvLoginFrom)
	}
	if err := CheckAuthority(s.Authority); err != nil {
		return s, badValue("%s: %v", EnvAuthority, err)
	}
	if v := getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return s, badValue("%s: %q is not a positive duration such as 30s", EnvTimeout, v)
		}
		s.HTTPTimeout = d
	}
	for name, v := range map[string]string{EnvAPIURL: s.APIURL, EnvDevOpsURL: s.DevOpsURL, EnvVSSPSAppURL: s.VSSPSAppURL} {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			return s, badValue("%s: must be an https URL such as %s", name, map[string]string{EnvAPIURL: DefaultAPIURL, EnvDevOpsURL: DefaultDevOpsURL, EnvVSSPSAppURL: DefaultVSSPSAppURL}[name])
		}
	}
	if len(s.Scopes) == 0 {
		return s, badValue("%s: no scope given", EnvScopes)
	}
	return s, nil
}

// envAuthority is PATCTL_AUTHORITY, with the profile's tenant in place of a
// tenant it does not name (organizations, common, or a bare host).
func envAuthority(getenv func(string) string, profileTenant string) string {
	env := strings.TrimRight(strings.TrimSpace(getenv(EnvAuthority)), "/")
	if env == "" || profileTenant == "" {
		return env
	}
	if NamesNoTenant(env) {
		return WithTenant(env, profileTenant)
	}
	return env
}

// ConfigDir is where patctl keeps its files, read from the environment
// alone (no config file is parsed).
func ConfigDir(getenv func(string) string) (string, error) { return configDir(getenv) }

// configDir is PATCTL_CONFIG_DIR, else the user's config directory + patctl.
func configDir(getenv func(string) string) (string, error) {
	dir := getenv(EnvConfigDir)
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a config directory (%w): set %s", err, EnvConfigDir)
		}
		dir = filepath.Join(base, "patctl")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvConfigDir, err)
	}
	return abs, nil
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

// NamesNoTenant reports whether an authority names no tenant: the
// organizations or common aliases, or a bare host.
func NamesNoTenant(authority string) bool {
	switch strings.ToLower(TenantOf(authority)) {
	case "", "organizations", "common":
		return true
	}
	return false
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

// BadValueError is a setting that cannot be used: a usage error, like a bad flag.
type BadValueError struct{ Msg string }

func (e *BadValueError) Error() string { return e.Msg }

func badValue(format string, args ...any) error {
	return &BadValueError{Msg: fmt.Sprintf(format, args...)}
}
