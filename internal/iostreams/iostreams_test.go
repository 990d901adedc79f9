package iostreams

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestColourFollowsTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		vars     map[string]string
		tty      bool
		want     bool
		describe string
	}{
		{nil, true, true, "a terminal"},
		{nil, false, false, "a pipe"},
		{map[string]string{"NO_COLOR": "1"}, true, false, "NO_COLOR"},
		{map[string]string{"NO_COLOR": ""}, true, true, "NO_COLOR empty"},
		{map[string]string{"CLICOLOR": "0"}, true, false, "CLICOLOR=0"},
		{map[string]string{"TERM": "dumb"}, true, false, "TERM=dumb"},
		{map[string]string{"CLICOLOR_FORCE": "1"}, false, true, "CLICOLOR_FORCE in a pipe"},
		{map[string]string{"CLICOLOR_FORCE": "0"}, false, false, "CLICOLOR_FORCE=0"},
		{map[string]string{"FORCE_COLOR": "true"}, false, true, "FORCE_COLOR"},
		{map[string]string{"FORCE_COLOR": "1", "NO_COLOR": "1"}, true, true, "forced wins, as in GitHub CLI"},
	} {
		s, _, _, _ := Test()
		s.SetTTY(false, c.tty, c.tty)
		s.ReadEnv(env(c.vars))
		if s.ColorEnabled() != c.want || s.ColorEnabledErr() != c.want {
			t.Errorf("%s: colour %v/%v, want %v", c.describe, s.ColorEnabled(), s.ColorEnabledErr(), c.want)
		}
		if got := s.ColorScheme().Red("x"); (got != "x") != c.want {
			t.Errorf("%s: Red gives %q", c.describe, got)
		}
	}
}

func TestPagerChoice(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{nil, "less -FRX"},
		{map[string]string{"PAGER": "more"}, "more"},
		{map[string]string{"PAGER": "more", "PATCTL_PAGER": "bat"}, "bat"},
		{map[string]string{"PAGER": "more", "PATCTL_PAGER": ""}, ""},
		{map[string]string{"PAGER": ""}, ""},
	} {
		s, _, _, _ := Test()
		s.ReadEnv(env(c.vars))
		if s.pagerCmd != c.want {
			t.Errorf("%v: %q, want %q", c.vars, s.pagerCmd, c.want)
		}
	}
	// Not a terminal (a buffer): no pager whatever is set.
	s, _, out, _ := Test()
	s.SetTTY(false, true, true)
	s.ReadEnv(env(map[string]string{"PATCTL_PAGER": "cat"}))
	s.StartPager()
	if s.Paging() || s.Out != out {
		t.Fatal("paged a buffer")
	}
}

func TestOutcomes(t *testing.T) {
	s, _, _, errOut := Test()
	s.Success("done %d", 1)
	s.Warn("careful")
	s.Fail("failed\n")
	if got := errOut.String(); got != "done 1\nWarning: careful\nfailed\n" {
		t.Fatalf("piped: %q", got)
	}
	errOut.Reset()
	s.SetTTY(false, false, true)
	s.Success("done")
	s.Warn("careful")
	s.Fail("failed")
	if got := errOut.String(); got != "✓ done\n! careful\n✗ failed\n" {
		t.Fatalf("terminal: %q", got)
	}
	errOut.Reset()
	s.SetColorEnabled(true)
	s.Success("done")
	if got := errOut.String(); got != "\x1b[32m✓\x1b[0m done\n" {
		t.Fatalf("colour: %q", got)
	}
}

type failing struct{ err error }

func (f failing) Write([]byte) (int, error) { return 0, f.err }

func TestPagerQuitEarlyIsNoError(t *testing.T) {
	w := &pagerWriter{w: failing{&os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE}}}
	if n, err := w.Write([]byte("row\n")); n != 4 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
	if n, err := w.Write([]byte("more\n")); n != 5 || err != nil {
		t.Fatalf("after: %d %v", n, err)
	}
	other := errors.New("disk full")
	if _, err := (&pagerWriter{w: failing{other}}).Write([]byte("x")); !errors.Is(err, other) {
		t.Fatal(err)
	}
}
