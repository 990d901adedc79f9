package credstore

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/gofrs/flock"

	"github.com/patctl/patctl/internal/atomicfile"
)

// Storage kinds.
const (
	// StorageKeyring: MSAL's cache encrypted (AES-256-GCM) in a file, with the
	// key in the OS keyring. A whole cache (about 7 KB) does not fit in a
	// keyring item on Windows (2560 bytes) or macOS (about 3000); a key does.
	StorageKeyring = "keyring"
	// StorageFile: MSAL's cache in a plaintext file (login --insecure-storage).
	StorageFile = "file"
)

// KeyringService is the service name of patctl's keyring items.
const KeyringService = "patctl"

// ErrNotLoggedIn means there is no login in this store.
var ErrNotLoggedIn = errors.New("not logged in")

// ErrCorrupt means the stored login cannot be read back.
var ErrCorrupt = errors.New("the stored login cannot be read")

// Login is what patctl remembers of a sign-in besides MSAL's cache. It holds
// no secret.
type Login struct {
	Storage       string    `json:"storage"`
	Authority     string    `json:"authority"`
	ClientID      string    `json:"clientId"`
	Scopes        []string  `json:"scopes"`
	HomeAccountID string    `json:"homeAccountId"`
	Username      string    `json:"username"`
	TenantID      string    `json:"tenantId"`
	LoggedInAt    time.Time `json:"loggedInAt"`
	// LastRefreshAt is when Entra ID last issued tokens for this login.
	LastRefreshAt time.Time `json:"lastRefreshAt,omitzero"`
}

// Store is the login kept in one directory. Its secret files are 0600 in a
// 0700 directory of their own.
type Store struct {
	dir      string
	keyring  Keyring
	lockWait time.Duration // LockWait if 0; tests shorten it

	mu       sync.Mutex
	key      []byte // read from the keyring once per process
	lastBlob []byte // what the cache file holds, to skip writing it unchanged
}

// Open returns the store under configDir; nothing is read yet.
func Open(configDir string, kr Keyring) *Store {
	return &Store{dir: filepath.Join(configDir, "auth"), keyring: kr}
}

// Dir is the directory of the store's files.
func (s *Store) Dir() string { return s.dir }

func (s *Store) loginPath() string     { return filepath.Join(s.dir, "login.json") }
func (s *Store) encryptedPath() string { return filepath.Join(s.dir, "msal_cache.bin") }
func (s *Store) plainPath() string     { return filepath.Join(s.dir, "msal_cache.json") }
func (s *Store) lockPath() string      { return filepath.Join(s.dir, "token.lock") }

// keyringUser names this store's key, so that several config directories
// (a demo's, a test's) never share one.
func (s *Store) keyringUser() string {
	sum := sha256.Sum256([]byte(s.dir))
	return "msal-cache-key:" + hex.EncodeToString(sum[:6])
}

// KeyringItem names this store's item in the keyring (service, user).
func (s *Store) KeyringItem() (service, user string) { return KeyringService, s.keyringUser() }

// Location says where a login of this kind is kept, for status.
func (s *Store) Location(kind string) string {
	if kind == StorageFile {
		return "plaintext file " + s.plainPath()
	}
	return "OS keyring (key) + encrypted file " + s.encryptedPath()
}

func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	// The directory is patctl's own: hold it to 0700 whatever the umask did.
	return os.Chmod(s.dir, 0o700)
}

// Logins are the accounts signed in, and which one commands use by default.
type Logins struct {
	Current  string  `json:"current"` // Key() of the current login
	Accounts []Login `json:"accounts"`
}

// Key names a login: one person signed in to two tenants (as a guest, say)
// has one home account and two logins.
func (l Login) Key() string { return l.HomeAccountID + "|" + strings.ToLower(l.TenantID) }

// AccountError means the account asked for is not signed in.
type AccountError struct {
	Account  string
	SignedIn []string
}

func (e *AccountError) Error() string {
	return fmt.Sprintf("%q is not signed in (signed in: %s)", e.Account, strings.Join(e.SignedIn, ", "))
}

// ReadLogins returns every account, or ErrNotLoggedIn when there is none.
func (s *Store) ReadLogins() (Logins, error) {
	var ls Logins
	data, err := os.ReadFile(s.loginPath())
	if errors.Is(err, os.ErrNotExist) {
		return ls, ErrNotLoggedIn
	}
	if err != nil {
		return ls, err
	}
	if err := json.Unmarshal(data, &ls); err != nil {
		return ls, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.loginPath(), err)
	}
	if len(ls.Accounts) == 0 {
		return ls, ErrNotLoggedIn
	}
	return ls, nil
}

