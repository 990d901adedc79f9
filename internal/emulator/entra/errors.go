package entra

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/patctl/patctl/internal/emulator/core"
)

// entraError is an OAuth error as Entra ID sends it: an OAuth error code, an
// AADSTS number and a description that starts with that number.
type entraError struct {
	status   int
	code     string // OAuth "error"
	aadsts   int
	message  string
	suberror string
}

func (e *entraError) Error() string {
	return fmt.Sprintf("%s: AADSTS%d: %s", e.code, e.aadsts, e.message)
}

func aadsts(status int, code string, number int, format string, args ...any) *entraError {
	return &entraError{status: status, code: code, aadsts: number, message: fmt.Sprintf(format, args...)}
}

// The AADSTS errors the emulator can produce. Numbers and OAuth codes are
// Entra ID's; the descriptions are short paraphrases.
func errTenantNotFound(t string) *entraError {
	return aadsts(400, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t)
}
func errMissingParam(p string) *entraError {
	return aadsts(400, "invalid_request", 900144, "The request body must contain the following parameter: '%s'.", p)
}
func errUnknownClient(id, tenant string) *entraError {
	return aadsts(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'.", id, tenant)
}
func errNotPublicClient() *entraError {
	return aadsts(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}
func errUnsupportedGrant(g string) *entraError {
	return aadsts(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", g)
}
func errInvalidScope(s string) *entraError {
	return aadsts(400, "invalid_scope", 70011, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '%s'.", s)
}
func errUnknownResource(r string) *entraError {
	return aadsts(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant.", r)
}
func errUserNotInTenant(upn, tenant string) *entraError {
	return aadsts(400, "invalid_grant", 50020, "User account '%s' from identity provider does not exist in tenant '%s' and cannot access the application.", upn, tenant)
}
func errMalformedGrant() *entraError {
	return aadsts(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
}
func errGrantUsed() *entraError {
	return aadsts(400, "invalid_grant", 70000, "The provided grant is invalid or has already been used.")
}
func errGrantRevoked() *entraError {
	return aadsts(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
}
func errRefreshExpired() *entraError {
	return aadsts(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", "an earlier date")
}
func errCodeExpired() *entraError {
	return aadsts(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
}
func errCodeRedeemed() *entraError {
	return aadsts(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
}
func errRedirectMismatch() *entraError {
	return aadsts(400, "invalid_grant", 500112, "The reply address does not match the reply address provided when requesting Authorization code.")
}
func errPKCEMismatch() *entraError {
	return aadsts(400, "invalid_grant", 50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.")
}
func errRedirectNotRegistered(uri, client string) *entraError {
	return aadsts(400, "invalid_request", 50011, "The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'.", uri, client)
}
func errClientMismatch() *entraError {
	return aadsts(400, "invalid_grant", 70000, "The request was denied because one or more grants are invalid: the grant was issued to a different client.")
}
func errPending() *entraError {
	return aadsts(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
}
func errDeviceDeclined() *entraError {
	return aadsts(400, "authorization_declined", 70000, "The user declined the authorization request.")
}
func errDeviceExpired() *entraError {
	return aadsts(400, "expired_token", 70019, "Verification code expired.")
}
func errBadDeviceCode() *entraError {
	return aadsts(400, "bad_verification_code", 70000, "The provided device code is not recognized.")
}

// azureDevOps is the resource the MFA error names: the one patctl signs in to.
const azureDevOps = "499b84ac-1321-427f-aa17-267ca6975798"

// Errors that tests switch on to exercise a client's hints.
var injectableErrors = map[int]*entraError{
	50076:   {status: 400, code: "interaction_required", aadsts: 50076, message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '" + azureDevOps + "'.", suberror: "basic_action"},
	53003:   {status: 400, code: "invalid_grant", aadsts: 53003, message: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."},
	65001:   {status: 400, code: "invalid_grant", aadsts: 65001, message: "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.", suberror: "consent_required"},
	700082:  errRefreshExpired(),
	7000218: errNotPublicClient(),
	50173:   errGrantRevoked(),
}

// InjectGrantError makes every token request of grant type (or of every grant
// when grantType is "") fail with the given AADSTS error until cleared with
// number 0. Known numbers: 50076, 53003, 65001, 700082, 7000218, 50173.
func (e *Service) InjectGrantError(grantType string, number int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.grantErrors == nil {
		e.grantErrors = map[string]int{}
	}
	if number == 0 {
		delete(e.grantErrors, grantType)
		return nil
	}
	if _, ok := injectableErrors[number]; !ok {
		return fmt.Errorf("AADSTS%d is not one the emulator can produce", number)
	}
	e.grantErrors[grantType] = number
	return nil
}

// writeEntraError answers in the shape of Entra ID's token endpoint errors.
func (e *Service) writeEntraError(w http.ResponseWriter, err *entraError) {
	now := e.host.Now().UTC()
	trace, corr := core.RandomUUID(), core.RandomUUID()
	desc := fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
		err.aadsts, err.message, trace, corr, now.Format("2006-01-02 15:04:05Z"))
	body := map[string]any{
		"error":             err.code,
		"error_description": desc,
		"error_codes":       []int{err.aadsts},
		"timestamp":         now.Format("2006-01-02 15:04:05Z"),
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         e.host.URL() + "/error?code=" + strconv.Itoa(err.aadsts),
	}
	if err.suberror != "" {
		body["suberror"] = err.suberror
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	core.WriteJSON(w, err.status, body)
}
