package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/netfail"
	"github.com/patctl/patctl/internal/printable"
)

// SignInRequiredError means the user must run `patctl login` (again).
type SignInRequiredError struct {
	Reason string // what happened, in a sentence
	Hint   string // what the AADSTS code suggests, if anything
	// Remedy is what to do, when not "run `patctl login`" (a login loaded
	// from PATCTL_LOGIN_FROM is replaced by exporting a new one).
	Remedy string
}

func (e *SignInRequiredError) Error() string {
	remedy := e.Remedy
	if remedy == "" {
		remedy = "run `patctl login`"
	}
	msg := e.Reason + "; " + remedy
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// EnvTokenRemedy is what to do when the access token of PATCTL_TOKEN is
// unusable: `patctl login` alone refuses while it is set.
const EnvTokenRemedy = "set a fresh token in " + config.EnvToken + ", or unset " + config.EnvToken + " and run `patctl login`"

// LoginFromError is a failure to read or write the login where
// PATCTL_LOGIN_FROM keeps it (not a login that no longer works: that is a
// SignInRequiredError).
type LoginFromError struct{ Err error }

func (e *LoginFromError) Error() string { return e.Err.Error() }
func (e *LoginFromError) Unwrap() error { return e.Err }

// EntraError is a refusal from Entra ID other than "sign in again".
type EntraError struct {
	Code        string // OAuth error, e.g. invalid_client
	Description string // without the trace and correlation ids
	AADSTS      int
	Hint        string
}

func (e *EntraError) Error() string {
	msg := "Entra ID refused: " + e.Description
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// ErrCancelled means the user interrupted a sign-in.
var ErrCancelled = errors.New("sign-in cancelled")

// hints say in a line what an AADSTS code means for a patctl user.
var hints = map[int]string{
	50076:   "your organization requires multi-factor authentication: sign in again with `patctl login`",
	50079:   "your organization requires multi-factor authentication: sign in again with `patctl login`",
	53003:   "Conditional Access blocked this sign-in; if it was a device-code sign-in, use the browser: `patctl login` without --device-code",
	50005:   "Conditional Access blocks device-code sign-in here: use the browser, `patctl login` without --device-code",
	50097:   "Conditional Access requires a managed device: use the browser on such a device, `patctl login` without --device-code",
	65001:   "the application needs consent: sign in in the browser to grant it, or ask an administrator to",
	700082:  "the login expired after about 90 days without use",
	50173:   "the login was revoked, for instance by a password change",
	7000218: "the client id is not a public client: use an app registration with 'Allow public client flows' on, or unset PATCTL_CLIENT_ID",
	700016:  "the client id is not known in this tenant: check PATCTL_CLIENT_ID and PATCTL_AUTHORITY",
	90002:   "the tenant is not known: check PATCTL_AUTHORITY",
}

// entraBody is the JSON of an Entra ID token-endpoint error.
type entraBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// classify turns what MSAL returned into one of this package's errors where
// it can, keeping the original otherwise.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return ErrCancelled
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// No answer from Entra ID: MSAL's message carries the whole URL.
		return netfail.FromURLError("Entra ID", urlErr)
	}
	if errors.Is(err, credstore.ErrNotFound) || errors.Is(err, credstore.ErrCorrupt) {
		return &SignInRequiredError{Reason: "the stored login cannot be read (" + err.Error() + ")"}
	}
	var call msalerrors.CallErr
	if !errors.As(err, &call) || call.Resp == nil || call.Resp.Body == nil {
		if strings.Contains(err.Error(), "no token found") || strings.Contains(err.Error(), "no account") {
			return &SignInRequiredError{Reason: "no usable login is stored"}
		}
		return err
	}
	data, _ := io.ReadAll(io.LimitReader(call.Resp.Body, 1<<16))
	if len(bytes.TrimSpace(data)) == 0 {
		// MSAL may have read the body already (it does while polling a
		// device code); its message ends with the body.
		if i := strings.Index(err.Error(), "{"); i >= 0 {
			data = []byte(err.Error()[i:])
		}
	}
	var body entraBody
	if json.Unmarshal(data, &body) != nil || body.Error == "" {
		return fmt.Errorf("Entra ID answered HTTP %d", call.Resp.StatusCode)
	}
	code := 0
	if len(body.Codes) > 0 {
		code = body.Codes[0]
	}
	// Entra's words reach the user's terminal in the messages below.
	desc := printable.Escape(shortDescription(body.Description))
	switch body.Error {
	case "invalid_grant", "interaction_required", "consent_required", "login_required":
		return &SignInRequiredError{Reason: "the login is no longer valid: " + desc, Hint: hints[code]}
	case "authorization_declined", "access_denied":
		return &SignInRequiredError{Reason: "the sign-in was declined: " + desc}
	case "expired_token":
		return &SignInRequiredError{Reason: "the device code expired before it was entered: " + desc}
	}
	return &EntraError{Code: body.Error, Description: desc, AADSTS: code, Hint: hints[code]}
}

// shortDescription keeps the first sentence block of an Entra description,
// without the trace id, correlation id and timestamp that follow.
func shortDescription(d string) string {
	for _, cut := range []string{" Trace ID:", "\r\nTrace ID:", "\nTrace ID:"} {
		if i := strings.Index(d, cut); i >= 0 {
			d = d[:i]
		}
	}
	return strings.TrimSpace(d)
}
