package iostreams

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/google/shlex"
)

// pager is a running pager and the terminal it writes to.
type pager struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *os.File
	prev io.Writer
}

// StartPager sends stdout through the pager (PATCTL_PAGER, else PAGER, else
// less -FRX), as GitHub CLI does, when stdout is a terminal and a pager is
// set (not "" nor cat). A pager that cannot be started is skipped: the
// output is printed as it would be without one. StopPager must follow.
func (s *IOStreams) StartPager() {
	if s.pager != nil || s.paging == nil || !s.outTTY || s.pagerCmd == "" || s.pagerCmd == "cat" {
		return
	}
	out, ok := s.Out.(*os.File)
	if !ok {
		return
	}
	args, err := shlex.Split(s.pagerCmd)
	if err != nil || len(args) == 0 {
		return
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = os.Environ()
	// Options for less and lv when the user set none: quit when it all
	// fits, pass colours, leave the text on the screen.
	if _, ok := s.lookup("LESS"); !ok {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if _, ok := s.lookup("LV"); !ok {
		cmd.Env = append(cmd.Env, "LV=-c")
	}
	cmd.Stdout, cmd.Stderr = out, s.ErrOut
	in, err := cmd.StdinPipe()
	if err != nil {
		return
	}
	if err := cmd.Start(); err != nil {
		in.Close()
		return
	}
	s.pager = &pager{cmd: cmd, in: in, out: out, prev: s.Out}
	s.paging.Store(true)
	s.Out = &pagerWriter{w: in}
}

// StopPager ends the output to the pager and waits for the user to quit it.
func (s *IOStreams) StopPager() {
	p := s.pager
	if p == nil {
		return
	}
	p.in.Close()
	_ = p.cmd.Wait()
	s.Out, s.pager = p.prev, nil
	s.paging.Store(false)
}

// Paging reports whether a pager is showing the output: an interrupt then
// belongs to it (less stops a search on Ctrl-C), not to patctl.
func (s *IOStreams) Paging() bool { return s.paging != nil && s.paging.Load() }

// pagerWriter writes to the pager; once the user has quit it, the rest of
// the output is dropped rather than failing the command.
type pagerWriter struct {
	w      io.Writer
	closed bool
}

func (p *pagerWriter) Write(b []byte) (int, error) {
	if p.closed {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if err != nil && (errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)) {
		p.closed = true
		return len(b), nil
	}
	return n, err
}
