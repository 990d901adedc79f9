// Package auth signs the user in to Microsoft Entra ID with MSAL Go and hands
// out access tokens for Azure DevOps as an oauth2.TokenSource.
package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"golang.org/x/oauth2"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
)

// Source tells where a token comes from.
type Source string

const (
	SourceEnv   Source = "env"   // PATCTL_TOKEN
	SourceLogin Source = "login" // the stored login
	// SourceLoginFrom is a login loaded from PATCTL_LOGIN_FROM.
	SourceLoginFrom Source = "login-from"
)

// Authenticator signs in and hands out tokens for one set of settings.
type Authenticator struct {
	Settings   config.Settings
	HTTPClient *http.Client
	Store      *credstore.Store
	// Remote, when set (PATCTL_LOGIN_FROM), is the login every token comes
	// from instead of Store's: loaded from elsewhere, kept in memory, and
	// written back there when a refresh renews it.
	Remote *credstore.Remote
	Stderr io.Writer
	// Wait shows, at a terminal, that a sign-in waits for the person.
	Wait Waiting
}

// loginStore is where the login in force is kept: the local
// credstore.Store, or a credstore.Remote.
type loginStore interface {
	ReadLogins() (credstore.Logins, error)
	SaveLogin(l credstore.Login, current bool) error
	Cache(kind string) cache.ExportReplace
	Lock(ctx context.Context, notice io.Writer) (unlock func(), err error)
}

// remoteStore is a login kept elsewhere (credstore.Remote), which a refresh
// writes back.
type remoteStore interface {
	loginStore
	Sync(ctx context.Context) error
	AwaitNewer(ctx context.Context) (bool, error)
	Where() string
}

// logins is where the login in force is kept.
func (a *Authenticator) logins() loginStore {
	if a.Remote != nil {
		return a.Remote
	}
	return a.Store
}

// source is where the tokens of the login in force come from.
func (a *Authenticator) source() Source {
	if a.Remote != nil {
		return SourceLoginFrom
	}
	return SourceLogin
}

// newClient builds MSAL's public client over a cache accessor of the store.
func (a *Authenticator) newClient(authority, clientID string, c cache.ExportReplace, hc httpClient) (public.Client, error) {
	return public.New(clientID,
		public.WithAuthority(authority),
		public.WithHTTPClient(hc),
		public.WithCache(c),
		// Always off: with it on, MSAL asks Microsoft for instance metadata on
		// every process start, even when the cached token is good. The
		// authority is used exactly as given instead.
		public.WithInstanceDiscovery(false),
	)
}

// httpClient is what MSAL sends its requests with.
type httpClient interface {
	Do(*http.Request) (*http.Response, error)
	CloseIdleConnections()
}

// LoginOptions choose how to sign in.
type LoginOptions struct {
	Storage    string // credstore.StorageKeyring or StorageFile
	DeviceCode bool   // skip the browser
	// Browser opens the sign-in URL; nil means no browser can be used.
	Browser func(ctx context.Context, url string) error
	// BrowserUnavailable says why there is no browser, for the fallback message.
	BrowserUnavailable string
}

// BrowserTimeout ends a browser sign-in that gets no answer.
const BrowserTimeout = 5 * time.Minute

