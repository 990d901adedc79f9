package cmdutil_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/output"
	"github.com/patctl/patctl/internal/patapi"
)

// TestResolveSaysWhatIsMissing: an id no token has is exit 3 in words, not
// the service's refusal; several tokens of a name are exit 5, each listed
// with its creation, expiry and scopes.
func TestResolveSaysWhatIsMissing(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	const unknown = "4ab5764f-4193-4f1d-b995-64144880b7d7"
	_, err := cmdutil.Selector{ID: unknown}.Resolve(ctx, env.Direct)
	var coded *cmdutil.ExitCodeError
	if !errors.As(err, &coded) || coded.Code != cmdutil.ExitNotFound || err.Error() != "no token has the id "+unknown+" in fabrikam" {
		t.Fatalf("unknown id: %v", err)
	}
	var made []patapi.PatToken
	for _, scope := range []string{"vso.code", "vso.build vso.work"} {
		tok, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "ci", Scope: scope, ValidTo: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tok)
	}
	_, err = cmdutil.Selector{Name: "ci"}.Resolve(ctx, env.Direct)
	if !errors.As(err, &coded) || coded.Code != cmdutil.ExitAmbiguous || !strings.HasPrefix(err.Error(), `2 active tokens are named "ci"; pick one with --id:`) {
		t.Fatalf("ambiguous: %v", err)
	}
	for _, tok := range made {
		// Times for a person: when, and how far from now (the emulator's
		// clock may put the creation a moment ahead).
		line := regexp.MustCompile("\n  " + tok.AuthorizationID + "  created " + regexp.QuoteMeta(tok.ValidFrom.Local().Format(output.HumanLayout)) +
			` \([^)]*\)  expires ` + regexp.QuoteMeta(tok.ValidTo.Local().Format(output.HumanLayout)) + ` \(in [^)]*\)  ` + regexp.QuoteMeta(tok.Scope) + "(\n|$)")
		if !line.MatchString(err.Error()) {
			t.Fatalf("ambiguous: %q lacks %q", err, line)
		}
	}
}
