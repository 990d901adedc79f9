package github

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"golang.org/x/crypto/nacl/box"
)

// State is what the fake remembers, per scope (a repository, an environment,
// an organization): its key pairs and its secrets. As GitHub does, it keeps
// only the sealed boxes; readback opens them with the scope's private key.
type State struct {
	Scopes map[string]*scope `json:"scopes"` // by scopeKey
}

type scope struct {
	CurrentKey string              `json:"currentKey"`
	Keys       map[string]*keyPair `json:"keys"`    // by key_id; old ones open older secrets
	Secrets    map[string]*secret  `json:"secrets"` // by upper-case name
}

type keyPair struct {
	Public  []byte `json:"public"`
	Private []byte `json:"private"`
}

type secret struct {
	Name       string    `json:"name"`
	Created    time.Time `json:"createdAt"`
	Updated    time.Time `json:"updatedAt"`
	KeyID      string    `json:"keyId"`
	Sealed     []byte    `json:"sealed"`
	Visibility string    `json:"visibility,omitempty"` // organization secrets only
	RepoIDs    []int64   `json:"selectedRepositoryIds,omitempty"`
}

// scopeOf returns a scope, creating it and its first key pair at first use.
// The caller holds s.mu.
func (s *Service) scopeOf(key string) *scope {
	if s.st.Scopes == nil {
		s.st.Scopes = map[string]*scope{}
	}
	sc := s.st.Scopes[key]
	if sc == nil {
		sc = &scope{Keys: map[string]*keyPair{}, Secrets: map[string]*secret{}}
		sc.rotate()
		s.st.Scopes[key] = sc
	}
	return sc
}

// rotate makes a new current key pair; secrets sealed with older ones stay readable.
func (sc *scope) rotate() {
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	// Key ids look like the official example's: 18 digits.
	n, _ := rand.Int(rand.Reader, big.NewInt(1e17*9))
	id := fmt.Sprintf("%018d", n.Int64()+1e17)
	sc.Keys[id] = &keyPair{Public: pub[:], Private: priv[:]}
	sc.CurrentKey = id
}

// open decrypts a sealed box made for one of the scope's keys.
func (sc *scope) open(keyID string, sealed []byte) ([]byte, bool) {
	kp := sc.Keys[keyID]
	if kp == nil {
		return nil, false
	}
	var pub, priv [32]byte
	copy(pub[:], kp.Public)
	copy(priv[:], kp.Private)
	return box.OpenAnonymous(nil, sealed, &pub, &priv)
}

func (sc *scope) sortedNames() []string {
	names := make([]string, 0, len(sc.Secrets))
	for n := range sc.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MarshalState is the fake's state as JSON, for the emulator's state file.
func (s *Service) MarshalState() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.Marshal(&s.st)
	if err != nil {
		panic(err) // plain structs always marshal
	}
	return data
}

// LoadState restores what MarshalState wrote; empty data is an empty state.
func (s *Service) LoadState(data json.RawMessage) error {
	if len(data) == 0 {
		return nil
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("github state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	return nil
}

// SecretView is a stored secret as tests see it, its value opened.
type SecretView struct {
	Name       string    `json:"name"`
	Value      string    `json:"value"`
	Visibility string    `json:"visibility,omitempty"`
	RepoIDs    []int64   `json:"selectedRepositoryIds,omitempty"`
	Created    time.Time `json:"createdAt"`
	Updated    time.Time `json:"updatedAt"`
}

// Secret opens a stored secret for a test. path is written as in patctl's
// URIs: OWNER/REPO/NAME, OWNER/REPO/environments/ENV/NAME or ORG/NAME.
func (s *Service) Secret(path string) (SecretView, error) {
	key, name, err := s.parsePath(path)
	if err != nil {
		return SecretView{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.st.Scopes[key]
	if sc == nil || sc.Secrets[name] == nil {
		return SecretView{}, fmt.Errorf("github: no secret %s", path)
	}
	sec := sc.Secrets[name]
	value, ok := sc.open(sec.KeyID, sec.Sealed)
	if !ok {
		return SecretView{}, fmt.Errorf("github: secret %s does not open", path)
	}
	return SecretView{Name: sec.Name, Value: string(value), Visibility: sec.Visibility,
		RepoIDs: append([]int64(nil), sec.RepoIDs...), Created: sec.Created, Updated: sec.Updated}, nil
}

// SeedOrgSecret stores an organization secret as if someone had set it, for
// tests of what an update keeps.
func (s *Service) SeedOrgSecret(org, name, value, visibility string, repoIDs []int64) error {
	if _, ok := s.config().org(org); !ok {
		return fmt.Errorf("github: no organization %s", org)
	}
	s.mu.Lock()
	sc := s.scopeOf(orgKey(org))
	var pub [32]byte
	copy(pub[:], sc.Keys[sc.CurrentKey].Public)
	sealed, err := box.SealAnonymous(nil, []byte(value), &pub, rand.Reader)
	if err == nil {
		now := s.now().UTC().Truncate(time.Second)
		sc.Secrets[upper(name)] = &secret{Name: upper(name), Created: now, Updated: now, KeyID: sc.CurrentKey,
			Sealed: sealed, Visibility: visibility, RepoIDs: repoIDs}
	}
	s.mu.Unlock()
	s.changed()
	return err
}

// RotateKey gives a scope (written as in Secret, without the NAME) a new
// public key, as GitHub may do at any time.
func (s *Service) RotateKey(scopePath string) error {
	key, _, err := s.parsePath(scopePath + "/X")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.scopeOf(key).rotate()
	s.mu.Unlock()
	s.changed()
	return nil
}

// parsePath reads a test's path into a scope key and an upper-case name.
func (s *Service) parsePath(path string) (key, name string, err error) {
	parts := splitPath(path)
	cfg := s.config()
	switch {
	case len(parts) == 2:
		if _, ok := cfg.org(parts[0]); ok {
			return orgKey(parts[0]), upper(parts[1]), nil
		}
	case len(parts) == 3:
		if _, ok := cfg.repo(parts[0], parts[1]); ok {
			return repoKey(parts[0], parts[1]), upper(parts[2]), nil
		}
	case len(parts) >= 5 && parts[2] == "environments":
		env := joinPath(parts[3 : len(parts)-1])
		if r, ok := cfg.repo(parts[0], parts[1]); ok {
			if _, ok := r.environment(env); ok {
				return envKey(parts[0], parts[1], env), upper(parts[len(parts)-1]), nil
			}
		}
	}
	return "", "", errors.New("github: " + path + " is not a configured repository, environment or organization followed by a name")
}
