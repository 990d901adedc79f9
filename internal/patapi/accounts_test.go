package patapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

func stubAccounts(t *testing.T, answers ...func(http.ResponseWriter, *http.Request)) (*AccountsClient, *stub) {
	t.Helper()
	s := &stub{answers: answers}
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	return NewAccounts(srv.Client(), srv.URL+"/"), s
}

// The official examples' bodies (ado-accounts-profile/…/httpExamples): a
// profile of api-version 1.0, and the two shapes of accountUri.
const (
	exampleProfile = `{"displayName":"Normal Paulk","publicAlias":"d6245f20-2af8-44f4-9451-8107cb2767db","emailAddress":"fabrikamfiber16@hotmail.com","coreRevision":1647,"timeStamp":"2014-05-12T22:23:07.727+00:00","id":"d6245f20-2af8-44f4-9451-8107cb2767db","revision":1647}`
	exampleMember  = `{"count":2,"value":[{"accountId":"6affcbef-fe5d-44c6-8a29-439b79aaa118","accountUri":"https://vssps.dev.azure.com/Fabrikam-Fiber-Inc/","accountName":"Fabrikam-Fiber-Inc","properties":{}},{"accountId":"bf83696f-383b-4980-95b5-1f1127640a8a","accountUri":"https://vssps.dev.azure.com/NormalPaulk/","accountName":"NormalPaulk","properties":{}}]}`
	exampleOwner   = `{"count":1,"value":[{"accountId":"bf83696f-383b-4980-95b5-1f1127640a8a","accountUri":"https://NormalPaulk.vssps.visualstudio.com:443/","accountName":"NormalPaulk","properties":{}}]}`
	// A 7.1 profile (vsts-rest-api-specs#696 shows the shape).
	profile71 = `{"coreAttributes":{"DisplayName":null,"PublicAlias":null},"coreRevision":454689571,"timeStamp":"2024-05-29T14:39:31.12+00:00","id":"6b28f906-cb6c-6ef0-af0f-6d1a4d3444c7","revision":454689571,"profileState":"custom"}`
)

func TestMyOrganizationsReadsTheProfileThenItsAccounts(t *testing.T) {
	a, s := stubAccounts(t, answer(200, ctJSON, "\xef\xbb\xbf"+exampleProfile), answer(200, ctJSON, exampleMember))
	orgs, err := a.MyOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "Fabrikam-Fiber-Inc" || orgs[0].ID != "6affcbef-fe5d-44c6-8a29-439b79aaa118" || orgs[1].URI != "https://vssps.dev.azure.com/NormalPaulk/" {
		t.Fatalf("orgs %+v", orgs)
	}
	if p := s.seen[0].URL; p.Path != "/_apis/profile/profiles/me" || p.Query().Get("api-version") != "7.1" {
		t.Fatalf("profile request %s", p)
	}
	q := s.seen[1].URL.Query()
	if s.seen[1].URL.Path != "/_apis/accounts" || q.Get("memberId") != "d6245f20-2af8-44f4-9451-8107cb2767db" || q.Get("api-version") != "7.1" {
		t.Fatalf("accounts request %s", s.seen[1].URL)
	}
	for _, r := range s.seen {
		if r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress" || r.Method != "GET" {
			t.Fatalf("request %s %v", r.Method, r.Header)
		}
	}
}

func TestOrganizationsSortedAndTolerant(t *testing.T) {
	a, _ := stubAccounts(t,
		answer(200, ctJSON, profile71),
		// A bare array (the OpenAPI schema's shape), the older accountUri,
		// an entry without a name.
		answer(200, ctJSON, `[{"accountId":"2","accountName":"zeta","accountUri":"https://zeta.vssps.visualstudio.com:443/"},{"accountId":"3","accountName":""},{"accountId":"1","accountName":"Alpha"}]`),
	)
	orgs, err := a.MyOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "Alpha" || orgs[1].Name != "zeta" {
		t.Fatalf("orgs %+v", orgs)
	}
	a, _ = stubAccounts(t, answer(200, ctJSON, exampleOwner))
	orgs, err = a.Organizations(context.Background(), "x")
	if err != nil || len(orgs) != 1 || orgs[0].Name != "NormalPaulk" {
		t.Fatalf("older accountUri: %+v %v", orgs, err)
	}
}

