package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// ProgressDelay is how long an operation runs before its indicator is
// drawn: one that ends sooner shows nothing, and costs no goroutine.
const ProgressDelay = 250 * time.Millisecond

// progressTick is how often the indicator's frame advances.
const progressTick = 100 * time.Millisecond

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// progress is the one indicator of a run, on stderr when it is a terminal:
// a spinner, a label and, for listings, a count. Every write to stderr goes
// through it (progressWriter), so that the indicator's line is erased before
// a message or a prompt is written. stdout stays the *os.File it is (its
// width, a pager): a command stops the indicator before it writes there.
type progress struct {
	mu       sync.Mutex
	term     io.Writer  // the terminal behind stderr
	width    func() int // its columns; 0 when unknown
	animate  bool       // draw the spinner (not on TERM=dumb)
	label    string
	count    int64
	counting bool
	running  bool // an indicator is started
	drawn    bool // its line is on the screen
	frame    int
	gen      int // which start a timer belongs to
	timer    *time.Timer
	stop     chan struct{}
	done     chan struct{}
}

// start begins an indicator with label, drawn after ProgressDelay; one
// already running takes the new label and its count starts again.
func (p *progress) start(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.animate {
		return
	}
	p.label, p.count, p.counting = label, 0, false
	if p.running {
		if p.drawn {
			p.draw()
		}
		return
	}
	p.running = true
	p.gen++
	gen := p.gen
	p.timer = time.AfterFunc(ProgressDelay, func() { p.spin(gen) })
}

// spin draws the indicator every tick until it is stopped.
func (p *progress) spin(gen int) {
	p.mu.Lock()
	if !p.running || p.gen != gen || p.stop != nil {
		p.mu.Unlock()
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	p.stop, p.done = stop, done
	p.draw()
	p.mu.Unlock()
	defer close(done)
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.frame = (p.frame + 1) % len(spinnerFrames)
			p.draw()
			p.mu.Unlock()
		}
	}
}

// add counts n more items, shown after the label.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return
	}
	p.count += int64(n)
	p.counting = true
}

// end stops the indicator and erases its line; it returns once the
// indicator's goroutine, if any, has stopped writing.
func (p *progress) end() {
	p.mu.Lock()
	wait := p.endLocked()
	p.mu.Unlock()
	wait()
}

// endLocked stops the indicator with p.mu held, and returns what waits for
// its goroutine to end, to call once p.mu is released.
func (p *progress) endLocked() (wait func()) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	stop, done := p.stop, p.done
	p.stop, p.done = nil, nil
	p.running = false
	p.erase()
	if stop == nil {
		return func() {}
	}
	close(stop)
	return func() { <-done }
}

// draw writes the indicator's line in place of the one before, cut to the
// terminal's width so that it never wraps (a wrapped line cannot be erased).
// p.mu is held.
func (p *progress) draw() {
	if !p.running {
		return
	}
	line := spinnerFrames[p.frame] + " " + p.label + "…"
	if p.counting {
		line += " " + Thousands(p.count)
	}
	if w := p.width(); w > 0 && utf8.RuneCountInString(line) >= w {
		line = string([]rune(line)[:w-1])
	}
	fmt.Fprint(p.term, "\r\x1b[K"+line)
	p.drawn = true
}

// erase clears the indicator's line. p.mu is held.
func (p *progress) erase() {
	if p.drawn {
		fmt.Fprint(p.term, "\r\x1b[K")
		p.drawn = false
	}
}

// progressWriter is stderr on a terminal that an indicator draws on: a
// write first erases the indicator's line. A write that ends a line lets the
// indicator come back at its next tick; one that does not (a prompt) stops
// it, so that it never draws over a question.
type progressWriter struct {
	p *progress
	w io.Writer
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	pw.p.mu.Lock()
	if !pw.p.running {
		pw.p.mu.Unlock()
		return pw.w.Write(b)
	}
	pw.p.erase()
	n, err := pw.w.Write(b)
	wait := func() {}
	if !bytes.HasSuffix(b, []byte("\n")) {
		wait = pw.p.endLocked()
	}
	pw.p.mu.Unlock()
	wait()
	return n, err
}

// StartProgress shows label with a spinner on stderr while an operation
// runs, when stderr is a terminal: drawn only once the operation has taken
// ProgressDelay, erased by StopProgress and before anything else is written
// on stderr. Call StopProgress before writing on stdout, and before a line
// of stdout is left unfinished (rotate's JSON up to the old token's fields)
// start none. A second call changes the label. Elsewhere it does nothing.
func (s *IOStreams) StartProgress(label string) {
	if s != nil && s.prog != nil {
		s.prog.start(label)
	}
}

// AddProgress counts n more items (tokens read) beside the label.
func (s *IOStreams) AddProgress(n int) {
	if s != nil && s.prog != nil {
		s.prog.add(n)
	}
}

// StopProgress erases the indicator. It is safe to call when none runs.
func (s *IOStreams) StopProgress() {
	if s != nil && s.prog != nil {
		s.prog.end()
	}
}

// ShowsSteps reports whether the steps of a longer operation are shown as
// they happen (Step): when stderr is a terminal.
func (s *IOStreams) ShowsSteps() bool { return s.errTTY }

// Step says on stderr, when it is a terminal, that a step is done: a line
// "✓ what" (the mark green when colour is on). An indicator running goes on
// below it.
func (s *IOStreams) Step(what string) {
	if !s.errTTY {
		return
	}
	fmt.Fprintln(s.ErrOut, s.marked(s.ErrColorScheme().SuccessIcon(), what))
}

// Thousands writes n with a comma every three digits: 1,200.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
