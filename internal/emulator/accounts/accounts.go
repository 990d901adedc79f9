// Package accounts fakes the two Azure DevOps APIs that say who the signed-in
// user is and which organizations they belong to, after the official files
// in testdata/spec:
//
//	GET /_apis/profile/profiles/me           the Profile API
//	GET /_apis/accounts?memberId=|ownerId=   the Accounts API
//
// Live, both are served by app.vssps.visualstudio.com alone. They take the
// same Entra tokens as the PAT API (the Azure DevOps resource); who belongs
// where is the caller's to say (Options.MemberOf).
package accounts

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/entra"
)

// Operation names, as recorded in the request log and matched by faults.
const (
	OpProfile  = "profile"
	OpAccounts = "accounts"
)

// Org is an organization as the Accounts API lists it.
type Org struct {
	Name string
	ID   string
}

// Options connect the service to the emulator.
type Options struct {
	// IdP verifies bearer tokens, for Resource (the Azure DevOps resource).
	IdP      *entra.Service
	Resource string
	// Directory is who exists.
	Directory func() entra.Directory
	// MemberOf and OwnerOf are the organizations a user belongs to, and owns,
	// in the order they were configured.
	MemberOf func(entra.User) []Org
	OwnerOf  func(entra.User) []Org
	// OrgURL is the identity service of an organization, its accountUri
	// (https://vssps.dev.azure.com/NAME/ live).
	OrgURL func(name string) string
	// BOM starts every JSON answer with a UTF-8 byte order mark.
	BOM func() bool
}

// Service is the fake of the Profile and Accounts APIs.
type Service struct{ opts Options }

// New makes the service.
func New(opts Options) *Service {
	if opts.BOM == nil {
		opts.BOM = func() bool { return false }
	}
	return &Service{opts: opts}
}

// ProfileID is the id of a user's Azure DevOps profile: stable, and not the
// Entra object id (live, it is Azure DevOps' own id of the person), so that a
// client that sends the object id as memberId finds no organization.
func ProfileID(objectID string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("azure-devops-profile:"+strings.ToLower(objectID))).String()
}

// Route claims /_apis/profile/profiles/{id} and /_apis/accounts, in any letter
// case. Organization-scoped paths ({org}/_apis/accounts) are not served,
// as live, where only app.vssps.visualstudio.com answers them.
func (s *Service) Route(r *http.Request) (core.Route, bool) {
	path := strings.ToLower(strings.TrimSuffix(r.URL.Path, "/"))
	switch {
	case strings.HasPrefix(path, "/_apis/profile/profiles/") && strings.Count(path, "/") == 4:
		id := r.URL.Path[len("/_apis/profile/profiles/"):]
		return core.Route{Op: OpProfile, Handler: func(w http.ResponseWriter, r *http.Request) { s.handleProfile(w, r, strings.TrimSuffix(id, "/")) }}, true
	case path == "/_apis/accounts":
		return core.Route{Op: OpAccounts, Handler: s.handleAccounts}, true
	}
	return core.Route{}, false
}

// caller is who a request comes from: a user of the directory, or a service
// principal (App), which has an empty profile and belongs nowhere.
type caller struct {
	user entra.User
	app  bool
}

func (c caller) profileID() string { return ProfileID(c.user.ObjectID) }

// authenticate admits an Entra token for Azure DevOps, of a user or a service
// principal, and otherwise answers 401 as Azure DevOps does.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && raw != "" {
		if tok, err := s.opts.IdP.Verify(strings.TrimSpace(raw), s.opts.Resource); err == nil {
			if tok.IDType == "app" {
				return caller{user: entra.User{ObjectID: tok.OID, TenantID: tok.TenantID}, app: true}, true
			}
			dir := s.opts.Directory()
			if u, ok := dir.UserByOID(tok.OID); ok {
				return caller{user: u}, true
			}
		}
	}
	w.Header().Set("WWW-Authenticate", "Bearer")
	s.reply(w, http.StatusUnauthorized, core.NewDevOpsError("TF400813: Resource not available for anonymous access. Client authentication required.",
		"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server", "UnauthorizedRequestException"))
	return caller{}, false
}

func (s *Service) reply(w http.ResponseWriter, status int, v any) {
	core.WriteJSONBOM(w, status, v, s.opts.BOM())
}

// profileTime is when every profile last changed.
var profileTime0 = time.Date(2024, 5, 29, 14, 39, 31, 727_000_000, time.UTC)

// admit answers what the service refuses before it reads a request of
// either API: a method other than GET, a missing or bad token, a missing or
// unknown api-version. ok is false when it answered.
func (s *Service) admit(w http.ResponseWriter, r *http.Request) (c caller, version apiVersion, ok bool) {
	if r.Method != http.MethodGet {
		s.methodNotAllowed(w, r)
		return c, version, false
	}
	if c, ok = s.authenticate(w, r); !ok {
		return c, version, false
	}
	version, verr := checkAPIVersion(query(r, "api-version"))
	if verr != nil {
		s.reply(w, http.StatusBadRequest, verr.Body())
		return c, version, false
	}
	return c, version, true
}

