//go:build unix

package proc

import (
	"errors"
	"os"
	"syscall"
)

// Running reports whether pid may still be running: only "no such process"
// counts as exited. A pid reused by another program counts as running, so
// what it left waits a while longer, which is safe.
func Running(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	defer p.Release()
	err = p.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}
