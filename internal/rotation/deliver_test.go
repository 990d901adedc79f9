package rotation

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/journal"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCIVariablesByteForByte(t *testing.T) {
	d := Delivery{CIVariable: "PAT"}
	if err := d.Check(env(map[string]string{"TF_BUILD": "True"}), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	what, err := writeChannel(d.plan(), journal.ToCIVariable, &out, "s3cr3tvalue")
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
	if _, err := writeChannel(d.plan(), journal.ToCIVariable, &out, "s3cr3tvalue"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(ghOut); out.String() != "::add-mask::s3cr3tvalue\n" || string(got) != "EARLIER=1\nPAT=s3cr3tvalue\n" {
		t.Fatalf("stdout %q, GITHUB_OUTPUT %q", out.String(), got)
	}
}

func TestOutputFileReplacesAtomicallyWithMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	os.WriteFile(path, []byte("old\n"), 0o644)
	d := Delivery{OutputFile: path}
	if err := d.Check(env(nil), nil); err != nil {
		t.Fatal(err)
	}
	if err := Preflight(d.plan(), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "old\n" {
		t.Fatalf("preflight touched the file: %q", data)
	}
	if _, err := writeChannel(d.plan(), journal.ToFile, nil, "new"); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	if string(data) != "new\n" || info.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v", data, info.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("files left behind: %v", entries)
	}
}

func TestPreflightNamesTheChannelThatCannotTakeTheSecret(t *testing.T) {
	readOnly := t.TempDir()
	os.Chmod(readOnly, 0o500)
	defer os.Chmod(readOnly, 0o700)
	cases := []struct {
		plan journal.Plan
		want string
	}{
		{journal.Plan{OutputFile: filepath.Join(readOnly, "f")}, "--output-file: cannot write"},
		{journal.Plan{CIVariable: "X", CI: "github", GitHubOutput: filepath.Join(t.TempDir(), "no", "such")}, "GITHUB_OUTPUT cannot be opened"},
	}
	for _, c := range cases {
		if os.Geteuid() == 0 && c.plan.OutputFile != "" {
			continue // root writes anywhere
		}
		if err := Preflight(c.plan, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.plan, err)
		}
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
	if err := Preflight(journal.Plan{Stdout: true}, w); err == nil || !strings.Contains(err.Error(), "stdout is closed") {
		t.Fatalf("preflight: %v", err)
	}
}
