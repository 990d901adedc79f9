package auth

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
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
	if err := open("https://example.test/authorize?a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "https://example.test/authorize?a=1&b=2" {
		t.Fatalf("browser got %q", got)
	}
	fail, _ := BrowserOpener("sh -c 'echo no display >&2; exit 3'", env(nil))
	if err := fail("https://x"); err == nil || !strings.Contains(err.Error(), "no display") {
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
