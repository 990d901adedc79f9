package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibraryInitEditsStillApply: each edit of the start-up measurement
// finds its text in the version of the library go.mod names, so that an
// upgrade that moves it is noticed here rather than as a missing row.
func TestLibraryInitEditsStillApply(t *testing.T) {
	for _, e := range libraryInitEdits {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", e.module).Output()
		if err != nil {
			t.Fatalf("go list -m %s: %v", e.module, err)
		}
		data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(e.file)))
		if err != nil {
			t.Fatal(err)
		}
		src := string(data)
		for _, ed := range e.edits {
			if !strings.Contains(src, ed[0]) {
				t.Errorf("%s/%s: no %q", e.module, e.file, ed[0])
			}
			src = strings.Replace(src, ed[0], ed[1], 1)
		}
	}
}
