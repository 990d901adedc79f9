package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPIVersionRules(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	for version, wantStatus := range map[string]int{
		"":               400,
		"7.1":            400,
		"banana":         400,
		"9.0-preview":    400,
		"7.1-preview.2":  400,
		"6.1-preview":    200,
		"7.0-preview.1":  200,
		"7.1-preview.1":  200,
		"7.2-preview.1":  200,
		"7.1-PREVIEW.1":  400, // the flag is lower case
		" 7.1-preview.1": 200,
	} {
		path := patsPath
		if version != "" {
			path += "?api-version=" + strings.ReplaceAll(version, " ", "%20")
		}
		r := api.do("GET", path, nil)
		if r.status != wantStatus {
			t.Errorf("api-version %q: status %d, want %d (%s)", version, r.status, wantStatus, r.body)
			continue
		}
		if wantStatus == 400 {
			env := r.json(t)
			for _, k := range []string{"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"} {
				if _, ok := env[k]; !ok {
					t.Errorf("api-version %q: error envelope lacks %q: %s", version, k, r.body)
				}
			}
		}
	}
	r := api.do("GET", patsPath+"?api-version=7.1", nil)
	if env := r.json(t); env["typeKey"] != "VssInvalidPreviewVersionException" || !strings.Contains(env["message"].(string), "-preview") {
		t.Errorf("a released version: %s", r.body)
	}
}

