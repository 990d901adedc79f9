package credstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// Place is where an exported login is kept for unattended runs
// (PATCTL_LOGIN_FROM): a Key Vault secret, a file.
type Place interface {
	// String is the place's URI; it holds no secret.
	String() string
	// Read returns the login kept there and the version read: Key Vault's
	// version id, a digest of a file's content. Nothing there is
	// ErrNotLoggedIn.
	Read(ctx context.Context) (data []byte, version string, err error)
	// Write keeps data there and returns the version written.
	Write(ctx context.Context, data []byte) (version string, err error)
	// Lock holds an exclusive lock across processes where the place has one
	// (a file); elsewhere it does nothing. notice hears about a wait.
	Lock(ctx context.Context, notice io.Writer) (unlock func(), err error)
	// Exclusive reports whether Lock keeps other processes out. Without
	// it, two processes can refresh the same refresh token at once, and
	// the one refused waits for the other's write-back (RaceWait).
	Exclusive() bool
}

// RaceWait is how long a process whose refresh token was refused waits for
// another process, which spent it first, to write the login back.
const RaceWait = 15 * time.Second

// RaceRetries bounds how many times in a row a process whose refresh token
// was refused takes a newer login and tries again: each refusal means
// another process refreshed, and each of those writes once.
const RaceRetries = 5

// racePoll is how often the place is read again meanwhile.
const racePoll = 250 * time.Millisecond

// Remote is a login loaded from a Place and kept in memory only: nothing of
// it reaches the keyring or the config directory. It serves the same calls
// as the local Store (records, MSAL's cache, the lock), and Sync writes a
// refreshed login back where it came from.
//
// Concurrent writers are kept apart: under Lock the place is read again (a
// login another process refreshed is taken instead of refreshing again),
// and Sync writes only when the version loaded is still the newest; when
// another process wrote a newer one, this one's login is dropped for it
// rather than written over it.
type Remote struct {
	place Place
	// raceWait is RaceWait for places without an exclusive lock; tests
	// shorten it.
	raceWait time.Duration

	// sem serializes the holders of Lock within the process: a Key Vault
	// has no lock of its own.
	sem chan struct{}

	mu      sync.Mutex
	loaded  bool
	login   Login
	blob    []byte // MSAL's cache
	version string // of the place, when the login was read or written
	dirty   bool   // changed since: to write back
}

// NewRemote is the login at place; nothing is read until Load.
func NewRemote(place Place) *Remote {
	r := &Remote{place: place, sem: make(chan struct{}, 1)}
	if !place.Exclusive() {
		r.raceWait = RaceWait
	}
	return r
}

// Where is the place's URI.
func (r *Remote) Where() string { return r.place.String() }

// Version is the place's version of the login held.
func (r *Remote) Version() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.version
}

// Load reads the login from its place, once; later calls do nothing.
func (r *Remote) Load(ctx context.Context) error {
	r.mu.Lock()
	loaded := r.loaded
	r.mu.Unlock()
	if loaded {
		return nil
	}
	data, version, err := r.place.Read(ctx)
	if err != nil {
		return r.readError(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded {
		return nil
	}
	if err := r.adopt(data, version); err != nil {
		return err
	}
	r.loaded = true
	return nil
}

func (r *Remote) readError(err error) error {
	if errors.Is(err, ErrNotLoggedIn) {
		return noLoginError{r.place.String()}
	}
	// The place's errors name it.
	return fmt.Errorf("read the login: %w", err)
}

// noLoginError is a place with nothing in it: ErrNotLoggedIn.
type noLoginError struct{ where string }

func (e noLoginError) Error() string        { return "there is no login at " + e.where }
func (e noLoginError) Is(target error) bool { return target == ErrNotLoggedIn }

// adopt takes data as the login held; r.mu is held.
func (r *Remote) adopt(data []byte, version string) error {
	l, blob, err := UnmarshalExport(bytes.TrimSpace(data))
	if err != nil {
		return fmt.Errorf("the login at %s cannot be used: %w", r.place, err)
	}
	r.login, r.blob, r.version, r.dirty = l, blob, version, false
	return nil
}

// ReadLogins is the one login held, current; ErrNotLoggedIn before Load.
func (r *Remote) ReadLogins() (Logins, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		return Logins{}, ErrNotLoggedIn
	}
	return Logins{Current: r.login.Key(), Accounts: []Login{r.login}}, nil
}

// SaveLogin replaces the login's record (say, its last refresh) in memory,
// to be written back by Sync. Another account's is refused: a loaded login
// holds one account.
func (r *Remote) SaveLogin(l Login, _ bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded || l.Key() != r.login.Key() {
		return fmt.Errorf("the login at %s holds another account", r.place)
	}
	l.Storage = StorageLoginFrom
	if !reflect.DeepEqual(l, r.login) {
		r.login, r.dirty = l, true
	}
	return nil
}

// Cache is MSAL's cache accessor over the login held in memory; the kind
// is ignored.
func (r *Remote) Cache(string) cache.ExportReplace { return remoteCache{r} }

type remoteCache struct{ r *Remote }

func (c remoteCache) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	c.r.mu.Lock()
	blob := c.r.blob
	c.r.mu.Unlock()
	if blob == nil {
		return nil
	}
	return u.Unmarshal(blob)
}

