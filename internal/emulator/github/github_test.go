package github

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/nacl/box"
)

// fake serves a Service with the default configuration at /github over TLS.
type fake struct {
	t   *testing.T
	svc *Service
	srv *httptest.Server
}

func newFake(t *testing.T) *fake {
	svc := New(Options{Prefix: "/github"})
	mux := http.NewServeMux()
	mux.Handle("/github/", svc)
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return &fake{t: t, svc: svc, srv: srv}
}

// call sends a request with a token ("" for none) and decodes a JSON answer into out.
func (f *fake) call(method, path, token string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, f.srv.URL+"/github"+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			f.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

// seal gets the scope's public key and seals value with it, as a client does.
func (f *fake) seal(scope, value string) (keyID, sealed string) {
	f.t.Helper()
	var pk publicKey
	if st := f.call("GET", scope+"/public-key", DefaultToken, nil, &pk); st != 200 {
		f.t.Fatalf("public key of %s: %d", scope, st)
	}
	raw, err := base64.StdEncoding.DecodeString(pk.Key)
	if err != nil || len(raw) != 32 {
		f.t.Fatalf("key %q is not a Base64 X25519 key", pk.Key)
	}
	var pub [32]byte
	copy(pub[:], raw)
	out, err := box.SealAnonymous(nil, []byte(value), &pub, rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	return pk.KeyID, base64.StdEncoding.EncodeToString(out)
}

func TestPutOpensARealSealedBoxAndRefusesATamperedOne(t *testing.T) {
	f := newFake(t)
	const scope = "/repos/contoso/web/actions/secrets"
	keyID, sealed := f.seal(scope, "first value")
	if st := f.call("PUT", scope+"/ado_pat", DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": keyID}, nil); st != 201 {
		t.Fatalf("create: %d, want 201", st)
	}
	keyID, sealed = f.seal(scope, "second value")
	if st := f.call("PUT", scope+"/ADO_PAT", DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": keyID}, nil); st != 204 {
		t.Fatalf("update: %d, want 204", st)
	}
	got, err := f.svc.Secret("contoso/web/ado_pat")
	if err != nil || got.Value != "second value" || got.Name != "ADO_PAT" {
		t.Fatalf("readback %+v, %v", got, err)
	}

	raw, _ := base64.StdEncoding.DecodeString(sealed)
	raw[len(raw)-1] ^= 1
	var verr validationError
	if st := f.call("PUT", scope+"/ADO_PAT", DefaultToken, map[string]string{"encrypted_value": base64.StdEncoding.EncodeToString(raw), "key_id": keyID}, &verr); st != 422 || verr.DocumentationURL == "" {
		t.Fatalf("tampered box: %d %+v, want 422 with a validation error", st, verr)
	}
	if st := f.call("PUT", scope+"/ADO_PAT", DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": "1"}, nil); st != 422 {
		t.Fatalf("unknown key_id: %d, want 422", st)
	}
	if st := f.call("PUT", scope+"/ADO_PAT", DefaultToken, map[string]string{"encrypted_value": sealed[:len(sealed)-1], "key_id": keyID}, nil); st != 422 {
		t.Fatalf("not Base64: %d, want 422", st)
	}
	if got, _ := f.svc.Secret("contoso/web/ADO_PAT"); got.Value != "second value" {
		t.Fatalf("a refused PUT changed the secret to %q", got.Value)
	}

	var meta map[string]any
	if st := f.call("GET", scope+"/ado_pat", DefaultToken, nil, &meta); st != 200 || meta["name"] != "ADO_PAT" || meta["created_at"] == nil || len(meta) != 3 {
		t.Fatalf("get: %d %v, want name, created_at, updated_at only", st, meta)
	}
}

func TestTokensAndScopes(t *testing.T) {
	f := newFake(t)
	var e basicError
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/repos/contoso/web/actions/secrets/public-key", "", 401},
		{"GET", "/repos/contoso/web/actions/secrets/public-key", "ghp_unknown", 401},
		{"GET", "/repos/contoso/web/actions/secrets/public-key", NoAccessToken, 403},
		{"GET", "/repos/contoso/web/actions/secrets/public-key", ReadOnlyToken, 200},
		{"PUT", "/repos/contoso/web/actions/secrets/X", ReadOnlyToken, 403},
		{"GET", "/repos/contoso/nope/actions/secrets/public-key", DefaultToken, 404},
		{"GET", "/repos/contoso/web/environments/staging/secrets/public-key", DefaultToken, 404},
		{"GET", "/repos/CONTOSO/Web/environments/PROD/secrets/public-key", DefaultToken, 200},
		{"GET", "/orgs/fabrikam/actions/secrets/public-key", DefaultToken, 404},
		{"GET", "/orgs/contoso/actions/secrets/NOT_THERE", DefaultToken, 404},
	} {
		if st := f.call(c.method, c.path, c.token, nil, &e); st != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, st, c.want)
		}
	}
	if e.Message == "" || e.Status != "404" {
		t.Errorf("error body %+v is not GitHub's basic-error", e)
	}
}

