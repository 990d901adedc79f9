// Package iostreams carries a command's standard streams and knows, per
// stream, whether it is a terminal, how wide it is, whether to colour it and
// which pager to send a long table through.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"sync/atomic"

	"golang.org/x/term"

	"github.com/patctl/patctl/internal/config"
)

// IOStreams are the streams of one patctl run.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	// colour on stdout and on stderr: only on a terminal, unless forced
	outColor, errColor bool
	// width and height of the terminal, when a test sets them
	width, height int

	pagerCmd string
	pager    *pager
	paging   *atomic.Bool // shared by copies of the streams
	lookup   func(string) (string, bool)

	// the progress indicator on stderr, when it is a terminal (nil elsewhere)
	prog *progress
}

// New wraps the given streams; a stream is a terminal only if it is an
// *os.File that isatty says is one. Colour is on where a stream is a
// terminal, until ReadEnv says otherwise. When stderr is a terminal, it goes
// through the progress indicator, which erases itself before anything is
// written there (see StartProgress); stdout stays the *os.File it is.
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	s := &IOStreams{In: in, Out: out, ErrOut: errOut, inTTY: isTerminal(in), outTTY: isTerminal(out), errTTY: isTerminal(errOut), paging: new(atomic.Bool)}
	s.outColor, s.errColor = s.outTTY, s.errTTY
	s.lookup = func(string) (string, bool) { return "", false }
	if s.errTTY {
		s.prog = &progress{term: errOut, width: widthOf(errOut), animate: true}
		s.ErrOut = &progressWriter{p: s.prog, w: errOut}
	}
	return s
}

// widthOf is how to read the columns of f, a terminal (0 when unknown).
func widthOf(w io.Writer) func() int {
	f, ok := w.(*os.File)
	if !ok {
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

// ReadEnv applies the environment: colour (NO_COLOR, CLICOLOR=0 and
// TERM=dumb turn it off, CLICOLOR_FORCE or FORCE_COLOR on, as GitHub CLI
// reads them; TERM=dumb also turns off the spinner) and the pager (PATCTL_PAGER, else PAGER, else less -FRX; set
// but empty means none). lookup is os.LookupEnv or a test's.
func (s *IOStreams) ReadEnv(lookup func(string) (string, bool)) {
	get := func(k string) string { v, _ := lookup(k); return v }
	off := get(config.EnvNoColor) != "" || get(config.EnvCLIColor) == "0" || get(config.EnvTerm) == "dumb"
	forced := set(get(config.EnvColorForce)) || set(get(config.EnvForceColor))
	s.outColor = forced || (!off && s.outTTY)
	s.errColor = forced || (!off && s.errTTY)
	if s.prog != nil && get(config.EnvTerm) == "dumb" {
		// A terminal that cannot erase a line: no spinner (the steps of
		// Step are plain lines and still show).
		s.prog.mu.Lock()
		s.prog.animate = false
		s.prog.mu.Unlock()
	}
	s.pagerCmd = config.DefaultPager
	if v, ok := lookup(config.EnvPager); ok {
		s.pagerCmd = v
	} else if v, ok := lookup(config.EnvPagerCommon); ok {
		s.pagerCmd = v
	}
	s.lookup = lookup
}

// set is a forcing variable's "yes": anything but empty, 0 and false.
func set(v string) bool { return v != "" && v != "0" && v != "false" }

// IsStdinTTY, IsStdoutTTY and IsStderrTTY report a terminal on that stream.
func (s *IOStreams) IsStdinTTY() bool  { return s.inTTY }
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// CanPrompt is whether a question can be asked and answered: both stdin and
// stderr (where questions go) are terminals.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// ColorEnabled reports colour on stdout; ColorEnabledErr on stderr.
func (s *IOStreams) ColorEnabled() bool    { return s.outColor }
func (s *IOStreams) ColorEnabledErr() bool { return s.errColor }

// SetColorEnabled sets colour on both streams, for tests.
func (s *IOStreams) SetColorEnabled(on bool) { s.outColor, s.errColor = on, on }

// TerminalWidth is how many columns the terminal of stdout has (80 when it
// cannot tell); 0 when stdout is not a terminal: nothing to fit.
func (s *IOStreams) TerminalWidth() int {
	w, _ := s.size()
	return w
}

// TerminalHeight is how many rows it has (24 when it cannot tell); 0 when
// stdout is not a terminal.
func (s *IOStreams) TerminalHeight() int {
	_, h := s.size()
	return h
}

func (s *IOStreams) size() (int, int) {
	if !s.outTTY {
		return 0, 0
	}
	if s.width > 0 {
		return s.width, s.height
	}
	if f, ok := s.Out.(*os.File); ok {
		if w, h, err := term.GetSize(int(f.Fd())); err == nil && w > 0 && h > 0 {
			return w, h
		}
	}
	if p := s.pager; p != nil {
		if w, h, err := term.GetSize(int(p.out.Fd())); err == nil && w > 0 && h > 0 {
			return w, h
		}
	}
	return 80, 24
}

// SetSize sets the terminal's width and height, for tests.
func (s *IOStreams) SetSize(width, height int) { s.width, s.height = width, height }

// Test returns streams backed by buffers, with terminal flags to set.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, paging: new(atomic.Bool), lookup: func(string) (string, bool) { return "", false }}, in, out, errOut
}

// SetTTY sets the terminal flags, for tests.
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }
