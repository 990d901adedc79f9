package cli

import (
	"strings"
	"testing"
)

func TestWrapFlags(t *testing.T) {
	usages := "  -h, --help        help for x\n" +
		"      --to URI      write the secret to this URI instead of stdout: file:PATH, ado-vargroup://PROJECT/GROUP/VARIABLE[?org=ORG], or - for stdout\n" +
		"      --account s   act as this account (its user name) when several are signed in\n"
	if got := wrapFlags(usages, 0); got != strings.TrimRight(usages, "\n") {
		t.Errorf("no terminal: %q", got)
	}
	for _, width := range []int{30, 50, 80, 200} {
		got := wrapFlags(usages, width)
		for _, line := range strings.Split(got, "\n") {
			if len([]rune(line)) > width {
				t.Errorf("%d: line of %d: %q", width, len([]rune(line)), line)
			}
		}
		if words := strings.Join(strings.Fields(got), " "); !strings.Contains(words, "act as this account (its user name) when several are signed in") {
			t.Errorf("%d: words lost:\n%s", width, got)
		}
		if joined := strings.Join(strings.Fields(strings.ReplaceAll(got, "\n", "")), " "); !strings.Contains(strings.ReplaceAll(joined, " ", ""), "ado-vargroup://PROJECT/GROUP/VARIABLE[?org=ORG],") {
			t.Errorf("%d: the URI template is lost:\n%s", width, got)
		}
	}
	want := "  -h, --help        help for x\n" +
		"      --to URI      write the secret to this URI\n" +
		"                    instead of stdout: file:PATH,\n" +
		"                    ado-vargroup://PROJECT/GROUP/\n" +
		"                    VARIABLE[?org=ORG], or - for\n" +
		"                    stdout\n" +
		"      --account s   act as this account (its user\n" +
		"                    name) when several are signed\n" +
		"                    in"
	if got := wrapFlags(usages, 50); got != want {
		t.Errorf("50 columns:\n%s\nwant\n%s", got, want)
	}
}

// TestRewrap: text written for a wide terminal is wrapped again at a
// narrower one, by paragraph and list item; an indented line of its own (a
// command) is continued indented further; a text that fits is as written.
func TestRewrap(t *testing.T) {
	text := "A paragraph written for a wide terminal,\ncontinued here.\n\n" +
		" 1. an item whose text\n    goes on under its head;\n" +
		"  create   a word and\n           its meaning\n\n" +
		"  patctl rotate --name ci --to file:./x\n" +
		"    Default: x"
	want := "A paragraph written\nfor a wide terminal,\ncontinued here.\n\n" +
		" 1. an item whose text\n    goes on under its\n    head;\n" +
		"  create   a word and\n           its meaning\n\n" +
		"  patctl rotate\n      --name ci --to\n      file:./x\n" +
		"    Default: x"
	if got := rewrap(text, 22); got != want {
		t.Errorf("at 22 columns:\n%s\nwant:\n%s", got, want)
	}
	if got := rewrap(text, 200); got != text {
		t.Errorf("at 200 columns it changed:\n%s", got)
	}
	if got := rewrap(text, 0); got != text {
		t.Errorf("without a terminal it changed:\n%s", got)
	}
}
