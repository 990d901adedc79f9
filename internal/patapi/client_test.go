package patapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// stub serves canned answers in order and records the requests.
type stub struct {
	answers []func(w http.ResponseWriter, r *http.Request)
	seen    []*http.Request
	n       atomic.Int32
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	s.seen = append(s.seen, r)
	if i >= len(s.answers) {
		http.Error(w, "no more answers", 500)
		return
	}
	s.answers[i](w, r)
}

func answer(status int, contentType, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func stubClient(t *testing.T, answers ...func(http.ResponseWriter, *http.Request)) (*Client, *stub) {
	t.Helper()
	s := &stub{answers: answers}
	srv := httptest.NewTLSServer(s)
	t.Cleanup(srv.Close)
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return New(hc, srv.URL, "fabrikam"), s
}

const ctJSON = "application/json; charset=utf-8"

func page(names []string, ct string) string {
	var items []string
	for _, n := range names {
		items = append(items, fmt.Sprintf(`{"displayName":%q,"validTo":"2030-01-01T00:00:00.1Z","scope":"vso.code","targetAccounts":null,"validFrom":"2029-12-01T00:00:00Z","authorizationId":"00000000-0000-0000-0000-00000000000%d","token":null}`, n, len(n)))
	}
	return `{` + ct + `"patTokens":[` + strings.Join(items, ",") + `]}`
}

func TestListFollowsEveryPageAndStopsOnAnyEnding(t *testing.T) {
	for name, last := range map[string]string{
		"empty string": `"continuationToken":"",`,
		"null":         `"continuationToken":null,`,
		"absent":       ``,
	} {
		t.Run(name, func(t *testing.T) {
			c, s := stubClient(t,
				answer(200, ctJSON, page([]string{"a"}, `"continuationToken":"p2",`)),
				answer(200, ctJSON, "\xef\xbb\xbf"+page([]string{"b"}, `"continuationToken":"p3",`)),
				answer(200, ctJSON, page([]string{"c"}, last)),
			)
			tokens, err := c.List(context.Background(), ListOptions{Status: "revoked", Sort: "status", Ascending: false})
			if err != nil {
				t.Fatal(err)
			}
			if len(tokens) != 3 || tokens[2].DisplayName != "c" || !tokens[0].AllOrgs() || tokens[1].Status != StatusRevoked {
				t.Fatalf("tokens %+v", tokens)
			}
			for i, r := range s.seen {
				q := r.URL.Query()
				if q.Get("displayFilterOption") != "revoked" || q.Get("sortByOption") != "status" || q.Get("isSortAscending") != "false" ||
					q.Get("$top") != "100" || q.Get("api-version") != "7.1-preview.1" || r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress" {
					t.Fatalf("request %d: %s %v", i, r.URL, r.Header)
				}
				if want := map[int]string{0: "", 1: "p2", 2: "p3"}[i]; q.Get("continuationToken") != want {
					t.Fatalf("request %d continuation %q", i, q.Get("continuationToken"))
				}
			}
		})
	}
}

func TestListRefusesARepeatedContinuation(t *testing.T) {
	c, _ := stubClient(t,
		answer(200, ctJSON, page([]string{"a"}, `"continuationToken":"same",`)),
		answer(200, ctJSON, page([]string{"b"}, `"continuationToken":"same",`)),
	)
	if _, err := c.List(context.Background(), ListOptions{}); err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Fatalf("error %v", err)
	}
}

