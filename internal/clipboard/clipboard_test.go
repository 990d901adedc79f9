package clipboard

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func envOf(goos string, vars map[string]string, tools ...string) Env {
	return Env{
		Getenv: func(k string) string { return vars[k] },
		GOOS:   goos,
		LookPath: func(name string) (string, error) {
			for _, t := range tools {
				if t == name {
					return "/usr/bin/" + name, nil
				}
			}
			return "", exec.ErrNotFound
		},
	}
}

func TestFind(t *testing.T) {
	term := &bytes.Buffer{}
	withTerm := func(e Env) Env { e.Terminal = term; return e }
	for _, c := range []struct {
		name string
		env  Env
		want string // "" : ErrNone
	}{
		{"macOS", envOf("darwin", nil, "pbcopy"), "pbcopy"},
		{"Windows", envOf("windows", nil, "clip.exe"), "clip.exe"},
		{"Wayland", envOf("linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "wl-copy", "xclip"), "wl-copy"},
		{"X without xclip", envOf("linux", map[string]string{"DISPLAY": ":0"}, "xsel"), "xsel"},
		{"WSL", envOf("linux", map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, "clip.exe"), "clip.exe"},
		{"SSH with a terminal", withTerm(envOf("linux", map[string]string{"SSH_TTY": "/dev/pts/1", "DISPLAY": ":0"}, "xclip")), "the terminal (OSC 52)"},
		{"SSH without a terminal, X forwarded", envOf("linux", map[string]string{"SSH_CONNECTION": "1 2 3 4", "DISPLAY": "localhost:10"}, "xclip"), "xclip"},
		{"no display, a terminal", withTerm(envOf("linux", nil, "xclip")), "the terminal (OSC 52)"},
		{"no display, no terminal", envOf("linux", nil, "xclip"), ""},
		{"display but no tool, no terminal", envOf("linux", map[string]string{"DISPLAY": ":0"}), ""},
	} {
		got, err := Find(c.env)
		switch {
		case c.want == "" && !errors.Is(err, ErrNone):
			t.Errorf("%s: %v, %v; want ErrNone", c.name, got, err)
		case c.want != "" && (err != nil || got.String() != c.want):
			t.Errorf("%s: %v, %v; want %s", c.name, got, err, c.want)
		}
	}
	_, err := Find(envOf("linux", map[string]string{"DISPLAY": ":0"}))
	if err == nil || !strings.Contains(err.Error(), "none of xclip, xsel is on the PATH") {
		t.Errorf("the error does not say what is missing: %v", err)
	}
}

// TestToolGetsTheSecretOnStdin: the secret reaches the tool on its stdin,
// exactly, and is not among its arguments; a tool that leaves a process
// behind holding its pipes (as wl-copy and xclip do) does not hold patctl.
func TestToolGetsTheSecretOnStdin(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands for the tool")
	}
	dir := t.TempDir()
	got, args := filepath.Join(dir, "clipboard"), filepath.Join(dir, "args")
	script := filepath.Join(dir, "fake-copy")
	body := "#!/bin/sh\necho \"$@\" > " + args + "\ncat > " + got + "\n(sleep 3 >&2) &\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := (tool{argv: []string{script, "--clipboard"}, name: "fake-copy"}).Copy(context.Background(), "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second+toolWaitDelay {
		t.Fatalf("the process left behind held the copy for %s", time.Since(start))
	}
	if b, _ := os.ReadFile(got); string(b) != "s3cr3t" {
		t.Fatalf("the clipboard got %q", b)
	}
	if b, _ := os.ReadFile(args); strings.Contains(string(b), "s3cr3t") {
		t.Fatalf("the secret was in the arguments: %q", b)
	}
	failing := filepath.Join(dir, "broken-copy")
	os.WriteFile(failing, []byte("#!/bin/sh\necho 'Error: cannot open display' >&2\nexit 1\n"), 0o755)
	err := (tool{argv: []string{failing}, name: "broken-copy"}).Copy(context.Background(), "s3cr3t")
	if err == nil || !strings.Contains(err.Error(), "broken-copy: exit status 1: Error: cannot open display") {
		t.Fatalf("a failing tool: %v", err)
	}
}

func TestOSC52(t *testing.T) {
	var b bytes.Buffer
	if err := (osc52{w: &b}).Copy(context.Background(), "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("s3cr3t")) + "\a"
	if b.String() != want || strings.Contains(b.String(), "s3cr3t") {
		t.Fatalf("OSC 52: %q", b.String())
	}
	b.Reset()
	(osc52{w: &b, tmux: true}).Copy(context.Background(), "s3cr3t")
	if b.String() != want+"\x1bPtmux;\x1b"+want+"\x1b\\" {
		t.Fatalf("OSC 52 in tmux: %q", b.String())
	}
}
