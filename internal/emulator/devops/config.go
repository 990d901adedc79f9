package devops

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator/entra"
)

// Sign-in answers Azure DevOps gives an unauthenticated call.
const (
	SignInChallenge = "401" // 401 with a WWW-Authenticate challenge (default)
	SignInPage      = "203" // 203 Non-Authoritative Information with an HTML sign-in page
	SignInRedirect  = "302" // 302 to a sign-in page
)

// Org is an Azure DevOps organization.
type Org struct {
	Name     string `json:"name"`
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	// Members are the users (UPN or object id) who belong to it; empty: every
	// user of its tenant. Another tenant's user listed here is a guest: the
	// Accounts API lists the organization, but its services take only tokens
	// of its own tenant.
	Members []string `json:"members,omitempty"`
	// Owner is the user (UPN or object id) who owns it, for the Accounts
	// API's ownerId; empty: nobody.
	Owner string `json:"owner,omitempty"`
}

// HasMember reports whether u belongs to the organization: without a
// member list, every user of its tenant does, guests of the tenant (in dir)
// included.
func (o Org) HasMember(u entra.User, dir *entra.Directory) bool {
	if len(o.Members) == 0 {
		if strings.EqualFold(u.TenantID, o.TenantID) {
			return true
		}
		t, ok := dir.Tenant(o.TenantID)
		return ok && slices.ContainsFunc(t.Guests, func(g string) bool { return strings.EqualFold(g, u.ObjectID) })
	}
	for _, m := range o.Members {
		if isUser(m, u) {
			return true
		}
	}
	return false
}

// IsOwner reports whether u owns the organization.
func (o Org) IsOwner(u entra.User) bool { return o.Owner != "" && isUser(o.Owner, u) }

func isUser(name string, u entra.User) bool {
	return strings.EqualFold(name, u.UPN) || strings.EqualFold(name, u.ObjectID)
}

// Settings is what a test or the program can change about Azure DevOps.
type Settings struct {
	Orgs []Org `json:"orgs"`
	// OnlyConfiguredOrgs makes unknown organization names answer 404; otherwise
	// any name is served, backed by the first tenant.
	OnlyConfiguredOrgs bool `json:"onlyConfiguredOrgs"`

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
}

// Config is what a request to Azure DevOps reads: the directory whose tokens
// it accepts, and its own settings.
type Config struct {
	entra.Directory
	Settings
}

// DefaultSettings is the organization of the official examples, in the
// default tenant.
func DefaultSettings() Settings {
	return Settings{
		Orgs:                   []Org{{Name: DefaultOrg, ID: DefaultOrgID, TenantID: entra.DefaultTenantID}},
		SignInAnswer:           SignInChallenge,
		ServicePrincipalStatus: 403,
		DefaultPageSize:        20,
	}
}

// Clone is a deep copy: requests read their copy while tests change the original.
func (s Settings) Clone() Settings {
	s.Orgs = append([]Org(nil), s.Orgs...)
	for i := range s.Orgs {
		s.Orgs[i].Members = append([]string(nil), s.Orgs[i].Members...)
	}
	return s
}

// Validate reports the first setting Azure DevOps cannot work with.
func (s Settings) Validate() error {
	switch s.SignInAnswer {
	case SignInChallenge, SignInPage, SignInRedirect:
	default:
		return fmt.Errorf("signInAnswer: %q is not one of 401, 203, 302", s.SignInAnswer)
	}
	if s.DefaultPageSize < 1 || s.DefaultPageSize > maxPageSize {
		return fmt.Errorf("defaultPageSize: %d is not between 1 and %d", s.DefaultPageSize, maxPageSize)
	}
	if s.ServicePrincipalStatus < 400 || s.ServicePrincipalStatus > 599 {
		return fmt.Errorf("servicePrincipalStatus: %d is not an HTTP error status", s.ServicePrincipalStatus)
	}
	return nil
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
