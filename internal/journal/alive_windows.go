package journal

import (
	"golang.org/x/sys/windows"
)

// Alive reports whether a process with this pid runs.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if windows.GetExitCodeProcess(h, &code) != nil {
		return true
	}
	return code == 259 // STILL_ACTIVE
}

// syncDir: Windows cannot sync a directory; NTFS journals the rename.
func syncDir(string) error { return nil }
