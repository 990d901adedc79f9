package devops

import (
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/entra"
)

const (
	typeUnauthorized  = "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server"
	typeInvalidAccess = "Microsoft.TeamFoundation.Framework.Server.InvalidAccessException, Microsoft.TeamFoundation.Framework.Server"
	typeArgument      = "System.ArgumentException, mscorlib"
	typeArgumentNull  = "System.ArgumentNullException, mscorlib"
	typeNotFound      = "Microsoft.VisualStudio.Services.Tokens.SessionTokenNotFoundException, Microsoft.VisualStudio.Services.Tokens"
	typeHostNotFound  = "Microsoft.TeamFoundation.Framework.Server.HostDoesNotExistException, Microsoft.TeamFoundation.Framework.Server"
)

// caller is who a request to Azure DevOps comes from.
type caller struct {
	org  Org
	user entra.User
}

// handleOrgRoot answers an unauthenticated HEAD (or GET) of an organization's
// root with the headers clients use for tenant discovery.
func (d *Service) handleOrgRoot(w http.ResponseWriter, r *http.Request, orgName string) {
	cfg, org, ok := d.resolveOrg(w, orgName)
	if !ok {
		return
	}
	if _, authed := d.bearerUser(&cfg, r, org); authed {
		w.WriteHeader(http.StatusOK)
		return
	}
	d.writeSignIn(w, r, &cfg, org)
}

// resolveOrg finds the organization a request names, with the configuration
// it was found in, or answers 404.
func (d *Service) resolveOrg(w http.ResponseWriter, name string) (Config, Org, bool) {
	cfg := d.config()
	org, ok := cfg.org(name)
	if !ok {
		core.WriteJSON(w, http.StatusNotFound, core.NewDevOpsError(fmt.Sprintf("VS800075: The project collection or organization '%s' does not exist.", name), typeHostNotFound, "HostDoesNotExistException"))
	}
	return cfg, org, ok
}

// challengeHeaders are what Azure DevOps sends so that a client can find the
// tenant to sign in to.
func (d *Service) challengeHeaders(h http.Header, cfg *Config, org Org) {
	h.Set("X-VSS-ResourceTenant", org.TenantID)
	h.Set("X-TFS-FedAuthRealm", d.host.URL()+"/")
	if org.TenantID == MicrosoftAccountTenantID || cfg.OmitBearerChallenge {
		h.Set("WWW-Authenticate", `Basic realm="`+d.host.URL()+`/", TFS-Federated`)
		return
	}
	h.Set("WWW-Authenticate", "Bearer authorization_uri="+d.host.URL()+"/"+org.TenantID+`, Basic realm="`+d.host.URL()+`/", TFS-Federated`)
	h.Set("X-VSS-AuthorizationEndpoint", d.host.URL()+"/"+org.TenantID)
}

