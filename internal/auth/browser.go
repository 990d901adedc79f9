package auth

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/google/shlex"
)

// BrowserOpener finds how to open a URL: the command in $BROWSER when set
// (the URL as its one argument), else the platform's opener. It returns nil
// and the reason when no browser can be used here.
func BrowserOpener(browserEnv string, getenv func(string) string) (func(string) error, string) {
	if strings.TrimSpace(browserEnv) != "" {
		argv, err := shlex.Split(browserEnv)
		if err != nil || len(argv) == 0 {
			return nil, "BROWSER cannot be parsed"
		}
		return func(url string) error { return run(append(argv, url)) }, ""
	}
	switch runtime.GOOS {
	case "darwin":
		return func(url string) error { return run([]string{"open", url}) }, ""
	case "windows":
		return func(url string) error { return run([]string{"rundll32", "url.dll,FileProtocolHandler", url}) }, ""
	}
	// Linux and the BSDs: a browser needs a display.
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" {
			return nil, "an SSH session without a display"
		}
		return nil, "no display"
	}
	opener, err := exec.LookPath("xdg-open")
	if err != nil {
		return nil, "xdg-open is not installed"
	}
	return func(url string) error { return run([]string{opener, url}) }, ""
}

// run starts a browser command and waits for it; its output is kept only to
// explain a failure.
func run(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && stderr.Len() > 0 {
			return fmt.Errorf("%s: %v: %s", argv[0], err, firstLine(stderr.String()))
		}
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
