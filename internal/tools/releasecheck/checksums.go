package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"

	"github.com/patctl/patctl/internal/tools/archive"
)

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)

func readChecksums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := sumLine.FindStringSubmatch(sc.Text())
		if m == nil {
			return nil, fmt.Errorf("%s:%d: not \"SHA256  NAME\": %q", path, n, sc.Text())
		}
		if _, dup := sums[m[2]]; dup {
			return nil, fmt.Errorf("%s: %s listed twice", path, m[2])
		}
		sums[m[2]] = m[1]
	}
	return sums, sc.Err()
}

// checkChecksums: every file goreleaser uploads is listed, with its hash.
func checkChecksums(r *release) (string, error) {
	n := 0
	for _, t := range []string{"Archive", "SBOM", "Linux Package"} {
		for _, a := range r.ofType(t) {
			want, ok := r.sums[a.Name]
			if !ok {
				return "", fmt.Errorf("%s (%s) is not listed", a.Name, t)
			}
			got, err := archive.SHA256(a.Path)
			if err != nil {
				return "", err
			}
			if got != want {
				return "", fmt.Errorf("%s: sha256 %s, listed %s", a.Name, got, want)
			}
			n++
		}
	}
	if len(r.sums) != n {
		return "", fmt.Errorf("%d files listed, %d uploadable artifacts", len(r.sums), n)
	}
	return fmt.Sprintf("%d files (archives, SBOMs, packages), every hash matches", n), nil
}

// archiveFiles lists the regular files of a .tar.gz or .zip archive.
func archiveFiles(path string) (map[string]bool, error) {
	files := map[string]bool{}
	err := archive.Walk(path, func(name string, mode fs.FileMode, _ io.Reader) error {
		if mode.IsRegular() {
			files[name] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}
