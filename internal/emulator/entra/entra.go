package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/emulator/core"
)

const (
	deviceCodeGrantURN = "urn:ietf:params:oauth:grant-type:device_code" // RFC 8628, sent by other MSAL libraries
	authCodeLifetime   = 10 * time.Minute
	deviceCodeLifetime = 15 * time.Minute
)

// tenantSegment is the first path segment of an Entra URL resolved: a tenant,
// or one of the multi-tenant aliases (then tenant is empty).
type tenantSegment struct {
	name   string
	tenant Tenant
	multi  bool
}

func (cfg *Settings) resolveTenant(segment string) (tenantSegment, *entraError) {
	switch strings.ToLower(segment) {
	case "organizations", "common":
		return tenantSegment{name: strings.ToLower(segment), multi: true}, nil
	}
	t, ok := cfg.Tenant(segment)
	if !ok {
		return tenantSegment{}, errTenantNotFound(segment)
	}
	return tenantSegment{name: t.ID, tenant: t}, nil
}

// admits reports whether a user may sign in through this tenant segment.
func (ts tenantSegment) admits(u User) bool {
	return ts.multi || strings.EqualFold(ts.tenant.ID, u.TenantID) || slices.Contains(ts.tenant.Guests, u.ObjectID)
}

// issuingTenant is the tenant a user's tokens come from through this
// segment: the one named, or through an alias the user's own.
func (ts tenantSegment) issuingTenant(u User) string {
	if ts.multi {
		return u.TenantID
	}
	return ts.tenant.ID
}

func (e *Service) handleOpenIDConfig(w http.ResponseWriter, r *http.Request, segment string) {
	cfg := e.config()
	ts, err := cfg.resolveTenant(segment)
	if err != nil {
		// Entra ID names this error differently on the metadata endpoint.
		err.code = "invalid_tenant"
		e.writeEntraError(w, err)
		return
	}
	issuerTenant := ts.tenant.ID
	if ts.multi {
		issuerTenant = "{tenantid}"
	}
	base := e.host.URL() + "/" + ts.name
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                e.host.URL() + "/" + issuerTenant + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username", "name", "tid", "ver", "email"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

func (e *Service) handleKeys(w http.ResponseWriter, _ *http.Request) {
	core.WriteJSON(w, http.StatusOK, jwks(e.host.SigningKey()))
}

// handleAuthorize signs in the browser's user at once (as when a session
// already exists) and answers the way Entra ID does: for form_post an HTML
// page that posts code and state to the redirect URI, else a redirect.
func (e *Service) handleAuthorize(w http.ResponseWriter, r *http.Request, segment string) {
	cfg := e.config()
	q := r.URL.Query()
	ts, eerr := cfg.resolveTenant(segment)
	if eerr != nil {
		e.writeAuthorizeErrorPage(w, eerr)
		return
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		e.writeAuthorizeErrorPage(w, errMissingParam("client_id"))
		return
	}
	client, ok := cfg.client(clientID)
	if !ok {
		e.writeAuthorizeErrorPage(w, errUnknownClient(clientID, ts.name))
		return
	}
	redirect := q.Get("redirect_uri")
	if !redirectAllowed(client, redirect) {
		// Never send anything to a redirect URI the app did not register.
		e.writeAuthorizeErrorPage(w, errRedirectNotRegistered(redirect, clientID))
		return
	}
	mode := q.Get("response_mode")
	if mode == "" {
		mode = "query"
	}
	state := q.Get("state")
	fail := func(err *entraError) {
		e.redirectResult(w, r, redirect, mode, url.Values{
			"error":             {err.code},
			"error_description": {fmt.Sprintf("AADSTS%d: %s", err.aadsts, err.message)},
			"state":             {state},
		})
	}
	if q.Get("response_type") != "code" {
		fail(aadsts(400, "unsupported_response_type", 700054, "response_type '%s' is not enabled for the application.", q.Get("response_type")))
		return
	}
	scopes, eerr := e.parseScopes(q.Get("scope"))
	if eerr != nil {
		fail(eerr)
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method != "S256" && method != "plain" && method != "" {
		fail(aadsts(400, "invalid_request", 501491, "Invalid code_challenge_method '%s'.", method))
		return
	}
	user, ok := cfg.browserUser(q.Get("login_hint"))
	if !ok {
		fail(aadsts(400, "invalid_grant", 50034, "The user account %s does not exist in the directory.", q.Get("login_hint")))
		return
	}
	if !ts.admits(user) {
		fail(errUserNotInTenant(user.UPN, ts.name))
		return
	}
	if method == "" && challenge != "" {
		method = "plain"
	}
	code := core.RandomOpaque("1.AXoA", 96)
	e.remember(code)
	e.mu.Lock()
	e.st.AuthCodes[core.HashSecret(code)] = &authCode{
		UserOID: user.ObjectID, ClientID: client.ID, RedirectURI: redirect, Scopes: scopes.requested,
		Challenge: challenge, ChallengeMeth: method, Expires: e.host.Now().Add(authCodeLifetime),
	}
	e.save()
	e.mu.Unlock()
	e.redirectResult(w, r, redirect, mode, url.Values{"code": {code}, "state": {state}, "session_state": {core.RandomUUID()}})
}

// redirectAllowed follows Entra ID's loopback rule: for http://localhost and
// 127.0.0.1 the port is ignored (RFC 8252, section 7.3).
func redirectAllowed(c Client, redirect string) bool {
	u, err := url.Parse(redirect)
	if err != nil || redirect == "" {
		return false
	}
	for _, allowed := range c.RedirectURIs {
		a, err := url.Parse(allowed)
		if err != nil {
			continue
		}
		loopback := u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")
		if loopback && a.Scheme == "http" && a.Hostname() == u.Hostname() && strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return true
		}
		if allowed == redirect {
			return true
		}
	}
	return false
}

var formPostPage = template.Must(template.New("formpost").Parse(`<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="{{.Action}}">{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}" />{{end}}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script language="javascript">document.forms[0].submit();</script></body></html>`))

func (e *Service) redirectResult(w http.ResponseWriter, r *http.Request, redirect, mode string, v url.Values) {
	fields := map[string]string{}
	for k := range v {
		if v.Get(k) != "" {
			fields[k] = v.Get(k)
		}
	}
	switch mode {
	case "form_post":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store, no-cache")
		w.WriteHeader(http.StatusOK)
		_ = formPostPage.Execute(w, map[string]any{"Action": redirect, "Fields": fields})
	case "fragment":
		http.Redirect(w, r, redirect+"#"+v.Encode(), http.StatusFound)
	default:
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		http.Redirect(w, r, redirect+sep+v.Encode(), http.StatusFound)
	}
}

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><div id="error"><p>Sorry, but we're having trouble signing you in.</p><p>AADSTS{{.Number}}: {{.Message}}</p></div></body></html>`))

func (e *Service) writeAuthorizeErrorPage(w http.ResponseWriter, err *entraError) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, map[string]any{"Number": err.aadsts, "Message": err.message})
}

