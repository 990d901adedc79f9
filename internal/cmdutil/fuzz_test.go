package cmdutil

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseExpires(f *testing.F) {
	for _, s := range []string{"30d", "12h", "2w", "6mo", "1y", "90min", "90m", "2026-12-31", "2026-03-01T10:00:00Z", "", "-3d", "100000y", "9999-12-31", "0d", " 7D "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseExpires(s, now)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--expires") {
				t.Fatalf("%q: the error does not name the flag: %v", s, err)
			}
			return
		}
		if !at.After(now) || at.Year() > 9999 || at.Location() != time.UTC {
			t.Fatalf("%q gave %v", s, at)
		}
	})
}

func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"vso.code", "vso.code, vso.work", "a,,b", " ", "vso.code;x", "app_token", "\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scopes, err := ParseScopes([]string{s})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "--scope") {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, sc := range scopes {
			if sc == "" || strings.ContainsAny(sc, " ,\t") || seen[sc] {
				t.Fatalf("%q gave %q", s, scopes)
			}
			seen[sc] = true
		}
	})
}