// Login signs in interactively and stores the login. A failed or cancelled
// sign-in leaves the previous login as it was, or nothing at all.
//
// The store's lock is not held while a person signs in, which can take
// minutes: other patctl processes go on using and refreshing their logins
// meanwhile. It is taken as MSAL starts writing the new tokens (loginCache)
// and held until the login records are written, so that both are merged
// into what is stored then, not into what was stored when the sign-in began.
func (a *Authenticator) Login(ctx context.Context, opts LoginOptions) (credstore.Login, error) {
	s := a.Settings
	lock := &heldLock{store: a.Store, notice: a.Stderr}
	defer lock.release()
	fail := func(err error) (credstore.Login, error) {
		a.discardUnused(ctx, lock, opts.Storage)
		return credstore.Login{}, err
	}
	// The key is made (or read) before the sign-in, so that a keyring that
	// cannot be used is found before the person signs in, not after.
	if err := a.Store.Prepare(opts.Storage); err != nil {
		if errors.Is(err, credstore.ErrUnavailable) || errors.Is(err, credstore.ErrTimeout) || errors.Is(err, credstore.ErrTooBig) {
			return fail(&NoKeyringError{Err: err})
		}
		return fail(fmt.Errorf("prepare the login store: %w", err))
	}
	cache := loginCache{ExportReplace: a.Store.Cache(opts.Storage), lock: lock, store: a.Store, kind: opts.Storage}
	client, err := a.newClient(s.Authority, s.ClientID, cache, a.HTTPClient)
	if err != nil {
		return fail(err)
	}
	var flow Flow = DeviceCodeFlow{Out: a.Stderr, Wait: a.Wait}
	if !opts.DeviceCode {
		if opts.Browser != nil {
			flow = BrowserFlow{Open: opts.Browser, Out: a.Stderr, Timeout: BrowserTimeout, Wait: a.Wait}
		} else {
			fmt.Fprintf(a.Stderr, "No browser can be used here (%s): signing in with a device code.\n", opts.BrowserUnavailable)
		}
	}
	res, err := flow.Acquire(ctx, client, s.Scopes)
	var noBrowser *BrowserError
	if errors.As(err, &noBrowser) {
		fmt.Fprintf(a.Stderr, "Could not open a browser (%v): signing in with a device code instead.\n", noBrowser.Err)
		res, err = DeviceCodeFlow{Out: a.Stderr, Wait: a.Wait}.Acquire(ctx, client, s.Scopes)
	}
	if err != nil {
		return fail(classify(err))
	}
	// Held since MSAL wrote the tokens; the records are read again under it.
	if err := lock.acquire(ctx); err != nil {
		return fail(err)
	}
	previous, prevErr := a.Store.ReadLogin("")
	login := credstore.Login{
		Storage:       opts.Storage,
		Authority:     s.Authority,
		ClientID:      s.ClientID,
		Scopes:        s.Scopes,
		HomeAccountID: res.Account.HomeAccountID,
		Username:      res.Account.PreferredUsername,
		TenantID:      tenantOf(res),
		LoggedInAt:    time.Now().UTC(),
	}
	login.LastRefreshAt = login.LoggedInAt
	// Logins kept in the other storage must not leave their secrets behind;
	// their accounts are signed out.
	if prevErr == nil && previous.Storage != opts.Storage {
		if err := errors.Join(a.Store.Discard(previous.Storage, true), a.Store.ForgetLogins()); err != nil {
			fmt.Fprintf(a.Stderr, "Warning: could not remove the previous logins' %s storage: %v\n", previous.Storage, err)
		}
		fmt.Fprintf(a.Stderr, "The login moved to %s storage; accounts signed in before must sign in again.\n", opts.Storage)
	}
	if err := a.Store.SaveLogin(login, true); err != nil {
		return fail(fmt.Errorf("store the login: %w", err))
	}
	return login, nil
}

// discardUnused removes what a failed login set up in a storage that no
// login uses (its key, a cache), under the lock and with the records read
// then: another patctl may have logged in there meanwhile.
func (a *Authenticator) discardUnused(ctx context.Context, lock *heldLock, kind string) {
	// Even after Ctrl-C; Lock bounds the wait.
	if lock.acquire(context.WithoutCancel(ctx)) != nil {
		return
	}
	if previous, err := a.Store.ReadLogin(""); err != nil || previous.Storage != kind {
		_ = a.Store.Discard(kind, true)
	}
}

// heldLock is the store's lock, taken when first needed and held until
// release. Login uses it from one goroutine. A wait that timed out is not
// repeated: the clean-up after it would only wait as long again.
type heldLock struct {
	store    *credstore.Store
	notice   io.Writer
	unlock   func()
	timedOut error
}

func (h *heldLock) acquire(ctx context.Context) error {
	if h.unlock != nil || h.timedOut != nil {
		return h.timedOut
	}
	unlock, err := h.store.Lock(ctx, h.notice)
	if err != nil && ctx.Err() == nil {
		h.timedOut = err
	}
	h.unlock = unlock
	return err
}

func (h *heldLock) release() {
	if h.unlock != nil {
		h.unlock()
		h.unlock = nil
	}
}

// loginCache is the cache accessor of a sign-in. MSAL reads and writes the
// cache only once the sign-in has brought tokens (Replace, then Export, in
// its AuthResultFromToken): Replace takes the lock there, for Login to hold
// until the records are written, and reads the cache as it is now, so the
// new tokens join whatever another patctl refreshed during the sign-in.
type loginCache struct {
	cache.ExportReplace
	lock  *heldLock
	store *credstore.Store
	kind  string
}