func (e *Service) handleDeviceCode(w http.ResponseWriter, r *http.Request, segment string) {
	cfg := e.config()
	if err := r.ParseForm(); err != nil {
		e.writeEntraError(w, errMissingParam("client_id"))
		return
	}
	ts, eerr := cfg.resolveTenant(segment)
	if eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		e.writeEntraError(w, errMissingParam("client_id"))
		return
	}
	if _, ok := cfg.client(clientID); !ok {
		e.writeEntraError(w, errUnknownClient(clientID, ts.name))
		return
	}
	scopes, eerr := e.parseScopes(r.PostForm.Get("scope"))
	if eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	device := core.RandomOpaque("DAQABAAEAAA", 96)
	userCode := strings.ToUpper(core.RandomCode(9))
	e.remember(device)
	e.mu.Lock()
	e.st.DeviceCodes[core.HashSecret(device)] = &deviceCode{
		UserCode: core.HashSecret(userCode), ClientID: clientID, Scopes: scopes.requested, Tenant: ts.name,
		Expires: e.host.Now().Add(deviceCodeLifetime),
	}
	e.save()
	e.mu.Unlock()
	verify := e.host.URL() + "/devicelogin"
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"user_code":        userCode,
		"device_code":      device,
		"verification_uri": verify,
		"expires_in":       int(deviceCodeLifetime.Seconds()),
		"interval":         5,
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, userCode),
	})
}

var deviceLoginPage = template.Must(template.New("devicelogin").Parse(`<!DOCTYPE html><html><head><title>Enter code</title></head><body><h1>Enter code</h1><p>{{.Message}}</p><form method="POST" action="/devicelogin"><input name="otc" placeholder="Code" /><input type="submit" value="Next" /></form></body></html>`))

// handleDeviceLogin is the page a person opens to approve a device code, as
// the browser's user.
func (e *Service) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	msg := "Enter the code displayed on your app or device."
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		if e.ApproveDeviceCode(r.PostForm.Get("otc")) {
			msg = "You have signed in. You may now close this window."
		} else {
			msg = "That code didn't work. Check the code and try again."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = deviceLoginPage.Execute(w, map[string]string{"Message": msg})
}

// ApproveDeviceCode approves a pending device code as the browser's user.
func (e *Service) ApproveDeviceCode(userCode string) bool {
	cfg := e.config()
	e.mu.Lock()
	defer e.mu.Unlock()
	user, ok := cfg.browserUser("")
	if !ok {
		return false
	}
	hashed := core.HashSecret(strings.ToUpper(strings.TrimSpace(userCode)))
	for _, dc := range e.st.DeviceCodes {
		if dc.UserCode == hashed && !dc.Redeemed && e.host.Now().Before(dc.Expires) {
			dc.Approved = user.ObjectID
			e.save()
			return true
		}
	}
	return false
}

