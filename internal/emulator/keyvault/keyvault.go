// Package keyvault is a fake of Azure Key Vault's secrets API (api-version
// 2025-07-01), an http.Handler with its own state. It knows nothing of the
// rest of the emulator: token checks and the tenant named in the 401
// challenge are handed to it when it is mounted.
package keyvault

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Resource is Key Vault's audience; its scope is Resource + "/.default".
const Resource = "https://vault.azure.net"

// Operation names, for the emulator's request log and faults.
const (
	OpGet        = "keyvault-get"
	OpSet        = "keyvault-set"
	OpVersions   = "keyvault-versions"
	OpGetDeleted = "keyvault-get-deleted"
	OpUnknown    = "keyvault-unknown"
)

// Principal is who a valid access token stands for.
type Principal struct {
	ObjectID string
	AppID    string
	TenantID string
}

// Vault is one vault and who may use its secrets (object ids or, for
// service principals, application ids).
type Vault struct {
	Name   string   `json:"name"`
	Access []string `json:"access"`
	// Tenant is the tenant the vault belongs to ("": Options.Tenant's):
	// it takes only that tenant's tokens.
	Tenant string `json:"tenant,omitempty"`
}

// Options configure a Server.
type Options struct {
	// Prefix is the path the server is mounted at, e.g. "/keyvault": a
	// vault's URL is https://HOST/PREFIX/VAULT.
	Prefix string
	Vaults []Vault
	// Verify checks a bearer token issued for audience; an error is a 401.
	Verify func(token, audience string) (Principal, error)
	// Tenant is the tenant of a vault that names none: the one its 401
	// challenge names and whose tokens it takes.
	Tenant func() string
	Now    func() time.Time
}

// Server is the fake Key Vault service, every vault of it.
type Server struct {
	opts Options

	mu      sync.Mutex
	vaults  map[string]Vault
	secrets map[string]*secret // by vault/name, lower case
	deleted map[string]int64   // soft-deleted names: when
}

type secret struct {
	name     string
	versions []*version // oldest first
}

type version struct {
	id          string
	value       string
	contentType string
	tags        map[string]string
	attrs       attributes
}

// DefaultVaults is "kv-main", open to user and app, and "kv-denied", open to no one.
func DefaultVaults(userOID, appID string) []Vault {
	return []Vault{{Name: "kv-main", Access: []string{userOID, appID}}, {Name: "kv-denied"}}
}

// New makes a server with the given vaults.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, vaults: map[string]Vault{}, secrets: map[string]*secret{}, deleted: map[string]int64{}}
	for _, v := range opts.Vaults {
		s.vaults[strings.ToLower(v.Name)] = v
	}
	return s
}

// SetVault adds or replaces a vault.
func (s *Server) SetVault(v Vault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vaults[strings.ToLower(v.Name)] = v
}

// request is a parsed path: /PREFIX/VAULT/(secrets|deletedsecrets)/NAME[/VERSION|/versions].
type request struct {
	vault, collection, name, version string
	op                               string
}

func (s *Server) parse(r *http.Request) request {
	rest, ok := strings.CutPrefix(r.URL.Path, s.opts.Prefix+"/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) < 3 || len(parts) > 4 {
		return request{op: OpUnknown}
	}
	q := request{vault: parts[0], collection: parts[1], name: parts[2], op: OpUnknown}
	if len(parts) == 4 {
		q.version = parts[3]
	}
	switch {
	case q.collection == "secrets" && r.Method == http.MethodPut && q.version == "":
		q.op = OpSet
	case q.collection == "secrets" && r.Method == http.MethodGet && q.version == "versions":
		q.op = OpVersions
	case q.collection == "secrets" && r.Method == http.MethodGet:
		q.op = OpGet
	case q.collection == "deletedsecrets" && r.Method == http.MethodGet && q.version == "":
		q.op = OpGetDeleted
	}
	return q
}

// Op names the operation of a request, for logs and faults.
func (s *Server) Op(r *http.Request) string { return s.parse(r).op }

var nameRE = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// ServeHTTP answers as Key Vault does: the vault, then the caller, then the
// operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := s.parse(r)
	s.mu.Lock()
	vault, ok := s.vaults[strings.ToLower(q.vault)]
	s.mu.Unlock()
	if !ok {
		// Live, an unknown vault has no DNS name; the fake must answer something.
		writeError(w, http.StatusNotFound, "VaultNotFound", "The vault "+q.vault+" does not exist.", "")
		return
	}
	who, ok := s.authenticate(w, r, s.tenantOf(vault))
	if !ok {
		return
	}
	if !allowed(vault, who) {
		writeError(w, http.StatusForbidden, "Forbidden",
			"Caller is not authorized to perform action on resource. Caller: oid="+who.ObjectID+";appid="+who.AppID+" Vault: "+vault.Name, "ForbiddenByRbac")
		return
	}
	if q.op == OpUnknown {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI is not valid.", "")
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid or missing api-version.", "")
		return
	}
	if !nameRE.MatchString(q.name) {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid name: "+q.name, "")
		return
	}
	base := "https://" + r.Host + s.opts.Prefix + "/" + vault.Name
	switch q.op {
	case OpSet:
		s.set(w, r, base, q)
	case OpGet:
		s.get(w, base, q)
	case OpVersions:
		s.versions(w, r, base, q)
	case OpGetDeleted:
		s.getDeleted(w, base, q)
	}
}

// authenticate reads the bearer token. None, or one Key Vault does not
// take (another audience, or another tenant than the vault's), gets the 401
// whose challenge names the vault's tenant and the resource.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, tenant string) (Principal, bool) {
	challenge := func(msg string) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.windows.net/`+tenant+`", resource="`+Resource+`"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", msg, "")
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		challenge("AKV10000: Request is missing a Bearer or PoP token.")
		return Principal{}, false
	}
	who, err := s.opts.Verify(token, Resource)
	if err != nil {
		challenge("AKV10022: Invalid audience or token: " + err.Error())
		return Principal{}, false
	}
	if !strings.EqualFold(who.TenantID, tenant) {
		challenge("AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + tenant + "/, found https://sts.windows.net/" + who.TenantID + "/.")
		return Principal{}, false
	}
	return who, true
}

func (s *Server) tenantOf(v Vault) string {
	if v.Tenant != "" {
		return v.Tenant
	}
	return s.opts.Tenant()
}

func allowed(v Vault, who Principal) bool {
	for _, a := range v.Access {
		if a != "" && (strings.EqualFold(a, who.ObjectID) || strings.EqualFold(a, who.AppID)) {
			return true
		}
	}
	return false
}

func key(vault, name string) string { return strings.ToLower(vault + "/" + name) }

// newVersionID is 32 hex digits, as Key Vault's are.
func newVersionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