func (c loginCache) Replace(ctx context.Context, u cache.Unmarshaler, hints cache.ReplaceHints) error {
	if err := c.lock.acquire(ctx); err != nil {
		return err
	}
	// Another patctl may have logged out, or in, since the key was read.
	if err := c.store.Prepare(c.kind); err != nil {
		return err
	}
	return c.ExportReplace.Replace(ctx, u, hints)
}

// NoKeyringError means login cannot keep a secret in the OS keyring.
type NoKeyringError struct{ Err error }

func (e *NoKeyringError) Error() string {
	return fmt.Sprintf("cannot store the login in the OS keyring: %v. Use `patctl login --insecure-storage` to keep it in a plaintext file instead, or set %s to an access token", e.Err, config.EnvToken)
}

func (e *NoKeyringError) Unwrap() error { return e.Err }

func tenantOf(res public.AuthResult) string {
	if res.IDToken.TenantID != "" {
		return res.IDToken.TenantID
	}
	return res.Account.Realm
}

// TokenSource hands out access tokens: PATCTL_TOKEN as is, else the stored
// login's, refreshed silently when needed and reused in memory after that.
func (a *Authenticator) TokenSource(ctx context.Context) (oauth2.TokenSource, Source, error) {
	if a.Settings.Token != "" {
		if _, err := envTokenClaims(a.Settings.Token); err != nil {
			return nil, SourceEnv, err
		}
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: a.Settings.Token, TokenType: "Bearer"}), SourceEnv, nil
	}
	login, _, err := a.signedIn(ctx)
	if err != nil {
		return nil, a.source(), err
	}
	silent, err := a.newSilentSource(ctx, login)
	if err != nil {
		return nil, a.source(), err
	}
	return silent, a.source(), nil
}

// envTokenClaims reads the access token of PATCTL_TOKEN, which must be one:
// a value that does not decode (a PAT, a file name, a truncated paste) is a
// SignInRequiredError with what to do while PATCTL_TOKEN is set.
func envTokenClaims(token string) (TokenClaims, error) {
	claims, err := ParseClaims(token)
	if err != nil {
		return claims, &SignInRequiredError{Reason: config.EnvToken + " is not an Entra access token (it does not decode as a JWT)", Remedy: EnvTokenRemedy}
	}
	return claims, nil
}

// TokenFor hands out the stored login's tokens for other scopes — another
// resource, such as Azure Key Vault — from the same account and cache, with
// the same lock rules; tenant, when not "" and not the login's, asks that
// tenant instead. PATCTL_TOKEN is for Azure DevOps only: with it, or with no
// login, the answer is a SignInRequiredError.
func (a *Authenticator) TokenFor(ctx context.Context, scopes []string, tenant string) (oauth2.TokenSource, error) {
	if a.Settings.Token != "" {
		return nil, &SignInRequiredError{Reason: config.EnvToken + " is set, and it is a token for Azure DevOps only"}
	}
	login, _, err := a.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.newSilentSource(ctx, login)
	if err != nil {
		return nil, err
	}
	s.scopes = scopes
	if !strings.EqualFold(tenant, login.TenantID) {
		s.tenant = tenant
	}
	return s, nil
}

// LoginTenant is the tenant of the login in force, "" without one.
func (a *Authenticator) LoginTenant() string {
	if a.Settings.Token != "" {
		return ""
	}
	// Read as it is: a login from PATCTL_LOGIN_FROM is not loaded here.
	logins, err := a.logins().ReadLogins()
	if err != nil {
		return ""
	}
	login, err := logins.Find(a.Settings.Account)
	if err != nil {
		return ""
	}
	return login.TenantID
}