func (s *Service) handleProfile(w http.ResponseWriter, r *http.Request, id string) {
	c, version, ok := s.admit(w, r)
	if !ok {
		return
	}
	if !strings.EqualFold(id, "me") && !strings.EqualFold(id, c.profileID()) {
		// Only one's own profile is served here.
		s.reply(w, http.StatusNotFound, core.NewDevOpsError(fmt.Sprintf("VS800040: The profile with id '%s' does not exist.", id),
			"Microsoft.VisualStudio.Services.Profile.ProfileDoesNotExistException, Microsoft.VisualStudio.Services.Profile", "ProfileDoesNotExistException"))
		return
	}
	w.Header().Set("ActivityId", core.RandomUUID())
	if version.major < 5 {
		s.reply(w, http.StatusOK, flatProfile(c))
		return
	}
	s.reply(w, http.StatusOK, schemaProfile(c))
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (s *Service) handleAccounts(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.admit(w, r)
	if !ok {
		return
	}
	member, owner := query(r, "memberId"), query(r, "ownerId")
	if member == "" && owner == "" {
		// vsts-rest-api-specs#240: the body the service sends.
		s.reply(w, http.StatusBadRequest, core.DevOpsError{ID: "1", Message: "Necessary parameters ownerId or memberId were not provided in the request.",
			TypeName: "Microsoft.VisualStudio.Services.Account.AccountException, Microsoft.VisualStudio.Services.WebApi", TypeKey: "AccountException", EventID: 4236})
		return
	}
	for name, v := range map[string]string{"memberId": member, "ownerId": owner} {
		if v != "" && !guidRE.MatchString(v) {
			s.reply(w, http.StatusBadRequest, core.NewDevOpsError(fmt.Sprintf("The value '%s' is not valid for %s: it must be a GUID.", v, name), "System.ArgumentException, mscorlib", "ArgumentException"))
			return
		}
	}
	w.Header().Set("ActivityId", core.RandomUUID())
	list := wireAccounts{Value: []wireAccount{}}
	// Another person's memberships are not the caller's to read: they get
	// none. A service principal belongs nowhere (vsts-rest-api-specs#696).
	mine := !c.app && (member == "" || strings.EqualFold(member, c.profileID())) && (owner == "" || strings.EqualFold(owner, c.profileID()))
	if mine {
		orgs := s.opts.MemberOf(c.user)
		if member == "" {
			orgs = s.opts.OwnerOf(c.user)
		} else if owner != "" {
			orgs = intersect(orgs, s.opts.OwnerOf(c.user))
		}
		for _, o := range orgs {
			list.Value = append(list.Value, wireAccount{AccountID: o.ID, AccountURI: s.opts.OrgURL(o.Name), AccountName: o.Name, Properties: map[string]any{}})
		}
	}
	list.Count = len(list.Value)
	s.reply(w, http.StatusOK, list)
}

func intersect(a, b []Org) []Org {
	var out []Org
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x.ID, y.ID) {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func (s *Service) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET")
	s.reply(w, http.StatusMethodNotAllowed, core.NewDevOpsError("The requested resource does not support http method '"+r.Method+"'.",
		"System.Web.Http.HttpResponseException, System.Web.Http", "HttpResponseException"))
}

// query reads a query parameter with a case-insensitive name, as ASP.NET binds them.
func query(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

type apiVersion struct{ major, minor int }

var apiVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)(-preview(\.\d+)?)?$`)

// checkAPIVersion: the OpenAPI files mark api-version required; 7.1 is the
// newest release (7.2 exists only as previews), and older versions are served.
func checkAPIVersion(v string) (apiVersion, *core.VersionError) {
	v = strings.TrimSpace(v)
	if v == "" {
		return apiVersion{}, &core.VersionError{TypeKey: "VssVersionNotSpecifiedException", Message: "No api-version was supplied for the request. An api-version of the form 'major.minor[-preview[.resourceVersion]]' is required; the latest released version of this resource is 7.1."}
	}
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return apiVersion{}, &core.VersionError{TypeKey: "VssVersionNotParsableException", Message: fmt.Sprintf("The version '%s' cannot be parsed. It must be of the form 'major.minor[-preview[.resourceVersion]]'.", v)}
	}
	var ver apiVersion
	fmt.Sscan(m[1], &ver.major)
	fmt.Sscan(m[2], &ver.minor)
	switch {
	case ver.major > 7 || ver.major == 7 && ver.minor > 2:
		return ver, &core.VersionError{TypeKey: "VssVersionOutOfRangeException", Message: fmt.Sprintf("The requested REST API version of %s.%s is out of range for this server. The latest REST API version this server supports is 7.2.", m[1], m[2])}
	case ver.major == 7 && ver.minor == 2 && m[3] == "":
		return ver, &core.VersionError{TypeKey: "VssInvalidPreviewVersionException", Message: "The requested version \"7.2\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"7.2-preview\""}
	}
	return ver, nil
}