// RevokeSessions revokes every refresh token of a user, as a password reset
// or an administrator's "revoke sessions" does. It returns how many.
func (e *Service) RevokeSessions(upn string) int {
	cfg := e.config()
	e.mu.Lock()
	defer e.mu.Unlock()
	user, ok := cfg.User(upn)
	if !ok {
		return 0
	}
	n := 0
	for _, rt := range e.st.RefreshTokens {
		if rt.UserOID == user.ObjectID && !rt.Revoked {
			rt.Revoked = true
			n++
		}
	}
	e.save()
	return n
}

func (e *Service) handleToken(w http.ResponseWriter, r *http.Request, segment string) {
	cfg := e.config()
	if err := r.ParseForm(); err != nil {
		e.writeEntraError(w, errMissingParam("grant_type"))
		return
	}
	form := r.PostForm
	ts, eerr := cfg.resolveTenant(segment)
	if eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	grant := form.Get("grant_type")
	if grant == "" {
		e.writeEntraError(w, errMissingParam("grant_type"))
		return
	}
	clientID := form.Get("client_id")
	if clientID == "" {
		e.writeEntraError(w, errMissingParam("client_id"))
		return
	}
	client, ok := cfg.client(clientID)
	if !ok {
		e.writeEntraError(w, errUnknownClient(clientID, ts.name))
		return
	}
	e.mu.Lock()
	injected, hasInjected := e.grantErrors[grant]
	if !hasInjected {
		injected, hasInjected = e.grantErrors[""]
	}
	e.mu.Unlock()
	if hasInjected {
		e.writeEntraError(w, injectableErrors[injected])
		return
	}
	if grant == "client_credentials" {
		e.clientCredentials(w, &cfg, client, ts, form)
		return
	}
	if client.Confidential && subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(client.Secret)) != 1 {
		e.writeEntraError(w, errNotPublicClient())
		return
	}

	var userOID string
	var scopes grantScopes
	var spend func() *entraError
	switch grant {
	case "authorization_code":
		userOID, scopes, spend, eerr = e.redeemAuthCode(client, form)
	case "refresh_token":
		userOID, scopes, spend, eerr = e.redeemRefreshToken(client, form, cfg.ReusableRefreshTokens)
	case "device_code", deviceCodeGrantURN:
		userOID, scopes, spend, eerr = e.redeemDeviceCode(&cfg, client, form)
	default:
		eerr = errUnsupportedGrant(grant)
	}
	if eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	user, ok := cfg.UserByOID(userOID)
	if !ok {
		e.writeEntraError(w, errGrantRevoked())
		return
	}
	if !ts.admits(user) {
		e.writeEntraError(w, errUserNotInTenant(user.UPN, ts.name))
		return
	}
	// The grant is used up only by a request that gets tokens for it.
	if eerr := spend(); eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	resp, refresh := e.tokenResponse(&cfg, user, ts.issuingTenant(user), client.ID, scopes, form.Get("client_info") == "1")
	if refresh != "" {
		e.mu.Lock()
		e.st.RefreshTokens[core.HashSecret(refresh)] = &refreshGrant{
			UserOID: user.ObjectID, ClientID: client.ID, Scopes: scopes.requested,
			Expires: e.host.Now().Add(time.Duration(cfg.RefreshTokenLifetime)),
		}
		e.save()
		e.mu.Unlock()
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	core.WriteJSON(w, http.StatusOK, resp)
}

// The redeem functions check a grant and return a spend function that uses it
// up, to be called once everything else about the request has been checked.

