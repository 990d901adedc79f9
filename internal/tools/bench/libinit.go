package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// libraryInitEdits are the package-level work, done at every start, of the
// three libraries whose initialisation costs patctl most, and how a copy of
// each file skips it: gojq builds its table of builtins and of internal
// functions, MSAL's authority package compiles a regular expression (a
// {0,61} repetition), YAML fills its resolve table and compiles two.
var libraryInitEdits = []struct {
	module, file string
	edits        [][2]string // old, new; each old must occur
}{
	{"github.com/itchyny/gojq", "builtin.go", [][2]string{{"func init() {", "func skippedBuiltins() {"}}},
	{"github.com/itchyny/gojq", "func.go", [][2]string{{"func init() {", "func skippedFuncs() {"}}},
	{"github.com/AzureAD/microsoft-authentication-library-for-go", "apps/internal/oauth/ops/authority/authority.go",
		[][2]string{{"var validRegion = regexp.MustCompile(", "var validRegion = func(string) *regexp.Regexp { return nil }("}}},
	{"go.yaml.in/yaml/v3", "resolve.go", [][2]string{
		{"func init() {", "func skippedInit1() {"},
		{"func init() {", "func skippedInit2() {"},
		{"var yamlStyleFloat = regexp.MustCompile(", "var yamlStyleFloat = func(string) *regexp.Regexp { return nil }("},
	}},
	{"go.yaml.in/yaml/v3", "encode.go", [][2]string{{"var base60float = regexp.MustCompile(", "var base60float = func(string) *regexp.Regexp { return nil }("}}},
}

// buildWithoutLibraryInit builds patctl as releases are, except that the
// libraries of libraryInitEdits skip their package initialisation: each is
// copied out of the module cache into work and edited there, and a go.mod
// of work's replaces it (-modfile), so nothing of the libraries is kept in
// this repository. The binary measures what start-up would be if they
// deferred that work to first use; it is for --version only (jq, sign-in
// and YAML would fail).
func buildWithoutLibraryInit(work, bin string) error {
	mods := filepath.Join(work, "mods")
	copied := map[string]string{} // module: its copy
	for _, e := range libraryInitEdits {
		dir, ok := copied[e.module]
		if !ok {
			src, err := moduleDir(e.module)
			if err != nil {
				return err
			}
			dir = filepath.Join(mods, strings.ReplaceAll(e.module, "/", "_"))
			if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
				return err
			}
			copied[e.module] = dir
		}
		file := filepath.Join(dir, filepath.FromSlash(e.file))
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		src, err := applyEdits(string(data), e.edits)
		if err != nil {
			return fmt.Errorf("%s of %s: %v: the measurement needs updating", e.file, e.module, err)
		}
		if err := os.Chmod(file, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			return err
		}
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		return err
	}
	gosum, err := os.ReadFile("go.sum")
	if err != nil {
		return err
	}
	for module, dir := range copied {
		gomod = fmt.Appendf(gomod, "\nreplace %s => %s\n", module, dir)
	}
	modfile := filepath.Join(work, "lean.mod")
	if err := os.WriteFile(modfile, gomod, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "lean.sum"), gosum, 0o644); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-modfile", modfile, "-o", bin, "./cmd/patctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build without the libraries' initialisation: %v\n%s", err, out)
	}
	return nil
}

// moduleDir is where the module cache holds the version of module go.mod
// names.
func moduleDir(module string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		return "", fmt.Errorf("find %s: %v", module, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// applyEdits makes each edit of src once, in order; an edit whose text is
// not there is an error.
func applyEdits(src string, edits [][2]string) (string, error) {
	for _, ed := range edits {
		if !strings.Contains(src, ed[0]) {
			return "", fmt.Errorf("no %q any more", ed[0])
		}
		src = strings.Replace(src, ed[0], ed[1], 1)
	}
	return src, nil
}
