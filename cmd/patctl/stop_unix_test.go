//go:build !windows

package main

import "syscall"

// stopSelf freezes the process as a debugger would, until SIGCONT.
func stopSelf() { _ = syscall.Kill(syscall.Getpid(), syscall.SIGSTOP) }