// writeSignIn is the service's answer to a call without a usable token.
func (d *Service) writeSignIn(w http.ResponseWriter, r *http.Request, cfg *Config, org Org) {
	d.challengeHeaders(w.Header(), cfg, org)
	signIn := d.host.URL() + "/_signin?" + url.Values{"realm": {r.Host}, "reply_to": {r.URL.String()}}.Encode()
	switch cfg.SignInAnswer {
	case SignInPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNonAuthoritativeInfo)
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body><a href="%s">Sign in</a></body></html>`, html.EscapeString(signIn))
	case SignInRedirect:
		w.Header().Set("Location", signIn)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusFound)
		fmt.Fprintf(w, `<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="%s">here</a>.</h2></body></html>`, html.EscapeString(signIn))
	default:
		core.WriteJSONBOM(w, http.StatusUnauthorized, core.NewDevOpsError("TF400813: Resource not available for anonymous access. Client authentication required.", typeUnauthorized, "UnauthorizedRequestException"), cfg.ResponseBOM)
	}
}

// bearerUser verifies a user's Entra access token for this organization.
func (d *Service) bearerUser(cfg *Config, r *http.Request, org Org) (entra.Token, bool) {
	auth := r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return entra.Token{}, false
	}
	tok, err := d.idp.Verify(strings.TrimSpace(raw), AzureDevOpsResource)
	if err != nil {
		return entra.Token{}, false
	}
	// A token from another tenant is no good here: the challenge then points
	// at the organization's own tenant.
	if !strings.EqualFold(tok.TenantID, org.TenantID) {
		return entra.Token{}, false
	}
	return tok, true
}

// authenticate admits only a user's Entra token, as the PAT API does.
func (d *Service) authenticate(w http.ResponseWriter, r *http.Request, cfg *Config, org Org) (caller, bool) {
	if pat, ok := d.basicPAT(r); ok && pat != nil {
		core.WriteJSONBOM(w, http.StatusForbidden, core.NewDevOpsError("The requested operation is not allowed.", typeInvalidAccess, "InvalidAccessException"), cfg.ResponseBOM)
		return caller{}, false
	}
	tok, ok := d.bearerUser(cfg, r, org)
	if !ok {
		d.writeSignIn(w, r, cfg, org)
		return caller{}, false
	}
	if tok.IDType == "app" {
		core.WriteJSONBOM(w, cfg.ServicePrincipalStatus, core.NewDevOpsError("Service principals are not allowed to perform this action.", typeInvalidAccess, "InvalidAccessException"), cfg.ResponseBOM)
		return caller{}, false
	}
	user, ok := cfg.UserByOID(tok.OID)
	if !ok {
		d.writeSignIn(w, r, cfg, org)
		return caller{}, false
	}
	if !org.HasMember(user, &cfg.Directory) {
		// Azure DevOps answers 401 to a signed-in user who is not a member
		// ("Troubleshoot sign-in": 401 - Not Authorized).
		d.challengeHeaders(w.Header(), cfg, org)
		core.WriteJSONBOM(w, http.StatusUnauthorized, core.NewDevOpsError(fmt.Sprintf("TF400813: The user '%s' is not authorized to access this resource.", user.ObjectID), typeUnauthorized, "UnauthorizedRequestException"), cfg.ResponseBOM)
		return caller{}, false
	}
	return caller{org: org, user: user}, true
}

// Caller is who a request is from, as Azure DevOps sees it: for services
// mounted beside the PAT API that take the same tokens (variable groups).
type Caller struct{ ObjectID, Name, UPN string }

// Authenticate admits a user's Entra token for the organization, and
// otherwise answers as Azure DevOps does (a sign-in challenge, 404 for an
// unknown organization, 403 for a service principal).
func (d *Service) Authenticate(w http.ResponseWriter, r *http.Request, orgName string) (Caller, bool) {
	cfg, org, ok := d.resolveOrg(w, orgName)
	if !ok {
		return Caller{}, false
	}
	c, ok := d.authenticate(w, r, &cfg, org)
	return Caller{ObjectID: c.user.ObjectID, Name: c.user.Name, UPN: c.user.UPN}, ok
}

// basicPAT finds the active PAT sent as the password of Basic auth.
func (d *Service) basicPAT(r *http.Request) (*pat, bool) {
	_, secret, ok := r.BasicAuth()
	if !ok {
		return nil, false
	}
	h := core.HashSecret(secret)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.st.PATs {
		if p.SecretHash == h && d.patStatus(p) == statusActive {
			found := *p
			return &found, true
		}
	}
	return nil, true
}

// handleConnectionData answers who the caller is. It accepts an active PAT
// (Basic auth, any user name) for this organization, or a user's Entra token.
func (d *Service) handleConnectionData(w http.ResponseWriter, r *http.Request, orgName string) {
	cfg, org, ok := d.resolveOrg(w, orgName)
	if !ok {
		return
	}
	var oid string
	if p, basic := d.basicPAT(r); basic {
		if p == nil || (p.TargetAccounts != nil && !containsFold(p.TargetAccounts, org.ID)) {
			d.writeSignIn(w, r, &cfg, org)
			return
		}
		oid = p.UserOID
	} else if tok, ok := d.bearerUser(&cfg, r, org); ok && tok.IDType != "app" {
		oid = tok.OID
	}
	user, ok := cfg.UserByOID(oid)
	if !ok {
		d.writeSignIn(w, r, &cfg, org)
		return
	}
	identity := map[string]any{
		"id":                  user.ObjectID,
		"descriptor":          "Microsoft.IdentityModel.Claims.ClaimsIdentity;" + user.TenantID + `\` + user.UPN,
		"subjectDescriptor":   "aad." + base64.RawURLEncoding.EncodeToString([]byte(user.ObjectID)),
		"providerDisplayName": user.Name,
		"isActive":            true,
		"properties":          map[string]any{"Account": map[string]string{"$type": "System.String", "$value": user.UPN}},
		"resourceVersion":     2,
		"metaTypeId":          0,
	}
	core.WriteJSONBOM(w, http.StatusOK, map[string]any{
		"authenticatedUser": identity,
		"authorizedUser":    identity,
		"instanceId":        org.ID,
		"deploymentId":      uuid.NewSHA1(uuid.NameSpaceURL, []byte(org.ID)).String(),
		"deploymentType":    "hosted",
		"locationServiceData": map[string]any{
			"serviceOwner":                "00025394-6065-48ca-87d9-7f5672854ef7",
			"defaultAccessMappingMoniker": "PublicAccessMapping",
			"lastChangeId":                1,
			"lastChangeId64":              1,
		},
	}, cfg.ResponseBOM)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

var apiVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)(-preview(\.(\d+))?)?$`)

// checkAPIVersion enforces what the service does: a version is required, only
// previews of this resource exist, and only 6.1 to 7.2 are served.
func checkAPIVersion(v string) *core.VersionError {
	v = strings.TrimSpace(v)
	if v == "" {
		return &core.VersionError{TypeKey: "VssVersionNotSpecifiedException", Message: "No api-version was supplied for the request. An api-version of the form 'major.minor[-preview[.resourceVersion]]' is required; the latest version of this resource is 7.2-preview.1."}
	}
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return &core.VersionError{TypeKey: "VssVersionNotParsableException", Message: fmt.Sprintf("The version '%s' cannot be parsed. It must be of the form 'major.minor[-preview[.resourceVersion]]'.", v)}
	}
	version := m[1] + "." + m[2]
	switch version {
	case "6.1", "7.0", "7.1", "7.2":
	default:
		return &core.VersionError{TypeKey: "VssVersionOutOfRangeException", Message: fmt.Sprintf("The requested REST API version of %s is out of range for this server. The latest REST API version this server supports is 7.2.", version)}
	}
	if m[3] == "" {
		return &core.VersionError{TypeKey: "VssInvalidPreviewVersionException", Message: fmt.Sprintf("The requested version \"%s\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"%s-preview\"", version, version)}
	}
	if m[5] != "" && m[5] != "1" {
		return &core.VersionError{TypeKey: "VssVersionOutOfRangeException", Message: fmt.Sprintf("The requested resource version %s of the resource is out of range. The latest resource version this server supports is 1.", m[5])}
	}
	return nil
}
