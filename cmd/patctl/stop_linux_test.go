package main

import (
	"runtime"
	"syscall"
)

// stopSelf freezes the process as a debugger would, until SIGCONT. The
// signal goes to this very thread: sent to the process, another thread may
// take it while this one runs on for a moment — past the stage.
func stopSelf() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_ = syscall.Tgkill(syscall.Getpid(), syscall.Gettid(), syscall.SIGSTOP)
}
