package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// The state file is one JSON object. Each service owns some of its top-level
// keys: its state is a struct whose fields are tagged with them, read with
// LoadState and written with SaveState. Keys no one claims are kept as read.

// keysState is the core's own part: the CA and the token signing key, which
// clients must keep trusting and tokens keep verifying across restarts.
type keysState struct {
	Keys keyMaterial `json:"keys"`
}

// store is the state file and the document it holds.
type store struct {
	path string
	mu   sync.Mutex
	raw  []byte                     // the file as read at start
	doc  map[string]json.RawMessage // top-level keys as last written
	err  error                      // last failure to write
}

func (st *store) open(path string) error {
	st.path = path
	st.doc = map[string]json.RawMessage{}
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(data, &st.doc); err != nil {
		return fmt.Errorf("read state %s: %w", path, err)
	}
	st.raw = data
	return nil
}

// LoadState fills v, a pointer to a struct tagged with the top-level keys
// the caller owns, from the state file as it was at start. Without a state
// file v is left as it is.
func (s *Server) LoadState(v any) error {
	if s.state.raw == nil {
		return nil
	}
	if err := json.Unmarshal(s.state.raw, v); err != nil {
		return fmt.Errorf("read state %s: %w", s.state.path, err)
	}
	return nil
}

// SaveState writes v's keys into the state file. The caller holds the lock
// that guards v, so that its changes reach the file in order. A failure to
// persist is not the client's problem: it is remembered for Err.
func (s *Server) SaveState(v any) {
	if err := s.state.save(v); err != nil {
		s.state.mu.Lock()
		s.state.err = err
		s.state.mu.Unlock()
	}
}

// Err reports the last failure to write the state file, if any.
func (s *Server) Err() error {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.err
}

// save writes the file atomically (0600: it holds the signing keys).
func (st *store) save(v any) error {
	if st.path == "" {
		return nil
	}
	part, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(part, &keys); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, v := range keys {
		st.doc[k] = v
	}
	data, err := json.MarshalIndent(st.doc, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(st.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".state-*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}
