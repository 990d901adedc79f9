// Package journal is the durable record of operations that create a token
// and are not finished yet: what `patctl resume` reads. Each operation is one
// file (0600, in a 0700 directory), rewritten atomically and synced at every
// step, so that whatever happens to the process — a kill, a power cut — the
// record says how far it got.
package journal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/proc"
)

// Operation kinds.
const (
	OpCreate = "create"
	OpRotate = "rotate"
)

// Delivery channels besides sinks, as Entry.Delivered names them; a sink
// is named by its URI.
const (
	ToStdout     = "stdout"
	ToCIVariable = "ci-variable"
)

// Token is what the journal keeps of a token: never its secret.
type Token struct {
	ID      string    `json:"id,omitempty"`
	Name    string    `json:"name"`
	Scope   string    `json:"scope"`
	ValidTo time.Time `json:"validTo"`
	AllOrgs bool      `json:"allOrgs"`
}

// Plan is where the new secret goes.
type Plan struct {
	Stdout       bool     `json:"stdout,omitempty"` // printed (bare, framed or in JSON)
	To           []string `json:"to,omitempty"`     // sink URIs (--to, --output-file)
	CIVariable   string   `json:"ciVariable,omitempty"`
	CI           string   `json:"ci,omitempty"`           // azure or github
	GitHubOutput string   `json:"githubOutput,omitempty"` // $GITHUB_OUTPUT
	Verify       bool     `json:"verify"`
}

// Channels are the plan's delivery channels, in the order they are written.
func (p Plan) Channels() []string {
	out := append([]string(nil), p.To...)
	if p.CIVariable != "" {
		out = append(out, ToCIVariable)
	}
	if p.Stdout {
		out = append(out, ToStdout)
	}
	return out
}

