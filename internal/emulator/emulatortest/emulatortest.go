// Package emulatortest starts an emulator for a test and stops it after.
package emulatortest

import (
	"testing"

	"github.com/patctl/patctl/internal/emulator"
)

// Start runs an emulator with opts until the test ends.
func Start(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	em, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return em
}
