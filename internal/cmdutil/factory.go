package cmdutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/httptrace"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

// Factory gives commands their dependencies. Its functions are lazy: building
// the command tree does no I/O, so --help always works.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Getenv    func(string) string
	Now       func() time.Time
	// Profile and Account are the --profile and --account flags, read when
	// Settings is first called.
	Profile string
	Account string
	// Debug is the --debug flag: an HTTP trace on stderr.
	Debug bool

	Settings      func() (config.Settings, error)
	HTTPClient    func() (*http.Client, error)
	Store         func() (*credstore.Store, error)
	Authenticator func() (*auth.Authenticator, error)
	// PATClient is the PAT API client for an organization, authenticated by
	// the login in force (or PATCTL_TOKEN).
	PATClient func(ctx context.Context, org string) (*patapi.Client, error)
}

// New wires a Factory. Each dependency is built once, on first use.
func New(io *iostreams.IOStreams, getenv func(string) string, keyring credstore.Keyring) *Factory {
	f := &Factory{IOStreams: io, Getenv: getenv, Now: time.Now}
	f.Settings = sync.OnceValues(func() (config.Settings, error) {
		s, err := config.Load(getenv, f.Profile)
		if f.Account != "" {
			s.Account = f.Account
		}
		return s, err
	})
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		client, err := NewHTTPClient(s.CAFile, s.HTTPTimeout)
		if err != nil {
			return nil, err
		}
		if trace, err := f.traceOut(); err != nil {
			return nil, err
		} else if trace != nil {
			client.Transport = &httptrace.Transport{Base: client.Transport, Out: trace}
		}
		return client, nil
	})
	f.Store = sync.OnceValues(func() (*credstore.Store, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		return credstore.Open(s.ConfigDir, keyring), nil
	})
	f.Authenticator = sync.OnceValues(func() (*auth.Authenticator, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		client, err := f.HTTPClient()
		if err != nil {
			return nil, err
		}
		store, err := f.Store()
		if err != nil {
			return nil, err
		}
		return &auth.Authenticator{Settings: s, HTTPClient: client, Store: store, Stderr: io.ErrOut}, nil
	})
	f.PATClient = func(ctx context.Context, org string) (*patapi.Client, error) {
		a, err := f.Authenticator()
		if err != nil {
			return nil, err
		}
		ts, _, err := a.TokenSource(ctx)
		if err != nil {
			return nil, err
		}
		return patapi.New(auth.BearerClient(a.HTTPClient, ts), a.Settings.APIURL, org), nil
	}
	return f
}

// traceOut is where the HTTP trace goes: stderr with --debug, or the file
// PATCTL_DEBUG names (appended to, for a whole script's runs).
func (f *Factory) traceOut() (io.Writer, error) {
	if f.Debug {
		return f.IOStreams.ErrOut, nil
	}
	path := f.Getenv(config.EnvDebug)
	if path == "" {
		return nil, nil
	}
	file, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.EnvDebug, err)
	}
	return file, nil
}

// NewHTTPClient is the one HTTP client of a patctl run: it trusts the system
// roots plus caFile, keeps connections alive for reuse, and never follows a
// redirect (Azure DevOps redirects to a sign-in page, which is not an answer).
// timeout bounds each request from its start to the end of its answer's body
// (0: DefaultHTTPTimeout); a retry has a timeout of its own.
func NewHTTPClient(caFile string, timeout time.Duration) (*http.Client, error) {
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &config.BadValueError{Msg: fmt.Sprintf("%s: %v", config.EnvCAFile, err)}
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &config.BadValueError{Msg: fmt.Sprintf("%s: %s holds no PEM certificate", config.EnvCAFile, caFile)}
		}
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 15 * time.Second,
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 4,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport: &deadlineTransport{base: transport, limit: timeout},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// ErrTokenFromEnv is returned by commands that manage the stored login while
// PATCTL_TOKEN is set.
var ErrTokenFromEnv = errors.New(config.EnvToken + " is set: patctl uses that token and keeps no login; unset it first")

// TokenCmd is what every token command takes from the factory, with its
// --org flag. Commands embed it in their Options.
type TokenCmd struct {
	IO        *iostreams.IOStreams
	Settings  func() (config.Settings, error)
	PATClient func(ctx context.Context, org string) (*patapi.Client, error)
	// HTTPClient is the plain client, without the sign-in's bearer token.
	HTTPClient func() (*http.Client, error)
	Getenv     func(string) string
	Now        func() time.Time
	Org        string
	MaxWait    time.Duration
}

// NewTokenCmd takes a token command's dependencies from the factory.
func NewTokenCmd(f *Factory) TokenCmd {
	return TokenCmd{IO: f.IOStreams, Settings: f.Settings, PATClient: f.PATClient, HTTPClient: f.HTTPClient, Getenv: f.Getenv, Now: f.Now}
}

// Client resolves the organization (--org, else PATCTL_ORG) and returns its
// PAT API client.
func (t *TokenCmd) Client(ctx context.Context) (*patapi.Client, error) {
	c, err := OrgClient(ctx, t.Org, t.Settings, t.PATClient)
	if err != nil {
		return nil, err
	}
	if t.MaxWait < 0 {
		return nil, FlagErrorf("--max-wait: %s is negative", t.MaxWait)
	}
	if t.MaxWait > 0 {
		// One budget for the whole command, however many requests it makes.
		c.Retry = patapi.RetryPolicy{Deadline: t.Now().Add(t.MaxWait), Notify: func(msg string) {
			fmt.Fprintln(t.IO.ErrOut, "patctl: "+msg)
		}}
	}
	return c, nil
}

// AddFlags adds the flags every token command has: --org and --max-wait.
func (t *TokenCmd) AddFlags(cmd *cobra.Command) {
	AddOrgFlag(cmd, &t.Org)
	cmd.Flags().DurationVar(&t.MaxWait, "max-wait", patapi.DefaultMaxWait, "how long to keep retrying reads, updates and revokes the service asks to retry (0: never)")
}
