package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// TokenClaims are the claims of an access token that patctl shows. They are
// read without checking the signature: only Azure DevOps needs to trust them.
type TokenClaims struct {
	UPN      string `json:"upn"`
	Username string `json:"preferred_username"`
	Name     string `json:"name"`
	TenantID string `json:"tid"`
	AppID    string `json:"appid"`
	IDType   string `json:"idtyp"`
	Exp      int64  `json:"exp"`
}

// Account is the best name the token has for its user.
func (c TokenClaims) Account() string {
	if c.UPN != "" {
		return c.UPN
	}
	return c.Username
}

// Expiry is when the token expires; zero if it does not say.
func (c TokenClaims) Expiry() time.Time {
	if c.Exp == 0 {
		return time.Time{}
	}
	return time.Unix(c.Exp, 0).UTC()
}

// ParseClaims decodes the payload of a JWT.
func ParseClaims(jwt string) (TokenClaims, error) {
	var c TokenClaims
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return c, errors.New("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c, errors.New("not a JWT")
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errors.New("not a JWT")
	}
	return c, nil
}
