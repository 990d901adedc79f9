// Package credstore keeps patctl's login: MSAL's token cache, encrypted with a
// key held in the OS keyring (or, when asked, in a plaintext file), and the
// lock that keeps two patctl processes from refreshing at once.
package credstore

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// Keyring errors. Every keyring failure is one of these, wrapped.
var (
	ErrNotFound    = errors.New("not found in the keyring")
	ErrTooBig      = errors.New("too big for the keyring")
	ErrTimeout     = errors.New("the keyring did not answer in time (is it locked?)")
	ErrUnavailable = errors.New("no usable keyring")
)

// Keyring is the OS keyring, or a stand-in for it.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// DefaultKeyringTimeout bounds each keyring call: a locked Linux keyring with
// no prompter otherwise hangs forever.
const DefaultKeyringTimeout = 3 * time.Second

// InteractiveKeyringTimeout leaves a person time to answer an unlock prompt.
const InteractiveKeyringTimeout = 30 * time.Second

// System is the OS keyring (macOS Keychain, Windows Credential Manager, the
// Secret Service on Linux) with a timeout on every call.
type System struct {
	Timeout time.Duration
}

func (s System) Get(service, user string) (string, error) {
	var v string
	err := s.call(func() (err error) { v, err = keyring.Get(service, user); return err })
	return v, err
}

func (s System) Set(service, user, secret string) error {
	return s.call(func() error { return keyring.Set(service, user, secret) })
}

func (s System) Delete(service, user string) error {
	return s.call(func() error { return keyring.Delete(service, user) })
}

func (s System) call(f func() error) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return mapKeyringError(err)
	case <-time.After(timeout):
		// The call goes on in its goroutine; its answer is dropped.
		return ErrTimeout
	}
}

func mapKeyringError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// Memory is an in-memory keyring for tests. Limit > 0 refuses secrets longer
// than that many bytes, as Windows does above 2560. It counts calls, so tests
// can hold patctl to reading the keyring once.
type Memory struct {
	Limit int
	// Fail makes every call fail with this error (say ErrUnavailable).
	Fail error

	mu                 sync.Mutex
	items              map[string]string
	gets, sets, delets int
}

func memKey(service, user string) string { return service + "\x00" + user }

func (m *Memory) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	if m.Fail != nil {
		return "", m.Fail
	}
	v, ok := m.items[memKey(service, user)]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *Memory) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sets++
	if m.Fail != nil {
		return m.Fail
	}
	if m.Limit > 0 && len(secret) > m.Limit {
		return ErrTooBig
	}
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[memKey(service, user)] = secret
	return nil
}

func (m *Memory) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delets++
	if m.Fail != nil {
		return m.Fail
	}
	if _, ok := m.items[memKey(service, user)]; !ok {
		return ErrNotFound
	}
	delete(m.items, memKey(service, user))
	return nil
}

// Counts returns how many gets, sets and deletes were made.
func (m *Memory) Counts() (gets, sets, deletes int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gets, m.sets, m.delets
}

// Len is how many secrets the keyring holds.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Values returns every secret held, for leak checks in tests.
func (m *Memory) Values() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, v := range m.items {
		out = append(out, v)
	}
	return out
}
