package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
)

// state is what the emulator remembers: it survives restarts when a state
// file is set. Secrets are kept only as hashes, except the emulator's own keys.
type state struct {
	Keys          keyMaterial              `json:"keys"`
	PATs          []*pat                   `json:"pats"`
	RefreshTokens map[string]*refreshGrant `json:"refreshTokens"` // by hash
	AuthCodes     map[string]*authCode     `json:"authCodes"`     // by hash
	DeviceCodes   map[string]*deviceCode   `json:"deviceCodes"`   // by hash
	GitHub        json.RawMessage          `json:"github,omitempty"`
}

// pat is a personal access token as the service stores it.
type pat struct {
	ID             string    `json:"authorizationId"`
	UserOID        string    `json:"userOid"`
	DisplayName    string    `json:"displayName"`
	Scope          string    `json:"scope"`
	TargetAccounts []string  `json:"targetAccounts"` // nil: all of the user's organizations
	ValidFrom      time.Time `json:"validFrom"`
	ValidTo        time.Time `json:"validTo"`
	Revoked        bool      `json:"revoked"`
	SecretHash     string    `json:"secretHash"`
}

type refreshGrant struct {
	UserOID  string    `json:"userOid"`
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Expires  time.Time `json:"expires"`
	Used     bool      `json:"used"`
	Revoked  bool      `json:"revoked"`
}

type authCode struct {
	UserOID       string    `json:"userOid"`
	ClientID      string    `json:"clientId"`
	RedirectURI   string    `json:"redirectUri"`
	Scopes        []string  `json:"scopes"`
	Challenge     string    `json:"challenge"`
	ChallengeMeth string    `json:"challengeMethod"`
	Expires       time.Time `json:"expires"`
	Used          bool      `json:"used"`
}

type deviceCode struct {
	UserCode string    `json:"userCodeHash"` // hashed: it approves a sign-in
	ClientID string    `json:"clientId"`
	Scopes   []string  `json:"scopes"`
	Tenant   string    `json:"tenant"`
	Expires  time.Time `json:"expires"`
	Polls    int       `json:"polls"`
	Approved string    `json:"approvedOid"` // set when someone approved at /devicelogin
	Redeemed bool      `json:"redeemed"`
}

func loadState(path string) (*state, error) {
	st := &state{
		RefreshTokens: map[string]*refreshGrant{},
		AuthCodes:     map[string]*authCode{},
		DeviceCodes:   map[string]*deviceCode{},
	}
	if path == "" {
		return st, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	return st, nil
}

// save writes the state file atomically (0600: it holds the signing keys).
// The caller holds e.mu or has not started serving yet.
func (e *Emulator) save() error {
	if e.stateFile == "" {
		return nil
	}
	if e.github != nil {
		e.st.GitHub = e.github.MarshalState()
	}
	data, err := json.MarshalIndent(e.st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(e.stateFile)
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
	if err := os.Rename(tmp.Name(), e.stateFile); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// saveLocked persists after a change; a failure to persist is not the client's
// problem, so it is only remembered for Err.
func (e *Emulator) saveLocked() {
	if err := e.save(); err != nil {
		e.saveErr = err
	}
}

// saveNow persists after the fake GitHub changed.
func (e *Emulator) saveNow() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.saveLocked()
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func randomUUID() string { return uuid.NewString() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// randomPATSecret looks like the 52-character tokens of the official examples.
func randomPATSecret() string {
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(32)))[:52]
}

func randomOpaque(prefix string, n int) string {
	return prefix + base64.RawURLEncoding.EncodeToString(randomBytes(n))
}
