package scopes

import (
	"strings"
	"testing"
)

func TestKnownAndNearest(t *testing.T) {
	if !Known("vso.code") || !Known("APP_TOKEN") || Known("vso.cod") {
		t.Fatal("Known")
	}
	for in, want := range map[string]string{"vso.cod": "vso.code", "vso.work_writ": "vso.work_write", "vso.packageing": "vso.packaging"} {
		if got := Nearest(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if c := Completions("vso.wor"); len(c) != 3 || !strings.HasPrefix(c[0], "vso.work\t") {
		t.Fatal(c)
	}
}
