package devops_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

func TestAPIVersionRules(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
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
		path := emulatortest.PATsPath
		if version != "" {
			path += "?api-version=" + strings.ReplaceAll(version, " ", "%20")
		}
		r := api.Do("GET", path, nil)
		if r.Status != wantStatus {
			t.Errorf("api-version %q: status %d, want %d (%s)", version, r.Status, wantStatus, r.Body)
			continue
		}
		if wantStatus == 400 {
			env := r.JSON(t)
			for _, k := range []string{"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"} {
				if _, ok := env[k]; !ok {
					t.Errorf("api-version %q: error envelope lacks %q: %s", version, k, r.Body)
				}
			}
		}
	}
	r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1", nil)
	if env := r.JSON(t); env["typeKey"] != "VssInvalidPreviewVersionException" || !strings.Contains(env["message"].(string), "-preview") {
		t.Errorf("a released version: %s", r.Body)
	}
}

func TestRouteIsCaseInsensitive(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	for _, path := range []string{"/fabrikam/_apis/tokens/pats", "/Fabrikam/_apis/Tokens/Pats", "/FABRIKAM/_APIS/TOKENS/PATS/"} {
		if r := api.Do("GET", path+"?API-Version=7.1-preview.1", nil); r.Status != 200 {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

func TestUnauthenticatedCallsAreChallenged(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	good := api.Token

	check401 := func(what string) {
		t.Helper()
		r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
		if r.Status != 401 {
			t.Fatalf("%s: status %d, want 401: %s", what, r.Status, r.Body)
		}
		want := "Bearer authorization_uri=" + em.URL() + "/" + emulator.DefaultTenantID
		if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, want) {
			t.Fatalf("%s: WWW-Authenticate %q, want prefix %q", what, got, want)
		}
		if got := r.Header.Get("X-VSS-ResourceTenant"); got != emulator.DefaultTenantID {
			t.Fatalf("%s: X-VSS-ResourceTenant %q", what, got)
		}
	}
	api.Token = ""
	check401("no token")
	api.Token = good[:len(good)-4] + "AAAA"
	check401("bad signature")
	api.Token = "not-a-jwt"
	check401("garbage")

	// A token for another tenant is refused by this organization.
	em.Update(func(c *emulator.Config) {
		c.Tenants = append(c.Tenants, emulator.Tenant{ID: "11111111-2222-3333-4444-555555555555", Domain: "other.onmicrosoft.com"})
		c.Users = append(c.Users, emulator.User{ObjectID: "99999999-2222-3333-4444-555555555555", TenantID: "11111111-2222-3333-4444-555555555555", UPN: "bob@other.onmicrosoft.com", Name: "Bob"})
	})
	var err error
	if api.Token, err = em.AccessToken("bob@other.onmicrosoft.com"); err != nil {
		t.Fatal(err)
	}
	check401("token of another tenant")

	// Expired: past the lifetime plus the five minutes of clock skew.
	api.Token = good
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 200 {
		t.Fatalf("valid token: %d %s", r.Status, r.Body)
	}
	em.Advance(time.Hour + 4*time.Minute)
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 200 {
		t.Fatalf("token inside the clock skew: %d", r.Status)
	}
	em.Advance(2 * time.Minute)
	check401("expired token")
}

func TestSignInPageAndRedirectAnswers(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	api.Token = ""
	em.Update(func(c *emulator.Config) { c.SignInAnswer = emulator.SignInPage })
	r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if r.Status != 203 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "Sign In") {
		t.Fatalf("203 mode: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	em.Update(func(c *emulator.Config) { c.SignInAnswer = emulator.SignInRedirect })
	r = api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if r.Status != 302 || !strings.Contains(r.Header.Get("Location"), "_signin") {
		t.Fatalf("302 mode: %d %v", r.Status, r.Header)
	}
}

func TestServicePrincipalIsRefused(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.AppOnlyTokens = true })
	api := emulatortest.NewAPI(t, em)
	r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if r.Status != 403 {
		t.Fatalf("status %d", r.Status)
	}
	env := r.JSON(t)
	if env["message"] != "Service principals are not allowed to perform this action." || env["typeKey"] != "InvalidAccessException" {
		t.Fatalf("refusal: %s", r.Body)
	}
}

func TestPATsAreNotAcceptedByThePATAPI(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{NewSecret: func() string { return "s3cr3t" }})
	api := emulatortest.NewAPI(t, em)
	api.Create("ci", "vso.code", em.Now().Add(time.Hour), false)
	req, _ := http.NewRequest("GET", em.URL()+emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
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
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	p := emulatortest.PatTokenOf(t, api.Create("deploy", "vso.code  vso.work_write", em.Now().Add(48*time.Hour), false))
	secret, _ := p["token"].(string)
	if len(secret) != 52 {
		t.Fatalf("secret %q", secret)
	}
	if p["scope"] != "vso.code vso.work_write" {
		t.Fatalf("scope %v", p["scope"])
	}
	if ta, _ := p["targetAccounts"].([]any); len(ta) != 1 || ta[0] != emulator.DefaultOrgID {
		t.Fatalf("targetAccounts %v", p["targetAccounts"])
	}
	got := emulatortest.PatTokenOf(t, api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil).JSON(t))
	if got["token"] != nil {
		t.Fatalf("Get shows the secret: %v", got["token"])
	}
	list := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if strings.Contains(string(list.Body), secret) {
		t.Fatal("List shows the secret")
	}
	if strings.Contains(em.DevOps().StoredPATsForTest(), secret) {
		t.Fatal("the emulator keeps the secret itself")
	}
}

