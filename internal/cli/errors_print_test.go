package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestErrorMessagesCannotSteerTheTerminal: whatever an error carries, Run
// prints its control characters escaped, and patctl's own newlines as they are.
func TestErrorMessagesCannotSteerTheTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	Main([]string{"list", "--x\x1b]0;pwned\a\x1b[2J"}, strings.NewReader(""), &out, &errOut)
	got := errOut.String()
	if strings.ContainsAny(got, "\x1b\a") || !strings.Contains(got, `--x\x1b]0;pwned\a\x1b[2J`) || !strings.HasSuffix(got, "\n") {
		t.Fatalf("stderr %q", got)
	}
}
