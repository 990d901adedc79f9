package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/google/shlex"
)

// browserGrace is how long a browser command may take to fail. One still
// running after that is taken to have opened the page (a browser may stay
// open as long as its window does).
const browserGrace = 3 * time.Second

// BrowserOpener finds how to open a URL: the command in $BROWSER when set
// (the URL as its one argument), else the platform's opener. It returns nil
// and the reason when no browser can be used here.
func BrowserOpener(browserEnv string, getenv func(string) string) (func(context.Context, string) error, string) {
	if strings.TrimSpace(browserEnv) != "" {
		argv := []string{browserEnv}
		// A path that exists as written (C:\Program Files\…) is taken whole;
		// otherwise the value is split like a shell would.
		if _, err := exec.LookPath(browserEnv); err != nil {
			split, err := shlex.Split(browserEnv)
			if err != nil || len(split) == 0 {
				return nil, "BROWSER cannot be parsed"
			}
			argv = split
		}
		return func(ctx context.Context, url string) error { return run(ctx, append(argv, url)) }, ""
	}
	// WSL: the browser is Windows', reached through its opener.
	if getenv("WSL_DISTRO_NAME") != "" || getenv("WSL_INTEROP") != "" {
		for _, argv := range [][]string{{"wslview"}, {"rundll32.exe", "url.dll,FileProtocolHandler"}} {
			if path, err := exec.LookPath(argv[0]); err == nil {
				argv := append([]string{path}, argv[1:]...)
				return func(ctx context.Context, url string) error { return run(ctx, append(argv, url)) }, ""
			}
		}
		return nil, "WSL without wslview or Windows' rundll32.exe on the PATH"
	}
	// Over SSH a browser would open on the far machine's screen, if any.
	noDisplay := getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == ""
	if (getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "") && (noDisplay || runtime.GOOS != "linux") {
		return nil, "an SSH session without a display"
	}
	switch runtime.GOOS {
	case "darwin":
		return func(ctx context.Context, url string) error { return run(ctx, []string{"open", url}) }, ""
	case "windows":
		return func(ctx context.Context, url string) error {
			return run(ctx, []string{"rundll32", "url.dll,FileProtocolHandler", url})
		}, ""
	}
	// Linux and the BSDs: a browser needs a display.
	if noDisplay {
		return nil, "no display"
	}
	opener, err := exec.LookPath("xdg-open")
	if err != nil {
		return nil, "xdg-open is not installed"
	}
	return func(ctx context.Context, url string) error { return run(ctx, []string{opener, url}) }, ""
}

// run starts a browser command. It fails if the command cannot start or
// fails within browserGrace; a command still running then is left to run.
// The sign-in waits for the browser's answer, not for the command.
func run(ctx context.Context, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && stderr.Len() > 0 {
			return fmt.Errorf("%s: %v: %s", argv[0], err, firstLine(stderr.String()))
		}
		return fmt.Errorf("%s: %w", argv[0], err)
	case <-time.After(browserGrace):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
