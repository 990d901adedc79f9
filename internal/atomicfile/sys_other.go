//go:build !unix && !windows

package atomicfile

// syncDir does nothing where directories cannot be synced.
func syncDir(dir string) error { return nil }
