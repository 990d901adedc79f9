package emulator

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
	"time"
)

// example is one of Microsoft's official example files.
type example struct {
	Method     string `json:"x-ms-vss-request-method"`
	URL        string `json:"x-ms-vss-request-url"`
	Parameters struct {
		Body json.RawMessage `json:"body"`
	} `json:"parameters"`
	Responses map[string]struct {
		Body json.RawMessage `json:"body"`
	} `json:"responses"`
}

func loadExample(t *testing.T, name string) example {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "spec", "7.1", "httpExamples", "Pats", name))
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

// pathAndQuery is the example's request URL on the emulator.
func (ex example) pathAndQuery(t *testing.T) string {
	u, err := url.Parse(ex.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

// seedExampleTokens stores the tokens that the official List example shows,
// for the signed-in default user.
func seedExampleTokens(t *testing.T, em *Emulator) {
	t.Helper()
	org := []string{DefaultOrgID}
	add := func(id, name, scope, from, to string, targets []string) {
		em.mu.Lock()
		defer em.mu.Unlock()
		em.st.PATs = append(em.st.PATs, &pat{
			ID: id, UserOID: DefaultUserOID, DisplayName: name, Scope: scope, TargetAccounts: targets,
			ValidFrom: mustTime(t, from), ValidTo: mustTime(t, to), SecretHash: hashSecret(id),
		})
	}
	add("4c60c9ed-a378-4883-af16-d655ca025b11", "all_access_token", "app_token", "2020-10-24T03:04:57.52Z", "2020-11-23T04:04:38.5233333Z", nil)
	add("eabb38b2-48ef-440b-959b-b9e6cb37a64e", "work_token", "vso.work_full", "2020-10-24T03:04:19.1466667Z", "2020-11-23T04:03:55.8033333Z", org)
	add("4ab5764f-4193-4f1d-b995-64144880b7d7", "new_token", "app_token", "2020-11-02T22:56:52.1033333Z", "2020-12-01T23:46:23.32Z", org)
	add("3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32", "analytics_token", "vso.analytics", "2020-10-29T17:26:46.72Z", "2020-12-01T23:46:23.32Z", org)
}

// exampleEmulator runs at the moment the examples were generated.
func exampleEmulator(t *testing.T, now string, id, secret string) (*Emulator, *apiClient) {
	clock := &testClock{}
	clock.Set(mustTime(t, now))
	em := startEmulator(t, Options{
		Now:       clock.Now,
		NewID:     func() string { return id },
		NewSecret: func() string { return secret },
	})
	return em, newAPIClient(t, em)
}

// assertExampleAnswer checks a 200 whose JSON equals the example's answer.
func assertExampleAnswer(t *testing.T, ex example, r response) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if got, want := decodeAny(t, r.body), decodeAny(t, ex.Responses["200"].Body); !reflect.DeepEqual(got, want) {
		t.Fatalf("answer differs from the official example\n got: %s\nwant: %s", r.body, ex.Responses["200"].Body)
	}
}

func TestCreateMatchesOfficialExample(t *testing.T) {
	ex := loadExample(t, "CreatePat.json")
	want := decodeAny(t, ex.Responses["200"].Body)
	wantPat := want.(map[string]any)["patToken"].(map[string]any)
	_, api := exampleEmulator(t, "2020-11-02T22:56:52.103Z", wantPat["authorizationId"].(string), wantPat["token"].(string))

	r := api.do(ex.Method, ex.pathAndQuery(t), string(ex.Parameters.Body))
	assertExampleAnswer(t, ex, r)
}

func TestGetMatchesOfficialExample(t *testing.T) {
	ex := loadExample(t, "GetPat.json")
	em, api := exampleEmulator(t, "2020-11-02T22:56:52Z", "", "")
	seedExampleTokens(t, em)
	// The example's request names cf42cc9f-… but its answer is token
	// 3d3aca0c-…; ask for the token the answer shows.
	path := strings.Replace(ex.pathAndQuery(t), "cf42cc9f-f170-4375-92ba-c13d58a6545f", "3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32", 1)
	r := api.do(ex.Method, path, nil)
	assertExampleAnswer(t, ex, r)
}

func TestListMatchesOfficialExample(t *testing.T) {
	ex := loadExample(t, "ListPats.json")
	em, api := exampleEmulator(t, "2020-11-02T23:00:00Z", "", "")
	seedExampleTokens(t, em)
	r := api.do(ex.Method, ex.pathAndQuery(t), nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got := decodeAny(t, r.body).(map[string]any)
	want := decodeAny(t, ex.Responses["200"].Body).(map[string]any)
	if got["continuationToken"] != "" || want["continuationToken"] != "" {
		t.Fatalf("continuationToken: got %q, the example has %q", got["continuationToken"], want["continuationToken"])
	}
	// The example's order follows no documented sort; compare as sets.
	byID := func(list any) []any {
		items := list.([]any)
		sort.Slice(items, func(i, j int) bool {
			return items[i].(map[string]any)["authorizationId"].(string) < items[j].(map[string]any)["authorizationId"].(string)
		})
		return items
	}
	if g, w := byID(got["patTokens"]), byID(want["patTokens"]); !reflect.DeepEqual(g, w) {
		t.Fatalf("tokens differ from the official example\n got: %v\nwant: %v", g, w)
	}
	if len(got) != len(want) {
		t.Fatalf("fields: got %v, want %v", got, want)
	}
}

func TestUpdateMatchesOfficialExample(t *testing.T) {
	ex := loadExample(t, "UpdatePat.json")
	em, api := exampleEmulator(t, "2020-11-02T22:56:52Z", "", "")
	seedExampleTokens(t, em)
	r := api.do(ex.Method, ex.pathAndQuery(t), string(ex.Parameters.Body))
	assertExampleAnswer(t, ex, r)
}

func TestRevokeMatchesOfficialExample(t *testing.T) {
	ex := loadExample(t, "RevokePat.json")
	em, api := exampleEmulator(t, "2020-11-02T22:56:52Z", "", "")
	seedExampleTokens(t, em)
	em.mu.Lock()
	em.st.PATs = append(em.st.PATs, &pat{ID: "cf42cc9f-f170-4375-92ba-c13d58a6545f", UserOID: DefaultUserOID, DisplayName: "old",
		Scope: "vso.code", TargetAccounts: []string{DefaultOrgID}, ValidFrom: mustTime(t, "2020-10-01T00:00:00Z"), ValidTo: mustTime(t, "2020-12-01T00:00:00Z")})
	em.mu.Unlock()

	r := api.do(ex.Method, ex.pathAndQuery(t), nil)
	if _, ok := ex.Responses["204"]; !ok || r.status != 204 || len(r.body) != 0 {
		t.Fatalf("status %d body %q; the example answers 204 with no content", r.status, r.body)
	}
	list := api.do("GET", patsPath+"?api-version=7.1-preview.1&displayFilterOption=revoked", nil).json(t)
	revoked := list["patTokens"].([]any)
	if len(revoked) != 1 || revoked[0].(map[string]any)["authorizationId"] != "cf42cc9f-f170-4375-92ba-c13d58a6545f" {
		t.Fatalf("revoked list: %v", revoked)
	}
}

// TestWireNamesMatchSpec checks every JSON name the emulator writes against
// the definitions of the official OpenAPI file.
func TestWireNamesMatchSpec(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "spec", "7.1", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Definitions map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &spec); err != nil {
		t.Fatal(err)
	}
	for def, v := range map[string]any{
		"PatToken":              wirePatToken{},
		"PatTokenResult":        wirePatTokenResult{},
		"PagedPatTokens":        wirePagedPatTokens{},
		"PatTokenCreateRequest": wireCreateRequest{},
		"PatTokenUpdateRequest": wireUpdateRequest{},
	} {
		var want []string
		for name := range spec.Definitions[def].Properties {
			want = append(want, name)
		}
		var got []string
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			got = append(got, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
		}
		sort.Strings(want)
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: emulator writes %v, spec defines %v", def, got, want)
		}
	}

	// Every patTokenError the emulator produces is in the spec's enum.
	enum := map[string]bool{}
	for _, v := range spec.Definitions["PatTokenResult"].Properties["patTokenError"].Enum {
		enum[v] = true
	}
	src, err := os.ReadFile("pats.go")
	if err != nil {
		t.Fatal(err)
	}
	produced := 0
	for _, part := range strings.Split(string(src), `patError("`)[1:] {
		code := part[:strings.Index(part, `"`)]
		produced++
		if !enum[code] {
			t.Errorf("patTokenError %q is not in the spec's enum", code)
		}
	}
	if produced < 5 {
		t.Fatalf("found only %d patTokenError codes in pats.go", produced)
	}
}

