package credstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	adaHome   = "uid-ada.tid-contoso"
	adaTenant = "tid-contoso"
)

var ada = Login{
	Storage: StorageKeyring, Authority: "https://login.example/" + adaTenant, ClientID: "client-1",
	Scopes: []string{"499b84ac-1321-427f-aa17-267ca6975798/.default"}, HomeAccountID: adaHome,
	Username: "ada@contoso.example", TenantID: adaTenant,
	LoggedInAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), LastRefreshAt: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC),
}

// msalCache is a cache in MSAL's layout: Ada in her tenant and as a guest in
// another, and Grace.
const msalCache = `{
 "AccessToken": {
  "ada-at": {"home_account_id": "uid-ada.tid-contoso", "realm": "tid-contoso", "credential_type": "AccessToken", "secret": "ada-access"},
  "ada-guest-at": {"home_account_id": "uid-ada.tid-contoso", "realm": "tid-fabrikam", "credential_type": "AccessToken", "secret": "ada-guest-access"},
  "grace-at": {"home_account_id": "uid-grace.tid-contoso", "realm": "tid-contoso", "credential_type": "AccessToken", "secret": "grace-access"}
 },
 "RefreshToken": {
  "ada-rt": {"home_account_id": "uid-ada.tid-contoso", "credential_type": "RefreshToken", "secret": "ada-refresh"},
  "grace-rt": {"home_account_id": "uid-grace.tid-contoso", "credential_type": "RefreshToken", "secret": "grace-refresh"}
 },
 "IdToken": {
  "ada-id": {"home_account_id": "uid-ada.tid-contoso", "realm": "tid-contoso", "credential_type": "IdToken", "secret": "ada-id"}
 },
 "Account": {
  "ada": {"home_account_id": "uid-ada.tid-contoso", "realm": "tid-contoso", "username": "ada@contoso.example"},
  "ada-guest": {"home_account_id": "uid-ada.tid-contoso", "realm": "tid-fabrikam", "username": "ada@contoso.example"},
  "grace": {"home_account_id": "uid-grace.tid-contoso", "realm": "tid-contoso", "username": "grace@contoso.example"}
 },
 "AppMetadata": {"appmetadata-client-1": {"client_id": "client-1", "environment": "login.example"}}
}`

func TestExportRoundTrip(t *testing.T) {
	mine, err := AccountCache([]byte(msalCache), ada)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ada-access", "ada-refresh", "ada-id", `"ada"`, "appmetadata-client-1"} {
		if !strings.Contains(string(mine), want) {
			t.Errorf("the account's cache lacks %s: %s", want, mine)
		}
	}
	for _, other := range []string{"grace", "ada-guest"} {
		if strings.Contains(string(mine), other) {
			t.Errorf("the account's cache holds %s: %s", other, mine)
		}
	}

	data, err := MarshalExport(ada, mine)
	if err != nil {
		t.Fatal(err)
	}
	var head map[string]any
	if err := json.Unmarshal(data, &head); err != nil || head["format"] != ExportFormat || head["version"] != float64(ExportVersion) {
		t.Fatalf("head %v (%v)", head, err)
	}
	l, cache, err := UnmarshalExport(data)
	if err != nil {
		t.Fatal(err)
	}
	want := ada
	want.Storage = StorageLoginFrom
	if l.Key() != want.Key() || l.Username != want.Username || l.ClientID != want.ClientID || l.Authority != want.Authority ||
		!l.LoggedInAt.Equal(want.LoggedInAt) || !l.LastRefreshAt.Equal(want.LastRefreshAt) || l.Storage != StorageLoginFrom || len(l.Scopes) != 1 {
		t.Fatalf("read back %+v, want %+v", l, want)
	}
	var a, b any
	json.Unmarshal(cache, &a)
	json.Unmarshal(mine, &b)
	if ja, _ := json.Marshal(a); string(ja) != string(mustJSON(t, b)) {
		t.Fatalf("cache read back %s, want %s", cache, mine)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportRefusesWhatIsNotALogin(t *testing.T) {
	good, err := MarshalExport(ada, []byte(`{"RefreshToken":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	noAccount, _ := MarshalExport(Login{ClientID: "c", Authority: "https://a/t", Scopes: []string{"s"}}, []byte(`{}`))
	for name, tc := range map[string]struct{ data, want string }{
		"a PAT":          {"dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq", "not a login exported"},
		"other JSON":     {`{"value":"x"}`, "not a login exported"},
		"newer":          {`{"format":"patctl-login","version":2}`, "format version 2, and this patctl reads up to 1: upgrade patctl"},
		"no version":     {`{"format":"patctl-login"}`, "has no format version"},
		"no account":     {string(noAccount), "names no account"},
		"no cache":       {strings.Replace(string(good), `"msalCache":{"RefreshToken":{}}`, `"msalCache":null`, 1), "holds no token cache"},
		"a cache string": {strings.Replace(string(good), `"msalCache":{"RefreshToken":{}}`, `"msalCache":"x"`, 1), "holds no token cache"},
	} {
		_, _, err := UnmarshalExport([]byte(tc.data))
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrCorrupt saying %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "dip55") {
			t.Errorf("%s: the error quotes what was read: %v", name, err)
		}
	}
	if _, err := MarshalExport(ada, []byte("not json")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a cache that is not JSON: %v", err)
	}
}

func TestAccountCacheNeedsARefreshToken(t *testing.T) {
	grace := ada
	grace.HomeAccountID = "uid-nobody"
	if _, err := AccountCache([]byte(msalCache), grace); !errors.Is(err, errNoRefreshToken) {
		t.Fatalf("an account without a refresh token: %v", err)
	}
	if _, err := AccountCache([]byte("{"), ada); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a cache that is not JSON: %v", err)
	}
}

func TestStoreExportLogin(t *testing.T) {
	s := Open(t.TempDir(), &Memory{})
	if _, _, err := s.ExportLogin(ada); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("nobody signed in: %v", err)
	}
	plain := ada
	plain.Storage = StorageFile
	if err := s.SaveLogin(plain, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ExportLogin(plain); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("no cache: %v", err)
	}
	if err := s.writeBlob(StorageFile, []byte(msalCache)); err != nil {
		t.Fatal(err)
	}
	l, data, err := s.ExportLogin(Login{HomeAccountID: adaHome, TenantID: strings.ToUpper(adaTenant)})
	if err != nil {
		t.Fatal(err)
	}
	if l.Username != ada.Username || !strings.Contains(string(data), "ada-refresh") || strings.Contains(string(data), "grace") {
		t.Fatalf("exported %+v: %s", l, data)
	}
}