// ReadLogin returns the login of an account (by user name, any letter
// case), or the current one when account is "".
func (s *Store) ReadLogin(account string) (Login, error) {
	ls, err := s.ReadLogins()
	if err != nil {
		return Login{}, err
	}
	return ls.Find(account)
}

// Find is the login of account (its username, any case), or with account ""
// the current one; an AccountError when account is not signed in.
func (ls Logins) Find(account string) (Login, error) {
	var names []string
	for _, l := range ls.Accounts {
		if account == "" && l.Key() == ls.Current || account != "" && strings.EqualFold(l.Username, account) {
			return l, nil
		}
		names = append(names, l.Username)
	}
	if account == "" {
		return ls.Accounts[0], nil
	}
	return Login{}, &AccountError{Account: account, SignedIn: names}
}

// SaveLogin adds a login, or replaces the one of the same account; current
// makes it the account commands use by default.
func (s *Store) SaveLogin(l Login, current bool) error {
	ls, err := s.ReadLogins()
	if err != nil && !errors.Is(err, ErrNotLoggedIn) {
		return err
	}
	replaced := false
	for i := range ls.Accounts {
		if ls.Accounts[i].Key() == l.Key() {
			ls.Accounts[i], replaced = l, true
		}
	}
	if !replaced {
		ls.Accounts = append(ls.Accounts, l)
	}
	if current || ls.Current == "" {
		ls.Current = l.Key()
	}
	return s.writeLogins(ls)
}

// DropLogin forgets one login's record; it returns how many remain.
func (s *Store) DropLogin(key string) (int, error) {
	ls, err := s.ReadLogins()
	if err != nil {
		return 0, err
	}
	kept := ls.Accounts[:0]
	for _, l := range ls.Accounts {
		if l.Key() != key {
			kept = append(kept, l)
		}
	}
	ls.Accounts = kept
	if ls.Current == key {
		ls.Current = ""
		if len(kept) > 0 {
			ls.Current = kept[0].Key()
		}
	}
	return len(kept), s.writeLogins(ls)
}

// PurgeAccount deletes a login's entries from MSAL's cache, whatever client
// they were issued to. The refresh token and account entry, which a person's
// logins in several tenants share, go only with the last of them.
func (s *Store) PurgeAccount(kind string, l Login, lastOfPerson bool) error {
	blob, err := s.readBlob(kind)
	if err != nil || blob == nil {
		return err
	}
	var cache map[string]json.RawMessage
	if err := json.Unmarshal(blob, &cache); err != nil {
		return fmt.Errorf("%w: the token cache is not JSON", ErrCorrupt)
	}
	for section, raw := range cache {
		var entries map[string]map[string]any
		if json.Unmarshal(raw, &entries) != nil {
			continue // not a section of entries (AppMetadata holds no account)
		}
		for key, e := range entries {
			if e["home_account_id"] != l.HomeAccountID {
				continue
			}
			realm, hasRealm := e["realm"].(string)
			if lastOfPerson || hasRealm && strings.EqualFold(realm, l.TenantID) {
				delete(entries, key)
			}
		}
		if cache[section], err = json.Marshal(entries); err != nil {
			return err
		}
	}
	out, err := json.Marshal(cache)
	if err != nil {
		return err
	}
	return s.writeBlob(kind, out)
}

// ForgetLogins drops every account's record (not the cache).
func (s *Store) ForgetLogins() error { return removeFile(s.loginPath()) }

func (s *Store) writeLogins(ls Logins) error {
	data, err := json.MarshalIndent(ls, "", "  ")
	if err != nil {
		return err
	}
	return s.writeFile(s.loginPath(), data)
}

