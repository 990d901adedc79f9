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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/httptrace"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/proc"
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
	// BearerClient is the HTTP client carrying that login's bearer token, for
	// the other Azure DevOps APIs.
	BearerClient func(ctx context.Context) (*http.Client, error)
	// AccountsClient lists the organizations of the user, with that token.
	AccountsClient func(ctx context.Context) (*patapi.AccountsClient, error)
	// Journal is the record of unfinished operations; Owner is who records
	// them, and the key that seals their secrets.
	Journal func() (*journal.Journal, error)
	Owner   func() journal.Owner
	// Pending counts journal entries this process has open, so that a second
	// Ctrl-C can say whether `patctl resume` has work.
	Pending *atomic.Int32
	// Stage is told each stage a create or rotate reaches (tests stop there).
	Stage func(string)
	// LoginPlace opens where PATCTL_LOGIN_FROM keeps a login. The places
	// are sinks (Key Vault, a file), which this package cannot import: the
	// program sets it (cli.Run).
	LoginPlace func(uri string) (credstore.Place, error)
}

// New wires a Factory. Each dependency is built once, on first use.
func New(io *iostreams.IOStreams, getenv func(string) string, keyring credstore.Keyring) *Factory {
	f := &Factory{IOStreams: io, Getenv: getenv, Now: time.Now, Pending: new(atomic.Int32)}
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
		a := &auth.Authenticator{Settings: s, HTTPClient: client, Store: store, Stderr: io.ErrOut,
			Wait: func(label string) func() { io.StartProgress(label); return io.StopProgress }}
		if s.LoginFrom != "" {
			if f.LoginPlace == nil {
				return nil, errors.New(config.EnvLoginFrom + " cannot be used here")
			}
			place, err := f.LoginPlace(s.LoginFrom)
			if err != nil {
				return nil, err
			}
			a.Remote = credstore.NewRemote(place)
		}
		return a, nil
	})
	f.BearerClient = func(ctx context.Context) (*http.Client, error) {
		a, err := f.Authenticator()
		if err != nil {
			return nil, err
		}
		ts, _, err := a.TokenSource(ctx)
		if err != nil {
			return nil, err
		}
		return auth.BearerClient(a.HTTPClient, ts), nil
	}
	f.PATClient = func(ctx context.Context, org string) (*patapi.Client, error) {
		client, err := f.BearerClient(ctx)
		if err != nil {
			return nil, err
		}
		s, err := f.Settings()
		return patapi.New(client, s.APIURL, org), err
	}
	f.AccountsClient = func(ctx context.Context) (*patapi.AccountsClient, error) {
		client, err := f.BearerClient(ctx)
		if err != nil {
			return nil, err
		}
		s, err := f.Settings()
		return patapi.NewAccounts(client, s.VSSPSAppURL), err
	}
	f.Journal = sync.OnceValues(func() (*journal.Journal, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		return journal.Open(s.ConfigDir), nil
	})
	f.Owner = sync.OnceValue(f.owner)
	return f
}

// owner is the account commands act as, and its login's key when the login
// is kept in the keyring. An access token from PATCTL_TOKEN has no key.
func (f *Factory) owner() journal.Owner {
	a, err := f.Authenticator()
	if err != nil {
		return journal.Owner{}
	}
	if a.Settings.Token != "" {
		claims, _ := auth.ParseClaims(a.Settings.Token)
		return journal.Owner{Account: claims.Account()}
	}
	if a.Remote != nil {
		// Loaded by the token that came before; kept in memory, with no
		// key here to seal a secret with.
		ls, err := a.Remote.ReadLogins()
		if err != nil {
			return journal.Owner{}
		}
		return journal.Owner{Account: ls.Accounts[0].Username}
	}
	login, err := a.Store.ReadLogin(a.Settings.Account)
	if err != nil {
		return journal.Owner{}
	}
	o := journal.Owner{Account: login.Username}
	if login.Storage == credstore.StorageKeyring {
		o.Sealer = a.Store
	}
	return o
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
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12} // RootCAs nil: the system's
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &config.BadValueError{Msg: fmt.Sprintf("%s: %v", config.EnvCAFile, err)}
		}
		extra := x509.NewCertPool()
		if !extra.AppendCertsFromPEM(pem) {
			return nil, &config.BadValueError{Msg: fmt.Sprintf("%s: %s holds no PEM certificate", config.EnvCAFile, caFile)}
		}
		// Verified in VerifyConnection instead, as crypto/tls would.
		tlsConfig.InsecureSkipVerify = true
		tlsConfig.VerifyConnection = verifyWithExtraRoots(extra, pem)
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConfig,
		TLSHandshakeTimeout: 15 * time.Second,
		IdleConnTimeout:     90 * time.Second,
		// apply runs up to 64 actions at once: over HTTP/1.1 each needs a
		// connection, which should be there for its next request.
		MaxIdleConnsPerHost: 64,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport: &deadlineTransport{base: transport, limit: timeout},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// verifyWithExtraRoots verifies a server's certificate chain and name as
