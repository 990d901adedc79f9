package proc

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Running reports whether pid may still be running. FindProcess opens the
// process; only "invalid parameter" means there is no such process (access
// denied is someone else's, still running).
func Running(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	p.Release()
	return true
}
