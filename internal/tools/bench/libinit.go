package main

import (
	"encoding/json"
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
	{"github.com/itchyny/gojq", "builtin.go", [][2]string{{"func init() {", "func skippedInit() {"}}},
	{"github.com/itchyny/gojq", "func.go", [][2]string{{"func init() {", "func skippedInit() {"}}},
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
// libraries of libraryInitEdits skip their package initialisation: the
// module cache's files are read, edited into work, and swapped in by
// -overlay, so nothing of the libraries is kept in this repository. The
// binary measures what start-up would be if they deferred that work to
// first use; it is for --version only (jq, sign-in and YAML would fail).
func buildWithoutLibraryInit(work, bin string) error {
	dir := filepath.Join(work, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	replace := map[string]string{}
	for i, e := range libraryInitEdits {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", e.module).Output()
		if err != nil {
			return fmt.Errorf("find %s: %v", e.module, err)
		}
		original := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(e.file))
		data, err := os.ReadFile(original)
		if err != nil {
			return err
		}
		src := string(data)
		for _, ed := range e.edits {
			if !strings.Contains(src, ed[0]) {
				return fmt.Errorf("%s of %s has no %q any more: the measurement needs updating", e.file, e.module, ed[0])
			}
			src = strings.Replace(src, ed[0], ed[1], 1)
		}
		edited := filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(e.file)))
		if err := os.WriteFile(edited, []byte(src), 0o644); err != nil {
			return err
		}
		replace[original] = edited
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return err
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-overlay", overlayFile, "-o", bin, "./cmd/patctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build without the libraries' initialisation: %v\n%s", err, out)
	}
	return nil
}
