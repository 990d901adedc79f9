package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkScoop: dist/scoop/bucket/patctl.json has the release's version and,
// for 64-bit and ARM64 Windows, the URL of that archive, its checksum, and
// binaries that are in it.
func checkScoop(r *release) (string, error) {
	data, err := os.ReadFile(filepath.Join(r.dist, "scoop", "bucket", "patctl.json"))
	if err != nil {
		return "", err
	}
	var m struct {
		Version      string `json:"version"`
		Homepage     string `json:"homepage"`
		License      string `json:"license"`
		Description  string `json:"description"`
		Architecture map[string]struct {
			URL  string   `json:"url"`
			Bin  []string `json:"bin"`
			Hash string   `json:"hash"`
		} `json:"architecture"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return "", fmt.Errorf("patctl.json: %w", err)
	}
	if m.Version != r.version || m.Homepage == "" || m.License == "" || m.Description == "" {
		return "", fmt.Errorf("version %q (want %s), homepage %q, license %q, description %q", m.Version, r.version, m.Homepage, m.License, m.Description)
	}
	if len(m.Architecture) != 2 {
		return "", fmt.Errorf("architectures %v, want 64bit and arm64", m.Architecture)
	}
	for scoopArch, goarch := range map[string]string{"64bit": "amd64", "arm64": "arm64"} {
		res, ok := m.Architecture[scoopArch]
		if !ok {
			return "", fmt.Errorf("no %s architecture", scoopArch)
		}
		a, err := r.archive("windows", goarch)
		if err != nil {
			return "", err
		}
		if res.URL != r.releaseURL(a.Name) || res.Hash != r.sums[a.Name] {
			return "", fmt.Errorf("%s: %s %s, want %s %s", scoopArch, res.URL, res.Hash, r.releaseURL(a.Name), r.sums[a.Name])
		}
		if err := inArchive(a, res.Bin, []string{"patctl.exe", "patctl-emulator.exe"}); err != nil {
			return "", fmt.Errorf("%s: %w", scoopArch, err)
		}
	}
	return fmt.Sprintf("version %s, 64bit and arm64 archives with their checksums and binaries", m.Version), nil
}

func inArchive(a artifact, names, want []string) error {
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(sorted, slices.Sorted(slices.Values(want))) {
		return fmt.Errorf("binaries %v, want %v", names, want)
	}
	files, err := archiveFiles(a.Path)
	if err != nil {
		return err
	}
	for _, n := range names {
		if !files[n] {
			return fmt.Errorf("%s lacks %s", a.Name, n)
		}
	}
	return nil
}

// checkWinget: the three manifests of winget-pkgs (version, installer,
// default locale) parse, agree on the package and version, and the installer
// has for x64 and arm64 the zip's URL, its checksum and the binaries in it.
func checkWinget(r *release) (string, error) {
	dir := filepath.Join(r.dist, "winget", "manifests", "p", "patctl", "patctl", r.version)
	type common struct {
		PackageIdentifier string `yaml:"PackageIdentifier"`
		PackageVersion    string `yaml:"PackageVersion"`
		ManifestType      string `yaml:"ManifestType"`
		ManifestVersion   string `yaml:"ManifestVersion"`
	}
	var version struct {
		common        `yaml:",inline"`
		DefaultLocale string `yaml:"DefaultLocale"`
	}
	var installer struct {
		common        `yaml:",inline"`
		InstallerType string `yaml:"InstallerType"`
		Installers    []struct {
			Architecture         string `yaml:"Architecture"`
			NestedInstallerType  string `yaml:"NestedInstallerType"`
			NestedInstallerFiles []struct {
				RelativeFilePath     string `yaml:"RelativeFilePath"`
				PortableCommandAlias string `yaml:"PortableCommandAlias"`
			} `yaml:"NestedInstallerFiles"`
			InstallerURL    string `yaml:"InstallerUrl"`
			InstallerSha256 string `yaml:"InstallerSha256"`
		} `yaml:"Installers"`
	}
	var locale struct {
		common           `yaml:",inline"`
		PackageLocale    string `yaml:"PackageLocale"`
		Publisher        string `yaml:"Publisher"`
		PackageName      string `yaml:"PackageName"`
		License          string `yaml:"License"`
		ShortDescription string `yaml:"ShortDescription"`
	}
	for file, v := range map[string]any{
		"patctl.patctl.yaml":              &version,
		"patctl.patctl.installer.yaml":    &installer,
		"patctl.patctl.locale.en-US.yaml": &locale,
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return "", err
		}
		if err := yaml.Unmarshal(data, v); err != nil {
			return "", fmt.Errorf("%s: %w", file, err)
		}
	}
	for _, c := range []struct {
		common
		typ string
	}{{version.common, "version"}, {installer.common, "installer"}, {locale.common, "defaultLocale"}} {
		if c.PackageIdentifier != "patctl.patctl" || c.PackageVersion != r.version || c.ManifestType != c.typ || c.ManifestVersion == "" {
			return "", fmt.Errorf("%s manifest: %+v, want patctl.patctl %s", c.typ, c.common, r.version)
		}
	}
	if version.DefaultLocale != locale.PackageLocale || locale.Publisher == "" || locale.License == "" || locale.ShortDescription == "" || locale.PackageName != "patctl" {
		return "", fmt.Errorf("locale manifest: %+v", locale)
	}
	if installer.InstallerType != "zip" || len(installer.Installers) != 2 {
		return "", fmt.Errorf("installer type %q with %d installers, want zip with x64 and arm64", installer.InstallerType, len(installer.Installers))
	}
	for _, in := range installer.Installers {
		goarch := map[string]string{"x64": "amd64", "arm64": "arm64"}[in.Architecture]
		a, err := r.archive("windows", goarch)
		if err != nil {
			return "", fmt.Errorf("architecture %q: %w", in.Architecture, err)
		}
		if in.InstallerURL != r.releaseURL(a.Name) || in.InstallerSha256 != r.sums[a.Name] {
			return "", fmt.Errorf("%s: %s %s, want %s %s", in.Architecture, in.InstallerURL, in.InstallerSha256, r.releaseURL(a.Name), r.sums[a.Name])
		}
		var bins []string
		for _, f := range in.NestedInstallerFiles {
			if f.PortableCommandAlias != strings.TrimSuffix(f.RelativeFilePath, ".exe") {
				return "", fmt.Errorf("%s: %s is called %q", in.Architecture, f.RelativeFilePath, f.PortableCommandAlias)
			}
			bins = append(bins, f.RelativeFilePath)
		}
		if in.NestedInstallerType != "portable" {
			return "", fmt.Errorf("%s: nested installer type %q, want portable", in.Architecture, in.NestedInstallerType)
		}
		if err := inArchive(a, bins, []string{"patctl.exe", "patctl-emulator.exe"}); err != nil {
			return "", fmt.Errorf("%s: %w", in.Architecture, err)
		}
	}
	return fmt.Sprintf("patctl.patctl %s: version, installer (x64 and arm64 zips with their checksums and binaries) and locale", r.version), nil
}
