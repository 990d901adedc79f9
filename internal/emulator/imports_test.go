package emulator

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNothingFromTheClient keeps the emulator independent: with its own
// wire structs, a wrong JSON tag in the client fails a test instead of being
// copied into the fake. The fake GitHub (github/) imports nothing of the
// project at all, not even the rest of the emulator, so that it can move onto
// any core.
func TestImportsNothingFromTheClient(t *testing.T) {
	const module = "github.com/patctl/patctl/"
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			selfContained := strings.HasPrefix(filepath.ToSlash(path), "github/")
			if strings.HasPrefix(p, module) && (selfContained || !strings.HasPrefix(p, module+"internal/emulator")) {
				t.Errorf("%s imports %s", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
