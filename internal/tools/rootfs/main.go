// Command rootfs writes the files of patctl's container image other than the
// binary: /etc/passwd and /etc/group naming the non-root user, the CA
// certificates, and the user's home. The Dockerfile copies them into a
// FROM scratch image.
//
//	go -C internal/tools/rootfs run . -o ../../../dist-assets/container/rootfs
//
// The CA certificates are Mozilla's NSS roots as the Go project packages them
// (golang.org/x/crypto/x509roots/fallback, pinned by this module's go.sum), so
// the image is the same whatever machine builds it, and no network is needed.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The image's user: a fixed uid/gid (65532, as distroless "nonroot"), so
// `docker run --user` and volume permissions can name it.
const (
	uid  = 65532
	user = "patctl"
	home = "/home/patctl"
)

func main() {
	out := flag.String("o", "", "the `directory` to write the image's files into (replaced)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: rootfs -o DIR")
		os.Exit(2)
	}
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "rootfs:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	pemRoots, n, err := caBundle()
	if err != nil {
		return err
	}
	files := map[string]string{
		"etc/passwd": fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:%s:/sbin/nologin\n", user, uid, uid, user, home),
		"etc/group":  fmt.Sprintf("root:x:0:\n%s:x:%d:\n", user, uid),
		// The first file Go's crypto/x509 looks for on Linux.
		"etc/ssl/certs/ca-certificates.crt": pemRoots,
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	// The home holds patctl's config directory (its journal of unfinished
	// rotations); the Dockerfile gives it to the user.
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(home)), 0o755); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "rootfs: %s: passwd, group, %d CA certificates, %s\n", dir, n, home)
	return nil
}

// caBundle is every root of the NSS store without extra constraints, as PEM.
// A constrained root (distrusted for certificates issued after a date) cannot
// carry its constraint in a PEM file, so it is left out, as stricter
// distributions do.
func caBundle() (string, int, error) {
	var out []byte
	n := 0
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		if _, err := x509.ParseCertificate(r.Certificate); err != nil {
			return "", 0, fmt.Errorf("a root of the bundle does not parse: %w", err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})...)
		n++
	}
	if n < 100 {
		return "", 0, fmt.Errorf("only %d roots in the bundle", n)
	}
	return string(out), n, nil
}
