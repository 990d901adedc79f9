package credstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// blob is what MSAL's cache marshals to, for these tests.
type blob []byte

func (b blob) Marshal() ([]byte, error) { return b, nil }

type sink struct{ got []byte }

func (s *sink) Unmarshal(b []byte) error { s.got = b; return nil }

func TestEncryptedCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	kr := &Memory{Limit: 2560}
	s := Open(dir, kr)
	if err := s.Prepare(StorageKeyring); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	secret := `{"RefreshToken":{"k":{"secret":"very-secret-refresh-token"}}}`
	if err := s.Cache(StorageKeyring).Export(ctx, blob(secret), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "auth", "msal_cache.bin"))
	if err != nil || strings.Contains(string(onDisk), "very-secret") {
		t.Fatalf("the cache file is not encrypted (%v)", err)
	}
	info, _ := os.Stat(filepath.Join(dir, "auth", "msal_cache.bin"))
	dirInfo, _ := os.Stat(filepath.Join(dir, "auth"))
	if info.Mode().Perm() != 0o600 || dirInfo.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", info.Mode(), dirInfo.Mode())
	}

	// Another process: a new store reads it back with the key from the keyring.
	var got sink
	if err := Open(dir, kr).Cache(StorageKeyring).Replace(ctx, &got, cache.ReplaceHints{}); err != nil || string(got.got) != secret {
		t.Fatalf("read back %q, %v", got.got, err)
	}

	// Tampering or a lost key is an error, not garbage.
	tampered := append([]byte(nil), onDisk...)
	tampered[len(tampered)-1] ^= 1
	os.WriteFile(filepath.Join(dir, "auth", "msal_cache.bin"), tampered, 0o600)
	if err := Open(dir, kr).Cache(StorageKeyring).Replace(ctx, &got, cache.ReplaceHints{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered file: %v", err)
	}
	if err := Open(dir, &Memory{}).Cache(StorageKeyring).Replace(ctx, &got, cache.ReplaceHints{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no key: %v", err)
	}
}

func TestUnchangedCacheIsNotRewritten(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir, &Memory{})
	ctx := context.Background()
	c := s.Cache(StorageFile)
	if err := c.Export(ctx, blob("one"), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "auth", "msal_cache.json")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	if err := c.Export(ctx, blob("one"), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); !info.ModTime().Equal(old) {
		t.Fatal("an unchanged cache was written again")
	}
	if err := c.Export(ctx, blob("two"), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "two" {
		t.Fatalf("file holds %q", data)
	}
}

func TestRemoveDeletesEverySecret(t *testing.T) {
	dir := t.TempDir()
	kr := &Memory{}
	s := Open(dir, kr)
	s.Prepare(StorageKeyring)
	s.Cache(StorageKeyring).Export(context.Background(), blob("x"), cache.ExportHints{})
	s.SaveLogin(Login{Storage: StorageKeyring, Username: "ada", HomeAccountID: "h"}, true)
	if err := s.Remove(true); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "auth"))
	for _, e := range entries {
		if e.Name() != "token.lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if kr.Len() != 0 {
		t.Fatal("the key is still in the keyring")
	}
	if _, err := s.ReadLogin(""); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("after remove: %v", err)
	}
}

func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Open(dir, &Memory{}).Lock(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Open(dir, &Memory{}).Lock(ctx, nil); err == nil {
		t.Fatal("a second lock was granted while the first is held")
	}
	unlock()
	unlock2, err := Open(dir, &Memory{}).Lock(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}

// TestLockWaitIsBounded: a waiter says who it waits for after a second,
// and gives up after the store's wait with a message saying what to do.
func TestLockWaitIsBounded(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Open(dir, &Memory{}).Lock(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	waiter := Open(dir, &Memory{})
	waiter.lockWait = 1500 * time.Millisecond
	var notice strings.Builder
	start := time.Now()
	_, err = waiter.Lock(context.Background(), &notice)
	pid := fmt.Sprintf("(pid %d)", os.Getpid())
	if err == nil || !strings.Contains(err.Error(), "try again") || !strings.Contains(err.Error(), pid) || time.Since(start) < waiter.lockWait {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
	if !strings.Contains(notice.String(), "Waiting for another patctl "+pid) {
		t.Fatalf("notice %q", notice.String())
	}
	unlock()
	if _, err := os.Stat(filepath.Join(dir, "auth", "token.lock.pid")); !os.IsNotExist(err) {
		t.Fatalf("the holder's pid outlived the lock: %v", err)
	}
	notice.Reset()
	unlock, err = waiter.Lock(context.Background(), &notice)
	if err != nil || notice.Len() != 0 {
		t.Fatalf("a free lock: %v, notice %q", err, notice.String())
	}
	unlock()
}

// TestPrepareAgainFollowsAnotherKey: a login reads the key as it starts and
// prepares again as it writes its tokens. If another patctl logged out, or
// logged out and in with a new key, in between, the second Prepare uses the
// keyring's key as it is then, and keeps the other's cache.
func TestPrepareAgainFollowsAnotherKey(t *testing.T) {
	ctx := context.Background()
	for _, relogin := range []bool{false, true} {
		dir := t.TempDir()
		kr := &Memory{}
		slow := Open(dir, kr)
		if err := slow.Prepare(StorageKeyring); err != nil {
			t.Fatal(err)
		}
		other := Open(dir, kr)
		if err := other.Remove(true); err != nil {
			t.Fatal(err)
		}
		if relogin {
			if err := other.Prepare(StorageKeyring); err != nil {
				t.Fatal(err)
			}
			if err := other.Cache(StorageKeyring).Export(ctx, blob("other"), cache.ExportHints{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := slow.Prepare(StorageKeyring); err != nil {
			t.Fatal(err)
		}
		var got sink
		if err := slow.Cache(StorageKeyring).Replace(ctx, &got, cache.ReplaceHints{}); err != nil || relogin && string(got.got) != "other" {
			t.Fatalf("relogin %v: the other's cache reads %q, %v", relogin, got.got, err)
		}
		if err := slow.Cache(StorageKeyring).Export(ctx, blob("slow"), cache.ExportHints{}); err != nil {
			t.Fatal(err)
		}
		if err := Open(dir, kr).Cache(StorageKeyring).Replace(ctx, &got, cache.ReplaceHints{}); err != nil || string(got.got) != "slow" {
			t.Fatalf("relogin %v: a later process reads %q, %v", relogin, got.got, err)
		}
	}
}

func TestSystemKeyringTimesOut(t *testing.T) {
	s := System{Timeout: 50 * time.Millisecond}
	start := time.Now()
	err := s.call(func() error { time.Sleep(time.Second); return nil })
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}
