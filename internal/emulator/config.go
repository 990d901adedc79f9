package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator/github"
)

// AzureDevOpsResource is the application id of Azure DevOps in Entra ID: the
// audience of every access token the PAT API accepts.
const AzureDevOpsResource = "499b84ac-1321-427f-aa17-267ca6975798"

// Well-known public clients that need no app registration of the user's own.
const (
	AzureCLIClientID     = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	VisualStudioClientID = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1"
)

// Default identities. The organization id matches the official example bodies.
const (
	DefaultTenantID     = "6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10"
	DefaultTenantDomain = "contoso.onmicrosoft.com"
	DefaultUserOID      = "b6f0c2e1-5a3d-4f8e-9c7b-1d2e3f4a5b6c"
	DefaultUserUPN      = "ada@contoso.onmicrosoft.com"
	DefaultOrg          = "fabrikam"
	DefaultOrgID        = "38aaa865-2c70-4bf7-a308-0c6539c38c1a"
	// MicrosoftAccountTenantID is what Azure DevOps reports for an organization
	// backed by Microsoft accounts rather than an Entra tenant.
	MicrosoftAccountTenantID = "00000000-0000-0000-0000-000000000000"
)

// Device-code outcomes.
const (
	DeviceCodeApprove      = "approve"       // approved (after ApproveAfterPolls pending polls)
	DeviceCodePending      = "pending"       // waits for someone to approve at /devicelogin
	DeviceCodeAccessDenied = "access_denied" // the user declines
	DeviceCodeExpired      = "expired_token" // the code expires before anyone enters it
)

// Sign-in answers the Azure DevOps side gives an unauthenticated call.
const (
	SignInChallenge = "401" // 401 with a WWW-Authenticate challenge (default)
	SignInPage      = "203" // 203 Non-Authoritative Information with an HTML sign-in page
	SignInRedirect  = "302" // 302 to a sign-in page
)

// Config is everything a test or the program can change about the emulator.
// Change it through Emulator.Update so that requests see a consistent copy.
type Config struct {
	Tenants []Tenant `json:"tenants"`
	Users   []User   `json:"users"`
	Clients []Client `json:"clients"`
	Orgs    []Org    `json:"orgs"`

	// OnlyConfiguredOrgs makes unknown organization names answer 404; otherwise
	// any name is served, backed by the first tenant.
	OnlyConfiguredOrgs bool `json:"onlyConfiguredOrgs"`

	AccessTokenLifetime  Duration `json:"accessTokenLifetime"`
	RefreshTokenLifetime Duration `json:"refreshTokenLifetime"`
	// ReusableRefreshTokens keeps a refresh token valid after use, as live
	// Entra ID does for public clients. By default a used one is refused, the
	// stricter behaviour that shows a client keeping its newest token.
	ReusableRefreshTokens bool `json:"reusableRefreshTokens"`

	DeviceCodeOutcome string `json:"deviceCodeOutcome"`
	ApproveAfterPolls int    `json:"approveAfterPolls"`

	// AppOnlyTokens makes every grant issue an app-only token (idtyp=app), as a
	// service principal would get one.
	AppOnlyTokens bool `json:"appOnlyTokens"`

	// BrowserUser is the UPN the authorize endpoint signs in when the request
	// has no login_hint (the account "already signed in" in the browser).
	BrowserUser string `json:"browserUser"`

	// SignInAnswer is how Azure DevOps answers a call without a valid token.
	SignInAnswer string `json:"signInAnswer"`
	// OmitBearerChallenge leaves authorization_uri out of WWW-Authenticate, so
	// clients must fall back on X-VSS-ResourceTenant.
	OmitBearerChallenge bool `json:"omitBearerChallenge"`
	// ServicePrincipalStatus is the HTTP status of the refusal an app-only
	// token gets (the live status is not documented).
	ServicePrincipalStatus int `json:"servicePrincipalStatus"`
	// DefaultPageSize applies when List has no $top (the live default is not documented).
	DefaultPageSize int `json:"defaultPageSize"`
	// ResponseBOM starts every JSON body with a UTF-8 byte order mark, as some
	// Azure DevOps front ends do.
	ResponseBOM bool `json:"responseBOM"`
	// Latency is added before every request is handled.
	Latency Duration `json:"latency"`

	// GitHub is who exists in the fake GitHub and which tokens it accepts.
	GitHub github.Config `json:"github"`
}

// Tenant is an Entra ID tenant and its Azure DevOps policies.
type Tenant struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
	// Azure DevOps tenant policies.
	RestrictGlobalPATs    bool     `json:"restrictGlobalPATs"`
	RestrictFullScopePATs bool     `json:"restrictFullScopePATs"`
	MaxPATLifespan        Duration `json:"maxPATLifespan"` // 0: no limit; longer validTo is clamped
}

// User is a person who can sign in.
type User struct {
	ObjectID string `json:"oid"`
	TenantID string `json:"tid"`
	UPN      string `json:"upn"`
	Name     string `json:"name"`
}

// Client is an application registration.
type Client struct {
	ID string `json:"id"`
	// Confidential clients must authenticate; a public flow with one fails
	// with AADSTS7000218, as with an app not marked as a public client.
	Confidential bool     `json:"confidential"`
	Secret       string   `json:"secret,omitempty"`
	RedirectURIs []string `json:"redirectURIs"`
}

// Org is an Azure DevOps organization.
type Org struct {
	Name     string `json:"name"`
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
}

