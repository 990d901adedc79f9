package emulator

import (
	"fmt"
	"time"
)

// Hooks for the black-box tests in this directory: they reach past HTTP only
// where a test must see or seed what the service stores.

func VerifyForTest(e *Emulator, raw string) (accessToken, error) { return e.verifyAccessToken(raw) }

func StoredPATsForTest(e *Emulator) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprint(e.st.PATs)
}

func AddPATForTest(e *Emulator, id, name, scope string, targets []string, from, to time.Time, secret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &pat{ID: id, UserOID: DefaultUserOID, DisplayName: name, Scope: scope, TargetAccounts: targets, ValidFrom: from, ValidTo: to}
	if secret != "" {
		p.SecretHash = hashSecret(secret)
	}
	e.st.PATs = append(e.st.PATs, p)
}
