package emulator

import (
	"io"
	"log"
	"net/http"
	"strings"
)

// Operation names, as recorded in the request log and matched by faults.
const (
	OpOpenIDConfig   = "openid-configuration"
	OpKeys           = "keys"
	OpAuthorize      = "authorize"
	OpDeviceCode     = "devicecode"
	OpToken          = "token"
	OpDeviceLogin    = "devicelogin"
	OpDiscovery      = "discovery" // HEAD /{org}: tenant discovery
	OpConnectionData = "connectionData"
	OpList           = "list"
	OpGet            = "get"
	OpCreate         = "create"
	OpUpdate         = "update"
	OpRevoke         = "revoke"
	OpUnknown        = "unknown"
)

// githubPrefix is where the fake GitHub API is served (its operations are
// named github-…: see package github).
const githubPrefix = "/github"

// route maps a request to its operation and handler. Entra ID lives under
// /{tenant}/…, Azure DevOps under /{organization}/…; one host serves both.
func (e *Emulator) route(r *http.Request) (string, http.HandlerFunc) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	lower := strings.ToLower(strings.Trim(r.URL.Path, "/"))
	lowerParts := strings.Split(lower, "/")
	rest := ""
	if len(lowerParts) > 1 {
		rest = strings.Join(lowerParts[1:], "/")
	}
	first := parts[0]

	switch {
	case strings.HasPrefix(r.URL.Path, githubPrefix+"/"):
		return e.github.Op(r), e.github.ServeHTTP
	case lower == "devicelogin":
		return OpDeviceLogin, e.handleDeviceLogin
	case len(parts) == 1 && first != "" && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		return OpDiscovery, func(w http.ResponseWriter, r *http.Request) { e.handleOrgRoot(w, r, first) }
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		return OpOpenIDConfig, func(w http.ResponseWriter, r *http.Request) { e.handleOpenIDConfig(w, r, first) }
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		return OpKeys, e.handleKeys
	case rest == "oauth2/v2.0/authorize" && r.Method == http.MethodGet:
		return OpAuthorize, func(w http.ResponseWriter, r *http.Request) { e.handleAuthorize(w, r, first) }
	case rest == "oauth2/v2.0/devicecode" && r.Method == http.MethodPost:
		return OpDeviceCode, func(w http.ResponseWriter, r *http.Request) { e.handleDeviceCode(w, r, first) }
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		return OpToken, func(w http.ResponseWriter, r *http.Request) { e.handleToken(w, r, first) }
	case rest == "_apis/connectiondata" && r.Method == http.MethodGet:
		return OpConnectionData, func(w http.ResponseWriter, r *http.Request) { e.handleConnectionData(w, r, first) }
	case rest == "_apis/tokens/pats":
		op := patOp(r)
		return op, func(w http.ResponseWriter, r *http.Request) { e.handlePATs(w, r, first, op) }
	}
	return OpUnknown, e.handleNotFound
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
	return OpUnknown
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

func (e *Emulator) handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, devopsErrorBody("The resource cannot be found.", "System.Web.HttpException, System.Web", "HttpException"))
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
