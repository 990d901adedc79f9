package sink

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/patctl/patctl/internal/atomicfile"
)

// file is file:PATH — the secret alone in a file, 0600, replaced whole.
type file struct {
	path string
}

func parseFile(rest string, _ Env) (Sink, error) {
	if rest == "" {
		return nil, errors.New("a path is required (file:PATH)")
	}
	abs, err := filepath.Abs(rest)
	if err != nil {
		return nil, err
	}
	return &file{path: abs}, nil
}

// File is the sink of --output-file.
func File(path string) (Sink, error) { return parseFile(path, Env{}) }

func (f *file) String() string { return "file:" + f.path }

func (f *file) Preflight(context.Context) error { return writableDir(f, f.path) }

func (f *file) Write(_ context.Context, s Secret) (string, error) {
	// 0600 from the start, and whole or not at all.
	if err := atomicfile.Write(f.path, []byte(s.Value+"\n"), 0o600); err != nil {
		return "", errorf(f, "%v", err)
	}
	return "", nil
}

// writableDir checks that a file can be made beside path, and that path is
// not a directory.
func writableDir(s Sink, path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return errorf(s, "%s is a directory", path)
	}
	probe, err := os.CreateTemp(filepath.Dir(path), ".patctl-probe-*")
	if err != nil {
		return errorf(s, "cannot write in the directory of %s: %v", path, errors.Unwrap(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}