func TestAllOrgsTokensHaveNullTargetAccounts(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	r := api.Create("global", "vso.code", em.Now().Add(time.Hour), true)
	if p := emulatortest.PatTokenOf(t, r); p["targetAccounts"] != nil {
		t.Fatalf("targetAccounts %v", p["targetAccounts"])
	}
	// It shows in any organization of the user's tenant; an org-scoped one does not.
	api.Create("local", "vso.code", em.Now().Add(time.Hour), false)
	other := api.Do("GET", "/contoso-eng/_apis/tokens/pats?api-version=7.1-preview.1", nil).JSON(t)
	items := other["patTokens"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["displayName"] != "global" {
		t.Fatalf("other org lists %v", items)
	}
}

func TestCreateValidation(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
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
		r := api.Do("POST", emulatortest.PATsPath+"?api-version=7.1-preview.1", tc.body)
		if r.Status != 200 {
			t.Errorf("%s: status %d", tc.body, r.Status)
			continue
		}
		m := r.JSON(t)
		if m["patTokenError"] != tc.want {
			t.Errorf("%s: patTokenError %v, want %s", tc.body, m["patTokenError"], tc.want)
		}
		if tc.want != "none" && m["patToken"] != nil {
			t.Errorf("%s: a failure carries a patToken", tc.body)
		}
	}
	for _, body := range []string{"", "{not json", `{"displayName":"x","validTo":"someday"}`} {
		if r := api.Do("POST", emulatortest.PATsPath+"?api-version=7.1-preview.1", body); r.Status != 400 {
			t.Errorf("body %q: status %d, want 400", body, r.Status)
		}
	}
}