func TestNamesAndEnvironments(t *testing.T) {
	f := newFake(t)
	f.svc.config = func() Config {
		c := DefaultConfig()
		c.Repos[0].Environments = append(c.Repos[0].Environments, "team/blue")
		return c
	}
	scope := "/repos/contoso/web/environments/team%2Fblue/secrets"
	keyID, sealed := f.seal(scope, "v")
	body := map[string]string{"encrypted_value": sealed, "key_id": keyID}
	for name, want := range map[string]int{"ok_name": 201, "GITHUB_TOKEN": 422, "1ABC": 422, "A-B": 422} {
		if st := f.call("PUT", scope+"/"+name, DefaultToken, body, nil); st != want {
			t.Errorf("%s: %d, want %d", name, st, want)
		}
	}
	if got, err := f.svc.Secret("contoso/web/environments/team/blue/OK_NAME"); err != nil || got.Value != "v" {
		t.Fatalf("readback %+v %v", got, err)
	}
	// The repository's own secrets are another scope.
	if _, err := f.svc.Secret("contoso/web/OK_NAME"); err == nil {
		t.Fatal("an environment secret showed in the repository's scope")
	}
}

func TestOrganizationSecretsKeepVisibilityAndRepositories(t *testing.T) {
	f := newFake(t)
	const scope = "/orgs/contoso/actions/secrets"
	keyID, sealed := f.seal(scope, "org value")
	put := func(name string, extra map[string]any) int {
		body := map[string]any{"encrypted_value": sealed, "key_id": keyID}
		for k, v := range extra {
			body[k] = v
		}
		return f.call("PUT", scope+"/"+name, DefaultToken, body, nil)
	}
	if st := put("NO_VIS", nil); st != 422 {
		t.Fatalf("no visibility: %d", st)
	}
	if st := put("BAD_REPO", map[string]any{"visibility": "selected", "selected_repository_ids": []int64{42}}); st != 422 {
		t.Fatalf("a repository of no one: %d", st)
	}
	if st := put("IDS_NOT_SELECTED", map[string]any{"visibility": "all", "selected_repository_ids": []int64{1296269}}); st != 422 {
		t.Fatalf("ids with visibility all: %d", st)
	}
	if st := put("SHARED", map[string]any{"visibility": "selected", "selected_repository_ids": []int64{1296269, 1296280}}); st != 201 {
		t.Fatalf("selected: %d", st)
	}
	var meta secretJSON
	f.call("GET", scope+"/shared", DefaultToken, nil, &meta)
	if meta.Visibility != "selected" || !strings.HasSuffix(meta.SelectedRepositoriesURL, "/github/orgs/contoso/actions/secrets/SHARED/repositories") {
		t.Fatalf("get: %+v", meta)
	}
	var repos repositoryList
	if st := f.call("GET", scope+"/SHARED/repositories", DefaultToken, nil, &repos); st != 200 || repos.TotalCount != 2 || repos.Repositories[1].FullName != "contoso/api" {
		t.Fatalf("repositories: %d %+v", st, repos)
	}
	if st := f.call("PUT", scope+"/SHARED/repositories", DefaultToken, map[string][]int64{"selected_repository_ids": {1296280}}, nil); st != 204 {
		t.Fatalf("set repositories: %d", st)
	}
	got, _ := f.svc.Secret("contoso/SHARED")
	if got.Value != "org value" || got.Visibility != "selected" || len(got.RepoIDs) != 1 || got.RepoIDs[0] != 1296280 {
		t.Fatalf("readback %+v", got)
	}
}

func TestListPagesWithALinkHeader(t *testing.T) {
	f := newFake(t)
	const scope = "/repos/contoso/api/actions/secrets"
	for _, n := range []string{"C", "A", "B"} {
		keyID, sealed := f.seal(scope, n)
		f.call("PUT", scope+"/"+n, DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": keyID}, nil)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/github"+scope+"?per_page=2", nil)
	req.Header.Set("Authorization", "token "+DefaultToken)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list secretList
	json.NewDecoder(resp.Body).Decode(&list)
	if list.TotalCount != 3 || len(list.Secrets) != 2 || list.Secrets[0].Name != "A" || !strings.Contains(resp.Header.Get("Link"), `page=2>; rel="next"`) {
		t.Fatalf("%+v, Link %q", list, resp.Header.Get("Link"))
	}
}

func TestStateSurvivesAndKeysRotate(t *testing.T) {
	f := newFake(t)
	const scope = "/repos/contoso/web/actions/secrets"
	keyID, sealed := f.seal(scope, "kept")
	f.call("PUT", scope+"/KEPT", DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": keyID}, nil)
	if err := f.svc.RotateKey("contoso/web"); err != nil {
		t.Fatal(err)
	}
	if st := f.call("PUT", scope+"/KEPT", DefaultToken, map[string]string{"encrypted_value": sealed, "key_id": keyID}, nil); st != 422 {
		t.Fatalf("a box for the old key: %d, want 422", st)
	}
	again := New(Options{Prefix: "/github"})
	if err := again.LoadState(f.svc.MarshalState()); err != nil {
		t.Fatal(err)
	}
	if got, err := again.Secret("contoso/web/KEPT"); err != nil || got.Value != "kept" {
		t.Fatalf("after a restart: %+v %v", got, err)
	}
}
