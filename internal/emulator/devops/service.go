// Package devops fakes the Azure DevOps endpoints patctl uses: the PAT
// Lifecycle Management API (/{org}/_apis/tokens/pats), connectionData, and the
// tenant discovery an organization's root answers. It accepts only tokens of
// Entra ID (the entra package), for its resource.
package devops

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/entra"
)

// AzureDevOpsResource is the application id of Azure DevOps in Entra ID: the
// audience of every access token the PAT API accepts.
const AzureDevOpsResource = "499b84ac-1321-427f-aa17-267ca6975798"

// Resource is Azure DevOps as Entra ID knows it.
var Resource = entra.Resource{AppID: AzureDevOpsResource, URIs: []string{"https://app.vssps.visualstudio.com"}}

// The default organization; its id is the one of the official example bodies.
const (
	DefaultOrg   = "fabrikam"
	DefaultOrgID = "38aaa865-2c70-4bf7-a308-0c6539c38c1a"
	// MicrosoftAccountTenantID is what Azure DevOps reports for an organization
	// backed by Microsoft accounts rather than an Entra tenant.
	MicrosoftAccountTenantID = "00000000-0000-0000-0000-000000000000"
)

// Operation names, as recorded in the request log and matched by faults.
const (
	OpDiscovery      = "discovery" // HEAD /{org}: tenant discovery
	OpConnectionData = "connectionData"
	OpList           = "list"
	OpGet            = "get"
	OpCreate         = "create"
	OpUpdate         = "update"
	OpRevoke         = "revoke"
)

// Options make ids and secrets predictable in tests.
type Options struct {
	NewID     func() string // PAT ids; default random UUIDs
	NewSecret func() string // PAT secrets; default 52 random characters
}

// Service is the fake Azure DevOps.
type Service struct {
	host      *core.Server
	idp       *entra.Service
	config    func() Config
	newID     func() string
	newSecret func() string

	mu sync.Mutex // guards what follows
	st state
	// issuedPATs remembers every secret handed out, in memory only.
	issuedPATs []string
}

// state is Azure DevOps' part of the state file.
type state struct {
	PATs []*pat `json:"pats"`
}

// pat is a personal access token as the service stores it.
type pat struct {
	ID             string    `json:"authorizationId"`
	UserOID        string    `json:"userOid"`
	DisplayName    string    `json:"displayName"`
	Scope          string    `json:"scope"`
	TargetAccounts []string  `json:"targetAccounts"` // nil: all of the user's organizations
	ValidFrom      time.Time `json:"validFrom"`
	ValidTo        time.Time `json:"validTo"`
	Revoked        bool      `json:"revoked"`
	SecretHash     string    `json:"secretHash"`
}

// New makes the fake Azure DevOps on host, trusting the tokens of idp and
// reading its configuration from config at every request.
func New(host *core.Server, idp *entra.Service, config func() Config, opts Options) (*Service, error) {
	d := &Service{host: host, idp: idp, config: config, newID: opts.NewID, newSecret: opts.NewSecret}
	if d.newID == nil {
		d.newID = core.RandomUUID
	}
	if d.newSecret == nil {
		// Like the 52-character tokens of the official examples.
		d.newSecret = func() string { return core.RandomCode(52) }
	}
	if err := host.LoadState(&d.st); err != nil {
		return nil, err
	}
	idp.AddResource(Resource)
	return d, nil
}

// Route claims an organization's root and its _apis/connectionData and
// _apis/tokens/pats, in any letter case.
func (d *Service) Route(r *http.Request) (core.Route, bool) {
	org, rest, segments := core.SplitPath(r)
	switch {
	case segments == 1 && org != "" && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		return core.Route{Op: OpDiscovery, Handler: func(w http.ResponseWriter, r *http.Request) { d.handleOrgRoot(w, r, org) }}, true
	case rest == "_apis/connectiondata" && r.Method == http.MethodGet:
		return core.Route{Op: OpConnectionData, Handler: func(w http.ResponseWriter, r *http.Request) { d.handleConnectionData(w, r, org) }}, true
	case rest == "_apis/tokens/pats":
		op := patOp(r)
		return core.Route{Op: op, Handler: func(w http.ResponseWriter, r *http.Request) { d.handlePATs(w, r, org, op) }}, true
	}
	return core.Route{}, false
}

// patOp tells the five PAT operations apart: List and Get share GET, told
// apart by the authorizationId query parameter.
func patOp(r *http.Request) string {
	switch r.Method {
	case http.MethodGet:
		if queryValue(r, "authorizationId") != "" {
			return OpGet
		}
		return OpList
	case http.MethodPost:
		return OpCreate
	case http.MethodPut:
		return OpUpdate
	case http.MethodDelete:
		return OpRevoke
	}
	return core.OpUnknown
}

// queryValue reads a query parameter with a case-insensitive name, as ASP.NET binds them.
func queryValue(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// NotFound is the host's answer to a path no service knows: one host serves
// Entra ID and Azure DevOps, and it answers as Azure DevOps does.
func NotFound(w http.ResponseWriter, _ *http.Request) {
	core.WriteJSON(w, http.StatusNotFound, core.NewDevOpsError("The resource cannot be found.", "System.Web.HttpException, System.Web", "HttpException"))
}

// ServiceError is the body of a failure the service reports with only a
// message, such as a status fault's answer.
func ServiceError(message string) any {
	return core.NewDevOpsError(message, "Microsoft.VisualStudio.Services.Common.VssServiceException, Microsoft.VisualStudio.Services.Common", "VssServiceException")
}

// save persists the tokens; the caller holds d.mu.
func (d *Service) save() { d.host.SaveState(&d.st) }

// IssuedPATs returns the secrets of every PAT created since the emulator
// started. A client may print one only where it delivers it.
func (d *Service) IssuedPATs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.issuedPATs...)
}
