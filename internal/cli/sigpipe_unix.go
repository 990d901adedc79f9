//go:build !windows

package cli

import (
	"os/signal"
	"syscall"
)

// ignoreSIGPIPE keeps a write to a closed pipe from killing patctl — by
// default Go dies of SIGPIPE when stdout's reader has gone, which could come
// between creating a token and cleaning up. Ignored, the write fails with
// EPIPE, a delivery failure like any other.
func ignoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }
