package credstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// memPlace is a Place in memory: every write a new version, numbered.
// exclusive gives it a lock, as a file has.
type memPlace struct {
	exclusive bool
	lock      sync.Mutex

	mu       sync.Mutex
	versions [][]byte
	writes   int
	// beforeWrite, when set, runs as a write starts (another process
	// writing in between).
	beforeWrite func()
}

func (p *memPlace) String() string { return "mem://login" }

func (p *memPlace) Read(context.Context) ([]byte, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.versions) == 0 {
		return nil, "", ErrNotLoggedIn
	}
	return p.versions[len(p.versions)-1], strconv.Itoa(len(p.versions)), nil
}

func (p *memPlace) Write(_ context.Context, data []byte) (string, error) {
	if p.beforeWrite != nil {
		p.beforeWrite()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writes++
	p.versions = append(p.versions, data)
	return strconv.Itoa(len(p.versions)), nil
}

func (p *memPlace) Lock(context.Context, io.Writer) (func(), error) {
	if !p.exclusive {
		return func() {}, nil
	}
	p.lock.Lock()
	return p.lock.Unlock, nil
}

func (p *memPlace) Exclusive() bool { return p.exclusive }

func (p *memPlace) latest(t *testing.T) (Login, string) {
	t.Helper()
	data, _, err := p.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l, c, err := UnmarshalExport(data)
	if err != nil {
		t.Fatal(err)
	}
	return l, refreshTokenOf(t, c)
}

// cacheWith is a cache holding Ada's refresh token rt.
func cacheWith(rt string) []byte {
	return fmt.Appendf(nil, `{"RefreshToken":{"rt":{"home_account_id":%q,"credential_type":"RefreshToken","secret":%q}}}`, adaHome, rt)
}

func exportWith(t *testing.T, rt string) []byte {
	t.Helper()
	data, err := MarshalExport(ada, cacheWith(rt))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func refreshTokenOf(t *testing.T, c []byte) string {
	t.Helper()
	var v struct {
		RefreshToken map[string]struct{ Secret string } `json:"RefreshToken"`
	}
	if err := json.Unmarshal(c, &v); err != nil {
		t.Fatal(err)
	}
	return v.RefreshToken["rt"].Secret
}

// held is the refresh token in the cache a Remote hands MSAL.
func held(t *testing.T, r *Remote) string {
	t.Helper()
	var got unmarshaler
	if err := r.Cache("").Replace(context.Background(), &got, cache.ReplaceHints{}); err != nil {
		t.Fatal(err)
	}
	return refreshTokenOf(t, got)
}

type unmarshaler []byte

func (u *unmarshaler) Unmarshal(b []byte) error { *u = append((*u)[:0], b...); return nil }

type marshaler []byte

func (m marshaler) Marshal() ([]byte, error) { return m, nil }

// refreshed is what MSAL does after a refresh: the new cache exported.
func refreshed(t *testing.T, r *Remote, rt string) {
	t.Helper()
	if err := r.Cache("").Export(context.Background(), marshaler(cacheWith(rt)), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteLoadsIntoMemory(t *testing.T) {
	ctx := context.Background()
	place := &memPlace{}
	r := NewRemote(place)
	if _, err := r.ReadLogins(); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("before Load: %v", err)
	}
	if err := r.Load(ctx); !errors.Is(err, ErrNotLoggedIn) || err.Error() != "there is no login at mem://login" {
		t.Fatalf("nothing there: %v", err)
	}
	place.versions = [][]byte{[]byte("dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq")}
	if err := r.Load(ctx); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "the login at mem://login cannot be used") {
		t.Fatalf("not a login: %v", err)
	}
	place.versions = [][]byte{append(exportWith(t, "rt-1"), '\n')}
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ls, err := r.ReadLogins()
	if err != nil || len(ls.Accounts) != 1 || ls.Current != ada.Key() || ls.Accounts[0].Storage != StorageLoginFrom || ls.Accounts[0].Username != ada.Username {
		t.Fatalf("logins %+v, %v", ls, err)
	}
	if got := held(t, r); got != "rt-1" || r.Version() != "1" {
		t.Fatalf("holds %q at version %s", got, r.Version())
	}
	// Loaded once: a newer version is not read by Load again.
	place.versions = append(place.versions, exportWith(t, "rt-2"))
	if err := r.Load(ctx); err != nil || held(t, r) != "rt-1" {
		t.Fatalf("loaded again: %v", err)
	}
	grace := ada
	grace.HomeAccountID = "uid-grace"
	if err := r.SaveLogin(grace, true); err == nil {
		t.Fatal("a record of another account was taken")
	}
}

func TestRemoteWritesBackOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	place := &memPlace{versions: [][]byte{exportWith(t, "rt-1")}}
	r := NewRemote(place)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	// A token from the cache: MSAL exports nothing new.
	refreshed(t, r, "rt-1")
	ls, _ := r.ReadLogins()
	if err := r.SaveLogin(ls.Accounts[0], false); err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil || place.writes != 0 {
		t.Fatalf("nothing changed, yet %d writes (%v)", place.writes, err)
	}
	// A refresh: a new refresh token, a new last refresh.
	refreshed(t, r, "rt-2")
	l := ls.Accounts[0]
	l.LastRefreshAt = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := r.SaveLogin(l, false); err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil || place.writes != 1 || r.Version() != "2" {
		t.Fatalf("%d writes, version %s (%v)", place.writes, r.Version(), err)
	}
	stored, rt := place.latest(t)
	if rt != "rt-2" || !stored.LastRefreshAt.Equal(l.LastRefreshAt) {
		t.Fatalf("stored %q, %+v", rt, stored)
	}
	// Written once.
	if err := r.Sync(ctx); err != nil || place.writes != 1 {
		t.Fatalf("%d writes (%v)", place.writes, err)
	}
}

// TestRemoteLostRaceTakesTheNewest: two processes load the same version and
// both refresh; the second to write finds a newer version than it loaded,
// and takes it instead of writing over it.
func TestRemoteLostRaceTakesTheNewest(t *testing.T) {
	ctx := context.Background()
	place := &memPlace{versions: [][]byte{exportWith(t, "rt-1")}}
	a, b := NewRemote(place), NewRemote(place)
	for _, r := range []*Remote{a, b} {
		if err := r.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	refreshed(t, a, "rt-a")
	refreshed(t, b, "rt-b")
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, rt := place.latest(t); rt != "rt-a" || place.writes != 1 {
		t.Fatalf("stored %q after %d writes, want a's alone", rt, place.writes)
	}
	if held(t, b) != "rt-a" || b.Version() != "2" {
		t.Fatalf("the loser holds %q at version %s, want the winner's", held(t, b), b.Version())
	}
	// Nothing left to write.
	if err := b.Sync(ctx); err != nil || place.writes != 1 {
		t.Fatalf("%d writes (%v)", place.writes, err)
	}
}

// TestRemoteLockReadsAgain: under the lock, a login another process wrote
// meanwhile is taken, so that it is used rather than refreshed again — but
// not over a refresh still to be written back.
func TestRemoteLockReadsAgain(t *testing.T) {
	ctx := context.Background()
	place := &memPlace{versions: [][]byte{exportWith(t, "rt-1")}}
	r := NewRemote(place)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	place.Write(ctx, exportWith(t, "rt-2"))
	unlock, err := r.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if held(t, r) != "rt-2" {
		t.Fatalf("holds %q after Lock, want the newer rt-2", held(t, r))
	}
	refreshed(t, r, "rt-3")
	place.Write(ctx, exportWith(t, "rt-other"))
	unlock, err = r.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if held(t, r) != "rt-3" {
		t.Fatalf("a refresh to write back was dropped for %q", held(t, r))
	}

	// Gone meanwhile: the lock says so.
	gone := &memPlace{versions: [][]byte{exportWith(t, "rt-1")}}
	r = NewRemote(gone)
	r.Load(ctx)
	gone.versions = nil
	if _, err := r.Lock(ctx, nil); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("gone: %v", err)
	}
	// The lock is not left held.
	gone.versions = [][]byte{exportWith(t, "rt-1")}
	done := make(chan error, 1)
	go func() {
		unlock, err := r.Lock(ctx, nil)
		if err == nil {
			unlock()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the lock was left held after a failed Lock")
	}
}

func TestRemoteLockSerializesTheProcess(t *testing.T) {
	ctx := context.Background()
	r := NewRemote(&memPlace{versions: [][]byte{exportWith(t, "rt-1")}})
	r.Load(ctx)
	unlock, err := r.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := r.Lock(waiting, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second holder in the process: %v", err)
	}
	unlock()
	unlock, err = r.Lock(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
}

func TestRemoteAwaitNewer(t *testing.T) {
	ctx := context.Background()
	place := &memPlace{versions: [][]byte{exportWith(t, "rt-1")}}
	r := NewRemote(place)
	if r.raceWait != RaceWait {
		t.Fatalf("race wait %v without a lock", r.raceWait)
	}
	r.raceWait = 2 * time.Second
	r.Load(ctx)
	go func() {
		time.Sleep(100 * time.Millisecond)
		place.Write(ctx, exportWith(t, "rt-2"))
	}()
	if newer, err := r.AwaitNewer(ctx); err != nil || !newer || held(t, r) != "rt-2" {
		t.Fatalf("newer %v, holds %q (%v)", newer, held(t, r), err)
	}
	r.raceWait = 300 * time.Millisecond
	start := time.Now()
	if newer, err := r.AwaitNewer(ctx); err != nil || newer || time.Since(start) < r.raceWait {
		t.Fatalf("nothing newer: %v after %v (%v)", newer, time.Since(start), err)
	}

	// With a lock, what Lock read is the newest: no wait.
	locked := NewRemote(&memPlace{exclusive: true, versions: [][]byte{exportWith(t, "rt-1")}})
	locked.Load(ctx)
	start = time.Now()
	if newer, err := locked.AwaitNewer(ctx); err != nil || newer || time.Since(start) > time.Second {
		t.Fatalf("with a lock: %v after %v (%v)", newer, time.Since(start), err)
	}
}

// tokenServer issues refresh tokens as Entra ID does, one from another;
// strict, it refuses a refresh token used before (the emulator's default).
type tokenServer struct {
	strict bool

	mu     sync.Mutex
	next   int
	issued map[string]bool // refresh token -> still valid
}

func (s *tokenServer) refresh(rt string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.issued[rt] {
		return "", false
	}
	if s.strict {
		s.issued[rt] = false
	}
	s.next++
	fresh := fmt.Sprintf("rt-%d", s.next)
	s.issued[fresh] = true
	return fresh, true
}

// TestRemoteProtocolUnderRace runs processes (Remotes of their own) on one
// place at once, each refreshing the login the way auth does: under Lock,
// refresh; refused, wait for a newer login and refresh that one; then Sync.
// Every process must succeed and the place must end with a refresh token
// that still works — with or without a lock, with refresh tokens used once
// or reusable.
func TestRemoteProtocolUnderRace(t *testing.T) {
	for _, tc := range []struct {
		name              string
		exclusive, strict bool
	}{{"keyvault", false, true}, {"keyvault-reusable", false, false}, {"file", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			server := &tokenServer{strict: tc.strict, issued: map[string]bool{"rt-0": true}}
			place := &memPlace{exclusive: tc.exclusive, versions: [][]byte{exportWith(t, "rt-0")}}
			const n = 6
			var wg sync.WaitGroup
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = refreshOnce(ctx, NewRemote(place), server)
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("process %d: %v", i, err)
				}
			}
			_, rt := place.latest(t)
			if !server.issued[rt] {
				t.Fatalf("the place holds %s, which no longer works", rt)
			}
			if place.writes < 1 || place.writes > n {
				t.Fatalf("%d writes for %d processes", place.writes, n)
			}
		})
	}
}

// refreshOnce is one process: load, refresh under the lock (after a
// refusal, with the newer login another process wrote), write back.
func refreshOnce(ctx context.Context, r *Remote, server *tokenServer) error {
	r.raceWait = 5 * time.Second
	if err := r.Load(ctx); err != nil {
		return err
	}
	unlock, err := r.Lock(ctx, nil)
	if err != nil {
		return err
	}
	defer unlock()
	for attempt := 0; ; attempt++ {
		var got unmarshaler
		r.Cache("").Replace(ctx, &got, cache.ReplaceHints{})
		var c struct {
			RefreshToken map[string]struct{ Secret string } `json:"RefreshToken"`
		}
		json.Unmarshal(got, &c)
		if fresh, ok := server.refresh(c.RefreshToken["rt"].Secret); ok {
			if err := r.Cache("").Export(ctx, marshaler(cacheWith(fresh)), cache.ExportHints{}); err != nil {
				return err
			}
			return r.Sync(ctx)
		}
		if attempt == RaceRetries {
			return errors.New("refused after every retry")
		}
		newer, err := r.AwaitNewer(ctx)
		if err != nil {
			return err
		}
		if !newer {
			return errors.New("refused, and no newer login came")
		}
	}
}
