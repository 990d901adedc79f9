package sink

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/regexpx"
)

// dotenv is dotenv:PATH#VAR — the line VAR=… of a dotenv file. Every other
// line is kept byte for byte; the file is 0600 and replaced whole.
type dotenv struct {
	path, name string
}

var envName = regexpx.Lazy(`^[A-Za-z_][A-Za-z0-9_]*$`)

func parseDotenv(rest string, _ Env) (Sink, error) {
	path, name, ok := strings.Cut(rest, "#")
	switch {
	case !ok || name == "":
		return nil, errors.New("the variable is missing (dotenv:PATH#VAR)")
	case !envName().MatchString(name):
		return nil, errors.New("the variable " + name + " is not a name (letters, digits, underscores)")
	case path == "":
		return nil, errors.New("a path is required (dotenv:PATH#VAR)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &dotenv{path: abs, name: name}, nil
}

func (d *dotenv) String() string { return "dotenv:" + d.path + "#" + d.name }

func (d *dotenv) Preflight(context.Context) error {
	if _, err := os.ReadFile(d.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return errorf(d, "%v", err)
	}
	return writableDir(d, d.path)
}

func (d *dotenv) Write(_ context.Context, s Secret) (string, error) {
	old, err := os.ReadFile(d.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", errorf(d, "%v", err)
	}
	if err := atomicfile.Write(d.path, setLine(old, d.name, s.Value), 0o600); err != nil {
		return "", errorf(d, "%v", err)
	}
	return "", nil
}

// setLine replaces the first line that assigns name (NAME=…, or export
// NAME=…) and drops later ones; without one, it appends the line. The
// secret needs no quoting: a PAT is letters and digits.
func setLine(content []byte, name, value string) []byte {
	line := name + "=" + value
	var out bytes.Buffer
	done := false
	for _, l := range bytes.SplitAfter(content, []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		if assigns(l, name) {
			if !done {
				out.WriteString(line)
				if bytes.HasSuffix(l, []byte("\n")) {
					out.WriteByte('\n')
				}
				done = true
			}
			continue
		}
		out.Write(l)
	}
	if !done {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString(line + "\n")
	}
	return out.Bytes()
}

func assigns(line []byte, name string) bool {
	l := strings.TrimLeft(string(line), " \t")
	l = strings.TrimPrefix(l, "export ")
	l = strings.TrimLeft(l, " \t")
	rest, ok := strings.CutPrefix(l, name)
	return ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), "=")
}
