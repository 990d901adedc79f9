package devops

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

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

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
