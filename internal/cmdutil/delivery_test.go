package cmdutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/patctl/patctl/internal/iostreams"
	"github.com/patctl/patctl/internal/patapi"
)

func TestCIVariablesByteForByte(t *testing.T) {
	tok := patapi.PatToken{AuthorizationID: "id", DisplayName: "ci", Token: "s3cr3tvalue"}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	io, _, out, errOut := iostreams.Test()
	d := SecretDelivery{CIVariable: "PAT"}
	if err := d.Check(env(map[string]string{"TF_BUILD": "True"}), nil); err != nil {
		t.Fatal(err)
	}
	if err := DeliverSecret(io, tok, "Created.", nil, nil, &d); err != nil {
		t.Fatal(err)
	}
	if out.String() != "##vso[task.setvariable variable=PAT;issecret=true]s3cr3tvalue\n" || errOut.String() != "Created. The secret was set as the secret pipeline variable PAT.\n" {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}

	ghOut := filepath.Join(t.TempDir(), "out")
	os.WriteFile(ghOut, []byte("EARLIER=1\n"), 0o600)
	io, _, out, _ = iostreams.Test()
	d = SecretDelivery{CIVariable: "PAT"}
	if err := d.Check(env(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": ghOut}), nil); err != nil {
		t.Fatal(err)
	}
	if err := DeliverSecret(io, tok, "Created.", nil, nil, &d); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(ghOut); out.String() != "::add-mask::s3cr3tvalue\n" || string(got) != "EARLIER=1\nPAT=s3cr3tvalue\n" {
		t.Fatalf("stdout %q, GITHUB_OUTPUT %q", out, got)
	}
}

func TestOutputFileReplacesAtomicallyWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(path, []byte("old\n"), 0o644)
	io, _, out, _ := iostreams.Test()
	d := SecretDelivery{OutputFile: path}
	if err := d.Check(func(string) string { return "" }, nil); err != nil {
		t.Fatal(err)
	}
	if err := DeliverSecret(io, patapi.PatToken{Token: "new"}, "Created.", nil, nil, &d); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	if string(data) != "new\n" || info.Mode().Perm() != 0o600 || out.Len() != 0 {
		t.Fatalf("%q %v stdout %q", data, info.Mode(), out)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}
