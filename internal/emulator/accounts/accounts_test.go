package accounts_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// example is one of Microsoft's official example files.
type example struct {
	URL        string            `json:"x-ms-vss-request-url"`
	Parameters map[string]string `json:"parameters"`
	Responses  map[string]struct {
		Body json.RawMessage `json:"body"`
	} `json:"responses"`
}

func loadExample(t *testing.T, path ...string) example {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"testdata", "spec"}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, data)
	}
	return m
}

// schemaProperties are the property names of a definition in an OpenAPI file.
func schemaProperties(t *testing.T, file, definition string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec", file))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Definitions map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for k := range spec.Definitions[definition].Properties {
		out[k] = true
	}
	if len(out) == 0 {
		t.Fatalf("no definition %s in %s", definition, file)
	}
	return out
}

// exampleOrgs configures the organizations of the official examples, the
// default user a member of both and the owner of NormalPaulk.
func exampleOrgs(t *testing.T, em *emulator.Emulator) {
	t.Helper()
	err := em.Update(func(c *emulator.Config) {
		c.Orgs = []emulator.Org{
			{Name: "Fabrikam-Fiber-Inc", ID: "6affcbef-fe5d-44c6-8a29-439b79aaa118", TenantID: emulator.DefaultTenantID},
			{Name: "NormalPaulk", ID: "bf83696f-383b-4980-95b5-1f1127640a8a", TenantID: emulator.DefaultTenantID, Owner: emulator.DefaultUserUPN},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// onEmulator is the example's request with the example user's id replaced
// by the default user's profile id.
func onEmulator(t *testing.T, ex example) string {
	t.Helper()
	u, err := url.Parse(ex.URL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(u.RequestURI(), "d6245f20-2af8-44f4-9451-8107cb2767db", emulator.ProfileID(emulator.DefaultUserOID))
}

func TestAccountsOfAMemberMatchOfficialExample(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	exampleOrgs(t, em)
	ex := loadExample(t, "account", "7.1", "httpExamples", "accounts", "GET__Accounts_memberId-_userId_.json")
	r := emulatortest.NewAPI(t, em).Do("GET", onEmulator(t, ex), nil)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	// accountUri names the host the organization's identity service is on:
	// vssps.dev.azure.com live, the emulator here.
	want := strings.ReplaceAll(string(ex.Responses["200"].Body), "https://vssps.dev.azure.com", em.URL())
	if got, want := decode(t, r.Body), decode(t, []byte(want)); !reflect.DeepEqual(got, want) {
		t.Fatalf("answer differs from the official example\n got: %s\nwant: %s", r.Body, want)
	}
}

func TestAccountsOfAnOwnerMatchOfficialExample(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	exampleOrgs(t, em)
	ex := loadExample(t, "account", "7.1", "httpExamples", "accounts", "GET__Accounts_ownerId-_userId_.json")
	r := emulatortest.NewAPI(t, em).Do("GET", onEmulator(t, ex), nil)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	got, want := decode(t, r.Body), decode(t, ex.Responses["200"].Body)
	// The example's accountUri has the older shape (https://NAME.vssps.visualstudio.com:443/);
	// the emulator writes the newer one for every organization.
	for _, m := range []map[string]any{got, want} {
		for _, a := range m["value"].([]any) {
			a := a.(map[string]any)
			if uri := a["accountUri"].(string); !strings.Contains(uri, "NormalPaulk") {
				t.Fatalf("accountUri %q does not name the organization", uri)
			}
			a["accountUri"] = "(host)"
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("answer differs from the official example\n got: %s\nwant: %s", r.Body, ex.Responses["200"].Body)
	}
}

func TestProfileMatchesOfficialExample(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	ex := loadExample(t, "profile", "7.1", "httpExamples", "profiles", "GET__profile_profiles_me.json")
	// The example answers api-version 1.0.
	r := emulatortest.NewAPI(t, em).Do("GET", onEmulator(t, ex), nil)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	got, want := decode(t, r.Body), decode(t, ex.Responses["200"].Body)
	if keys(got) != keys(want) {
		t.Fatalf("fields %s, the example has %s", keys(got), keys(want))
	}
	for k, v := range want {
		if reflect.TypeOf(got[k]) != reflect.TypeOf(v) {
			t.Errorf("%s: %T, the example has %T", k, got[k], v)
		}
	}
	id := emulator.ProfileID(emulator.DefaultUserOID)
	if got["id"] != id || got["publicAlias"] != id || got["emailAddress"] != emulator.DefaultUserUPN || got["displayName"] != "Ada Lovelace" {
		t.Fatalf("profile %v", got)
	}
	if id == emulator.DefaultUserOID {
		t.Fatal("the profile id is the Entra object id")
	}
	if ts := got["timeStamp"].(string); !strings.HasSuffix(ts, "+00:00") {
		t.Fatalf("timeStamp %q is not written as the example's", ts)
	}
}

func TestProfileOf71HasTheSchemasFields(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	id := emulator.ProfileID(emulator.DefaultUserOID)
	for _, path := range []string{"/_apis/profile/profiles/me?api-version=7.1", "/_apis/Profile/Profiles/" + id + "?api-version=7.1-preview.3"} {
		r := api.Do("GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("%s: status %d: %s", path, r.Status, r.Body)
		}
		got := decode(t, r.Body)
		schema := schemaProperties(t, "profile/7.1/profile.json", "Profile")
		for k := range got {
			if !schema[k] {
				t.Errorf("%s is not a property of Profile", k)
			}
		}
		attrs, _ := got["coreAttributes"].(map[string]any)
		alias, _ := attrs["PublicAlias"].(map[string]any)
		if got["id"] != id || alias["value"] != id || got["profileState"] != "custom" {
			t.Fatalf("%s: %s", path, r.Body)
		}
		base := schemaProperties(t, "profile/7.1/profile.json", "ProfileAttributeBase")
		for k := range alias {
			if !base[k] {
				t.Errorf("%s is not a property of a core attribute", k)
			}
		}
	}
	if r := api.Do("GET", "/_apis/profile/profiles/"+emulator.DefaultUserOID+"?api-version=7.1", nil); r.Status != 404 {
		t.Fatalf("someone else's profile: %d %s", r.Status, r.Body)
	}
}

func keys(m map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestAccountsRefusals(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	me := emulator.ProfileID(emulator.DefaultUserOID)
	// vsts-rest-api-specs#240: the answer without memberId or ownerId.
	r := api.Do("GET", "/_apis/accounts?api-version=7.1", nil)
	if b := decode(t, r.Body); r.Status != 400 || b["message"] != "Necessary parameters ownerId or memberId were not provided in the request." || b["typeKey"] != "AccountException" {
		t.Fatalf("no memberId: %d %s", r.Status, r.Body)
	}
	for path, status := range map[string]int{
		"/_apis/accounts?memberId=" + me:                                                  400, // api-version is required
		"/_apis/accounts?memberId=" + me + "&api-version=7.2":                             400, // 7.2 is a preview
		"/_apis/accounts?memberId=" + me + "&api-version=7.2-preview.1":                   200,
		"/_apis/accounts?memberId=not-a-guid&api-version=7.1":                             400,
		"/" + emulator.DefaultOrg + "/_apis/accounts?memberId=" + me + "&api-version=7.1": 404, // only app.vssps serves it
	} {
		if r := api.Do("GET", path, nil); r.Status != status {
			t.Errorf("%s: %d, want %d: %s", path, r.Status, status, r.Body)
		}
	}
	api.Token = ""
	if r := api.Do("GET", "/_apis/accounts?memberId="+me+"&api-version=7.1", nil); r.Status != 401 {
		t.Fatalf("without a token: %d %s", r.Status, r.Body)
	}
	if r := api.Do("GET", "/_apis/profile/profiles/me?api-version=7.1", nil); r.Status != 401 {
		t.Fatalf("profile without a token: %d %s", r.Status, r.Body)
	}
}

func names(t *testing.T, r emulatortest.Response) string {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	b := decode(t, r.Body)
	var out []string
	for _, a := range b["value"].([]any) {
		out = append(out, a.(map[string]any)["accountName"].(string))
	}
	if int(b["count"].(float64)) != len(out) {
		t.Fatalf("count %v for %d accounts", b["count"], len(out))
	}
	return strings.Join(out, ",")
}

// TestMembership: the organizations listed are those the user belongs to —
// every one of their tenant without a member list (and of a tenant they are
// a guest of), the ones that list them, in another tenant too — and the PAT
// API of one that does not list them answers 401.
func TestMembership(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	const other = "0d6e1a7b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
	err := em.Update(func(c *emulator.Config) {
		c.Tenants = append(c.Tenants, emulator.Tenant{ID: other, Domain: "partner.onmicrosoft.com", Guests: []string{emulator.DefaultUserOID}})
		c.Users = append(c.Users, emulator.User{ObjectID: "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", TenantID: emulator.DefaultTenantID, UPN: "grace@contoso.onmicrosoft.com", Name: "Grace"})
		c.Orgs = []emulator.Org{
			{Name: "fabrikam", ID: emulator.DefaultOrgID, TenantID: emulator.DefaultTenantID},
			{Name: "secret", ID: "11111111-2222-4333-8444-555555555555", TenantID: emulator.DefaultTenantID, Members: []string{"grace@contoso.onmicrosoft.com"}},
			{Name: "partner", ID: "22222222-3333-4444-8555-666666666666", TenantID: other, Members: []string{emulator.DefaultUserOID}},
			{Name: "partner-all", ID: "33333333-3333-4444-8555-666666666666", TenantID: other}, // its tenant's guests too
			{Name: "partner-few", ID: "44444444-3333-4444-8555-666666666666", TenantID: other, Members: []string{"someone@partner.onmicrosoft.com"}},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	api := emulatortest.NewAPI(t, em)
	if got := names(t, api.Do("GET", "/_apis/accounts?memberId="+emulator.ProfileID(emulator.DefaultUserOID)+"&api-version=7.1", nil)); got != "fabrikam,partner,partner-all" {
		t.Fatalf("ada's organizations: %s", got)
	}
	// Another person's memberships are not listed to the caller.
	if got := names(t, api.Do("GET", "/_apis/accounts?memberId="+emulator.ProfileID("6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")+"&api-version=7.1", nil)); got != "" {
		t.Fatalf("grace's organizations, read by ada: %s", got)
	}
	api.Org = "secret"
	r := api.Do("GET", "/secret/_apis/tokens/pats?api-version=7.1-preview.1", nil)
	if b := decode(t, r.Body); r.Status != 401 || !strings.Contains(b["message"].(string), "TF400813: The user '"+emulator.DefaultUserOID+"' is not authorized") {
		t.Fatalf("a non-member's list: %d %s", r.Status, r.Body)
	}
	// A guest's token from their own tenant is no good there: the challenge
	// names the organization's tenant.
	r = api.Do("GET", "/partner/_apis/tokens/pats?api-version=7.1-preview.1", nil)
	if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), other) {
		t.Fatalf("a guest's list: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := api.Do("GET", "/fabrikam/_apis/tokens/pats?api-version=7.1-preview.1", nil); r.Status != 200 {
		t.Fatalf("a member's list: %d %s", r.Status, r.Body)
	}
}

// TestServicePrincipal: vsts-rest-api-specs#696, a service principal's
// profile has an id but empty core attributes, and it belongs nowhere.
func TestServicePrincipal(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	if err := em.Update(func(c *emulator.Config) { c.AppOnlyTokens = true }); err != nil {
		t.Fatal(err)
	}
	api := emulatortest.NewAPI(t, em)
	p := decode(t, api.Do("GET", "/_apis/profile/profiles/me?api-version=7.1", nil).Body)
	attrs := p["coreAttributes"].(map[string]any)
	if p["id"] == "" || attrs["DisplayName"] != nil || attrs["EmailAddress"] != nil {
		t.Fatalf("profile %v", p)
	}
	if got := names(t, api.Do("GET", "/_apis/accounts?memberId="+p["id"].(string)+"&api-version=7.1", nil)); got != "" {
		t.Fatalf("a service principal's organizations: %s", got)
	}
}