// DefaultConfig is one tenant, one user, the well-known public clients and the
// organization of the official examples.
func DefaultConfig() Config {
	return Config{
		Tenants: []Tenant{{ID: DefaultTenantID, Domain: DefaultTenantDomain}},
		Users:   []User{{ObjectID: DefaultUserOID, TenantID: DefaultTenantID, UPN: DefaultUserUPN, Name: "Ada Lovelace"}},
		Clients: []Client{
			{ID: AzureCLIClientID, RedirectURIs: []string{"http://localhost"}},
			{ID: VisualStudioClientID, RedirectURIs: []string{"http://localhost"}},
		},
		Orgs:                   []Org{{Name: DefaultOrg, ID: DefaultOrgID, TenantID: DefaultTenantID}},
		AccessTokenLifetime:    Duration(time.Hour),
		RefreshTokenLifetime:   Duration(90 * 24 * time.Hour),
		DeviceCodeOutcome:      DeviceCodeApprove,
		SignInAnswer:           SignInChallenge,
		ServicePrincipalStatus: 403,
		DefaultPageSize:        20,
		GitHub:                 github.DefaultConfig(),
	}
}

func (c *Config) tenant(idOrDomain string) (Tenant, bool) {
	for _, t := range c.Tenants {
		if strings.EqualFold(t.ID, idOrDomain) || strings.EqualFold(t.Domain, idOrDomain) {
			return t, true
		}
	}
	return Tenant{}, false
}

func (c *Config) user(upn string) (User, bool) {
	for _, u := range c.Users {
		if strings.EqualFold(u.UPN, upn) {
			return u, true
		}
	}
	return User{}, false
}

func (c *Config) userByOID(oid string) (User, bool) {
	for _, u := range c.Users {
		if strings.EqualFold(u.ObjectID, oid) {
			return u, true
		}
	}
	return User{}, false
}

func (c *Config) client(id string) (Client, bool) {
	for _, cl := range c.Clients {
		if strings.EqualFold(cl.ID, id) {
			return cl, true
		}
	}
	return Client{}, false
}

// browserUser is who the authorize endpoint signs in.
func (c *Config) browserUser(loginHint string) (User, bool) {
	if loginHint != "" {
		return c.user(loginHint)
	}
	if c.BrowserUser != "" {
		return c.user(c.BrowserUser)
	}
	if len(c.Users) == 0 {
		return User{}, false
	}
	return c.Users[0], true
}

// org finds an organization by name (case-insensitive). Unconfigured names get
// a stable id derived from the name, in the first tenant.
func (c *Config) org(name string) (Org, bool) {
	for _, o := range c.Orgs {
		if strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	if c.OnlyConfiguredOrgs || len(c.Tenants) == 0 {
		return Org{}, false
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://dev.azure.com/"+strings.ToLower(name))).String()
	return Org{Name: name, ID: id, TenantID: c.Tenants[0].ID}, true
}

// Duration is a time.Duration that reads and writes JSON as "1h30m".
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// clone is a deep copy: requests read their copy while tests change the original.
func (c Config) clone() Config {
	c.Tenants = append([]Tenant(nil), c.Tenants...)
	c.Users = append([]User(nil), c.Users...)
	c.Clients = append([]Client(nil), c.Clients...)
	for i := range c.Clients {
		c.Clients[i].RedirectURIs = append([]string(nil), c.Clients[i].RedirectURIs...)
	}
	c.Orgs = append([]Org(nil), c.Orgs...)
	c.GitHub = c.GitHub.Clone()
	return c
}

// Validate reports the first setting the emulator cannot work with.
func (c Config) Validate() error {
	switch c.DeviceCodeOutcome {
	case DeviceCodeApprove, DeviceCodePending, DeviceCodeAccessDenied, DeviceCodeExpired:
	default:
		return fmt.Errorf("deviceCodeOutcome: %q is not one of approve, pending, access_denied, expired_token", c.DeviceCodeOutcome)
	}
	switch c.SignInAnswer {
	case SignInChallenge, SignInPage, SignInRedirect:
	default:
		return fmt.Errorf("signInAnswer: %q is not one of 401, 203, 302", c.SignInAnswer)
	}
	if c.DefaultPageSize < 1 || c.DefaultPageSize > maxPageSize {
		return fmt.Errorf("defaultPageSize: %d is not between 1 and %d", c.DefaultPageSize, maxPageSize)
	}
	if c.ServicePrincipalStatus < 400 || c.ServicePrincipalStatus > 599 {
		return fmt.Errorf("servicePrincipalStatus: %d is not an HTTP error status", c.ServicePrincipalStatus)
	}
	if c.ApproveAfterPolls < 0 {
		return fmt.Errorf("approveAfterPolls: %d is negative", c.ApproveAfterPolls)
	}
	if c.AccessTokenLifetime <= 0 || c.RefreshTokenLifetime <= 0 || c.Latency < 0 {
		return errors.New("token lifetimes must be positive and latency not negative")
	}
	return c.GitHub.Validate()
}

// MergeConfig applies a JSON document to base: the fields it names replace
// base's, and a list it names (tenants, users, clients, orgs) replaces the
// whole list rather than merging into its entries.
func MergeConfig(base Config, patch []byte) (Config, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(patch, &fields); err != nil {
		return base, err
	}
	out := base.clone()
	for name, list := range map[string]func(){
		"tenants": func() { out.Tenants = nil },
		"users":   func() { out.Users = nil },
		"clients": func() { out.Clients = nil },
		"orgs":    func() { out.Orgs = nil },
	} {
		if _, ok := fields[name]; ok {
			list()
		}
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return base, err
	}
	return out, out.Validate()
}
