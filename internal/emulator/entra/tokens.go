package entra

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/patctl/patctl/internal/emulator/core"
)

// Scopes that are about the sign-in itself, not a resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// Resource is an application tokens can be asked for: the services that
// accept Entra tokens add theirs with AddResource.
type Resource struct {
	AppID string // the audience of its tokens
	// URIs are other identifiers a scope may name it by.
	URIs []string
}

// graph is Entra ID's own resource, what a sign-in without one gets a token for.
var graph = Resource{AppID: "00000003-0000-0000-c000-000000000000", URIs: []string{"https://graph.microsoft.com"}}

// AddResource makes tokens for r available. Call it before the server serves.
func (e *Service) AddResource(r Resource) {
	for _, id := range append([]string{r.AppID}, r.URIs...) {
		e.resources[strings.ToLower(id)] = r.AppID
	}
}

// grantScopes is what a token request asked for, resolved.
type grantScopes struct {
	requested []string // as sent
	resource  string   // application id of the audience
	scp       []string // delegated permissions granted
	openid    bool
	offline   bool
}

func (e *Service) parseScopes(raw string) (grantScopes, *entraError) {
	g := grantScopes{requested: strings.Fields(raw)}
	if len(g.requested) == 0 {
		return g, errMissingParam("scope")
	}
	for _, s := range g.requested {
		low := strings.ToLower(s)
		if oidcScopes[low] {
			g.openid = g.openid || low == "openid"
			g.offline = g.offline || low == "offline_access"
			continue
		}
		i := strings.LastIndex(s, "/")
		if i <= 0 || i == len(s)-1 {
			return g, errInvalidScope(raw)
		}
		res, ok := e.resources[strings.ToLower(s[:i])]
		if !ok {
			return g, errUnknownResource(s[:i])
		}
		if g.resource != "" && g.resource != res {
			// One access token has one audience.
			return g, errInvalidScope(raw)
		}
		g.resource = res
		if perm := s[i+1:]; perm == ".default" {
			g.scp = append(g.scp, "user_impersonation")
		} else {
			g.scp = append(g.scp, perm)
		}
	}
	if g.resource == "" {
		// Only sign-in scopes: Entra ID issues a Microsoft Graph token.
		g.resource = graph.AppID
		g.scp = []string{"openid", "profile", "email"}
	}
	return g, nil
}

