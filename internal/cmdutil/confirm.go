package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/patctl/patctl/internal/iostreams"
)

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1024

// Confirm asks a yes/no question on stderr and reads the answer, a line of
// stdin: "y" or "yes" is yes; Enter alone, anything else, and the end of
// input (Ctrl-D) are no. Waiting for it ends with ctx — Ctrl-C or SIGTERM —
// with ctx's error. Unless a line was typed (and echoed), the prompt's line
// is ended first, so that what patctl says next starts on a line of its own.
func Confirm(ctx context.Context, ios *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	type answer struct {
		line string
		err  error
	}
	// A read from a terminal cannot be cancelled: it goes on in the
	// background, and an interrupt ends the process before it matters.
	answered := make(chan answer, 1)
	go func() {
		line, err := readLine(ios.In)
		answered <- answer{line, err}
	}()
	var a answer
	select {
	case <-ctx.Done():
		fmt.Fprintln(ios.ErrOut)
		return false, ctx.Err()
	case a = <-answered:
	}
	if a.err != nil {
		// The input ended before a line did: Ctrl-D, or stdin closed. No
		// answer confirmed with Enter is a no.
		fmt.Fprintln(ios.ErrOut)
		if errors.Is(a.err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("read the answer: %w", a.err)
	}
	switch strings.ToLower(strings.TrimSpace(a.line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// readLine reads up to a newline, a byte at a time so as to take nothing of
// stdin beyond the answer; err is io.EOF when the input ended first.
func readLine(r io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < maxAnswer {
		n, err := r.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return string(line), nil
			}
			line = append(line, b[0])
			continue
		}
		if err != nil {
			return string(line), err
		}
	}
	return string(line), nil
}
