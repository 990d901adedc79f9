// Package clipboard puts a secret on the person's clipboard: with the
// platform's tool (pbcopy, clip.exe, wl-copy, xclip, xsel), the secret on
// its stdin and never among its arguments, where other users' ps would see
// it; or through the terminal with OSC 52, which the terminal emulator on
// the person's own machine turns into a copy — the way to reach it over SSH.
package clipboard

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Clipboard takes a secret.
type Clipboard interface {
	Copy(ctx context.Context, secret string) error
	// String names it for messages: "wl-copy", "the terminal (OSC 52)".
	String() string
}

// Env is what Find looks at.
type Env struct {
	Getenv   func(string) string
	GOOS     string                       // runtime.GOOS
	LookPath func(string) (string, error) // exec.LookPath
	// Terminal is a stream on the person's terminal (stderr, else stdout),
	// nil when neither is one: OSC 52 goes there.
	Terminal io.Writer
}

// ErrNone means no clipboard can be reached from here.
var ErrNone = errors.New("no clipboard can be reached")

// Find chooses the clipboard: over SSH (SSH_TTY or SSH_CONNECTION set) the
// terminal's, as a tool would copy on the far machine; else the platform's
// tool; else, with a terminal, the terminal's. It runs nothing.
func Find(env Env) (Clipboard, error) {
	ssh := env.Getenv("SSH_TTY") != "" || env.Getenv("SSH_CONNECTION") != ""
	if ssh && env.Terminal != nil {
		return osc52{w: env.Terminal, tmux: env.Getenv("TMUX") != ""}, nil
	}
	var tried []string
	for _, argv := range candidates(env) {
		path, err := env.LookPath(argv[0])
		if err == nil {
			return tool{argv: append([]string{path}, argv[1:]...), name: argv[0]}, nil
		}
		tried = append(tried, argv[0])
	}
	if env.Terminal != nil {
		return osc52{w: env.Terminal, tmux: env.Getenv("TMUX") != ""}, nil
	}
	why := "no terminal to copy through (OSC 52)"
	if len(tried) > 0 {
		why = "none of " + strings.Join(tried, ", ") + " is on the PATH, and " + why
	} else if env.GOOS != "darwin" && env.GOOS != "windows" {
		why = "no display (WAYLAND_DISPLAY, DISPLAY) for a clipboard tool, and " + why
	}
	return nil, fmt.Errorf("%w: %s", ErrNone, why)
}

// candidates are the tools that may reach the clipboard here, best first.
func candidates(env Env) [][]string {
	switch env.GOOS {
	case "darwin":
		return [][]string{{"pbcopy"}}
	case "windows":
		return [][]string{{"clip.exe"}}
	}
	var c [][]string
	if env.Getenv("WSL_DISTRO_NAME") != "" || env.Getenv("WSL_INTEROP") != "" {
		c = append(c, []string{"clip.exe"}) // Windows' clipboard
	}
	if env.Getenv("WAYLAND_DISPLAY") != "" {
		c = append(c, []string{"wl-copy"})
	}
	if env.Getenv("DISPLAY") != "" {
		c = append(c, []string{"xclip", "-selection", "clipboard"}, []string{"xsel", "--clipboard", "--input"})
	}
	return c
}

// toolTimeout bounds a clipboard tool; toolWaitDelay is how long its output
// is waited for once it has exited: wl-copy, xclip and xsel leave a process
// behind that serves the clipboard, holding the pipes.
const (
	toolTimeout   = 10 * time.Second
	toolWaitDelay = time.Second
)

// tool is a clipboard program that reads the secret on its stdin.
type tool struct {
	argv []string
	name string
}

func (t tool) String() string { return t.name }

func (t tool) Copy(ctx context.Context, secret string) error {
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.argv[0], t.argv[1:]...)
	cmd.Stdin = strings.NewReader(secret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = toolWaitDelay
	err := cmd.Run()
	if err == nil || errors.Is(err, exec.ErrWaitDelay) {
		return nil
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("%s: %v: %s", t.name, err, msg)
	}
	return fmt.Errorf("%s: %w", t.name, err)
}

// osc52 asks the terminal emulator to copy: ESC ] 52 ; c ; base64 BEL. It
// shows nothing on the screen. Inside tmux it is sent twice: plain, which
// tmux takes with `set-clipboard on`, and wrapped for tmux to pass through
// to the terminal around it (`allow-passthrough on` from tmux 3.3); a copy
// made twice is the same copy.
type osc52 struct {
	w    io.Writer
	tmux bool
}

func (o osc52) String() string { return "the terminal (OSC 52)" }

func (o osc52) Copy(_ context.Context, secret string) error {
	seq := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(secret)) + "\a"
	if o.tmux {
		seq += "\x1bPtmux;\x1b" + seq + "\x1b\\"
	}
	_, err := io.WriteString(o.w, seq)
	return err
}

// IsTerminal reports whether c copies through the terminal, which cannot
// say whether it did.
func IsTerminal(c Clipboard) bool {
	_, ok := c.(osc52)
	return ok
}