// Entry is one unfinished operation.
type Entry struct {
	// ID names the attempt; its fingerprint (see Fingerprint) marks the
	// token it asks for, so that a lost answer is matched to it alone.
	ID      string    `json:"id"`
	Op      string    `json:"op"`
	Org     string    `json:"org"`
	Account string    `json:"account,omitempty"` // who signed in, "" for an access token of unknown owner
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`

	Request Token      `json:"request"`       // what the POST asks for
	Old     *Token     `json:"old,omitempty"` // rotate: the token it replaces
	Grace   *time.Time `json:"grace,omitempty"`
	Plan    Plan       `json:"plan"`

	// Set as the steps happen.
	New       *Token   `json:"new,omitempty"`
	Sealed    []byte   `json:"sealed,omitempty"` // the new secret, encrypted with the login's key
	Verified  bool     `json:"verified,omitempty"`
	Delivered []string `json:"delivered,omitempty"`
	Retired   bool     `json:"retired,omitempty"`
	// Withdrawn: the new token is to be revoked (it failed, or its secret
	// reached no one); resume only finishes that.
	Withdrawn bool `json:"withdrawn,omitempty"`
}

// DeliveredTo reports whether the secret reached a channel.
func (e *Entry) DeliveredTo(channel string) bool {
	for _, d := range e.Delivered {
		if d == channel {
			return true
		}
	}
	return false
}

// Pending are the planned channels the secret has not reached yet.
func (e *Entry) Pending() []string {
	var out []string
	for _, c := range e.Plan.Channels() {
		if !e.DeliveredTo(c) {
			out = append(out, c)
		}
	}
	return out
}

// Touches reports whether the entry is about the token with this id, or
// (name != "") with this name, in org.
func (e *Entry) Touches(org, id, name string) bool {
	if !strings.EqualFold(e.Org, org) {
		return false
	}
	if id != "" && (e.Old != nil && e.Old.ID == id || e.New != nil && e.New.ID == id) {
		return true
	}
	return name != "" && (e.Request.Name == name || e.Old != nil && e.Old.Name == name)
}

// Describe names the operation for people: `rotate of "ci" in fabrikam`.
func (e *Entry) Describe() string {
	return fmt.Sprintf("%s of %q in %s (started %s by pid %d)", e.Op, e.Request.Name, e.Org, e.Started.UTC().Format(time.RFC3339), e.PID)
}

// Fingerprint is how far below the whole second the attempt's validTo is
// set: a multiple of 4 ms under one minute, from the entry's id. The service
// keeps times to 1/300 s, so 15,000 attempts are told apart.
func (e *Entry) Fingerprint() time.Duration {
	var n uint64
	for _, b := range []byte(e.ID) {
		n = n*31 + uint64(b)
	}
	return time.Duration(n%15000) * 4 * time.Millisecond
}

// Mark gives validTo the attempt's fingerprint: a moment earlier, which
// changes nothing that matters.
func (e *Entry) Mark(validTo time.Time) time.Time {
	return validTo.Truncate(time.Second).Add(-e.Fingerprint())
}

// Journal is the directory of unfinished operations.
type Journal struct {
	dir string
	// mu serializes the claims of this process (apply runs several at
	// once): they wait here rather than poll the file lock.
	mu sync.Mutex
}

// Open returns the journal under configDir; nothing is read yet.
func Open(configDir string) *Journal { return &Journal{dir: filepath.Join(configDir, "journal")} }

// Dir is where the entries are.
func (j *Journal) Dir() string { return j.dir }

func (j *Journal) path(id string) string { return filepath.Join(j.dir, id+".json") }

// NewEntry starts an entry with a fresh id, for this process.
func NewEntry(op, org string, now time.Time) (*Entry, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &Entry{ID: hex.EncodeToString(b), Op: op, Org: org, PID: os.Getpid(), Started: now.UTC()}, nil
}

// ConflictError is an operation that refuses because another one, on the
// same token, is unfinished or under way.
type ConflictError struct{ Entry Entry }

func (e *ConflictError) Error() string {
	if proc.Running(e.Entry.PID) && e.Entry.PID != os.Getpid() {
		return fmt.Sprintf("another patctl (pid %d) is running a %s of %q in %s; wait for it to finish", e.Entry.PID, e.Entry.Op, e.Entry.Request.Name, e.Entry.Org)
	}
	return fmt.Sprintf("an unfinished operation is recorded: %s; run `patctl resume` to finish it (or `patctl resume --abort` to roll it back)", e.Entry.Describe())
}

// Claim records a new entry unless another entry touches the same token.
// Under a lock across processes, check sees every recorded entry and may
// refuse (with a ConflictError, say) before e is written; it may also fill e.
func (j *Journal) Claim(ctx context.Context, e *Entry, check func([]Entry) error) error {
	unlock, err := j.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	entries, err := j.List()
	if err != nil {
		return err
	}
	if err := check(entries); err != nil {
		return err
	}
	return j.Save(e)
}

// Check returns a ConflictError for the first entry that touches the token
// (by id, or name when not ""), or nil.
func (j *Journal) Check(org, id, name string) error {
	entries, err := j.List()
	if err != nil {
		return err
	}
	return Conflict(entries, org, id, name)
}

// Conflict is Check over entries already read.
func Conflict(entries []Entry, org, id, name string) error {
	for _, e := range entries {
		if e.PID == os.Getpid() {
			continue
		}
		if e.Touches(org, id, name) {
			return &ConflictError{Entry: e}
		}
	}
	return nil
}

// Save writes the entry as it now stands, durably.
func (j *Journal) Save(e *Entry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := j.ensureDir(); err != nil {
		return err
	}
	if err := atomicfile.Write(j.path(e.ID), data, 0o600); err != nil {
		return fmt.Errorf("record the operation in the journal: %w", err)
	}
	return nil
}

// Close removes a finished entry, and its secret with it.
func (j *Journal) Close(e *Entry) error {
	return atomicfile.Remove(j.path(e.ID))
}

// List returns every entry, oldest first. An entry that cannot be read is
// an error: it may hold the only copy of a secret.
func (j *Journal) List() ([]Entry, error) {
	files, err := os.ReadDir(j.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".json") || strings.HasPrefix(f.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(j.dir, f.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // closed meanwhile
		}
		if err != nil {
			return nil, err
		}
		var e Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("the journal entry %s cannot be read: %v", filepath.Join(j.dir, f.Name()), err)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.Before(out[b].Started) })
	return out, nil
}

// Unfinished are the entries no running process is working on.
func (j *Journal) Unfinished() ([]Entry, error) {
	all, err := j.List()
	var out []Entry
	for _, e := range all {
		if e.PID == os.Getpid() || !proc.Running(e.PID) {
			out = append(out, e)
		}
	}
	return out, err
}

func (j *Journal) ensureDir() error {
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(j.dir, 0o700)
}

// lock serializes claims across processes: between reading the entries and
// writing a new one, no other claim may come in.
func (j *Journal) lock(ctx context.Context) (func(), error) {
	j.mu.Lock()
	if err := j.ensureDir(); err != nil {
		j.mu.Unlock()
		return nil, err
	}
	fl := flock.New(filepath.Join(j.dir, ".lock"))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		j.mu.Unlock()
		return nil, fmt.Errorf("lock the journal %s: %v", j.dir, err)
	}
	return func() { _ = fl.Unlock(); j.mu.Unlock() }, nil
}

// Sealer encrypts the secrets the journal keeps, with the key that protects
// the stored login.
type Sealer interface {
	Seal(plain []byte) ([]byte, error)
	Unseal(sealed []byte) ([]byte, error)
}

// Owner is who records operations: the signed-in account, and how its
// secrets are sealed (nil: there is no key, and the journal keeps no secret).
type Owner struct {
	Account string
	Sealer  Sealer
}
