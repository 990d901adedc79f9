package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/emulator"
)

// vault is a credstore.Place in memory without a lock, as Key Vault is.
// hold, when set, makes a write wait until it is closed; wrote hears of the
// write first.
type vault struct {
	mu       sync.Mutex
	versions [][]byte
	hold     chan struct{}
	wrote    chan struct{}
}

func (v *vault) String() string { return "keyvault://kv-main/patctl-login" }

func (v *vault) Read(context.Context) ([]byte, string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.versions) == 0 {
		return nil, "", credstore.ErrNotLoggedIn
	}
	return v.versions[len(v.versions)-1], strconv.Itoa(len(v.versions)), nil
}

func (v *vault) Write(_ context.Context, data []byte) (string, error) {
	v.mu.Lock()
	hold, wrote := v.hold, v.wrote
	v.hold, v.wrote = nil, nil
	v.mu.Unlock()
	if wrote != nil {
		close(wrote)
		<-hold
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.versions = append(v.versions, data)
	return strconv.Itoa(len(v.versions)), nil
}

func (v *vault) Lock(context.Context, io.Writer) (func(), error) { return func() {}, nil }
func (v *vault) Exclusive() bool                                 { return false }

func (v *vault) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.versions)
}

func (v *vault) refreshToken(t *testing.T) string {
	t.Helper()
	data, _, err := v.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, c, err := credstore.UnmarshalExport(data)
	if err != nil {
		t.Fatal(err)
	}
	var cache struct {
		RefreshToken map[string]struct{ Secret string } `json:"RefreshToken"`
	}
	if err := json.Unmarshal(c, &cache); err != nil || len(cache.RefreshToken) != 1 {
		t.Fatalf("%d refresh tokens (%v)", len(cache.RefreshToken), err)
	}
	for _, rt := range cache.RefreshToken {
		return rt.Secret
	}
	return ""
}

// exported signs in, with access tokens MSAL counts as expired at once, and
// exports the login into a vault; the local login is then removed.
func exported(t *testing.T, em *emulator.Emulator) *vault {
	t.Helper()
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
	dir := t.TempDir()
	a := newAuthenticator(t, em, dir, &credstore.Memory{})
	ctx := context.Background()
	if _, err := a.Login(ctx, LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: true}); err != nil {
		t.Fatal(err)
	}
	_, data, err := a.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "auth")); err != nil {
		t.Fatal(err)
	}
	return &vault{versions: [][]byte{data}}
}

// pipeline is a run that loads its login from v, with no local one.
func pipeline(t *testing.T, em *emulator.Emulator, v *vault) *Authenticator {
	t.Helper()
	dir := t.TempDir()
	a := newAuthenticator(t, em, dir, &credstore.Memory{Fail: credstore.ErrUnavailable})
	a.Remote = credstore.NewRemote(v)
	return a
}

func token(a *Authenticator) error {
	ts, src, err := a.TokenSource(context.Background())
	if err != nil {
		return err
	}
	if src != SourceLoginFrom {
		return errors.New("source " + string(src))
	}
	_, err = ts.Token()
	return err
}

func TestLoginFromRefreshesAndWritesBack(t *testing.T) {
	em := startEmulator(t)
	v := exported(t, em)
	first := v.refreshToken(t)
	a := pipeline(t, em, v)
	if err := token(a); err != nil {
		t.Fatal(err)
	}
	if v.count() != 2 || v.refreshToken(t) == first {
		t.Fatalf("%d versions; refresh token renewed: %v", v.count(), v.refreshToken(t) != first)
	}
	st, err := a.CurrentStatus(context.Background())
	if err != nil || st.Source != SourceLoginFrom || st.LoginFrom != v.String() || st.Login.Username != emulator.DefaultUserUPN {
		t.Fatalf("status %+v, %v", st, err)
	}
	if time.Since(st.Login.LastRefreshAt) > time.Minute {
		t.Fatalf("last refresh %v", st.Login.LastRefreshAt)
	}
	if entries, _ := os.ReadDir(a.Settings.ConfigDir); len(entries) != 0 {
		t.Fatalf("the run left files in its config directory: %v", entries)
	}

	// Revoked: sign in again is not the way out; exporting a new one is.
	em.RevokeSessions(emulator.DefaultUserUPN)
	later := pipeline(t, em, v)
	later.Remote = credstore.NewRemote(&lockedVault{v})
	var signIn *SignInRequiredError
	if err := token(later); !errors.As(err, &signIn) || !strings.Contains(err.Error(), "patctl login export --to "+v.String()) || strings.Contains(err.Error(), "run `patctl login`") {
		t.Fatalf("revoked: %v", err)
	}
}

// lockedVault is a vault with a lock, as a file is: no waiting for a
// write-back after a refusal.
type lockedVault struct{ *vault }

func (lockedVault) Exclusive() bool { return true }

// TestLoginFromLostRefreshWaitsForTheWinner: two runs load the same login;
// the first spends its refresh token but has not written the login back
// when the second, refused, tries the same one. The second waits for the
// write-back and goes on from the newer login.
func TestLoginFromLostRefreshWaitsForTheWinner(t *testing.T) {
	em := startEmulator(t)
	v := exported(t, em)
	a, b := pipeline(t, em, v), pipeline(t, em, v)
	for _, r := range []*Authenticator{a, b} {
		if err := r.Remote.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	v.hold, v.wrote = make(chan struct{}), make(chan struct{})
	hold, wrote := v.hold, v.wrote
	aDone := make(chan error, 1)
	go func() { aDone <- token(a) }()
	<-wrote // a has refreshed, and is writing
	em.ResetRequests()
	bDone := make(chan error, 1)
	go func() { bDone <- token(b) }()
	time.Sleep(500 * time.Millisecond)
	close(hold)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("the second run: %v", err)
	}
	var grants []int
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken {
			grants = append(grants, r.Status)
		}
	}
	if len(grants) != 2 || grants[0] != 400 || grants[1] != 200 {
		t.Fatalf("token requests of the second run: %v, want a refusal, then a refresh of the newer login", grants)
	}
	if v.count() != 3 {
		t.Fatalf("%d versions, want the export and two write-backs", v.count())
	}
	if err := token(pipeline(t, em, v)); err != nil {
		t.Fatalf("the login kept no longer works: %v", err)
	}
}
