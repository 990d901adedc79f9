// Command releasecheck checks what goreleaser generated in a snapshot
// release beyond the archives themselves: checksums.txt, the SBOMs, the
// Homebrew cask, the Scoop and winget manifests, and the container image —
// each file parses, names the right archives, checksums and files.
//
//	go run ./internal/tools/releasecheck -dist dist
//
// Without an image builder the container image is checked by building its
// filesystem from the Dockerfile and the context goreleaser would give it, and
// running patctl in it (chroot, as the image's user; root only):
//
//	go run ./internal/tools/releasecheck image-run -dist dist -rootfs DIR [-e K=V] [-copy HOST:IMAGE] -- ARGS
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "image-run" {
		os.Exit(imageRunMain(os.Args[2:]))
	}
	dist := flag.String("dist", "dist", "goreleaser's dist `directory`")
	config := flag.String("config", ".goreleaser.yaml", "goreleaser's configuration")
	flag.Parse()
	r, err := load(*dist, *config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(1)
	}
	failed := false
	for _, c := range []struct {
		name  string
		check func(*release) (string, error)
	}{
		{"checksums.txt", checkChecksums},
		{"SBOMs", checkSBOMs},
		{"Homebrew cask", checkCask},
		{"Scoop manifest", checkScoop},
		{"winget manifests", checkWinget},
		{"container image", checkImage},
	} {
		msg, err := c.check(r)
		if err != nil {
			failed = true
			fmt.Fprintf(os.Stderr, "releasecheck: %s: %v\n", c.name, err)
			continue
		}
		fmt.Printf("releasecheck: %s: %s\n", c.name, msg)
	}
	if failed {
		os.Exit(1)
	}
}

// release is what goreleaser wrote into dist.
type release struct {
	dist, config string
	version      string
	artifacts    []artifact
	sums         map[string]string // file name -> sha256, from checksums.txt
}

type artifact struct {
	Name   string         `json:"name"`
	Path   string         `json:"path"`
	Goos   string         `json:"goos"`
	Goarch string         `json:"goarch"`
	Type   string         `json:"type"`
	Extra  map[string]any `json:"extra"`
}

func load(dist, config string) (*release, error) {
	r := &release{dist: dist, config: config}
	var meta struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(dist, "metadata.json"), &meta); err != nil {
		return nil, err
	}
	if meta.Version == "" {
		return nil, errors.New("metadata.json has no version")
	}
	r.version = meta.Version
	if err := readJSON(filepath.Join(dist, "artifacts.json"), &r.artifacts); err != nil {
		return nil, err
	}
	// artifacts.json paths start with the dist directory as goreleaser was
	// given it ("dist/…"): make them relative to this one.
	for i := range r.artifacts {
		if rel, ok := strings.CutPrefix(filepath.ToSlash(r.artifacts[i].Path), "dist/"); ok {
			r.artifacts[i].Path = filepath.Join(dist, filepath.FromSlash(rel))
		}
	}
	sums, err := readChecksums(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		return nil, err
	}
	r.sums = sums
	return r, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ofType lists the artifacts of a type ("Archive", "Binary", "SBOM", …),
// sorted by name.
func (r *release) ofType(t string) []artifact {
	var out []artifact
	for _, a := range r.artifacts {
		if a.Type == t {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b artifact) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// archive is the release archive of a platform.
func (r *release) archive(goos, goarch string) (artifact, error) {
	for _, a := range r.ofType("Archive") {
		if a.Goos == goos && a.Goarch == goarch {
			return a, nil
		}
	}
	return artifact{}, fmt.Errorf("no archive for %s/%s", goos, goarch)
}

// releaseURL is where the package managers download an archive from.
func (r *release) releaseURL(name string) string {
	return "https://github.com/patctl/patctl/releases/download/v" + r.version + "/" + name
}