func TestRouteIsCaseInsensitive(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	for _, path := range []string{"/fabrikam/_apis/tokens/pats", "/Fabrikam/_apis/Tokens/Pats", "/FABRIKAM/_APIS/TOKENS/PATS/"} {
		if r := api.do("GET", path+"?API-Version=7.1-preview.1", nil); r.status != 200 {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

func TestUnauthenticatedCallsAreChallenged(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	good := api.token

	check401 := func(what string) {
		t.Helper()
		r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
		if r.status != 401 {
			t.Fatalf("%s: status %d, want 401: %s", what, r.status, r.body)
		}
		want := "Bearer authorization_uri=" + em.URL() + "/" + DefaultTenantID
		if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, want) {
			t.Fatalf("%s: WWW-Authenticate %q, want prefix %q", what, got, want)
		}
		if got := r.header.Get("X-VSS-ResourceTenant"); got != DefaultTenantID {
			t.Fatalf("%s: X-VSS-ResourceTenant %q", what, got)
		}
	}
	api.token = ""
	check401("no token")
	api.token = good[:len(good)-4] + "AAAA"
	check401("bad signature")
	api.token = "not-a-jwt"
	check401("garbage")

	// A token for another tenant is refused by this organization.
	em.Update(func(c *Config) {
		c.Tenants = append(c.Tenants, Tenant{ID: "11111111-2222-3333-4444-555555555555", Domain: "other.onmicrosoft.com"})
		c.Users = append(c.Users, User{ObjectID: "99999999-2222-3333-4444-555555555555", TenantID: "11111111-2222-3333-4444-555555555555", UPN: "bob@other.onmicrosoft.com", Name: "Bob"})
	})
	var err error
	if api.token, err = em.AccessToken("bob@other.onmicrosoft.com"); err != nil {
		t.Fatal(err)
	}
	check401("token of another tenant")

	// Expired: past the lifetime plus the five minutes of clock skew.
	api.token = good
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 200 {
		t.Fatalf("valid token: %d %s", r.status, r.body)
	}
	em.Advance(time.Hour + 4*time.Minute)
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 200 {
		t.Fatalf("token inside the clock skew: %d", r.status)
	}
	em.Advance(2 * time.Minute)
	check401("expired token")
}

func TestSignInPageAndRedirectAnswers(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	api.token = ""
	em.Update(func(c *Config) { c.SignInAnswer = SignInPage })
	r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if r.status != 203 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "Sign In") {
		t.Fatalf("203 mode: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	em.Update(func(c *Config) { c.SignInAnswer = SignInRedirect })
	r = api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if r.status != 302 || !strings.Contains(r.header.Get("Location"), "_signin") {
		t.Fatalf("302 mode: %d %v", r.status, r.header)
	}
}

func TestServicePrincipalIsRefused(t *testing.T) {
	em := startEmulator(t, Options{})
	em.Update(func(c *Config) { c.AppOnlyTokens = true })
	api := newAPIClient(t, em)
	r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if r.status != 403 {
		t.Fatalf("status %d", r.status)
	}
	env := r.json(t)
	if env["message"] != "Service principals are not allowed to perform this action." || env["typeKey"] != "InvalidAccessException" {
		t.Fatalf("refusal: %s", r.body)
	}
}

func TestPATsAreNotAcceptedByThePATAPI(t *testing.T) {
	em := startEmulator(t, Options{NewSecret: func() string { return "s3cr3t" }})
	api := newAPIClient(t, em)
	api.create("ci", "vso.code", em.Now().Add(time.Hour), false)
	req, _ := http.NewRequest("GET", em.URL()+patsPath+"?api-version=7.1-preview.1", nil)
	req.SetBasicAuth("", "s3cr3t")
	resp, err := em.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("a PAT calling the PAT API: %d", resp.StatusCode)
	}
}

func TestCreateSecretIsShownOnce(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	p := patTokenOf(t, api.create("deploy", "vso.code  vso.work_write", em.Now().Add(48*time.Hour), false))
	secret, _ := p["token"].(string)
	if len(secret) != 52 {
		t.Fatalf("secret %q", secret)
	}
	if p["scope"] != "vso.code vso.work_write" {
		t.Fatalf("scope %v", p["scope"])
	}
	if ta, _ := p["targetAccounts"].([]any); len(ta) != 1 || ta[0] != DefaultOrgID {
		t.Fatalf("targetAccounts %v", p["targetAccounts"])
	}
	got := patTokenOf(t, api.do("GET", patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil).json(t))
	if got["token"] != nil {
		t.Fatalf("Get shows the secret: %v", got["token"])
	}
	list := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if strings.Contains(string(list.body), secret) {
		t.Fatal("List shows the secret")
	}
	em.mu.Lock()
	defer em.mu.Unlock()
	if strings.Contains(fmt.Sprint(em.st.PATs[0]), secret) {
		t.Fatal("the emulator keeps the secret itself")
	}
}

func TestAllOrgsTokensHaveNullTargetAccounts(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	r := api.create("global", "vso.code", em.Now().Add(time.Hour), true)
	if p := patTokenOf(t, r); p["targetAccounts"] != nil {
		t.Fatalf("targetAccounts %v", p["targetAccounts"])
	}
	// It shows in any organization of the user's tenant; an org-scoped one does not.
	api.create("local", "vso.code", em.Now().Add(time.Hour), false)
	other := api.do("GET", "/contoso-eng/_apis/tokens/pats?api-version=7.1-preview.1", nil).json(t)
	items := other["patTokens"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["displayName"] != "global" {
		t.Fatalf("other org lists %v", items)
	}
}

func TestCreateValidation(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	future := em.Now().Add(24 * time.Hour).Format(time.RFC3339)
	past := em.Now().Add(-time.Minute).Format(time.RFC3339)
	for _, tc := range []struct {
		body string
		want string
	}{
		{`{"displayName":"","scope":"vso.code","validTo":"` + future + `"}`, "displayNameRequired"},
		{`{"displayName":"   ","scope":"vso.code","validTo":"` + future + `"}`, "displayNameRequired"},
		{`{"scope":"vso.code","validTo":"` + future + `"}`, "displayNameRequired"},
		{`{"displayName":"x","scope":"vso.nope","validTo":"` + future + `"}`, "invalidScope"},
		{`{"displayName":"x","scope":"","validTo":"` + future + `"}`, "invalidScope"},
		{`{"displayName":"x","scope":"vso.code","validTo":"` + past + `"}`, "invalidValidTo"},
		{`{"displayName":"x","scope":"vso.code"}`, "invalidValidTo"},
		{`{"DISPLAYNAME":"x","Scope":"vso.code","validto":"` + future + `"}`, "none"}, // names bind in any case
	} {
		r := api.do("POST", patsPath+"?api-version=7.1-preview.1", tc.body)
		if r.status != 200 {
			t.Errorf("%s: status %d", tc.body, r.status)
			continue
		}
		m := r.json(t)
		if m["patTokenError"] != tc.want {
			t.Errorf("%s: patTokenError %v, want %s", tc.body, m["patTokenError"], tc.want)
		}
		if tc.want != "none" && m["patToken"] != nil {
			t.Errorf("%s: a failure carries a patToken", tc.body)
		}
	}
	for _, body := range []string{"", "{not json", `{"displayName":"x","validTo":"someday"}`} {
		if r := api.do("POST", patsPath+"?api-version=7.1-preview.1", body); r.status != 400 {
			t.Errorf("body %q: status %d, want 400", body, r.status)
		}
	}
}

func TestTenantPolicies(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	em.Update(func(c *Config) {
		c.Tenants[0].RestrictGlobalPATs = true
		c.Tenants[0].RestrictFullScopePATs = true
		c.Tenants[0].MaxPATLifespan = Duration(7 * 24 * time.Hour)
	})
	if m := api.create("g", "vso.code", em.Now().Add(time.Hour), true); m["patTokenError"] != "globalPatPolicyViolation" {
		t.Errorf("global: %v", m["patTokenError"])
	}
	if m := api.create("f", "app_token", em.Now().Add(time.Hour), false); m["patTokenError"] != "fullScopePatPolicyViolation" {
		t.Errorf("full scope: %v", m["patTokenError"])
	}
	// Too long a lifetime is clamped, not refused.
	p := patTokenOf(t, api.create("long", "vso.code", em.Now().Add(365*24*time.Hour), false))
	validTo := mustTime(t, p["validTo"].(string))
	if d := validTo.Sub(em.Now()); d > 7*24*time.Hour+time.Second || d < 7*24*time.Hour-time.Second {
		t.Fatalf("validTo %v is %v from now, want the 7-day policy", validTo, d)
	}
	// Update is held to the same policies.
	r := api.do("PUT", patsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": p["authorizationId"], "allOrgs": true})
	if m := r.json(t); m["patTokenError"] != "globalPatPolicyViolation" {
		t.Errorf("update to global: %v", m["patTokenError"])
	}
}

func TestUpdateChangesOnlyWhatIsGiven(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	orig := patTokenOf(t, api.create("svc", "vso.code", em.Now().Add(24*time.Hour), false))
	id := orig["authorizationId"].(string)
	upd := func(body map[string]any) map[string]any {
		body["authorizationId"] = id
		return api.do("PUT", patsPath+"?api-version=7.1-preview.1", body).json(t)
	}
	p := patTokenOf(t, upd(map[string]any{"displayName": "svc2"}))
	if p["displayName"] != "svc2" || p["scope"] != orig["scope"] || p["validTo"] != orig["validTo"] || p["validFrom"] != orig["validFrom"] {
		t.Fatalf("rename changed more: %v vs %v", p, orig)
	}
	if p["token"] != nil {
		t.Fatal("update shows a secret")
	}
	p = patTokenOf(t, upd(map[string]any{"allOrgs": true}))
	if p["targetAccounts"] != nil {
		t.Fatalf("allOrgs true: %v", p["targetAccounts"])
	}
	p = patTokenOf(t, upd(map[string]any{"allOrgs": false, "scope": "vso.work"}))
	if ta, _ := p["targetAccounts"].([]any); len(ta) != 1 || p["scope"] != "vso.work" {
		t.Fatalf("allOrgs false: %v", p)
	}
	if m := upd(map[string]any{"validTo": em.Now().Add(-time.Hour).Format(time.RFC3339)}); m["patTokenError"] != "invalidValidTo" {
		t.Fatalf("past validTo: %v", m)
	}
	if m := api.do("PUT", patsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": "00000000-0000-0000-0000-000000000000"}).json(t); m["patTokenError"] != "invalidAuthorizationId" {
		t.Fatalf("empty id: %v", m)
	}
	if m := api.do("PUT", patsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": randomUUID()}).json(t); m["patTokenError"] != "authorizationNotFound" {
		t.Fatalf("unknown id: %v", m)
	}
	// A revoked token cannot be updated.
	if r := api.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	if m := upd(map[string]any{"displayName": "again"}); m["patTokenError"] != "authorizationNotFound" {
		t.Fatalf("update of a revoked token: %v", m)
	}
}

func TestGetAndRevokeErrors(t *testing.T) {
	em := startEmulator(t, Options{})
	api := newAPIClient(t, em)
	if m := api.do("GET", patsPath+"?api-version=7.1-preview.1&authorizationId="+randomUUID(), nil).json(t); m["patTokenError"] != "authorizationNotFound" || m["patToken"] != nil {
		t.Errorf("get unknown: %v", m)
	}
	for _, q := range []string{"&authorizationId=not-a-guid", "&authorizationId=1234"} {
		if r := api.do("GET", patsPath+"?api-version=7.1-preview.1"+q, nil); r.status != 400 {
			t.Errorf("get %s: %d", q, r.status)
		}
	}
	for _, q := range []string{"", "&authorizationId=not-a-guid"} {
		if r := api.do("DELETE", patsPath+"?api-version=7.1-preview.1"+q, nil); r.status != 400 {
			t.Errorf("revoke %q: %d", q, r.status)
		}
	}
	if r := api.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+randomUUID(), nil); r.status != 404 {
		t.Errorf("revoke unknown: %d", r.status)
	}
	if r := api.do("PATCH", patsPath+"?api-version=7.1-preview.1", "{}"); r.status != 405 {
		t.Errorf("PATCH: %d", r.status)
	}
	// Another user's token is invisible.
	p := patTokenOf(t, api.create("mine", "vso.code", em.Now().Add(time.Hour), false))
	em.Update(func(c *Config) {
		c.Users = append(c.Users, User{ObjectID: "77777777-2222-3333-4444-555555555555", TenantID: DefaultTenantID, UPN: "eve@contoso.onmicrosoft.com", Name: "Eve"})
	})
	eve := newAPIClient(t, em)
	var err error
	if eve.token, err = em.AccessToken("eve@contoso.onmicrosoft.com"); err != nil {
		t.Fatal(err)
	}
	if m := eve.do("GET", patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil).json(t); m["patTokenError"] != "authorizationNotFound" {
		t.Errorf("another user's token: %v", m)
	}
	if r := eve.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil); r.status != 404 {
		t.Errorf("revoke another user's token: %d", r.status)
	}
}

func TestListFiltersSortsAndPages(t *testing.T) {
	clock := &testClock{}
	clock.Set(mustTime(t, "2026-01-01T00:00:00Z"))
	em := startEmulator(t, Options{Now: clock.Now})
	api := newAPIClient(t, em)
	api.token, _ = em.AccessToken(DefaultUserUPN)
	const n = 250
	ids := map[string]string{}
	for i := 0; i < n; i++ {
		clock.Set(clock.Now().Add(time.Second))
		ttl := 48 * time.Hour
		if i%10 == 0 {
			ttl = 2 * time.Hour // these will expire
		}
		p := patTokenOf(t, api.create(fmt.Sprintf("tok-%03d", (i*7)%n), "vso.code", clock.Now().Add(ttl), false))
		ids[p["authorizationId"].(string)] = p["displayName"].(string)
	}
	// Revoke 5, expire 25.
	revoked := 0
	for id := range ids {
		if revoked == 5 {
			break
		}
		if r := api.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil); r.status != 204 {
			t.Fatal(r.status)
		}
		revoked++
	}
	clock.Set(clock.Now().Add(3 * time.Hour))
	api.token, _ = em.AccessToken(DefaultUserUPN)

	listAll := func(query string) (names []string, pages int) {
		t.Helper()
		ct := ""
		for {
			q := patsPath + "?api-version=7.1-preview.1&$top=100" + query
			if ct != "" {
				q += "&continuationToken=" + ct
			}
			page := api.do("GET", q, nil).json(t)
			pages++
			for _, it := range page["patTokens"].([]any) {
				names = append(names, it.(map[string]any)["displayName"].(string))
			}
			next, present := page["continuationToken"]
			if !present {
				t.Fatal("continuationToken missing from a page")
			}
			if next == "" {
				return names, pages
			}
			ct = next.(string)
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
	}
	all, pages := listAll("&displayFilterOption=ALL")
	if len(all) != n || pages != 3 {
		t.Fatalf("all: %d tokens in %d pages", len(all), pages)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] > all[i] {
			t.Fatalf("not sorted by name at %d: %s > %s", i, all[i-1], all[i])
		}
	}
	expired, _ := listAll("&displayFilterOption=expired")
	revokedList, _ := listAll("&displayFilterOption=Revoked")
	active, _ := listAll("")
	if len(revokedList) != 5 || len(expired)+len(revokedList)+len(active) != n || len(expired) < 20 {
		t.Fatalf("active %d expired %d revoked %d", len(active), len(expired), len(revokedList))
	}
	desc, _ := listAll("&sortByOption=displayName&isSortAscending=False")
	if desc[0] < desc[len(desc)-1] {
		t.Fatal("descending sort is ascending")
	}

	// Default page size, $top capped at 100, and bad values.
	if page := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil).json(t); len(page["patTokens"].([]any)) != 20 {
		t.Fatalf("default page: %d", len(page["patTokens"].([]any)))
	}
	if page := api.do("GET", patsPath+"?api-version=7.1-preview.1&$top=1000", nil).json(t); len(page["patTokens"].([]any)) != 100 {
		t.Fatalf("$top=1000: %d", len(page["patTokens"].([]any)))
	}
	for _, q := range []string{"&$top=0", "&$top=x", "&displayFilterOption=bogus", "&sortByOption=size", "&isSortAscending=maybe", "&continuationToken=bm90IGpzb24", "&continuationToken=e30"} {
		if r := api.do("GET", patsPath+"?api-version=7.1-preview.1"+q, nil); r.status != 400 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
	// A continuation token only works with the filter it was issued for.
	first := api.do("GET", patsPath+"?api-version=7.1-preview.1&$top=10&displayFilterOption=all", nil).json(t)
	ct := first["continuationToken"].(string)
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1&$top=10&continuationToken="+ct, nil); r.status != 400 {
		t.Errorf("continuation with another filter: %d", r.status)
	}
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1&$top=10&displayFilterOption=all&continuationToken="+ct, nil); r.status != 200 {
		t.Errorf("continuation with the same filter: %d", r.status)
	}
}