func TestServiceTimeFormat(t *testing.T) {
	for in, want := range map[string]string{
		"2020-12-01T23:46:23.319Z":  "2020-12-01T23:46:23.32Z",
		"2020-11-02T22:56:52.103Z":  "2020-11-02T22:56:52.1033333Z",
		"2020-11-23T04:04:38.524Z":  "2020-11-23T04:04:38.5233333Z",
		"2020-10-24T03:04:19.147Z":  "2020-10-24T03:04:19.1466667Z",
		"2020-10-24T03:04:57Z":      "2020-10-24T03:04:57Z",
		"2020-10-24T03:04:57.999Z":  "2020-10-24T03:04:58Z",
		"2020-10-24T05:04:57+02:00": "2020-10-24T03:04:57Z",
	} {
		b, err := json.Marshal(svcTime{serviceRound(mustTime(t, in))})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Trim(string(b), `"`); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	var v svcTime
	for _, in := range []string{`"2020-12-01T23:46:23.319Z"`, `"2020-12-01T23:46:23.319"`, `"2020-12-01T23:46:23"`, `"2020-12-01"`} {
		if err := json.Unmarshal([]byte(in), &v); err != nil || v.Year() != 2020 || v.Location() != time.UTC {
			t.Errorf("%s: %v %v", in, v, err)
		}
	}
	if err := json.Unmarshal([]byte(`"next week"`), &v); err == nil {
		t.Error("a non-date was accepted")
	}
}
