// Package github is a fake of GitHub's REST API for Actions secrets: the
// repository, environment and organization secrets and their public keys, as
// GitHub's OpenAPI description (API version 2022-11-28) has them. Each scope
// has a real X25519 key pair, and a PUT is opened with box.OpenAnonymous, so
// a client's sealed box is checked for real.
//
// It is a self-contained http.Handler with its own state: it imports nothing
// from the rest of the emulator or from patctl.
package github

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Operation names, for request logs and faults.
const (
	OpPublicKey    = "github-public-key"
	OpList         = "github-list"
	OpGet          = "github-get"
	OpPut          = "github-put"
	OpDelete       = "github-delete"
	OpRepositories = "github-repositories" // an organization secret's selected repositories
	OpUnknown      = "github-unknown"
)

// Options configure a Service.
type Options struct {
	// Prefix is the path the service is mounted at, e.g. "/github"; the
	// API's paths follow it.
	Prefix string
	// Config is read at every request, so that a test may change it; nil
	// means DefaultConfig.
	Config func() Config
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnChange is called after the state changed (outside the service's
	// lock), so that its owner can save it.
	OnChange func()
}

// Service is the fake GitHub.
type Service struct {
	prefix   string
	config   func() Config
	now      func() time.Time
	onChange func()

	mu sync.Mutex
	st State
}

// New makes a fake GitHub with an empty state.
func New(opts Options) *Service {
	s := &Service{prefix: strings.TrimSuffix(opts.Prefix, "/"), config: opts.Config, now: opts.Now, onChange: opts.OnChange}
	if s.config == nil {
		def := DefaultConfig()
		s.config = func() Config { return def }
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

// route is what a request's path says, before anything is looked up.
type route struct {
	op    string
	kind  string // "repo", "env" or "org"
	owner string // the repository's owner, or the organization
	repo  string
	env   string
	name  string // the secret's name as sent; "" for a list or the public key
}

// parseRoute reads the path. Path segments are unescaped one by one, so an
// environment name may hold a slash sent as %2F.
func (s *Service) parseRoute(r *http.Request) route {
	raw := strings.TrimPrefix(r.URL.EscapedPath(), s.prefix)
	var parts []string
	for _, p := range strings.Split(strings.Trim(raw, "/"), "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			return route{op: OpUnknown}
		}
		parts = append(parts, u)
	}
	var rt route
	var tail []string
	switch {
	case len(parts) >= 4 && parts[0] == "repos" && parts[3] == "actions" && len(parts) >= 5 && parts[4] == "secrets":
		rt = route{kind: "repo", owner: parts[1], repo: parts[2]}
		tail = parts[5:]
	case len(parts) >= 6 && parts[0] == "repos" && parts[3] == "environments" && parts[5] == "secrets":
		rt = route{kind: "env", owner: parts[1], repo: parts[2], env: parts[4]}
		tail = parts[6:]
	case len(parts) >= 4 && parts[0] == "orgs" && parts[2] == "actions" && parts[3] == "secrets":
		rt = route{kind: "org", owner: parts[1]}
		tail = parts[4:]
	default:
		return route{op: OpUnknown}
	}
	m := r.Method
	switch {
	case len(tail) == 0 && m == http.MethodGet:
		rt.op = OpList
	case len(tail) == 1 && tail[0] == "public-key" && m == http.MethodGet:
		rt.op = OpPublicKey
	case len(tail) == 1 && m == http.MethodGet:
		rt.op, rt.name = OpGet, tail[0]
	case len(tail) == 1 && m == http.MethodPut:
		rt.op, rt.name = OpPut, tail[0]
	case len(tail) == 1 && m == http.MethodDelete:
		rt.op, rt.name = OpDelete, tail[0]
	case len(tail) == 2 && tail[1] == "repositories" && rt.kind == "org" && (m == http.MethodGet || m == http.MethodPut):
		rt.op, rt.name = OpRepositories, tail[0]
	default:
		rt.op = OpUnknown
	}
	return rt
}

// Op names the operation of a request, for the emulator's log and faults.
func (s *Service) Op(r *http.Request) string { return s.parseRoute(r).op }

// ServeHTTP answers one API request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := s.parseRoute(r)
	if rt.op == OpUnknown {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	cfg := s.config()
	tok, status, msg := authorize(cfg, r)
	if status != 0 {
		writeError(w, status, msg)
		return
	}
	key, ok := scopeKeyOf(cfg, rt)
	if !ok {
		// GitHub answers 404, not 403, for what a token cannot see.
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if tok.Access == AccessNone || tok.Access == AccessRead && (r.Method == http.MethodPut || r.Method == http.MethodDelete) {
		writeError(w, http.StatusForbidden, "Resource not accessible by personal access token")
		return
	}
	switch rt.op {
	case OpPublicKey:
		s.handlePublicKey(w, key)
	case OpList:
		s.handleList(w, r, key, rt)
	case OpGet:
		s.handleGet(w, r, key, rt)
	case OpPut:
		s.handlePut(w, r, cfg, key, rt)
	case OpDelete:
		s.handleDelete(w, key, rt)
	case OpRepositories:
		s.handleRepositories(w, r, cfg, key, rt)
	}
}

// authorize finds the caller's token: "Bearer" or "token", as GitHub takes both.
func authorize(cfg Config, r *http.Request) (Token, int, string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Token{}, http.StatusUnauthorized, "Requires authentication"
	}
	scheme, value, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") && !strings.EqualFold(scheme, "token") {
		return Token{}, http.StatusUnauthorized, "Bad credentials"
	}
	tok, ok := cfg.token(strings.TrimSpace(value))
	if !ok {
		return Token{}, http.StatusUnauthorized, "Bad credentials"
	}
	return tok, 0, ""
}

// scopeKeyOf is the state's key of a configured scope.
func scopeKeyOf(cfg Config, rt route) (string, bool) {
	switch rt.kind {
	case "org":
		if o, ok := cfg.org(rt.owner); ok {
			return orgKey(o.Name), true
		}
	case "repo", "env":
		repo, ok := cfg.repo(rt.owner, rt.repo)
		if !ok {
			return "", false
		}
		if rt.kind == "repo" {
			return repoKey(repo.Owner, repo.Name), true
		}
		if env, ok := repo.environment(rt.env); ok {
			return envKey(repo.Owner, repo.Name, env), true
		}
	}
	return "", false
}

// Scope keys are case-insensitive, as GitHub's names are.
func orgKey(org string) string          { return "orgs/" + strings.ToLower(org) }
func repoKey(owner, repo string) string { return "repos/" + strings.ToLower(owner+"/"+repo) }
func envKey(owner, repo, env string) string {
	return repoKey(owner, repo) + "/environments/" + strings.ToLower(url.PathEscape(env))
}

func upper(name string) string { return strings.ToUpper(name) }

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }
func joinPath(p []string) string  { return strings.Join(p, "/") }