func (e *Service) redeemAuthCode(client Client, form url.Values) (string, grantScopes, func() *entraError, *entraError) {
	code := form.Get("code")
	if code == "" {
		return "", grantScopes{}, nil, errMissingParam("code")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ac, ok := e.st.AuthCodes[core.HashSecret(code)]
	switch {
	case !ok:
		return "", grantScopes{}, nil, errMalformedGrant()
	case ac.Used:
		return "", grantScopes{}, nil, errCodeRedeemed()
	case !e.host.Now().Before(ac.Expires):
		return "", grantScopes{}, nil, errCodeExpired()
	case !strings.EqualFold(ac.ClientID, client.ID):
		return "", grantScopes{}, nil, errClientMismatch()
	case form.Get("redirect_uri") != ac.RedirectURI:
		return "", grantScopes{}, nil, errRedirectMismatch()
	}
	if ac.Challenge != "" {
		verifier := form.Get("code_verifier")
		want := verifier
		if ac.ChallengeMeth == "S256" {
			sum := sha256.Sum256([]byte(verifier))
			want = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if verifier == "" || subtle.ConstantTimeCompare([]byte(want), []byte(ac.Challenge)) != 1 {
			return "", grantScopes{}, nil, errPKCEMismatch()
		}
	}
	scopes, err := e.scopesOfGrant(form.Get("scope"), ac.Scopes)
	return ac.UserOID, scopes, func() *entraError {
		e.mu.Lock()
		defer e.mu.Unlock()
		if ac.Used {
			return errCodeRedeemed()
		}
		ac.Used = true
		e.save()
		return nil
	}, err
}

// scopesOfGrant uses the scope of the token request when given, else the
// scope of the original grant.
func (e *Service) scopesOfGrant(requested string, original []string) (grantScopes, *entraError) {
	if strings.TrimSpace(requested) == "" {
		requested = strings.Join(original, " ")
	}
	return e.parseScopes(requested)
}

func (e *Service) redeemRefreshToken(client Client, form url.Values, reusable bool) (string, grantScopes, func() *entraError, *entraError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return "", grantScopes{}, nil, errMissingParam("refresh_token")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.st.RefreshTokens[core.HashSecret(rt)]
	switch {
	case !ok:
		return "", grantScopes{}, nil, errMalformedGrant()
	case g.Revoked:
		return "", grantScopes{}, nil, errGrantRevoked()
	case g.Used:
		return "", grantScopes{}, nil, errGrantUsed()
	case !e.host.Now().Before(g.Expires):
		return "", grantScopes{}, nil, errRefreshExpired()
	case !strings.EqualFold(g.ClientID, client.ID):
		return "", grantScopes{}, nil, errClientMismatch()
	}
	scopes, err := e.scopesOfGrant(form.Get("scope"), g.Scopes)
	spend := func() *entraError {
		if reusable {
			return nil
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if g.Used {
			return errGrantUsed()
		}
		g.Used = true
		e.save()
		return nil
	}
	return g.UserOID, scopes, spend, err
}

func (e *Service) redeemDeviceCode(cfg *Settings, client Client, form url.Values) (string, grantScopes, func() *entraError, *entraError) {
	code := form.Get("device_code")
	if code == "" {
		return "", grantScopes{}, nil, errMissingParam("device_code")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	dc, ok := e.st.DeviceCodes[core.HashSecret(code)]
	if !ok || !strings.EqualFold(dc.ClientID, client.ID) {
		return "", grantScopes{}, nil, errBadDeviceCode()
	}
	if dc.Redeemed {
		return "", grantScopes{}, nil, errGrantUsed()
	}
	if !e.host.Now().Before(dc.Expires) {
		return "", grantScopes{}, nil, errDeviceExpired()
	}
	dc.Polls++
	defer e.save()
	if dc.Approved == "" {
		switch cfg.DeviceCodeOutcome {
		case DeviceCodeAccessDenied:
			return "", grantScopes{}, nil, errDeviceDeclined()
		case DeviceCodeExpired:
			return "", grantScopes{}, nil, errDeviceExpired()
		case DeviceCodePending:
			return "", grantScopes{}, nil, errPending()
		default:
			if dc.Polls <= cfg.ApproveAfterPolls {
				return "", grantScopes{}, nil, errPending()
			}
			user, ok := cfg.browserUser("")
			if !ok {
				return "", grantScopes{}, nil, errPending()
			}
			dc.Approved = user.ObjectID
		}
	}
	scopes, err := e.parseScopes(strings.Join(dc.Scopes, " "))
	return dc.Approved, scopes, func() *entraError {
		e.mu.Lock()
		defer e.mu.Unlock()
		if dc.Redeemed {
			return errGrantUsed()
		}
		dc.Redeemed = true
		e.save()
		return nil
	}, err
}

// clientCredentials issues an app-only token, as Entra ID does for a service
// principal with a secret. Azure DevOps' PAT API refuses such tokens.
func (e *Service) clientCredentials(w http.ResponseWriter, cfg *Settings, client Client, ts tenantSegment, form url.Values) {
	if !client.Confidential || client.Secret == "" ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(client.Secret)) != 1 {
		e.writeEntraError(w, aadsts(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."))
		return
	}
	if ts.multi {
		e.writeEntraError(w, aadsts(400, "invalid_request", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier and a tenant-specific authority."))
		return
	}
	scopes, eerr := e.parseScopes(form.Get("scope"))
	if eerr != nil {
		e.writeEntraError(w, eerr)
		return
	}
	app := *cfg
	app.AppOnlyTokens = true
	resp, _ := e.tokenResponse(&app, User{TenantID: ts.tenant.ID}, ts.tenant.ID, client.ID, scopes, false)
	delete(resp, "scope")
	core.WriteJSON(w, http.StatusOK, resp)
}
