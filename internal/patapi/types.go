// Package patapi is a client of Azure DevOps' PAT Lifecycle Management API
// (area Tokens, resource Pats). It knows nothing of sign-in: it takes an
// *http.Client that already carries the bearer token.
package patapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// APIVersion is the version of the API patctl speaks.
const APIVersion = "7.1-preview.1"

// PatToken is a personal access token as the service describes it.
type PatToken struct {
	AuthorizationID string   `json:"authorizationId"`
	DisplayName     string   `json:"displayName"`
	Scope           string   `json:"scope"`
	TargetAccounts  []string `json:"targetAccounts"` // nil: valid in all of the user's organizations
	ValidFrom       Time     `json:"validFrom"`
	ValidTo         Time     `json:"validTo"`
	// Token is the secret; the service sends it only in Create's answer.
	Token string `json:"token"`
	// Status is which of the service's sets the token was listed in
	// (StatusActive, StatusExpired, StatusRevoked); "" when it was not read
	// through a list (Get, Create, Update). The service's token has no such
	// field: it is patctl's, and never sent.
	Status string `json:"-"`
}

// A token's status: the sets List filters by (displayFilterOption).
const (
	StatusActive  = "active"
	StatusExpired = "expired"
	StatusRevoked = "revoked"
)

// StatusAt is the token's status: the set it was listed in, else what its
// expiry says at now (a token read with Get may also have been revoked:
// Client.Status tells).
func (p PatToken) StatusAt(now time.Time) string {
	switch {
	case p.Status != "":
		return p.Status
	case !p.ValidTo.IsZero() && !p.ValidTo.After(now):
		return StatusExpired
	}
	return StatusActive
}

// AllOrgs reports whether the token is valid in every organization of the user.
func (p PatToken) AllOrgs() bool { return p.TargetAccounts == nil }

// Lifetime is how long the token was made to last; 0 when the service did
// not say when it was created.
func (p PatToken) Lifetime() time.Duration {
	if p.ValidFrom.IsZero() || p.ValidTo.IsZero() {
		return 0
	}
	return p.ValidTo.Sub(p.ValidFrom.Time)
}

// Scopes are the token's scopes, one per element.
func (p PatToken) Scopes() []string { return strings.Fields(p.Scope) }

// CreateRequest is the body of Create.
type CreateRequest struct {
	DisplayName string    `json:"displayName"`
	Scope       string    `json:"scope"`
	ValidTo     time.Time `json:"validTo"`
	AllOrgs     bool      `json:"allOrgs"`
}

// UpdateRequest is the body of Update; nil fields are left as they are.
type UpdateRequest struct {
	AuthorizationID string     `json:"authorizationId"`
	DisplayName     *string    `json:"displayName,omitempty"`
	Scope           *string    `json:"scope,omitempty"`
	ValidTo         *time.Time `json:"validTo,omitempty"`
	AllOrgs         *bool      `json:"allOrgs,omitempty"`
}

// patTokenResult is the answer of Get, Create and Update.
type patTokenResult struct {
	PatToken             *PatToken `json:"patToken"`
	PatTokenError        string    `json:"patTokenError"`
	PatTokenErrorMessage string    `json:"patTokenErrorMessage"` // since 7.2
}

// pagedPatTokens is a page of List. A continuation token of "", null or
// absent means the last page.
type pagedPatTokens struct {
	ContinuationToken *string    `json:"continuationToken"`
	PatTokens         []PatToken `json:"patTokens"`
}

// Time reads the service's timestamps leniently: UTC with "Z" and zero to
// seven fractional digits, and tolerates a missing zone (taken as UTC).
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"}

func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a time must be a string: %w", err)
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not a time", s)
}

func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}
