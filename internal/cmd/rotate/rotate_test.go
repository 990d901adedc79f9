package rotate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

// TestNewTokenKeepsTheOldLifetime: a token made to last 10 days, rotated 3
// days into its life, is replaced by one that lasts 10 days from now.
func TestNewTokenKeepsTheOldLifetime(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	old, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code vso.build", ValidTo: time.Now().Add(10 * 24 * time.Hour), AllOrgs: true})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(3 * 24 * time.Hour)
	io, _, _, _ := iostreams.Test()
	opts := &Options{TokenCmd: env.TokenCmd(io, func() time.Time { return later }),
		Selector: cmdutil.Selector{ID: old.AuthorizationID}}
	if err := rotateRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	active, err := env.Direct.List(ctx, patapi.ListOptions{Ascending: true})
	if err != nil || len(active) != 1 {
		t.Fatalf("active %v %v", active, err)
	}
	fresh := active[0]
	if fresh.AuthorizationID == old.AuthorizationID || fresh.DisplayName != "svc" || fresh.Scope != "vso.code vso.build" || !fresh.AllOrgs() {
		t.Fatalf("new token %+v", fresh)
	}
	// The attempt's fingerprint sets it up to a minute earlier.
	if d := later.Add(old.Lifetime()).Sub(fresh.ValidTo.Time); d < 0 || d > time.Minute {
		t.Fatalf("new validTo %v, want %v", fresh.ValidTo, later.Add(old.Lifetime()))
	}
}

type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestUndeliverableSecretKeepsTheOldToken: if the new secret cannot be
// written, the old token must stay active (and the new one goes).
func TestUndeliverableSecretKeepsTheOldToken(t *testing.T) {
	env := cmdtest.New(t)
	ctx := context.Background()
	old, err := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "svc", Scope: "vso.code", ValidTo: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	io.Out = brokenPipe{}
	opts := &Options{TokenCmd: env.TokenCmd(io, time.Now), Selector: cmdutil.Selector{ID: old.AuthorizationID}}
	if err := rotateRun(ctx, opts); err == nil || !strings.Contains(err.Error(), "the old one is untouched") {
		t.Fatalf("error %v", err)
	}
	active, err := env.Direct.List(ctx, patapi.ListOptions{Ascending: true})
	if err != nil || len(active) != 1 || active[0].AuthorizationID != old.AuthorizationID {
		t.Fatalf("active tokens %+v %v", active, err)
	}
}
