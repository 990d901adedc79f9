//go:build !windows

package journal

import (
	"errors"
	"os"
	"syscall"
)

// Alive reports whether a process with this pid runs. A pid reused by
// another program counts as alive: resume then waits, which is safe.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
