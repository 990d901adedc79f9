package fleet

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/sink"
)

const day = 24 * time.Hour

func env() sink.Env { return sink.Env{Getenv: func(string) string { return "" }} }

func TestParseAppliesDefaults(t *testing.T) {
	f, err := Parse("f.yaml", []byte(`
org: fabrikam                # default for every entry
defaults: {lifetime: 30d, rotateBefore: 7d, grace: 1h}
tokens:
  - name: ci-deploy
    scopes: [vso.code, vso.packaging, vso.code]
    lifetime: 60d
    rotateBefore: 10d
    allOrgs: false
    grace: 24h
    to: [keyvault://contoso-kv/ado-ci, github://contoso/web/ADO_PAT]
  - name: nuget-read
    org: contoso
    scopes: vso.packaging
  - &anchor
    name: plain
    scopes: "vso.code,vso.build"
    allOrgs: true
prune: {prefix: "ci-"}
`), "", env())
	if err != nil {
		t.Fatal(err)
	}
	if f.Org != "fabrikam" || len(f.Entries) != 3 || f.Prune == nil || f.Prune.Prefix != "ci-" || f.Prune.Line != 19 {
		t.Fatalf("file %+v prune %+v", f, f.Prune)
	}
	ci, nuget, plain := f.Entries[0], f.Entries[1], f.Entries[2]
	if ci.Line != 5 || ci.Org != "fabrikam" || ci.Scope() != "vso.code vso.packaging" || ci.Lifetime != 60*day || ci.RotateBefore != 10*day ||
		ci.Grace != day || ci.AllOrgs || len(ci.Sinks) != 2 || ci.Sinks[1].String() != "github://contoso/web/ADO_PAT" {
		t.Fatalf("ci-deploy %+v", ci)
	}
	if nuget.Org != "contoso" || nuget.Lifetime != 30*day || nuget.RotateBefore != 7*day || nuget.Grace != time.Hour || nuget.To != nil {
		t.Fatalf("nuget-read %+v", nuget)
	}
	if plain.Scope() != "vso.code vso.build" || !plain.AllOrgs {
		t.Fatalf("plain %+v", plain)
	}
	if got := strings.Join(f.Orgs(), ","); got != "fabrikam,contoso" {
		t.Fatalf("orgs %s", got)
	}
}

func TestParseDefaultsWithoutDefaults(t *testing.T) {
	f, err := Parse("f.yaml", []byte("tokens:\n  - {name: a, scopes: [vso.code]}\n  - {name: b, scopes: [vso.code], lifetime: 8d}\n"), "fabrikam", env())
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.Entries[0], f.Entries[1]
	if a.Org != "fabrikam" || a.Lifetime != cmdutil.DefaultLifetime || a.RotateBefore != DefaultRotateBefore || a.Grace != 0 || a.AllOrgs {
		t.Fatalf("a %+v", a)
	}
	if b.RotateBefore != 2*day { // a quarter of a short lifetime
		t.Fatalf("b rotates %s before", b.RotateBefore)
	}
}

