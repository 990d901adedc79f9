// Package entra fakes Microsoft Entra ID: the sign-in flows patctl and MSAL
// use (authorization code with PKCE, device code, refresh, client
// credentials), discovery and signing keys, Entra's AADSTS errors, and the
// sessions behind refresh tokens. It issues the tokens other services accept,
// and verifies them for them (Verify).
package entra

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/emulator/core"
)

// Operation names, as recorded in the request log and matched by faults.
const (
	OpOpenIDConfig = "openid-configuration"
	OpKeys         = "keys"
	OpAuthorize    = "authorize"
	OpDeviceCode   = "devicecode"
	OpToken        = "token"
	OpDeviceLogin  = "devicelogin"
)

// Service is the fake Entra ID.
type Service struct {
	host   *core.Server
	config func() Settings
	// resources maps every identifier a scope may use (lower case) to the
	// app id of the resource; filled before serving.
	resources map[string]string

	mu sync.Mutex // guards what follows
	st state
	// issued remembers every secret handed out, in memory only, so that
	// tests can look for leaks in what a client prints.
	issued []string
	// invalidTokens are access tokens services refuse before they expire.
	invalidTokens map[string]bool
	// grantErrors maps a grant type ("" for all) to an injected AADSTS number.
	grantErrors map[string]int
}

// state is Entra's part of the state file: the sessions, by secret hash.
type state struct {
	RefreshTokens map[string]*refreshGrant `json:"refreshTokens"`
	AuthCodes     map[string]*authCode     `json:"authCodes"`
	DeviceCodes   map[string]*deviceCode   `json:"deviceCodes"`
}

type refreshGrant struct {
	UserOID  string    `json:"userOid"`
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Expires  time.Time `json:"expires"`
	Used     bool      `json:"used"`
	Revoked  bool      `json:"revoked"`
}

type authCode struct {
	UserOID       string    `json:"userOid"`
	ClientID      string    `json:"clientId"`
	RedirectURI   string    `json:"redirectUri"`
	Scopes        []string  `json:"scopes"`
	Challenge     string    `json:"challenge"`
	ChallengeMeth string    `json:"challengeMethod"`
	Expires       time.Time `json:"expires"`
	Used          bool      `json:"used"`
}

type deviceCode struct {
	UserCode string    `json:"userCodeHash"` // hashed: it approves a sign-in
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Tenant   string    `json:"tenant"`
	Expires  time.Time `json:"expires"`
	Polls    int       `json:"polls"`
	Approved string    `json:"approvedOid"` // set when someone approved at /devicelogin
	Redeemed bool      `json:"redeemed"`
}

// New makes the fake Entra ID on host, reading its settings from config at
// every request, and adds its control endpoints.
func New(host *core.Server, config func() Settings) (*Service, error) {
	e := &Service{host: host, config: config, resources: map[string]string{}}
	if err := host.LoadState(&e.st); err != nil {
		return nil, err
	}
	if e.st.RefreshTokens == nil {
		e.st.RefreshTokens = map[string]*refreshGrant{}
	}
	if e.st.AuthCodes == nil {
		e.st.AuthCodes = map[string]*authCode{}
	}
	if e.st.DeviceCodes == nil {
		e.st.DeviceCodes = map[string]*deviceCode{}
	}
	e.AddResource(graph)
	//	POST /_emulator/revoke-sessions?upn=U   revoke every refresh token of a user
	//	POST /_emulator/invalidate-tokens       refuse every access token issued so far
	host.HandleAdmin(http.MethodPost, "revoke-sessions", func(w http.ResponseWriter, r *http.Request) {
		core.WriteJSON(w, http.StatusOK, map[string]int{"revoked": e.RevokeSessions(r.URL.Query().Get("upn"))})
	})
	host.HandleAdmin(http.MethodPost, "invalidate-tokens", func(w http.ResponseWriter, _ *http.Request) {
		core.WriteJSON(w, http.StatusOK, map[string]int{"invalidated": e.InvalidateAccessTokens()})
	})
	return e, nil
}

// Route claims Entra's endpoints: /devicelogin, and under /{tenant}/ the
// discovery, keys, authorize, devicecode and token endpoints.
func (e *Service) Route(r *http.Request) (core.Route, bool) {
	tenant, rest, _ := core.SplitPath(r)
	route := func(op string, h func(http.ResponseWriter, *http.Request, string)) (core.Route, bool) {
		return core.Route{Op: op, Handler: func(w http.ResponseWriter, r *http.Request) { h(w, r, tenant) }}, true
	}
	switch {
	case strings.EqualFold(tenant, "devicelogin") && rest == "":
		return core.Route{Op: OpDeviceLogin, Handler: e.handleDeviceLogin}, true
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		return route(OpOpenIDConfig, e.handleOpenIDConfig)
	case rest == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		return core.Route{Op: OpKeys, Handler: e.handleKeys}, true
	case rest == "oauth2/v2.0/authorize" && r.Method == http.MethodGet:
		return route(OpAuthorize, e.handleAuthorize)
	case rest == "oauth2/v2.0/devicecode" && r.Method == http.MethodPost:
		rt, ok := route(OpDeviceCode, e.handleDeviceCode)
		rt.HideQuery = true // secrets travel in the body only
		return rt, ok
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		rt, ok := route(OpToken, e.handleToken)
		rt.HideQuery = true
		// The grant type is part of what a test counts (refreshes, say).
		_ = r.ParseForm()
		rt.GrantType = r.PostForm.Get("grant_type")
		return rt, ok
	}
	return core.Route{}, false
}

// save persists the sessions; the caller holds e.mu.
func (e *Service) save() { e.host.SaveState(&e.st) }

// remember records sign-in secrets handed out; the caller does not hold e.mu.
func (e *Service) remember(secrets ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			e.issued = append(e.issued, s)
		}
	}
}

// IssuedSecrets returns every sign-in secret handed out since the emulator
// started: access, refresh and ID tokens, authorization and device codes.
// Tests look for them in everything a client printed.
func (e *Service) IssuedSecrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.issued...)
}
