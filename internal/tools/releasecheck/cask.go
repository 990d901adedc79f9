package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

//go:embed cask_dsl.rb
var caskDSL []byte

// caskData is what a cask says: read from its text, and again by Ruby.
type caskData struct {
	Token       string        `json:"token"`
	Version     string        `json:"version"`
	Packages    []caskPackage `json:"packages"`
	Binaries    []string      `json:"binaries"`
	Manpages    []string      `json:"manpages"`
	Completions []string      `json:"completions"`
	Postflight  bool          `json:"postflight"`
}

type caskPackage struct {
	OS     string `json:"os"`
	Arch   string `json:"arch"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// checkCask: dist/homebrew/Casks/patctl.rb has the release's version, for
// macOS and Linux on Intel and ARM the URL of that platform's archive and its
// checksum, and names binaries, man pages and completions that are in every
// archive. Ruby evaluates it where Ruby is installed (in CI it must be).
func checkCask(r *release) (string, error) {
	path := filepath.Join(r.dist, "homebrew", "Casks", "patctl.rb")
	text, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	c, err := parseCask(string(text))
	if err != nil {
		return "", err
	}
	if err := checkCaskData(r, c); err != nil {
		return "", err
	}
	evaluated := "evaluated by Ruby too"
	rb, err := rubyCask(path)
	switch {
	case errors.Is(err, exec.ErrNotFound) && os.Getenv("CI") == "true":
		return "", errors.New("ruby is needed to evaluate the cask in CI (apt-get install ruby)")
	case errors.Is(err, exec.ErrNotFound):
		evaluated = "not evaluated: ruby is not installed"
	case err != nil:
		return "", err
	default:
		if err := checkCaskData(r, rb); err != nil {
			return "", fmt.Errorf("as Ruby reads it: %w", err)
		}
	}
	return fmt.Sprintf("version %s, %d archives with their checksums, %d binaries, %d man pages, %d completions (%s)",
		c.Version, len(c.Packages), len(c.Binaries), len(c.Manpages), len(c.Completions), evaluated), nil
}

var (
	stanzaRE = regexp.MustCompile(`^(\w+) "([^"]*)"`)
	blockRE  = regexp.MustCompile(`^(\w+)(?: .*)? do$`)
	// Ruby's other constructs closed by "end", as in a postflight block.
	rubyBlockRE = regexp.MustCompile(`^(if|unless|case|begin|while|until|def)\b`)
)

// parseCask reads the stanzas goreleaser writes, one a line, with the
// platform blocks they are in.
func parseCask(text string) (caskData, error) {
	var c caskData
	var blocks []string
	in := func(b string) bool { return slices.Contains(blocks, b) }
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "end":
			if len(blocks) == 0 {
				return c, fmt.Errorf("line %d: end of no block", n+1)
			}
			blocks = blocks[:len(blocks)-1]
			continue
		case rubyBlockRE.MatchString(line):
			blocks = append(blocks, rubyBlockRE.FindStringSubmatch(line)[1])
			continue
		case blockRE.MatchString(line):
			blocks = append(blocks, blockRE.FindStringSubmatch(line)[1])
			if strings.HasPrefix(line, "cask ") {
				c.Token = stanzaRE.FindStringSubmatch(line)[2]
			}
			continue
		}
		m := stanzaRE.FindStringSubmatch(line)
		if m == nil || in("postflight") || in("livecheck") {
			continue
		}
		switch m[1] {
		case "version":
			c.Version = m[2]
		case "url":
			p := caskPackage{URL: strings.ReplaceAll(m[2], "#{version}", c.Version)}
			if in("on_macos") {
				p.OS = "darwin"
			} else if in("on_linux") {
				p.OS = "linux"
			}
			if in("on_intel") {
				p.Arch = "amd64"
			} else if in("on_arm") {
				p.Arch = "arm64"
			}
			c.Packages = append(c.Packages, p)
		case "sha256":
			if len(c.Packages) == 0 {
				return c, fmt.Errorf("line %d: sha256 before any url", n+1)
			}
			c.Packages[len(c.Packages)-1].SHA256 = m[2]
		case "binary":
			c.Binaries = append(c.Binaries, m[2])
		case "manpage":
			c.Manpages = append(c.Manpages, m[2])
		case "bash_completion", "zsh_completion", "fish_completion":
			c.Completions = append(c.Completions, m[2])
		}
	}
	if len(blocks) != 0 {
		return c, fmt.Errorf("blocks left open: %v", blocks)
	}
	c.Postflight = strings.Contains(text, "\n  postflight do\n")
	return c, nil
}

func rubyCask(path string) (caskData, error) {
	ruby, err := exec.LookPath("ruby")
	if err != nil {
		return caskData{}, err
	}
	stub := filepath.Join(os.TempDir(), fmt.Sprintf("patctl-cask-dsl-%d.rb", os.Getpid()))
	if err := os.WriteFile(stub, caskDSL, 0o644); err != nil {
		return caskData{}, err
	}
	defer os.Remove(stub)
	out, err := exec.Command(ruby, stub, path).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return caskData{}, fmt.Errorf("ruby cannot evaluate the cask: %v\n%s", err, ee.Stderr)
		}
		return caskData{}, err
	}
	var c caskData
	if err := json.Unmarshal(out, &c); err != nil {
		return caskData{}, fmt.Errorf("ruby printed %q: %w", out, err)
	}
	// Ruby's #{version} is interpolated already.
	return c, nil
}

func checkCaskData(r *release, c caskData) error {
	if c.Token != "patctl" || c.Version != r.version {
		return fmt.Errorf("cask %q version %q, want patctl %s", c.Token, c.Version, r.version)
	}
	var want []string
	for _, goos := range []string{"darwin", "linux"} {
		for _, goarch := range []string{"amd64", "arm64"} {
			a, err := r.archive(goos, goarch)
			if err != nil {
				return err
			}
			want = append(want, goos+"/"+goarch)
			i := slices.IndexFunc(c.Packages, func(p caskPackage) bool { return p.OS == goos && p.Arch == goarch })
			if i < 0 {
				return fmt.Errorf("no url for %s/%s", goos, goarch)
			}
			p := c.Packages[i]
			if p.URL != r.releaseURL(a.Name) {
				return fmt.Errorf("%s/%s: url %s, want %s", goos, goarch, p.URL, r.releaseURL(a.Name))
			}
			if p.SHA256 != r.sums[a.Name] {
				return fmt.Errorf("%s/%s: sha256 %s, checksums.txt says %s", goos, goarch, p.SHA256, r.sums[a.Name])
			}
			files, err := archiveFiles(a.Path)
			if err != nil {
				return err
			}
			for _, f := range slices.Concat(c.Binaries, c.Manpages, c.Completions) {
				if !files[f] {
					return fmt.Errorf("names %s, which %s lacks", f, a.Name)
				}
			}
		}
	}
	if len(c.Packages) != len(want) {
		return fmt.Errorf("%d urls, want one for each of %v", len(c.Packages), want)
	}
	if !slices.Equal(c.Binaries, []string{"patctl", "patctl-emulator"}) || len(c.Manpages) == 0 || len(c.Completions) != 3 {
		return fmt.Errorf("binaries %v, %d man pages, completions %v", c.Binaries, len(c.Manpages), c.Completions)
	}
	if !c.Postflight {
		return errors.New("no postflight: macOS would keep the binaries in quarantine")
	}
	return nil
}