func (c remoteCache) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	blob, err := m.Marshal()
	if err != nil {
		return err
	}
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if !bytes.Equal(blob, c.r.blob) {
		c.r.blob, c.r.dirty = blob, true
	}
	return nil
}

// Lock is held while the login is refreshed and written back: one holder
// at a time in this process, and across processes where the place has a
// lock. Under it the place is read again, so that a login another process
// refreshed meanwhile is used instead of being refreshed again.
func (r *Remote) Lock(ctx context.Context, notice io.Writer) (unlock func(), err error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-r.sem }
	unlockPlace, err := r.place.Lock(ctx, notice)
	if err != nil {
		release()
		return nil, err
	}
	unlock = func() { unlockPlace(); release() }
	if _, err := r.reload(ctx); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// reload reads the place and takes what is there if it is newer than the
// login held and nothing held is still to be written back. It reports
// whether it took a newer login.
func (r *Remote) reload(ctx context.Context) (bool, error) {
	data, version, err := r.place.Read(ctx)
	if err != nil {
		return false, r.readError(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if version == r.version || r.dirty {
		return false, nil
	}
	return true, r.adopt(data, version)
}

// Sync writes the login back to its place if a refresh changed it, when
// the version there is still the one loaded. If another process wrote a
// newer one meanwhile, that one is taken instead and this one dropped: the
// newest login wins, and is never written over by an older one. Callers
// hold Lock.
func (r *Remote) Sync(ctx context.Context) error {
	r.mu.Lock()
	dirty, loadedVersion := r.dirty, r.version
	r.mu.Unlock()
	if !dirty {
		return nil
	}
	// Key Vault has no conditional write: the version is read right before
	// the write, which leaves the smallest window.
	current, version, err := r.place.Read(ctx)
	if err != nil {
		return fmt.Errorf("before writing the refreshed login back: %w", r.readError(err))
	}
	r.mu.Lock()
	if version != loadedVersion {
		defer r.mu.Unlock()
		return r.adopt(current, version)
	}
	data, err := MarshalExport(r.login, r.blob)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	written, err := r.place.Write(ctx, data)
	if err != nil {
		return fmt.Errorf("write the refreshed login back: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// A refresh by another holder of this process comes under Lock, after
	// this: nothing changed the login since it was marshalled.
	r.version, r.dirty = written, false
	return nil
}

// AwaitNewer is for a refresh token that Entra ID refused: another process
// may have spent it first, and write its login back soon. It reads the
// place until a version other than the one held appears, and takes it
// (true); after RaceWait (at once for a place with a lock, where the read
// under it already found the newest) it reports false.
func (r *Remote) AwaitNewer(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(r.raceWait)
	for {
		took, err := r.reload(ctx)
		if err != nil || took || !time.Now().Before(deadline) {
			return took, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(racePoll):
		}
	}
}
