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
// copied into the fake.
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
			if strings.HasPrefix(p, module) && !strings.HasPrefix(p, module+"internal/emulator") {
				t.Errorf("%s imports %s", path, p)
			}
			// A faked service of its own is self-contained: the host
			// emulator injects what it needs when it mounts it.
			if strings.HasPrefix(path, "vargroups"+string(filepath.Separator)) && strings.HasPrefix(p, module) {
				t.Errorf("%s imports %s: the package must stand alone", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
