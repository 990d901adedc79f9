//go:build !windows

package rotation

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// closedPipe reports whether w is a pipe or socket whose reader has gone: a
// write would fail with EPIPE. Anything else counts as open.
func closedPipe(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	// SyscallConn, not Fd: Fd would switch the descriptor to blocking mode.
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	_ = rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(fds, 0)
		closed = err == nil && n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
	})
	return closed
}
