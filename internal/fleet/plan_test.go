package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/patapi"
	"github.com/patctl/patctl/internal/sink"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// tok is an active token made `age` ago, expiring in `left`.
func tok(id, name, scope string, age, left time.Duration, global bool) patapi.PatToken {
	t := patapi.PatToken{AuthorizationID: id, DisplayName: name, Scope: scope,
		ValidFrom: patapi.Time{Time: now.Add(-age)}, ValidTo: patapi.Time{Time: now.Add(left)}}
	if !global {
		t.TargetAccounts = []string{"38aaa865-2c70-4bf7-a308-0c6539c38c1a"}
	}
	return t
}

func entry(name, org string, scopes ...string) *Entry {
	return &Entry{Name: name, Org: org, Scopes: scopes, Lifetime: 30 * day, RotateBefore: 7 * day}
}

func TestDecide(t *testing.T) {
	global := entry("g", "fabrikam", "vso.code")
	global.AllOrgs = true
	for _, tc := range []struct {
		name   string
		entry  *Entry
		live   []patapi.PatToken
		action string
		reason string
	}{
		{"no token", entry("a", "fabrikam", "vso.code"), nil, ActCreate, "no active token has the name"},
		{"another name only", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "ab", "vso.code", day, 20*day, false)}, ActCreate, ""},
		{"fresh", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "a", "vso.code", day, 20*day, false)}, ActNone, ""},
		{"due", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "a", "vso.code", 25*day, 5*day, false)}, ActRotate, "within rotateBefore (7d)"},
		{"due exactly", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "a", "vso.code", 23*day, 7*day, false)}, ActRotate, ""},
		{"due and scopes differ: rotate with the new scopes", entry("a", "fabrikam", "vso.build"), []patapi.PatToken{tok("1", "a", "vso.code", 25*day, day, false)}, ActRotate, ""},
		{"scopes differ", entry("a", "fabrikam", "vso.code", "vso.build"), []patapi.PatToken{tok("1", "a", "vso.code", day, 20*day, false)}, ActUpdate, "scopes vso.code → vso.code vso.build"},
		{"scopes in another order and case", entry("a", "fabrikam", "vso.build", "VSO.code"), []patapi.PatToken{tok("1", "a", "vso.code vso.build", day, 20*day, false)}, ActNone, ""},
		{"allOrgs differs", global, []patapi.PatToken{tok("1", "g", "vso.code", day, 20*day, false)}, ActUpdate, "allOrgs false → true"},
		{"global as declared", global, []patapi.PatToken{tok("1", "g", "vso.code", day, 20*day, true)}, ActNone, ""},
		{"two tokens", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "a", "vso.code", day, 20*day, false), tok("2", "a", "vso.code", day, 21*day, false)}, ActError, ""},
		{"retired one beside", entry("a", "fabrikam", "vso.code"), []patapi.PatToken{tok("1", "a (rotated 2026-11-20)", "vso.code", day, day, false), tok("2", "a", "vso.code", day, 20*day, false)}, ActNone, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &File{Entries: []*Entry{tc.entry}}
			got := Decide(f, map[string][]patapi.PatToken{"fabrikam": tc.live}, now)
			if len(got) != 1 || got[0].Action != tc.action || !strings.Contains(got[0].Reason, tc.reason) {
				t.Fatalf("%+v, want %s (%s)", got, tc.action, tc.reason)
			}
			if tc.action == ActError && !strings.Contains(got[0].Error, `2 active tokens are named "a": 1 (expires`) {
				t.Fatalf("error %q", got[0].Error)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	f := &File{Org: "fabrikam", Prune: &Prune{Line: 9, Prefix: "ci-"}, Entries: []*Entry{entry("ci-a", "fabrikam", "vso.code"), entry("ci-b", "contoso", "vso.code")}}
	live := map[string][]patapi.PatToken{
		"fabrikam": {
			tok("1", "ci-a", "vso.code", day, 20*day, false),
			tok("2", "ci-old", "vso.code", day, 20*day, false),
			tok("3", "ci-a (rotated 2026-11-21)", "vso.code", day, day, false), // its grace period
			tok("4", "other", "vso.code", day, 20*day, false),
			tok("5", "ci-b", "vso.code", day, 20*day, false), // declared in contoso only
			tok("6", "ci-global", "vso.code", day, 20*day, true),
		},
		"contoso": {
			tok("6", "ci-global", "vso.code", day, 20*day, true), // seen from both
			tok("7", "ci-b", "vso.code", day, 20*day, false),
		},
	}
	var got []string
	for _, a := range Decide(f, live, now) {
		if a.Action == ActRevoke {
			got = append(got, fmt.Sprintf("%s/%s@%s:%d", a.AuthorizationID, a.Name, a.Org, a.Line))
		}
	}
	if want := "2/ci-old@fabrikam:9 5/ci-b@fabrikam:9 6/ci-global@fabrikam:9"; strings.Join(got, " ") != want {
		t.Fatalf("revokes %v, want %s", got, want)
	}
}

// holder is a destination that says what it holds.
type holder struct {
	uri     string
	id      string
	updated time.Time
	known   bool
	err     error
	calls   *atomic.Int32
}

func (h holder) String() string                                     { return h.uri }
func (h holder) Preflight(context.Context) error                    { return nil }
func (h holder) Write(context.Context, sink.Secret) (string, error) { return "", nil }
func (h holder) Holds(context.Context) (string, time.Time, bool, error) {
	h.calls.Add(1)
	return h.id, h.updated, h.known, h.err
}

// blind is a destination that cannot tell (file:, exec:, …).
type blind struct{ holder }

func (b blind) Holds() {} // not a sink.Holder

func TestPlanAsksDestinations(t *testing.T) {
	calls := new(atomic.Int32)
	created := now.Add(-day)
	for _, tc := range []struct {
		name   string
		sink   sink.Sink
		left   time.Duration
		action string
		reason string
	}{
		{"holds this token", holder{uri: "kv", id: "1", updated: created.Add(time.Second), known: true}, 20 * day, ActNone, ""},
		{"holds this token, id in upper case", holder{uri: "kv", id: "ABC", known: true}, 20 * day, ActNone, ""},
		{"holds another", holder{uri: "kv", id: "9", updated: created.Add(time.Hour), known: true}, 20 * day, ActRotate, "kv holds another token (9)"},
		{"holds nothing", holder{uri: "kv", known: true}, 20 * day, ActRotate, "kv holds no secret yet"},
		{"written before the token", holder{uri: "gh", updated: created.Add(-2 * time.Minute), known: true}, 20 * day, ActRotate, "gh was written at 2026-11-21T09:58:00Z, before the token was created (2026-11-21T10:00:00Z)"},
		{"written just before: clocks differ", holder{uri: "gh", updated: created.Add(-30 * time.Second), known: true}, 20 * day, ActNone, ""},
		{"written after", holder{uri: "gh", updated: created.Add(time.Minute), known: true}, 20 * day, ActNone, ""},
		{"cannot tell", holder{uri: "x", id: "9", known: false}, 20 * day, ActNone, ""},
		{"not a holder", blind{holder{uri: "file:/x", id: "9", known: true}}, 20 * day, ActNone, ""},
		{"cannot be asked", holder{uri: "kv", err: errors.New("no access")}, 20 * day, ActError, ""},
		{"due anyway: not asked", holder{uri: "kv", err: errors.New("must not be asked")}, day, ActRotate, "within rotateBefore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if h, ok := tc.sink.(holder); ok {
				h.calls = calls
				tc.sink = h
			}
			e := entry("a", "fabrikam", "vso.code")
			e.Sinks = []sink.Sink{tc.sink}
			id := "1"
			if tc.name == "holds this token, id in upper case" {
				id = "abc"
			}
			live := []patapi.PatToken{tok(id, "a", "vso.code", day, tc.left, false)}
			p := &Planner{Parallel: 2, Now: func() time.Time { return now }, List: func(context.Context, string) ([]patapi.PatToken, error) { return live, nil }}
			got, err := p.Plan(context.Background(), &File{Entries: []*Entry{e}})
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Action != tc.action || !strings.Contains(got[0].Reason, tc.reason) {
				t.Fatalf("%s (%s %s), want %s (%s)", got[0].Action, got[0].Reason, got[0].Error, tc.action, tc.reason)
			}
			if tc.action == ActError && got[0].Error != "cannot tell which token kv holds: no access" {
				t.Fatalf("error %q", got[0].Error)
			}
		})
	}
}

// Each organization is listed once, however many entries it has; lists and
// inspections run side by side, no more than Parallel at once.
func TestPlanListsEachOrganizationOnceAndBoundsWhatIsInFlight(t *testing.T) {
	var mu sync.Mutex
	lists := map[string]int{}
	var inFlight, most atomic.Int32
	enter := func() func() {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		return func() { inFlight.Add(-1) }
	}
	f := &File{}
	for i := range 12 {
		e := entry(fmt.Sprintf("t%d", i), []string{"a", "b", "c"}[i%3], "vso.code")
		e.Sinks = []sink.Sink{slowHolder{enter: enter}}
		f.Entries = append(f.Entries, e)
	}
	p := &Planner{Parallel: 3, Now: func() time.Time { return now }, List: func(_ context.Context, org string) ([]patapi.PatToken, error) {
		defer enter()()
		mu.Lock()
		lists[org]++
		mu.Unlock()
		var out []patapi.PatToken
		for i := range 12 {
			out = append(out, tok(fmt.Sprint(i), fmt.Sprintf("t%d", i), "vso.code", day, 20*day, false))
		}
		return out, nil
	}}
	start := time.Now()
	got, err := p.Plan(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lists) != "map[a:1 b:1 c:1]" {
		t.Fatalf("lists %v", lists)
	}
	if most.Load() != 3 {
		t.Fatalf("%d in flight at most, want 3", most.Load())
	}
	// 1 round of lists, 4 of inspections; one at a time would take 15.
	if d := time.Since(start); d > 12*20*time.Millisecond {
		t.Fatalf("took %s", d)
	}
	for _, a := range got {
		if a.Action != ActNone {
			t.Fatalf("%+v", a)
		}
	}
}

