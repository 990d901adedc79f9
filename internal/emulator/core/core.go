// Package core is what every faked service of the emulator stands on: one
// HTTPS server on loopback with a CA of its own, the routing of each request
// to the service that claims it, the request log, faults and latency, the
// clock, the control endpoints under /_emulator/, and the state file.
//
// A service plugs in by implementing Service (Route: which requests are its
// own, under which operation name) and is given the Server when it is made:
// it keeps its part of the state file with LoadState and SaveState, adds
// control endpoints with HandleAdmin, and reads the clock with Now. The
// package knows no service; the emulator package puts them together.
package core

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Service is a faked service: it claims the requests that are its own.
type Service interface {
	// Route tells whether r is this service's, and if so how to log and
	// serve it. It must not write to the response.
	Route(r *http.Request) (Route, bool)
}

// Route is a request as the core sees it: an operation name, logged and
// matched by faults, and the handler that serves it.
type Route struct {
	Op string
	// GrantType, for a token request, is its grant: logged, and matched by
	// faults that name one.
	GrantType string
	// HideQuery keeps the query out of the request log: on endpoints that
	// take secrets in the body, a query would be a client's mistake that the
	// log must not repeat.
	HideQuery bool
	Handler   http.HandlerFunc
}

// OpUnknown is the operation of a request no service claims.
const OpUnknown = "unknown"

// Options configure a new Server.
type Options struct {
	// Addr to listen on; default "127.0.0.1:0" (a free port).
	Addr string
	// StateFile keeps what services store, and the keys, across restarts when set.
	StateFile string
	// Now is the clock; default time.Now. Tests move it to expire things.
	Now func() time.Time
	// Latency is read before every request and added to it; nil means none.
	Latency func() time.Duration
	// NotFound answers a request no service claims.
	NotFound http.HandlerFunc
	// FaultBody is the JSON body of a status fault's answer, for its message.
	FaultBody func(message string) any
}

// Server is the emulator's HTTPS server, shared by every service.
type Server struct {
	opts     Options
	offset   atomic.Int64 // added to the clock by Advance
	keys     loadedKeys
	caPEM    string
	state    store
	services []Service
	admin    map[string]http.HandlerFunc // by "name METHOD"
	// adminTrees serve every path under "name/"
	adminTrees map[string]func(w http.ResponseWriter, r *http.Request, rest string)

	mu     sync.Mutex // guards log and faults
	log    []Request
	faults []*Fault

	ln    net.Listener
	srv   *http.Server
	url   string
	conns atomic.Int64
}

// New loads the state file, makes or loads the keys, and listens; it serves
// once Serve is called, when the services are registered.
func New(opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Latency == nil {
		opts.Latency = func() time.Duration { return 0 }
	}
	if opts.NotFound == nil {
		opts.NotFound = http.NotFound
	}
	if opts.FaultBody == nil {
		opts.FaultBody = func(message string) any { return map[string]string{"message": message} }
	}
	s := &Server{opts: opts, admin: map[string]http.HandlerFunc{}, adminTrees: map[string]func(http.ResponseWriter, *http.Request, string){}}
	if err := s.state.open(opts.StateFile); err != nil {
		return nil, err
	}
	var ks keysState
	if err := s.LoadState(&ks); err != nil {
		return nil, err
	}
	if ks.Keys.CACertPEM == "" {
		var err error
		if ks.Keys, err = newKeyMaterial(); err != nil {
			return nil, fmt.Errorf("generate keys: %w", err)
		}
	}
	var err error
	if s.keys, err = ks.Keys.load(); err != nil {
		return nil, fmt.Errorf("load keys: %w", err)
	}
	s.caPEM = ks.Keys.CACertPEM
	if err := s.state.save(&ks); err != nil {
		return nil, err
	}
	leaf, err := s.keys.serverCertificate()
	if err != nil {
		return nil, fmt.Errorf("issue server certificate: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if s.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, err
	}
	s.url = "https://" + s.ln.Addr().String()
	s.srv = &http.Server{
		Handler:   s,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}},
		// HTTP/1.1 only: the reset and drop faults must close a real
		// connection, which an HTTP/2 stream cannot do.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.handleBuiltinAdmin()
	return s, nil
}

// Register adds services, in the order their routes are tried. Call it
// before Serve.
func (s *Server) Register(services ...Service) { s.services = append(s.services, services...) }

// Serve starts serving HTTPS in the background.
func (s *Server) Serve() { go s.srv.ServeTLS(s.ln, "", "") }

// Close stops serving at once, closing every connection: a fake has no
// requests worth draining.
func (s *Server) Close() error {
	err := s.srv.Close()
	_ = s.ln.Close() // in case it never served
	return err
}

// URL is the base URL of every endpoint, e.g. https://127.0.0.1:43123.
func (s *Server) URL() string { return s.url }

// CAPEM is the PEM of the CA that signed the server certificate.
func (s *Server) CAPEM() []byte { return []byte(s.caPEM) }

// CertPool is a pool holding the emulator's CA.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.keys.ca)
	return pool
}

// HTTPClient is a client that trusts the emulator and never follows redirects.
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.CertPool()}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// SigningKey is the key tokens are signed with, and its key id. It is kept
// with the CA so that tokens issued before a restart still verify after it.
func (s *Server) SigningKey() (*rsa.PrivateKey, string) { return s.keys.signingKey, s.keys.keyID }

// Connections is how many TCP connections clients have opened so far.
func (s *Server) Connections() int64 { return s.conns.Load() }

// Now is the emulator's clock.
func (s *Server) Now() time.Time { return s.opts.Now().Add(time.Duration(s.offset.Load())) }

// Advance moves the emulator's clock forward, to expire tokens and codes.
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// ServeHTTP routes a request, records it, and applies latency and faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	rt := s.route(r)
	rec := Request{Time: s.Now(), Method: r.Method, Path: r.URL.Path, Op: rt.Op, GrantType: rt.GrantType}
	if !rt.HideQuery {
		rec.Query = r.URL.RawQuery
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		s.mu.Lock()
		s.log = append(s.log, rec)
		s.mu.Unlock()
	}()

	latency := s.opts.Latency()
	s.mu.Lock()
	fault := s.takeFault(rt.Op, rt.GrantType)
	s.mu.Unlock()
	if latency > 0 {
		sleepCtx(r.Context(), latency)
	}
	if fault != nil {
		rec.Fault = fault.Kind
		if fault.apply(sw, r, rt.Handler, s.opts.FaultBody) {
			return
		}
	}
	rt.Handler(sw, r)
}

// route asks each service in turn whether the request is its own.
func (s *Server) route(r *http.Request) Route {
	for _, svc := range s.services {
		if rt, ok := svc.Route(r); ok {
			return rt
		}
	}
	return Route{Op: OpUnknown, Handler: s.opts.NotFound}
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
