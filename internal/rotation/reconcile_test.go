package rotation

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
)

// TestReconcileTakesOnlyItsOwnToken: three tokens of the same name and
// scopes appear at once — this attempt's, another attempt's (another
// fingerprint), and one another recorded attempt made. Only the first is
// revoked.
func TestReconcileTakesOnlyItsOwnToken(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	validTo := time.Now().Add(30 * 24 * time.Hour)
	mine, _ := journal.NewEntry(journal.OpCreate, "fabrikam", time.Now())
	theirs, _ := journal.NewEntry(journal.OpCreate, "fabrikam", time.Now())
	for theirs.Fingerprint() == mine.Fingerprint() {
		theirs, _ = journal.NewEntry(journal.OpCreate, "fabrikam", time.Now())
	}
	mine.Request = journal.Token{Name: "ci", Scope: "vso.code", ValidTo: mine.Mark(validTo)}
	create := func(at time.Time) string {
		tok, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "ci", Scope: "vso.code", ValidTo: at})
		if err != nil {
			t.Fatal(err)
		}
		return tok.AuthorizationID
	}
	own := create(mine.Request.ValidTo)
	other := create(theirs.Mark(validTo))
	recorded := &journal.Entry{ID: "rec", New: &journal.Token{ID: create(mine.Request.ValidTo)}}

	lost := reconcile(ctx, env.Direct, mine, []journal.Entry{*recorded}, "", "", errors.New("lost"))
	if !lost.settled() || len(lost.Orphans) != 1 || lost.Orphans[0] != own || len(lost.Unsure) != 0 {
		t.Fatalf("reconcile: %+v", lost)
	}
	active, _ := env.Direct.List(ctx, patapi.ListOptions{})
	if len(active) != 2 {
		t.Fatalf("%d active tokens, want the other attempts' two", len(active))
	}
	if active[0].AuthorizationID != other && active[1].AuthorizationID != other {
		t.Fatal("another attempt's token was revoked")
	}
}

// TestReconcileLeavesAShortenedTokenToAPerson: a policy that cut the
// lifetime wiped the fingerprint; the token that may be this attempt's is
// named, not revoked — it could be another machine's.
func TestReconcileLeavesAShortenedTokenToAPerson(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	e, _ := journal.NewEntry(journal.OpCreate, "fabrikam", time.Now())
	e.Request = journal.Token{Name: "ci", Scope: "vso.code", ValidTo: e.Mark(time.Now().Add(300 * 24 * time.Hour))}
	tok, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "ci", Scope: "vso.code", ValidTo: time.Now().Add(90 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	lost := reconcile(ctx, env.Direct, e, nil, "", "", errors.New("lost"))
	if len(lost.Orphans) != 0 || len(lost.Unsure) != 1 || lost.Unsure[0] != tok.AuthorizationID {
		t.Fatalf("reconcile: %+v", lost)
	}
	if active, _ := env.Direct.List(ctx, patapi.ListOptions{}); len(active) != 1 {
		t.Fatal("a token that may be another machine's was revoked")
	}
}