type slowHolder struct {
	blind
	enter func() func()
}

func (s slowHolder) Holds(context.Context) (string, time.Time, bool, error) {
	defer s.enter()()
	return "", time.Time{}, false, nil
}

func TestPlanFailsWhenAListFails(t *testing.T) {
	p := &Planner{Parallel: 2, Now: func() time.Time { return now }, List: func(_ context.Context, org string) ([]patapi.PatToken, error) {
		if org == "b" {
			return nil, errors.New("HTTP 500")
		}
		return nil, nil
	}}
	_, err := p.Plan(context.Background(), &File{Entries: []*Entry{entry("x", "a", "vso.code"), entry("y", "b", "vso.code")}})
	if err == nil || err.Error() != "plan: b: HTTP 500" {
		t.Fatalf("error %v", err)
	}
}

func TestRetiredNamesAreNotPruned(t *testing.T) {
	for name, want := range map[string]bool{
		"ci-a (rotated 2026-11-21)": false, // ci-a is declared
		"ci-a (rotated 2026-13-21)": true,  // not a date: not made by a rotation
		"ci-b (rotated 2026-11-21)": true,  // ci-b is not declared
		"ci-a (rotated)":            true,
	} {
		f := &File{Prune: &Prune{Prefix: "ci-"}, Entries: []*Entry{entry("ci-a", "o", "vso.code")}}
		got := Decide(f, map[string][]patapi.PatToken{"o": {tok("1", name, "vso.code", day, day, false)}}, now)
		if pruned := len(got) == 2; pruned != want {
			t.Errorf("%q pruned: %v, want %v", name, pruned, want)
		}
	}
}
