package iostreams

import (
	"fmt"
	"strings"

	"github.com/patctl/patctl/internal/output"
)

// ColorScheme paints text with ANSI colours, or leaves it as it is when
// colour is off. Colours carry meaning: red for what no longer works, yellow
// for what soon stops, green for what went well, dim for what is past.
type ColorScheme struct{ on bool }

// ColorScheme is the scheme for stdout.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{on: s.outColor} }

// ErrColorScheme is the scheme for stderr.
func (s *IOStreams) ErrColorScheme() *ColorScheme { return &ColorScheme{on: s.errColor} }

// Enabled reports whether the scheme paints.
func (c *ColorScheme) Enabled() bool { return c.on }

func (c *ColorScheme) paint(code, t string) string {
	if !c.on || t == "" {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

func (c *ColorScheme) Bold(t string) string    { return c.paint("1", t) }
func (c *ColorScheme) Dim(t string) string     { return c.paint("2", t) }
func (c *ColorScheme) Red(t string) string     { return c.paint("31", t) }
func (c *ColorScheme) Green(t string) string   { return c.paint("32", t) }
func (c *ColorScheme) Yellow(t string) string  { return c.paint("33", t) }
func (c *ColorScheme) Magenta(t string) string { return c.paint("35", t) }
func (c *ColorScheme) Cyan(t string) string    { return c.paint("36", t) }

// SuccessIcon, WarningIcon and FailureIcon mark an outcome: ✓ ! ✗.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }
func (c *ColorScheme) FailureIcon() string { return c.Red("✗") }

// Success says on stderr that something went well: "✓ message" on a
// terminal, the message alone otherwise.
func (s *IOStreams) Success(format string, args ...any) {
	s.outcome(s.ErrColorScheme().SuccessIcon(), "", format, args...)
}

// Warn says on stderr what the user should know: "! message" on a terminal,
// "Warning: message" otherwise.
func (s *IOStreams) Warn(format string, args ...any) {
	s.outcome(s.ErrColorScheme().WarningIcon(), "Warning: ", format, args...)
}

// Fail says on stderr what went wrong or fell short: "✗ message" on a
// terminal, the message alone otherwise.
func (s *IOStreams) Fail(format string, args ...any) {
	s.outcome(s.ErrColorScheme().FailureIcon(), "", format, args...)
}

func (s *IOStreams) outcome(icon, plain, format string, args ...any) {
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	if s.errTTY {
		fmt.Fprintln(s.ErrOut, s.marked(icon, msg))
		return
	}
	fmt.Fprintln(s.ErrOut, plain+output.Unglue(msg))
}

// marked is "icon msg" for stderr's terminal: msg wrapped at its width and
// continued under its first word, so that the terminal never breaks a word
// (an id, a time) at its edge.
func (s *IOStreams) marked(icon, msg string) string {
	return icon + " " + strings.Join(output.Wrap(msg, s.errColumns()-2, nil), "\n  ")
}

// errColumns is the width of stderr's terminal, 0 when unknown or none.
func (s *IOStreams) errColumns() int {
	switch {
	case !s.errTTY:
		return 0
	case s.width > 0:
		return s.width
	case s.prog != nil:
		return s.prog.width()
	}
	return 0
}
