// Package archive reads the release's archives (.tar.gz and .zip) for the
// tools that check and describe them.
package archive

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Walk calls fn with each entry of the archive at path, in its order: the
// name, the mode and the content.
func Walk(path string, fn func(name string, mode fs.FileMode, r io.Reader) error) error {
	switch {
	case strings.HasSuffix(path, ".tar.gz"):
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := fn(h.Name, h.FileInfo().Mode(), tr); err != nil {
				return err
			}
		}
	case strings.HasSuffix(path, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, zf := range zr.File {
			r, err := zf.Open()
			if err != nil {
				return err
			}
			err = fn(zf.Name, zf.Mode(), r)
			r.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	return errors.New(filepath.Base(path) + ": not a .tar.gz or .zip archive")
}

// SHA256 is the hex SHA-256 of the file at path, as checksums.txt writes it.
func SHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
