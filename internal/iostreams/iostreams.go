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

	// colour on stdout and on stderr
	outColor, errColor bool
	// the progress indicator on stderr (nil elsewhere), the columns of
	// stdout and stderr (0 when unknown)
	prog               *progress
	outWidth, errWidth func() int
}

// New wraps the given streams; a stream is a terminal only if it is an
// *os.File that isatty says is one. When stderr is a terminal, it goes
// through the progress indicator, which erases itself before anything is
// written there (see StartProgress). Colour is on for a terminal
// until SetEnv says otherwise.
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	s := &IOStreams{In: in, Out: out, ErrOut: errOut, inTTY: isTerminal(in), outTTY: isTerminal(out), errTTY: isTerminal(errOut)}
	s.outWidth, s.errWidth = widthOf(out, s.outTTY), widthOf(errOut, s.errTTY)
	s.outColor, s.errColor = s.outTTY, s.errTTY
	if s.errTTY {
		s.prog = &progress{term: errOut, width: s.errWidth, animate: true}
		s.ErrOut = &progressWriter{p: s.prog, w: errOut}
	}
	return s
}

// SetEnv applies the environment's say on the terminal: NO_COLOR (any
// value) turns colour off, TERM=dumb turns off colour and the spinner (the
// steps of StepDone are plain lines and still show).
func (s *IOStreams) SetEnv(getenv func(string) string) {
	dumb := getenv("TERM") == "dumb"
	if getenv("NO_COLOR") != "" || dumb {
		s.outColor, s.errColor = false, false
	}
	if dumb && s.prog != nil {
		s.prog.mu.Lock()
		s.prog.animate = false
		s.prog.mu.Unlock()
	}
}

// widthOf is how to read the columns of w, a terminal (0 when unknown).
func widthOf(w io.Writer, tty bool) func() int {
	f, ok := w.(*os.File)
	if !tty || !ok {
		return func() int { return 0 }
	}
	return func() int {
		cols, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return cols
	}
}

// TerminalWidth is how many columns the terminal of stdout has (80 when it
// cannot tell); 0 when stdout is not a terminal.
func (s *IOStreams) TerminalWidth() int {
	if !s.outTTY {
		return 0
	}
	if w := s.outWidth(); w > 0 {
		return w
	}
	return 80
}

// ColorEnabled reports colour on stdout; ColorEnabledErr on stderr: a
// terminal, with neither NO_COLOR nor TERM=dumb.
func (s *IOStreams) ColorEnabled() bool    { return s.outColor }
func (s *IOStreams) ColorEnabledErr() bool { return s.errColor }

// TerminalWriter is a stream that reaches the terminal — stderr, else
// stdout — for what a terminal reads but does not show (OSC 52); nil when
// neither is one.
func (s *IOStreams) TerminalWriter() io.Writer {
	switch {
	case s.errTTY:
		return s.ErrOut
	case s.outTTY:
		return s.Out
	}
	return nil
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
	none := func() int { return 0 }
	return &IOStreams{In: in, Out: out, ErrOut: errOut, outWidth: none, errWidth: none}, in, out, errOut
}

// SetTTY sets the terminal flags, for tests.
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }

// SetSize sets the terminal's columns, for tests (rows: unused).
func (s *IOStreams) SetSize(width, _ int) { s.outWidth = func() int { return width } }

// SetColorEnabled sets colour on both streams, for tests.
func (s *IOStreams) SetColorEnabled(on bool) { s.outColor, s.errColor = on, on }
