package main

import (
	"fmt"
	"slices"
	"strings"
)

// checkSBOMs: each archive has NAME.sbom.json, a CycloneDX document that
// describes that archive (its SHA-256), has patctl and patctl-emulator as its
// parts for the archive's platform, and whose dependency graph names only
// components it lists.
func checkSBOMs(r *release) (string, error) {
	sboms := map[string]artifact{}
	for _, s := range r.ofType("SBOM") {
		sboms[s.Name] = s
	}
	total := 0
	for _, a := range r.ofType("Archive") {
		s, ok := sboms[a.Name+".sbom.json"]
		if !ok {
			return "", fmt.Errorf("%s has no SBOM", a.Name)
		}
		delete(sboms, s.Name)
		n, err := checkSBOM(r, a, s)
		if err != nil {
			return "", fmt.Errorf("%s: %w", s.Name, err)
		}
		total += n
	}
	for name := range sboms {
		return "", fmt.Errorf("%s is the SBOM of no archive", name)
	}
	return fmt.Sprintf("%d CycloneDX documents, one per archive, %d module components in all", len(r.ofType("Archive")), total), nil
}

type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	PURL       string         `json:"purl"`
	Hashes     []cdxHash      `json:"hashes"`
	Properties []cdxProperty  `json:"properties"`
	Components []cdxComponent `json:"components"`
}

type cdxHash struct{ Alg, Content string }

type cdxProperty struct{ Name, Value string }

func (c cdxComponent) property(name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func checkSBOM(r *release, a, s artifact) (int, error) {
	var doc struct {
		BOMFormat    string `json:"bomFormat"`
		SpecVersion  string `json:"specVersion"`
		SerialNumber string `json:"serialNumber"`
		Metadata     struct {
			Timestamp string       `json:"timestamp"`
			Component cdxComponent `json:"component"`
		} `json:"metadata"`
		Components   []cdxComponent `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := readJSON(s.Path, &doc); err != nil {
		return 0, err
	}
	if doc.BOMFormat != "CycloneDX" || !strings.HasPrefix(doc.SpecVersion, "1.") || !strings.HasPrefix(doc.SerialNumber, "urn:uuid:") || doc.Metadata.Timestamp == "" {
		return 0, fmt.Errorf("not a CycloneDX document (bomFormat %q, specVersion %q, serialNumber %q)", doc.BOMFormat, doc.SpecVersion, doc.SerialNumber)
	}
	top := doc.Metadata.Component
	if top.Version != r.version || top.property("patctl:archive") != a.Name {
		return 0, fmt.Errorf("describes %q version %q, not %s version %s", top.property("patctl:archive"), top.Version, a.Name, r.version)
	}
	if len(top.Hashes) != 1 || top.Hashes[0].Alg != "SHA-256" || top.Hashes[0].Content != r.sums[a.Name] {
		return 0, fmt.Errorf("the archive's hash %v is not its checksum %s", top.Hashes, r.sums[a.Name])
	}
	refs := map[string]bool{top.BOMRef: true}
	var mains []string
	for _, c := range top.Components {
		refs[c.BOMRef] = true
		_, main, _ := strings.Cut(c.PURL, "#")
		mains = append(mains, main)
		platform := fmt.Sprintf("goarch=%s&goos=%s", a.Goarch, a.Goos)
		if c.Version != "v"+r.version || !strings.Contains(c.PURL, platform) || c.property("cdx:gomod:build:env:GOOS") != a.Goos || c.property("cdx:gomod:build:env:GOARCH") != a.Goarch {
			return 0, fmt.Errorf("the part %s is not version v%s for %s/%s", c.PURL, r.version, a.Goos, a.Goarch)
		}
	}
	slices.Sort(mains)
	if !slices.Equal(mains, []string{"cmd/patctl", "cmd/patctl-emulator"}) {
		return 0, fmt.Errorf("its parts are %v, not cmd/patctl and cmd/patctl-emulator", mains)
	}
	for _, c := range doc.Components {
		if c.BOMRef == "" || !strings.HasPrefix(c.PURL, "pkg:golang/") || c.Version == "" {
			return 0, fmt.Errorf("component %q has no bom-ref, Go package URL or version", c.Name)
		}
		refs[c.BOMRef] = true
	}
	// patctl links these: an SBOM without them was not made from patctl.
	for _, mod := range []string{"github.com/spf13/cobra", "github.com/AzureAD/microsoft-authentication-library-for-go", "golang.org/x/oauth2"} {
		if !slices.ContainsFunc(doc.Components, func(c cdxComponent) bool { return c.Name == mod }) {
			return 0, fmt.Errorf("lists no %s", mod)
		}
	}
	for _, d := range doc.Dependencies {
		for _, ref := range append([]string{d.Ref}, d.DependsOn...) {
			if !refs[ref] {
				return 0, fmt.Errorf("the dependency graph names %q, which is no component", ref)
			}
		}
	}
	return len(doc.Components), nil
}