// signedIn reads the login records once: the login in force (the current
// one, or --account's) and all of them. None, or an account not signed in,
// is a SignInRequiredError. A login from PATCTL_LOGIN_FROM is loaded here,
// the first time.
func (a *Authenticator) signedIn(ctx context.Context) (credstore.Login, credstore.Logins, error) {
	if a.Remote != nil {
		if err := a.Remote.Load(ctx); err != nil {
			if errors.Is(err, credstore.ErrNotLoggedIn) || errors.Is(err, credstore.ErrCorrupt) {
				return credstore.Login{}, credstore.Logins{}, a.remedy(&SignInRequiredError{Reason: err.Error()})
			}
			return credstore.Login{}, credstore.Logins{}, &LoginFromError{Err: err}
		}
	}
	logins, err := a.logins().ReadLogins()
	if errors.Is(err, credstore.ErrNotLoggedIn) {
		return credstore.Login{}, logins, &SignInRequiredError{Reason: "not logged in"}
	}
	if err != nil {
		return credstore.Login{}, logins, err
	}
	login, err := logins.Find(a.Settings.Account)
	var notIn *credstore.AccountError
	if errors.As(err, &notIn) {
		return login, logins, a.remedy(&SignInRequiredError{Reason: "account " + notIn.Error()})
	}
	return login, logins, err
}

// remedy says, in a SignInRequiredError about a login from
// PATCTL_LOGIN_FROM, how to replace it: signing in here would not help.
func (a *Authenticator) remedy(err error) error {
	var signIn *SignInRequiredError
	if a.Remote != nil && errors.As(err, &signIn) && signIn.Remedy == "" {
		where := a.Remote.Where()
		signIn.Remedy = "export a login there with `patctl login export --to " + where + "` where that account is signed in (" + config.EnvLoginFrom + " is " + where + ")"
	}
	return err
}

func (a *Authenticator) newSilentSource(ctx context.Context, login credstore.Login) (*silentSource, error) {
	gate := &entraGate{client: a.HTTPClient}
	store := a.logins()
	client, err := a.newClient(login.Authority, login.ClientID, store.Cache(login.Storage), gate)
	if err != nil {
		return nil, err
	}
	return &silentSource{ctx: ctx, client: client, gate: gate, store: store, login: login, stderr: a.Stderr, remedy: a.remedy}, nil
}

// silentSource asks MSAL for a token without interaction: from the cache, or
// refreshed with the refresh token (and written back). A file lock keeps two
// processes from refreshing, and so from spending one refresh token, at once;
// a valid cached token is read without it. The token is kept in memory for
// the life of the process.
type silentSource struct {
	ctx    context.Context
	client public.Client
	gate   *entraGate
	store  loginStore
	login  credstore.Login
	stderr io.Writer
	// remedy words a sign-in error for where the login came from.
	remedy func(error) error

	// scopes and tenant, when set, ask for another resource than the
	// login's, or in another tenant than the login's (see TokenFor).
	scopes []string
	tenant string

	mu  sync.Mutex
	cur *oauth2.Token
}

// errNeedsEntra stops MSAL from asking Entra ID for a token without the lock.
var errNeedsEntra = errors.New("a refresh needs the login lock")

// entraGate lets MSAL's requests through only while open: closed, MSAL can
// hand out a cached token but cannot refresh one.
type entraGate struct {
	client *http.Client
	open   atomic.Bool
}

func (g *entraGate) Do(r *http.Request) (*http.Response, error) {
	if !g.open.Load() {
		return nil, errNeedsEntra
	}
	return g.client.Do(r)
}

func (g *entraGate) CloseIdleConnections() { g.client.CloseIdleConnections() }

// Token returns the token in memory while it is valid, else one from MSAL.
func (s *silentSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Valid() {
		return s.cur, nil
	}
	return s.fetch(false)
}

// ForceRefresh gets a new token from Entra ID even if the one held looks
// valid: for when Azure DevOps refused it.
func (s *silentSource) ForceRefresh() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetch(true)
}

func (s *silentSource) fetch(force bool) (*oauth2.Token, error) {
	res, err := s.acquire(force)
	if err != nil {
		return nil, err
	}
	s.cur = &oauth2.Token{AccessToken: res.AccessToken, TokenType: "Bearer", Expiry: res.ExpiresOn}
	return s.cur, nil
}

// forceClaims makes MSAL skip its cached access token and refresh: a claims
// request is what Entra ID's own challenges carry.
const forceClaims = `{"access_token":{"nbf":{"essential":true}}}`

