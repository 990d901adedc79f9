package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/patctl/patctl/internal/emulator/accounts"
	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/devops"
	"github.com/patctl/patctl/internal/emulator/entra"
	"github.com/patctl/patctl/internal/emulator/github"
)

// The types and names of the services, under the names callers know.
type (
	Tenant  = entra.Tenant
	User    = entra.User
	Client  = entra.Client
	Org     = devops.Org
	Request = core.Request
	Fault   = core.Fault
	// Duration is a time.Duration that reads and writes JSON as "1h30m".
	Duration = core.Duration

	EntraSettings  = entra.Settings
	DevOpsSettings = devops.Settings
)

// AzureDevOpsResource is the application id of Azure DevOps in Entra ID: the
// audience of every access token the PAT API accepts.
const AzureDevOpsResource = devops.AzureDevOpsResource

// Well-known public clients that need no app registration of the user's own.
const (
	AzureCLIClientID     = entra.AzureCLIClientID
	VisualStudioClientID = entra.VisualStudioClientID
)

// Default identities. The organization id matches the official example bodies.
const (
	DefaultTenantID          = entra.DefaultTenantID
	DefaultTenantDomain      = entra.DefaultTenantDomain
	DefaultUserOID           = entra.DefaultUserOID
	DefaultUserUPN           = entra.DefaultUserUPN
	DefaultOrg               = devops.DefaultOrg
	DefaultOrgID             = devops.DefaultOrgID
	MicrosoftAccountTenantID = devops.MicrosoftAccountTenantID
)

// Device-code outcomes.
const (
	DeviceCodeApprove      = entra.DeviceCodeApprove
	DeviceCodePending      = entra.DeviceCodePending
	DeviceCodeAccessDenied = entra.DeviceCodeAccessDenied
	DeviceCodeExpired      = entra.DeviceCodeExpired
)

// Sign-in answers the Azure DevOps side gives an unauthenticated call.
const (
	SignInChallenge = devops.SignInChallenge
	SignInPage      = devops.SignInPage
	SignInRedirect  = devops.SignInRedirect
)

// Operation names, as recorded in the request log and matched by faults.
const (
	OpOpenIDConfig   = entra.OpOpenIDConfig
	OpKeys           = entra.OpKeys
	OpAuthorize      = entra.OpAuthorize
	OpDeviceCode     = entra.OpDeviceCode
	OpToken          = entra.OpToken
	OpDeviceLogin    = entra.OpDeviceLogin
	OpDiscovery      = devops.OpDiscovery
	OpConnectionData = devops.OpConnectionData
	OpList           = devops.OpList
	OpGet            = devops.OpGet
	OpCreate         = devops.OpCreate
	OpUpdate         = devops.OpUpdate
	OpRevoke         = devops.OpRevoke
	OpProfile        = accounts.OpProfile
	OpAccounts       = accounts.OpAccounts
	OpUnknown        = core.OpUnknown
)

// Fault kinds.
const (
	FaultStatus         = core.FaultStatus
	FaultReset          = core.FaultReset
	FaultTimeout        = core.FaultTimeout
	FaultStallBody      = core.FaultStallBody
	FaultCommitThenDrop = core.FaultCommitThenDrop
	FaultCommitThenHold = core.FaultCommitThenHold
)

// Config is everything a test or the program can change about the emulator,
// one JSON document: each service's settings are embedded, so that their
// fields sit side by side in it. Change it through Emulator.Update so that
// requests see a consistent copy.
type Config struct {
	EntraSettings  // tenants, users, clients, token lifetimes, device-code outcome…
	DevOpsSettings // organizations, sign-in answer, page size…
	// GitHub is who exists in the fake GitHub and which tokens it accepts.
	GitHub github.Config `json:"github"`
	// Latency is added before every request is handled.
	Latency Duration `json:"latency"`
}

// DefaultConfig is one tenant, one user, the well-known public clients and the
// organization of the official examples.
func DefaultConfig() Config {
	return Config{EntraSettings: entra.DefaultSettings(), DevOpsSettings: devops.DefaultSettings(), GitHub: github.DefaultConfig()}
}

// clone is a deep copy: requests read their copy while tests change the original.
func (c Config) clone() Config {
	c.EntraSettings = c.EntraSettings.Clone()
	c.DevOpsSettings = c.DevOpsSettings.Clone()
	c.GitHub = c.GitHub.Clone()
	return c
}

// Validate reports the first setting the emulator cannot work with.
func (c Config) Validate() error {
	if err := c.EntraSettings.Validate(); err != nil {
		return err
	}
	if err := c.DevOpsSettings.Validate(); err != nil {
		return err
	}
	if err := c.GitHub.Validate(); err != nil {
		return err
	}
	if c.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	return nil
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
	for name, v := range fields {
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
			// encoding/json decodes a list into the old entries; a null
			// empties the list first.
			key, _ := json.Marshal(name)
			_ = json.Unmarshal([]byte("{"+string(key)+":null}"), &out)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return base, err
	}
	return out, out.Validate()
}

// redactSecrets hides client secrets and GitHub tokens from the control
// endpoint.
func redactSecrets(c Config) Config {
	c.EntraSettings = c.EntraSettings.Redacted()
	c.GitHub.Tokens = append([]github.Token(nil), c.GitHub.Tokens...)
	for i := range c.GitHub.Tokens {
		c.GitHub.Tokens[i].Value = "(set)"
	}
	return c
}

// handleConfigAdmin serves the configuration on the control endpoint:
//
//	GET    /_emulator/config     the configuration (client secrets hidden)
//	PATCH  /_emulator/config     merge JSON into it; an invalid result is refused
func (e *Emulator) handleConfigAdmin() {
	e.srv.HandleAdmin(http.MethodGet, "config", func(w http.ResponseWriter, _ *http.Request) {
		core.WriteJSON(w, http.StatusOK, redactSecrets(e.Config()))
	})
	e.srv.HandleAdmin(http.MethodPatch, "config", func(w http.ResponseWriter, r *http.Request) {
		patch, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var cfg Config
		if err == nil {
			var mergeErr error
			err = e.Update(func(c *Config) {
				if cfg, mergeErr = MergeConfig(*c, patch); mergeErr == nil {
					*c = cfg
				}
			})
			if mergeErr != nil {
				err = mergeErr
			}
		}
		if err != nil {
			http.Error(w, "config: "+err.Error(), http.StatusBadRequest)
			return
		}
		core.WriteJSON(w, http.StatusOK, redactSecrets(cfg))
	})
}