func TestSortByDateAndStatus(t *testing.T) {
	clock := &testClock{}
	clock.Set(mustTime(t, "2026-01-01T00:00:00Z"))
	em := startEmulator(t, Options{Now: clock.Now})
	api := newAPIClient(t, em)
	a := patTokenOf(t, api.create("b-first", "vso.code", clock.Now().Add(time.Hour), false))
	clock.Set(clock.Now().Add(time.Minute))
	patTokenOf(t, api.create("a-second", "vso.code", clock.Now().Add(48*time.Hour), false))
	clock.Set(clock.Now().Add(2 * time.Hour)) // b-first has expired
	api.token, _ = em.AccessToken(DefaultUserUPN)
	names := func(q string) string {
		page := api.do("GET", patsPath+"?api-version=7.1-preview.1&displayFilterOption=all"+q, nil).json(t)
		var out []string
		for _, it := range page["patTokens"].([]any) {
			out = append(out, it.(map[string]any)["displayName"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := names("&sortByOption=displayDate"); got != "b-first,a-second" {
		t.Errorf("by date: %s", got)
	}
	if got := names("&sortByOption=status"); got != "a-second,b-first" {
		t.Errorf("by status (active first): %s", got)
	}
	if got := names("&sortByOption=STATUS&isSortAscending=false"); got != "b-first,a-second" {
		t.Errorf("by status descending: %s", got)
	}
	_ = a
}

func TestResponseBOM(t *testing.T) {
	em := startEmulator(t, Options{})
	em.Update(func(c *Config) { c.ResponseBOM = true })
	api := newAPIClient(t, em)
	r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if !strings.HasPrefix(string(r.body), "\xef\xbb\xbf{") {
		t.Fatalf("body %q", r.body)
	}
}

func TestTenantDiscoveryHeaders(t *testing.T) {
	em := startEmulator(t, Options{})
	em.Update(func(c *Config) {
		c.Orgs = append(c.Orgs, Org{Name: "msa-org", ID: "aaaaaaaa-0000-0000-0000-000000000001", TenantID: MicrosoftAccountTenantID})
	})
	head := func(org string) *http.Response {
		req, _ := http.NewRequest("HEAD", em.URL()+"/"+org, nil)
		resp, err := em.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := head("fabrikam")
	if resp.StatusCode != 401 || resp.Header.Get("X-VSS-ResourceTenant") != DefaultTenantID ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), "authorization_uri="+em.URL()+"/"+DefaultTenantID) {
		t.Fatalf("fabrikam: %d %v", resp.StatusCode, resp.Header)
	}
	resp = head("msa-org")
	if resp.Header.Get("X-VSS-ResourceTenant") != MicrosoftAccountTenantID || strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("msa-org: %v", resp.Header)
	}
	em.Update(func(c *Config) { c.OmitBearerChallenge = true })
	if resp = head("fabrikam"); strings.Contains(resp.Header.Get("WWW-Authenticate"), "authorization_uri") || resp.Header.Get("X-VSS-ResourceTenant") != DefaultTenantID {
		t.Fatalf("without the bearer challenge: %v", resp.Header)
	}
	em.Update(func(c *Config) { c.OnlyConfiguredOrgs = true })
	if resp = head("nosuchorg"); resp.StatusCode != 404 {
		t.Fatalf("unknown org: %d", resp.StatusCode)
	}
	api := newAPIClient(t, em)
	if r := api.do("GET", "/nosuchorg/_apis/tokens/pats?api-version=7.1-preview.1", nil); r.status != 404 {
		t.Fatalf("PAT API of an unknown org: %d", r.status)
	}
}

func TestConnectionDataAcceptsOnlyActivePATs(t *testing.T) {
	em := startEmulator(t, Options{NewSecret: func() string { return "pat-secret-value" }})
	api := newAPIClient(t, em)
	p := patTokenOf(t, api.create("ci", "vso.code", em.Now().Add(time.Hour), false))
	call := func(secret string) int {
		req, _ := http.NewRequest("GET", em.URL()+"/fabrikam/_apis/connectionData", nil)
		req.SetBasicAuth("", secret)
		resp, err := em.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call("pat-secret-value"); got != 200 {
		t.Fatalf("active PAT: %d", got)
	}
	if got := call("wrong"); got != 401 {
		t.Fatalf("unknown PAT: %d", got)
	}
	api.do("DELETE", patsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	if got := call("pat-secret-value"); got != 401 {
		t.Fatalf("revoked PAT: %d", got)
	}
	if r := api.do("GET", "/fabrikam/_apis/connectionData", nil); r.status != 200 || r.json(t)["authenticatedUser"] == nil {
		t.Fatalf("bearer: %d %s", r.status, r.body)
	}
}
