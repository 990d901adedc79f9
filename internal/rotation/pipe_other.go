//go:build windows

package rotation

import "io"

// closedPipe cannot be told in advance on Windows; a failed write is
// handled as any other failed delivery.
func closedPipe(io.Writer) bool { return false }
