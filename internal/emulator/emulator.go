// Package emulator is a local, faithful stand-in for Microsoft Entra ID and the
// Azure DevOps PAT Lifecycle Management API, served over real TLS on loopback.
//
// It puts together one package per faked service — entra (sign-in) and devops
// (the PAT API) — over a shared core (core: the HTTPS server, routing, the
// request log, faults, the clock, the control endpoints and the state file),
// and gives tests and the emulator program one Emulator to drive them.
//
// It follows the official documentation and example bodies, not patctl's
// client: it has its own wire structs and imports nothing from the client.
package emulator

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/patctl/patctl/internal/emulator/accounts"
	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/devops"
	"github.com/patctl/patctl/internal/emulator/entra"
	"github.com/patctl/patctl/internal/emulator/github"
	"github.com/patctl/patctl/internal/emulator/keyvault"
	"github.com/patctl/patctl/internal/emulator/vargroups"
)

// Options configure a new Emulator.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0" (a free port).
	Addr string
	// Config; zero means DefaultConfig().
	Config *Config
	// StateFile keeps tokens, sessions and keys across restarts when set.
	StateFile string
	// Now is the emulator's clock; default time.Now. Tests move it to expire things.
	Now func() time.Time
	// NewID and NewSecret make ids and PAT secrets predictable in tests.
	NewID     func() string
	NewSecret func() string
}

// Emulator serves fake Entra ID and fake Azure DevOps endpoints.
type Emulator struct {
	srv       *core.Server
	entra     *entra.Service
	devops    *devops.Service
	kv        *keyvault.Server
	varGroups *vargroups.Service
	github    *github.Service
	accounts  *accounts.Service

	mu  sync.Mutex // guards cfg
	cfg Config
}

// Start creates an emulator and starts serving HTTPS.
func Start(opts Options) (*Emulator, error) {
	e := &Emulator{cfg: DefaultConfig()}
	if opts.Config != nil {
		e.cfg = opts.Config.clone()
	}
	if err := e.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	srv, err := core.New(core.Options{
		Addr:      opts.Addr,
		StateFile: opts.StateFile,
		Now:       opts.Now,
		Latency:   e.latency,
		// One host serves every service and answers as Azure DevOps does.
		NotFound:  devops.NotFound,
		FaultBody: devops.ServiceError,
	})
	if err != nil {
		return nil, err
	}
	e.srv = srv
	if err := e.startServices(opts); err != nil {
		srv.Close()
		return nil, err
	}
	e.handleConfigAdmin()
	srv.Serve()
	return e, nil
}

// startServices makes the faked services and registers them, in the order
// their routes are tried. A new service is made and registered here, and
// its settings embedded in Config.
func (e *Emulator) startServices(opts Options) error {
	var err error
	if e.entra, err = entra.New(e.srv, e.entraSettings); err != nil {
		return err
	}
	if e.devops, err = devops.New(e.srv, e.entra, e.devopsConfig, devops.Options{NewID: opts.NewID, NewSecret: opts.NewSecret}); err != nil {
		return err
	}
	e.kv = e.newKeyVault()
	e.varGroups = e.newVarGroups()
	if e.github, err = e.newGitHub(); err != nil {
		return err
	}
	e.accounts = e.newAccounts()
	e.srv.Register(githubRoutes{e.github}, keyVaultRoutes{e.kv}, varGroupRoutes{e.varGroups}, e.accounts, e.entra, e.devops)
	return nil
}

// The services read their settings here at every request, each a copy.

func (e *Emulator) entraSettings() entra.Settings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.EntraSettings.Clone()
}

func (e *Emulator) devopsConfig() devops.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return devops.Config{Directory: e.cfg.EntraSettings.Clone().Directory, Settings: e.cfg.DevOpsSettings.Clone()}
}

func (e *Emulator) latency() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Duration(e.cfg.Latency)
}

// Entra is the fake Entra ID, for what the methods here do not cover.
func (e *Emulator) Entra() *entra.Service { return e.entra }

// DevOps is the fake Azure DevOps, for what the methods here do not cover.
func (e *Emulator) DevOps() *devops.Service { return e.devops }

// Config returns a copy of the current configuration.
func (e *Emulator) Config() Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.clone()
}

// Update changes the configuration under the emulator's lock. A change that
// leaves it invalid is undone and reported.
func (e *Emulator) Update(change func(*Config)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.cfg.clone()
	change(&next)
	if err := next.Validate(); err != nil {
		return err
	}
	e.cfg = next
	return nil
}

// The server's side: the address, trust, the log, faults and the clock.

// URL is the base URL of every endpoint, e.g. https://127.0.0.1:43123.
func (e *Emulator) URL() string { return e.srv.URL() }

// Authority is the Entra authority URL for a tenant (id, domain,
// "organizations" or "common").
func (e *Emulator) Authority(tenant string) string { return e.srv.URL() + "/" + tenant }

// CAPEM is the PEM of the CA that signed the server certificate.
func (e *Emulator) CAPEM() []byte { return e.srv.CAPEM() }

// CertPool is a pool holding the emulator's CA.
func (e *Emulator) CertPool() *x509.CertPool { return e.srv.CertPool() }

// HTTPClient is a client that trusts the emulator and never follows redirects.
func (e *Emulator) HTTPClient() *http.Client { return e.srv.HTTPClient() }

// Connections is how many TCP connections clients have opened so far.
func (e *Emulator) Connections() int64 { return e.srv.Connections() }

// Close stops serving at once, closing every connection.
func (e *Emulator) Close() error { return e.srv.Close() }

// Now is the emulator's clock.
func (e *Emulator) Now() time.Time { return e.srv.Now() }

// Advance moves the emulator's clock forward, to expire tokens and codes.
func (e *Emulator) Advance(d time.Duration) { e.srv.Advance(d) }

// Err reports the last failure to write the state file, if any.
func (e *Emulator) Err() error { return e.srv.Err() }

// Requests returns a copy of the request log.
func (e *Emulator) Requests() []Request { return e.srv.Requests() }

// ResetRequests empties the request log and sets the connection count to 0.
func (e *Emulator) ResetRequests() { e.srv.ResetRequests() }

// AddFault arms a fault.
func (e *Emulator) AddFault(f Fault) error { return e.srv.AddFault(f) }

// ClearFaults disarms every fault.
func (e *Emulator) ClearFaults() { e.srv.ClearFaults() }

// Entra ID's side: tokens and sessions.

// AccessToken issues an Azure DevOps access token for a configured user
// without a sign-in flow, as `az account get-access-token` would hand one over.
func (e *Emulator) AccessToken(upn string) (string, error) {
	return e.entra.AccessToken(upn, AzureDevOpsResource)
}

// UserHTTPClient is a client that trusts the emulator and sends a fresh
// access token of the user with every request: for setting up and checking
// state in tests and tools.
func (e *Emulator) UserHTTPClient(upn string) (*http.Client, error) {
	tok, err := e.AccessToken(upn)
	if err != nil {
		return nil, err
	}
	c := e.HTTPClient()
	c.Transport = bearerTransport{token: tok, base: c.Transport}
	return c, nil
}

type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// IssuedSecrets returns every sign-in secret the emulator has handed out
// since it started: access, refresh and ID tokens, authorization and device
// codes. Tests look for them in everything a client printed.
func (e *Emulator) IssuedSecrets() []string { return e.entra.IssuedSecrets() }

// InvalidateAccessTokens makes the services refuse every access token issued
// so far, though they have not expired, as after a password reset or a
// Conditional Access change. It returns how many.
func (e *Emulator) InvalidateAccessTokens() int { return e.entra.InvalidateAccessTokens() }

// ApproveDeviceCode approves a pending device code as the browser's user.
func (e *Emulator) ApproveDeviceCode(userCode string) bool {
	return e.entra.ApproveDeviceCode(userCode)
}

// RevokeSessions revokes every refresh token of a user. It returns how many.
func (e *Emulator) RevokeSessions(upn string) int { return e.entra.RevokeSessions(upn) }

// InjectGrantError makes every token request of grant type (or of every grant
// when grantType is "") fail with the given AADSTS error until cleared with
// number 0. Known numbers: 50076, 53003, 65001, 700082, 7000218, 50173.
func (e *Emulator) InjectGrantError(grantType string, number int) error {
	return e.entra.InjectGrantError(grantType, number)
}

// Azure DevOps' side: tokens.

// IssuedPATs returns the secrets of every PAT created since the emulator
// started. A client may print one only where it delivers it.
func (e *Emulator) IssuedPATs() []string { return e.devops.IssuedPATs() }

// SeedTokens stores n active tokens named prefix-00001… for a user, without
// going through the API: for benchmarks that need many.
func (e *Emulator) SeedTokens(upn string, n int, prefix string) error {
	return e.devops.SeedTokens(upn, n, prefix)
}
