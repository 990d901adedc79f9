package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// processRunning reports whether pid may still be running. FindProcess
// opens the process; only "invalid parameter" means there is no such
// process (access denied is someone else's, still running).
func processRunning(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	p.Release()
	return true
}

// syncDir does nothing: Windows cannot open a directory for syncing
// (FlushFileBuffers needs a file handle opened for writing).
func syncDir(dir string) error { return nil }
