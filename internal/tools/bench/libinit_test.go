package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLibraryInitEditsStillApply: each edit of the start-up measurement
// finds its text in the version of the library go.mod names, so that an
// upgrade that moves it is noticed here rather than as a missing row.
func TestLibraryInitEditsStillApply(t *testing.T) {
	for _, e := range libraryInitEdits {
		dir, err := moduleDir(e.module)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.file)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := applyEdits(string(data), e.edits); err != nil {
			t.Errorf("%s/%s: %v", e.module, e.file, err)
		}
	}
}
