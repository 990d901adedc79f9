// Command sbom writes the CycloneDX SBOM of one release archive: the archive
// is the component described, the Go programs in it (patctl and
// patctl-emulator) its parts, and the modules linked into each their
// dependencies. goreleaser runs it for every archive (sboms in
// .goreleaser.yaml), from the dist directory:
//
//	sbom -archive patctl_1.2.3_linux_amd64.tar.gz -version 1.2.3 -o patctl_1.2.3_linux_amd64.tar.gz.sbom.json
//
// The module lists come from `cyclonedx-gomod bin`, which reads the build
// information Go embeds in each binary: what was linked, at which versions
// and go.sum hashes, for that binary's platform, offline. Its documents are
// merged into one per archive.
package main

import (
	"cmp"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	archivepkg "github.com/patctl/patctl/internal/tools/archive"
)

func main() {
	archive := flag.String("archive", "", "the release `archive` (.tar.gz or .zip)")
	out := flag.String("o", "", "where to write the SBOM (JSON)")
	version := flag.String("version", "", "the release's `version`")
	date := flag.String("date", "", "the SBOM's timestamp, RFC 3339 (default: now); the commit's date makes the SBOM reproducible")
	tool := flag.String("cyclonedx-gomod", "", "the cyclonedx-gomod `program` (default: from PATH, else $(go env GOPATH)/bin)")
	flag.Parse()
	if *archive == "" || *out == "" || *version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: sbom -archive ARCHIVE -version VERSION -o FILE")
		os.Exit(2)
	}
	if err := run(*archive, *out, *version, *date, *tool); err != nil {
		fmt.Fprintf(os.Stderr, "sbom: %s: %v\n", *archive, err)
		os.Exit(1)
	}
}

func run(archive, out, version, date, tool string) error {
	if date == "" {
		date = time.Now().UTC().Format(time.RFC3339)
	} else if _, err := time.Parse(time.RFC3339, date); err != nil {
		return fmt.Errorf("-date: %w", err)
	}
	if tool == "" {
		var err error
		if tool, err = findTool(); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp("", "patctl-sbom-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins, err := extractGoBinaries(archive, tmp)
	if err != nil {
		return err
	}
	if len(bins) == 0 {
		return errors.New("no Go program in the archive")
	}
	var docs []bom
	for _, b := range bins {
		doc, err := binSBOM(tool, b, version)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(b.path), err)
		}
		docs = append(docs, doc)
	}
	sum, err := archivepkg.SHA256(archive)
	if err != nil {
		return err
	}
	merged, err := merge(filepath.Base(archive), version, date, sum, docs)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(data, '\n'), 0o644)
}

func findTool() (string, error) {
	if p, err := exec.LookPath("cyclonedx-gomod"); err == nil {
		return p, nil
	}
	gopath, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "cyclonedx-gomod")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("cyclonedx-gomod is not installed (make release-check installs it)")
}

type goBinary struct {
	path, goos, goarch string
}

// extractGoBinaries writes the archive's top-level regular files that are Go
// programs into dir.
func extractGoBinaries(archive, dir string) ([]goBinary, error) {
	var names []string
	save := func(name string, mode os.FileMode, r io.Reader) error {
		if strings.Contains(strings.TrimPrefix(name, "./"), "/") || !mode.IsRegular() {
			return nil
		}
		p := filepath.Join(dir, path.Base(name))
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755) // `go version -m` wants it executable
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return err
		}
		names = append(names, p)
		return f.Close()
	}
	if err := archivepkg.Walk(archive, save); err != nil {
		return nil, err
	}
	var bins []goBinary
	for _, p := range names {
		bi, err := buildinfo.ReadFile(p)
		if err != nil {
			continue // README.md and such
		}
		b := goBinary{path: p}
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOOS":
				b.goos = s.Value
			case "GOARCH":
				b.goarch = s.Value
			}
		}
		bins = append(bins, b)
	}
	slices.SortFunc(bins, func(a, b goBinary) int { return cmp.Compare(a.path, b.path) })
	return bins, nil
}

// bom is the part of a CycloneDX document this tool reads and writes; the
// components themselves pass through as they are.
type bom struct {
	BOMFormat    string            `json:"bomFormat"`
	SpecVersion  string            `json:"specVersion"`
	SerialNumber string            `json:"serialNumber,omitempty"`
	Version      int               `json:"version"`
	Metadata     metadata          `json:"metadata"`
	Components   []json.RawMessage `json:"components,omitempty"`
	Dependencies []dependency      `json:"dependencies,omitempty"`
}

