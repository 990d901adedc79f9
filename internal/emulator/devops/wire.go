package devops

import (
	"encoding/json"
	"math"
	"time"
)

// Wire structs of the PAT Lifecycle Management API, from the official
// OpenAPI file (ado-tokens-spec/7.1/tokens.json). Kept apart from the client's
// on purpose.

type wirePatToken struct {
	DisplayName     string   `json:"displayName"`
	ValidTo         svcTime  `json:"validTo"`
	Scope           string   `json:"scope"`
	TargetAccounts  []string `json:"targetAccounts"`
	ValidFrom       svcTime  `json:"validFrom"`
	AuthorizationID string   `json:"authorizationId"`
	Token           *string  `json:"token"`
}

type wirePatTokenResult struct {
	PatToken      *wirePatToken `json:"patToken"`
	PatTokenError string        `json:"patTokenError"`
}

type wirePagedPatTokens struct {
	ContinuationToken string         `json:"continuationToken"`
	PatTokens         []wirePatToken `json:"patTokens"`
}

// Request bodies: pointers tell "absent" from "empty", which Update needs.
type wireCreateRequest struct {
	DisplayName *string  `json:"displayName"`
	Scope       *string  `json:"scope"`
	ValidTo     *svcTime `json:"validTo"`
	AllOrgs     *bool    `json:"allOrgs"`
}

type wireUpdateRequest struct {
	AuthorizationID *string  `json:"authorizationId"`
	DisplayName     *string  `json:"displayName"`
	Scope           *string  `json:"scope"`
	ValidTo         *svcTime `json:"validTo"`
	AllOrgs         *bool    `json:"allOrgs"`
}

// svcTime is a timestamp as the service writes it: UTC, "Z", and up to seven
// fractional digits with trailing zeros dropped ("2020-12-01T23:46:23.32Z").
type svcTime struct{ time.Time }

// maxServiceTime is the latest time SQL datetime holds.
var maxServiceTime = time.Date(9999, 12, 31, 23, 59, 59, 997_000_000, time.UTC)

// serviceRound rounds to the 1/300 s resolution of the service's storage
// (SQL datetime), which is why a validTo sent as .319 comes back as .32.
func serviceRound(t time.Time) time.Time {
	t = t.UTC()
	if t.After(maxServiceTime) {
		return maxServiceTime
	}
	sec := t.Truncate(time.Second)
	frac := float64(t.Sub(sec)) / float64(time.Second)
	ticks := math.Round(frac * 300) // 1/300 s units
	// .NET keeps 100 ns ticks: round the exact fraction to that precision.
	ns := int64(math.Round(ticks*1e7/300)) * 100
	return sec.Add(time.Duration(ns))
}

func (t svcTime) MarshalJSON() ([]byte, error) {
	s := t.UTC().Format("2006-01-02T15:04:05.9999999Z")
	return json.Marshal(s)
}

// UnmarshalJSON accepts what ASP.NET's model binding accepts for a DateTime:
// RFC 3339 with any fraction, or no zone at all (taken as UTC).
func (t *svcTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return &time.ParseError{Layout: time.RFC3339, Value: s, Message: ": not a date and time"}
}
