package credstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// An exported login is one account's login record and its part of MSAL's
// cache — the refresh token with it — in one self-contained JSON document,
// for `patctl login export` and PATCTL_LOGIN_FROM. It is itself the secret.
const (
	// ExportFormat names the document, so that another secret put in its
	// place is recognised as not being one.
	ExportFormat = "patctl-login"
	// ExportVersion is the version of the document this patctl writes and
	// the newest it reads. A change that older versions cannot read takes a
	// new number.
	ExportVersion = 1
)

// StorageLoginFrom is the storage kind of a login loaded from
// PATCTL_LOGIN_FROM: it is kept in memory only.
const StorageLoginFrom = "login-from"

// exported is the document, version 1.
type exported struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Login   Login  `json:"login"`
	// MSALCache is MSAL's own serialization (the JSON that its cache
	// accessor exports), holding this account's entries only.
	MSALCache json.RawMessage `json:"msalCache"`
}

// MarshalExport serializes a login and its MSAL cache as an exported login.
// The storage kind is not part of it: where it is kept is up to the reader.
func MarshalExport(l Login, cache []byte) ([]byte, error) {
	if !json.Valid(cache) {
		return nil, fmt.Errorf("%w: the token cache is not JSON", ErrCorrupt)
	}
	l.Storage = ""
	return json.Marshal(exported{Format: ExportFormat, Version: ExportVersion, Login: l, MSALCache: cache})
}

// UnmarshalExport reads an exported login back: the login record (its
// storage StorageLoginFrom) and the MSAL cache. Anything else — another
// secret, a document of a newer version, a record without an account — is
// ErrCorrupt, saying which.
func UnmarshalExport(data []byte) (Login, []byte, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Format != ExportFormat {
		return Login{}, nil, fmt.Errorf("%w: it is not a login exported by `patctl login export`", ErrCorrupt)
	}
	if head.Version < 1 {
		return Login{}, nil, fmt.Errorf("%w: the exported login has no format version", ErrCorrupt)
	}
	if head.Version > ExportVersion {
		return Login{}, nil, fmt.Errorf("%w: it is a login of format version %d, and this patctl reads up to %d: upgrade patctl", ErrCorrupt, head.Version, ExportVersion)
	}
	var doc exported
	if err := json.Unmarshal(data, &doc); err != nil {
		return Login{}, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	l := doc.Login
	var cache map[string]json.RawMessage
	switch {
	case l.HomeAccountID == "" || l.ClientID == "" || l.Authority == "" || len(l.Scopes) == 0:
		return Login{}, nil, fmt.Errorf("%w: the exported login names no account, client, authority or scope", ErrCorrupt)
	case json.Unmarshal(doc.MSALCache, &cache) != nil || cache == nil:
		return Login{}, nil, fmt.Errorf("%w: the exported login holds no token cache", ErrCorrupt)
	}
	l.Storage = StorageLoginFrom
	return l, doc.MSALCache, nil
}

// AccountCache is the part of MSAL's cache blob that belongs to one login:
// its account's entries in its tenant, and the refresh token and app
// metadata that are not tied to a tenant. Other accounts' tokens, and the
// same person's in other tenants, stay out of an export.
func AccountCache(blob []byte, l Login) ([]byte, error) {
	var cache map[string]json.RawMessage
	if err := json.Unmarshal(blob, &cache); err != nil {
		return nil, fmt.Errorf("%w: the token cache is not JSON", ErrCorrupt)
	}
	found := false
	for section, raw := range cache {
		var entries map[string]map[string]any
		if json.Unmarshal(raw, &entries) != nil {
			continue
		}
		for key, e := range entries {
			home, hasHome := e["home_account_id"].(string)
			if !hasHome {
				continue // app metadata: no account's
			}
			realm, hasRealm := e["realm"].(string)
			if home != l.HomeAccountID || hasRealm && realm != "" && !strings.EqualFold(realm, l.TenantID) {
				delete(entries, key)
				continue
			}
			if e["credential_type"] == "RefreshToken" {
				found = true
			}
		}
		var err error
		if cache[section], err = json.Marshal(entries); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, errNoRefreshToken
	}
	return json.Marshal(cache)
}

var errNoRefreshToken = errors.New("the token cache holds no refresh token for this account")

// ExportLogin is a login — its record as stored now — as an exported
// login. Callers hold the lock, so that the cache is not read as another
// patctl rewrites it.
func (s *Store) ExportLogin(of Login) (Login, []byte, error) {
	ls, err := s.ReadLogins()
	if err != nil {
		return of, nil, err
	}
	l, found := of, false
	for _, stored := range ls.Accounts {
		if stored.Key() == of.Key() {
			l, found = stored, true
		}
	}
	if !found {
		return of, nil, ErrNotLoggedIn
	}
	blob, err := s.readBlob(l.Storage)
	if err != nil {
		return l, nil, err
	}
	if blob == nil {
		return l, nil, fmt.Errorf("%w: the token cache is missing", ErrCorrupt)
	}
	mine, err := AccountCache(blob, l)
	if errors.Is(err, errNoRefreshToken) {
		return l, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err != nil {
		return l, nil, err
	}
	data, err := MarshalExport(l, mine)
	return l, data, err
}
