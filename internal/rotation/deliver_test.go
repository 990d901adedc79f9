package rotation

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/sink"
)

func env(m map[string]string) sink.Env {
	return sink.Env{Getenv: func(k string) string { return m[k] }}
}

func TestCIVariablesByteForByte(t *testing.T) {
	d := Delivery{CIVariable: "PAT"}
	if err := d.Check(env(map[string]string{"TF_BUILD": "True"}), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	what, err := writeCIVariable(d.plan(), &out, "s3cr3tvalue")
	if err != nil || out.String() != "##vso[task.setvariable variable=PAT;issecret=true]s3cr3tvalue\n" || what != "set as the secret pipeline variable PAT" {
		t.Fatalf("stdout %q, %q, %v", out.String(), what, err)
	}

	ghOut := filepath.Join(t.TempDir(), "out")
	os.WriteFile(ghOut, []byte("EARLIER=1\n"), 0o600)
	d = Delivery{CIVariable: "PAT"}
	if err := d.Check(env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": ghOut}), nil); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := writeCIVariable(d.plan(), &out, "s3cr3tvalue"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(ghOut); out.String() != "::add-mask::s3cr3tvalue\n" || string(got) != "EARLIER=1\nPAT=s3cr3tvalue\n" {
		t.Fatalf("stdout %q, GITHUB_OUTPUT %q", out.String(), got)
	}
}

func TestPreflightNamesTheChannelThatCannotTakeTheSecret(t *testing.T) {
	if os.Geteuid() != 0 {
		readOnly := t.TempDir()
		os.Chmod(readOnly, 0o500)
		defer os.Chmod(readOnly, 0o700)
		d := Delivery{OutputFile: filepath.Join(readOnly, "f")}
		if err := d.Check(env(nil), nil); err != nil {
			t.Fatal(err)
		}
		if err := d.Preflight(context.Background(), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--output-file file:") {
			t.Errorf("a read-only directory: %v", err)
		}
	}
	d := Delivery{CIVariable: "X"}
	if err := d.Check(env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(t.TempDir(), "no", "such")}), nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Preflight(context.Background(), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "GITHUB_OUTPUT cannot be opened") {
		t.Errorf("GITHUB_OUTPUT: %v", err)
	}
	d = Delivery{To: []string{"exec:no-such-program-here"}}
	if err := d.Check(env(nil), nil); err != nil {
		t.Fatal(err)
	}
	var flagErr *cmdutil.FlagError
	if err := d.Preflight(context.Background(), &bytes.Buffer{}); !errors.As(err, &flagErr) || !strings.Contains(err.Error(), "--to exec:no-such-program-here") {
		t.Errorf("exec: %v", err)
	}
}

func TestToDecidesWhetherStdoutGetsTheSecret(t *testing.T) {
	for _, c := range []struct {
		to     []string
		stdout bool
	}{{nil, true}, {[]string{"file:x"}, false}, {[]string{"file:x", "-"}, true}, {[]string{"-"}, true}} {
		d := Delivery{To: c.to}
		if err := d.Check(env(nil), nil); err != nil {
			t.Fatal(err)
		}
		if p := d.plan(); p.Stdout != c.stdout {
			t.Errorf("--to %v: stdout %v, want %v", c.to, p.Stdout, c.stdout)
		}
	}
	d := Delivery{To: []string{"file:x", "file:./x"}}
	if err := d.Check(env(nil), nil); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("the same file twice: %v", err)
	}
}

func TestClosedPipeIsSeenBeforeWriting(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows cannot tell in advance")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if closedPipe(w) {
		t.Fatal("an open pipe counted as closed")
	}
	r.Close()
	if !closedPipe(w) {
		t.Fatal("a pipe whose reader has gone counted as open")
	}
	if err := (&Delivery{}).Preflight(context.Background(), w); err == nil || !strings.Contains(err.Error(), "stdout is closed") {
		t.Fatalf("preflight: %v", err)
	}
}