// crypto/tls does, against the system's roots plus the PEM roots of
// PATCTL_CA_FILE — first against those alone: loading the system's roots
// parses every certificate of the system's bundle and directory (about 15 ms
// per process on Linux), which a server that the extra roots vouch for (the
// emulator, a TLS-inspecting proxy) does not need.
func verifyWithExtraRoots(extra *x509.CertPool, pem []byte) func(tls.ConnectionState) error {
	withSystem := sync.OnceValue(func() *x509.CertPool {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(pem)
		return pool
	})
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the server sent no certificate")
		}
		opts := x509.VerifyOptions{DNSName: cs.ServerName, Intermediates: x509.NewCertPool(), Roots: extra}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err == nil {
			return nil
		}
		opts.Roots = withSystem()
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
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
	// BearerClient carries the sign-in's bearer token (Factory.BearerClient).
	BearerClient func(ctx context.Context) (*http.Client, error)
	// HTTPClient is the plain client, without the sign-in's bearer token.
	HTTPClient func() (*http.Client, error)
	// Authenticator is the sign-in, for tokens of other services (sinks).
	Authenticator func() (*auth.Authenticator, error)
	Getenv        func(string) string
	Now           func() time.Time
	Org           string
	MaxWait       time.Duration

	// Journal, Owner and Pending are the record of unfinished operations
	// (see Factory).
	Journal func() (*journal.Journal, error)
	Owner   func() journal.Owner
	Pending *atomic.Int32
	Stage   func(string)
	// globals are the --profile and --account flags, read when a command
	// suggests another.
	globals func() (profile, account string)
	warned  bool // WarnUnfinished has spoken
	// Complete completes the command's flags from the service.
	Complete Completer
}

// NewTokenCmd takes a token command's dependencies from the factory.
func NewTokenCmd(f *Factory) TokenCmd {
	return TokenCmd{IO: f.IOStreams, Settings: f.Settings, PATClient: f.PATClient, BearerClient: f.BearerClient, HTTPClient: f.HTTPClient, Authenticator: f.Authenticator, Getenv: f.Getenv, Now: f.Now,
		Journal: f.Journal, Owner: f.Owner, Pending: f.Pending, Stage: f.Stage,
		globals: func() (string, string) { return f.Profile, f.Account }, Complete: NewCompleter(f)}
}

// Hint is what a command that patctl suggests needs besides its own flags to
// act where this one did: " --org ORG", and --profile and --account when given.
func (t *TokenCmd) Hint(org string) string {
	return " --org " + ShellWord(org) + t.GlobalHint()
}

// GlobalHint is the --profile and --account part of Hint, for commands
// without --org (resume).
func (t *TokenCmd) GlobalHint() string {
	if t.globals == nil {
		return ""
	}
	h := ""
	profile, account := t.globals()
	if profile != "" {
		h += " --profile " + ShellWord(profile)
	}
	if account != "" {
		h += " --account " + ShellWord(account)
	}
	return h
}

