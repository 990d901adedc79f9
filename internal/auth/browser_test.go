package auth

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestBrowserOpenerUsesBROWSER(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "url")
	script := filepath.Join(dir, "my browser")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf %s \"$2\" > \""+out+"\"\n"), 0o755)
	open, why := BrowserOpener(`"`+script+`" --new-window`, env(nil))
	if open == nil {
		t.Fatalf("no opener: %s", why)
	}
	if err := open(context.Background(), "https://example.test/authorize?a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "https://example.test/authorize?a=1&b=2" {
		t.Fatalf("browser got %q", got)
	}
	fail, _ := BrowserOpener("sh -c 'echo no display >&2; exit 3'", env(nil))
	if err := fail(context.Background(), "https://x"); err == nil || !strings.Contains(err.Error(), "no display") {
		t.Fatalf("failing browser: %v", err)
	}
	if open, why := BrowserOpener(`"unterminated`, env(nil)); open != nil || why == "" {
		t.Fatal("an unparsable BROWSER was accepted")
	}
}

func TestBrowserOpenerNeedsADisplay(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the display rule is for Linux and the BSDs")
	}
	if open, why := BrowserOpener("", env(nil)); open != nil || why != "no display" {
		t.Fatalf("no display: %v %q", open != nil, why)
	}
	if open, why := BrowserOpener("", env(map[string]string{"SSH_CONNECTION": "1 2 3 4"})); open != nil || !strings.Contains(why, "SSH") {
		t.Fatalf("ssh: %q", why)
	}
	t.Setenv("PATH", t.TempDir()) // no xdg-open
	if open, why := BrowserOpener("", env(map[string]string{"DISPLAY": ":0"})); open != nil || !strings.Contains(why, "xdg-open") {
		t.Fatalf("display without xdg-open: %q", why)
	}
}

func TestABrowserThatStaysOpenDoesNotBlock(t *testing.T) {
	open, _ := BrowserOpener("sh -c 'sleep 5'", env(nil))
	start := time.Now()
	if err := open(context.Background(), "https://x"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > browserGrace+2*time.Second {
		t.Fatalf("waited %v for a browser that stays open", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start = time.Now()
	if err := open(ctx, "https://x"); err == nil || time.Since(start) > time.Second {
		t.Fatalf("cancel: %v after %v", err, time.Since(start))
	}
}

func TestWholeBROWSERPathIsTriedFirst(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `dir with\backslash`)
	os.MkdirAll(dir, 0o755)
	script := filepath.Join(dir, "browser")
	out := filepath.Join(t.TempDir(), "url")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf %s \"$1\" > \""+out+"\"\n"), 0o755)
	open, why := BrowserOpener(script, env(nil))
	if open == nil {
		t.Fatal(why)
	}
	if err := open(context.Background(), "https://y"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "https://y" {
		t.Fatalf("got %q", got)
	}
}

func TestWSLUsesTheWindowsOpener(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("WSL is Linux")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "url")
	os.WriteFile(filepath.Join(dir, "rundll32.exe"), []byte("#!/bin/sh\nprintf '%s %s' \"$1\" \"$2\" > \""+out+"\"\n"), 0o755)
	t.Setenv("PATH", dir)
	wsl := env(map[string]string{"WSL_DISTRO_NAME": "Debian"})
	open, why := BrowserOpener("", wsl)
	if open == nil {
		t.Fatal(why)
	}
	if err := open(context.Background(), "https://z/?a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "url.dll,FileProtocolHandler https://z/?a=1&b=2" {
		t.Fatalf("got %q", got)
	}
	// wslview wins when installed.
	os.WriteFile(filepath.Join(dir, "wslview"), []byte("#!/bin/sh\nprintf 'wslview %s' \"$1\" > \""+out+"\"\n"), 0o755)
	open, _ = BrowserOpener("", wsl)
	open(context.Background(), "https://z")
	if got, _ := os.ReadFile(out); string(got) != "wslview https://z" {
		t.Fatalf("got %q", got)
	}
	// Neither: device code.
	t.Setenv("PATH", t.TempDir())
	if open, why := BrowserOpener("", wsl); open != nil || !strings.Contains(why, "WSL") {
		t.Fatalf("%v %q", open != nil, why)
	}
	// VS Code's remote sessions set BROWSER to their helper: it wins over all.
	if open, _ := BrowserOpener("/vscode/bin/helpers/browser.sh", wsl); open == nil {
		t.Fatal("BROWSER ignored under WSL")
	}
}
