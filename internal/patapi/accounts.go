package patapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The Profile and Accounts APIs say who the signed-in user is and which
// organizations they belong to. They live on one host of their own,
// app.vssps.visualstudio.com ({org}.vssps.visualstudio.com answers 404), and
// take the same Entra token as the PAT API: Azure DevOps is one resource.

// DefaultAccountsURL is where the Profile and Accounts APIs live.
const DefaultAccountsURL = "https://app.vssps.visualstudio.com"

// AccountsAPIVersion is the version of both APIs patctl speaks (released:
// 7.2 exists only as previews).
const AccountsAPIVersion = "7.1"

// Profile is the signed-in user as the Profile API describes them. ID is what
// the Accounts API takes as memberId (the official example has publicAlias
// equal to it); it is not the Entra object id.
type Profile struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	PublicAlias  string `json:"publicAlias"`
	EmailAddress string `json:"emailAddress"`
}

// Organization is an organization (an "account" to the API) the user
// belongs to.
type Organization struct {
	Name string `json:"accountName"` // the name in URLs, what --org takes
	ID   string `json:"accountId"`
	// URI is the organization's identity service as the API gives it, in one
	// of two shapes (https://vssps.dev.azure.com/Name/ or
	// https://Name.vssps.visualstudio.com:443/): the name is in Name.
	URI string `json:"accountUri"`
}

// AccountsClient calls the Profile and Accounts APIs.
type AccountsClient struct {
	http    *http.Client
	baseURL string
	// Retry says when a failed request is sent again; the zero value never
	// retries.
	Retry RetryPolicy
}

// NewAccounts returns a client of the APIs at baseURL (DefaultAccountsURL
// when empty). The http.Client must authenticate its requests and should not
// follow redirects.
func NewAccounts(httpClient *http.Client, baseURL string) *AccountsClient {
	if baseURL == "" {
		baseURL = DefaultAccountsURL
	}
	return &AccountsClient{http: httpClient, baseURL: strings.TrimRight(baseURL, "/")}
}

func (a *AccountsClient) get(ctx context.Context, path string, query url.Values, out any) error {
	if query == nil {
		query = url.Values{}
	}
	query.Set("api-version", AccountsAPIVersion)
	// The PAT API's client does the sending: the same errors, the same retries.
	c := &Client{http: a.http, Retry: a.Retry}
	return c.do(ctx, http.MethodGet, a.baseURL+path+"?"+query.Encode(), nil, out)
}

// ErrNoProfile is the answer for an identity without an Azure DevOps
// profile: a service principal gets an empty one.
var ErrNoProfile = errors.New("the signed-in identity has no Azure DevOps profile (a service principal's token has none): sign in as a user")

// Me returns the signed-in user's profile.
func (a *AccountsClient) Me(ctx context.Context) (Profile, error) {
	var p Profile
	if err := a.get(ctx, "/_apis/profile/profiles/me", nil, &p); err != nil {
		return Profile{}, fmt.Errorf("read your profile: %w", err)
	}
	if p.ID == "" || strings.Trim(p.ID, "0-") == "" {
		return Profile{}, fmt.Errorf("read your profile: %w", ErrNoProfile)
	}
	return p, nil
}

// Organizations returns the organizations memberID belongs to, in the
// service's order.
func (a *AccountsClient) Organizations(ctx context.Context, memberID string) ([]Organization, error) {
	var raw json.RawMessage
	if err := a.get(ctx, "/_apis/accounts", url.Values{"memberId": {memberID}}, &raw); err != nil {
		return nil, fmt.Errorf("list your organizations: %w", err)
	}
	orgs, err := decodeAccounts(raw)
	if err != nil {
		return nil, fmt.Errorf("list your organizations: %w", err)
	}
	return orgs, nil
}

// MyOrganizations returns the organizations the signed-in user belongs to,
// sorted by name: the profile first, for the id the Accounts API wants.
func (a *AccountsClient) MyOrganizations(ctx context.Context) ([]Organization, error) {
	me, err := a.Me(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := a.Organizations(ctx, me.ID)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(orgs, func(x, y Organization) int {
		return cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	return orgs, nil
}

// decodeAccounts reads the list as the service sends it, {"count", "value"}
// (the official examples), or as a bare array (the OpenAPI file's schema).
// An entry without a name is of no use and is dropped.
func decodeAccounts(data []byte) ([]Organization, error) {
	var list []Organization
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("the answer is not the JSON expected: %w", err)
		}
	} else {
		var wrapped struct {
			Value []Organization `json:"value"`
		}
		if err := json.Unmarshal(data, &wrapped); err != nil {
			return nil, fmt.Errorf("the answer is not the JSON expected: %w", err)
		}
		list = wrapped.Value
	}
	out := make([]Organization, 0, len(list))
	for _, o := range list {
		if strings.TrimSpace(o.Name) != "" {
			out = append(out, o)
		}
	}
	return out, nil
}