// Prepare readies the store for a new login of the given kind: for the
// keyring, it makes sure a key is there (reading or creating it), and drops
// a cache that the key cannot open (its key was lost), which would otherwise
// fail the new login at its very end. Called again as a login writes its
// tokens, it reads the keyring again if the cache is gone or does not open
// with the key read before: another patctl may have logged out, or in with a
// new key, since.
func (s *Store) Prepare(kind string) error {
	if err := s.ensureDir(); err != nil {
		return err
	}
	if kind != StorageKeyring {
		return nil
	}
	s.mu.Lock()
	known := s.key != nil
	s.mu.Unlock()
	if _, err := s.cacheKey(true); err != nil {
		return err
	}
	blob, err := s.readBlob(StorageKeyring)
	if known && (blob == nil && err == nil || errors.Is(err, ErrCorrupt)) {
		s.forgetKey()
		if _, err := s.cacheKey(true); err != nil {
			return err
		}
		_, err = s.readBlob(StorageKeyring)
	}
	if errors.Is(err, ErrCorrupt) {
		if err := os.Remove(s.encryptedPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (s *Store) forgetKey() {
	s.mu.Lock()
	s.key = nil
	s.mu.Unlock()
}

// cacheKey reads the key from the keyring, once; create makes one if absent.
func (s *Store) cacheKey(create bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	encoded, err := s.keyring.Get(KeyringService, s.keyringUser())
	if errors.Is(err, ErrNotFound) && create {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := s.keyring.Set(KeyringService, s.keyringUser(), base64.StdEncoding.EncodeToString(key)); err != nil {
			return nil, err
		}
		s.key = key
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%w: the key in the keyring is malformed", ErrCorrupt)
	}
	s.key = key
	return key, nil
}

// Cache is MSAL's cache accessor for a login of the given kind.
func (s *Store) Cache(kind string) cache.ExportReplace {
	return &accessor{store: s, kind: kind}
}

// accessor persists MSAL's cache as one blob; the partition hints are not
// needed for one user's CLI.
type accessor struct {
	store *Store
	kind  string
}

func (a *accessor) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	blob, err := a.store.readBlob(a.kind)
	if err != nil || blob == nil {
		return err
	}
	return u.Unmarshal(blob)
}

func (a *accessor) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	blob, err := m.Marshal()
	if err != nil {
		return err
	}
	return a.store.writeBlob(a.kind, blob)
}

func (s *Store) readBlob(kind string) ([]byte, error) {
	var blob []byte
	switch kind {
	case StorageFile:
		data, err := os.ReadFile(s.plainPath())
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		blob = data
	default:
		data, err := os.ReadFile(s.encryptedPath())
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		key, err := s.cacheKey(false)
		if err != nil {
			return nil, err
		}
		if blob, err = decrypt(key, data); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.lastBlob = blob
	s.mu.Unlock()
	return blob, nil
}

func (s *Store) writeBlob(kind string, blob []byte) error {
	s.mu.Lock()
	unchanged := bytes.Equal(blob, s.lastBlob)
	s.mu.Unlock()
	if unchanged {
		return nil
	}
	data := blob
	path := s.plainPath()
	if kind != StorageFile {
		key, err := s.cacheKey(false)
		if err != nil {
			return err
		}
		if data, err = encrypt(key, blob); err != nil {
			return err
		}
		path = s.encryptedPath()
	}
	if err := s.writeFile(path, data); err != nil {
		return err
	}
	s.mu.Lock()
	s.lastBlob = blob
	s.mu.Unlock()
	return nil
}

// writeFile writes atomically: a reader sees the old file or the new one.
func (s *Store) writeFile(path string, data []byte) error {
	if err := s.ensureDir(); err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// Remove deletes the login record and both kinds of cache, and the key in
// the keyring when withKey is set.
func (s *Store) Remove(withKey bool) error {
	var errs []error
	if err := removeFile(s.loginPath()); err != nil {
		errs = append(errs, err)
	}
	for _, kind := range []string{StorageFile, StorageKeyring} {
		if err := s.Discard(kind, withKey); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Discard deletes the cache of one kind, and for the keyring kind its key
// too when withKey is set: what a login of that kind left behind.
func (s *Store) Discard(kind string, withKey bool) error {
	if kind == StorageFile {
		return removeFile(s.plainPath())
	}
	err := removeFile(s.encryptedPath())
	if withKey {
		if kerr := s.keyring.Delete(KeyringService, s.keyringUser()); kerr != nil && !errors.Is(kerr, ErrNotFound) {
			err = errors.Join(err, fmt.Errorf("delete the key from the keyring: %w", kerr))
		}
		s.forgetKey()
	}
	s.mu.Lock()
	s.lastBlob = nil
	s.mu.Unlock()
	return err
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// LockWait bounds how long Lock waits for another patctl. The lock is held
// only while one writes the login — a refresh, or the end of a sign-in, never
// the sign-in itself — so a longer wait means that one is stuck.
const LockWait = 30 * time.Second

// lockNoticeAfter is how long Lock waits before it says why.
const lockNoticeAfter = time.Second

// Lock holds an exclusive lock across processes until unlock is called, so
// that only one patctl at a time refreshes and rewrites the cache. While
// another holds it, Lock says so on notice (if not nil) after a second, and
// gives up after LockWait.
func (s *Store) Lock(ctx context.Context, notice io.Writer) (unlock func(), err error) {
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	return lockFile(ctx, s.lockPath(), notice, s.lockWait)
}

// LockFile holds an exclusive lock on path across processes, as Store.Lock
// does on the login's: for a login kept in a file of the user's
// (PATCTL_LOGIN_FROM=file:…). Who holds it is written to path + ".pid".
func LockFile(ctx context.Context, path string, notice io.Writer) (unlock func(), err error) {
	return lockFile(ctx, path, notice, 0)
}

func lockFile(ctx context.Context, path string, notice io.Writer, wait time.Duration) (unlock func(), err error) {
	if wait <= 0 {
		wait = LockWait
	}
	holder := path + ".pid"
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	quiet, cancelQuiet := context.WithTimeout(waitCtx, lockNoticeAfter)
	defer cancelQuiet()
	fl := flock.New(path)
	ok, err := fl.TryLockContext(quiet, 20*time.Millisecond)
	if !ok && waitCtx.Err() == nil && quiet.Err() != nil {
		if notice != nil {
			fmt.Fprintf(notice, "Waiting for another patctl%s to finish updating the login...\n", lockHolder(holder))
		}
		ok, err = fl.TryLockContext(waitCtx, 20*time.Millisecond)
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return nil, fmt.Errorf("another patctl%s kept the login locked for %v: try again once it has finished, or end it if it hangs", lockHolder(holder), wait)
	}
	if err != nil {
		return nil, fmt.Errorf("wait for another patctl to finish updating the login: %w", err)
	}
	if !ok {
		return nil, errors.New("could not lock " + path)
	}
	// Who holds the lock, for those waiting: a file of its own, since
	// Windows keeps others from reading a locked byte of the lock file.
	_ = os.WriteFile(holder, []byte(strconv.Itoa(os.Getpid())), 0o600)
	return func() {
		_ = os.Remove(holder)
		_ = fl.Unlock()
	}, nil
}

// lockHolder names the process holding the lock, " (pid N)", if known.
func lockHolder(holder string) string {
	data, err := os.ReadFile(holder)
	if pid, convErr := strconv.Atoi(string(data)); err == nil && convErr == nil {
		return fmt.Sprintf(" (pid %d)", pid)
	}
	return ""
}

const aad = "patctl msal cache v1"

func encrypt(key, plain []byte) ([]byte, error) { return sealWith(key, plain, aad) }

func decrypt(key, data []byte) ([]byte, error) { return openWith(key, data, aad) }

func sealWith(key, plain []byte, aad string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{1}, nonce...)
	return gcm.Seal(out, nonce, plain, []byte(aad)), nil
}

func openWith(key, data []byte, aad string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(data) < 1+gcm.NonceSize() || data[0] != 1 {
		return nil, fmt.Errorf("%w: unknown format", ErrCorrupt)
	}
	nonce, sealed := data[1:1+gcm.NonceSize()], data[1+gcm.NonceSize():]
	plain, err := gcm.Open(nil, nonce, sealed, []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not decrypt with the key in the keyring", ErrCorrupt)
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// journalAAD binds sealed secrets to their purpose: a sealed PAT cannot be
// passed off as a token cache, nor the other way round.
const journalAAD = "patctl journal secret v1"

// Seal encrypts a secret with the key that protects the login (AES-256-GCM),
// for the journal. It reads the keyring at most once per process.
func (s *Store) Seal(plain []byte) ([]byte, error) {
	key, err := s.cacheKey(false)
	if err != nil {
		return nil, err
	}
	return sealWith(key, plain, journalAAD)
}

// Unseal decrypts what Seal made.
func (s *Store) Unseal(sealed []byte) ([]byte, error) {
	key, err := s.cacheKey(false)
	if err != nil {
		return nil, err
	}
	return openWith(key, sealed, journalAAD)
}
