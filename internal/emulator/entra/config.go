package entra

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/emulator/core"
)

// Well-known public clients that need no app registration of the user's own.
const (
	AzureCLIClientID     = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	VisualStudioClientID = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1"
)

// The default tenant and its user.
const (
	DefaultTenantID     = "6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10"
	DefaultTenantDomain = "contoso.onmicrosoft.com"
	DefaultUserOID      = "b6f0c2e1-5a3d-4f8e-9c7b-1d2e3f4a5b6c"
	DefaultUserUPN      = "ada@contoso.onmicrosoft.com"
)

// Device-code outcomes.
const (
	DeviceCodeApprove      = "approve"       // approved (after ApproveAfterPolls pending polls)
	DeviceCodePending      = "pending"       // waits for someone to approve at /devicelogin
	DeviceCodeAccessDenied = "access_denied" // the user declines
	DeviceCodeExpired      = "expired_token" // the code expires before anyone enters it
)

// Directory is who exists: the tenants and their people. Every service that
// accepts Entra tokens reads it.
type Directory struct {
	Tenants []Tenant `json:"tenants"`
	Users   []User   `json:"users"`
}

// Tenant is an Entra ID tenant. The Azure DevOps policies are tenant-wide
// settings of Azure DevOps, kept here because they belong to the tenant.
type Tenant struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
	// Guests are users of other tenants invited here (object ids): they
	// can get this tenant's tokens. (Entra gives a guest another object id
	// in the host tenant; the emulator keeps the home one.)
	Guests []string `json:"guests,omitempty"`
	// Azure DevOps tenant policies.
	RestrictGlobalPATs    bool          `json:"restrictGlobalPATs"`
	RestrictFullScopePATs bool          `json:"restrictFullScopePATs"`
	MaxPATLifespan        core.Duration `json:"maxPATLifespan"` // 0: no limit; longer validTo is clamped
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

// Settings is what a test or the program can change about Entra ID.
type Settings struct {
	Directory
	Clients []Client `json:"clients"`

	AccessTokenLifetime  core.Duration `json:"accessTokenLifetime"`
	RefreshTokenLifetime core.Duration `json:"refreshTokenLifetime"`
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
}

// DefaultSettings is one tenant, one user and the well-known public clients.
func DefaultSettings() Settings {
	return Settings{
		Directory: Directory{
			Tenants: []Tenant{{ID: DefaultTenantID, Domain: DefaultTenantDomain}},
			Users:   []User{{ObjectID: DefaultUserOID, TenantID: DefaultTenantID, UPN: DefaultUserUPN, Name: "Ada Lovelace"}},
		},
		Clients: []Client{
			{ID: AzureCLIClientID, RedirectURIs: []string{"http://localhost"}},
			{ID: VisualStudioClientID, RedirectURIs: []string{"http://localhost"}},
		},
		AccessTokenLifetime:  core.Duration(time.Hour),
		RefreshTokenLifetime: core.Duration(90 * 24 * time.Hour),
		DeviceCodeOutcome:    DeviceCodeApprove,
	}
}

// Clone is a deep copy: requests read their copy while tests change the original.
func (s Settings) Clone() Settings {
	s.Tenants = append([]Tenant(nil), s.Tenants...)
	for i := range s.Tenants {
		s.Tenants[i].Guests = append([]string(nil), s.Tenants[i].Guests...)
	}
	s.Users = append([]User(nil), s.Users...)
	s.Clients = append([]Client(nil), s.Clients...)
	for i := range s.Clients {
		s.Clients[i].RedirectURIs = append([]string(nil), s.Clients[i].RedirectURIs...)
	}
	return s
}

// Validate reports the first setting Entra ID cannot work with.
func (s Settings) Validate() error {
	switch s.DeviceCodeOutcome {
	case DeviceCodeApprove, DeviceCodePending, DeviceCodeAccessDenied, DeviceCodeExpired:
	default:
		return fmt.Errorf("deviceCodeOutcome: %q is not one of approve, pending, access_denied, expired_token", s.DeviceCodeOutcome)
	}
	if s.ApproveAfterPolls < 0 {
		return fmt.Errorf("approveAfterPolls: %d is negative", s.ApproveAfterPolls)
	}
	if s.AccessTokenLifetime <= 0 || s.RefreshTokenLifetime <= 0 {
		return errors.New("token lifetimes must be positive")
	}
	return nil
}

// Redacted hides client secrets, for showing the settings.
func (s Settings) Redacted() Settings {
	s = s.Clone()
	for i := range s.Clients {
		if s.Clients[i].Secret != "" {
			s.Clients[i].Secret = "(set)"
		}
	}
	return s
}

// Tenant finds a tenant by id or domain.
func (d *Directory) Tenant(idOrDomain string) (Tenant, bool) {
	for _, t := range d.Tenants {
		if strings.EqualFold(t.ID, idOrDomain) || strings.EqualFold(t.Domain, idOrDomain) {
			return t, true
		}
	}
	return Tenant{}, false
}

// User finds a user by UPN.
func (d *Directory) User(upn string) (User, bool) {
	for _, u := range d.Users {
		if strings.EqualFold(u.UPN, upn) {
			return u, true
		}
	}
	return User{}, false
}

// UserByOID finds a user by object id.
func (d *Directory) UserByOID(oid string) (User, bool) {
	for _, u := range d.Users {
		if strings.EqualFold(u.ObjectID, oid) {
			return u, true
		}
	}
	return User{}, false
}

func (s *Settings) client(id string) (Client, bool) {
	for _, cl := range s.Clients {
		if strings.EqualFold(cl.ID, id) {
			return cl, true
		}
	}
	return Client{}, false
}

// browserUser is who the authorize endpoint signs in.
func (s *Settings) browserUser(loginHint string) (User, bool) {
	if loginHint != "" {
		return s.User(loginHint)
	}
	if s.BrowserUser != "" {
		return s.User(s.BrowserUser)
	}
	if len(s.Users) == 0 {
		return User{}, false
	}
	return s.Users[0], true
}
