package check

import (
	"slices"
	"testing"

	"github.com/patctl/patctl/internal/patapi"
)

func TestSelectCountsANameOnce(t *testing.T) {
	tokens := []patapi.PatToken{{DisplayName: "ci"}, {DisplayName: "deploy"}}
	var missing []string
	got := Select(tokens, []string{"ci", "nope", "ci", "nope"}, &missing)
	if len(got) != 1 || got[0].DisplayName != "ci" || !slices.Equal(missing, []string{"nope"}) {
		t.Fatalf("selected %v, missing %q", got, missing)
	}
}

func TestProblemsInWords(t *testing.T) {
	rep := report{ExpiringWithin: "7d", Checked: 2, Expiring: make([]expiring, 1), Missing: []string{"a", "b", "c\x1b"}}
	if got, want := problems(rep), `1 of 2 checked tokens expire within 7d; no active token is named "a", "b" or "c\x1b"`; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