func (s *silentSource) acquire(force bool) (public.AuthResult, error) {
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Minute)
	defer cancel()
	opts := []public.AcquireSilentOption{public.WithSilentAccount(public.Account{HomeAccountID: s.login.HomeAccountID})}
	scopes := s.login.Scopes
	if s.scopes != nil {
		scopes = s.scopes
	}
	if s.tenant != "" {
		opts = append(opts, public.WithTenantID(s.tenant))
	}
	if force {
		opts = append(opts, public.WithClaims(forceClaims))
	} else {
		// First without the lock, so without waiting for another patctl's
		// login or refresh: a valid cached token needs no request.
		res, err := s.client.AcquireTokenSilent(ctx, scopes, opts...)
		if !errors.Is(err, errNeedsEntra) {
			return res, s.remedy(classify(err))
		}
	}
	unlock, err := s.store.Lock(ctx, s.stderr)
	if err != nil {
		return public.AuthResult{}, s.wrap(err)
	}
	defer unlock()
	// Under the lock MSAL reads the cache again: if another patctl has
	// refreshed meanwhile, no request is needed.
	s.gate.open.Store(true)
	defer s.gate.open.Store(false)
	res, err := s.client.AcquireTokenSilent(ctx, scopes, opts...)
	err = classify(err)
	var signIn *SignInRequiredError
	remote, isRemote := s.store.(remoteStore)
	for attempt := 0; isRemote && errors.As(err, &signIn) && attempt < credstore.RaceRetries; attempt++ {
		// Without a lock across processes (Key Vault), another patctl may
		// have spent the same refresh token a moment ago, and Entra ID
		// refuses it here. Its login, once written back, is the one to use.
		newer, werr := remote.AwaitNewer(ctx)
		if werr != nil {
			return res, s.wrap(werr)
		}
		if !newer {
			break
		}
		res, err = s.client.AcquireTokenSilent(ctx, scopes, opts...)
		err = classify(err)
	}
	if err != nil {
		return res, s.remedy(err)
	}
	if res.Metadata.TokenSource == public.TokenSourceIdentityProvider {
		// Remember when the login was last used with Entra ID: refresh tokens
		// expire after about 90 days without use. The record is read again
		// under the lock, so that a login meanwhile is not undone.
		if ls, err := s.store.ReadLogins(); err == nil {
			for _, l := range ls.Accounts {
				if l.Key() == s.login.Key() {
					l.LastRefreshAt = time.Now().UTC()
					_ = s.store.SaveLogin(l, false)
				}
			}
		}
	}
	if isRemote {
		// A refresh renewed the refresh token: the stored login must have
		// the new one, or it lapses (and, where Entra ID refuses a used
		// refresh token, stops working at once).
		if err := remote.Sync(ctx); err != nil {
			return public.AuthResult{}, s.wrap(err)
		}
	}
	return res, nil
}

// wrap marks a failure of a login kept elsewhere as such; the local
// store's errors are its own.
func (s *silentSource) wrap(err error) error {
	if _, remote := s.store.(remoteStore); remote && err != nil && !errors.Is(err, context.Canceled) {
		var signIn *SignInRequiredError
		switch {
		case errors.As(err, &signIn):
			return s.remedy(err)
		case errors.Is(err, credstore.ErrNotLoggedIn), errors.Is(err, credstore.ErrCorrupt):
			// Gone, or replaced by something else, since it was loaded.
			return s.remedy(&SignInRequiredError{Reason: err.Error()})
		}
		return &LoginFromError{Err: err}
	}
	return err
}

// Status is what `patctl status` shows of the login in force.
type Status struct {
	Source Source
	Login  credstore.Login
	All    credstore.Logins // every account signed in
	// LoginFrom is where a login from PATCTL_LOGIN_FROM was loaded from.
	LoginFrom string
	ExpiresOn time.Time
	Claims    TokenClaims // of the access token in use
}