func TestAnswersThatMeanSignIn(t *testing.T) {
	for name, a := range map[string]func(http.ResponseWriter, *http.Request){
		"401":            answer(401, ctJSON, `{"message":"TF400813: anonymous"}`),
		"203 HTML":       answer(203, "text/html", "<html>Sign In</html>"),
		"302":            func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/_signin", http.StatusFound) },
		"200 HTML":       answer(200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>"),
		"200 unlabelled": answer(200, "", "  <html><body>sign in</body></html>"),
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := stubClient(t, a)
			_, err := c.List(context.Background(), ListOptions{})
			var signIn *SignInError
			if !errors.As(err, &signIn) {
				t.Fatalf("error %T %v", err, err)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	c, _ := stubClient(t,
		answer(200, ctJSON, `{"patToken":null,"patTokenError":"invalidScope"}`),
		answer(200, ctJSON, `{"patToken":null,"patTokenError":"someFutureError","patTokenErrorMessage":"Try later."}`),
		answer(200, ctJSON, `{"patToken":null,"patTokenError":"authorizationNotFound"}`),
		answer(200, ctJSON, `{"patToken":null,"patTokenError":"none"}`),
	)
	ctx := context.Background()
	var te *TokenError
	_, err := c.Create(ctx, CreateRequest{DisplayName: "x"})
	if !errors.As(err, &te) || te.Code != "invalidScope" || !strings.Contains(err.Error(), "a scope is not valid") {
		t.Fatalf("invalidScope: %v", err)
	}
	_, err = c.Create(ctx, CreateRequest{DisplayName: "x"})
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "someFutureError: Try later.") {
		t.Fatalf("unknown code: %v", err)
	}
	_, err = c.Get(ctx, "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32")
	if !errors.As(err, &te) || !te.NotFound() {
		t.Fatalf("not found: %v", err)
	}
	if _, err = c.Get(ctx, "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32"); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("none without token: %v", err)
	}
}

func TestEnvelopeAndBadBodies(t *testing.T) {
	c, _ := stubClient(t,
		answer(403, ctJSON, "\xef\xbb\xbf"+`{"$id":"1","innerException":null,"message":"Service principals are not allowed to perform this action.","typeName":"X","typeKey":"InvalidAccessException","errorCode":0,"eventId":3000}`),
		answer(404, ctJSON, `{"message":"gone"}`),
		answer(200, ctJSON, `{"patTokens": [ {"displayName": 7} ]}`),
		answer(200, ctJSON, `{"patTokens": [`),
		answer(500, "text/html", `<html>Oops</html>`),
		answer(200, ctJSON, `{"patTokens":[{"validTo":"not a date"}]}`),
	)
	ctx := context.Background()
	var apiErr *APIError
	if _, err := c.List(ctx, ListOptions{}); !errors.As(err, &apiErr) || !apiErr.Refused() || !strings.Contains(err.Error(), "Service principals") {
		t.Fatalf("403: %v", err)
	}
	if err := c.Revoke(ctx, "x"); !errors.As(err, &apiErr) || !apiErr.NotFound() {
		t.Fatalf("404: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := c.List(ctx, ListOptions{}); err == nil || !strings.Contains(err.Error(), "not the JSON expected") {
			t.Fatalf("bad JSON %d: %v", i, err)
		}
	}
	if _, err := c.List(ctx, ListOptions{}); !errors.As(err, &apiErr) || apiErr.Status != 500 || !strings.Contains(err.Error(), "an HTML page") {
		t.Fatalf("500 HTML: %v", err)
	}
	if _, err := c.List(ctx, ListOptions{}); err == nil || !strings.Contains(err.Error(), "not a time") {
		t.Fatalf("bad time: %v", err)
	}
}

func TestHugeBodyIsRefused(t *testing.T) {
	c, _ := stubClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctJSON)
		io.WriteString(w, `{"patTokens":[`)
		chunk := strings.Repeat(" ", 1<<20)
		for i := 0; i < 20; i++ {
			io.WriteString(w, chunk)
		}
		io.WriteString(w, `]}`)
	})
	if _, err := c.List(context.Background(), ListOptions{}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("error %v", err)
	}
}

func TestTimesParseLeniently(t *testing.T) {
	for _, s := range []string{`"2020-12-01T23:46:23.32Z"`, `"2020-11-02T22:56:52.1033333Z"`, `"2020-12-01T23:46:23Z"`, `"2020-12-01T23:46:23.3200000"`, `"2020-12-01T23:46:23+01:00"`} {
		var tm Time
		if err := tm.UnmarshalJSON([]byte(s)); err != nil || tm.Year() != 2020 || tm.Location() != time.UTC {
			t.Errorf("%s: %v %v", s, tm, err)
		}
	}
}

// TestAgainstTheEmulator runs every operation against the emulator, whose
// wire structs are its own: a wrong JSON name here fails.
func TestAgainstTheEmulator(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	hc, err := em.UserHTTPClient(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	c := New(hc, em.URL(), emulator.DefaultOrg)
	ctx := context.Background()
	validTo := time.Now().Add(72 * time.Hour).UTC()
	created, err := c.Create(ctx, CreateRequest{DisplayName: "wire", Scope: "vso.code vso.build", ValidTo: validTo})
	if err != nil {
		t.Fatal(err)
	}
	if created.Token == "" || created.AllOrgs() || created.ValidTo.Sub(validTo).Abs() > time.Second || created.Lifetime() < 71*time.Hour {
		t.Fatalf("created %+v", created)
	}
	got, err := c.Get(ctx, created.AuthorizationID)
	if err != nil || got.Token != "" || got.DisplayName != "wire" || len(got.Scopes()) != 2 {
		t.Fatalf("get %+v %v", got, err)
	}
	name, all := "wire-2", true
	updated, err := c.Update(ctx, UpdateRequest{AuthorizationID: created.AuthorizationID, DisplayName: &name, AllOrgs: &all})
	if err != nil || updated.DisplayName != "wire-2" || !updated.AllOrgs() || updated.Scope != "vso.code vso.build" {
		t.Fatalf("update %+v %v", updated, err)
	}
	if err := c.Revoke(ctx, created.AuthorizationID); err != nil {
		t.Fatal(err)
	}
	revoked, err := c.List(ctx, ListOptions{Status: "revoked", Ascending: true})
	if err != nil || len(revoked) != 1 || revoked[0].AuthorizationID != created.AuthorizationID {
		t.Fatalf("revoked %+v %v", revoked, err)
	}
}

// TestSendTellsAnUnsentRequest: a request that never got onto a connection
// is a NotSentError — the service cannot have acted on it; one the service
// read in full and then hung up on is not.
func TestSendTellsAnUnsentRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	var notSent *NotSentError
	_, _, _, err = Send(context.Background(), http.DefaultClient, "POST", "http://"+addr+"/x", []byte(`{}`))
	if !errors.As(err, &notSent) {
		t.Fatalf("a refused connection: %v, want a NotSentError", err)
	}

	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer hangUp.Close()
	_, _, _, err = Send(context.Background(), hangUp.Client(), "POST", hangUp.URL+"/x", []byte(`{}`))
	if err == nil || errors.As(err, &notSent) {
		t.Fatalf("a request read in full, then no answer: %v, want an error that is not a NotSentError", err)
	}
}