func TestAccountsErrors(t *testing.T) {
	ctx := context.Background()
	var signIn *SignInError
	a, _ := stubAccounts(t, answer(401, ctJSON, `{"message":"TF400813: Resource not available for anonymous access."}`))
	if _, err := a.MyOrganizations(ctx); !errors.As(err, &signIn) || !strings.HasPrefix(err.Error(), "read your profile: ") {
		t.Fatalf("401: %v", err)
	}
	a, _ = stubAccounts(t, answer(200, ctJSON, `{"id":"00000000-0000-0000-0000-000000000000"}`))
	if _, err := a.MyOrganizations(ctx); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("empty profile: %v", err)
	}
	var apiErr *APIError
	a, _ = stubAccounts(t, answer(200, ctJSON, exampleProfile),
		answer(400, ctJSON, `{"$id":"1","innerException":null,"message":"Necessary parameters ownerId or memberId were not provided in the request.","typeName":"Microsoft.VisualStudio.Services.Account.AccountException, Microsoft.VisualStudio.Services.WebApi","typeKey":"AccountException","errorCode":0,"eventId":4236}`))
	if _, err := a.MyOrganizations(ctx); !errors.As(err, &apiErr) || apiErr.Status != 400 || !strings.Contains(err.Error(), "list your organizations: HTTP 400") {
		t.Fatalf("400: %v", err)
	}
	a, _ = stubAccounts(t, answer(200, ctJSON, exampleProfile), answer(200, ctJSON, `{"value":`))
	if _, err := a.MyOrganizations(ctx); err == nil || !strings.Contains(err.Error(), "not the JSON expected") {
		t.Fatalf("bad JSON: %v", err)
	}
}

func TestAccountsRetryAsThePATClient(t *testing.T) {
	a, s := stubAccounts(t,
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(503)
		},
		answer(200, ctJSON, exampleProfile),
	)
	a.Retry = RetryPolicy{Deadline: time.Now().Add(10 * time.Second), Backoff: time.Millisecond}
	if p, err := a.Me(context.Background()); err != nil || p.ID != "d6245f20-2af8-44f4-9451-8107cb2767db" || p.DisplayName != "Normal Paulk" {
		t.Fatalf("profile %+v %v", p, err)
	}
	if len(s.seen) != 2 {
		t.Fatalf("%d requests", len(s.seen))
	}
}

// TestAccountsAgainstTheEmulator: the emulator's wire structs are its own,
// and its profile id is not the Entra object id: a client that skipped the
// profile would find nothing.
func TestAccountsAgainstTheEmulator(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	err := em.Update(func(c *emulator.Config) {
		c.Orgs = append(c.Orgs, emulator.Org{Name: "Contoso-Web", ID: "7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID},
			emulator.Org{Name: "private", ID: "8a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", TenantID: emulator.DefaultTenantID, Members: []string{"nobody@contoso.onmicrosoft.com"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	a := NewAccounts(hc, em.URL())
	me, err := a.Me(context.Background())
	if err != nil || me.ID != emulator.ProfileID(emulator.DefaultUserOID) {
		t.Fatalf("profile %+v %v", me, err)
	}
	orgs, err := a.MyOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 2 || orgs[0].Name != "Contoso-Web" || orgs[1].Name != emulator.DefaultOrg || orgs[1].ID != emulator.DefaultOrgID || orgs[1].URI != em.URL()+"/fabrikam/" {
		t.Fatalf("orgs %+v", orgs)
	}
	if orgs, err := a.Organizations(context.Background(), emulator.DefaultUserOID); err != nil || len(orgs) != 0 {
		t.Fatalf("by object id: %+v %v", orgs, err)
	}
}