func TestTenantPolicies(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	em.Update(func(c *emulator.Config) {
		c.Tenants[0].RestrictGlobalPATs = true
		c.Tenants[0].RestrictFullScopePATs = true
		c.Tenants[0].MaxPATLifespan = emulator.Duration(7 * 24 * time.Hour)
	})
	if m := api.Create("g", "vso.code", em.Now().Add(time.Hour), true); m["patTokenError"] != "globalPatPolicyViolation" {
		t.Errorf("global: %v", m["patTokenError"])
	}
	if m := api.Create("f", "app_token", em.Now().Add(time.Hour), false); m["patTokenError"] != "fullScopePatPolicyViolation" {
		t.Errorf("full scope: %v", m["patTokenError"])
	}
	// Too long a lifetime is clamped, not refused.
	p := emulatortest.PatTokenOf(t, api.Create("long", "vso.code", em.Now().Add(365*24*time.Hour), false))
	validTo := emulatortest.MustTime(t, p["validTo"].(string))
	if d := validTo.Sub(em.Now()); d > 7*24*time.Hour+time.Second || d < 7*24*time.Hour-time.Second {
		t.Fatalf("validTo %v is %v from now, want the 7-day policy", validTo, d)
	}
	// Update is held to the same policies.
	r := api.Do("PUT", emulatortest.PATsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": p["authorizationId"], "allOrgs": true})
	if m := r.JSON(t); m["patTokenError"] != "globalPatPolicyViolation" {
		t.Errorf("update to global: %v", m["patTokenError"])
	}
}

func TestUpdateChangesOnlyWhatIsGiven(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	orig := emulatortest.PatTokenOf(t, api.Create("svc", "vso.code", em.Now().Add(24*time.Hour), false))
	id := orig["authorizationId"].(string)
	upd := func(body map[string]any) map[string]any {
		body["authorizationId"] = id
		return api.Do("PUT", emulatortest.PATsPath+"?api-version=7.1-preview.1", body).JSON(t)
	}
	p := emulatortest.PatTokenOf(t, upd(map[string]any{"displayName": "svc2"}))
	if p["displayName"] != "svc2" || p["scope"] != orig["scope"] || p["validTo"] != orig["validTo"] || p["validFrom"] != orig["validFrom"] {
		t.Fatalf("rename changed more: %v vs %v", p, orig)
	}
	if p["token"] != nil {
		t.Fatal("update shows a secret")
	}
	p = emulatortest.PatTokenOf(t, upd(map[string]any{"allOrgs": true}))
	if p["targetAccounts"] != nil {
		t.Fatalf("allOrgs true: %v", p["targetAccounts"])
	}
	p = emulatortest.PatTokenOf(t, upd(map[string]any{"allOrgs": false, "scope": "vso.work"}))
	if ta, _ := p["targetAccounts"].([]any); len(ta) != 1 || p["scope"] != "vso.work" {
		t.Fatalf("allOrgs false: %v", p)
	}
	if m := upd(map[string]any{"validTo": em.Now().Add(-time.Hour).Format(time.RFC3339)}); m["patTokenError"] != "invalidValidTo" {
		t.Fatalf("past validTo: %v", m)
	}
	if m := api.Do("PUT", emulatortest.PATsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": "00000000-0000-0000-0000-000000000000"}).JSON(t); m["patTokenError"] != "invalidAuthorizationId" {
		t.Fatalf("empty id: %v", m)
	}
	if m := api.Do("PUT", emulatortest.PATsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": uuid.NewString()}).JSON(t); m["patTokenError"] != "authorizationNotFound" {
		t.Fatalf("unknown id: %v", m)
	}
	// A revoked token cannot be updated.
	if r := api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil); r.Status != 204 {
		t.Fatalf("revoke: %d", r.Status)
	}
	if m := upd(map[string]any{"displayName": "again"}); m["patTokenError"] != "authorizationNotFound" {
		t.Fatalf("update of a revoked token: %v", m)
	}
}

