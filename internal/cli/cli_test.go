package cli

import (
	"bytes"
	"github.com/patctl/patctl/internal/cmdutil"
	"strings"
	"testing"
)

func TestMainVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--version"}, strings.NewReader(""), &out, &errOut); code != cmdutil.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "patctl version "+version) {
		t.Fatalf("stdout %q lacks the version", out.String())
	}
}

func TestMainUnknownFlagIsUsageError(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--no-such-flag"}, strings.NewReader(""), &out, &errOut); code != cmdutil.ExitUsage {
		t.Fatalf("exit %d, want %d", code, cmdutil.ExitUsage)
	}
	if !strings.Contains(errOut.String(), "--no-such-flag") {
		t.Fatalf("stderr %q does not name the flag", errOut.String())
	}
}
