// Package emulator is a local, faithful stand-in for Microsoft Entra ID and the
// Azure DevOps PAT Lifecycle Management API, served over real TLS on loopback.
//
// It follows the official documentation and example bodies, not patctl's
// client: it has its own wire structs and imports nothing from the client.
package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patctl/patctl/internal/emulator/github"
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
	mu     sync.Mutex
	cfg    Config
	st     *state
	keys   loadedKeys
	faults []*Fault
	// issued and issuedPATs remember every secret handed out, in memory
	// only, so that tests can look for leaks in what a client prints.
	issued, issuedPATs []string
	// invalidTokens are access tokens Azure DevOps refuses before they expire.
	invalidTokens map[string]bool
	// grantErrors maps a grant type ("" for all) to an injected AADSTS number.
	grantErrors map[string]int
	log         []Request
	github      *github.Service // mounted at /github/

	now       func() time.Time
	newID     func() string
	newSecret func() string
	stateFile string
	saveErr   error
	offset    atomic.Int64 // added to now by Advance

	ln    net.Listener
	srv   *http.Server
	url   string
	conns atomic.Int64
}

// Start creates an emulator and starts serving HTTPS.
func Start(opts Options) (*Emulator, error) {
	e := &Emulator{
		now:       opts.Now,
		newID:     opts.NewID,
		newSecret: opts.NewSecret,
		stateFile: opts.StateFile,
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.newID == nil {
		e.newID = randomUUID
	}
	if e.newSecret == nil {
		e.newSecret = randomPATSecret
	}
	if opts.Config != nil {
		e.cfg = opts.Config.clone()
	} else {
		e.cfg = DefaultConfig()
	}
	if err := e.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	st, err := loadState(opts.StateFile)
	if err != nil {
		return nil, err
	}
	if st.Keys.CACertPEM == "" {
		if st.Keys, err = newKeyMaterial(); err != nil {
			return nil, fmt.Errorf("generate keys: %w", err)
		}
	}
	e.st = st
	e.github = github.New(github.Options{Prefix: githubPrefix, Config: func() github.Config { return e.Config().GitHub }, Now: e.Now, OnChange: e.saveNow})
	if err := e.github.LoadState(st.GitHub); err != nil {
		return nil, err
	}
	if e.keys, err = st.Keys.load(); err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	if err := e.save(); err != nil {
		return nil, err
	}
	leaf, err := e.keys.serverCertificate()
	if err != nil {
		return nil, fmt.Errorf("issue server certificate: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	e.ln = ln
	e.url = "https://" + ln.Addr().String()
	e.srv = &http.Server{
		Handler:   e,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		// HTTP/1.1 only: the reset and drop faults must close a real
		// connection, which an HTTP/2 stream cannot do.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				e.conns.Add(1)
			}
		},
		ErrorLog: discardLogger(),
	}
	go e.srv.ServeTLS(ln, "", "")
	return e, nil
}

// URL is the base URL of every endpoint, e.g. https://127.0.0.1:43123.
func (e *Emulator) URL() string { return e.url }

// Authority is the Entra authority URL for a tenant (id, domain,
// "organizations" or "common").
func (e *Emulator) Authority(tenant string) string { return e.url + "/" + tenant }

// CAPEM is the PEM of the CA that signed the server certificate.
func (e *Emulator) CAPEM() []byte { return []byte(e.st.Keys.CACertPEM) }

// CertPool is a pool holding the emulator's CA.
func (e *Emulator) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(e.keys.ca)
	return pool
}

// HTTPClient is a client that trusts the emulator and never follows redirects.
func (e *Emulator) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: e.CertPool()}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// GitHub is the fake GitHub (Actions secrets) served under /github/: tests
// read secrets back and rotate keys through it.
func (e *Emulator) GitHub() *github.Service { return e.github }

// Connections is how many TCP connections clients have opened so far.
func (e *Emulator) Connections() int64 { return e.conns.Load() }

// Close stops serving at once, closing every connection: a fake has no
// requests worth draining.
func (e *Emulator) Close() error { return e.srv.Close() }

// IssuedSecrets returns every sign-in secret the emulator has handed out
// since it started: access, refresh and ID tokens, authorization and device
// codes. Tests look for them in everything a client printed.
func (e *Emulator) IssuedSecrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.issued...)
}

// IssuedPATs returns the secrets of every PAT created since the emulator
// started. A client may print one only where it delivers it.
func (e *Emulator) IssuedPATs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.issuedPATs...)
}

// remember records sign-in secrets handed out; the caller does not hold e.mu.
func (e *Emulator) remember(secrets ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			e.issued = append(e.issued, s)
		}
	}
}

// Now is the emulator's clock.
func (e *Emulator) Now() time.Time { return e.now().Add(time.Duration(e.offset.Load())) }

// Advance moves the emulator's clock forward, to expire tokens and codes.
func (e *Emulator) Advance(d time.Duration) { e.offset.Add(int64(d)) }

// Err reports the last failure to write the state file, if any.
func (e *Emulator) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saveErr
}

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

// ServeHTTP routes a request, records it, and applies latency and faults.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		e.serveAdmin(w, r)
		return
	}
	op, handler := e.route(r)
	rec := Request{Time: e.Now(), Method: r.Method, Path: r.URL.Path, Op: op}
	if op != OpToken && op != OpDeviceCode {
		// The token endpoints take secrets in the body only; a query there
		// would be a client's mistake that the log must not repeat.
		rec.Query = r.URL.RawQuery
	}
	if op == OpToken {
		// The grant type is part of what a test counts (refreshes, say).
		_ = r.ParseForm()
		rec.GrantType = r.PostForm.Get("grant_type")
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		e.mu.Lock()
		e.log = append(e.log, rec)
		e.mu.Unlock()
	}()

	e.mu.Lock()
	latency := time.Duration(e.cfg.Latency)
	fault := e.takeFault(op, rec.GrantType)
	e.mu.Unlock()
	if latency > 0 {
		sleepCtx(r.Context(), latency)
	}
	if fault != nil {
		rec.Fault = fault.Kind
		if fault.apply(sw, r, handler) {
			return
		}
	}
	handler(sw, r)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
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
