//go:build !unix && !windows

package atomicfile

// processRunning cannot tell here, so stale files are left alone.
func processRunning(pid int) bool { return true }

// syncDir does nothing where directories cannot be synced.
func syncDir(dir string) error { return nil }
