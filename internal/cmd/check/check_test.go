package check

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
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

func TestSeveralOrgsHaveAnOrgColumn(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "soon", Scope: "vso.code", ValidTo: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		orgs []string
		head string
	}{{[]string{"fabrikam", "other"}, "ORG "}, {[]string{"fabrikam"}, "NAME "}} {
		io, _, out, _ := iostreams.Test()
		io.SetTTY(false, true, true)
		opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return now }), Within: 48 * time.Hour, WithinText: "2d", Orgs: cmdutil.OrgsFlags{Names: tc.orgs}}
		var coded *cmdutil.ExitCodeError
		if err := checkRun(ctx, opts); !errors.As(err, &coded) || coded.Code != cmdutil.ExitExpiring {
			t.Fatalf("%v: %v", tc.orgs, err)
		}
		if !strings.HasPrefix(out.String(), tc.head) || !strings.Contains(out.String(), "soon") {
			t.Fatalf("%v:\n%s", tc.orgs, out)
		}
	}
}
