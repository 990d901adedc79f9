package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/cmdutil/cmdtest"
	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/journal"
	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/rotation"
)

// runner is a Runner on the emulator, its stderr safe for concurrent writes.
func runner(t *testing.T, env *cmdtest.Env) (*Runner, *cmdutil.TokenCmd) {
	ios, _, _, _ := iostreams.Test()
	ios = Locked(ios, new(sync.Mutex))
	tc := env.TokenCmd(ios, time.Now)
	client, _ := env.PATClient(context.Background(), "fabrikam")
	return &Runner{IO: ios, Parallel: 3, Now: time.Now, SinkEnv: rotation.SinkEnv(&tc),
		Client: func(string) *patapi.Client { return client },
		Tx: func(c *patapi.Client, d *rotation.Delivery, verify bool) (*rotation.Tx, error) {
			tx, err := rotation.NewTx(&tc, c, &cmdutil.JSONFlags{}, d, nil)
			if tx != nil {
				tx.IO = ios
			}
			return tx, err
		}}, &tc
}

func TestRunCarriesOutThePlanInOrder(t *testing.T) {
	env := cmdtest.New(t)
	r, _ := runner(t, env)
	ctx := context.Background()
	due, _ := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "due", Scope: "vso.code", ValidTo: time.Now().Add(day)})
	stale, _ := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "stale", Scope: "vso.code", ValidTo: time.Now().Add(20 * day)})
	scoped, _ := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "scoped", Scope: "vso.code", ValidTo: time.Now().Add(20 * day)})

	f := &File{Prune: &Prune{Prefix: "st"}}
	for i := range 7 {
		f.Entries = append(f.Entries, entry(fmt.Sprintf("new-%d", i), "fabrikam", "vso.code"))
	}
	f.Entries = append(f.Entries, entry("due", "fabrikam", "vso.code"), entry("scoped", "fabrikam", "vso.code", "vso.build"))
	live, _ := env.Direct.List(ctx, patapi.ListOptions{})
	actions := Decide(f, map[string][]patapi.PatToken{"fabrikam": live}, time.Now())
	var seen []string
	var mu sync.Mutex
	r.Done = func(res Result) { mu.Lock(); seen = append(seen, res.Name); mu.Unlock() }
	results := r.Run(ctx, actions)

	if len(results) != 10 || len(seen) != 10 {
		t.Fatalf("%d results, %d told", len(results), len(seen))
	}
	for i, res := range results {
		if res.Name != actions[i].Name || res.Status != StatusDone || res.Error != "" {
			t.Fatalf("result %d: %+v", i, res)
		}
	}
	for _, res := range results[:7] {
		if res.Token == "" || res.AuthorizationID == "" || res.ValidTo == nil {
			t.Fatalf("create %+v", res)
		}
	}
	if rot := results[7]; rot.Action != ActRotate || rot.Replaces != due.AuthorizationID || rot.Token == "" {
		t.Fatalf("rotate %+v", rot)
	}
	if upd := results[8]; upd.Action != ActUpdate || upd.AuthorizationID != scoped.AuthorizationID {
		t.Fatalf("update %+v", upd)
	}
	if rev := results[9]; rev.Action != ActRevoke || rev.AuthorizationID != stale.AuthorizationID {
		t.Fatalf("revoke %+v", rev)
	}
	// The secrets wait in the journal for the report; once it is written,
	// the entries close.
	if entries, _ := env.Journal.List(); len(entries) != 8 {
		t.Fatalf("%d journal entries before the report, want 8", len(entries))
	}
	if err := HandOver(ctx, results, 3); err != nil {
		t.Fatal(err)
	}
	if entries, _ := env.Journal.List(); len(entries) != 0 {
		t.Fatalf("%d journal entries after the report", len(entries))
	}
	if err := Outcome(ctx, results); err != nil {
		t.Fatal(err)
	}
	after, _ := env.Direct.List(ctx, patapi.ListOptions{})
	actions = Decide(f, map[string][]patapi.PatToken{"fabrikam": after}, time.Now())
	if Changes(actions) {
		t.Fatalf("plan after apply: %+v", actions)
	}
}

func TestRunRefusesTokensARecordedOperationIsAbout(t *testing.T) {
	env := cmdtest.New(t)
	r, _ := runner(t, env)
	ctx := context.Background()
	old, _ := env.Direct.Create(ctx, patapi.CreateRequest{DisplayName: "busy", Scope: "vso.code", ValidTo: time.Now().Add(day)})
	r.Recorded = []journal.Entry{{ID: "x", Op: journal.OpRotate, Org: "fabrikam", PID: -1, Request: journal.Token{Name: "busy"}}}
	live, _ := env.Direct.List(ctx, patapi.ListOptions{})
	f := &File{Entries: []*Entry{entry("busy", "fabrikam", "vso.code"), entry("free", "fabrikam", "vso.code")}}
	results := r.Run(ctx, Decide(f, map[string][]patapi.PatToken{"fabrikam": live}, time.Now()))
	if results[0].Status != StatusUnfinished || results[0].AuthorizationID != old.AuthorizationID || results[1].Status != StatusDone {
		t.Fatalf("%+v", results)
	}
	var coded *cmdutil.ExitCodeError
	if err := Outcome(ctx, results); !errors.As(err, &coded) || coded.Code != cmdutil.ExitUnfinished {
		t.Fatalf("outcome %v", err)
	}
}

func TestOutcome(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		statuses []string
		code     int
	}{
		{"all done", context.Background(), []string{StatusDone, StatusUnchanged}, 0},
		{"nothing to do", context.Background(), nil, 0},
		{"a failure", context.Background(), []string{StatusDone, StatusFailed}, cmdutil.ExitError},
		{"left for resume", context.Background(), []string{StatusUnfinished, StatusDone}, cmdutil.ExitUnfinished},
		{"left for resume wins over a failure", context.Background(), []string{StatusFailed, StatusUnfinished}, cmdutil.ExitUnfinished},
		{"interrupted", cancelled, []string{StatusDone, StatusSkipped}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var results []Result
			for _, s := range tc.statuses {
				results = append(results, Result{Name: "n", Org: "o", Action: ActCreate, Status: s})
			}
			err := Outcome(tc.ctx, results)
			var coded *cmdutil.ExitCodeError
			switch {
			case tc.code == 0 && err != nil, tc.code > 0 && (!errors.As(err, &coded) || coded.Code != tc.code):
				t.Fatalf("%v, want exit %d", err, tc.code)
			case tc.code < 0 && !errors.Is(err, context.Canceled):
				t.Fatalf("%v, want interrupted", err)
			}
		})
	}
}

// Interrupted, apply starts nothing more: what has not started is skipped.
func TestRunStartsNothingOnceInterrupted(t *testing.T) {
	env := cmdtest.New(t)
	r, _ := runner(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &File{Entries: []*Entry{entry("a", "fabrikam", "vso.code"), entry("b", "fabrikam", "vso.code")}}
	results := r.Run(ctx, Decide(f, nil, time.Now()))
	for _, res := range results {
		if res.Status != StatusSkipped {
			t.Fatalf("%+v", res)
		}
	}
	if n := len(env.Emulator.IssuedPATs()); n != 0 {
		t.Fatalf("%d tokens made", n)
	}
}