// grantedScopeString is the "scope" of the answer: the resource scopes asked
// for, with .default spelled out as the permissions it stands for.
func (g grantScopes) grantedScopeString() string {
	var out []string
	for _, s := range g.requested {
		if oidcScopes[strings.ToLower(s)] {
			continue
		}
		if strings.HasSuffix(s, "/.default") {
			out = append(out, strings.TrimSuffix(s, ".default")+"user_impersonation")
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// tokenResponse builds the success answer of the token endpoint, including a
// new refresh token that the caller stores.
// tokenResponse issues tokens to user in tenant (the user's own, or one
// where the user is a guest); client_info names the home tenant.
func (e *Service) tokenResponse(cfg *Settings, user User, tenant, clientID string, g grantScopes, wantClientInfo bool) (map[string]any, string) {
	now := e.host.Now()
	home := user.TenantID
	user.TenantID = tenant
	lifetime := time.Duration(cfg.AccessTokenLifetime)
	appOnly := cfg.AppOnlyTokens
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          g.grantedScopeString(),
		"expires_in":     int(lifetime.Seconds()),
		"ext_expires_in": int(lifetime.Seconds()),
		"access_token":   e.sign(accessClaims(user, clientID, g, now, lifetime, appOnly)),
	}
	var refresh string
	if g.offline && !appOnly {
		refresh = core.RandomOpaque("1.AXoA", 64)
		resp["refresh_token"] = refresh
	}
	if g.openid && !appOnly {
		resp["id_token"] = e.sign(e.idClaims(user, clientID, now))
	}
	idToken, _ := resp["id_token"].(string)
	e.remember(resp["access_token"].(string), refresh, idToken)
	if wantClientInfo && !appOnly {
		ci, _ := json.Marshal(map[string]string{"uid": user.ObjectID, "utid": home})
		resp["client_info"] = base64.RawURLEncoding.EncodeToString(ci)
	}
	return resp, refresh
}

func accessClaims(user User, clientID string, g grantScopes, now time.Time, lifetime time.Duration, appOnly bool) jwt.MapClaims {
	c := jwt.MapClaims{
		"aud":   g.resource,
		"iss":   "https://sts.windows.net/" + user.TenantID + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(lifetime).Unix(),
		"appid": clientID,
		"tid":   user.TenantID,
		"uti":   core.RandomOpaque("", 16),
		"ver":   "1.0",
	}
	if appOnly {
		// What a service principal gets from client credentials: no user, no scp.
		spOID := servicePrincipalOID(clientID)
		c["oid"], c["sub"], c["idtyp"], c["appidacr"], c["roles"] = spOID, spOID, "app", "1", []string{}
		return c
	}
	c["oid"], c["sub"], c["upn"], c["unique_name"], c["name"] = user.ObjectID, user.ObjectID, user.UPN, user.UPN, user.Name
	c["idtyp"], c["scp"], c["appidacr"], c["amr"] = "user", strings.Join(g.scp, " "), "0", []string{"pwd", "mfa"}
	return c
}

func (e *Service) idClaims(user User, clientID string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"aud":                clientID,
		"iss":                e.host.URL() + "/" + user.TenantID + "/v2.0",
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(time.Hour).Unix(),
		"name":               user.Name,
		"oid":                user.ObjectID,
		"preferred_username": user.UPN,
		"sub":                user.ObjectID,
		"tid":                user.TenantID,
		"ver":                "2.0",
	}
}

func servicePrincipalOID(clientID string) string {
	sum := sha256.Sum256([]byte("sp:" + clientID))
	b := sum[:16]
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (e *Service) sign(claims jwt.MapClaims) string {
	key, kid := e.host.SigningKey()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		panic(err) // signing with a valid RSA key cannot fail
	}
	return s
}

// Token is a verified access token as a resource server sees it.
type Token struct {
	TenantID string
	OID      string
	UPN      string
	IDType   string
	Scp      string
	AppID    string // the client the token was issued to
}

var errTokenExpired = errors.New("token expired")

// Verify checks a token's signature, audience and lifetime the way a
// resource server does, with five minutes of clock skew, and that it was not
// invalidated: what every service that accepts Entra tokens asks.
func (e *Service) Verify(raw, audience string) (Token, error) {
	key, _ := e.host.SigningKey()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		return &key.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(e.host.Now),
		jwt.WithLeeway(5*time.Minute),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
	)
	if errors.Is(err, jwt.ErrTokenExpired) {
		return Token{}, errTokenExpired
	}
	if err != nil {
		return Token{}, err
	}
	e.mu.Lock()
	invalid := e.invalidTokens[core.HashSecret(raw)]
	e.mu.Unlock()
	if invalid {
		return Token{}, errors.New("token revoked")
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	return Token{TenantID: str("tid"), OID: str("oid"), UPN: str("upn"), IDType: str("idtyp"), Scp: str("scp"), AppID: str("appid")}, nil
}

// jwks is the public signing key in JSON Web Key form.
func jwks(key *rsa.PrivateKey, kid string) map[string]any {
	pub := &key.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA",
		"use": "sig",
		"kid": kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

// AccessToken issues an access token for resource (an app id) to a
// configured user without a sign-in flow, as `az account get-access-token`
// would hand one over.
func (e *Service) AccessToken(upn, resource string) (string, error) {
	cfg := e.config()
	user, ok := cfg.User(upn)
	if !ok {
		return "", fmt.Errorf("no user %q", upn)
	}
	g, _ := e.parseScopes(resource + "/.default")
	tok := e.sign(accessClaims(user, AzureCLIClientID, g, e.host.Now(), time.Duration(cfg.AccessTokenLifetime), cfg.AppOnlyTokens))
	e.remember(tok)
	return tok, nil
}

// InvalidateAccessTokens makes every service refuse every access token issued
// so far, though they have not expired: as after a password reset or a
// Conditional Access change (continuous access evaluation). Clients must get
// new ones. It returns how many.
func (e *Service) InvalidateAccessTokens() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.invalidTokens == nil {
		e.invalidTokens = map[string]bool{}
	}
	n := 0
	for _, tok := range e.issued {
		if strings.Count(tok, ".") == 2 { // JWTs: access and ID tokens
			e.invalidTokens[core.HashSecret(tok)] = true
			n++
		}
	}
	return n
}
