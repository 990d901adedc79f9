package emulator

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

	"github.com/patctl/patctl/internal/emulator/keyvault"
)

// Scopes that are about the sign-in itself, not a resource.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

// Resources the emulated tenant knows, by the identifiers a scope may use.
var knownResources = map[string]string{
	AzureDevOpsResource:                    AzureDevOpsResource,
	"https://app.vssps.visualstudio.com":   AzureDevOpsResource,
	"00000003-0000-0000-c000-000000000000": "00000003-0000-0000-c000-000000000000",
	"https://graph.microsoft.com":          "00000003-0000-0000-c000-000000000000",
	keyvault.Resource:                      keyvault.Resource,
}

// grantScopes is what a token request asked for, resolved.
type grantScopes struct {
	requested []string // as sent
	resource  string   // application id of the audience
	scp       []string // delegated permissions granted
	openid    bool
	offline   bool
}

func parseScopes(raw string) (grantScopes, *entraError) {
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
		res, ok := knownResources[strings.ToLower(s[:i])]
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
		g.resource = "00000003-0000-0000-c000-000000000000"
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
func (e *Emulator) tokenResponse(cfg *Config, user User, clientID string, g grantScopes, wantClientInfo bool) (map[string]any, string) {
	now := e.Now()
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
		refresh = randomOpaque("1.AXoA", 64)
		resp["refresh_token"] = refresh
	}
	if g.openid && !appOnly {
		resp["id_token"] = e.sign(e.idClaims(user, clientID, now))
	}
	idToken, _ := resp["id_token"].(string)
	e.remember(resp["access_token"].(string), refresh, idToken)
	if wantClientInfo && !appOnly {
		ci, _ := json.Marshal(map[string]string{"uid": user.ObjectID, "utid": user.TenantID})
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
		"uti":   randomOpaque("", 16),
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

func (e *Emulator) idClaims(user User, clientID string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"aud":                clientID,
		"iss":                e.url + "/" + user.TenantID + "/v2.0",
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

func (e *Emulator) sign(claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = e.keys.keyID
	s, err := tok.SignedString(e.keys.signingKey)
	if err != nil {
		panic(err) // signing with a valid RSA key cannot fail
	}
	return s
}

// accessToken is a verified access token as Azure DevOps sees it.
type accessToken struct {
	TenantID string
	OID      string
	UPN      string
	IDType   string
	Scp      string
	AppID    string
}

var errTokenExpired = errors.New("token expired")

// verifyAccessToken checks signature, audience and lifetime the way a resource
// server does, with five minutes of clock skew.
func (e *Emulator) verifyAccessToken(raw string) (accessToken, error) {
	return e.verifyToken(raw, AzureDevOpsResource)
}

// verifyToken is verifyAccessToken for any audience.
func (e *Emulator) verifyToken(raw, audience string) (accessToken, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		return &e.keys.signingKey.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(e.Now),
		jwt.WithLeeway(5*time.Minute),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
	)
	if errors.Is(err, jwt.ErrTokenExpired) {
		return accessToken{}, errTokenExpired
	}
	if err != nil {
		return accessToken{}, err
	}
	e.mu.Lock()
	invalid := e.invalidTokens[hashSecret(raw)]
	e.mu.Unlock()
	if invalid {
		return accessToken{}, errors.New("token revoked")
	}
	str := func(k string) string { s, _ := claims[k].(string); return s }
	return accessToken{TenantID: str("tid"), OID: str("oid"), UPN: str("upn"), IDType: str("idtyp"), Scp: str("scp"), AppID: str("appid")}, nil
}

// jwks is the public signing key in JSON Web Key form.
func (k loadedKeys) jwks() map[string]any {
	pub := &k.signingKey.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA",
		"use": "sig",
		"kid": k.keyID,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

func keyIDOf(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(pub.N.Bytes())
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}

// AccessToken issues an Azure DevOps access token for a configured user
// without a sign-in flow, as `az account get-access-token` would hand one over.
func (e *Emulator) AccessToken(upn string) (string, error) {
	cfg := e.Config()
	user, ok := cfg.user(upn)
	if !ok {
		return "", fmt.Errorf("no user %q", upn)
	}
	g, _ := parseScopes(AzureDevOpsResource + "/.default")
	tok := e.sign(accessClaims(user, AzureCLIClientID, g, e.Now(), time.Duration(cfg.AccessTokenLifetime), cfg.AppOnlyTokens))
	e.remember(tok)
	return tok, nil
}

// InvalidateAccessTokens makes Azure DevOps refuse every access token issued
// so far, though they have not expired: as after a password reset or a
// Conditional Access change (continuous access evaluation). Clients must get
// new ones. It returns how many.
func (e *Emulator) InvalidateAccessTokens() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.invalidTokens == nil {
		e.invalidTokens = map[string]bool{}
	}
	n := 0
	for _, s := range e.issued {
		if strings.Count(s, ".") == 2 { // JWTs: access and ID tokens
			e.invalidTokens[hashSecret(s)] = true
			n++
		}
	}
	return n
}
