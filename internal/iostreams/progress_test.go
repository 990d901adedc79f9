package iostreams

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// screen is a terminal's bytes, written from several goroutines.
type screen struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// onTerminal is streams whose stdout and stderr are one fake terminal of
// cols columns.
func onTerminal(cols int) (*IOStreams, *screen) {
	scr := &screen{}
	s, _, _, _ := Test()
	s.SetTTY(true, true, true)
	s.prog = &progress{term: scr, width: func() int { return cols }, animate: true}
	s.Out, s.ErrOut = scr, &progressWriter{p: s.prog, w: scr}
	return s, scr
}

func waitFor(t *testing.T, scr *screen, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(scr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen shows no %q: %q", want, scr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProgressQuickOperationDrawsNothing(t *testing.T) {
	s, scr := onTerminal(80)
	s.StartProgress("Listing tokens")
	s.AddProgress(100)
	s.StopProgress()
	time.Sleep(ProgressDelay + 2*progressTick)
	if scr.String() != "" {
		t.Fatalf("a quick operation drew %q", scr.String())
	}
}

func TestProgressDrawsCountAndErasesBeforeOutput(t *testing.T) {
	s, scr := onTerminal(80)
	start := time.Now()
	s.StartProgress("Listing tokens")
	s.AddProgress(1000)
	s.AddProgress(200)
	waitFor(t, scr, "Listing tokens… 1,200")
	if time.Since(start) < ProgressDelay {
		t.Fatalf("drawn after %s, before the delay", time.Since(start))
	}
	// A message on stderr is written on an erased line, and the indicator
	// comes back below it.
	s.ErrOut.Write([]byte("patctl: retrying\n"))
	waitFor(t, scr, "patctl: retrying\n\r\x1b[K")
	s.StopProgress()
	s.Out.Write([]byte("NAME\n"))
	got := scr.String()
	if !strings.Contains(got, "1,200\r\x1b[Kpatctl: retrying\n") || !strings.HasSuffix(got, "\r\x1b[KNAME\n") {
		t.Fatalf("not written on an erased line: %q", got)
	}
	// Stopped: nothing more is drawn.
	n := len(scr.String())
	time.Sleep(3 * progressTick)
	if len(scr.String()) != n {
		t.Fatalf("drawn after it stopped: %q", scr.String()[n:])
	}
}

func TestProgressStopsForAPrompt(t *testing.T) {
	s, scr := onTerminal(80)
	s.StartProgress("Working")
	waitFor(t, scr, "Working…")
	s.ErrOut.Write([]byte("Revoke it? [y/N] "))
	n := len(scr.String())
	time.Sleep(3 * progressTick)
	if got := scr.String(); len(got) != n || !strings.HasSuffix(got, "\r\x1b[KRevoke it? [y/N] ") {
		t.Fatalf("the indicator drew over a prompt: %q", got)
	}
}

func TestProgressNeverWiderThanTheTerminal(t *testing.T) {
	s, scr := onTerminal(12)
	s.StartProgress("Looking for a very long name")
	waitFor(t, scr, "Looki")
	s.StopProgress()
	for _, line := range strings.Split(scr.String(), "\r\x1b[K") {
		if n := len([]rune(line)); n >= 12 {
			t.Fatalf("a line of %d columns on a terminal of 12: %q", n, line)
		}
	}
}

func TestStepsOnlyOnATerminal(t *testing.T) {
	s, _, _, errOut := Test()
	s.StartProgress("x")
	s.Step("Created")
	s.StopProgress()
	if errOut.Len() != 0 {
		t.Fatalf("not a terminal, yet %q", errOut)
	}
	s.SetTTY(false, false, true)
	s.Step("Created")
	s.SetColorEnabled(true)
	s.Step("Verified")
	if errOut.String() != "✓ Created\n\x1b[32m✓\x1b[0m Verified\n" {
		t.Fatalf("steps %q", errOut)
	}
}

func TestDumbTerminalHasNoSpinner(t *testing.T) {
	s, scr := onTerminal(80)
	s.SetColorEnabled(true)
	s.ReadEnv(func(k string) (string, bool) { v, ok := map[string]string{"TERM": "dumb"}[k]; return v, ok })
	s.StartProgress("Working")
	time.Sleep(ProgressDelay + 2*progressTick)
	s.Step("Done")
	if got := scr.String(); got != "✓ Done\n" {
		t.Fatalf("TERM=dumb: %q", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1200: "1,200", 1234567: "1,234,567", -4000: "-4,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
