package devops

import (
	"fmt"
	"time"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/entra"
)

// Hooks for the black-box tests in this directory: they reach past HTTP only
// where a test must see or seed what the service stores.

// StoredPATsForTest is every stored token, printed.
func (d *Service) StoredPATsForTest() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fmt.Sprint(d.st.PATs)
}

// AddPATForTest stores a token of the default user; secret "" stores no hash.
func (d *Service) AddPATForTest(id, name, scope string, targets []string, from, to time.Time, secret string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := &pat{ID: id, UserOID: entra.DefaultUserOID, DisplayName: name, Scope: scope, TargetAccounts: targets, ValidFrom: from, ValidTo: to}
	if secret != "" {
		p.SecretHash = core.HashSecret(secret)
	}
	d.st.PATs = append(d.st.PATs, p)
}
