// Package iostreams carries a command's standard streams and knows, per
// stream, whether it is a terminal.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the streams of one patctl run.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
}

// New wraps the given streams; a stream is a terminal only if it is an
// *os.File that isatty says is one.
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inTTY: isTerminal(in), outTTY: isTerminal(out), errTTY: isTerminal(errOut)}
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// IsStdinTTY, IsStdoutTTY and IsStderrTTY report a terminal on that stream.
func (s *IOStreams) IsStdinTTY() bool  { return s.inTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// CanPrompt is whether a question can be asked and answered: both stdin and
// stderr (where questions go) are terminals.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// Test returns streams backed by buffers, with terminal flags to set.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY sets the terminal flags, for tests.
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }
