package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandReferenceIsCurrent fails when docs/commands no longer matches the
// command tree: run `make docs` and commit the result.
func TestCommandReferenceIsCurrent(t *testing.T) {
	fresh := t.TempDir()
	if err := GenerateMarkdown(fresh); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "docs", "commands")
	want := readDir(t, fresh)
	got := readDir(t, committed)
	for name, content := range want {
		if got[name] != content {
			t.Errorf("docs/commands/%s is stale or missing: run `make docs`", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/commands/%s documents no command: run `make docs`", name)
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d pages generated", len(want))
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

func TestManPagesAndCompletions(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateMan(filepath.Join(dir, "man")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "patctl-rotate.1")); err != nil {
		t.Fatal(err)
	}
	if err := GenerateCompletions(filepath.Join(dir, "completions")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"patctl.bash", "_patctl", "patctl.fish", "patctl.ps1"} {
		if info, err := os.Stat(filepath.Join(dir, "completions", f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