func TestGetAndRevokeErrors(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	if m := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+uuid.NewString(), nil).JSON(t); m["patTokenError"] != "authorizationNotFound" || m["patToken"] != nil {
		t.Errorf("get unknown: %v", m)
	}
	for _, q := range []string{"&authorizationId=not-a-guid", "&authorizationId=1234"} {
		if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1"+q, nil); r.Status != 400 {
			t.Errorf("get %s: %d", q, r.Status)
		}
	}
	for _, q := range []string{"", "&authorizationId=not-a-guid"} {
		if r := api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1"+q, nil); r.Status != 400 {
			t.Errorf("revoke %q: %d", q, r.Status)
		}
	}
	if r := api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+uuid.NewString(), nil); r.Status != 404 {
		t.Errorf("revoke unknown: %d", r.Status)
	}
	if r := api.Do("PATCH", emulatortest.PATsPath+"?api-version=7.1-preview.1", "{}"); r.Status != 405 {
		t.Errorf("PATCH: %d", r.Status)
	}
	// Another user's token is invisible.
	p := emulatortest.PatTokenOf(t, api.Create("mine", "vso.code", em.Now().Add(time.Hour), false))
	em.Update(func(c *emulator.Config) {
		c.Users = append(c.Users, emulator.User{ObjectID: "77777777-2222-3333-4444-555555555555", TenantID: emulator.DefaultTenantID, UPN: "eve@contoso.onmicrosoft.com", Name: "Eve"})
	})
	eve := emulatortest.NewAPI(t, em)
	var err error
	if eve.Token, err = em.AccessToken("eve@contoso.onmicrosoft.com"); err != nil {
		t.Fatal(err)
	}
	if m := eve.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil).JSON(t); m["patTokenError"] != "authorizationNotFound" {
		t.Errorf("another user's token: %v", m)
	}
	if r := eve.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil); r.Status != 404 {
		t.Errorf("revoke another user's token: %d", r.Status)
	}
}

func TestListFiltersSortsAndPages(t *testing.T) {
	clock := &emulatortest.Clock{}
	clock.Set(emulatortest.MustTime(t, "2026-01-01T00:00:00Z"))
	em := emulatortest.Start(t, emulator.Options{Now: clock.Now})
	api := emulatortest.NewAPI(t, em)
	api.Token, _ = em.AccessToken(emulator.DefaultUserUPN)
	const n = 250
	ids := map[string]string{}
	for i := 0; i < n; i++ {
		clock.Set(clock.Now().Add(time.Second))
		ttl := 48 * time.Hour
		if i%10 == 0 {
			ttl = 2 * time.Hour // these will expire
		}
		p := emulatortest.PatTokenOf(t, api.Create(fmt.Sprintf("tok-%03d", (i*7)%n), "vso.code", clock.Now().Add(ttl), false))
		ids[p["authorizationId"].(string)] = p["displayName"].(string)
	}
	// Revoke 5, expire 25.
	revoked := 0
	for id := range ids {
		if revoked == 5 {
			break
		}
		if r := api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+id, nil); r.Status != 204 {
			t.Fatal(r.Status)
		}
		revoked++
	}
	clock.Set(clock.Now().Add(3 * time.Hour))
	api.Token, _ = em.AccessToken(emulator.DefaultUserUPN)

	listAll := func(query string) (names []string, pages int) {
		t.Helper()
		ct := ""
		for {
			q := emulatortest.PATsPath + "?api-version=7.1-preview.1&$top=100" + query
			if ct != "" {
				q += "&continuationToken=" + ct
			}
			page := api.Do("GET", q, nil).JSON(t)
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
	if page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil).JSON(t); len(page["patTokens"].([]any)) != 20 {
		t.Fatalf("default page: %d", len(page["patTokens"].([]any)))
	}
	if page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=1000", nil).JSON(t); len(page["patTokens"].([]any)) != 100 {
		t.Fatalf("$top=1000: %d", len(page["patTokens"].([]any)))
	}
	for _, q := range []string{"&$top=0", "&$top=x", "&displayFilterOption=bogus", "&sortByOption=size", "&isSortAscending=maybe", "&continuationToken=bm90IGpzb24", "&continuationToken=e30"} {
		if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1"+q, nil); r.Status != 400 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	// A continuation token only works with the filter it was issued for.
	first := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&displayFilterOption=all", nil).JSON(t)
	ct := first["continuationToken"].(string)
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&continuationToken="+ct, nil); r.Status != 400 {
		t.Errorf("continuation with another filter: %d", r.Status)
	}
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&displayFilterOption=all&continuationToken="+ct, nil); r.Status != 200 {
		t.Errorf("continuation with the same filter: %d", r.Status)
	}
}