// ShellWord quotes s for a POSIX shell when it needs it.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/:=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Guard refuses, with exit 9, to touch a token (by id, or name when not "")
// that an unfinished operation recorded in the journal is about; otherwise it
// says on stderr when other operations are unfinished.
func (t *TokenCmd) Guard(org, id, name string) error {
	if t.Journal == nil {
		return nil
	}
	j, err := t.Journal()
	if err != nil {
		return err
	}
	entries, err := j.List()
	if err != nil {
		return err
	}
	if err := journal.Conflict(entries, org, id, name); err != nil {
		return &ExitCodeError{Code: ExitUnfinished, Err: err}
	}
	if !t.warned {
		WarnUnfinished(t.IO, entries)
		t.warned = true
	}
	return nil
}

// WarnUnfinished says on stderr how many recorded operations no running
// patctl is finishing.
func WarnUnfinished(io *iostreams.IOStreams, entries []journal.Entry) {
	var stale []string
	for _, e := range entries {
		if !proc.Running(e.PID) {
			stale = append(stale, e.Describe())
		}
	}
	if len(stale) > 0 {
		fmt.Fprintf(io.ErrOut, "Warning: %d unfinished operation(s) recorded: %s. Run `patctl resume` to finish them.\n", len(stale), strings.Join(stale, "; "))
	}
}

// Client resolves the organization (--org, else PATCTL_ORG) and returns its
// PAT API client.
func (t *TokenCmd) Client(ctx context.Context) (*patapi.Client, error) {
	s, err := t.Settings()
	if err != nil {
		return nil, err
	}
	org, err := ResolveOrg(t.Org, s)
	if err != nil {
		return nil, err
	}
	return t.ClientFor(ctx, org)
}

// ClientFor is the PAT API client of org, retrying within --max-wait.
func (t *TokenCmd) ClientFor(ctx context.Context, org string) (*patapi.Client, error) {
	if t.MaxWait < 0 {
		return nil, FlagErrorf("--max-wait: %s is negative", t.MaxWait)
	}
	c, err := t.PATClient(ctx, org)
	if err != nil {
		return nil, err
	}
	c.Retry = t.retryPolicy()
	c.OnPage = t.IO.AddProgress
	return c, nil
}

// retryPolicy is --max-wait's: one budget for the whole command, however
// many requests it makes (none with 0).
func (t *TokenCmd) retryPolicy() patapi.RetryPolicy {
	if t.MaxWait <= 0 {
		return patapi.RetryPolicy{}
	}
	return patapi.RetryPolicy{Deadline: t.Now().Add(t.MaxWait), Notify: func(msg string) {
		fmt.Fprintln(t.IO.ErrOut, "patctl: "+msg)
	}}
}

// AddFlags adds the flags every token command has: --org, completing the
// user's organizations, and --max-wait.
func (t *TokenCmd) AddFlags(cmd *cobra.Command) {
	AddOrgFlag(cmd, &t.Org)
	_ = cmd.RegisterFlagCompletionFunc("org", t.Complete.Orgs)
	t.AddMaxWaitFlag(cmd)
}

// AddOrgsFlags adds --org (a list) and --every-org (AddOrgsFlags), --org
// completing the user's organizations.
func (t *TokenCmd) AddOrgsFlags(cmd *cobra.Command, o *OrgsFlags) {
	AddOrgsFlags(cmd, o)
	_ = cmd.RegisterFlagCompletionFunc("org", t.Complete.OrgList)
}

// CompleteSelector completes --name with the names of active tokens, --id
// with their ids, and the NAME argument that stands for --name with names.
// Call it after AddSelectorFlags.
func (t *TokenCmd) CompleteSelector(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("name", t.Complete.TokenNames)
	_ = cmd.RegisterFlagCompletionFunc("id", t.Complete.TokenIDs)
	cmd.ValidArgsFunction = t.Complete.NameArg
}

// AddMaxWaitFlag adds --max-wait alone, for commands whose organization
// comes from elsewhere.
func (t *TokenCmd) AddMaxWaitFlag(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&t.MaxWait, "max-wait", patapi.DefaultMaxWait, "how long to keep retrying reads, updates and revokes the service asks to retry (0: never)")
}
