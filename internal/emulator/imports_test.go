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

const module = "github.com/patctl/patctl/"

// emulatorImports lists, for every Go file under this directory (its
// subpackages included), the project packages it imports.
func emulatorImports(t *testing.T) map[string][]string {
	t.Helper()
	files := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files[path] = []string{}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, module) {
				files[path] = append(files[path], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestImportsNothingFromTheClient keeps the emulator and every faked service
// independent: with their own wire structs, a wrong JSON tag in the client
// fails a test instead of being copied into the fake.
func TestImportsNothingFromTheClient(t *testing.T) {
	files := emulatorImports(t)
	seen := map[string]bool{}
	for path := range files {
		seen[filepath.Dir(path)] = true
	}
	for _, dir := range []string{".", "core", "entra", "devops"} {
		if !seen[dir] {
			t.Errorf("no Go file found in %s: the walk misses packages", dir)
		}
	}
	for path, imports := range files {
		for _, p := range imports {
			if !strings.HasPrefix(p, module+"internal/emulator") {
				t.Errorf("%s imports %s", path, p)
			}
		}
	}
}

// TestServicesStandOnTheCore keeps the layers: the core knows no service,
// and a service's code imports only the core and Entra ID (whose tokens it
// accepts), never the emulator that puts the services together nor another
// service. Tests may drive the whole emulator.
func TestServicesStandOnTheCore(t *testing.T) {
	const pkg = module + "internal/emulator"
	for path, imports := range emulatorImports(t) {
		dir := filepath.Dir(path)
		if dir == "." || dir == "emulatortest" || dir == "fakebrowser" || strings.HasSuffix(path, "_test.go") {
			continue
		}
		for _, p := range imports {
			allowed := p == pkg+"/core" || (p == pkg+"/entra" && dir != "core")
			if !allowed {
				t.Errorf("%s imports %s", path, p)
			}
		}
	}
}