// CurrentStatus gets a token as any command would (refreshing if needed) and
// describes it.
func (a *Authenticator) CurrentStatus(ctx context.Context) (Status, error) {
	if a.Settings.Token != "" {
		claims, err := envTokenClaims(a.Settings.Token)
		if err != nil {
			return Status{Source: SourceEnv}, err
		}
		if exp := claims.Expiry(); !exp.IsZero() && time.Now().After(exp) {
			return Status{Source: SourceEnv, ExpiresOn: exp, Claims: claims}, &SignInRequiredError{
				Reason: config.EnvToken + " expired at " + exp.Format(time.RFC3339), Remedy: EnvTokenRemedy}
		}
		return Status{Source: SourceEnv, ExpiresOn: claims.Expiry(), Claims: claims}, nil
	}
	login, logins, err := a.signedIn(ctx)
	if err != nil {
		return Status{}, err
	}
	silent, err := a.newSilentSource(ctx, login)
	if err != nil {
		return Status{}, err
	}
	st := Status{Source: a.source(), Login: login, All: logins}
	if a.Remote != nil {
		st.LoginFrom = a.Remote.Where()
	}
	res, err := silent.acquire(false)
	if err != nil {
		return st, err
	}
	// The record as it is now: a refresh has just set its last refresh.
	if now, err := a.logins().ReadLogins(); err == nil {
		if l, err := now.Find(a.Settings.Account); err == nil {
			st.Login = l
		}
	}
	st.ExpiresOn = res.ExpiresOn
	st.Claims, _ = ParseClaims(res.AccessToken)
	return st, nil
}

// Logout removes a signed-in account — or, with account "", all of them —
// and every stored secret of it. With none left, the cache and its key go
// too, and whatever an interrupted login may have left. It reports
// ErrNotLoggedIn when nobody was signed in.
func (a *Authenticator) Logout(ctx context.Context, account string) (credstore.Login, error) {
	unlock, err := a.Store.Lock(ctx, a.Stderr)
	if err != nil {
		return credstore.Login{}, err
	}
	defer unlock()
	logins, err := a.Store.ReadLogins()
	if errors.Is(err, credstore.ErrNotLoggedIn) {
		if account != "" {
			return credstore.Login{}, &credstore.AccountError{Account: account}
		}
		// Best effort: a keyring that cannot be reached holds nothing of ours
		// that matters without the cache file.
		_ = a.Store.Remove(true)
		return credstore.Login{}, err
	}
	if err != nil || account == "" {
		// A record that cannot be read is removed all the same. Logins kept
		// in a file have no key: the keyring is not touched (there may be none).
		var first credstore.Login
		if len(logins.Accounts) > 0 {
			first = logins.Accounts[0]
		}
		return first, a.Store.Remove(err != nil || first.Storage != credstore.StorageFile)
	}
	login, err := logins.Find(account)
	if err != nil {
		return login, err
	}
	if len(logins.Accounts) == 1 {
		return login, a.Store.Remove(login.Storage == credstore.StorageKeyring)
	}
	// One of several: its entries out of MSAL's cache (for every client id),
	// then its record.
	lastOfPerson := true
	for _, other := range logins.Accounts {
		if other.HomeAccountID == login.HomeAccountID && other.Key() != login.Key() {
			lastOfPerson = false
		}
	}
	if err := a.Store.PurgeAccount(login.Storage, login, lastOfPerson); err != nil {
		return login, fmt.Errorf("remove %s from the token cache: %w", login.Username, classify(err))
	}
	_, err = a.Store.DropLogin(login.Key())
	return login, err
}

// BearerClient is base with every request carrying a bearer token from ts,
// over base's own transport (so its connections are reused). When Azure
// DevOps answers 401 to a token from the login, the token is refreshed once
// and the request sent again.
func BearerClient(base *http.Client, ts oauth2.TokenSource) *http.Client {
	c := *base
	transport := base.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c.Transport = &bearerTransport{base: transport, source: ts}
	return &c
}

// refresher is a token source that can be made to get a new token.
type refresher interface {
	ForceRefresh() (*oauth2.Token, error)
}

type bearerTransport struct {
	base   http.RoundTripper
	source oauth2.TokenSource
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.source.Token()
	if err != nil {
		closeBody(req)
		return nil, &NotSentError{Err: err}
	}
	resp, err := t.base.RoundTrip(withBearer(req, tok))
	r, canRefresh := t.source.(refresher)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !canRefresh || (req.Body != nil && req.GetBody == nil) {
		return resp, err
	}
	// A token the service no longer takes (revoked, a policy change): one
	// more try with a fresh one.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if tok, err = r.ForceRefresh(); err != nil {
		// The service refused the request (401): it did nothing.
		return nil, &NotSentError{Err: err}
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.base.RoundTrip(withBearer(retry, tok))
}

// NotSentError is a request that never reached the service, or that it
// refused unread, because no usable token could be had: a create that fails
// so made nothing.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

func withBearer(req *http.Request, tok *oauth2.Token) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return r
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