// Each problem is a usage error naming its line; every one is said.
func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, defaultOrg string
		want                   []string // regular expressions, each matching a line of the message
	}{
		{"unknown top key", "tokens: []\nprunes: {prefix: x}\n", "o", []string{`^f.yaml:2: the file: unknown key "prunes" .*did you mean prune\?$`}},
		{"unknown entry key", "tokens:\n  - name: a\n    scopes: [vso.code]\n    expires: 30d\n", "o", []string{`^f.yaml:4: "a": unknown key "expires"`}},
		{"unknown default", "defaults: {scopes: [vso.code]}\ntokens: []\n", "o", []string{`^f.yaml:1: defaults: unknown key "scopes" \(known: lifetime, rotateBefore, grace, allOrgs\)`}},
		{"key twice", "tokens:\n  - name: a\n    scopes: [vso.code]\n    name: b\n", "o", []string{`^f.yaml:4: "b": name is given twice`}},
		{"bad duration", "tokens:\n  - name: a\n    scopes: [vso.code]\n    lifetime: soon\n", "o", []string{`^f.yaml:4: lifetime: "soon" is not a duration`}},
		{"zero duration", "tokens:\n  - name: a\n    scopes: [vso.code]\n    grace: 0d\n", "o", []string{`^f.yaml:4: grace: "0d" is not a usable duration`}},
		{"list as duration", "defaults:\n  rotateBefore: [7d]\ntokens: []\n", "o", []string{`^f.yaml:2: rotateBefore: a value is expected`}},
		{"rotateBefore too long", "defaults: {lifetime: 7d}\ntokens:\n  - name: a\n    scopes: [vso.code]\n    rotateBefore: 7d\n", "o", []string{`^f.yaml:5: "a": rotateBefore \(7d\) must be shorter than lifetime \(7d\)`}},
		{"allOrgs not a bool", "tokens:\n  - name: a\n    scopes: [vso.code]\n    allOrgs: \"yes\"\n", "o", []string{`^f.yaml:4: allOrgs: true or false is expected`}},
		{"unknown scope", "tokens:\n  - name: a\n    scopes:\n      - vso.code\n      - vso.packagin\n", "o", []string{`^f.yaml:5: scopes: "vso.packagin" is not a known scope; did you mean "vso.packaging"\?`}},
		{"no scopes", "tokens:\n  - name: a\n    scopes: []\n", "o", []string{`^f.yaml:3: scopes: at least one scope is required`}},
		{"no name", "tokens:\n  - scopes: [vso.code]\n", "o", []string{`^f.yaml:2: tokens\[0\]: name: missing`}},
		{"blank name", "tokens:\n  - name: \" \"\n    scopes: [vso.code]\n", "o", []string{`^f.yaml:2: name: a name cannot be blank`}},
		{"no org", "tokens:\n  - name: a\n    scopes: [vso.code]\n", "", []string{`^f.yaml:2: "a": no organization`}},
		{"bad org", "org: \"a b\"\ntokens: []\n", "", []string{`^f.yaml:1: org: "a b" is not an organization name`}},
		{"duplicate name", "org: o\ntokens:\n  - {name: a, scopes: [vso.code]}\n  - {name: a, scopes: [vso.code], org: O}\n", "", []string{`^f.yaml:4: "a" in O is declared already at line 3`}},
		{"same name, two orgs, one global", "tokens:\n  - {name: a, scopes: [vso.code], org: x, allOrgs: true}\n  - {name: a, scopes: [vso.code], org: y}\n", "", []string{`^f.yaml:3: "a" is declared at line 2 too, and a token valid in all organizations`}},
		{"destination twice", "tokens:\n  - {name: a, scopes: [vso.code], to: [\"github://o/r/X\"]}\n  - {name: b, scopes: [vso.code], to: \"github://o/r/X\"}\n", "o", []string{`^f.yaml:3: to: github://o/r/X is written by the entry at line 2 too`}},
		{"destination twice in an entry", "tokens:\n  - {name: a, scopes: [vso.code], to: [\"file:/x\", \"file:/x\"]}\n", "o", []string{`^f.yaml:2: to: file:/x is given twice`}},
		{"bad destination", "tokens:\n  - name: a\n    scopes: [vso.code]\n    to:\n      - dotenv:/tmp/x\n", "o", []string{`^f.yaml:5: to: dotenv:/tmp/x: `}},
		{"empty to", "tokens:\n  - {name: a, scopes: [vso.code], to: []}\n", "o", []string{`^f.yaml:2: to: an empty list`}},
		{"prune without prefix", "tokens: []\nprune: {}\n", "o", []string{`^f.yaml:2: prune: a prefix is required`}},
		{"prune with a null prefix", "tokens: []\nprune:\n  prefix:\n", "o", []string{`^f.yaml:3: prune: prefix: a value is expected`}},
		{"prune not a mapping", "tokens: []\nprune: ci-\n", "o", []string{`^f.yaml:2: prune: a mapping of keys \(prefix\) is expected`}},
		{"no tokens", "org: o\n", "", []string{`^f.yaml:1: tokens: missing`}},
		{"tokens not a list", "tokens: {name: a}\n", "o", []string{`^f.yaml:1: tokens: a list of tokens is expected`}},
		{"not a mapping", "- a\n- b\n", "o", []string{`^f.yaml:1: the file: a mapping of keys`}},
		{"empty", "", "o", []string{`^f.yaml:1: the file is empty`}},
		{"several, by line", "tokens:\n  - name: a\n    scopes: [nope]\n    lifetime: x\nprune: {}\n", "o", []string{
			`^f.yaml:3: scopes: "nope"`, `^f.yaml:4: lifetime: "x"`, `^f.yaml:5: prune: a prefix is required`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.yaml), tc.defaultOrg, env())
			var flagErr *cmdutil.FlagError
			if !errors.As(err, &flagErr) {
				t.Fatalf("error %v, want a usage error", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(lines[i]) {
					t.Errorf("problem %d: %q does not match %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestParseBoundsWhatItSays(t *testing.T) {
	var b strings.Builder
	b.WriteString("tokens:\n")
	for range 30 {
		b.WriteString("  - {name: a, scopes: [nope]}\n")
	}
	_, err := Parse("f.yaml", []byte(b.String()), "o", env())
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxErrors+1 || !strings.Contains(lines[maxErrors], "more problems not shown") {
		t.Fatalf("%d lines:\n%s", len(lines), err)
	}
}

func TestOrgsToList(t *testing.T) {
	for _, tc := range []struct {
		yaml, defaultOrg, want string
	}{
		{"tokens:\n  - {name: a, scopes: [vso.code], org: x}\n", "d", "x"},                       // the default org has no entry
		{"tokens:\n  - {name: a, scopes: [vso.code], org: x}\nprune: {prefix: a}\n", "d", "d,x"}, // prune looks there too
		{"org: f\ntokens: []\nprune: {prefix: a}\n", "d", "f"},
		{"tokens:\n  - {name: a, scopes: [vso.code]}\n  - {name: b, scopes: [vso.code], org: D}\n", "d", "d"},
	} {
		f, err := Parse("f.yaml", []byte(tc.yaml), tc.defaultOrg, env())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.Orgs(), ","); got != tc.want {
			t.Errorf("%q: orgs %s, want %s", tc.yaml, got, tc.want)
		}
	}
}
