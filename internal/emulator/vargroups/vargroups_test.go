package vargroups

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// start serves a Service; a request is the user's when it carries
// "Bearer ada", else 401.
func start(t *testing.T, defaultOrg string) (*Service, *httptest.Server) {
	t.Helper()
	s := New(Options{DefaultOrg: defaultOrg, Authenticate: func(w http.ResponseWriter, r *http.Request, org string) (Caller, bool) {
		if r.Header.Get("Authorization") != "Bearer ada" {
			w.WriteHeader(http.StatusUnauthorized)
			return Caller{}, false
		}
		return Caller{ID: "b6f0c2e1", DisplayName: "Ada", UniqueName: "ada@contoso.test"}, true
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Op(r) == "" {
			http.NotFound(w, r)
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

// call sends a request as the user and decodes the JSON answer.
func call(t *testing.T, method, url string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer ada")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// example reads an official example: its request body and 200 answer.
func example(t *testing.T, name string) (request, answer map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Parameters struct {
			Body map[string]any `json:"body"`
		} `json:"parameters"`
		Responses map[string]struct {
			Body map[string]any `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Parameters.Body, ex.Responses["200"].Body
}

// sameShape checks that every field of want is in got with the same JSON
// type, and that variables are equal.
func sameShape(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if reflect.TypeOf(got[k]) != reflect.TypeOf(v) {
			t.Errorf("%s: %s is %T, the example has %T", what, k, got[k], v)
		}
	}
	if !reflect.DeepEqual(got["variables"], want["variables"]) {
		t.Errorf("%s: variables %v, the example has %v", what, got["variables"], want["variables"])
	}
}

func ptr(s string) *string { return &s }

// addExampleGroups adds the two groups of the examples, ids 1 and 2.
func addExampleGroups(s *Service) {
	s.Add("fabrikam", "DGDemo", Group{Name: "TestVariableGroup1", Description: "Updated variable group",
		Variables: map[string]Variable{"key1": {Value: ptr("value1")}, "key2": {Value: ptr("value2"), IsSecret: true}}})
	s.Add("fabrikam", "DGDemo", Group{Name: "TestVariableGroup2", Description: "A test variable group",
		Variables: map[string]Variable{"key1": {Value: ptr("value1")}}})
}

func TestAnswersHaveTheExamplesShape(t *testing.T) {
	s, srv := start(t, "")
	addExampleGroups(s)
	base := srv.URL + "/fabrikam/DGDemo/_apis/distributedtask/variablegroups"

	_, want := example(t, "GET_VariableGroup.json")
	status, got := call(t, "GET", base+"/1?api-version=7.1", nil)
	if status != 200 {
		t.Fatalf("get: %d", status)
	}
	sameShape(t, "get", got, want)

	_, wantList := example(t, "GET_VariableGroupsByGroupName.json")
	status, list := call(t, "GET", base+"?groupName=Test*&queryOrder=IdDescending&api-version=7.1", nil)
	if status != 200 || list["count"] != wantList["count"] {
		t.Fatalf("find by name: %d %v", status, list)
	}
	for i, g := range list["value"].([]any) {
		w := wantList["value"].([]any)[i].(map[string]any)
		sameShape(t, "find", g.(map[string]any), w)
		if g.(map[string]any)["id"] != w["id"] || g.(map[string]any)["name"] != w["name"] {
			t.Errorf("find: %v before %v", g.(map[string]any)["name"], w["name"])
		}
	}

	_, byIDs := example(t, "GET_VariableGroupsByIds.json")
	if status, list := call(t, "GET", base+"?groupIds=1%2C2&api-version=7.1", nil); status != 200 || list["count"] != byIDs["count"] {
		t.Fatalf("by ids: %d %v", status, list)
	}
	if _, list := call(t, "GET", base+"?groupName=testvariablegroup2&api-version=7.1", nil); list["count"] != 1.0 {
		t.Fatalf("an exact name, in another case: %v", list)
	}
	if _, list := call(t, "GET", srv.URL+"/fabrikam/Other/_apis/distributedtask/variablegroups?api-version=7.1", nil); list["count"] != 0.0 {
		t.Fatalf("another project sees %v", list)
	}
}

func TestUpdateAsInTheExample(t *testing.T) {
	s, srv := start(t, "")
	addExampleGroups(s)
	url := srv.URL + "/fabrikam/_apis/distributedtask/variablegroups/1?api-version=7.1"
	body, want := example(t, "PUT_UpdateVariableGroup.json")

	// The example is an old call without project references: refused.
	if status, got := call(t, "PUT", url, body); status != 400 || !strings.Contains(got["message"].(string), "VariableGroupProjectReferences") {
		t.Fatalf("without references: %d %v", status, got)
	}
	body["variableGroupProjectReferences"] = []any{map[string]any{"name": "TestVariableGroup1",
		"projectReference": map[string]any{"id": ProjectID("fabrikam", "DGDemo"), "name": "DGDemo"}}}
	status, got := call(t, "PUT", url, body)
	if status != 200 {
		t.Fatalf("update: %d %v", status, got)
	}
	sameShape(t, "update", got, want)
	if v, _ := s.Value("fabrikam", "DGDemo", "TestVariableGroup1", "key2"); v.Value == nil || *v.Value != "value2" || !v.IsSecret {
		t.Fatalf("the secret sent back as null lost its value: %+v", v)
	}
}

func TestUpdateReplacesTheWholeGroup(t *testing.T) {
	s, srv := start(t, "fabrikam")
	_, list := call(t, "GET", srv.URL+"/fabrikam/web/_apis/distributedtask/variablegroups?groupName=pipelines&api-version=7.1", nil)
	g := list["value"].([]any)[0].(map[string]any)
	if v := g["variables"].(map[string]any)["DB_PASSWORD"]; !reflect.DeepEqual(v, map[string]any{"value": nil, "isSecret": true}) {
		t.Fatalf("a secret answered as %v", v)
	}
	g["variables"] = map[string]any{
		"DB_PASSWORD": map[string]any{"value": nil, "isSecret": true}, // kept
		"NEW":         map[string]any{"value": "fresh", "isSecret": true},
		"NOTE":        map[string]any{"value": nil}, // a plain null is null
	} // ENVIRONMENT left out: deleted
	status, got := call(t, "PUT", srv.URL+"/fabrikam/_apis/distributedtask/variablegroups/1?api-version=7.1", g)
	if status != 200 || got["variables"].(map[string]any)["NEW"].(map[string]any)["value"] != nil {
		t.Fatalf("update: %d %v", status, got)
	}
	for name, want := range map[string]string{"DB_PASSWORD": "correct-horse-battery", "NEW": "fresh"} {
		if v, ok := s.Value("fabrikam", "web", "pipelines", name); !ok || v.Value == nil || *v.Value != want {
			t.Errorf("%s: %+v", name, v)
		}
	}
	if v, ok := s.Value("fabrikam", "web", "pipelines", "NOTE"); !ok || v.Value != nil {
		t.Errorf("NOTE: %+v", v)
	}
	if _, ok := s.Value("fabrikam", "web", "pipelines", "ENVIRONMENT"); ok {
		t.Error("a variable left out of the update survived")
	}
}

func TestRefusals(t *testing.T) {
	s, srv := start(t, "fabrikam")
	list := srv.URL + "/fabrikam/web/_apis/distributedtask/variablegroups"
	put := srv.URL + "/fabrikam/_apis/distributedtask/variablegroups/1?api-version=7.1"
	if status, _ := call(t, "GET", list, nil); status != 400 {
		t.Errorf("no api-version: %d", status)
	}
	if status, _ := call(t, "GET", list+"?api-version=7.2", nil); status != 400 {
		t.Errorf("7.2 without -preview: %d", status)
	}
	if status, _ := call(t, "GET", list+"/9?api-version=7.1", nil); status != 404 {
		t.Errorf("an unknown id: %d", status)
	}
	if resp, err := http.Get(list + "?api-version=7.1"); err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", resp, err)
	}
	if status, _ := call(t, "DELETE", list+"/1?api-version=7.1", nil); status != 405 {
		t.Errorf("delete: %d", status)
	}

	s.SetRole("ADA@contoso.test", RoleReader)
	if _, got := call(t, "GET", list+"?groupName=pipelines&api-version=7.1", nil); got["count"] != 1.0 {
		t.Errorf("a reader does not find the group: %v", got)
	}
	if _, got := call(t, "GET", list+"?groupName=pipelines&actionFilter=manage&api-version=7.1", nil); got["count"] != 0.0 {
		t.Errorf("a reader may manage: %v", got)
	}
	body := map[string]any{"name": "pipelines", "variables": map[string]any{},
		"variableGroupProjectReferences": []any{map[string]any{"name": "pipelines", "projectReference": map[string]any{"name": "web"}}}}
	if status, _ := call(t, "PUT", put, body); status != 403 {
		t.Errorf("a reader updates: %d", status)
	}
	if _, ok := s.Value("fabrikam", "web", "pipelines", "ENVIRONMENT"); !ok {
		t.Error("a refused update changed the group")
	}
	s.SetRole("ada@contoso.test", RoleNone)
	if status, _ := call(t, "GET", list+"?api-version=7.1", nil); status != 403 {
		t.Errorf("no role: %d", status)
	}
}

func TestOp(t *testing.T) {
	for target, want := range map[string]string{
		"GET /fabrikam/web/_apis/distributedtask/variablegroups":   OpList,
		"GET /fabrikam/web/_APIs/DistributedTask/VariableGroups/3": OpGet,
		"PUT /fabrikam/_apis/distributedtask/variablegroups/3":     OpPut,
		"PUT /fabrikam/web/_apis/distributedtask/variablegroups/3": OpUnsupported,
		"POST /fabrikam/_apis/distributedtask/variablegroups/x":    OpUnsupported,
		"POST /fabrikam/_apis/distributedtask/variablegroups":      OpUnsupported,
		"GET /fabrikam/_apis/tokens/pats":                          "",
	} {
		method, path, _ := strings.Cut(target, " ")
		if got := Op(httptest.NewRequest(method, path, nil)); got != want {
			t.Errorf("%s: %q, want %q", target, got, want)
		}
	}
}