func TestSortByDateAndStatus(t *testing.T) {
	clock := &emulatortest.Clock{}
	clock.Set(emulatortest.MustTime(t, "2026-01-01T00:00:00Z"))
	em := emulatortest.Start(t, emulator.Options{Now: clock.Now})
	api := emulatortest.NewAPI(t, em)
	a := emulatortest.PatTokenOf(t, api.Create("b-first", "vso.code", clock.Now().Add(time.Hour), false))
	clock.Set(clock.Now().Add(time.Minute))
	emulatortest.PatTokenOf(t, api.Create("a-second", "vso.code", clock.Now().Add(48*time.Hour), false))
	clock.Set(clock.Now().Add(2 * time.Hour)) // b-first has expired
	api.Token, _ = em.AccessToken(emulator.DefaultUserUPN)
	names := func(q string) string {
		page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&displayFilterOption=all"+q, nil).JSON(t)
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
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.ResponseBOM = true })
	api := emulatortest.NewAPI(t, em)
	r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if !strings.HasPrefix(string(r.Body), "\xef\xbb\xbf{") {
		t.Fatalf("body %q", r.Body)
	}
}

func TestTenantDiscoveryHeaders(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) {
		c.Orgs = append(c.Orgs, emulator.Org{Name: "msa-org", ID: "aaaaaaaa-0000-0000-0000-000000000001", TenantID: emulator.MicrosoftAccountTenantID})
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
	if resp.StatusCode != 401 || resp.Header.Get("X-VSS-ResourceTenant") != emulator.DefaultTenantID ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), "authorization_uri="+em.URL()+"/"+emulator.DefaultTenantID) {
		t.Fatalf("fabrikam: %d %v", resp.StatusCode, resp.Header)
	}
	resp = head("msa-org")
	if resp.Header.Get("X-VSS-ResourceTenant") != emulator.MicrosoftAccountTenantID || strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("msa-org: %v", resp.Header)
	}
	em.Update(func(c *emulator.Config) { c.OmitBearerChallenge = true })
	if resp = head("fabrikam"); strings.Contains(resp.Header.Get("WWW-Authenticate"), "authorization_uri") || resp.Header.Get("X-VSS-ResourceTenant") != emulator.DefaultTenantID {
		t.Fatalf("without the bearer challenge: %v", resp.Header)
	}
	em.Update(func(c *emulator.Config) { c.OnlyConfiguredOrgs = true })
	if resp = head("nosuchorg"); resp.StatusCode != 404 {
		t.Fatalf("unknown org: %d", resp.StatusCode)
	}
	api := emulatortest.NewAPI(t, em)
	if r := api.Do("GET", "/nosuchorg/_apis/tokens/pats?api-version=7.1-preview.1", nil); r.Status != 404 {
		t.Fatalf("PAT API of an unknown org: %d", r.Status)
	}
}

func TestConnectionDataAcceptsOnlyActivePATs(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{NewSecret: func() string { return "pat-secret-value" }})
	api := emulatortest.NewAPI(t, em)
	p := emulatortest.PatTokenOf(t, api.Create("ci", "vso.code", em.Now().Add(time.Hour), false))
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
	api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+p["authorizationId"].(string), nil)
	if got := call("pat-secret-value"); got != 401 {
		t.Fatalf("revoked PAT: %d", got)
	}
	if r := api.Do("GET", "/fabrikam/_apis/connectionData", nil); r.Status != 200 || r.JSON(t)["authenticatedUser"] == nil {
		t.Fatalf("bearer: %d %s", r.Status, r.Body)
	}
}