type metadata struct {
	Timestamp string          `json:"timestamp,omitempty"`
	Tools     json.RawMessage `json:"tools,omitempty"`
	Component json.RawMessage `json:"component,omitempty"`
	// cyclonedx-gomod bin describes the binary here: its hashes, name and
	// build settings (GOOS, GOARCH, CGO_ENABLED, the Go version).
	Properties []property `json:"properties,omitempty"`
}

type dependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

type component struct {
	BOMRef      string            `json:"bom-ref"`
	Type        string            `json:"type"`
	Name        string            `json:"name"`
	Version     string            `json:"version"`
	Description string            `json:"description,omitempty"`
	Hashes      []hash            `json:"hashes,omitempty"`
	Properties  []property        `json:"properties,omitempty"`
	Components  []json.RawMessage `json:"components,omitempty"`
}

type hash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func binSBOM(tool string, b goBinary, version string) (bom, error) {
	out := b.path + ".cdx.json"
	cmd := exec.Command(tool, "bin", "-json", "-noserial", "-version", "v"+strings.TrimPrefix(version, "v"), "-output", out, b.path)
	// The package URLs' goos and goarch qualifiers come from the environment:
	// the binary's own platform, not this machine's.
	cmd.Env = append(os.Environ(), "GOOS="+b.goos, "GOARCH="+b.goarch, "GOFLAGS=")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return bom{}, fmt.Errorf("cyclonedx-gomod: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return bom{}, err
	}
	var doc bom
	if err := json.Unmarshal(data, &doc); err != nil {
		return bom{}, fmt.Errorf("cyclonedx-gomod wrote no CycloneDX JSON: %w", err)
	}
	if doc.BOMFormat != "CycloneDX" || len(doc.Metadata.Component) == 0 {
		return bom{}, errors.New("cyclonedx-gomod wrote no CycloneDX document with a component")
	}
	return doc, nil
}

// merge makes one document of the binaries' documents: the archive is the
// described component, each binary's main component a part of it, and the
// libraries and dependencies the union of theirs.
func merge(archive, version, date, sum string, docs []bom) (bom, error) {
	top := component{
		BOMRef:      archive,
		Type:        "application",
		Name:        "patctl",
		Version:     version,
		Description: "the release archive " + archive,
		Hashes:      []hash{{Alg: "SHA-256", Content: sum}},
		Properties:  []property{{Name: "patctl:archive", Value: archive}},
	}
	out := bom{
		BOMFormat:    "CycloneDX",
		SpecVersion:  docs[0].SpecVersion,
		SerialNumber: serial(sum),
		Version:      1,
		Metadata:     metadata{Timestamp: date, Tools: docs[0].Metadata.Tools},
	}
	libs := map[string]json.RawMessage{}
	deps := map[string][]string{}
	var parts []string
	for _, d := range docs {
		var main map[string]any
		if err := json.Unmarshal(d.Metadata.Component, &main); err != nil {
			return bom{}, err
		}
		ref, _ := main["bom-ref"].(string)
		if ref == "" {
			return bom{}, errors.New("a binary's document has no main component reference")
		}
		parts = append(parts, ref)
		// The binary's properties go with its component: the merged
		// document describes the archive.
		if len(d.Metadata.Properties) > 0 {
			props, _ := main["properties"].([]any)
			for _, p := range d.Metadata.Properties {
				props = append(props, p)
			}
			main["properties"] = props
		}
		data, err := json.Marshal(main)
		if err != nil {
			return bom{}, err
		}
		top.Components = append(top.Components, data)
		for _, c := range d.Components {
			var ref struct {
				BOMRef string `json:"bom-ref"`
			}
			if err := json.Unmarshal(c, &ref); err != nil || ref.BOMRef == "" {
				return bom{}, errors.New("a component has no bom-ref")
			}
			libs[ref.BOMRef] = c
		}
		for _, dep := range d.Dependencies {
			deps[dep.Ref] = union(deps[dep.Ref], dep.DependsOn)
		}
	}
	deps[archive] = parts
	for _, ref := range slices.Sorted(maps.Keys(libs)) {
		out.Components = append(out.Components, libs[ref])
	}
	for _, ref := range slices.Sorted(maps.Keys(deps)) {
		out.Dependencies = append(out.Dependencies, dependency{Ref: ref, DependsOn: deps[ref]})
	}
	data, err := json.Marshal(top)
	if err != nil {
		return bom{}, err
	}
	out.Metadata.Component = data
	return out, nil
}

func union(a, b []string) []string {
	s := slices.Concat(a, b)
	slices.Sort(s)
	return slices.Compact(s)
}

// serial is a urn:uuid made from the archive's hash: the same archive gets
// the same serial number.
func serial(sum string) string {
	b, _ := hex.DecodeString(sum)
	b[6] = b[6]&0x0f | 0x50 // version 5 layout (name-based)
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
