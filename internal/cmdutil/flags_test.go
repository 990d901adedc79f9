package cmdutil

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/patctl/patctl/internal/config"
)

func TestParseExpires(t *testing.T) {
	now := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90min":                     now.Add(90 * time.Minute),
		"12h":                       now.Add(12 * time.Hour),
		"30d":                       now.AddDate(0, 0, 30),
		"2w":                        now.AddDate(0, 0, 14),
		"6mo":                       now.AddDate(0, 6, 0),
		"1y":                        now.AddDate(1, 0, 0),
		"1Y":                        now.AddDate(1, 0, 0),
		"2026-12-31":                time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-03-01T10:00:00Z":      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		"2026-03-01T12:00:00+02:00": time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	} {
		got, err := ParseExpires(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v %v, want %v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"":           "required",
		"soon":       "neither a duration",
		"90m":        "ambiguous",
		"0d":         "not a usable duration",
		"-3d":        "neither a duration",
		"2020-01-01": "in the past",
		"100000y":    "too far away",
		"9999-13-01": "neither a duration",
	} {
		if _, err := ParseExpires(in, now); err == nil || !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), "--expires") {
			t.Errorf("%q: %v, want %q", in, err, msg)
		}
	}
}

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes([]string{"vso.code, vso.work", "vso.code", "vso.build\tvso.test"})
	if err != nil || strings.Join(got, " ") != "vso.code vso.work vso.build vso.test" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range [][]string{nil, {""}, {" , "}, {"vso.code;x"}, {"9lives"}} {
		if _, err := ParseScopes(bad); err == nil || !strings.HasPrefix(err.Error(), "--scope") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSelectorValidate(t *testing.T) {
	for _, tc := range []struct {
		s   Selector
		err string
	}{
		{Selector{}, "give NAME, --name NAME or --id ID"},
		{Selector{ID: "x", Name: "y"}, "cannot be used together"},
		{Selector{ID: "4AB5764F-4193-4F1D-B995-64144880B7D7"}, ""},
		{Selector{ID: "{4ab5764f-4193-4f1d-b995-64144880b7d7}"}, "--id"},
		{Selector{Name: "  "}, "--name"},
		{Selector{Name: "deploy"}, ""},
	} {
		err := tc.s.Validate()
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v: %v", tc.s, err)
		}
	}
	s := Selector{ID: "4AB5764F-4193-4F1D-B995-64144880B7D7"}
	s.Validate()
	if s.ID != "4ab5764f-4193-4f1d-b995-64144880b7d7" {
		t.Errorf("id not normalised: %s", s.ID)
	}
}

func TestSelectorArgs(t *testing.T) {
	for _, tc := range []struct {
		flags Selector
		args  []string
		name  string
		err   string
	}{
		{Selector{}, nil, "", ""},
		{Selector{}, []string{"deploy"}, "deploy", ""},
		{Selector{Name: "deploy"}, nil, "deploy", ""},
		{Selector{Name: "ci"}, []string{"deploy"}, "", `the argument "deploy" and --name "ci" both name the token`},
		{Selector{ID: "4ab5764f-4193-4f1d-b995-64144880b7d7"}, []string{"deploy"}, "", `the argument "deploy" and --id 4ab5764f-4193-4f1d-b995-64144880b7d7 both`},
		{Selector{}, []string{"a", "b"}, "", "takes one NAME, not 2 arguments"},
	} {
		s := tc.flags
		err := SelectorArgs(&s)(&cobra.Command{Use: "get"}, tc.args)
		var flagErr *FlagError
		if tc.err != "" {
			if !errors.As(err, &flagErr) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v %q: %v", tc.flags, tc.args, err)
			}
			continue
		}
		if err != nil || s.Name != tc.name {
			t.Errorf("%+v %q: name %q, %v", tc.flags, tc.args, s.Name, err)
		}
	}
	// An empty NAME is named as the argument, not as --name.
	s := Selector{}
	if err := SelectorArgs(&s)(&cobra.Command{Use: "get"}, []string{" "}); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "NAME:") {
		t.Fatalf("empty NAME: %v", err)
	}
}

func TestParseOrgTakesURLs(t *testing.T) {
	for in, want := range map[string]string{
		"fabrikam":                              "fabrikam",
		"https://dev.azure.com/fabrikam":        "fabrikam",
		"https://dev.azure.com/fabrikam/":       "fabrikam",
		"https://dev.azure.com/fabrikam/p/_git": "fabrikam",
		"https://fabrikam.visualstudio.com":     "fabrikam",
		"https://fabrikam.visualstudio.com/":    "fabrikam",
	} {
		if got, err := ParseOrg("--org", in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"https://dev.azure.com/", "https://example.com/fabrikam", "a b"} {
		if _, err := ParseOrg("--org", bad); err == nil || !strings.HasPrefix(err.Error(), "--org: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	s := config.Settings{Org: "https://dev.azure.com/x y", OrgSource: config.SourceProfile, Profile: "work"}
	if _, err := ResolveOrg("", s); err == nil || !strings.HasPrefix(err.Error(), `the org of profile "work": `) {
		t.Errorf("profile org: %v", err)
	}
	if org, err := ResolveOrg("https://contoso.visualstudio.com", s); err != nil || org != "contoso" {
		t.Errorf("--org URL: %q %v", org, err)
	}
	o := OrgsFlags{Names: []string{"https://dev.azure.com/a", "A", "https://b.visualstudio.com/"}}
	if org, err := o.Validate(); err != nil || org != "" || strings.Join(o.Names, ",") != "a,b" {
		t.Errorf("--org list: %q %q %v", org, o.Names, err)
	}
}
