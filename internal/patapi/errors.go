package patapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/patctl/patctl/internal/printable"
)

// The Error methods escape the service's text (see package printable): it
// reaches the user's terminal.

// SignInError means the service wants a (new) sign-in: it answered 401, 203,
// a redirect, or an HTML page where JSON was due.
type SignInError struct {
	Status  int
	Message string
}

func (e *SignInError) Error() string {
	msg := fmt.Sprintf("Azure DevOps wants a sign-in (HTTP %d", e.Status)
	if e.Message != "" {
		msg += ": " + printable.Escape(e.Message)
	}
	return msg + "); run `patctl login`"
}

// TokenError is a refusal reported as patTokenError on an HTTP 200.
type TokenError struct {
	Code    string // e.g. invalidScope, globalPatPolicyViolation; unknown values are kept
	Message string // patTokenErrorMessage, when the service sends one
}

// tokenErrorText explains the codes people meet most.
var tokenErrorText = map[string]string{
	"displayNameRequired":         "a name is required",
	"invalidDisplayName":          "the name is not valid",
	"invalidValidTo":              "the expiration date is not valid",
	"invalidScope":                "a scope is not valid",
	"invalidTargetAccounts":       "the organization is not valid for this token",
	"authorizationNotFound":       "no such token",
	"invalidAuthorizationId":      "the token id is not valid",
	"globalPatPolicyViolation":    "your organization's policy forbids tokens for all organizations",
	"fullScopePatPolicyViolation": "your organization's policy forbids full-access (app_token) tokens",
	"patLifespanPolicyViolation":  "your organization's policy limits how long a token may live",
	"accessDenied":                "access denied",
}

func (e *TokenError) Error() string {
	msg := "refused by the service: " + printable.Escape(e.Code)
	if text, ok := tokenErrorText[e.Code]; ok {
		msg += " (" + text + ")"
	}
	if e.Message != "" {
		msg += ": " + printable.Escape(e.Message)
	}
	return msg
}

// NotFound reports a refusal that means the token does not exist.
func (e *TokenError) NotFound() bool {
	for _, code := range []string{"authorizationNotFound", "tokenNotFound", "hostAuthorizationNotFound"} {
		if strings.EqualFold(e.Code, code) {
			return true
		}
	}
	return false
}

// Transport reports whether err is a failure of the connection (or of an
// answer that never came whole), rather than an answer from the service: the
// request may then have been carried out.
func Transport(err error) bool {
	var signIn *SignInError
	var token *TokenError
	var api *APIError
	return err != nil && !errors.As(err, &signIn) && !errors.As(err, &token) && !errors.As(err, &api)
}

// NotSentError is a request that failed before all of it was written to the
// connection: the service cannot have acted on it.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// APIError is any other failure status, with the message of Azure DevOps'
// error envelope when it sent one.
type APIError struct {
	Status  int
	Message string
	TypeKey string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + printable.Escape(e.Message)
	}
	return msg
}

// NotFound reports a 404.
func (e *APIError) NotFound() bool { return e.Status == http.StatusNotFound }

// Refused reports a refusal to act: service principals, policies, forbidden.
func (e *APIError) Refused() bool {
	return e.Status == http.StatusForbidden || e.TypeKey == "InvalidAccessException"
}
